"""The archived decision dossier (一事一档): one decision, one PDF/A-3b volume.

What the volume shows, built from a decision's record — a plain, JSON-able dict assembled by
`decisions.archive` (no database access here) — and its evidence files; `pdf.assemble.render` writes it
to disk file by file:

1. the generated part (ReportLab, embedded TrueType CJK fonts only): cover, table of contents,
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
import io
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pikepdf
from pikepdf import Name
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from pdf import description, events, fonts, pdfa

FORMAT = "juece-dossier/1"
MANIFEST_NAME = "juece-dossier.json"
# The layout of the generated part: in the manifest's "renderer", so that a dossier rendered before a
# layout change is told apart from a changed file (verify: "renderer changed", not "file differs").
# 3: the archival description (档号, 卷内目录, 卷内备考表), one 件号 per document; 4: the manifest's ``chain`` anchor
# (the last event rendered), per-document provenance, 文号, the 备考表 as the volume's last page
# 5: every date and time as 2026年12月7日 10:00, articles as 第十条, people by name, no internal key
LAYOUT = "5"

ACTION_ZH = events.ACTION_ZH


CHINA = timezone(timedelta(hours=8))
PAGE_W, PAGE_H = A4
MARGIN = 18 * mm
CONTENT_W = PAGE_W - 2 * MARGIN
GRID = colors.Color(0.55, 0.55, 0.55)
HEAD_BG = colors.Color(0.90, 0.92, 0.95)


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


# ----------------------------------------------------------------- the generated part
class Anchor(Flowable):
    """Records the page a section starts on (for the table of contents and bookmarks)."""

    def __init__(self, key: str, pages: dict[str, int]):
        super().__init__()
        self.key, self.pages = key, pages
        self.width = self.height = 0

    def draw(self) -> None:
        self.pages[self.key] = self.canv.getPageNumber()


class Slot(Flowable):
    """A place for a number known only after layout (a page number): filled in by the overlay."""

    def __init__(self, key: str, slots: dict[str, tuple[int, float, float, float]], width: float,
                 height: float = 12):
        super().__init__()
        self.key, self.slots = key, slots
        self.width, self.height = width, height

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        self.width = min(self.width, availWidth)
        return self.width, self.height

    def draw(self) -> None:
        x, y = self.canv.absolutePosition(0, 0)
        self.slots[self.key] = (self.canv.getPageNumber(), x, y + 3, self.width)


class Plain(str):
    """A table cell drawn as plain lines in the primary font (no wrapping, no markup): much cheaper than
    a Paragraph. Only for text the caller knows to be short and in the primary font (digits, dates, hashes)."""


def plain_lines(*lines: str) -> Plain:
    return Plain("\n".join(lines))


def plain_hash(h: str, width: int = 16) -> Plain:
    return Plain("\n".join(h[i:i + width] for i in range(0, len(h), width)))


def plain_when(text: str | None) -> str:
    """A time on two lines, date above the hour (a cell: wrapped to its column if the date is wider)."""
    return when(text).replace(" ", "\n", 1)


class Styles:
    def __init__(self, chain: fonts.FontChain):
        f = chain.primary
        self.chain = chain
        self.body = ParagraphStyle("body", fontName=f, fontSize=9.5, leading=14, wordWrap="CJK")
        self.small = ParagraphStyle("small", parent=self.body, fontSize=7.5, leading=10)
        self.tiny = ParagraphStyle("tiny", parent=self.body, fontSize=6.5, leading=8.5)
        self.cell = ParagraphStyle("cell", parent=self.body, fontSize=8, leading=10.5)
        self.head = ParagraphStyle("head", parent=self.cell, textColor=colors.black)
        self.h1 = ParagraphStyle("h1", parent=self.body, fontSize=14, leading=20, spaceBefore=4, spaceAfter=8)
        self.h2 = ParagraphStyle("h2", parent=self.body, fontSize=11, leading=16, spaceBefore=6, spaceAfter=4)
        self.title = ParagraphStyle("title", parent=self.body, fontSize=20, leading=30, alignment=TA_CENTER)
        self.cover = ParagraphStyle("cover", parent=self.body, fontSize=11, leading=17)
        self.mark = ParagraphStyle("mark", parent=self.body, fontSize=13, leading=20, alignment=TA_CENTER,
                                   textColor=colors.Color(0.65, 0.1, 0.1))

    def p(self, text: Any, style: ParagraphStyle | None = None) -> Paragraph:
        return Paragraph(self.chain.markup(text), style or self.body)

    def cell_of(self, value: Any, st: ParagraphStyle, width: float) -> Any:
        """A table cell: text all in the primary font is broken into the column's lines here (`wrap`) and drawn as
        plain lines — several times cheaper than a Paragraph's CJK line breaking, the same look; text that needs a
        fallback font is a Paragraph."""
        if isinstance(value, Flowable | Plain | list):
            return value
        text = fonts.clean("" if value is None else str(value))
        room = width - 6.5  # cell padding
        if self.chain.primary_chars.issuperset(map(ord, text.replace("\n", ""))):
            return Plain("\n".join(fonts.wrap(text, self.chain.primary, st.fontSize, room)))
        return Paragraph(self.chain.markup(text), st)

    def table(self, header: list[str], rows: list[list[Any]], widths: list[float], style: ParagraphStyle | None = None,
              small: tuple[int, ...] = ()) -> Table:
        st = style or self.cell
        total = sum(widths)
        col_w = [CONTENT_W * w / total for w in widths]
        data = [[self.cell_of(h, st, col_w[i]) for i, h in enumerate(header)]]
        data += [[self.cell_of(c, st, col_w[i]) for i, c in enumerate(row)] for row in rows]
        t = Table(data, colWidths=col_w, repeatRows=1)
        t.setStyle(TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), self.chain.primary),
            ("FONTSIZE", (0, 0), (-1, -1), st.fontSize), ("LEADING", (0, 0), (-1, -1), st.leading),
            ("GRID", (0, 0), (-1, -1), 0.3, GRID),
            ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            *[(k, (c, 1), (c, -1), v) for c in small for k, v in (("FONTSIZE", 6.3), ("LEADING", 8.2))],
        ]))
        return t


SECTIONS = [
    ("cover", "封面"), ("toc", "卷内目录"), ("timeline", "一、程序时间线"), ("triggers", "二、适用性判定"),
    ("participation", "三、公众参与与意见采纳"), ("expert", "四、专家论证、风险评估与公平竞争审查"),
    ("legality", "五、合法性审查"), ("meeting", "六、集体讨论决定"), ("publication", "七、请示报告、决策公布与执行"),
    ("index", "八、材料清单"), ("audit", "九、审计记录"), ("notes", "卷内备考表"),
]
EVIDENCE_SECTION = "十、材料原件"


@dataclass
class Layout:
    front_pages: int
    total_pages: int
    anchors: dict[str, int]
    tail_pages: int = 0  # the 卷内备考表 after the last document


def _cite(article: str) -> str:
    """A table's 依据 cell: the articles of the decree as cited (第二十五条第二款; the column says whose)."""
    return description.articles_zh(article).replace("条例第", "第")


