"""No page of the workbench fetches anything from another host (issue "Hold under attack", item 9).

A deployment in mainland China cannot rely on a font CDN, and a page that loads from elsewhere leaks who reads
what. Chromium serves the demo deployment; as the public and as users of every role, every page of the sidebar is
opened (and the decision page's tabs), while every request the browser makes is recorded. Requests to any other
host are aborted and the test fails naming them.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.streamlit_server import CHROMIUM, CHROMIUM_ARGS, demo_server, follow

PASSWORD = "juece-demo-2026"
NOW = "2026-03-02T09:00:00+08:00"
USERS = ["czj_drafter", "sfj_reviewer", "hd_secretary", "admin"]  # between them, every page of the sidebar

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (.ci/run)")


@pytest.fixture()
def server(env: Path, tmp_path: Path):
    with demo_server(env, tmp_path / "streamlit.log", NOW) as url:
        yield url


def _idle(page) -> None:  # noqa: ANN001
    page.wait_for_timeout(150)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=60000)
    page.wait_for_timeout(150)


def _visit_every_page(page) -> list[str]:  # noqa: ANN001
    """Click each sidebar link in turn (and each tab of the page); return the addresses visited."""
    from playwright.sync_api import TimeoutError as Timeout

    nav = page.locator('.st-key-juece_nav')
    titles = [a.get_attribute("href") or "" for a in nav.get_by_role("link").all()]
    for title in titles:
        follow(page, nav.locator(f'a[href="{title}"]').first)  # else the tabs counted could be the previous page's
        _idle(page)
        tabs = page.locator('[data-testid="stMain"]').get_by_role("tab")
        for i in range(tabs.count()):
            if not tabs.nth(i).is_visible():
                continue
            try:  # a tab redrawn by a late run is found again; one gone with it is no page of this link
                tabs.nth(i).click(timeout=10000)
            except Timeout:
                continue
            _idle(page)  # a lazy tab reruns the page
    return titles


def test_no_page_fetches_from_another_host(server: str) -> None:
    from playwright.sync_api import sync_playwright

    own = urlsplit(server).netloc
    foreign: list[str] = []
    seen: set[str] = set()

    def route(r) -> None:  # noqa: ANN001
        parts = urlsplit(r.request.url)
        if parts.scheme in ("data", "blob", "about") or parts.netloc == own:
            seen.add(parts.netloc or parts.scheme)
            r.continue_()
        else:
            foreign.append(r.request.url)
            r.abort()

    visited: dict[str, list[str]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for user in ["public", *USERS]:
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                context.route("**/*", route)
                page = context.new_page()
                page.goto(server)
                _idle(page)
                if user != "public":
                    page.get_by_label("用户名").fill(user)
                    page.get_by_label("密码").fill(PASSWORD)
                    page.locator('[data-testid="stMain"]').get_by_role("button", name="登录", exact=True).click()
                    page.locator('[data-testid="stSidebar"]').get_by_role("button", name="退出登录").wait_for(
                        timeout=60000)
                    _idle(page)
                visited[user] = _visit_every_page(page)
                context.close()
        finally:
            browser.close()

    assert all(len(visited[u]) > len(visited["public"]) for u in USERS), f"a user was not signed in: {visited}"
    assert sum(len(v) for v in visited.values()) >= 15, visited
    assert own in seen
    assert not foreign, f"pages fetched from other hosts: {sorted(set(foreign))}"
