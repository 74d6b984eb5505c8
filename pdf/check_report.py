"""The 四性检测 report (DA/T 70) as a PDF: each category, each check with its result and its evidence.

`render(report)` takes the plain dict `decisions.archive.checks.check_package` returns (no database here) and
gives the PDF's bytes, set in the dossier's embedded CJK fonts (ReportLab, ``invariant=1``)."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.platypus import SimpleDocTemplate, Spacer

from pdf import fonts
from pdf.dossier import MARGIN
from pdf.story import Styles

RESULT_ZH = {"pass": "通过", "fail": "未通过", "warn": "通过（有提示）"}


def render(report: dict) -> bytes:
    chain = fonts.chain()
    s = Styles(chain)
    story: list = [s.p("电子档案移交包四性检测报告", s.h1),
                   s.p(f"依据：{report.get('standard', 'DA/T 70-2018')}；检测对象：{report['package']}；检测时间："
                       f"{report['checked_at']}", s.small),
                   s.p(f"结论：{'全部通过' if report['ok'] else '未通过：' + '；'.join(report['failed'])}", s.h2)]
    story.append(s.table(["类别", "结果"], [[k, RESULT_ZH.get(v, v)] for k, v in report["summary"].items()], [30, 70]))
    story.append(Spacer(1, 12))
    rows = [[f"{c['category_zh']}\n{c['id']}", c["name"], RESULT_ZH.get(c["result"], c["result"]),
             "\n".join(c["evidence"][:40]) + (f"\n……另 {len(c['evidence']) - 40} 条" if len(c["evidence"]) > 40 else "")]
            for c in report["checks"]]
    story.append(s.table(["类别/编号", "检测项", "结果", "依据（证据）"], rows, [11, 24, 10, 55], s.small))
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                            bottomMargin=MARGIN, invariant=1, initialFontName=chain.primary, title="四性检测报告",
                            author="juece", creator="juece", producer="juece")
    doc.build(story, onFirstPage=_no_op, onLaterPages=_no_op)
    return buf.getvalue()


def _no_op(canv: object, doc: object) -> None:
    del canv, doc


__all__ = ["render"]