def _who(d: dict | None) -> str:
    if not d:
        return ""
    who = d.get("who", "")
    extra = "，".join(x for x in (d.get("role_name", ""), d.get("office_name", "")) if x and x != who)
    return who + (f"（{extra}）" if extra else "")


def _groups(parts: list[Part]) -> list[tuple[str, list[Part]]]:
    """Consecutive evidence of the same stage and round, in record order."""
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


def _pages_text(p: Part) -> str:
    if not p.merged:
        return "未并入"
    last = p.first_page + p.pages - 1
    return f"第{p.first_page}页" if p.pages == 1 else f"第{p.first_page}–{last}页"


def build_story(rec: dict, parts: list[Part], s: Styles, anchors: dict[str, int],
                slots: dict[str, tuple[int, float, float, float]]) -> list:
    d, prof = rec["decision"], rec["profile"]
    until, back = as_of(rec), backwards(rec["events"])
    by_kind: dict[str, list[dict]] = {}
    for e in rec["evidence"]:
        by_kind.setdefault(e["kind"], []).append(e)
    arc = rec.get("archive") or {}
    offices = description.office_names(rec)
    story: list = [Anchor("cover", anchors), Spacer(1, 6 * mm), _archive_box(arc, s), Spacer(1, 12 * mm),
                   s.p("重大行政决策案卷", s.title), s.p("（一事一档 · 依据《重大行政决策程序暂行条例》第三十三条）",
                                                  ParagraphStyle("c2", parent=s.cover, alignment=TA_CENTER)),
                   Spacer(1, 8 * mm)]
    if d["interim"]:
        story += [s.p("阶段性案卷 · 决策程序尚未完成", s.mark), Spacer(1, 4 * mm)]
    story += [s.p(d["title"], ParagraphStyle("t2", parent=s.title, fontSize=16, leading=24)), Spacer(1, 8 * mm)]
    cover_rows = description.cover_rows(rec, until, len(back))
    cover_cells = [[s.p(k, s.cover), s.p(v, s.cover)] for k, v in cover_rows]
    cover_cells.append([s.p("本卷", s.cover), Slot("total", slots, 100 * mm, 14)])
    cover = Table(cover_cells, colWidths=[30 * mm, CONTENT_W - 30 * mm])
    cover.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), s.chain.primary), ("LINEBELOW", (0, 0), (-1, -1), 0.3, GRID), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
    story += [cover, Spacer(1, 5 * mm),
              s.p("本卷由 juece 依据决策记录生成：同一记录生成的文件逐字节相同；材料原件的 SHA-256 见材料清单，"
                  "原件以附件形式嵌入本卷（PDF/A-3）。本卷可用 juece 的案卷核验功能核验（不联网亦可核验内嵌原件）。", s.small),
              PageBreak()]

    # 卷内目录: one row per document, numbered by its 件号 (DA/T 22)
    story += [Anchor("toc", anchors), s.p("卷内目录", s.h1),
              s.p("本卷生成部分（封面、卷内目录、程序记录一至九）为第 1 页起；各件材料按件号排列，并入本卷的标明页号，"
                  "未能并入的（非 PDF、已加密或损坏）原件作为附件嵌入；卷内备考表在卷末。备注栏为每件材料的录入人、"
                  "代录、补录、所审草案（SHA-256 前 12 位）和录入渠道。", s.small), Spacer(1, 2 * mm)]
    cat_rows: list[list[Any]] = [[Plain("—"), "", rec["organ"]["name"], "决策程序记录（juece 依据决策记录生成）",
                                  description.zh_date(until), Slot("cat:record", slots, 16 * mm), ""]]
    for p in parts:
        e = p.entry
        remark = description.provenance_lines(e) + ([] if p.merged else ["原件为附件"])
        cat_rows.append([Plain(str(e["no"])), description.doc_number(e), description.responsible(e),
                         f"{e['kind_name']}：{e['filename']}", description.doc_date(e),
                         Slot(f"cat:{e['no']}", slots, 16 * mm), "\n".join(remark)])
    cat_rows.append([Plain("—"), "", (rec.get("archive") or {}).get("unit", ""), "卷内备考表", "",
                     Slot("cat:notes", slots, 16 * mm), ""])
    story += [s.table(["件号", "文号", "责任者", "题名", "日期", "页号", "备注"], cat_rows, [5, 13, 13, 25, 14, 7, 21]),
              PageBreak()]

    # 1. timeline
    story += [Anchor("timeline", anchors), s.p(SECTIONS[2][1], s.h1), s.p(f"程序依据：{prof['law_zh']}", s.small),
              Spacer(1, 2 * mm)]
    rows = []
    for st in rec["stages"]:
        note = st["note"]
        rows.append([st["name"], description.STATUS_ZH.get(st["status"], st["status"]),
                     when(st["entered_at"]), when(st["left_at"]), _who(st.get("closed_by") or st.get("entered_by")),
                     _cite(st["article"]), ("跳过理由：" + description.plain_words(note)) if st["status"] == "skipped" and note
                     else description.plain_words(note)])
    story.append(s.table(["阶段", "状态", "进入", "完成/跳过", "办理人（角色，单位）", "依据", "说明"], rows,
                         [15, 8, 15, 15, 21, 11, 21]))
    story += [Spacer(1, 4 * mm), s.p("程序事件", s.h2)]
    rows = [[when(e["at"]), ACTION_ZH.get(e["action"], e["action"]), e["summary"], _who(e)]
            for e in rec["events"] if e["action"] not in ("evidence",)]
    story.append(s.table(["时间", "事件", "内容", "操作人（角色，单位）"], rows, [16, 12, 44, 28]))

    # 2. triggers
    story += [CondPageBreak(60 * mm), Anchor("triggers", anchors), s.p(SECTIONS[3][1], s.h1)]
    if rec["triggers"]:
        rows = [[t["name_zh"], "是" if t["value"] == "yes" else "否", t["reason"], t["by"], when(t["at"]),
                 _cite(t["article"])] for t in rec["triggers"]]
        story.append(s.table(["判定事项", "判定", "理由或依据", "判定人", "时间", "依据"], rows, [24, 6, 34, 14, 14, 8]))
    else:
        story.append(s.p("尚未作出适用性判定。"))

    # 3. participation and the opinion register
    story += [CondPageBreak(50 * mm), Anchor("participation", anchors), s.p(SECTIONS[4][1], s.h1)]
    story += _kind_table(s, by_kind, ["participation_activity"], "公众参与活动")
    for reg in by_kind.get("opinion_register", []):
        m = reg["meta"]
        story.append(s.p(f"意见登记（第{reg['no']}件，{description.zh_time(reg['at'])}）：收到意见 {m.get('received', '—')} 条，"
                         f"采纳 {m.get('adopted', '—')} 条，部分采纳 {m.get('partially_adopted', '—')} 条，"
                         f"未采纳 {m.get('not_adopted', '—')} 条（条例第十八条）。"))
    if not by_kind.get("opinion_register"):
        story.append(s.p(_skip_note(rec, "public_participation") or "尚无意见采纳情况登记。"))

    # 4. expert, risk, fair competition
    story += [CondPageBreak(50 * mm), Anchor("expert", anchors), s.p(SECTIONS[5][1], s.h1)]
    for stage_key, kinds, label in (("expert_review", ["expert_opinion", "expert_adoption"], "专家论证"),
                                    ("risk_assessment", ["risk_report", "prior_risk_assessment"], "风险评估"),
                                    ("fair_competition_review", ["fair_competition_review"], "公平竞争审查")):
        story.append(s.p(label, s.h2))
        got = _kind_table(s, by_kind, kinds, label)
        story += got or [s.p(_skip_note(rec, stage_key) or "尚无相关材料。")]

    # 5. legality
    story += [CondPageBreak(50 * mm), Anchor("legality", anchors), s.p(SECTIONS[6][1], s.h1)]
    got = _kind_table(s, by_kind, ["legality_submission", "legal_adviser_opinion", "legality_opinion",
                                   "amendment_note", "legal_risk_disclosure"], "合法性审查")
    story += got or [s.p("尚无合法性审查材料。")]

    # 6. meetings
    story += [CondPageBreak(60 * mm), Anchor("meeting", anchors), s.p(SECTIONS[7][1], s.h1)]
    if not rec["meetings"]:
        story.append(s.p("尚未集体讨论决定。"))
    for m in rec["meetings"]:
        story.append(s.p(f"{description.zh_date(m['date'])} {description.MEETING_ZH.get(m['type'], m['type'])}（第{m['round']}轮）：组成人员 {m['members']} 人，"
                         f"出席 {m['present']} 人；主持/行政首长：{m['head']}；决定：{description.OUTCOME_ZH.get(m['outcome'], m['outcome'])}"
                         f"；会议纪要：第{m['minutes_no']}件。", s.body))
        rows = [[str(p["seq"]), p["who"] + ("（行政首长，最后发言）" if p["is_head"] else ""),
                 description.POSITION_ZH.get(p["position"], p["position"])] for p in m["positions"]]
        story.append(s.table(["发言顺序", "组成人员", "意见"], rows, [12, 58, 30]))
        if m["majority"]:
            story.append(s.p(f"多数组成人员意见：{description.POSITION_ZH.get(m['majority'], m['majority'])}。", s.small))
        if m["reason"]:
            story.append(s.p(f"行政首长决定与多数意见不一致的理由（条例第三十条第二款）：{m['reason']}"))
        story.append(Spacer(1, 3 * mm))

    # 7. report, publication, execution
    story += [CondPageBreak(50 * mm), Anchor("publication", anchors), s.p(SECTIONS[8][1], s.h1)]
    got = _kind_table(s, by_kind, ["party_committee_report", "npc_report", "execution_assignment", "publication_record",
                                   "adoption_explanation", "execution_report", "issue_report"], "", offices)
    story += got or [s.p(_skip_note(rec, "publication") or "尚无请示报告、公布或执行记录。")]

    # 8. evidence index
    story += [PageBreak(), Anchor("index", anchors), s.p(SECTIONS[9][1], s.h1),
              s.p("每件材料的原件以附件形式嵌入本卷（附件名见“本卷位置”），SHA-256 为原件字节的摘要。", s.small),
              Spacer(1, 2 * mm)]
    if parts:
        rows = []
        for p in parts:
            e = p.entry
            where = f"附件：{p.attachment}"
            if p.reason:
                where += f"\n{description.zh_half(p.reason)}"
            for note in p.notes:
                where += f"\n注：{description.zh_half(note)}"
            desc = f"{e['kind_name']}\n{e['filename']}"
            if e["meta"]:
                desc += f"\n{description.meta_text(e['meta'], offices)}"
            rows.append([Plain(str(e["no"])), e["stage_name"] + (f"\n第{e['round']}轮" if e["round"] > 1 else ""), desc,
                         f"{e['uploader']}（{e['role_name']}，{e['office_name']}）"
                         + (f"\n由 {e['on_behalf']} 代录（签名原件扫描件）" if e.get("on_behalf") else ""),
                         "\n".join([*when(e["at"]).split(" "), fmt_size(e["size"])]), plain_hash(e["sha256"]),
                         [Slot(f"ev:{e['no']}", slots, 40 * mm), Paragraph(s.chain.markup(where), s.cell)]])
        story.append(s.table(["件号", "阶段", "种类、文件名、元数据", "提交人", "时间/大小", "SHA-256", "本卷位置"], rows,
                             [5, 10, 24, 15, 14, 14, 18], small=(5,)))
    else:
        story.append(s.p("尚无材料（阶段性案卷）。"))

    # 9. audit trail
    story += [PageBreak(), Anchor("audit", anchors), s.p(SECTIONS[10][1], s.h1),
              s.p("审计记录按决策逐条链接成两条独立的链：SHA-256 链，以及 SM3 链（GB/T 32905-2016，国家密码杂凑算法）；"
                  "每条事件的链值覆盖该事件及此前全部事件。此处列出生成案卷时的全部事件（“生成案卷”事件本身不列入，"
                  "以保证同一记录生成相同文件）。", s.small), Spacer(1, 2 * mm)]
    rows = [[Plain(str(e["seq"])), plain_when(e["at"]), ACTION_ZH.get(e["action"], e["action"]),
             _who(e), e["summary"], chain_values(e)] for e in rec["events"]]
    story.append(s.table(["序号", "时间", "事件", "操作人", "内容", "链值（SHA-256 / SM3）"], rows,
                         [5, 13, 11, 18, 35, 18], s.small, small=(5,)))
    if any(not e.get("sm3") for e in rec["events"]):
        story.append(s.p("“SM3：未记录”：该事件写入时系统不支持 SM3（OpenSSL 未提供 SM3 且未安装 gmssl），只有 SHA-256 链。",
                         s.small))
    if back:
        story.append(Spacer(1, 2 * mm))
    for e, before in back:
        story.append(s.p(f"注：第 {e['seq']} 条事件的时间（{description.zh_time(e['at'])}）早于此前事件的时间（{description.zh_time(before)}）。"
                         "审计链按序号链接，序号的先后不受影响；时间倒序可能源于服务器时钟被回拨或时区设置错误，"
                         "“记录截至”取全部事件中最晚的时间。", s.small))
    return story


