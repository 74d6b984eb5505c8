"""`make screenshots`: every page of the workbench, as the public and as each role, in Chinese and in English,
saved as full-page PNGs under var/screenshots/ (or the directory given), to look at what users see.

A throw-away deployment with the demo data is served by `streamlit run ui/app.py` on a free localhost port and
driven by headless Chromium (Debian's `chromium`, Playwright). For each user, every page of the sidebar is
opened, each tab of a page is shown in turn, and the decision page is opened on a decision the user may read.
Pages that show a Streamlit exception are listed at the end and make the command exit 1.

    .venv/bin/python -m tests.screenshots [--out var/screenshots] [--users czj_drafter,admin] [--lang zh|en|both]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.streamlit_server import CHROMIUM, CHROMIUM_ARGS, ROOT, follow, juece_environ, streamlit_server

PASSWORD = "juece-demo-2026"
USERS = ["public", "czj_drafter", "sfj_reviewer", "sfj_adviser", "expert_zhang", "hd_secretary", "hd_head",
         "hd_organ", "czj_executor", "hd_archivist", "hd_auditor", "admin"]


def _idle(page) -> None:  # noqa: ANN001
    page.wait_for_timeout(150)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=90000)
    page.wait_for_timeout(400)


def _slug(text: str) -> str:
    return re.sub(r"[^\w\u4e00-\u9fff]+", "-", text).strip("-")[:40] or "page"


class Shooter:
    def __init__(self, page, out: Path):  # noqa: ANN001
        self.page, self.out, self.n, self.broken = page, out, 0, []

    def shot(self, user: str, lang: str, name: str) -> None:
        _idle(self.page)
        self.n += 1
        path = self.out / f"{user}-{lang}-{self.n:03d}-{_slug(name)}.png"
        self.page.screenshot(path=str(path), full_page=True)
        if self.page.locator('[data-testid="stException"]').count():
            self.broken.append(path.name)

    def every_page(self, user: str, lang: str) -> None:
        nav = self.page.locator('.st-key-juece_nav')
        links = [(a.get_attribute("href") or "", a.inner_text().split("\n")[-1].strip()) for a in
                 nav.get_by_role("link").all()]
        for href, title in links:
            follow(self.page, nav.locator(f'a[href="{href}"]').first)
            _idle(self.page)
            tabs = [t for t in self.page.locator('[data-testid="stMain"]').get_by_role("tab").all() if t.is_visible()]
            if not tabs:
                self.shot(user, lang, title)
            for tab in tabs:
                label = tab.inner_text().strip()
                tab.click()
                _idle(self.page)  # lazy tabs: the selected tab's content runs on the click
                self.shot(user, lang, f"{title}-{label}")


def run(out: Path, users: list[str], langs: list[str], now: str | None) -> int:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.png"):
        old.unlink()
    data = Path(tempfile.mkdtemp(prefix="juece-screens-"))
    environ = juece_environ(DATA_DIR=str(data), DATABASE_URL=f"sqlite:///{data}/juece.db", NOW=now)
    for args in (["init"], ["demo"]):
        done = subprocess.run([sys.executable, "-m", "decisions.cli", *args], env=environ, cwd=ROOT,
                              capture_output=True, text=True)
        if done.returncode:
            print(f"juece {args[0]}: {done.stdout}{done.stderr}", file=sys.stderr)
            return 1
    broken: list[str] = []
    total = 0
    try:
        with streamlit_server(environ, data / "streamlit.log") as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for user in users:
                for lang in langs:
                    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
                    page = context.new_page()
                    page.goto(url)
                    _idle(page)
                    if lang == "en":
                        side = page.locator('[data-testid="stSidebar"]')
                        side.get_by_text("English", exact=True).first.click()
                        _idle(page)
                    if user != "public":
                        page.get_by_label(re.compile("^(用户名|Username)$")).fill(user)
                        page.get_by_label(re.compile("^(密码|Password)$")).fill(PASSWORD)
                        page.locator('[data-testid="stMain"]').get_by_role(
                            "button", name=re.compile("^(登录|Log in|Sign in)$")).click()
                        page.locator('[data-testid="stSidebar"]').get_by_role(
                            "button", name=re.compile("^(退出登录|Sign out|Log out)$")).wait_for(timeout=90000)
                        _idle(page)
                    shooter = Shooter(page, out)
                    shooter.every_page(user, lang)
                    total += shooter.n
                    broken += shooter.broken
                    context.close()
            browser.close()
    finally:
        shutil.rmtree(data, ignore_errors=True)
    print(f"{total} screenshots in {out}")
    if broken:
        print("pages showing an exception: " + ", ".join(broken), file=sys.stderr)
        return 1
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.environ.get("JUECE_SCREENSHOTS", str(ROOT / "var" / "screenshots")))
    ap.add_argument("--users", default=",".join(USERS))
    ap.add_argument("--lang", choices=["zh", "en", "both"], default="both")
    ap.add_argument("--now", default=None, help="the clock (JUECE_NOW) of the demo deployment; default: now")
    args = ap.parse_args()
    if not Path(CHROMIUM).exists():
        print(f"Chromium not found at {CHROMIUM}: apt-get install chromium (deploy/system-packages.sh --test)",
              file=sys.stderr)
        return 1
    langs = ["zh", "en"] if args.lang == "both" else [args.lang]
    return run(Path(args.out), [u for u in args.users.split(",") if u], langs, args.now)


if __name__ == "__main__":
    sys.exit(main())
