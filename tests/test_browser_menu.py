"""The first load of the workbench in a real browser: Streamlit's automatic page list of ui/pages (file names such
as "admin_users") never shows in the sidebar, not even for a moment before the script's navigation arrives
(client.showSidebarNavigation = false); the workbench's own menu (ui.menu) is there with the pages' names."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.streamlit_server import CHROMIUM, CHROMIUM_ARGS, demo_server

NOW = "2026-03-02T09:00:00+08:00"
# every sidebar navigation Streamlit draws itself, recorded from the first byte of the page on
WATCH = """
window.__autoNav = [];
new MutationObserver(() => {
  const nav = document.querySelector('[data-testid="stSidebarNav"]');
  if (nav) window.__autoNav.push(nav.innerText);
}).observe(document, {childList: true, subtree: true});
"""

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (.ci/run)")


def test_no_page_list_by_file_name_on_the_first_load(env: Path, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with demo_server(env, tmp_path / "streamlit.log", NOW) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.add_init_script(WATCH)
        page.goto(url)
        menu = page.locator(".st-key-juece_nav")
        menu.get_by_role("link", name="公开信息").wait_for(timeout=60000)
        page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=60000)
        page.wait_for_timeout(500)
        names = [a.inner_text() for a in menu.get_by_role("link").all()]
        seen = page.evaluate("window.__autoNav")
        browser.close()
    assert seen == [], seen  # Streamlit's own list never appeared
    assert any("登录" in n for n in names) and not [n for n in names if "_" in n], names