def _archive_box(arc: dict, s: Styles) -> Table:
    """The cover's box of the archival description (DA/T 22): 档号, 保管期限, 密级, 开放/控制."""
    code = arc.get("code") or "（归档时编定）"
    rows = [[s.p("档号", s.small), s.p(code, s.cover), s.p("保管期限", s.small), s.p(arc.get("retention", ""), s.cover)],
            [s.p("密级", s.small), s.p(arc.get("classification", ""), s.cover), s.p("开放状态", s.small),
             s.p(arc.get("access", ""), s.cover)],
            [s.p("全宗号", s.small), s.p(arc.get("fonds", ""), s.cover), s.p("依据", s.small),
             s.p(arc.get("access_basis", ""), s.small)]]
    t = Table(rows, colWidths=[16 * mm, 62 * mm, 18 * mm, CONTENT_W - 96 * mm])
    t.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), s.chain.primary), ("GRID", (0, 0), (-1, -1), 0.4, GRID),
                           ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("BACKGROUND", (0, 0), (0, -1), HEAD_BG),
                           ("BACKGROUND", (2, 0), (2, -1), HEAD_BG)]))
    return t


def chain_values(e: dict) -> Plain:
    """The event's SHA-256 and SM3 chain values, 22 hex digits a line (SM3: 未记录 where none was written)."""
    def lines(h: str) -> list[str]:
        return [h[i:i + 22] for i in range(0, len(h), 22)]

    sm3 = e.get("sm3") or ""
    return Plain("\n".join(["SHA-256", *lines(e["hash"]), "SM3", *(lines(sm3) if sm3 else ["未记录"])]))


