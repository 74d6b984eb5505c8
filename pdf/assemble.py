"""Writing the dossier's volume (一事一档) to disk: the generated part, every merged evidence page with its
stamp, the embedded originals and the manifest, bookmarks and the PDF/A-3b catalog — `render`.

What the volume shows is `pdf.dossier`'s (record → pages, stamps, notes); this module only assembles it, and
does so in constant memory (`pdf.stream_writer`): each evidence file is opened, cleaned of active content,
stamped and copied, then closed before the next; each original is compressed to a temporary file and copied
into the volume in chunks; nothing holds the whole volume. Measured by ``bench/dossier.py``.

Reproducible: ReportLab runs with ``invariant=1``, every date comes from the record, objects are numbered in
the order they are written and the trailer /ID is derived from the content — the same record and files give
the same bytes.
"""

from __future__ import annotations

import gc
import hashlib
import io
import itertools
import tempfile
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pikepdf
from pikepdf import Dictionary, Name
from reportlab.pdfgen import canvas as rl_canvas

from pdf import dossier, fonts, pdfa, story
from pdf.stream_writer import Copier, StreamWriter, literal

# How the volume is written, in the manifest's "renderer" beside the layout: a dossier written before a change
# of it is told apart from a changed file (verify: "renderer changed"). 2: streamed object by object to disk.
ASSEMBLY = "2"
ZLEVEL = 1  # attachments: fast compression (they are mostly PDFs, JPEGs and Office files, compressed already)
CHUNK = 1 << 20  # attachments larger than this are copied chunk by chunk
SAMPLE = 1 << 16  # how much of an attachment is tried before deciding to compress it


class OverlayFont:
    """The primary font, subset once for every character the overlay needs (ReportLab, invariant), and
    the byte codes of each text in that subset: the overlay's content streams are then written directly,
    one small Form XObject per page, instead of a ReportLab page per page of the dossier."""

    def __init__(self, chain: fonts.FontChain, texts: set[str]):
        from reportlab.pdfbase import pdfmetrics

        self.font = pdfmetrics.getFont(chain.primary)
        self.name = chain.primary
        palette = "".join(sorted(set("".join(texts))))
        buf = io.BytesIO()
        c = rl_canvas.Canvas(buf, invariant=1, initialFontName=chain.primary, pageCompression=1)
        c.setFont(chain.primary, 8)
        c.drawString(0, 0, palette)
        self._doc = c._doc
        self.encoded = {t: self._encode(t) for t in texts}
        c.showPage()
        c.save()
        self.pdf = pikepdf.open(io.BytesIO(buf.getvalue()))

    def _encode(self, text: str) -> bytes:
        ops = []
        for subset, chunk in self.font.splitString(text, self._doc):
            ops.append(f"{self.font.getSubsetInternalName(subset, self._doc)} {{size}} Tf <{chunk.hex()}> Tj".encode())
        return b" ".join(ops)

    def width(self, text: str, size: float) -> float:
        from reportlab.pdfbase import pdfmetrics

        return pdfmetrics.stringWidth(text, self.name, size)

    def fonts_resource(self) -> pikepdf.Object:
        """The subset font(s). ReportLab tags the first subset of every document AAAAAA+…, like the generated
        part's; `pdfa.retag_subsets` gives every subset of the dossier its own tag before saving (poppler
        confuses two fonts of one name on one page: wrong text extracted)."""
        return self.pdf.pages[0].obj.Resources.Font

    def content(self, st: dossier.Stamp) -> bytes:
        out = [b"q"]
        for x, y, size, grey, text, right in st.items:
            if not text:
                continue
            width = self.width(text, size)
            if right:
                x -= width
            if st.backed:  # white backing box: from below the descenders to above the ascenders, 1.5 pt margin
                pad = 1.5
                out.append(f"1 g {x - pad:.2f} {y - 0.25 * size - pad:.2f} {width + 2 * pad:.2f} "
                           f"{1.15 * size + 2 * pad:.2f} re f".encode())
            ops = self.encoded[text].replace(b"{size}", f"{size:g}".encode())
            out.append(f"{grey:g} g BT 1 0 0 1 {x:.2f} {y:.2f} Tm ".encode() + ops + b" ET")
        out.append(b"Q")
        return b"\n".join(out)


