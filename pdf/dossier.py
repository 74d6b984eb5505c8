"""The archived decision dossier (一事一档): one decision, one PDF/A-3b volume.

What the volume shows, built from a decision's record — a plain, JSON-able dict assembled by
`decisions.archive` (no database access here) — and its evidence files; `pdf.assemble.render` writes it
to disk file by file:

1. the generated part (`pdf.story`: ReportLab, embedded TrueType CJK fonts only): cover, table of contents,
   procedure timeline, trigger determinations, opinion register, expert/risk/fair-competition
   conclusions, legality review, meeting record, publication and execution, evidence index, audit trail;
2. every evidence PDF that can be merged, in record order, its pages stamped with the decision code
   and 第 X 页 共 Y 页 (a Form XObject overlay; the original content stream is not rewritten);
3. every original evidence file embedded bit for bit (PDF/A-3 ``/AFRelationship /Source``), plus the
   manifest ``juece-dossier.json`` (``/Data``) that `decisions.archive.verify_dossier` reads back;
4. bookmarks per section and per stage, XMP/OutputIntent (`pdf.pdfa.finish`), written to disk by
   `pdf.assemble` in constant memory.

Reproducible: ReportLab runs with ``invariant=1``, every date comes from the record, the trailer
/ID is derived from the content — the same record and files give the same bytes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pikepdf
from pikepdf import Name
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from pdf import description, fonts, pdfa

FORMAT = "juece-dossier/1"
MANIFEST_NAME = "juece-dossier.json"
# The layout of the generated part: in the manifest's "renderer", so that a dossier rendered before a
# layout change is told apart from a changed file (verify: "renderer changed", not "file differs").
# 3: the archival description (档号, 卷内目录, 卷内备考表), one 件号 per document; 4: the manifest's ``chain`` anchor
# (the last event rendered), per-document provenance, 文号, the 备考表 as the volume's last page
# 5: every date and time as 2026年12月7日 10:00, articles as 第十条, people by name, no internal key
LAYOUT = "5"

CHINA = timezone(timedelta(hours=8))
PAGE_W, PAGE_H = A4
MARGIN = 18 * mm


def when(text: str | None) -> str:
    """'2022-04-06T09:30:00+08:00' -> '2022年4月6日 09:30' (every time in the record is China time)."""
    return description.zh_time(text) if text else ""


def instant(text: str) -> datetime:
    """An ISO time of the record as an instant (a time without a zone is China time, as everywhere here)."""
    t = datetime.fromisoformat(str(text))
    return t if t.tzinfo is not None else t.replace(tzinfo=CHINA)


def latest(times: list[str]) -> str:
    """The latest of the record's times (by instant, not by position): what the record is "as of"."""
    present = [t for t in times if t]
    return max(present, key=instant) if present else ""


def backwards(evts: list[dict]) -> list[tuple[dict, str]]:
    """Events whose time is earlier than that of an event before them in the chain (a clock set back, a
    server in another zone, an import): (event, the latest earlier-sequence time it precedes)."""
    out = []
    top = ""
    for e in evts:
        if not e.get("at"):
            continue
        if top and instant(e["at"]) < instant(top):
            out.append((e, top))
        elif not top or instant(e["at"]) > instant(top):
            top = e["at"]
    return out


def as_of(rec: dict) -> str:
    """The time the dossier's record runs to: the latest event time (the record's own ``as_of`` is the same
    when `decisions.archive` built it; a record whose ``as_of`` is its last event by sequence is corrected)."""
    return latest([rec["decision"]["as_of"], *(e["at"] for e in rec["events"])])


def fmt_size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