def _skip_note(rec: dict, stage_key: str) -> str:
    st = next((x for x in rec["stages"] if x["key"] == stage_key), None)
    if st and st["status"] == "skipped":
        return description.plain_words(f"本阶段依法跳过：{st['note']}（{st['article']}）")
    if st and st["status"] == "pending":
        return "本阶段尚未开始。"
    return ""


def _kind_table(s: Styles, by_kind: dict[str, list[dict]], kinds: list[str], label: str,
                offices: dict[str, str] | None = None) -> list:
    rows = []
    for k in kinds:
        for e in by_kind.get(k, []):
            rows.append([Plain(str(e["no"])), e["kind_name"], description.meta_text(e["meta"], offices) or "—",
                         f"{e['uploader']}（{e['role_name']}）", when(e["at"])])
    if not rows:
        return []
    rows.sort(key=lambda r: int(r[0]))
    return [s.table(["件号", "种类", "要点（元数据）", "提交人", "时间"], rows, [8, 18, 44, 18, 14]), Spacer(1, 2 * mm)]


def render_front(rec: dict, parts: list[Part], chain: fonts.FontChain) -> tuple[bytes, int, dict, dict]:
    """The generated part in one ReportLab pass: (bytes, pages, section anchors, number slots).

    Nothing in it depends on the final page numbers: they are drawn into the slots by the overlay
    (`stamp_pages`), so the layout is computed once, whatever the number of pages.
    """
    s = Styles(chain)
    anchors: dict[str, int] = {}
    slots: dict[str, tuple[int, float, float, float]] = {}
    data, pages = _build(rec, chain, build_story(rec, parts, s, anchors, slots))
    return data, pages, anchors, slots


