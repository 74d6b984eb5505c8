"""One real-browser walk through the workbench (Playwright for Python driving Debian's Chromium, headless).

A fresh deployment with the demo data is served by `streamlit run ui/app.py` on a free localhost port;
one new decision goes from proposal to publication through the pages, each step done by the user
whose role it is. Every page visited is saved as a screenshot under test-output/browser/ (or
$JUECE_TEST_OUTPUT), and the test fails as soon as a page shows a Streamlit exception.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

from decisions import demo
from tests.streamlit_server import CHROMIUM, CHROMIUM_ARGS, ROOT, demo_server

ARGS = CHROMIUM_ARGS
PASSWORD = "juece-demo-2026"
NOW = "2026-03-02T09:00:00+08:00"
CODE = f"HD-2026-{len(demo.MAIN_LINE) + 7:05d}"  # the demo holds decisions 1-6 and its main line; the walk creates the next
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (.ci/run)")


@pytest.fixture()
def server(env: Path, tmp_path: Path):
    """The demo deployment (loaded into the `env` deployment) served by streamlit on a free port."""
    with demo_server(env, tmp_path / "streamlit.log", NOW) as url:
        yield url


def kind_name(kind: str) -> str:
    """The evidence kind as the Chinese UI names it (no keys on screen)."""
    from workflow import profiles

    return profiles.load("state-council-2019").kinds[kind].name_zh


def field(key: str) -> re.Pattern[str]:
    """A metadata field's label in the Chinese UI: its name, then " *" or a condition."""
    from ui.i18n import KEY_LABELS

    return re.compile(rf"^{re.escape(KEY_LABELS[key])}(\s|（|$)")


class Browser:
    """Small helpers over a Playwright page that wait for each Streamlit run and check for exceptions."""

    def __init__(self, page, url: str, out: Path):  # noqa: ANN001
        self.page, self.url, self.out, self.n = page, url, out, 0
        self.user = "public"

    def idle(self) -> None:
        t0 = time.time()
        self.page.wait_for_timeout(120)
        self.page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=60000)
        self.page.wait_for_timeout(120)
        if os.environ.get("WALK_TIMING"):
            print(f"IDLE {time.time() - t0:6.2f}", flush=True)
        exc = self.page.locator('[data-testid="stException"]')
        if exc.count():
            self.shot("exception")
            raise AssertionError(f"Streamlit exception on the page: {exc.first.inner_text()}")

    def shot(self, name: str) -> Path:
        """A full-page screenshot once the page's charts, diagrams and tables have been drawn."""
        for sel in ('[data-testid="stVegaLiteChart"]', '[data-testid="stGraphVizChart"]'):
            for chart in self.main().locator(sel).filter(visible=True).all():
                chart.locator("svg, canvas").first.wait_for(timeout=15000)
        self.page.wait_for_timeout(400)
        self.n += 1
        path = self.out / f"{self.n:02d}-{self.user}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def main(self):  # noqa: ANN201
        return self.page.locator('[data-testid="stMain"]')

    def login(self, user: str) -> None:
        self.page.get_by_label("用户名").fill(user)
        self.page.get_by_label("密码").fill(PASSWORD)
        self.main().get_by_role("button", name="登录", exact=True).click()
        self.user = user
        self.idle()
        self.expect_text("我的待办")

    def logout(self) -> None:
        self.page.locator('[data-testid="stSidebar"]').get_by_role("button", name="退出登录").click()
        self.user = "public"
        self.idle()

    def nav(self, title: str) -> None:
        self.page.locator('.st-key-juece_nav').get_by_role("link", name=title).click()
        self.idle()

    def tab(self, name: str) -> None:
        self.page.get_by_role("tab", name=name).click()
        self.page.wait_for_timeout(300)

    def button(self, name: str) -> None:
        self.main().get_by_role("button", name=name).filter(visible=True).first.click()
        self.idle()

    def fill(self, label: str, value: str) -> None:
        box = self.main().get_by_label(label).filter(visible=True).first
        box.fill(value)
        box.press("Tab")
        self.idle()

    def date(self, label: str, iso: str) -> None:
        """A date field (react-aria segments, YYYY-MM-DD): focus the year segment and type the digits."""
        box = self.main().get_by_label(label).filter(visible=True).first
        box.locator('[role="spinbutton"]').first.click()
        self.page.keyboard.type(iso.replace("-", ""), delay=30)
        self.page.keyboard.press("Tab")
        self.page.keyboard.press("Escape")
        self.idle()
        if self.page.get_by_role("dialog").count():
            self.page.keyboard.press("Escape")
            self.page.wait_for_timeout(200)

    def select(self, label: str, option: str) -> None:
        box = self.main().get_by_label(label).filter(visible=True).first
        box.click()
        self.page.get_by_role("option", name=re.compile(re.escape(option))).first.click()
        self.idle()

    def radio(self, group: str, option: str) -> None:
        self.main().get_by_role("radiogroup", name=group).filter(visible=True).first.get_by_text(
            option, exact=True).click()
        self.idle()

    def upload(self, path: Path) -> None:
        self.main().locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(path))
        self.idle()

    def expect_text(self, text: str) -> None:
        from playwright.sync_api import expect

        expect(self.main().get_by_text(text).first).to_be_visible(timeout=20000)

    def open_decision(self, code: str) -> None:
        self.nav("决策详情")
        self.select("选择决策", code)

    def advance(self) -> None:
        self.tab("概况")
        self.button("推进到下一阶段")
        self.expect_text("已推进")

    def evidence(self, kind: str, file: Path, **fields: object) -> None:
        """Attach one evidence item on the decision page: choose the kind, fill its form, upload, save."""
        self.tab("材料")
        self.select("材料类型", kind_name(kind))
        for key, value in fields.items():
            if isinstance(value, tuple):  # ("select"|"radio"|"date", value)
                how, v = value
                {"select": self.select, "radio": self.radio, "date": self.date}[how](field(key), v)
            else:
                self.fill(field(key), str(value))
        self.upload(file)
        self.save_evidence()

    def save_evidence(self) -> None:
        """Press 保存材料 and wait for the saved note, answering the duplicate question if the page asks it."""
        from playwright.sync_api import expect

        self.button("保存材料")
        # the walk attaches one sample file for several kinds of a stage: the page asks first (same SHA-256);
        # wait for either outcome (on a busy machine the rerun may start after idle() has returned)
        again = self.main().get_by_role("button", name="仍要上传")
        expect(self.main().get_by_text("材料已保存").or_(again).first).to_be_visible(timeout=30000)
        if again.count():
            self.expect_text("此文件已上传过，仍要再次上传吗？")
            self.button("仍要上传")
        self.expect_text("材料已保存")


