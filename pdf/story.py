"""The dossier's generated pages (ReportLab, embedded TrueType CJK fonts only): the cover, the 卷内目录, the
procedure record in nine sections and, after the last document, the 卷内备考表 — as a story of flowables drawn
once. Numbers known only after layout (page numbers, the volume's total) are left as `Slot`s, which
`slot_texts` fills and `pdf.dossier.overlay_plan` stamps; `pdf.assemble` puts the volume together."""

from __future__ import annotations

import io
from typing import Any

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

from pdf import description, events, fonts
from pdf.dossier import (
    MARGIN,
    PAGE_H,
    PAGE_W,
    Layout,
    Part,
    as_of,
    backwards,
    evidence_groups,
    fmt_size,
    volume_label,
    when,
)

ACTION_ZH = events.ACTION_ZH
CONTENT_W = PAGE_W - 2 * MARGIN
GRID = colors.Color(0.55, 0.55, 0.55)
HEAD_BG = colors.Color(0.90, 0.92, 0.95)


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


def _cite(article: str) -> str:
    """A table's 依据 cell: the articles of the decree as cited (第二十五条第二款; the column says whose)."""
    return description.articles_zh(article).replace("条例第", "第")


def _who(d: dict | None) -> str:
    if not d:
        return ""
    who = d.get("who", "")
    extra = "，".join(x for x in (d.get("role_name", ""), d.get("office_name", "")) if x and x != who)
    return who + (f"（{extra}）" if extra else "")


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
    for i, (_label, group) in enumerate(evidence_groups(parts)):
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