def canonical(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode("utf-8")


def record_digest(record: dict) -> str:
    return hashlib.sha256(canonical(record)).hexdigest()


# ----------------------------------------------------------------- evidence probing
@dataclass
class Part:
    """One evidence item in the dossier: merged pages or the reason it could not be merged."""

    entry: dict
    path: Path
    pdf: pikepdf.Pdf | None = None  # open only while its pages are being copied (pdf.assemble)
    pages: int = 0
    reason: str = ""
    notes: list[str] = field(default_factory=list)
    first_page: int = 0  # absolute, 1-based, once the front matter is known
    rendition: Path | None = None  # the PDF merged in place of a Word/WPS/ODF original (the original is embedded)
    rendition_sha256: str = ""
    # probing changed the pages in memory (actions removed, annotation flags set): when the file is opened
    # again to copy its pages (pdf.assemble), it is cleaned again; a file probing left as it was is not walked twice
    cleaned: bool = False

    @property
    def merged(self) -> bool:
        return self.pages > 0

    @property
    def source(self) -> Path:
        """The PDF whose pages are merged: the evidence file, or the rendition of a Word/WPS/ODF original."""
        return self.rendition or self.path

    @property
    def attachment(self) -> str:
        return f"材料{self.entry['no']:03d}-{self.entry['filename']}"


def probe(entry: dict, path: Path, rendition: Path | None = None) -> Part:
    """Can this evidence be merged? Encrypted, broken, empty or non-PDF files are embedded only; a Word/WPS/ODF
    original with a PDF `rendition` (made by LibreOffice, decisions.records.renditions) has the rendition's
    pages merged and the original embedded."""
    part = Part(entry, path)
    source = path
    if entry["content_type"] != "application/pdf":
        if rendition is None:
            part.reason = f"非 PDF 文件（{entry['content_type']}）：原件作为附件嵌入 / not a PDF: embedded as an attachment"
            return part
        source = part.rendition = rendition
        with rendition.open("rb") as f:
            part.rendition_sha256 = hashlib.file_digest(f, "sha256").hexdigest()
    try:
        pdf = pikepdf.open(source)
    except pikepdf.PasswordError:
        part.reason = "PDF 已加密（需要密码）：未并入，原件作为附件嵌入 / encrypted (password required): embedded only"
        return part
    except (pikepdf.PdfError, OSError, ValueError, RuntimeError) as exc:
        part.reason = f"PDF 已损坏，无法读取：未并入，原件作为附件嵌入 / broken PDF: embedded only ({_short(exc)})"
        return part
    try:
        if pdf.is_encrypted:
            part.reason = "PDF 已加密（有权限限制）：未并入，原件作为附件嵌入 / encrypted: embedded only"
        else:
            n = len(pdf.pages)
            if n == 0:
                part.reason = "PDF 没有页面：未并入，原件作为附件嵌入 / PDF has no pages: embedded only"
            else:
                removed = clean(pdf)
                part.pdf, part.pages = pdf, n
                part.cleaned = bool(removed) or any(Name.Annots in page.obj for page in pdf.pages)
                if removed:
                    part.notes.append(f"合并页已移除 {removed} 个脚本或外部动作（原件未改动）/ removed {removed} actions")
                missing = pdfa.unembedded_fonts(pdf)
                if missing:
                    part.notes.append("含未嵌入字体，合并页不符合 PDF/A（原件已嵌入）/ unembedded fonts: "
                                      + ", ".join(missing[:5]))
    except (pikepdf.PdfError, RuntimeError, ValueError, KeyError, AttributeError) as exc:
        part.pdf, part.pages = None, 0
        part.reason = f"PDF 结构损坏：未并入，原件作为附件嵌入 / damaged PDF: embedded only ({_short(exc)})"
    if part.pdf is not None and part.rendition is not None:
        part.notes.insert(0, "并入的页面由原件经 LibreOffice 转换为 PDF 而来，版式以原件为准（原件已嵌入）"
                             " / pages converted from the original by LibreOffice")
    pdf.close()  # reopened page by page when the volume is written (pdf.assemble): memory stays flat
    part.pdf = None
    return part


def clean(pdf: pikepdf.Pdf) -> int:
    """Resolve what the merge and the stamp need, and remove scripts and launches from every page, its
    annotations, /Next chains, form fields and their parents — in memory: the original file is untouched.
    Returns how many actions were removed."""
    removed = 0
    cleaned: set[tuple[int, int]] = set()
    walk = pdfa.may_hold_actions(pdf)  # most files hold nothing to remove: not walked page by page
    for page in pdf.pages:
        page.mediabox  # noqa: B018
        if walk:
            removed += pdfa.strip_actions(pdf, page, cleaned)
    return removed


def _short(exc: BaseException) -> str:
    text = str(exc).replace(str(Path.cwd()), "").strip()
    return (text[:160] + "…") if len(text) > 160 else text


@dataclass
class Layout:
    front_pages: int
    total_pages: int
    anchors: dict[str, int]
    tail_pages: int = 0  # the 卷内备考表 after the last document


def evidence_groups(parts: list[Part]) -> list[tuple[str, list[Part]]]:
    """The documents by stage and round, consecutive in record order (the table of contents' and the
    bookmarks' groups)."""
    out: list[tuple[str, list[Part]]] = []
    key = None
    for p in parts:
        e = p.entry
        k = (e["stage"], e["round"])
        label = e["stage_name"] + (f"（第{e['round']}轮）" if e["round"] > 1 else "")
        if k != key:
            out.append((label, []))
            key = k
        out[-1][1].append(p)
    return out


def volume_label(rec: dict) -> str:
    """The label on every page: the 档号 once filed, with the decision code."""
    code = (rec.get("archive") or {}).get("code")
    return f"{code} · {rec['decision']['code']}" if code else rec["decision"]["code"]


# ----------------------------------------------------------------- stamps and assembly
@dataclass
class Stamp:
    """What the overlay draws on one page: (x, y, font size, grey level, text, align right) in a box w×h.
    ``backed``: each text of the stamp on a white box — on evidence pages, whose scans may be dark where
    the stamp goes (a grey stamp on a black scan could not be read)."""

    width: float
    height: float
    items: list[tuple[float, float, float, float, str, bool]] = field(default_factory=list)
    backed: bool = False


def overlay_plan(code: str, parts: list[Part], layout: Layout, slots: dict, texts: dict[str, str],
                 chain: fonts.FontChain) -> list[Stamp]:
    """One stamp per page of the dossier: the footer (decision code, 第 X 页 共 Y 页) and, on generated
    pages, the numbers of the slots. Evidence pages get a stamp the size of the page as displayed."""
    total = layout.total_pages
    by_page: dict[int, list[tuple[float, float, float, str]]] = {}
    for key, (page, x, y, w) in slots.items():
        by_page.setdefault(page, []).append((x, y, w, chain.plain(texts.get(key, ""))))
    plan = []
    for n in range(1, layout.front_pages + 1):
        st = Stamp(PAGE_W, PAGE_H, [(MARGIN, 9 * mm, 8, 0.3, chain.plain(code), False),
                                    (PAGE_W - MARGIN, 9 * mm, 8, 0.3, f"第 {n} 页 共 {total} 页", True)])
        for x, y, w, text in sorted(by_page.get(n, [])):
            if text.startswith("共"):
                st.items.append((x, y, 11, 0, text, False))
            elif text.replace("–", "").isdigit() or text.startswith("—"):
                st.items.append((x + w, y, 9.5, 0, text, True))
            else:
                st.items.append((x, y, 8, 0, text, False))
        plan.append(st)
    for p in parts:
        if not p.pdf:
            continue
        for i, page in enumerate(p.pdf.pages):
            plan.append(evidence_stamp(code, p, i, page, total, chain))
    return plan


def evidence_stamp(code: str, p: Part, i: int, page: pikepdf.Page, total: int, chain: fonts.FontChain) -> Stamp:
    """The stamp of the `i`-th page of a merged document: 档号/decision code with its 件号, 第 X 页 共 Y 页, on a
    white backing, the size of the page as displayed."""
    w, h = _display_size(page)
    y = 4.5 * mm if h > 80 * mm else 2 * mm
    x = min(12 * mm, w * 0.05)
    return Stamp(w, h, [(x, y, 7.5, 0.25, evidence_label(code, p, chain), False),
                        (w - x, y, 7.5, 0.25, evidence_footer(p.first_page + i, total), True)], backed=True)


def evidence_label(code: str, p: Part, chain: fonts.FontChain) -> str:
    return chain.plain(f"{code} · 第{p.entry['no']}件" + ("（已作废）" if p.entry.get("voided") else ""))


def evidence_footer(page: int, total: int) -> str:
    return f"第 {page} 页 共 {total} 页"


def page_box(page: pikepdf.Page) -> pikepdf.Rectangle:
    """The box a stamp is placed in: the page's crop box (its media box when it has none)."""
    return pikepdf.Rectangle(page.cropbox)


def _display_size(page: pikepdf.Page) -> tuple[float, float]:
    box = page_box(page)
    w, h = abs(box.width), abs(box.height)
    rotate = int(page.obj.get(Name.Rotate, 0)) % 360
    return (h, w) if rotate in (90, 270) else (w, h)


def chain_anchor(record: dict) -> dict | None:
    """The last event the dossier renders and its chain value: what online verify compares to tell a dossier
    whose record moved on (superseded) from an altered one (`decisions.archive.supersede`)."""
    last = max(record["events"], key=lambda e: e["seq"], default=None)
    return {"seq": last["seq"], "sha256": last["hash"]} if last else None



# ----------------------------------------------------------------- reading a dossier back
def read_manifest(pdf: pikepdf.Pdf) -> dict | None:
    spec = pdf.attachments.get(MANIFEST_NAME)
    if spec is None:
        return None
    try:
        return json.loads(spec.get_file().read_bytes().decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None


def embedded_hashes(pdf: pikepdf.Pdf) -> dict[str, str]:
    """Attachment name -> SHA-256 of its bytes, as found in the file."""
    return {name: hashlib.sha256(spec.get_file().read_bytes()).hexdigest() for name, spec in pdf.attachments.items()}


__all__ = ["probe", "overlay_plan", "evidence_stamp", "read_manifest", "embedded_hashes", "record_digest", "MANIFEST_NAME", "FORMAT"]
