"""One decision from proposal to archive in a real browser, as ten users of ten roles, through the pages only
(issue "The workbench as civil servants expect it", Done when).

The walk: the demo's 花都 term has ended (the fixture) and the administrator, on the administration pages, creates the
account of a new vice head, enters the new term's members and head and the reviewing office (司法局), each read back
from the page; the organ proposes; the drafter determines the triggers (专业性、技术性较强: yes, so expert review applies),
drafts, consults the public, names three experts on the expert-panel page; an expert opens the draft in the file
viewer and gives a signed opinion by his own account, the drafter enters the other two (代录) and the adoption; the
legality reviewer opens the draft in the viewer and sends the decision back (退回) to expert review with a reason; the
drafter redoes the stage and resubmits; the legal adviser gives an opinion; the organ urges (催办) and copies the
decision's address, which opens the decision in a new tab of the same browser; the head gives a 批示, presses F5 and
is still signed in; the reviewer finds it lawful; the secretary records the meeting of the new term's body; the
organ reports to the Party committee, names the executing unit and publishes; the executor reports; the organ closes
the execution; the archivist files the decision (归档) with the organ as second checker; the auditor reads the routing
record with every one of these steps in it. Screenshots under test-output/browser/archive-walk/.
"""

from __future__ import annotations

import io
import os
import re
import shutil
from pathlib import Path

import pytest

from tests.browser import ARGS, CODE, CONFIRM, NOW, PASSWORD, PDF, Browser, field, kind_name
from tests.streamlit_server import CHROMIUM, ROOT, demo_server

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (.ci/run)")

TITLE = "花都区智慧停车收费标准调整方案"
URGE = "请司法局抓紧完成合法性审查。"
INSTRUCTION = "同意按程序推进，请财政局做好专家论证意见的采纳说明。"
RETURN_REASON = "专家论证意见采纳情况未逐条说明，请重新组织论证并补充说明。"


OLD_TERM = ("hd_head", "hd_vice1", "hd_vice2", "hd_vice3", "hd_vice4")
#: the district's new term (换届), entered by the administrator on the registers page: username, name, title, head
NEW_TERM = (("hd_vice1", "王晓东", "副区长", False), ("hd_vice2", "刘芳", "副区长", False),
            ("hd_vice3", "赵磊", "副区长", False), ("hd_vice5", "周涛", "副区长", False),
            ("hd_head", "李建国", "区长", True))
PRESENT = ("hd_vice1", "hd_vice2", "hd_vice3", "hd_vice5")  # at the meeting, with the head


def term_ended() -> None:
    """The registers as the walk finds them (through the use cases, as the administrator): the demo's 花都 term
    ended on 2026-02-28, so on the walk's meeting day nobody sits; the reviewing office an out-of-date entry (the
    government's own office, the old 法制办's home). Every register the walk's decision needs is entered by the walk."""
    from decisions.procedure import registers

    for user in OLD_TERM:
        registers.register_member("HD", user, to_date="2026-02-28", as_user="admin")
    registers.set_review_office("HD", "HD-ZFB", as_user="admin")
    register = registers.list_members("HD", on=NOW[:10])
    assert register["size"] == 0 and register["review_office"] == "HD-ZFB", register


@pytest.fixture()
def server(env: Path, tmp_path: Path):
    """The demo deployment, its 花都 term ended (term_ended), served by streamlit on a free port."""
    with demo_server(env, tmp_path / "streamlit.log", NOW, prepare=term_ended) as url:
        yield url


def draft_pdf() -> bytes:
    """A one-page PDF the viewer can draw (the walk's other sample file has no page)."""
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(595, 842))
    c.setFont("Helvetica-Bold", 28)
    c.drawString(72, 760, "Draft: smart parking fees")
    c.rect(72, 200, 451, 500)
    c.showPage()
    c.save()
    return buf.getvalue()