def _stamp(out: pikepdf.Pdf, page: pikepdf.Page, st: dossier.Stamp, font: OverlayFont, font_res: pikepdf.Object,
           push: pikepdf.Object, shared: dict[bytes, pikepdf.Stream]) -> None:
    """Put the stamp on the page as a Form XObject, placed upright whatever the page's /Rotate and box
    origin (qpdf's placement); the page's own content stream is left as it is, wrapped in q/Q."""
    formx = pikepdf.Stream(out, font.content(st))
    formx.Type, formx.Subtype = Name.XObject, Name.Form
    formx.BBox = pikepdf.Array([0, 0, st.width, st.height])
    formx.Resources = Dictionary(Font=font_res)
    obj = page.obj
    res = obj.get(Name.Resources)
    res = Dictionary({k: v for k, v in res.items()}) if isinstance(res, Dictionary) else Dictionary()
    xobjects = res.get(Name.XObject)
    xobjects = Dictionary({k: v for k, v in xobjects.items()}) if isinstance(xobjects, Dictionary) else Dictionary()
    name = next(n for n in (f"/JzStamp{i}" for i in range(len(xobjects) + 1)) if n not in xobjects)
    xobjects[name] = formx
    res.XObject = xobjects
    obj.Resources = res  # a page's own copy: resources shared between pages are not changed
    cs = page.calc_form_xobject_placement(formx, Name(name), dossier.page_box(page), invert_transformations=True,
                                          allow_shrink=True, allow_expand=True)
    page.contents_add(push, prepend=True)
    pop = b"\nQ\n" + cs + b"\n"  # the same for every page of one size, rotation and resource name
    if pop not in shared:
        shared[pop] = out.make_indirect(pikepdf.Stream(out, pop))
    page.contents_add(shared[pop])


@dataclass
class Rendered:
    """A rendered volume: on disk at ``path`` (render(..., out=path)), or in memory (``data``) when no path was
    given. ``sha256`` and ``size`` are of the file as written."""

    path: Path | None
    pages: int
    front_pages: int
    manifest: dict
    warnings: list[str]
    sha256: str
    size: int
    timings: dict[str, float] = field(default_factory=dict)
    content: bytes | None = field(default=None, repr=False)
    active: list[str] = field(default_factory=list)  # active content met while writing (should be none)

    @property
    def data(self) -> bytes:
        """The volume's bytes (read from disk when it was written there: only for small volumes)."""
        if self.content is not None:
            return self.content
        assert self.path is not None
        return self.path.read_bytes()


class _Clock:
    """CPU seconds per step of a rendering (printed by bench/dossier.py)."""

    def __init__(self) -> None:
        self.steps: dict[str, float] = {}
        self._t = time.process_time()

    def lap(self, step: str) -> None:
        now = time.process_time()
        self.steps[step] = round(self.steps.get(step, 0.0) + now - self._t, 3)
        self._t = now


def render(record: dict, files: dict[int, Path], renditions: dict[int, Path] | None = None,
           out: Path | None = None) -> Rendered:
    """The dossier of `record`, written to ``out`` (or kept in memory when ``out`` is None); `files` maps each
    evidence id to its (already fixity-checked) file, `renditions` evidence ids of Word/WPS/ODF originals to
    their PDF renditions (merged as pages; the originals embedded).

    Python's cyclic garbage collector is paused while rendering: the merge and the overlay create
    tens of thousands of short-lived PDF object wrappers, and collections triggered by them cost more
    than the rest of the stamping (measured: ~200 µs vs ~50 µs per page). Reference counting still
    frees everything; the collector resumes (and runs once) at the end.
    """
    with _RENDER_LOCK:  # ReportLab keeps per-document state in shared font objects: one rendering at a time
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            if out is not None:
                return _render(record, files, renditions or {}, out)
            with tempfile.TemporaryDirectory(prefix="juece-dossier-") as tmp:
                r = _render(record, files, renditions or {}, Path(tmp) / "dossier.pdf")
                r.content, r.path = r.data, None
                return r
        finally:
            if was_enabled:
                gc.enable()
                gc.collect(0)


