"""A sign-in survives a refresh (F5) in a real browser, a sign-out ends it, and a decision's address opens it
(issue "The workbench as civil servants expect it", items 4 and 5). Playwright drives Debian's Chromium against
`streamlit run ui/server.py` (the workbench plus its cookie endpoint)."""

from __future__ import annotations

import os
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from decisions import demo
from tests.streamlit_server import CHROMIUM, CHROMIUM_ARGS, juece_environ, streamlit_server

PASSWORD = "juece-demo-2026"
NOW = "2026-03-02T09:00:00+08:00"
# the demo's first decision, created on its story's 2022-04-06 moved to NOW's time line (decisions.demo.shift)
CODE = f"HD-{(date(2022, 4, 6) + timedelta(days=demo.shift(date(2026, 3, 2))[2022])).year}-00001"

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (.ci/run)")


@pytest.fixture()
def server(env: Path, tmp_path: Path):
    from decisions import demo
    from decisions.storage.db import get_engine

    demo.load()
    get_engine().dispose()
    environ = juece_environ(DATA_DIR=str(env), DATABASE_URL=os.environ["JUECE_DATABASE_URL"], NOW=NOW)
    with streamlit_server(environ, tmp_path / "streamlit.log") as url:
        yield url


def idle(page) -> None:  # noqa: ANN001
    page.wait_for_timeout(150)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=60000)
    page.wait_for_timeout(150)
    exc = page.locator('[data-testid="stException"]')
    assert not exc.count(), exc.first.inner_text()


def login(page, user: str) -> None:  # noqa: ANN001
    page.get_by_label("用户名").fill(user)
    page.get_by_label("密码").fill(PASSWORD)
    page.locator('[data-testid="stMain"]').get_by_role("button", name="登录", exact=True).click()
    idle(page)


def wait_for_cookie(context, present: bool = True, timeout: float = 20) -> dict | None:  # noqa: ANN001
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = [c for c in context.cookies() if c["name"] == "juece_session"]
        if bool(found) == present:
            return found[0] if found else None
        time.sleep(0.2)
    raise AssertionError(f"the session cookie is {'missing' if present else 'still there'}")


def signed_in(page, expected: bool = True) -> bool:  # noqa: ANN001
    """Whether the sidebar offers 退出登录, waiting up to 20 s for it to become `expected`."""
    button = page.locator('[data-testid="stSidebar"]').get_by_role("button", name="退出登录")
    deadline = time.time() + 20
    while time.time() < deadline:
        if (button.count() > 0) == expected:
            break
        page.wait_for_timeout(200)
    idle(page)
    return button.count() > 0


def test_refresh_keeps_the_sign_in_and_sign_out_revokes_it(server: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="zh-CN")
        page = context.new_page()
        try:
            page.goto(server, wait_until="networkidle")
            idle(page)
            assert not signed_in(page, False)
            login(page, "hd_organ")
            assert signed_in(page)
            cookie = wait_for_cookie(context)
            assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
            assert "hd_organ" not in cookie["value"]

            page.reload(wait_until="networkidle")  # F5
            idle(page)
            assert signed_in(page), "a refresh signed the user out"
            assert not page.locator('[data-testid="stMainMenu"]').is_visible()  # no ⋮ developer menu for users

            # the address of a decision opens it (after the permission check), in a fresh tab of the session
            tab = context.new_page()
            tab.goto(f"{server}/decision?d=1", wait_until="networkidle")
            idle(tab)
            tab.get_by_text(CODE, exact=False).first.wait_for(timeout=20000)
            tab.close()

            # an address opened before signing in (a link sent by a colleague) opens after the sign-in
            fresh = browser.new_context(locale="zh-CN")
            other = fresh.new_page()
            other.goto(f"{server}/decision?d=1", wait_until="networkidle")
            idle(other)
            assert not signed_in(other, False)
            login(other, "hd_organ")
            other.get_by_text(CODE, exact=False).first.wait_for(timeout=20000)
            fresh.close()

            stolen = cookie["value"]
            page.locator('[data-testid="stSidebar"]').get_by_role("button", name="退出登录").click()
            idle(page)
            assert not signed_in(page, False)
            wait_for_cookie(context, present=False)
            # the old cookie, replayed, opens nothing: the row is revoked
            context.add_cookies([{**cookie, "value": stolen}])
            page.reload(wait_until="networkidle")
            idle(page)
            assert not signed_in(page, False), "a revoked session cookie still signs in"
        except Exception:
            page.screenshot(path=str(Path(os.environ.get("JUECE_TEST_OUTPUT", "test-output")) / "session-failure.png"),
                            full_page=True)
            raise
        finally:
            browser.close()