def scan_png() -> bytes:
    """A scanned signed original (an image), what a 代录 must be."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (400, 560), "white")
    ImageDraw.Draw(img).rectangle((40, 40, 360, 520), outline="black", width=4)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


class Walk(Browser):
    """The shared browser helpers plus the steps only this walk takes."""

    def view(self, filename: str) -> None:
        """Choose `filename` in the file viewer and see its first page drawn."""
        from playwright.sync_api import expect

        self.select("选择文件", filename)
        img = self.main().locator('[data-testid="stImage"] img').filter(visible=True).first
        expect(img).to_be_visible(timeout=30000)
        assert img.evaluate("i => i.naturalWidth") > 100, "the page image is empty"
        self.expect_text("第 1 页，共 1 页")

    def on_behalf(self, kind: str, file: Path, author: str, **fields: object) -> None:
        """代录: the drafter enters an assigned expert's signed opinion (a scan) under the expert's account."""
        self.tab("材料")
        self.select("材料类型", kind_name(kind))
        for key, value in fields.items():
            how, v = value if isinstance(value, tuple) else ("fill", value)
            {"select": self.select, "radio": self.radio, "fill": self.fill}[how](field(key), v)
        check = self.main().get_by_text("代录：为作者录入其签名纸质原件的扫描件").filter(visible=True)
        if check.count():
            check.first.click()
        box = self.main().get_by_role("textbox", name="代录：作者账号").filter(visible=True).first
        box.fill(author)
        box.press("Tab")
        self.upload(file)
        self.save_evidence()

    def checkbox(self, label: str) -> None:
        """Tick the checkbox `label` (by its widget: a table column may carry the same words)."""
        self.main().locator('[data-testid="stCheckbox"]').filter(visible=True, has_text=label).first.click()
        self.idle()


def test_walk_one_decision_from_proposal_to_archive_as_ten_roles(server: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    out = Path(os.environ.get("JUECE_TEST_OUTPUT", ROOT / "test-output")) / "browser" / "archive-walk"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    files = {"doc": tmp_path / "材料.pdf", "draft": tmp_path / "草案正文.pdf", "scan": tmp_path / "专家签名意见扫描件.png"}
    files["doc"].write_bytes(PDF)
    files["draft"].write_bytes(draft_pdf())
    files["scan"].write_bytes(scan_png())

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1600}, locale="zh-CN")
        page = context.new_page()
        b = Walk(page, server, out)
        page.goto(server, wait_until="networkidle")
        try:
            walk(b, context, files)
        except Exception:
            b.shot("failure")
            raise
        finally:
            browser.close()

    roles = {"admin": "admin", "hd_organ": "decision_organ", "czj_drafter": "drafter", "expert_zhang": "expert",
             "sfj_reviewer": "legality_reviewer", "sfj_adviser": "legal_adviser", "hd_head": "head",
             "hd_secretary": "secretary", "czj_executor": "executor", "hd_archivist": "archivist",
             "hd_auditor": "auditor"}
    acted = {roles[u] for u in b.actors}
    assert len(acted) >= 9, sorted(acted)
    assert len(list(out.glob("*.png"))) == 24, sorted(x.name for x in out.glob("*.png"))  # one or more per step
    # the registers the meeting and the review were checked against are those the administrator entered
    from decisions.procedure import registers

    register = registers.list_members("HD", on=NOW[:10])
    assert sorted(m["user"] for m in register["members"]) == sorted(u for u, *_ in NEW_TERM), register
    assert [m["user"] for m in register["members"] if m["head"]] == ["hd_head"], register
    assert register["review_office"] == "HD-SFJ", register


def expert_round(b: Walk, scan: Path, doc: Path, experts: tuple[tuple[str, str], ...]) -> None:
    """The drafter enters the experts' signed paper opinions (代录), the adoption note, and submits for review."""
    for user, name in experts:
        b.on_behalf("expert_opinion", scan, user, expert=name, signed=("radio", "是"), direct_interest=("radio", "否"))
    b.evidence("expert_adoption", doc)
    b.advance()
    b.evidence("legality_submission", doc, submitted=("date", "2026-02-10"))  # 7 workdays before the meeting


