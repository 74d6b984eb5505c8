"""Real browser (Playwright for Python driving Debian's Chromium, headless): a member of the public submits
an opinion on the public consultation page, and the undertaking unit finds it in its opinion ledger.

The server is started by tests/streamlit_server.py: a fresh demo deployment (SQLite or PostgreSQL, as
the run) served by `streamlit run ui/app.py` on a free localhost port; the demo decision HD-2022-00003 (in public
participation) gets an open comment period through the CLI first. Screenshots go to
test-output/browser-participation/ (or $JUECE_TEST_OUTPUT).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from decisions import demo
from tests.streamlit_server import CHROMIUM, CHROMIUM_ARGS, ROOT, juece_environ, streamlit_server

ARGS = CHROMIUM_ARGS
PASSWORD = "juece-demo-2026"
NOW = "2026-03-02T09:00:00+08:00"
# the demo's third decision, created on its story's 2022-11-01 moved to NOW's time line (decisions.demo.shift)
CODE = f"HD-{(date(2022, 11, 1) + timedelta(days=demo.shift(date(2026, 3, 2))[2022])).year}-00003"
OPINION = "<b>请保留村口古树</b><script>alert(1)</script> 浏览器测试意见"

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (.ci/run)")


@pytest.fixture()
def server(env: Path, tmp_path: Path):
    """The demo loaded through the CLI into the `env` deployment (SQLite or PostgreSQL), an open comment
    period on CODE, served by streamlit on a free port."""
    environ = juece_environ(DATA_DIR=str(env), DATABASE_URL=os.environ["JUECE_DATABASE_URL"], NOW=NOW)
    for args in (["init"], ["demo"], ["consultation", "open", CODE, "--start", "2026-03-02", "--end", "2026-04-01",
                                      "--explanation", "规划草案起草说明", "--as", "gzj_drafter"]):
        done = subprocess.run([sys.executable, "-m", "decisions.cli", *args], env=environ, cwd=ROOT,
                              capture_output=True, text=True)
        assert done.returncode == 0, f"juece {' '.join(args)} failed:\n{done.stdout}{done.stderr}"
    with streamlit_server(environ, tmp_path / "streamlit.log") as url:
        yield url


def test_public_opinion_reaches_the_reviewers_ledger(server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    out = Path(os.environ.get("JUECE_TEST_OUTPUT", ROOT / "test-output")) / "browser-participation"
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1600}, locale="zh-CN")
            main = page.locator('[data-testid="stMain"]')

            def idle() -> None:
                page.wait_for_timeout(150)
                page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=60000)
                page.wait_for_timeout(150)
                exc = page.locator('[data-testid="stException"]')
                if exc.count():
                    page.screenshot(path=str(out / "exception.png"), full_page=True)
                    raise AssertionError(f"Streamlit exception on the page: {exc.first.inner_text()}")

            # 1. the public page, no login: from the start page's navigation
            page.goto(server, wait_until="networkidle")
            idle()
            page.locator('.st-key-juece_nav').get_by_role("link", name="公开征求意见").click()
            idle()
            expect(main.get_by_text("征求意见中").first).to_be_visible(timeout=20000)
            box = main.get_by_label("您的意见").first
            box.fill(OPINION)
            main.get_by_label("姓名").first.fill("张<i>三</i>")
            main.get_by_role("button", name="提交意见").click()
            idle()
            ok = main.get_by_text(re.compile("回执号：YJ-")).first
            expect(ok).to_be_visible(timeout=20000)
            receipt = re.search(r"YJ-[A-Z0-9]{10}", ok.inner_text()).group(0)  # type: ignore[union-attr]
            page.screenshot(path=str(out / "01-public-submitted.png"), full_page=True)
            assert page.locator("b", has_text="请保留村口古树").count() == 0  # never rendered as HTML

            # 2. the undertaking unit signs in and finds it in the ledger
            page.locator('.st-key-juece_nav').get_by_role("link", name="登录").click()
            idle()
            page.get_by_label("用户名").fill("gzj_drafter")
            page.get_by_label("密码").fill(PASSWORD)
            page.get_by_role("button", name="登录").click()
            idle()
            expect(main.get_by_text("我的待办").first).to_be_visible(timeout=20000)
            page.locator('.st-key-juece_nav').get_by_role("link", name="意见台账").click()
            idle()
            expect(main.get_by_text(CODE).first).to_be_visible(timeout=20000)
            search = main.get_by_label("搜索（回执号或内容）").first
            search.fill(receipt)
            search.press("Enter")
            idle()
            expect(main.get_by_text(OPINION).first).to_be_visible(timeout=20000)
            expect(main.get_by_text(receipt).first).to_be_visible()
            assert page.locator("b", has_text="请保留村口古树").count() == 0
            page.screenshot(path=str(out / "02-ledger-found.png"), full_page=True)
        finally:
            browser.close()