def render_tail(rec: dict, parts: list[Part], chain: fonts.FontChain, first_page: int, total: int,
                front_pages: int, tail_pages: int) -> tuple[bytes, int]:
    """The 卷内备考表 (DA/T 22: at the end of the volume), after the last document: (bytes, pages). Its page
    numbers are known by then, so it draws its own footer (the overlay stamps the pages before it)."""
    s = Styles(chain)
    back = len(backwards(rec["events"]))
    story: list = [s.p("卷内备考表", s.h1),
                   s.p(description.counts_text(parts, total, front_pages, tail_pages), s.body), Spacer(1, 2 * mm),
                   s.p("说明", s.h2)]
    story += [s.p(f"{i}. {n}", s.body) for i, n in enumerate(description.notes(rec, parts, back), start=1)]
    story += [Spacer(1, 6 * mm), s.table(["项目", "内容"], [list(r) for r in description.signoff_rows(rec)], [20, 80])]
    return _build(rec, chain, story, footer=(volume_label(rec), first_page, total))


def _build(rec: dict, chain: fonts.FontChain, story: list,
           footer: tuple[str, int, int] | None = None) -> tuple[bytes, int]:
    """One ReportLab document of the volume's generated pages (header line; ``footer``: label, first page
    number and total, drawn here when the numbers are known, as the overlay draws them elsewhere)."""
    code = rec["decision"]["code"]
    interim = rec["decision"]["interim"]

    def decorate(canv: rl_canvas.Canvas, doc: BaseDocTemplate) -> None:
        canv.saveState()
        canv.setFont(chain.primary, 8)
        canv.setFillColor(colors.Color(0.3, 0.3, 0.3))
        head = f"重大行政决策案卷 · {code}" + (" · 阶段性案卷" if interim else "")
        canv.drawString(MARGIN, PAGE_H - 11 * mm, chain.plain(head))
        canv.setStrokeColor(GRID)
        canv.setLineWidth(0.3)
        canv.line(MARGIN, PAGE_H - 12.5 * mm, PAGE_W - MARGIN, PAGE_H - 12.5 * mm)
        if footer is not None:
            label, first, total = footer
            canv.drawString(MARGIN, 9 * mm, chain.plain(label))
            canv.drawRightString(PAGE_W - MARGIN, 9 * mm, f"第 {first + doc.page - 1} 页 共 {total} 页")
        canv.restoreState()

    buf = io.BytesIO()
    doc = BaseDocTemplate(buf, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                          bottomMargin=MARGIN, invariant=1, initialFontName=chain.primary, initialFontSize=9,
                          title=rec["decision"]["title"], author=rec["organ"]["name"], subject="重大行政决策案卷",
                          creator="juece", producer="juece", pageCompression=1)
    frame = Frame(MARGIN, MARGIN, CONTENT_W, PAGE_H - 2 * MARGIN, id="body", leftPadding=0, rightPadding=0,
                  topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=decorate)])
    doc.build(story)
    return buf.getvalue(), doc.page