_RENDER_LOCK = threading.Lock()


def _render(record: dict, files: dict[int, Path], renditions: dict[int, Path], target: Path) -> Rendered:
    clock = _Clock()
    chain = fonts.chain()
    dec = record["decision"]
    code = dossier.volume_label(record)
    parts = [dossier.probe(e, files[e["id"]], renditions.get(e["id"])) for e in record["evidence"]]
    clock.lap("probe")
    front, front_pages, anchors, slots = story.render_front(record, parts, chain)
    clock.lap("front (ReportLab)")
    page = front_pages + 1
    for p in parts:
        if p.merged:
            p.first_page = page
            page += p.pages
    tail, tail_pages, wanted = b"", 0, 1
    while tail_pages != wanted:  # the 卷内备考表 states the volume's page count, its own pages included
        tail_pages = wanted
        tail, wanted = story.render_tail(record, parts, chain, page, page - 1 + tail_pages, front_pages, tail_pages)
    anchors["notes"] = page
    layout = dossier.Layout(front_pages, page - 1 + tail_pages, anchors, tail_pages)
    total = layout.total_pages
    plan = dossier.overlay_plan(code, parts, layout, slots, story.slot_texts(parts, layout), chain)
    if len(plan) != front_pages:  # the parts are closed after probing: the plan covers the generated pages
        raise RuntimeError("overlay plan does not match the generated part")
    texts = {item[4] for st in plan for item in st.items if item[4]}
    for p in parts:
        if p.merged:
            texts.add(dossier.evidence_label(code, p, chain))
            texts.update(dossier.evidence_footer(p.first_page + i, total) for i in range(p.pages))
    font = OverlayFont(chain, texts)
    tags: dict[str, bytes] = {}
    pdfa.retag_subsets(font.pdf, tags)
    warnings = [f"第{p.entry['no']}件 {p.entry['filename']}: {n}" for p in parts for n in p.notes]
    manifest = _manifest(record, parts, layout, chain)
    clock.lap("plan")
    with target.open("wb") as f, tempfile.TemporaryDirectory(prefix="juece-attach-", dir=target.parent) as tmp:
        w = StreamWriter(f)
        root, tree = w.reserve(), w.reserve()
        shared = _Shared(w, tree, font)
        kids: list[int] = []
        with pikepdf.open(io.BytesIO(front)) as src:
            pdfa.retag_subsets(src, tags)
            kids += shared.copy_stamped(src, list(src.pages), plan)
        for p in parts:
            if not p.merged:
                continue
            with pikepdf.open(p.source) as src:  # one evidence file in memory at a time
                if p.cleaned:
                    dossier.clean(src)
                pdfa.retag_subsets(src, tags)
                pages = list(src.pages)
                if len(pages) != p.pages:
                    raise RuntimeError(f"evidence {p.entry['no']} changed while the dossier was written")
                kids += shared.copy_stamped(src, pages, [dossier.evidence_stamp(code, p, i, pg, total, chain)
                                                         for i, pg in enumerate(pages)])
        with pikepdf.open(io.BytesIO(tail)) as src:  # the 卷内备考表: the volume's last page(s), numbered by itself
            pdfa.retag_subsets(src, tags)
            kids += shared.copy_plain(src, list(src.pages))
        w.put(tree, b"<< /Type /Pages /Count %d /Kids [%s] >>" % (len(kids), b" ".join(b"%d 0 R" % k for k in kids)))
        clock.lap("pages (merge + stamps)")
        attached = []
        for p in parts:
            e = p.entry
            attached.append(_attach(w, Path(tmp), p.attachment, p.path,
                                    description=f"第{e['no']}件 {e['kind_name']}（{e['kind']}）原件 sha256={e['sha256']}",
                                    mime=e["content_type"], modified=_dt(e["at"]), relationship="Source", entry=e))
        until = dossier.as_of(record)
        attached.append(_attach(w, Path(tmp), dossier.MANIFEST_NAME, dossier.canonical(manifest),
                                description="juece 案卷清单 / manifest", mime="application/json", modified=_dt(until),
                                relationship="Data"))
        clock.lap("attachments")
        outlines = _outline(w, layout, parts, kids)
        names = [(name, num) for name, num in zip([p.attachment for p in parts] + [dossier.MANIFEST_NAME], attached,
                                                  strict=True)]
        names.sort(key=lambda item: item[0].encode("utf-8"))  # qpdf's order of name tree keys
        tree_num = w.reserve()
        w.put(tree_num, b"<< /Names [" + b" ".join(literal(n) + b" %d 0 R" % num for n, num in names) + b"] >>")
        info = pdfa.DocInfo(title=dec["title"], author=record["organ"]["name"],
                            subject=f"重大行政决策案卷 {dec['code']}" + ("（阶段性）" if dec["interim"] else ""),
                            keywords=f"{dec['code']}; 重大行政决策; 一事一档",
                            created=_dt(dec["created_at"]), modified=_dt(until))
        info_num = _catalog(w, root, tree, info, outlines, tree_num, attached)
        w.close(root, info_num)
        sha, size = w.hash.hexdigest(), w.pos
    clock.lap("finish + write")
    return Rendered(target, total, front_pages, manifest, warnings, sha, size, clock.steps, active=sorted(w.active))


