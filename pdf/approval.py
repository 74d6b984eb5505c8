"""The 呈批件 (审批单) of a decision's current stage: one A4 page a civil servant prints and carries to the head —
title, number, organ, undertaking unit, stage, what is requested, the opinions so far, blank lines for the
批示 and the signature. Knows no database: ``decisions.workbench.oa.approval_sheet`` gives it the facts."""

from __future__ import annotations

import io
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from pdf import fonts

BLANK_LINES = 5


def render(sheet: dict[str, Any]) -> bytes:
    """The sheet as PDF bytes. `sheet`: title, code, organ, undertaker, stage, request, printed (a date in
    words), opinions ([{who, role, office, action, comment, at}]) and instructions (the same shape)."""
    chain = fonts.chain()
    f = chain.primary
    body = ParagraphStyle("body", fontName=f, fontSize=10.5, leading=16, wordWrap="CJK")
    cell = ParagraphStyle("cell", parent=body, fontSize=9.5, leading=14)
    title = ParagraphStyle("title", parent=body, fontSize=20, leading=30, alignment=TA_CENTER, spaceAfter=6)

    def p(text: object, style: ParagraphStyle = cell) -> Paragraph:
        return Paragraph(chain.markup(text), style)

    head = [
        [p("决策事项"), p(sheet["title"]), p("决策编号"), p(sheet["code"])],
        [p("决策机关"), p(sheet["organ"]), p("承办单位"), p(sheet["undertaker"])],
        [p("当前阶段"), p(sheet["stage"]), p("打印日期"), p(sheet["printed"])],
        [p("请示事项"), p(sheet["request"]), "", ""],
    ]
    opinions = [[p("时间"), p("办理人"), p("单位"), p("办理情况及意见")]]
    for o in sheet.get("opinions", []):
        who = f"{o['who']}（{o['role']}）" if o.get("role") else o["who"]
        opinions.append([p(o["at"]), p(who), p(o["office"]), p(f"{o['action']}：{o['comment']}")])
    if len(opinions) == 1:
        opinions.append([p("—"), p("—"), p("—"), p("尚无办理意见")])
    for o in sheet.get("instructions", []):
        opinions.append([p(o["at"]), p(f"{o['who']}（{o['role']}）"), p(o["office"]), p(f"领导批示：{o['comment']}")])
    grid = TableStyle([("GRID", (0, 0), (-1, -1), 0.6, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                       ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke)])
    head_table = Table(head, colWidths=[22 * mm, 68 * mm, 22 * mm, 58 * mm])
    head_table.setStyle(TableStyle([*grid.getCommands(), ("SPAN", (1, 3), (3, 3)),
                                    ("BACKGROUND", (2, 0), (2, 2), colors.whitesmoke)]))
    op_table = Table(opinions, colWidths=[30 * mm, 34 * mm, 36 * mm, 70 * mm], repeatRows=1)
    op_table.setStyle(TableStyle([*grid.getCommands(), ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke)]))
    blank = Table([[p("领导批示")]] + [[""] for _ in range(BLANK_LINES)] + [[p("签字：　　　　　　　　　　　　日期：　　　　年　　月　　日")]],
                  colWidths=[170 * mm], rowHeights=[8 * mm] + [9 * mm] * BLANK_LINES + [10 * mm])
    blank.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.6, colors.black),
                               ("LINEBELOW", (0, 1), (0, BLANK_LINES), 0.3, colors.grey)]))
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm,
                            bottomMargin=18 * mm, title=fonts.clean(f"呈批件 {sheet['code']}"), author="juece",
                            subject=fonts.clean(str(sheet["title"])))
    doc.build([p(f"{sheet['organ']}", ParagraphStyle("org", parent=body, alignment=TA_CENTER)),
               p("呈　批　件", title), head_table, Spacer(1, 5 * mm), p("办理意见", body), op_table,
               Spacer(1, 5 * mm), blank])
    return out.getvalue()
