"""One real-browser walk through the workbench (Playwright for Python driving Debian's Chromium, headless).

A fresh deployment with the demo data is served by `streamlit run ui/app.py` on a free localhost port;
one new decision goes from proposal to publication through the pages, each step done by the user
whose role it is. Every page visited is saved as a screenshot under test-output/browser/ (or
$JUECE_TEST_OUTPUT), and the test fails as soon as a page shows a Streamlit exception.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser import ARGS, CODE, NOW, PDF, Browser, field, kind_name
from tests.streamlit_server import CHROMIUM, ROOT, demo_server

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (.ci/run)")


@pytest.fixture()
def server(env: Path, tmp_path: Path):
    """The demo deployment (loaded into the `env` deployment) served by streamlit on a free port."""
    with demo_server(env, tmp_path / "streamlit.log", NOW) as url:
        yield url


def test_walk_one_decision_from_proposal_to_publication(server: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    out = Path(os.environ.get("JUECE_TEST_OUTPUT", ROOT / "test-output")) / "browser"
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.png"):  # this walk's screenshots only (archive-walk/ is the other walk's)
        old.unlink()
    doc = tmp_path / "材料.pdf"
    doc.write_bytes(PDF)
    bad = tmp_path / "恶意.exe"
    bad.write_bytes(b"MZ\x90\x00")
    title = "花都区公共停车设施建设管理办法 [链接](http://example.com) <b>粗体</b>"

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1600}, locale="zh-CN")
        b = Browser(page, server, out)
        page.goto(server, wait_until="networkidle")
        try:
            walk(b, doc, bad, title)
        except Exception:
            b.shot("failure")
            raise
        finally:
            browser.close()

    shots = sorted(out.glob("*.png"))
    assert len(shots) >= 18, [s.name for s in shots]


def walk(b: Browser, doc: Path, bad: Path, title: str) -> None:
    """The walk itself: every step by the user whose role it is."""
    b.idle()
    b.shot("login")
    b.nav("公开信息")
    b.shot("public-before")

    # 1. the decision organ registers the proposal and starts the procedure (Art 10, 11)
    b.nav("登录")
    b.login("hd_organ")
    b.shot("inbox")
    b.nav("新建决策")
    b.fill("标题", title)
    b.select("承办单位", "广州市花都区财政局")
    b.shot("new")
    b.button("创建")
    b.expect_text(f"已创建 {CODE}")
    # user text is shown as text: no link, no bold element made from the title
    assert b.main().locator('a[href="http://example.com"]').count() == 0
    assert b.main().locator("b", has_text="粗体").count() == 0
    b.shot("decision-created")
    b.start_procedure(doc)
    b.shot("decision-started")
    b.logout()

    # 2. the undertaking unit determines the triggers, drafts, consults the public, submits for review
    b.login("czj_drafter")
    b.open_decision(CODE)
    b.determine("经研究不适用")
    b.evidence("draft", doc, version="征求意见稿")
    b.evidence("legal_basis", doc, laws="《中华人民共和国道路交通安全法》")
    b.advance()
    # a validation error beside the field: a comment period under 30 days with no reason
    b.tab("材料")
    b.select("材料类型", kind_name("participation_activity"))
    b.select(field("form"), "向社会公开征求意见")
    b.date(field("start"), "2026-03-03")
    b.date(field("end"), "2026-03-20")
    b.upload(bad)
    b.button("保存材料")
    b.expect_text("须填写缩短理由")
    b.expect_text("不支持的文件类型")
    b.shot("validation-errors")
    # a period of 38 days that has ended by today: the participation stage may not be left before its end (Art 15)
    b.date(field("start"), "2026-01-20")
    b.date(field("end"), "2026-02-27")
    b.upload(doc)
    b.button("保存材料")
    b.expect_text("材料已保存")
    b.evidence("opinion_register", doc, received="10", adopted="4", partially_adopted="3", not_adopted="3")
    b.advance()  # expert review, risk assessment and fair competition review are skipped (all "no")
    b.evidence("legality_submission", doc, submitted=("date", "2026-02-10"))
    b.tab("概况")
    b.button("推进到下一阶段")
    b.expect_text("以下要求尚未满足")  # the legal adviser's and the reviewer's opinions are missing
    b.expect_text("第二十八条")
    b.shot("advance-refused")
    b.logout()

    # 3. the legal adviser and the legality reviewer of the 司法局 (Art 25-28)
    b.login("sfj_adviser")
    b.legal_opinion(CODE, "经审查，草案符合《道路交通安全法》等规定。")
    b.shot("adviser")
    b.logout()
    b.login("sfj_reviewer")
    b.open_review(CODE)
    b.button("提交审查意见")
    b.expect_text("意见不能为空")
    b.shot("review-empty-opinion")
    b.find_lawful("已履行公众参与、合法性审查等程序。")
    b.shot("review")
    b.button("推进到下一阶段")
    b.expect_text("已推进")
    b.logout()

    # 4. the meeting secretary records the executive meeting (Art 29, 30)
    b.login("hd_secretary")
    b.meeting_form(CODE, "2026-03-02", ("hd_vice1", "hd_vice2", "hd_vice3", "hd_vice4"), doc)
    b.shot("meeting")
    b.record_meeting()  # ticked first: the outcome cannot be undone
    b.shot("meeting-recorded")
    b.logout()

    # 5. the organ reports to the Party committee, designates the executing unit, publishes (Art 31-34)
    b.login("hd_organ")
    b.open_decision(CODE)
    b.evidence("party_committee_report", doc, reported=("date", "2026-03-02"))
    b.evidence("execution_assignment", doc, executing_unit=("select", "广州市花都区财政局"))
    b.advance()
    b.evidence("publication_record", doc, channel=("select", "政府网站"), date=("date", "2026-03-02"))
    b.advance()
    b.tab("概况")
    b.expect_text("决策执行")
    b.shot("published")
    b.nav("统计")
    b.shot("dashboard")
    b.nav("决策事项目录")
    b.shot("catalog")
    b.logout()

    # 6. the public page shows the published decision, as text
    b.nav("公开信息")
    b.expect_text("花都区公共停车设施建设管理办法")
    assert b.main().locator('a[href="http://example.com"]').count() == 0
    b.shot("public-after")