class _Shared:
    """What every stamped page shares in the output: the overlay's font, the ``q`` before the page's own
    content and the ``Q … Do`` after it (one per size, rotation and resource name)."""

    def __init__(self, w: StreamWriter, tree: int, font: OverlayFont):
        self.w, self.tree, self.font = w, tree, font
        self.font_res = Copier(w, tree).object(font.fonts_resource())
        self.push = w.reserve()
        w.put_stream(self.push, b"", b"q\n")
        self.pops: dict[bytes, int] = {}

    def copy_stamped(self, src: pikepdf.Pdf, pages: list[pikepdf.Page], stamps: list[dossier.Stamp]) -> list[int]:
        """Stamp `pages` of `src` (in memory) and copy them with all they reach; their numbers in the output."""
        font_res = src.make_indirect(Dictionary())  # stand-ins in the source for the shared objects
        push = src.make_indirect(pikepdf.Stream(src, b"q\n"))
        fixed = {font_res.objgen: self.font_res, push.objgen: self.push}
        local: dict[bytes, pikepdf.Stream] = {}
        for page, st in zip(pages, stamps, strict=True):
            _stamp(src, page, st, self.font, font_res, push, local)
        for pop, stream in local.items():
            if pop not in self.pops:
                self.pops[pop] = n = self.w.reserve()
                self.w.put_stream(n, b"", pop)
            fixed[stream.objgen] = self.pops[pop]
        return Copier(self.w, self.tree, fixed).pages(pages)

    def copy_plain(self, src: pikepdf.Pdf, pages: list[pikepdf.Page]) -> list[int]:
        """Copy `pages` of `src` as they are (the 卷内备考表 carries its own page numbers)."""
        return Copier(self.w, self.tree).pages(pages)


class Changed(Exception):
    """An evidence file's bytes, as they were read to be embedded, do not have the SHA-256 the record gives."""

    def __init__(self, entry: dict, found: str):
        super().__init__(f"evidence #{entry['id']} ({entry['filename']}): stored file changed / 存储文件已被改动: "
                         f"record sha256 {entry['sha256']}, store has {found}")
        self.entry, self.found = entry, found