def walk(b: Walk, context, files: dict[str, Path]) -> None:  # noqa: ANN001, PLR0915
    """Every step by the user whose role it is."""
    doc, draft, scan = files["doc"], files["draft"], files["scan"]
    page = b.page
    b.idle()

    # 0. the administrator enters the district's new term (换届) and its reviewing office (procedure.md §8)
    enter_registers(b)

    # 1. the organ registers the proposal and starts the procedure (Art 10, 11)
    b.login("hd_organ")
    b.nav("新建决策")
    b.fill("标题", TITLE)
    b.select("承办单位", "广州市花都区财政局")
    b.button("创建")
    b.expect_text(f"已创建 {CODE}")
    b.start_procedure(doc)
    b.shot("started")
    b.logout()

    # 2. the drafter: triggers (professional and technical: yes), draft, public participation, expert panel
    b.login("czj_drafter")
    b.open_decision(CODE)
    b.determine("经研究确定", first_yes=True)  # 专业性、技术性较强 (Art 19): yes, so expert review applies
    b.evidence("draft", draft, version="征求意见稿")
    b.evidence("legal_basis", doc, laws="《中华人民共和国价格法》")
    b.advance()
    b.tab("材料")
    b.select("材料类型", kind_name("participation_activity"))
    b.select(field("form"), "向社会公开征求意见")
    b.date(field("start"), "2026-01-20")  # a period that has ended by today (Art 15: no leaving it early)
    b.date(field("end"), "2026-02-27")
    b.upload(doc)
    b.button("保存材料")
    b.expect_text("材料已保存")
    b.evidence("opinion_register", doc, received="10", adopted="4", partially_adopted="3", not_adopted="3")
    b.advance()
    b.tab("概况")
    b.expect_text("专家论证")
    b.nav("论证专家")
    b.select("选择决策", CODE)
    b.pick("选定专家", ("expert_zhang", "expert_wang", "expert_li"))
    b.button("选定")
    b.expect_text("已选定")
    b.shot("experts-assigned")
    b.logout()

    # 3. an assigned expert reads the draft in the viewer and gives his signed opinion by his own account (Art 19, 20)
    b.login("expert_zhang")
    b.open_decision(CODE)
    b.tab("材料")
    b.view("草案正文.pdf")
    b.shot("expert-reads-draft")
    b.evidence("expert_opinion", doc, expert="张立", signed=("radio", "是"), direct_interest=("radio", "否"))
    b.logout()

    # 4. the drafter enters the other two experts' signed originals (代录), the adoption, and submits for review
    b.login("czj_drafter")
    b.open_decision(CODE)
    expert_round(b, scan, doc, (("expert_wang", "王敏"), ("expert_li", "李强")))
    b.shot("submitted")
    b.logout()

    # 5. the legality reviewer reads the draft and sends the decision back to expert review (Art 26¶1, 27(2))
    b.login("sfj_reviewer")
    b.nav("合法性审查")
    b.select("选择决策", CODE)
    b.view("草案正文.pdf")
    b.shot("reviewer-reads-draft")
    b.select("退回到阶段", "专家论证")
    b.fill("退回理由", RETURN_REASON)
    b.tick("我确认将本决策退回到所选阶段")
    b.exact("退回")
    b.expect_text("已退回到「专家论证」")
    b.shot("returned")
    b.logout()

    # 6. the drafter redoes expert review in the new round and submits again
    b.login("czj_drafter")
    b.open_decision(CODE)
    b.tab("概况")
    b.expect_text("专家论证")
    expert_round(b, scan, doc, (("expert_zhang", "张立"), ("expert_wang", "王敏"), ("expert_li", "李强")))
    b.shot("resubmitted")
    b.logout()

    # 7. the legal adviser (Art 28)
    b.login("sfj_adviser")
    b.legal_opinion(CODE, "经审查，收费标准调整符合《价格法》规定。")
    b.shot("adviser")
    b.logout()

    # 8. the organ urges (催办) and copies the decision's address; it opens the decision in a new tab
    b.login("hd_organ")
    b.open_decision(CODE)
    b.tab("流转记录")
    b.fill("催办内容", URGE)
    b.exact("催办")
    b.expect_text("已催办")
    b.shot("urged")
    link = page.url
    assert "?d=" in link, link
    tab = context.new_page()
    tab.goto(link, wait_until="networkidle")
    other = Walk(tab, b.url, b.out)
    other.n, other.user = b.n, "hd_organ-link"
    other.idle()
    other.expect_text(TITLE)
    assert other.signed_in()
    other.shot("link-opened")
    b.n = other.n
    tab.close()
    b.logout()

    # 9. the head gives a 批示; a refresh (F5) keeps the sign-in and the decision
    b.login("hd_head")
    b.open_decision(CODE)
    b.tab("流转记录")
    b.fill("批示内容", INSTRUCTION)
    b.exact("批示")
    b.expect_text("已批示")
    b.expect_text(INSTRUCTION)
    b.shot("instructed")
    page.reload(wait_until="networkidle")
    b.idle()
    assert b.signed_in(), "the refresh signed the head out"
    b.idle()
    b.expect_text(TITLE)
    b.shot("after-refresh")
    b.logout()

    # 10. the reviewer finds the draft lawful and passes it to the meeting (Art 25, 27)
    b.login("sfj_reviewer")
    b.open_review(CODE)
    b.find_lawful("已履行公众参与、专家论证、合法性审查等程序。")
    b.button("推进到下一阶段")
    b.expect_text("已推进")
    b.logout()

    # 11. the secretary records the executive meeting of the new term's body (Art 29, 30)
    b.login("hd_secretary")
    b.meeting_form(CODE, "2026-03-02", PRESENT, doc)
    b.expect_text("周涛（副区长） (hd_vice5)")  # the body is the new term's register, its new member among it
    b.shot("meeting-form")
    b.record_meeting()
    b.shot("meeting")
    b.logout()

    # 12. the organ: Party committee report, executing unit, publication (Art 31-34)
    b.login("hd_organ")
    b.open_decision(CODE)
    b.evidence("party_committee_report", doc, reported=("date", "2026-03-02"))
    b.evidence("execution_assignment", doc, executing_unit=("select", "广州市花都区财政局"))
    b.advance()
    b.evidence("adoption_explanation", doc)  # the experts' and the public's opinions explained (Art 32)
    b.evidence("publication_record", doc, channel=("select", "政府网站"), date=("date", "2026-03-02"))
    b.advance()
    b.shot("published")
    b.logout()

    # 13. the executing unit reports on the execution (Art 34)
    b.login("czj_executor")
    b.open_decision(CODE)
    b.evidence("execution_report", doc, period="2026年第一季度")
    b.shot("execution-report")
    b.logout()

    # 14. the organ closes the execution (irreversible: ticked first)
    b.login("hd_organ")
    b.open_decision(CODE)
    b.tab("概况")
    b.tick(CONFIRM)
    b.button("推进到下一阶段")
    b.expect_text("已推进")
    b.shot("closed")
    b.logout()

    # 15. the archivist files the decision, the organ's officer named as the second person who checks (Art 33)
    b.login("hd_archivist")
    b.nav("归档")
    b.select("选择决策", CODE)
    b.select("检查人", "陈志明")
    b.tick(CONFIRM)
    b.exact("归档")
    b.expect_text("已归档，档号")
    b.shot("filed")
    b.logout()

    # 16. the auditor reads the routing record: the 批示 shown, and every step in the raw events
    b.login("hd_auditor")
    b.open_decision(CODE)
    b.tab("流转记录")
    b.expect_text(INSTRUCTION)
    b.main().get_by_text("原始审计事件（审计人员）").first.click()
    b.page.wait_for_timeout(300)
    raw = b.main().locator('[data-testid="stCode"]').filter(visible=True).first.inner_text()
    for action in ('"returned"', '"urge"', '"instruction"', '"archived"', RETURN_REASON, URGE):
        assert action in raw, action
    b.shot("audit")
    b.logout()


