"""The workbench in English, in a real browser (Playwright driving Debian's Chromium against the demo): the organ
switches the language on the sign-in page, signs in, reads each tab of its inbox (To do, Done, Started by me,
Notifications), opens the executed decision, prepares and downloads its approval sheet (呈批件) as a PDF, reads the
routing record; the head suspends the execution and terminates it under Article 37 — refused until the organ's
own decision is filed, then done. Every page it sees is checked for internal keys (snake_case) and JSON, and saved as a screenshot under
test-output/browser/english/."""

from __future__ import annotations

import os
import re
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from decisions import demo
from tests.browser import PASSWORD, PDF, Browser
from tests.streamlit_server import CHROMIUM, CHROMIUM_ARGS, ROOT, demo_server

NOW = "2026-03-02T09:00:00+08:00"
# the demo's first decision (in execution), created on its story's 2022-04-06 moved to NOW's time line
CODE = f"HD-{(date(2022, 4, 6) + timedelta(days=demo.shift(date(2026, 3, 2))[2022])).year}-00001"
SNAKE = re.compile(r"(?<![\w\-./@])[a-z][a-z0-9]*_[a-z0-9_]+(?![\w\-])")

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (.ci/run)")


@pytest.fixture()
def server(env: Path, tmp_path: Path):
    with demo_server(env, tmp_path / "streamlit.log", NOW) as url:
        yield url


class English(Browser):
    """The walk's helpers with the English labels, and a check of every page for keys and JSON."""

    SIGN_OUT = "Sign out"

    def idle(self) -> None:
        super().idle()
        # the page's text and the ligature names of its Material icons (text too) read in one go: read apart, a
        # rerun between the two could put an icon in the text that is no longer among the icons
        text, icons = self.page.evaluate(
            "() => [document.querySelector('[data-testid=\"stMain\"]').innerText,"
            " [...document.querySelectorAll('span, i')].filter(e => getComputedStyle(e).fontFamily"
            ".includes('Material')).map(e => e.textContent.trim())]")
        icons = set(icons)
        usernames = {u[0] for u in demo.USERS}
        keys = [w for w in SNAKE.findall(text) if w not in usernames | icons]
        assert not keys, f"internal keys on the English page: {sorted(set(keys))}"
        assert not re.search(r'\{\s*"', text), "JSON on the English page"

    def login(self, user: str) -> None:
        self.page.get_by_label("Username", exact=True).fill(user)
        self.page.get_by_label("Password", exact=True).fill(PASSWORD)
        self.main().get_by_role("button", name="Sign in", exact=True).click()
        self.user = user
        self.idle()
        self.expect_text("My tasks")

    def nav(self, title: str, exact: bool = True) -> None:
        super().nav(title, exact)

    def select(self, label: str, option: str) -> None:
        """A choice box by its label (the label itself, not a longer one that starts alike; " *" when required)."""
        box = self.main().get_by_label(re.compile(rf"^{re.escape(label)}( \*)?$")).filter(visible=True).first
        box.click()
        self.page.keyboard.type(option, delay=20)  # a long list shows only its first options: search it
        self.page.get_by_role("option", name=re.compile(re.escape(option))).first.click()
        self.idle()

    def open(self, code: str) -> None:
        self.nav("Decision")
        self.select("Choose a decision", code)

    def attach(self, kind: str, file: Path, date: tuple[str, str] | None = None, text: tuple[str, str] | None = None,
               **choices: str) -> None:
        """File one evidence item on the decision page: its kind, its choice fields (label=option), a date and a
        text field when given, the file; then save."""
        self.tab("Evidence")
        self.select("Evidence kind", kind)
        for label, option in choices.items():
            self.select(label, option)
        if date:
            self.date(*date)
        if text:
            self.fill(*text)
        self.upload(file)
        self.button("Save evidence")
        self.expect_text("Evidence saved")

    def side_action(self, action: str, reason: str) -> None:
        """Other actions: choose the action, give the reason, tick the confirmation, carry it out."""
        self.tab("Other actions")
        self.select("Action", action)
        self.fill("Reason or basis", reason)
        confirm = "I have checked: carry out this irreversible step"
        if not self.main().get_by_role("checkbox", name=confirm).first.is_checked():  # still ticked after a refusal
            self.main().get_by_text(confirm).filter(visible=True).first.click()
            self.idle()
        self.button("Carry out")

    def tab(self, name: str) -> None:
        """A tab, and the run it may start (a tab that renders only when chosen reruns the page)."""
        self.page.get_by_role("tab", name=re.compile(rf"^{re.escape(name)}")).click()
        self.page.wait_for_timeout(300)
        self.idle()


def test_the_organ_works_in_english(server: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    out = Path(os.environ.get("JUECE_TEST_OUTPUT", ROOT / "test-output")) / "browser" / "english"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    minutes = tmp_path / "organ-decision.pdf"
    minutes.write_bytes(PDF)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1600}, locale="en-GB", accept_downloads=True)
        page = context.new_page()
        b = English(page, server, out)
        page.goto(server, wait_until="networkidle")
        try:
            Browser.idle(b)
            page.locator('[data-testid="stSidebar"]').get_by_text("English", exact=True).click()
            b.idle()
            b.expect_text("Username")
            b.shot("sign-in")
            b.login("hd_organ")

            # the inbox: each tab shows its list (or says it is empty), in English
            b.shot("inbox-to-do")
            for tab in ("Done", "Started by me", "Notifications"):
                b.tab(tab)
                expect(b.main().get_by_role("tabpanel").filter(visible=True).first).not_to_be_empty()
                b.shot(f"inbox-{tab.lower().replace(' ', '-')}")
            b.tab("Started by me")
            assert b.main().get_by_text(CODE).count() > 0, f"{CODE} not among the decisions the organ started"

            # the decision: its approval sheet as a PDF, its routing record
            b.open(CODE)
            b.shot("decision")
            b.tab("Routing record")
            b.button("Prepare the approval sheet")
            with page.expect_download() as download:
                b.main().get_by_role("button", name="Download the approval sheet (PDF)").click()
            sheet = Path(download.value.path()).read_bytes()
            assert sheet.startswith(b"%PDF") and download.value.suggested_filename.endswith(f"{CODE}.pdf")
            b.shot("routing-record")

            b.logout()

            # Art 35: the executing unit reports a problem in execution
            b.login("czj_executor")
            b.open(CODE)
            b.attach("Issue report", minutes, Nature="Major change of circumstances")
            b.shot("issue-report")
            b.logout()

            # Art 37: the head suspends the execution; terminating it needs the organ's own recorded decision
            b.login("hd_head")
            b.open(CODE)
            b.side_action("Suspend", "The province has announced a new regulation that replaces this plan.")
            b.expect_text("Done: Execution → Suspended")
            b.side_action("Terminate", "The plan is replaced by the province's new regulation.")
            refusal = b.main().locator('[data-testid="stAlert"]').filter(has_text="Art 37")
            expect(refusal.first).to_be_visible(timeout=20000)
            b.shot("terminate-refused")

            b.attach("Decision of the organ", minutes, date=("Date", "2026-03-02"),
                     text=("Meeting or document", "The county government's 12th executive meeting"),
                     **{"What the organ decided": "Terminate execution"})
            b.shot("organ-decision-filed")

            b.side_action("Terminate", "The plan is replaced by the province's new regulation.")
            b.expect_text("Done: Suspended → Closed")
            b.shot("terminated")
        except Exception:
            b.shot("failure")
            raise
        finally:
            browser.close()
    assert len(list(out.glob("*.png"))) >= 10