if os.environ.get("WALK_TIMING"):
    import functools

    def _timed(fn):  # noqa: ANN001, ANN202
        @functools.wraps(fn)
        def inner(*a, **k):  # noqa: ANN002, ANN003, ANN202
            t0 = time.time()
            try:
                return fn(*a, **k)
            finally:
                print(f"STEP {fn.__name__} {time.time() - t0:6.2f}", flush=True)
        return inner

    for _name in ("shot", "login", "logout", "nav", "tab", "button", "fill", "date", "select", "radio", "upload",
                  "expect_text"):
        setattr(Browser, _name, _timed(getattr(Browser, _name)))


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
            walk(b, page, doc, bad, title)
        except Exception:
            b.shot("failure")
            raise
        finally:
            browser.close()

    shots = sorted(out.glob("*.png"))
    assert len(shots) >= 18, [s.name for s in shots]


def walk(b: Browser, page, doc: Path, bad: Path, title: str) -> None:  # noqa: ANN001
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
    b.evidence("proposal", doc, source=("select", "部门提出"))
    b.evidence("start_decision", doc, date=("date", "2026-03-02"))
    b.advance()
    b.shot("decision-started")
    b.logout()

    # 2. the undertaking unit determines the triggers, drafts, consults the public, submits for review
    b.login("czj_drafter")
    b.open_decision(CODE)
    b.tab("判定")
    for radio in b.main().get_by_role("radiogroup").filter(visible=True).all():
        radio.get_by_text("否", exact=True).click()
    for box in b.main().get_by_placeholder("理由").filter(visible=True).all():
        box.fill("经研究不适用")
    b.shot("triggers")
    b.button("保存判定")
    b.expect_text("已保存")
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
    b.nav("合法性审查")
    b.select("选择决策", CODE)
    b.fill("意见内容", "经审查，草案符合《道路交通安全法》等规定。")
    b.button("提交法律意见")
    b.expect_text("材料已保存")
    b.shot("adviser")
    b.logout()
    b.login("sfj_reviewer")
    b.nav("合法性审查")
    b.select("选择决策", CODE)
    b.button("提交审查意见")
    b.expect_text("意见不能为空")
    b.shot("review-empty-opinion")
    b.fill("一、决策权限", "区政府有权作出该决策。")
    b.fill("二、决策程序", "已履行公众参与、合法性审查等程序。")
    b.fill("三、决策内容", "内容不违反法律法规。")
    b.select("审查结论", "合法")
    b.button("提交审查意见")
    b.expect_text("材料已保存")
    b.shot("review")
    b.button("推进到下一阶段")
    b.expect_text("已推进")
    b.logout()

    # 4. the meeting secretary records the executive meeting (Art 29, 30)
    b.login("hd_secretary")
    b.nav("集体讨论")
    b.select("选择决策", CODE)
    b.date("会议日期", "2026-03-02")
    members = b.main().get_by_label("出席人员").filter(visible=True).first
    for name in ("hd_vice1", "hd_vice2", "hd_vice3", "hd_vice4"):
        members.click()
        page.get_by_role("option", name=re.compile(name)).first.click()
        b.idle()
    page.keyboard.press("Escape")
    b.upload(doc)
    b.shot("meeting")
    b.main().get_by_text("我已核对，确认执行此不可撤销的操作").first.click()  # the outcome cannot be undone
    b.idle()
    b.button("记录会议")
    b.expect_text("会议已记录")
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