def enter_registers(b: Walk) -> None:
    """The administrator: a new member's account (用户与单位), the new term's members and head from 2026-03-01 and
    the 司法局 as the reviewing office (登记簿), each read back from the page's table."""
    b.login("admin")
    b.nav("用户与单位")
    b.fill("用户名", "hd_vice5")
    b.fill("姓名", "周涛（副区长）")
    b.select(re.compile("^单位"), "广州市花都区人民政府")
    b.pick("角色", ("决策机关",))
    b.fill("初始密码", PASSWORD)
    b.button("创建")
    b.expect_text("已新建用户 hd_vice5")
    b.shot("user-created")

    b.nav("登记簿")
    b.select("决策机关", "广州市花都区人民政府")
    before = b.table_text(lambda text: text.count("2026年2月28日") == len(OLD_TERM))
    assert before.count("2026年2月28日") == len(OLD_TERM) and "周涛" not in before, before  # the old term ended
    b.shot("register-before")
    for user, name, title, head in NEW_TERM:  # the head last: the form keeps its tick after a save
        b.search("用户名", user)
        b.fill("职务", title)
        b.date("任职起始日", "2026-03-01")
        if head:
            b.checkbox("行政首长")
        b.button("登记组成人员")
        b.expect_text(f"已登记 {name}")
    after = b.table_text(lambda text: text.count("2026年3月1日") == len(NEW_TERM))
    assert after.count("2026年3月1日") == len(NEW_TERM) and "周涛" in after, after
    b.shot("members-registered")

    b.tab("合法性审查机构")
    b.expect_text("合法性审查机构：广州市花都区人民政府办公室")  # the out-of-date entry
    b.select(re.compile("^单位"), "广州市花都区司法局")
    b.button("登记合法性审查机构")
    b.expect_text("已登记合法性审查机构：广州市花都区司法局")
    b.tab("合法性审查机构")
    b.expect_text("合法性审查机构：广州市花都区司法局")
    b.shot("review-office")
    b.logout()
