"""The documents public participation produces as PDF: the notice of an open comment period, the opinion
register (Art 18) and the feedback on how opinions were taken up; reportlab, with the dossier's fonts."""

from __future__ import annotations

import io
from bisect import bisect_right
from datetime import date
from itertools import accumulate, groupby
from operator import itemgetter

from sqlmodel import Session, select

from decisions.participation.models import CHANNEL_ZH, DISPOSITION_ZH, Consultation
from decisions.procedure.models import Decision, Evidence


def draft_labels(s: Session, d: Decision) -> dict[int, str]:
    rows = s.exec(select(Evidence.id, Evidence.meta, Evidence.filename).where(
        Evidence.decision_id == d.id, Evidence.kind == "draft")).all()
    return {i: str(m.get("version") or f) for i, m, f in rows}


def _pdf_story(title: str, head: list[str]) -> tuple:
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, Spacer

    from pdf import fonts

    chain = fonts.chain()
    body = ParagraphStyle("b", fontName=chain.primary, fontSize=9, leading=12, wordWrap="CJK")
    h1 = ParagraphStyle("h", parent=body, fontSize=15, leading=20, spaceAfter=6)
    story = [Paragraph(chain.markup(title), h1)]
    story += [Paragraph(chain.markup(line), body) for line in head]
    story.append(Spacer(1, 6))
    return chain, body, story


def _build(story: list, title: str) -> bytes:
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=landscape(A4), leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=title, author="juece", invariant=1)
    doc.build(story)
    return buf.getvalue()


