"""The real-browser walks' shared helper (Playwright for Python driving Debian's Chromium, headless): `Browser`,
small steps over a page that wait for each Streamlit run and fail on a Streamlit exception, and the steps the
walks share (the legal adviser's opinion, the legality review, the meeting), so each walk file reads as its story.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path

from decisions import demo
from tests.streamlit_server import CHROMIUM_ARGS, follow

ARGS = CHROMIUM_ARGS
PASSWORD = "juece-demo-2026"
NOW = "2026-03-02T09:00:00+08:00"
CODE = f"HD-2026-{len(demo.MAIN_LINE) + 7:05d}"  # the demo holds decisions 1-6 and its main line; a walk creates the next
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CONFIRM = "我已核对，确认执行此不可撤销的操作"


def kind_name(kind: str) -> str:
    """The evidence kind as the Chinese UI names it (no keys on screen)."""
    from workflow import profiles

    return profiles.load("state-council-2019").kinds[kind].name_zh


def field(key: str) -> re.Pattern[str]:
    """A metadata field's label in the Chinese UI: its name, then " *" or a condition."""
    from ui.i18n import KEY_LABELS

    return re.compile(rf"^{re.escape(KEY_LABELS[key])}(\s|（|$)")


class Browser:
    """Small helpers over a Playwright page that wait for each Streamlit run and check for exceptions; `actors`
    lists who signed in, in order."""

    SIGN_OUT = "退出登录"  # the sidebar's sign-out button in the walk's language

    def __init__(self, page, url: str, out: Path):  # noqa: ANN001
        self.page, self.url, self.out, self.n = page, url, out, 0
        self.user = "public"
        self.actors: list[str] = []

    # ------------------------------------------------------------- the page
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
        # exact and visible: the page signed out of may leave its own 用户名 * boxes in the DOM a moment longer
        self.page.get_by_label("用户名", exact=True).filter(visible=True).first.fill(user)
        self.page.get_by_label("密码", exact=True).filter(visible=True).first.fill(PASSWORD)
        self.main().get_by_role("button", name="登录", exact=True).click()
        self.user = user
        self.actors.append(user)
        self.idle()
        self.expect_text("我的待办")

    def logout(self) -> None:
        from playwright.sync_api import expect

        button = self.page.locator('[data-testid="stSidebar"]').get_by_role("button", name=self.SIGN_OUT)
        button.click()
        self.user = "public"
        # signed out only once the button is gone: on a loaded machine the rerun may start after idle() has
        # looked, and a click on the menu then lands before the sign-out's own rerun (which shows the login form)
        expect(button).to_have_count(0, timeout=30000)
        self.idle()

    def signed_in(self) -> bool:
        """Whether the sidebar offers 退出登录, waiting up to 20 s for it (the sidebar may be drawn last)."""
        button = self.page.locator('[data-testid="stSidebar"]').get_by_role("button", name="退出登录")
        for _ in range(100):
            if button.count():
                return True
            self.page.wait_for_timeout(200)
        return False

    def nav(self, title: str, exact: bool = False) -> None:
        """Follow the sidebar link `title` and wait for its page's run."""
        follow(self.page, self.page.locator('.st-key-juece_nav').get_by_role("link", name=title, exact=exact))
        self.idle()

    def tab(self, name: str) -> None:
        self.page.get_by_role("tab", name=name).click()
        self.idle()  # lazy tabs: the selected tab's content runs on the click

    # ------------------------------------------------------------- widgets
    def button(self, name: str) -> None:
        self.main().get_by_role("button", name=name).filter(visible=True).first.click()
        self.idle()

    def exact(self, name: str) -> None:
        """Click the visible button named exactly `name` (批示 and 退回 are also parts of other labels)."""
        self.main().get_by_role("button", name=name, exact=True).filter(visible=True).first.click()
        self.idle()

    def tick(self, text: str) -> None:
        """Tick the visible checkbox labelled `text`."""
        self.main().get_by_text(text).filter(visible=True).first.click()
        self.idle()

    def fill(self, label: str | re.Pattern[str], value: str) -> None:
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

    def select(self, label: str | re.Pattern[str], option: str) -> None:
        """Choose `option` in the select box `label`; a choice already made (the only one a list offers) is left."""
        from playwright.sync_api import TimeoutError as Timeout

        box = self.main().get_by_label(label).filter(visible=True).first
        for attempt in range(3):  # on a busy machine a click may land while the list is being redrawn
            box.click()
            try:
                self.page.get_by_role("option", name=re.compile(re.escape(option))).first.click(timeout=8000)
                break
            except Timeout:
                self.page.keyboard.press("Escape")
                wrap = box.locator("xpath=ancestor::*[@data-testid='stSelectbox'][1]")
                if option in wrap.inner_text() + box.input_value():
                    break  # a one-option list shows no option to click: it is the one chosen
                assert attempt < 2, (label, option)
                self.idle()
        self.idle()

    def search(self, label: str | re.Pattern[str], text: str) -> None:
        """Type `text` into the select box `label` and choose the option it leaves (a long list draws only the
        options in view)."""
        box = self.main().get_by_label(label).filter(visible=True).first
        box.click()
        self.page.keyboard.type(text, delay=20)
        self.page.get_by_role("option", name=re.compile(re.escape(text))).first.click()
        self.idle()

    def pick(self, label: str, options: tuple[str, ...] | list[str]) -> None:
        """Choose each of `options` (a part of its label, e.g. the username) in the multiselect `label`."""
        box = self.main().get_by_label(label).filter(visible=True).first
        for option in options:
            box.click()
            self.page.get_by_role("option", name=re.compile(re.escape(option))).first.click()
            self.idle()
        self.page.keyboard.press("Escape")

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

    def table_text(self, until: Callable[[str], bool] = lambda _text: True) -> str:
        """The text of the visible tables (st.dataframe draws on a canvas; its grid cells are in the DOM), once
        `until` holds of it or after 20 s (a table may be drawn a moment after the run has ended)."""
        text = ""
        for _ in range(60):
            self.page.wait_for_timeout(300)
            grids = self.main().locator('[data-testid="stDataFrame"]').filter(visible=True).all()
            text = "\n".join(" ".join(g.locator('[role="gridcell"], [role="columnheader"]').all_inner_texts())
                             for g in grids)
            if until(text):
                break
        return text

    # ------------------------------------------------------------- the decision page
    def open_decision(self, code: str) -> None:
        self.nav("决策详情")
        self.select("选择决策", code)

    def advance(self) -> None:
        self.tab("概况")
        self.button("推进到下一阶段")
        self.expect_text("已推进")

    def start_procedure(self, doc: Path) -> None:
        """The organ's first step (Art 10, 11): the proposal and the decision to start, then on to drafting."""
        self.evidence("proposal", doc, source=("select", "部门提出"))
        self.evidence("start_decision", doc, date=("date", "2026-03-02"))
        self.advance()

    def determine(self, reason: str, *, first_yes: bool = False) -> None:
        """The drafter's determinations: every trigger no (or the first, 专业性、技术性较强, yes), each with its
        reason; shot, saved."""
        self.tab("判定")
        for radio in self.main().get_by_role("radiogroup").filter(visible=True).all():
            radio.get_by_text("否", exact=True).click()
        if first_yes:
            self.main().get_by_role("radiogroup").filter(visible=True).first.get_by_text("是", exact=True).click()
        for box in self.main().get_by_placeholder("理由").filter(visible=True).all():
            box.fill(reason)
        self.shot("triggers")
        self.button("保存判定")
        self.expect_text("已保存")

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

    # ------------------------------------------------------------- the steps both walks take
    def legal_opinion(self, code: str, text: str) -> None:
        """The legal adviser's opinion on the legality review page (Art 28)."""
        self.nav("合法性审查")
        self.select("选择决策", code)
        self.fill("意见内容", text)
        self.button("提交法律意见")
        self.expect_text("材料已保存")

    def open_review(self, code: str) -> None:
        """The legality reviewer opens the decision on the legality review page."""
        self.nav("合法性审查")
        self.select("选择决策", code)

    def find_lawful(self, procedure: str) -> None:
        """The reviewer's opinion on the three points of Art 25, conclusion 合法, submitted."""
        self.fill("一、决策权限", "区政府有权作出该决策。")
        self.fill("二、决策程序", procedure)
        self.fill("三、决策内容", "内容不违反法律法规。")
        self.select("审查结论", "合法")
        self.button("提交审查意见")
        self.expect_text("材料已保存")

    def meeting_form(self, code: str, day: str, present: tuple[str, ...], minutes: Path) -> None:
        """The secretary fills the meeting form (Art 30): the date, who attended (usernames), the minutes."""
        self.nav("集体讨论")
        self.select("选择决策", code)
        self.date("会议日期", day)
        self.pick("出席人员", present)
        self.upload(minutes)

    def record_meeting(self) -> None:
        """Tick the confirmation (the outcome cannot be undone) and record the meeting."""
        self.tick(CONFIRM)
        self.button("记录会议")
        self.expect_text("会议已记录，决策进入「党委请示报告」")  # the stage named, not keyed


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