def slot_texts(parts: list[Part], layout: Layout) -> dict[str, str]:
    """What each slot shows, now that the page numbers are known."""
    texts = {"total": f"共 {layout.total_pages} 页（生成部分 {layout.front_pages} 页，材料 "
                      f"{layout.total_pages - layout.front_pages - layout.tail_pages} 页，卷内备考表 {layout.tail_pages} 页）"}
    for key, _title in SECTIONS[2:]:
        texts[f"toc:{key}"] = str(layout.anchors.get(key, ""))
    merged = [p for p in parts if p.merged]
    texts["toc:evidence"] = str(merged[0].first_page) if merged else "—"
    for i, (_label, group) in enumerate(_groups(parts)):
        first = next((p.first_page for p in group if p.merged), 0)
        texts[f"toc:group:{i}"] = str(first) if first else "—（未并入）"
    for p in parts:
        texts[f"ev:{p.entry['no']}"] = _pages_text(p)
        texts[f"cat:{p.entry['no']}"] = _page_range(p)
    texts["cat:record"] = f"1–{layout.front_pages}"
    texts["cat:notes"] = str(layout.anchors.get("notes", ""))
    return texts


def _page_range(p: Part) -> str:
    if not p.merged:
        return "附件"
    last = p.first_page + p.pages - 1
    return str(p.first_page) if p.pages == 1 else f"{p.first_page}–{last}"


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


def evidence_groups(parts: list[Part]) -> list[tuple[str, list[Part]]]:
    """The documents by stage (the table of contents' and the bookmarks' groups)."""
    return _groups(parts)


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


__all__ = ["probe", "render_front", "overlay_plan", "evidence_stamp", "read_manifest", "embedded_hashes", "record_digest", "MANIFEST_NAME", "FORMAT"]
