"""PDF/A-3b finishing and the checks we can run without veraPDF.

Open-source ReportLab writes no XMP and no OutputIntent, and a merge drops catalog metadata, so the
finishing step (`finish`, stack-notes §4) gives the volume document info and the same values as XMP with
``pdfaid:part=3, conformance=B``, an sRGB OutputIntent (``pdf/srgb.icc``, generated once with
Pillow/LittleCMS, its creation date fixed so the bytes never change) and /Lang; `pdf.assemble` copies
them into the volume it writes, with the embedded files (``/AFRelationship``, MIME subtype and
modification date, listed in the catalog's ``/AF``).

`check()` tests what can be tested mechanically (listed in README "Dossier"); it is not a validator.
"""

from __future__ import annotations

import hashlib
import io
import re
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from importlib.resources import files
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name, String

ICC_PROFILE = files(__package__) / "srgb.icc"  # package data (pyproject.toml [tool.setuptools.package-data])
OUTPUT_CONDITION = "sRGB IEC61966-2.1"
FORBIDDEN_ACTIONS = {"/JavaScript", "/Launch", "/ImportData", "/ResetForm", "/SubmitForm", "/Sound", "/Movie",
                     "/Rendition", "/Hide", "/SetOCGState", "/Trans", "/GoTo3DView"}


@dataclass(frozen=True)
class DocInfo:
    title: str
    author: str
    subject: str
    keywords: str
    created: datetime
    modified: datetime
    creator: str = "juece 决策 — 重大行政决策案卷"
    producer: str = "juece dossier (ReportLab, pikepdf/qpdf)"
    lang: str = "zh-CN"


