"""Start the Streamlit workbench (`streamlit run ui/server.py`: ui/app.py plus the sign-in cookie endpoint) as a subprocess on a free localhost port, for
the real-browser and multi-process tests. One place for the command line, the health wait and the shutdown."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def follow(page, link) -> None:  # noqa: ANN001 - Playwright's Page and Locator
    """Click a sidebar link and wait until the address shows its page (the links are relative to the root: ''
    is the default page). Only then is waiting for the script's run meaningful: under load the run may start
    after a fixed pause, and the next step would act on the page before."""
    path = "/" + (link.get_attribute("href") or "")
    link.click()
    page.wait_for_function("path => location.pathname === path", arg=path, timeout=60000)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def juece_environ(**juece: str) -> dict[str, str]:
    """This process's environment without any JUECE_* variable, plus the given ones (JUECE_DATA_DIR=...)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("JUECE_")}
    environ.update({f"JUECE_{k}": v for k, v in juece.items() if v is not None})
    environ["PYTHONPATH"] = str(ROOT)
    return environ


@contextmanager
def streamlit_server(environ: dict[str, str], log_path: Path, *, start_timeout: float = 60,
                     juece_ui: bool = False) -> Iterator[str]:
    """Serve the workbench with `environ`; yield its base URL once /_stcore/health answers ok; stop it after.

    `juece_ui=True` starts it the way a deployment does, through the `juece ui --port N` command."""
    port = free_port()
    log = log_path.open("wb")
    if juece_ui:
        command = [str(Path(sys.executable).parent / "juece"), "ui", "--port", str(port)]
        environ = {**environ, "STREAMLIT_SERVER_ADDRESS": "127.0.0.1", "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none"}
    else:
        command = [sys.executable, "-m", "streamlit", "run", str(ROOT / "ui" / "server.py"), "--server.headless", "true",
                   "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats",
                   "false", "--client.toolbarMode", "viewer", "--client.showSidebarNavigation", "false",
                   "--server.fileWatcherType", "none"]
    proc = subprocess.Popen(command, env=environ, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + start_timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("streamlit did not start: " + log_path.read_text(errors="replace"))
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@contextmanager
def demo_server(env: Path, log_path: Path, now: str, prepare: Callable[[], None] | None = None) -> Iterator[str]:
    """The demo loaded into the test's deployment (`env`: SQLite or PostgreSQL) and served at the clock `now`;
    `prepare` (through the use cases) changes the demo into the state a walk starts from."""
    from decisions import demo
    from decisions.storage.db import get_engine

    demo.load()
    if prepare is not None:
        prepare()
    get_engine().dispose()
    environ = juece_environ(DATA_DIR=str(env), DATABASE_URL=os.environ["JUECE_DATABASE_URL"], NOW=now)
    with streamlit_server(environ, log_path) as url:
        yield url