def _attach(w: StreamWriter, tmp: Path, name: str, source: Path | bytes, *, description: str, mime: str,
            modified: datetime, relationship: str, entry: dict | None = None) -> int:
    """Embed a file as PDF/A-3 requires it (F, UF, Desc, AFRelationship, Subtype, Params with Size and ModDate; no
    MD5 /CheckSum: the manifest has every original's SHA-256, which verify checks). A file larger than one chunk
    (1 MB) is read in chunks, never whole: copied straight in, or deflated through a temporary file. Compressed
    only when its first 64 KB compress by a tenth or more: scans, photographs and most PDFs are compressed
    already, and deflating them again costs more CPU than the rest of the volume, for nothing (a file no longer
    than that sample is compressed once, not twice). ``entry``: the evidence the file is (its record's SHA-256) — its
    fixity is checked on the bytes read here, as they are embedded (`Changed`), not in a separate pass."""
    chunks = iter([source]) if isinstance(source, bytes) else _chunks(source)
    digest = hashlib.sha256()
    first = next(chunks, b"")
    second = next(chunks, None)
    sample = zlib.compress(first[:SAMPLE], ZLEVEL)
    deflate = len(sample) < 0.9 * len(first[:SAMPLE])
    date = pdfa.pdf_date(modified)
    entries: dict = {"Type": Name.EmbeddedFile, "Subtype": Name("/" + mime),
                     "Params": {"Size": 0, "CreationDate": date, "ModDate": date}}
    if deflate:
        entries["Filter"] = Name.FlateDecode
    ef = w.reserve()
    if second is None:  # one chunk: in memory
        digest.update(first)
        _check(digest, entry)
        entries["Params"]["Size"] = len(first)
        packed_data = (sample if len(first) <= SAMPLE else zlib.compress(first, ZLEVEL)) if deflate else first
        w.put_stream(ef, literal(entries)[2:-3], packed_data)
    elif not deflate and isinstance(source, Path):  # stored as it is: copied straight from the evidence store
        entries["Params"]["Size"] = source.stat().st_size
        w.put_stream_file(ef, literal(entries)[2:-3], source, digest)
        _check(digest, entry)
    else:
        size, packed, comp = 0, tmp / "attachment", zlib.compressobj(ZLEVEL)
        with packed.open("wb") as out:
            for chunk in itertools.chain([first, second], chunks):
                size += len(chunk)
                digest.update(chunk)
                out.write(comp.compress(chunk) if deflate else chunk)
            if deflate:
                out.write(comp.flush())
        _check(digest, entry)
        entries["Params"]["Size"] = size
        w.put_stream_file(ef, literal(entries)[2:-3], packed)
    spec = w.reserve()
    w.put(spec, literal({"Type": Name.Filespec, "F": name, "UF": name, "Desc": description,
                         "AFRelationship": Name("/" + relationship), "EF": {"F": b"%d 0 R" % ef, "UF": b"%d 0 R" % ef}}))
    return spec


def _check(digest: hashlib._Hash, entry: dict | None) -> None:
    """The fixity check of an evidence file, on the bytes just read to embed it."""
    if entry is not None and digest.hexdigest() != entry["sha256"]:
        raise Changed(entry, digest.hexdigest())


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            yield chunk


def _catalog(w: StreamWriter, root: int, tree: int, info: pdfa.DocInfo, outlines: int | None, names: int,
             attached: list[int]) -> int:
    """Document info, XMP (PDF/A-3B), OutputIntent, /Lang (`pdfa.finish` on an empty document, copied) and the
    catalog; returns the number of the info dictionary."""
    with pikepdf.new() as cat:
        pdfa.finish(cat, info, [])
        copier = Copier(w, tree)
        info_num = copier.object(cat.trailer.Info)
        entries = copier.entries(cat.Root, skip=("/Pages",))
        copier.drain()
    extra = {"Pages": b"%d 0 R" % tree, "PageMode": Name.UseOutlines, "Names": {"EmbeddedFiles": b"%d 0 R" % names},
             "AF": [b"%d 0 R" % n for n in attached]}
    if outlines is not None:
        extra["Outlines"] = b"%d 0 R" % outlines
    w.put(root, b"<<" + entries + literal(extra)[2:-3] + b" >>")
    return info_num