def pdf_date(when: datetime) -> str:
    off = when.utcoffset()
    if off is None:
        return when.strftime("D:%Y%m%d%H%M%S")
    minutes = int(off.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return when.strftime("D:%Y%m%d%H%M%S") + f"{sign}{abs(minutes) // 60:02d}'{abs(minutes) % 60:02d}'"


def add_output_intent(pdf: pikepdf.Pdf) -> None:
    icc = pikepdf.Stream(pdf, ICC_PROFILE.read_bytes())
    icc.N = 3
    intent = Dictionary(Type=Name.OutputIntent, S=Name.GTS_PDFA1, OutputConditionIdentifier=String(OUTPUT_CONDITION),
                        Info=String(OUTPUT_CONDITION), RegistryName=String("http://www.color.org"),
                        DestOutputProfile=icc)
    pdf.Root.OutputIntents = Array([pdf.make_indirect(intent)])


def _forbidden(action: object) -> bool:
    return isinstance(action, Dictionary) and (str(action.get(Name.S, "")) in FORBIDDEN_ACTIONS
                                               or Name.JS in action or Name.JavaScript in action)


def _clean_chain(action: Dictionary, seen: set[tuple[int, int]]) -> int:
    """Remove forbidden actions from an allowed action's ``/Next`` chain (a dictionary or an array of them, each
    with its own ``/Next``). Returns how many were removed."""
    key = action.objgen if action.is_indirect else (id(action), -1)
    if key in seen or Name.Next not in action:
        return 0
    seen.add(key)
    removed = 0
    nxt = action.get(Name.Next)
    if isinstance(nxt, Dictionary):
        if _forbidden(nxt):
            del action[Name.Next]
            return 1
        return _clean_chain(nxt, seen)
    if isinstance(nxt, Array):
        keep = []
        for item in nxt:
            if _forbidden(item):
                removed += 1
            else:
                if isinstance(item, Dictionary):
                    removed += _clean_chain(item, seen)
                keep.append(item)
        if removed:
            if keep:
                action[Name.Next] = Array(keep)
            else:
                del action[Name.Next]
    return removed


#: keys not followed when looking for active content reachable from a page (content streams' data carry no
#: dictionaries of actions)
_NOT_FOLLOWED = {"/Contents", "/Length"}


def _other_page(value: object, page: pikepdf.Page) -> bool:
    return isinstance(value, Dictionary) and value.get(Name.Type) in (Name.Page, Name.Pages) \
        and value.objgen != page.obj.objgen


def strip_actions(pdf: pikepdf.Pdf, page: pikepdf.Page, seen: set[tuple[int, int]] | None = None) -> int:
    """Remove scripts and external actions from everything a merged page brings along (PDF/A forbids them):
    additional actions (``/AA``) anywhere; forbidden actions wherever they are referenced (``/A``, ``/PA``, any
    other key or array), and forbidden links in an allowed action's ``/Next`` chain — on the page, its
    annotations, their form fields and those fields' parents, and whatever else the page reaches: everything the
    merge copies (the page tree, other pages, content stream data are not followed). Annotations are made
    printable and visible. Returns how many were removed. ``seen``: the objects already cleaned, shared between
    the pages of one document so that common resources are walked once."""
    removed = 0
    seen = set() if seen is None else seen
    chains: set[tuple[int, int]] = set()
    stack: list[pikepdf.Object] = [page.obj]
    while stack:
        d = stack.pop()
        if d.is_indirect:
            if d.objgen in seen:
                continue
            seen.add(d.objgen)
        if isinstance(d, Array):
            bad = [i for i, x in enumerate(d) if _forbidden(x)]
            for i in reversed(bad):
                del d[i]
            removed += len(bad)
            stack.extend(x for x in d if isinstance(x, Dictionary | Array | pikepdf.Stream) and not _other_page(x, page))
            continue
        if Name.AA in d:
            del d[Name.AA]
            removed += 1
        is_tree = d.get(Name.Type) in (Name.Page, Name.Pages)
        for key in list(d.keys()):
            if key in _NOT_FOLLOWED or (is_tree and key == "/Parent"):
                continue
            value = d.get(key)
            if _forbidden(value):
                del d[key]
                removed += 1
                continue
            if key in ("/A", "/PA", "/OpenAction", "/Next") and isinstance(value, Dictionary):
                removed += _clean_chain(value, chains)
            if isinstance(value, Dictionary | Array | pikepdf.Stream) and not _other_page(value, page):
                stack.append(value)
    annots = page.obj.get(Name.Annots)
    if isinstance(annots, Array):
        for annot in annots:
            if not isinstance(annot, Dictionary):
                continue
            if Name.F in annot:  # PDF/A: annotations printable, not hidden
                flags = int(annot.F)
                annot.F = (flags | 4) & ~(1 | 2 | 32)
            else:
                annot.F = 4
    return removed


#: what any object that `strip_actions` would change shows in qpdf's syntax of it: one of these keys, or a
#: forbidden action's /S (or an /S given by reference), the name ended (so the subset tag /AAAAAA+ is no /AA).
#: qpdf writes every name in its canonical form, whatever escapes (/J#53) or object streams the file used.
_ACTION_SYNTAX = re.compile(rb"(?:/(?:AA|JS|JavaScript|Annots)|/S\s+\d+\s+\d+\s+R|/S\s*/(?:"
                            + b"|".join(re.escape(a[1:].encode()) for a in sorted(FORBIDDEN_ACTIONS))
                            + rb"))(?![^\s/\[\]<>(){}%])")


def may_hold_actions(pdf: pikepdf.Pdf) -> bool:
    """Could `strip_actions` find anything in this file (an action, a script, an annotation)? Each object's own
    syntax is asked once (one qpdf call per object, content streams' data not read): a file with none of the
    markers is not walked page by page, which was most of the cost of probing a text PDF. False positives (a
    marker in a string) only cost the walk; the writer still inspects every object it writes (stream_writer)."""
    for obj in pdf.objects:  # scalars come back as Python values (an int, a bool): nothing to ask them
        if isinstance(obj, pikepdf.Stream):
            text = obj.stream_dict.unparse(resolved=True)
        elif isinstance(obj, Dictionary | pikepdf.Array):
            text = obj.unparse(resolved=True)
        else:
            continue
        if _ACTION_SYNTAX.search(text):
            return True
    return False


def active_content(pdf: pikepdf.Pdf | bytes | Path) -> list[str]:
    """Scripts and forbidden actions anywhere in the file (what PDF/A forbids), each named once."""
    if isinstance(pdf, bytes | Path):
        with pikepdf.open(io.BytesIO(pdf) if isinstance(pdf, bytes) else pdf) as opened:
            return active_content(opened)
    forbidden = set()
    for obj in pdf.objects:
        if isinstance(obj, Dictionary | pikepdf.Stream):
            if Name.JS in obj or Name.JavaScript in obj:
                forbidden.add("/JS or /JavaScript")
            if Name.AA in obj:
                forbidden.add("/AA (additional actions)")
            if str(obj.get(Name.S, "")) in FORBIDDEN_ACTIONS and obj.get(Name.Type, Name.Action) == Name.Action:
                forbidden.add(f"action {obj.get(Name.S)}")
    names = pdf.Root.get(Name.Names)
    if isinstance(names, Dictionary) and Name.JavaScript in names:
        forbidden.add("document-level /Names /JavaScript")
    for key in (Name.OpenAction, Name.AA):
        if key in pdf.Root:
            forbidden.add(f"catalog {key}")
    return sorted(forbidden)


def finish(pdf: pikepdf.Pdf, info: DocInfo, attached: list[pikepdf.Object]) -> None:
    """Document info, XMP (PDF/A-3B), OutputIntent, /AF, /Lang — the last step before saving."""
    for key in list(pdf.docinfo.keys()):
        del pdf.docinfo[key]
    pdf.docinfo[Name.Title] = String(info.title)
    pdf.docinfo[Name.Author] = String(info.author)
    pdf.docinfo[Name.Subject] = String(info.subject)
    pdf.docinfo[Name.Keywords] = String(info.keywords)
    pdf.docinfo[Name.Creator] = String(info.creator)
    pdf.docinfo[Name.Producer] = String(info.producer)
    pdf.docinfo[Name.CreationDate] = String(pdf_date(info.created))
    pdf.docinfo[Name.ModDate] = String(pdf_date(info.modified))
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        meta.load_from_docinfo(pdf.docinfo, delete_missing=True)
        meta["pdfaid:part"] = "3"
        meta["pdfaid:conformance"] = "B"
        meta["xmp:CreateDate"] = info.created.isoformat()
        meta["xmp:ModifyDate"] = info.modified.isoformat()
        meta["xmp:MetadataDate"] = info.modified.isoformat()
        meta["dc:language"] = [info.lang]
    add_output_intent(pdf)
    pdf.Root.Lang = String(info.lang)
    pdf.Root.ViewerPreferences = Dictionary(DisplayDocTitle=True)
    if attached:
        pdf.Root.AF = Array(attached)
    for key in (Name.OpenAction, Name.AA, Name.JavaScript):
        if key in pdf.Root:
            del pdf.Root[key]
    names = pdf.Root.get(Name.Names)
    if isinstance(names, Dictionary) and Name.JavaScript in names:
        del names[Name.JavaScript]


# ---------------------------------------------------------------- checks (no veraPDF here)
FONT_FILES = (Name.FontFile, Name.FontFile2, Name.FontFile3)


def iter_fonts(pdf: pikepdf.Pdf) -> Iterator[tuple[pikepdf.Object, pikepdf.Object | None]]:
    """Every font the pages use, once each: (font dictionary, its Type0 parent or None). Walks the page
    resources, Form XObjects (the stamps) and annotation appearances; Type0 fonts are given with their
    descendants (the descendant carries the font descriptor and the font program)."""
    seen: set[tuple[int, int]] = set()

    def visit_font(font: pikepdf.Object, parent: pikepdf.Object | None) -> Iterator:
        if not isinstance(font, Dictionary):
            return
        if font.is_indirect:
            if font.objgen in seen:
                return
            seen.add(font.objgen)
        yield font, parent
        if font.get(Name.Subtype) == Name.Type0:
            for d in font.get(Name.DescendantFonts, Array()):
                yield from visit_font(d, font)

    def visit_resources(res: pikepdf.Object, depth: int = 0) -> Iterator:
        if not isinstance(res, Dictionary) or depth > 8:
            return
        if res.is_indirect:
            if res.objgen in seen:
                return
            seen.add(res.objgen)
        for font in (res.get(Name.Font) or Dictionary()).values():
            yield from visit_font(font, None)
        for xobj in (res.get(Name.XObject) or Dictionary()).values():
            if isinstance(xobj, pikepdf.Stream) and xobj.get(Name.Subtype) == Name.Form:
                if xobj.objgen in seen:
                    continue
                seen.add(xobj.objgen)
                yield from visit_resources(xobj.get(Name.Resources), depth + 1)

    for page in pdf.pages:
        yield from visit_resources(page.obj.get(Name.Resources))
        for annot in page.obj.get(Name.Annots, Array()):
            ap = annot.get(Name.AP) if isinstance(annot, Dictionary) else None
            normal = ap.get(Name.N) if isinstance(ap, Dictionary) else None
            if isinstance(normal, pikepdf.Stream):
                yield from visit_resources(normal.get(Name.Resources), 1)


def font_program(font: pikepdf.Object) -> pikepdf.Object | None:
    """The embedded font program (FontFile, FontFile2 or FontFile3 stream) of a simple or CID font."""
    desc = font.get(Name.FontDescriptor)
    if not isinstance(desc, Dictionary):
        return None
    return next((desc[k] for k in FONT_FILES if k in desc), None)


def _fonts_without_file(pdf: pikepdf.Pdf) -> list[str]:
    """Names of fonts (including descendants of Type0 fonts) that carry no embedded font program."""
    missing: set[str] = set()
    for font, _parent in iter_fonts(pdf):
        if font.get(Name.Subtype) in (Name.Type0, Name.Type3):
            continue
        if font_program(font) is None:
            missing.add(str(font.get(Name.BaseFont, "?")))
    return sorted(missing)


SUBSET_TAG = re.compile(r"[A-Z]{6}\+")


def subset_tag(digest: bytes) -> str:
    """Six uppercase letters from a digest (26^6 ≈ 3·10^8 tags)."""
    return "".join(chr(65 + b % 26) for b in digest[:6])


def _stored(value: object) -> bytes:
    if isinstance(value, pikepdf.Stream):
        return value.read_raw_bytes()
    if isinstance(value, pikepdf.Object):
        return value.unparse(resolved=True)
    return str(value).encode()


def retag_subsets(pdf: pikepdf.Pdf, tags: dict[str, bytes] | None = None) -> int:
    """Give each embedded font subset its own tag (ISO 32000-1 §9.6.4: "different subsets in the same PDF
    file shall have different tags"), derived from the subset itself — its font program, widths, encoding
    and ToUnicode map as stored — so the same dossier always gets the same tags (byte-reproducible).

    ReportLab numbers the subsets of each font of each document from ``AAAAAA``, so the generated part, the
    overlay and every evidence PDF made with ReportLab all start with ``AAAAAA+``; readers that key fonts by
    name (poppler) then mix them up. Only names that already carry a tag are changed (non-subset fonts keep
    their names); a Type0 font takes its descendant's tag. Returns the number of fonts renamed.

    ``tags`` (tag -> the content digest it was given to) is shared between the documents of one volume when
    they are retagged one by one (`pdf.assemble`), so that no tag is given to two different subsets."""
    tags = {} if tags is None else tags
    renamed = 0
    for font, parent in iter_fonts(pdf):
        base = str(font.get(Name.BaseFont, ""))[1:]
        program = font_program(font)
        if program is None or not SUBSET_TAG.match(base):
            continue
        h = hashlib.sha256(program.read_raw_bytes())
        for key in (Name.Subtype, Name.FirstChar, Name.LastChar, Name.Widths, Name.W, Name.Encoding,
                    Name.CIDToGIDMap):
            value = font.get(key)
            if value is not None:
                h.update(str(key).encode() + b"=" + _stored(value))
        for holder in (font, parent):
            uni = holder.get(Name.ToUnicode) if holder is not None else None
            if isinstance(uni, pikepdf.Stream):
                h.update(b"/ToUnicode=" + uni.read_raw_bytes())
        digest = h.digest()
        tag = subset_tag(digest)
        while tags.setdefault(tag, digest) != digest:  # another subset has this tag: derive the next one
            digest = hashlib.sha256(digest).digest()
            tag = subset_tag(digest)
        name = Name("/" + tag + "+" + base[7:])
        if name == font.BaseFont:
            continue
        font.BaseFont = name
        desc = font.get(Name.FontDescriptor)
        if isinstance(desc, Dictionary) and Name.FontName in desc:
            desc.FontName = name
        if parent is not None and SUBSET_TAG.match(str(parent.get(Name.BaseFont, ""))[1:]):
            parent.BaseFont = Name("/" + tag + "+" + str(parent.BaseFont)[8:])
        renamed += 1
    return renamed


# Document info entries and their XMP counterparts (ISO 19005-1 §6.7.3, kept by PDF/A-2 and -3).
INFO_XMP = ((Name.Title, "dc:title"), (Name.Author, "dc:creator"), (Name.Subject, "dc:description"),
            (Name.Keywords, "pdf:Keywords"), (Name.Creator, "xmp:CreatorTool"), (Name.Producer, "pdf:Producer"))
INFO_XMP_DATES = ((Name.CreationDate, "xmp:CreateDate"), (Name.ModDate, "xmp:ModifyDate"))


def parse_pdf_date(text: str) -> datetime | None:
    """``D:YYYYMMDDHHmmSSOHH'mm'`` (any suffix may be missing) as a datetime; None if it is not one."""
    m = re.fullmatch(r"(?:D:)?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?"
                     r"(?:([Zz])|([+-])(\d{2})'?(\d{2})?'?)?", text.strip())
    if not m:
        return None
    y, mo, d, h, mi, sec = (int(g) if g else dflt for g, dflt in zip(m.groups()[:6], (0, 1, 1, 0, 0, 0), strict=True))
    tz = None
    if m.group(7):
        tz = UTC
    elif m.group(8):
        off = timedelta(hours=int(m.group(9)), minutes=int(m.group(10) or 0))
        tz = timezone(off if m.group(8) == "+" else -off)
    try:
        return datetime(y, mo, d, h, mi, sec, tzinfo=tz)
    except ValueError:
        return None


def parse_xmp_date(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None


def same_instant(a: datetime | None, b: datetime | None) -> bool:
    if a is None or b is None:
        return False
    if (a.tzinfo is None) != (b.tzinfo is None):  # one without a zone: compare the wall clock
        return a.replace(tzinfo=None) == b.replace(tzinfo=None)
    return a == b


def metadata_differences(pdf: pikepdf.Pdf, meta: pikepdf.models.PdfMetadata | None = None) -> list[str]:
    """Where the document information dictionary and the XMP metadata disagree (title, author, subject,
    keywords, creator, producer as text; creation and modification dates as instants). PDF/A requires
    every Info entry to have an equivalent XMP property; a reader shows one or the other."""
    meta = meta if meta is not None else pdf.open_metadata()
    info = pdf.trailer.get(Name.Info)
    if not isinstance(info, Dictionary):
        return []
    problems = []
    for key, prop in INFO_XMP:
        if key not in info:
            continue
        want = str(info[key])
        got = meta.get(prop)
        if isinstance(got, list | set | tuple):
            got = "; ".join(str(x) for x in got)
        if got is None or got == "":
            problems.append(f"XMP {prop} missing: Info {str(key)[1:]} is {want!r}")
        elif str(got) != want:
            problems.append(f"XMP {prop} differs from Info {str(key)[1:]} (XMP {str(got)!r}, Info {want!r})")
    for key, prop in INFO_XMP_DATES:
        if key not in info:
            continue
        want = str(info[key])
        got = meta.get(prop)
        if not got:
            problems.append(f"XMP {prop} missing: Info {str(key)[1:]} is {want!r}")
        elif not same_instant(parse_xmp_date(str(got)), parse_pdf_date(want)):
            problems.append(f"XMP {prop} differs from Info {str(key)[1:]} (XMP {got}, Info {want})")
    return problems


def unembedded_fonts(path_or_pdf: Path | pikepdf.Pdf) -> list[str]:
    if isinstance(path_or_pdf, pikepdf.Pdf):
        return _fonts_without_file(path_or_pdf)
    with pikepdf.open(path_or_pdf) as pdf:
        return _fonts_without_file(pdf)


def check(data: bytes) -> list[str]:
    """Problems against the PDF/A-3b requirements we can test mechanically (empty list: all passed)."""
    problems: list[str] = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        if pdf.is_encrypted:
            problems.append("encrypted (PDF/A forbids /Encrypt)")
        if not (data.startswith(b"%PDF-1.") and data[8:9] in (b"\n", b"\r")):
            problems.append("header is not %PDF-1.n followed by an end of line")
        if b"%%EOF" not in data[-32:]:
            problems.append("data after the last %%EOF")
        meta = pdf.open_metadata()
        if meta.pdfa_status != "3B":
            problems.append(f"XMP pdfaid is {meta.pdfa_status!r}, expected '3B'")
        if Name.Metadata not in pdf.Root:
            problems.append("catalog has no /Metadata")
        elif Name.Filter in pdf.Root.Metadata:
            problems.append("XMP metadata stream is compressed (must stay readable)")
        intents = pdf.Root.get(Name.OutputIntents)
        if not isinstance(intents, Array) or not any(
                i.get(Name.S) == Name.GTS_PDFA1 and Name.DestOutputProfile in i for i in intents):
            problems.append("no GTS_PDFA1 OutputIntent with an ICC profile")
        if Name.ID not in pdf.trailer:
            problems.append("trailer has no /ID")
        problems += metadata_differences(pdf, meta)
        missing = _fonts_without_file(pdf)
        if missing:
            problems.append("fonts not embedded: " + ", ".join(missing))
        problems += [f"forbidden: {f}" for f in active_content(pdf)]
        names = pdf.Root.get(Name.Names)
        if isinstance(names, Dictionary) and Name.EmbeddedFiles in names:
            af = {o.objgen for o in pdf.Root.get(Name.AF, Array())}
            for name, spec in pdf.attachments.items():
                obj = spec.obj
                if Name.AFRelationship not in obj:
                    problems.append(f"attachment {name}: no /AFRelationship")
                if Name.UF not in obj or Name.F not in obj:
                    problems.append(f"attachment {name}: /F and /UF required")
                ef = obj.EF.F
                if Name.Subtype not in ef:
                    problems.append(f"attachment {name}: no MIME /Subtype")
                if Name.Params not in ef or Name.ModDate not in ef.Params:
                    problems.append(f"attachment {name}: no /Params /ModDate")
                if obj.objgen not in af:
                    problems.append(f"attachment {name}: not listed in the catalog /AF")
        for page in pdf.pages:
            for annot in page.obj.get(Name.Annots, Array()):
                if isinstance(annot, Dictionary) and annot.get(Name.Subtype) != Name.Popup:
                    flags = int(annot.get(Name.F, 0))
                    if not flags & 4 or flags & 3:
                        problems.append("an annotation is hidden or not printable")
                        break
    problems += qpdf_check(data)
    return problems


def qpdf_check(data: bytes) -> list[str]:
    """`qpdf --check` (structure, xref, streams); empty when qpdf is not installed or the file is clean."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as tmp:
        tmp.write(data)
        tmp.flush()
        try:
            proc = subprocess.run(["qpdf", "--check", tmp.name], capture_output=True, timeout=300)
        except FileNotFoundError:
            return []
        except subprocess.TimeoutExpired:
            return ["qpdf --check timed out"]
    if proc.returncode not in (0,):
        return [f"qpdf --check (exit {proc.returncode}): " + proc.stdout.decode(errors="replace")[-500:]
                + proc.stderr.decode(errors="replace")[-500:]]
    return []
