"""`juece demo`: a realistic deployment built on two real published catalogs.

广州市花都区人民政府 (county-level district of Guangzhou, national profile) with its departments and
its 2022 catalog (花府办〔2022〕6号); 营口市人民政府 (a city in Liaoning, provincial overlay) with its
forestry bureau as a department-level organ and that bureau's 2025 catalog. Users of every role;
decisions at several stages, each walked through the same use cases as the CLI with the clock pinned
to plausible dates. People and documents are invented and marked as demo material.

The demo lives relative to the clock's today (``JUECE_NOW`` or the real date): each deployment's story is
written in fixed dates (花都 in 2022, 营口 in 2025) and moved forward by whole weeks (weekdays, and so working
days, keep their places) until the story's last day is the most recent such weekday on or before today
(``shift``). Every recorded date then lies on or before today, in the story's order; one comment period ends
within the coming week; one decision is overdue (久拖不决, about two weeks); the rest is due later.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlmodel import select

from decisions import clock
from decisions.accounts import service as directory
from decisions.accounts.models import Office
from decisions.catalog import service as catalog
from decisions.integrity import service as integrity
from decisions.procedure import experts, registers, service
from decisions.procedure.meeting import MeetingInput, record_meeting
from decisions.storage.locations import demo_catalogs
from decisions.storage.unit_of_work import UnitOfWork

DEMO_PASSWORD = directory.DEMO_PASSWORD
CATALOGS = demo_catalogs()  # package data (juece_data/demo/catalogs)
FONT_CANDIDATES = ["/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
                   "/usr/share/fonts/truetype/arphic/uming.ttc"]

OFFICES = [
    # code, name, level, parent, profile
    ("HD", "广州市花都区人民政府", "county", None, "state-council-2019"),
    ("HD-ZFB", "广州市花都区人民政府办公室", "department", "HD", None),
    ("HD-SFJ", "广州市花都区司法局", "department", "HD", None),
    ("HD-CZJ", "广州市花都区财政局", "department", "HD", None),
    ("HD-CGJ", "广州市花都区城市管理综合执法局", "department", "HD", None),
    ("HD-GZJ", "广州市规划和自然资源局花都区分局", "department", "HD", None),
    ("HD-FGJ", "广州市花都区发展和改革局", "department", "HD", None),
    ("GZ-EXPERTS", "广州市重大行政决策论证专家库", "department", None, None),
    ("YK", "营口市人民政府", "city", None, "liaoning-2023"),
    ("YK-SFJ", "营口市司法局", "department", "YK", None),
    ("YK-LCJ", "营口市林业和草原局", "department", "YK", None),
    ("YK-LCZX", "营口市林业和草原发展服务中心", "department", "YK-LCJ", None),
    ("LN-EXPERTS", "辽宁省重大行政决策咨询论证专家库", "department", None, "liaoning-2023"),
]

USERS = [
    # username, name, office, roles
    ("admin", "系统管理员", "HD-ZFB", ["admin"]),
    ("hd_organ", "陈志明（区府办）", "HD", ["decision_organ"]),
    ("hd_head", "李建国（区长）", "HD", ["head"]),
    ("hd_vice1", "王晓东（副区长）", "HD", ["decision_organ"]),
    ("hd_vice2", "刘芳（副区长）", "HD", ["decision_organ"]),
    ("hd_vice3", "赵磊（副区长）", "HD", ["decision_organ"]),
    ("hd_vice4", "孙丽（副区长）", "HD", ["decision_organ"]),
    ("hd_secretary", "周敏（会议秘书）", "HD", ["secretary"]),
    ("hd_archivist", "吴静（档案员）", "HD", ["archivist"]),
    ("hd_auditor", "郑强（审计监督）", "HD", ["auditor"]),
    ("czj_drafter", "黄海（财政局）", "HD-CZJ", ["drafter"]),
    ("cgj_drafter", "林涛（城管执法局）", "HD-CGJ", ["drafter"]),
    ("gzj_drafter", "何静（规划资源分局）", "HD-GZJ", ["drafter"]),
    ("sfj_reviewer", "马丽（司法局）", "HD-SFJ", ["legality_reviewer"]),
    ("sfj_adviser", "高峰（公职律师）", "HD-SFJ", ["legal_adviser"]),
    ("czj_executor", "罗斌（财政局执行）", "HD-CZJ", ["executor"]),
    ("expert_zhang", "张立（城市规划专家）", "GZ-EXPERTS", ["expert"]),
    ("expert_wang", "王敏（生态学专家）", "GZ-EXPERTS", ["expert"]),
    ("expert_li", "李强（公共管理专家）", "GZ-EXPERTS", ["expert"]),
    ("yk_organ", "于洋（局办公室）", "YK-LCJ", ["decision_organ"]),
    ("yk_head", "宋军（局长）", "YK-LCJ", ["head"]),
    ("yk_drafter", "冯雪（林草中心）", "YK-LCZX", ["drafter"]),
    ("yk_reviewer", "邓佳（市司法局）", "YK-SFJ", ["legality_reviewer"]),
    ("yk_expert1", "曹林（林学专家）", "LN-EXPERTS", ["expert"]),
    ("yk_expert2", "袁草（草原专家）", "LN-EXPERTS", ["expert"]),
    ("yk_expert3", "彭森（生态专家）", "LN-EXPERTS", ["expert"]),
]

MEMBERS = [
    # organ, user, title, head — the registers of meeting members (会议组成人员, procedure.md §8)
    ("HD", "hd_head", "区长", True),
    ("HD", "hd_vice1", "副区长", False),
    ("HD", "hd_vice2", "副区长", False),
    ("HD", "hd_vice3", "副区长", False),
    ("HD", "hd_vice4", "副区长", False),
    ("YK-LCJ", "yk_head", "局长", True),
]

REVIEW_OFFICES = [("HD", "HD-SFJ"), ("YK-LCJ", "YK-SFJ")]  # the organs' legality review (Art 25)

ALL_TRIGGERS = ("professional_technical", "stability_risk", "specific_groups", "market_entities", "npc_scope",
                "high_public_concern", "interagency", "non_disclosable", "exploratory_reform")


def _font() -> tuple[str, str | None]:
    for path in FONT_CANDIDATES:
        if Path(path).is_file():
            return "DemoZH", path
    return "STSong-Light", None


def document(title: str, lines: list[str]) -> bytes:
    """A small demo PDF in Chinese, byte-reproducible (invariant mode)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    name, path = _font()
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, path, subfontIndex=0) if path else UnicodeCIDFont(name))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1, initialFontName=name, initialFontSize=11)
    c.setTitle(title)
    width, height = A4
    c.setFont(name, 16)
    c.drawCentredString(width / 2, height - 90, title)
    c.setFont(name, 11)
    y = height - 140
    for line in [*lines, "", "（演示材料 / demo document — juece）"]:
        c.drawString(72, y, line)
        y -= 20
    c.showPage()
    c.save()
    return buf.getvalue()