def _outline(w: StreamWriter, layout: dossier.Layout, parts: list[dossier.Part], kids: list[int]) -> int | None:
    """Bookmarks per section, per stage and per document (all open), each to its page."""
    items: list[tuple[str, int, list]] = [(title, layout.anchors[key], []) for key, title in story.SECTIONS
                                          if key in layout.anchors and key != "notes"]
    merged = [p for p in parts if p.merged]
    if merged:
        groups = [(label, group[0].first_page, [(f"第{p.entry['no']}件 {p.entry['kind_name']}："
                                                   f"{fonts.clean(p.entry['filename'])}", p.first_page, [])
                                                  for p in group]) for label, group in dossier.evidence_groups(merged)]
        items.append((story.EVIDENCE_SECTION, merged[0].first_page, groups))
    if "notes" in layout.anchors:  # the 卷内备考表 closes the volume
        items.append(("卷内备考表", layout.anchors["notes"], []))
    if not items:
        return None
    top = w.reserve()

    def visible(children: list) -> int:
        return sum(1 + visible(c[2]) for c in children)

    def put(children: list, parent: int) -> tuple[int, int]:
        nums = [w.reserve() for _ in children]
        for i, (title, page, sub) in enumerate(children):
            d: dict = {"Title": title, "Parent": b"%d 0 R" % parent, "Dest": [b"%d 0 R" % kids[page - 1], Name.Fit]}
            if i:
                d["Prev"] = b"%d 0 R" % nums[i - 1]
            if i + 1 < len(nums):
                d["Next"] = b"%d 0 R" % nums[i + 1]
            if sub:
                first, last = put(sub, nums[i])
                d.update(First=b"%d 0 R" % first, Last=b"%d 0 R" % last, Count=visible(sub))
            w.put(nums[i], literal(d))
        return nums[0], nums[-1]

    first, last = put(items, top)
    w.put(top, literal({"Type": Name.Outlines, "First": b"%d 0 R" % first, "Last": b"%d 0 R" % last,
                        "Count": visible(items)}))
    return top


def _dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _manifest(record: dict, parts: list[dossier.Part], layout: dossier.Layout, chain: fonts.FontChain) -> dict:
    dec = record["decision"]
    return {
        "format": dossier.FORMAT,
        "decision": {"id": dec["id"], "code": dec["code"], "title": dec["title"], "state": dec["state"],
                     "as_of": dossier.as_of(record), "interim": dec["interim"]},
        "record_sha256": dossier.record_digest(record),
        "chain": dossier.chain_anchor(record),
        "pages": layout.total_pages,
        "front_pages": layout.front_pages,
        "tail_pages": layout.tail_pages,
        "evidence": [{"no": p.entry["no"], "id": p.entry["id"], "filename": p.entry["filename"],
                      "sha256": p.entry["sha256"], "size": p.entry["size"], "content_type": p.entry["content_type"],
                      "attachment": p.attachment, "merged": p.merged,
                      "pages": [p.first_page, p.first_page + p.pages - 1] if p.merged else None,
                      "reason": p.reason,
                      **({"rendition_sha256": p.rendition_sha256} if p.rendition_sha256 and p.merged else {})}
                     for p in parts],
        "renderer": {"layout": dossier.LAYOUT, "assembly": ASSEMBLY, "reportlab": _version("reportlab"),
                     "pikepdf": pikepdf.__version__,
                     "qpdf": str(pikepdf.__libqpdf_version__), "fonts": chain.fingerprint()},
    }


def _version(dist: str) -> str:
    from importlib.metadata import version

    return version(dist)


__all__ = ["render", "Rendered", "OverlayFont", "ASSEMBLY"]