def _table(chain, body, header: list[str], rows: list[list[str]], widths: list[float]) -> list:  # noqa: ANN001
    """The disposition table as one flowable per row, drawn as plain strings (no markup is interpreted, so
    user text is text): CJK Paragraphs in a 1,000-row table take tens of seconds to lay out, these take
    well under one. A row taller than the page is split between pages."""
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.platypus import Flowable

    font = chain.primary
    size, leading, pad = 8.0, 10.5, 2.0
    face = pdfmetrics.getFont(font)
    cols = [w * mm for w in widths]
    cache: dict[str, tuple[str, float]] = {}  # character -> (what is drawn: itself, a placeholder or nothing; width)

    def glyph(ch: str) -> tuple[str, float]:
        shown = chain.plain(ch)
        cache[ch] = (shown, face.stringWidth(shown, size) if shown else 0.0)
        return cache[ch]

    def wrap_text(text: str, width: float) -> list[str]:
        lines: list[str] = []
        for para in str(text).replace("\r\n", "\n").split("\n"):
            shown = [cache.get(ch) or glyph(ch) for ch in para]
            ends = list(accumulate(g[1] for g in shown))  # running width: each line break found by bisection
            start, base = 0, 0.0
            while start < len(ends):
                stop = max(start + 1, bisect_right(ends, base + width, lo=start))
                lines.append("".join(g[0] for g in shown[start:stop]))
                base, start = ends[stop - 1], stop
            if not para:
                lines.append("")
        return lines

    encoded: dict[str, tuple[str, str]] = {}  # character -> (subset font resource name, escaped PDF string bytes)

    def text_ops(c, x: float, y: float, lines: list[str]) -> str:  # noqa: ANN001
        """BT…ET for the lines of one cell. What Canvas.drawText writes, with each character's subset code
        looked up once per document instead of once per occurrence (same bytes, a third of the time)."""
        doc = c._doc  # noqa: SLF001
        ops = [f"BT 1 0 0 1 {x:.2f} {y:.2f} Tm {leading:g} TL"]
        current = ""
        for i, line in enumerate(lines):
            if i:
                ops.append("T*")
            for ch in [ch for ch in dict.fromkeys(line) if ch not in encoded]:
                (subset, raw), = face.splitString(ch, doc)
                encoded[ch] = (face.getSubsetInternalName(subset, doc), c._escape(raw))  # noqa: SLF001
            for name, group in groupby([encoded[ch] for ch in line], key=itemgetter(0)):
                if name != current:
                    ops.append(f"{name} {size:g} Tf")
                    current = name
                ops.append(f"({''.join(map(itemgetter(1), group))}) Tj")
        ops.append("ET")
        return " ".join(ops)

    class Row(Flowable):
        def __init__(self, cells: list[list[str]], shade: bool = False):
            super().__init__()
            self.cells, self.shade = cells, shade
            self.height = max(len(c) for c in cells) * leading + 2 * pad
            self.width = sum(cols)

        def wrap(self, _aw: float, _ah: float) -> tuple[float, float]:
            return self.width, self.height

        def split(self, _aw: float, ah: float) -> list:
            fit = int((ah - 2 * pad) // leading)
            if fit < 1 or fit >= max(len(c) for c in self.cells):
                return []
            return [Row([c[:fit] or [""] for c in self.cells], self.shade),
                    Row([c[fit:] or [""] for c in self.cells], self.shade)]

        def draw(self) -> None:
            c = self.canv
            c.setLineWidth(0.3)
            c.setStrokeColor(colors.grey)
            if self.shade:
                c.setFillColor(colors.HexColor("#eeeeee"))
                c.rect(0, 0, self.width, self.height, stroke=0, fill=1)
            c.setFillColor(colors.black)
            c.setFont(font, size)
            x = 0.0
            for w, lines in zip(cols, self.cells, strict=True):
                c.rect(x, 0, w, self.height, stroke=1, fill=0)
                if any(lines):
                    c._code.append(text_ops(c, x + pad, self.height - pad - size, lines))  # noqa: SLF001
                x += w

    wrapped: dict[tuple[str, float], list[str]] = {}  # reasons, channels, groups repeat across a group of rows

    def cell(text: str, width: float) -> list[str]:
        key = (text, width)
        got = wrapped.get(key)
        if got is None:
            got = wrapped[key] = wrap_text(text, width - 2 * pad)
        return got

    out = [Row([cell(h, w) for h, w in zip(header, cols, strict=True)], shade=True)]
    out += [Row([cell(v, w) for v, w in zip(r, cols, strict=True)]) for r in rows]
    return out


def notice_pdf(d: Decision, organ: str, title: str, explanation: str, start: date, end: date, reason: str,
                draft: Evidence, contact_required: bool) -> bytes:
    lines = [f"{organ}　{d.code}", f"征求意见期限：{start.isoformat()} 至 {end.isoformat()}（含当日），共{(end - start).days}日"]
    if reason:
        lines.append(f"期限缩短的理由：{reason}")
    lines += [f"决策草案：{draft.filename}（{draft.meta.get('version', '')}）",
              "提出意见的方式：通过 juece 公开征求意见页面在线提交（每条意见生成回执号，可凭回执号查询处理情况），"
              "或以信函、电子邮件等方式向承办单位提出。" + ("须留下姓名和联系方式。" if contact_required else "姓名和联系方式可不填。"),
              "决策草案说明：", explanation]
    _chain, _body, story = _pdf_story(title, lines)
    return _build(story, title)


def register_pdf(d: Decision, c: Consultation | None, rows: list, counts: dict,
                  drafts: dict[int, str]) -> bytes:
    title = f"意见采纳情况登记表 — {d.title}"
    head = [f"决策编号：{d.code}　轮次：{d.round}",
            f"征求意见：{c.start} 至 {c.end}" + (f"（缩短理由：{c.shortened_reason}）" if c.shortened_reason else "")
            if c else "征求意见：未在线公开征求意见（其他渠道）",
            f"收到意见 {counts['received']} 条：采纳 {counts['adopted']} 条，部分采纳 {counts['partially_adopted']} 条，"
            f"不予采纳 {counts['not_adopted']} 条；其中屏蔽 {counts['hidden']} 条（内容保留于本登记表）",
            "按渠道：" + "，".join(f"{CHANNEL_ZH.get(k, k)} {v} 条" for k, v in sorted(counts["by_channel"].items()))]
    chain, body, story = _pdf_story(title, head)
    table_rows = []
    for o in rows:
        content = o.content + (f"\n〔已屏蔽：{o.hidden_reason}（{o.hidden_by}）〕" if o.hidden else "")
        table_rows.append([o.receipt, CHANNEL_ZH.get(o.channel, o.channel), content, DISPOSITION_ZH[o.disposition],
                           o.reason, o.group_label, drafts.get(o.draft_evidence_id or 0, "")])
    story += _table(chain, body, ["回执号", "渠道", "意见", "处理", "理由", "分组", "吸收版本"], table_rows,
                    [24, 16, 125, 16, 60, 16, 15])
    return _build(story, title)


def feedback_pdf(d: Decision, organ: str, c: Consultation | None, rows: list, counts: dict,
                  drafts: dict[int, str]) -> bytes:
    title = f"关于《{d.title}》征求意见采纳情况的说明"
    head = [f"{organ}　{d.code}",
            (f"本决策草案于{c.start}至{c.end}公开征求意见" + (f"（期限缩短的理由：{c.shortened_reason}）" if c.shortened_reason
                                                     else "") + "。") if c else "",
            f"共收到意见 {counts['received']} 条，其中采纳 {counts['adopted']} 条，部分采纳 {counts['partially_adopted']} 条，"
            f"不予采纳 {counts['not_adopted']} 条。" + (f"另有 {counts['hidden']} 条意见因含有不当内容未予公开（已登记并处理）。"
                                                  if counts["hidden"] else ""),
            "各条意见的处理情况及理由如下（可凭回执号查询）："]
    chain, body, story = _pdf_story(title, [h for h in head if h])
    table_rows = [[o.receipt, CHANNEL_ZH.get(o.channel, o.channel), o.content, DISPOSITION_ZH[o.disposition], o.reason,
                   drafts.get(o.draft_evidence_id or 0, "")] for o in rows if not o.hidden]
    story += _table(chain, body, ["回执号", "渠道", "意见", "处理", "理由", "吸收版本"], table_rows,
                    [24, 16, 130, 16, 66, 15])
    return _build(story, title)