#: the last day of each story (by the year its dates are written in): it becomes today's weekday or the last one
STORY_ENDS = {2022: date(2022, 12, 31), 2025: date(2025, 5, 26)}
_STORY_OF_YEAR = {2022: 2022, 2023: 2022, 2025: 2025}  # a story's dates may run past its year (an announced end)
_shift_days: dict[int, int] = {year: 0 for year in STORY_ENDS}
_ISO_DAY = re.compile(r"(?<!\d)(20\d\d)-(\d\d)-(\d\d)(?!\d)")


def shift(today: date) -> dict[int, int]:
    """Days each story moves by for `today`: whole weeks, the story's last day on or at most six days before
    today (the same weekday). Used by ``load``; a test may call it to predict the demo's dates."""
    return {year: (today - end).days // 7 * 7 for year, end in STORY_ENDS.items()}


def moved(text: str) -> str:
    """Every story date in `text` (2022-…/2023-…, 2025-…) moved to today's time line (``shift``); other text unchanged."""
    def one(m: re.Match) -> str:
        delta = _shift_days.get(_STORY_OF_YEAR.get(int(m[1]), 0))
        if delta is None:
            return m[0]
        return (date(int(m[1]), int(m[2]), int(m[3])) + timedelta(days=delta)).isoformat()
    return _ISO_DAY.sub(one, text)


@contextmanager
def at(when: str) -> Iterator[None]:
    with clock.frozen(datetime.fromisoformat(moved(when)).replace(tzinfo=clock.CHINA)):
        yield


class _Scenario:
    """Drives one demo decision through the use cases."""

    def __init__(self, did: int, title: str, drafter: str):
        self.id, self.title, self.drafter = did, title, drafter

    def ev(self, when: str, kind: str, user: str, doc_title: str, lines: list[str] | None = None,
           **meta: str) -> None:
        with at(when):
            service.add_evidence(self.id, kind=kind, filename=f"{doc_title}.pdf",
                                 data=document(doc_title, [f"事项：{self.title}", *(moved(x) for x in lines or [])]),
                                 meta={k: moved(str(v)) for k, v in meta.items()}, as_user=user)

    def triggers(self, when: str, yes: tuple[str, ...], reasons: dict[str, str], only: tuple[str, ...] = ALL_TRIGGERS):
        sets = {t: ("yes" if t in yes else "no") for t in only}
        with at(when):
            service.set_triggers(self.id, sets=sets, reasons={k: v for k, v in reasons.items() if k in sets},
                                 as_user=self.drafter)

    def advance(self, when: str, user: str) -> None:
        with at(when):
            service.advance(self.id, as_user=user)


DEFAULT_NO_REASONS = {
    "professional_technical": "事项不涉及需专家论证的专业技术问题",
    "stability_risk": "经初步分析，不会对社会稳定、公共安全造成不利影响",
    "specific_groups": "不涉及特定群体利益",
    "market_entities": "不涉及市场主体经济活动",
    "npc_scope": "不属于区人大及其常委会讨论决定或报告事项",
    "high_public_concern": "社会关注度一般",
    "interagency": "不涉及其他部门职责",
    "non_disclosable": "可以公开",
    "exploratory_reform": "有明确法律政策依据",
}


def _new(title: str, organ: str, undertaker: str, category: int, user: str, when: str, item: int | None) -> int:
    with at(when):
        return int(service.new_decision(title=title, organ=organ, undertaker=undertaker, category=category,
                                        source="department", as_user=user, catalog=item)["id"])


def load() -> dict:
    """Load the demo (idempotent: a second call reports that it is already there)."""
    integrity.initialise()
    with UnitOfWork() as uow:
        if uow.session.exec(select(Office).where(Office.code == "HD")).first():
            return {"loaded": False, "message": "演示数据已存在 / demo already loaded"}
    _shift_days.update(shift(clock.today()))
    with at("2022-01-04T09:00:00"):
        for code, name, level, parent, profile in OFFICES:
            directory.add_office(code, name, level, parent, profile)
        for username, name, office, roles in USERS:
            directory.add_user(username, name, office, roles, password=DEMO_PASSWORD)
        for organ, user, title, head in MEMBERS:
            registers.register_member(organ, user, from_date=moved("2022-01-01"), title=title, head=head, as_user="admin")
        for organ, office in REVIEW_OFFICES:
            registers.set_review_office(organ, office, as_user="admin")
    hd_year, yk_year = int(moved("2022-07-20")[:4]), int(moved("2025-02-20")[:4])  # the catalogs' years
    with at("2022-03-28T10:00:00"):  # recorded on the day it was published
        hd_items = catalog.import_csv("HD", hd_year, CATALOGS / "guangzhou-huadu-district-2022.csv",
                                      source="花府办〔2022〕6号 https://www.huadu.gov.cn/xxgk/zcwj/zfwj/hfb/content/post_8157016.html",
                                      published_at=moved("2022-03-28"), party_consent_at=moved("2022-03-18"))
    with at("2025-02-20T10:00:00"):
        yk_items = catalog.import_csv("YK-LCJ", yk_year, CATALOGS / "yingkou-forestry-grassland-bureau-2025.csv",
                                      source="https://lycyj.yingkou.gov.cn/govxxgk/lyhcyj/2025-10-22/"
                                             "72c2f35f-9550-415a-89d2-22683a947af8.html",
                                      published_at=moved("2025-02-20"), party_consent_at=moved("2025-02-14"))
    ids = [_published_plan(hd_items[1]), _blocked_at_legality(hd_items[0]), _in_participation(hd_items[2]),
           _proposed(hd_items[3]), _drafting(hd_items[4]), _yingkou(yk_items[0])]
    ids += [_main_line(*line) for line in MAIN_LINE]  # appended: the first six keep their ids and codes
    # catalog adjustment (version 2 with its own consent and publication), one worker pass
    from decisions.deadlines import scheduled
    with at("2022-07-20T10:00:00"):
        catalog.adjust("HD", hd_year, reason="年中调整：增加公共停车场收费标准调整事项（演示）", as_user="hd_organ")
        catalog.add_item("HD", hd_year, item_name="花都区公共停车场收费标准调整", undertaking_unit="区发展和改革局",
                         procedures="公众参与、专家论证、风险评估、合法性审查、集体讨论决定", hearing="是",
                         legal_basis="《中华人民共和国价格法》", planned_time=f"{hd_year}年12月", as_user="hd_organ")
    with at("2022-07-26T10:00:00"):
        catalog.consent("HD", hd_year, day=moved("2022-07-26"), ref="区委常委会会议同意（演示）", as_user="hd_organ")
    with at("2022-07-29T10:00:00"):
        catalog.publish("HD", hd_year, day=moved("2022-07-29"), ref="https://www.huadu.gov.cn/", as_user="hd_organ")
    with at("2022-12-30T18:00:00"):
        scheduled.run_once()
    return {"loaded": True, "offices": len(OFFICES), "users": len(USERS), "catalog_items": len(hd_items) + len(yk_items),
            "decisions": ids, "password": DEMO_PASSWORD}


def _start(s: _Scenario, day: str, organ_user: str) -> None:
    s.ev(f"{day}T09:30:00", "proposal", organ_user, "决策事项建议", ["来源：部门提出（条例第10条）"], source="department")
    s.ev(f"{day}T15:00:00", "start_decision", organ_user, "关于启动决策程序的决定", ["明确承办单位（条例第11条）"], date=day)
    s.advance(f"{day}T15:10:00", organ_user)


def _published_plan(item: dict) -> int:
    """Published and in execution; expert review, risk assessment, fair competition review skipped."""
    did = _new(item["item_name"], "HD", "HD-CZJ", 2, "hd_organ", "2022-04-06T09:00:00", item["id"])
    s = _Scenario(did, item["item_name"], "czj_drafter")
    _start(s, "2022-04-06", "hd_organ")
    s.triggers("2022-04-08T10:00:00", ("high_public_concern",),
               {**DEFAULT_NO_REASONS, "professional_technical": "属财政管理政策性规划，已有上级规划框架，不涉及专业技术论证"})
    s.ev("2022-04-12T10:00:00", "draft", "czj_drafter", "规划草案（征求意见稿）", version="征求意见稿")
    s.ev("2022-04-12T10:05:00", "legal_basis", "czj_drafter", "法律法规政策依据清单",
         ["《中华人民共和国预算法》", "《广州市财政发展“十四五”规划》"], laws="预算法；市财政“十四五”规划")
    s.advance("2022-04-20T09:00:00", "czj_drafter")
    # recorded once the period is over: no date in the record lies after the day it is recorded (procedure.md §8)
    s.ev("2022-05-24T09:00:00", "participation_activity", "czj_drafter", "公开征求意见公告",
         ["征求意见期：2022-04-21 至 2022-05-23"], form="open_comment", start="2022-04-21", end="2022-05-23")
    s.ev("2022-05-25T16:00:00", "opinion_register", "czj_drafter", "意见采纳情况登记表",
         ["收到意见 12 条，采纳 5 条，部分采纳 3 条，未采纳 4 条"], received=12, adopted=5, partially_adopted=3,
         not_adopted=4)
    s.advance("2022-05-26T09:00:00", "czj_drafter")
    s.ev("2022-05-30T09:00:00", "legality_submission", "czj_drafter", "合法性审查送审函", submitted="2022-05-30",
         doc_number="花财函〔2022〕35号")
    s.ev("2022-06-02T14:00:00", "legal_adviser_opinion", "sfj_adviser", "公职律师法律意见书", adviser="高峰")
    s.ev("2022-06-08T11:00:00", "legality_opinion", "sfj_reviewer", "合法性审查意见书",
         ["一、权限合法；二、程序合法；三、内容合法"], conclusion="lawful", authority="符合法定权限",
         procedure="已履行公众参与等法定程序", content="内容符合法律法规", doc_number="花司法审〔2022〕12号")
    s.advance("2022-06-09T09:00:00", "sfj_reviewer")
    with at("2022-06-16T17:00:00"):
        record_meeting(did, MeetingInput(
            type="executive", date=moved("2022-06-16"), minutes_filename="区政府常务会议纪要.pdf",
            minutes=document("区政府常务会议纪要", ["审议《花都区“十四五”时期财政改革发展规划》", "会议同意"]),
            members=5, positions=[("hd_vice1", "approve"), ("hd_vice2", "approve"), ("hd_vice3", "reject"),
                                  ("hd_vice4", "approve"), ("hd_head", "approve")],
            head="hd_head", outcome="approve"), as_user="hd_secretary")
    s.ev("2022-06-20T10:00:00", "party_committee_report", "hd_organ", "关于规划的请示报告", reported="2022-06-20",
         doc_number="花府报〔2022〕8号")
    s.ev("2022-06-20T10:10:00", "execution_assignment", "hd_organ", "执行任务分工通知", executing_unit="HD-CZJ")
    s.advance("2022-06-24T09:00:00", "hd_organ")
    s.ev("2022-06-28T09:00:00", "publication_record", "hd_organ", "政府网站公布页面", channel="website",
         date="2022-06-28", url="https://www.huadu.gov.cn/", doc_number="花府〔2022〕15号")
    s.ev("2022-06-28T09:10:00", "adoption_explanation", "hd_organ", "政策解读及意见采纳情况说明")
    s.advance("2022-06-28T10:00:00", "hd_organ")
    # the public's feedback during execution, recorded before the half-year's report (the record runs forward)
    from decisions.aftercare import service as aftercare
    for when, channel, text in (("2022-08-15T10:00:00", "web", "建议公开专项资金绩效评价结果"),
                                ("2022-09-02T15:00:00", "letter", "希望加大对镇街财力的转移支付"),
                                ("2022-11-21T09:30:00", "phone", "咨询政府采购改革的实施时间")):
        with at(when):
            aftercare.add_feedback(did, channel=channel, content=text)
    s.ev("2022-12-30T10:00:00", "execution_report", "czj_executor", "2022年度执行情况报告", period="2022H2")
    return did


def _blocked_at_legality(item: dict) -> int:
    """Expert review done; the legality reviewer returned the package: blocked at legality review."""
    did = _new(item["item_name"], "HD", "HD-CGJ", 2, "hd_organ", "2022-05-09T09:00:00", item["id"])
    s = _Scenario(did, item["item_name"], "cgj_drafter")
    _start(s, "2022-05-09", "hd_organ")
    s.triggers("2022-05-11T10:00:00", ("professional_technical",), DEFAULT_NO_REASONS)
    s.ev("2022-05-16T10:00:00", "draft", "cgj_drafter", "绿地系统规划（草案）", version="草案")
    s.ev("2022-05-16T10:05:00", "legal_basis", "cgj_drafter", "依据清单", ["《城市绿化条例》", "《广州市绿化条例》"])
    s.advance("2022-05-17T09:00:00", "cgj_drafter")
    s.ev("2022-06-21T09:00:00", "participation_activity", "cgj_drafter", "公开征求意见公告", form="open_comment",
         start="2022-05-18", end="2022-06-20")
    s.ev("2022-06-22T09:00:00", "opinion_register", "cgj_drafter", "意见登记表", received=7, adopted=2,
         partially_adopted=2, not_adopted=3)
    s.advance("2022-06-23T09:00:00", "cgj_drafter")
    with at("2022-06-23T10:00:00"):
        experts.assign_experts(did, ["expert_zhang", "expert_wang", "expert_li"], as_user="cgj_drafter")
    for user, name in (("expert_zhang", "张立"), ("expert_wang", "王敏"), ("expert_li", "李强")):
        s.ev("2022-06-28T15:00:00", "expert_opinion", user, f"专家论证意见（{name}）", expert=name, signed="yes",
             direct_interest="no")
    s.ev("2022-06-30T10:00:00", "expert_adoption", "cgj_drafter", "专家意见采纳情况")
    s.advance("2022-07-01T09:00:00", "cgj_drafter")
    s.ev("2022-07-11T09:00:00", "legality_submission", "cgj_drafter", "合法性审查送审函", submitted="2022-07-11")
    s.ev("2022-07-15T16:00:00", "legality_opinion", "sfj_reviewer", "合法性审查意见（退回）",
         ["送审材料缺少履行程序说明，退回补充（条例第26条）"], conclusion="returned",
         procedure="缺少履行决策程序的说明")
    return did


def _in_participation(item: dict) -> int:
    """In public participation: the comment period announced on the story's 2022-11-25 ends on its 2023-01-06,
    within the coming week of today (an announced date may lie ahead: procedure.md §8)."""
    did = _new(item["item_name"], "HD", "HD-GZJ", 3, "hd_organ", "2022-11-01T09:00:00", item["id"])
    s = _Scenario(did, item["item_name"], "gzj_drafter")
    _start(s, "2022-11-01", "hd_organ")
    s.triggers("2022-11-03T10:00:00", ("specific_groups", "professional_technical"), DEFAULT_NO_REASONS)
    s.ev("2022-11-10T10:00:00", "draft", "gzj_drafter", "传统村落保护发展规划（草案）")
    s.ev("2022-11-10T10:05:00", "legal_basis", "gzj_drafter", "依据清单", ["《历史文化名城名镇名村保护条例》"])
    s.advance("2022-11-14T09:00:00", "gzj_drafter")
    s.ev("2022-11-25T09:00:00", "participation_activity", "gzj_drafter", "公开征求意见公告", form="open_comment",
         start="2022-11-25", end="2023-01-06")
    return did


def _proposed(item: dict) -> int:
    did = _new(item["item_name"], "HD", "HD-GZJ", 3, "gzj_drafter", "2022-09-05T09:00:00", item["id"])
    s = _Scenario(did, item["item_name"], "gzj_drafter")
    s.ev("2022-09-05T09:30:00", "proposal", "gzj_drafter", "决策事项建议", source="department")
    return did


def _drafting(item: dict) -> int:
    did = _new(item["item_name"], "HD", "HD-GZJ", 3, "hd_organ", "2022-09-12T09:00:00", item["id"])
    s = _Scenario(did, item["item_name"], "gzj_drafter")
    _start(s, "2022-09-12", "hd_organ")
    s.triggers("2022-09-14T10:00:00", ("specific_groups",), DEFAULT_NO_REASONS,
               only=("specific_groups", "market_entities", "non_disclosable"))
    return did


def _yingkou(item: dict) -> int:
    """Liaoning overlay: the expert panel must have 5 members; 3 opinions so far block the stage."""
    did = _new(item["item_name"], "YK-LCJ", "YK-LCZX", 3, "yk_organ", "2025-03-03T09:00:00", item["id"])
    s = _Scenario(did, item["item_name"], "yk_drafter")
    _start(s, "2025-03-03", "yk_organ")
    s.triggers("2025-03-05T10:00:00", ("professional_technical",), DEFAULT_NO_REASONS)
    s.ev("2025-03-20T10:00:00", "draft", "yk_drafter", "公益林优化调整实施方案（草案）",
         ["1.基本情况；2.优化调整原则；3.优化调整情况；4.组织实施流程；5.保障措施"])
    s.ev("2025-03-20T10:05:00", "legal_basis", "yk_drafter", "依据清单", ["《中华人民共和国森林法》", "《国家级公益林管理办法》"])
    s.advance("2025-03-21T09:00:00", "yk_drafter")
    s.ev("2025-04-26T09:00:00", "participation_activity", "yk_drafter", "公开征求意见公告", form="open_comment",
         start="2025-03-24", end="2025-04-25")
    s.ev("2025-04-28T09:00:00", "opinion_register", "yk_drafter", "意见登记表", received=3, adopted=1,
         partially_adopted=1, not_adopted=1)
    s.advance("2025-04-29T09:00:00", "yk_drafter")
    with at("2025-04-29T10:00:00"):
        experts.assign_experts(did, ["yk_expert1", "yk_expert2", "yk_expert3"], as_user="yk_drafter")
    for user, name in (("yk_expert1", "曹林"), ("yk_expert2", "袁草"), ("yk_expert3", "彭森")):
        s.ev("2025-05-12T15:00:00", "expert_opinion", user, f"专家论证意见（{name}）", expert=name, signed="yes",
             direct_interest="no")
    return did


# every later stage of the main line, and a closed decision filed (归档) and one not yet filed: 花都, not in the
# catalog (title, undertaker, its drafter, the triggers determined yes, the first day, where the walk stops)
MAIN_LINE = [
    ("花都区生活垃圾分类处理收费实施方案（演示）", "HD-CGJ", "cgj_drafter", ("stability_risk",), "2022-09-19",
     "risk_assessment"),
    ("花都区政府投资项目代建管理办法（演示）", "HD-CZJ", "czj_drafter", ("market_entities",), "2022-09-12",
     "fair_competition_review"),
    ("花都区城市道路占用挖掘管理规定（演示）", "HD-CGJ", "cgj_drafter", ("stability_risk",), "2022-08-08",
     "collective_discussion"),
    ("花都区国有土地上房屋征收补偿办法（演示）", "HD-GZJ", "gzj_drafter", ("stability_risk", "high_public_concern"),
     "2022-07-25", "party_report"),
    ("花都区财政专项资金管理办法（演示）", "HD-CZJ", "czj_drafter", ("high_public_concern",), "2022-07-18",
     "publication"),
    ("花都区政府购买服务管理办法（演示）", "HD-CZJ", "czj_drafter", ("market_entities",), "2022-04-11", "archived"),
    ("花都区政府性债务风险应急处置预案（演示）", "HD-CZJ", "czj_drafter", (), "2022-04-18", "closed"),
]


def _day(start: str, offset: int) -> str:
    """`offset` calendar days after `start`, moved on to the Monday when it falls on a weekend (story time)."""
    d = date.fromisoformat(start) + timedelta(days=offset)
    return (d + timedelta(days=(7 - d.weekday()) % 7 if d.weekday() >= 5 else 0)).isoformat()


def _main_line(title: str, undertaker: str, drafter: str, yes: tuple[str, ...], start: str, stop: str) -> int:
    """A decision of 花都 walked along the main line through the same use cases as the CLI until it is in `stop`
    ("archived": closed and then filed). The meeting is held well over 7 working days after the legality
    submission (Art 26¶2) and every step lies on or before the story's last day."""
    did = _new(title, "HD", undertaker, 2, "hd_organ", f"{start}T09:00:00", None)
    s = _Scenario(did, title, drafter)

    def state() -> str:
        from decisions.procedure.views import show

        return str(show(did)["state"])

    def when(offset: int, hour: str = "10:00:00") -> str:
        return f"{_day(start, offset)}T{hour}"

    _start(s, start, "hd_organ")
    s.triggers(when(2), yes, DEFAULT_NO_REASONS)
    s.ev(when(7), "draft", drafter, f"{title}（征求意见稿）", version="征求意见稿")
    s.ev(when(7, "10:05:00"), "legal_basis", drafter, "法律法规政策依据清单", ["《重大行政决策程序暂行条例》"])
    s.advance(when(8, "09:00:00"), drafter)
    first, last = _day(start, 9), _day(start, 44)
    s.ev(when(45), "participation_activity", drafter, "公开征求意见公告", [f"征求意见期：{first} 至 {last}"],
         form="open_comment", start=first, end=last)
    if "market_entities" in yes:
        s.ev(when(45, "11:00:00"), "participation_activity", drafter, "企业座谈会纪要", form="enterprise_consultation")
    s.ev(when(46), "opinion_register", drafter, "意见采纳情况登记表", received=6, adopted=2, partially_adopted=2,
         not_adopted=2)
    s.advance(when(47, "09:00:00"), drafter)
    if state() == "risk_assessment" and stop != "risk_assessment":
        s.ev(when(52), "risk_report", drafter, "社会稳定风险评估报告", conclusion="controllable", level="medium",
             method="问卷调查、座谈走访")
        s.advance(when(53, "09:00:00"), drafter)
    if state() == "fair_competition_review" and stop != "fair_competition_review":
        s.ev(when(52), "fair_competition_review", drafter, "公平竞争审查意见", conclusion="pass")
        s.advance(when(53, "09:00:00"), drafter)
    if state() == "legality_review":
        s.ev(when(56), "legality_submission", drafter, "合法性审查送审函", submitted=_day(start, 56))
        s.ev(when(60, "14:00:00"), "legal_adviser_opinion", "sfj_adviser", "公职律师法律意见书", adviser="高峰")
        s.ev(when(66), "legality_opinion", "sfj_reviewer", "合法性审查意见书", ["一、权限合法；二、程序合法；三、内容合法"],
             conclusion="lawful", authority="符合法定权限", procedure="已履行法定程序", content="内容符合法律法规")
        s.advance(when(67, "09:00:00"), "sfj_reviewer")
    if state() == "collective_discussion" and stop != "collective_discussion":
        with at(when(84, "17:00:00")):
            record_meeting(did, MeetingInput(
                type="executive", date=moved(_day(start, 84)), minutes_filename="区政府常务会议纪要.pdf",
                minutes=document("区政府常务会议纪要", [f"审议《{title}》", "会议同意"]), members=5,
                positions=[("hd_vice1", "approve"), ("hd_vice2", "approve"), ("hd_vice3", "approve"),
                           ("hd_vice4", "abstain"), ("hd_head", "approve")], head="hd_head", outcome="approve"),
                as_user="hd_secretary")
    if state() == "party_report" and stop != "party_report":
        s.ev(when(88), "party_committee_report", "hd_organ", "请示报告", reported=_day(start, 88))
        s.ev(when(88, "10:10:00"), "execution_assignment", "hd_organ", "执行任务分工通知", executing_unit=undertaker)
        s.advance(when(91, "09:00:00"), "hd_organ")
    if state() == "publication" and stop != "publication":
        s.ev(when(95), "publication_record", "hd_organ", "政府网站公布页面", channel="website", date=_day(start, 95),
             url="https://www.huadu.gov.cn/")
        if {"high_public_concern", "professional_technical"} & set(yes):
            s.ev(when(95, "10:10:00"), "adoption_explanation", "hd_organ", "政策解读及意见采纳情况说明")
        s.advance(when(95, "11:00:00"), "hd_organ")
    if state() == "execution" and stop in ("closed", "archived"):
        s.ev(when(200), "execution_report", "czj_executor", "执行情况报告", period="2022")
        s.advance(when(201, "09:00:00"), "hd_organ")
    if stop == "archived":
        from decisions.archive import service as archive

        with at(when(203)):
            archive.file_decision(did, as_user="hd_archivist", checker="hd_organ")
    wanted = "closed" if stop == "archived" else stop
    if state() != wanted:  # a change of the profile the demo no longer follows: say so at once
        raise RuntimeError(f"demo decision {did} stopped in {state()}, not {wanted}")
    return did


def describe(result: dict) -> str:
    if not result.get("loaded"):
        return result["message"]
    return (f"演示数据已载入 / demo loaded: {result['offices']} offices, {result['users']} users, "
            f"{result['catalog_items']} catalog items, decisions {result['decisions']}; "
            f"password for every demo account: {result['password']}")
