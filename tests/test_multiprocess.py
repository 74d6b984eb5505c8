"""Several processes, one database (issue 7): two `juece worker` and two `juece ui` on the same database.

* Workers: the same deployment is built twice. On the first, `scheduled.run_once()` runs alone (in this
  process, until nothing more fires): that is what must happen. On the second, two `juece worker`
  subprocesses scan every half second for a while. Afterwards the notifications (each (deadline, user)) and
  the worker's audit events (escalations, stale flags in each decision's trail) are exactly those of the
  single worker — nothing twice, nothing missing — and the spans in which each worker held the lease
  (logged by decisions.deadlines.run_once) never overlap: one scan pass at a time.
* Workbench: two `juece ui` servers on different ports answer /_stcore/health and, in headless Chromium,
  show the same data — also a catalog published after both started.

On SQLite and, with JUECE_TEST_DB=postgresql, on the test PostgreSQL cluster.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path

import pytest
from sqlmodel import col, select

from tests.conftest import BACKEND, NOW
from tests.helpers import Org, Walker
from tests.streamlit_server import CHROMIUM, CHROMIUM_ARGS, ROOT, juece_environ, streamlit_server

LATER = "2026-11-20T09:00:00+08:00"   # months after NOW: reminders, escalations and stale flags are due
JUECE = str(Path(sys.executable).parent / "juece")
LEASE_LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) juece\.worker lease (taken|released) by (\S+)$")


@contextmanager
def deployment(tmp_path: Path, name: str, new_deployment: Callable[[Path], str],
               request: pytest.FixtureRequest) -> Iterator[tuple[Path, str]]:
    """A fresh migrated deployment on the run's database, set in this process's environment."""
    from decisions.storage.db import dispose_engines

    data = tmp_path / name
    data.mkdir()
    url = new_deployment(data)
    cluster = request.getfixturevalue("pg_cluster") if BACKEND == "postgresql" else None  # not in teardown
    mp = pytest.MonkeyPatch()
    mp.setenv("JUECE_DATA_DIR", str(data))
    mp.setenv("JUECE_DATABASE_URL", url)
    mp.setenv("JUECE_NOW", NOW)
    try:
        yield data, url
    finally:
        mp.undo()
        dispose_engines(url)
        if cluster is not None:
            cluster.drop_database(url.split("/")[-1].split("?")[0])


def build() -> None:
    """A city with decisions at several stages (the same rows every time it runs on a fresh database)."""
    Org.create()
    for i in range(4):
        w = Walker().new(f"示例事项{i}")
        w.do_proposed()
        if i % 2:
            w.advance("organ")
    Walker().new("示例市公共停车设施建设管理办法").walk_to("legality_review").ev("legality_submission",
                                                                            submitted="2026-05-06")
    Walker().new("示例市老旧小区改造三年行动计划").walk_to("execution")


def outcome() -> tuple[list[tuple[str, str]], list[tuple[int, str, str]]]:
    """Every notification as (dedupe, username) and every worker audit event as (decision, action, deadline)."""
    from decisions.accounts.models import User
    from decisions.deadlines.models import Notification
    from decisions.records.models import AuditEvent
    from decisions.storage.unit_of_work import UnitOfWork

    with UnitOfWork() as uow:
        s = uow.session
        notes = s.exec(select(Notification.dedupe, User.username).join(User, col(User.id) == col(Notification.user_id))
                       ).all()
        events = s.exec(select(AuditEvent.decision_id, AuditEvent.action, AuditEvent.detail)
                        .where(AuditEvent.actor == "worker")).all()
    return (sorted((d, u) for d, u in notes),
            sorted((did or 0, action, str(detail.get("deadline", ""))) for did, action, detail in events))


def spans(log: str) -> list[tuple[float, float, str]]:
    """(taken, released, holder) of each pass that held the lease, from one worker's log."""
    out, taken = [], {}
    for line in log.splitlines():
        m = LEASE_LINE.match(line.strip())
        if not m:
            continue
        at = datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S,%f").timestamp()
        if m.group(2) == "taken":
            taken[m.group(3)] = at
        else:
            out.append((taken.pop(m.group(3)), at, m.group(3)))
    return out


def test_two_workers_fire_each_notification_once(tmp_path: Path, new_deployment, request: pytest.FixtureRequest):  # noqa: ANN001
    from decisions.deadlines import scheduled

    with deployment(tmp_path, "alone", new_deployment, request):   # what one worker alone does
        build()
        os.environ["JUECE_NOW"] = LATER
        first = scheduled.run_once()
        assert first["ran"] and first["notifications"] > 0 and first["escalations"] > 0, first
        while scheduled.run_once()["notifications"]:
            pass
        want = outcome()
    assert want[0] and want[1]

    with deployment(tmp_path, "shared", new_deployment, request) as (data, url):
        build()
        environ = juece_environ(DATA_DIR=str(data), DATABASE_URL=url, NOW=LATER, WORKER_LEASE_SECONDS="60")
        logs = [tmp_path / f"worker{i}.log" for i in (1, 2)]
        procs: list[subprocess.Popen] = []
        try:
            for log in logs:
                procs.append(subprocess.Popen([JUECE, "worker", "--interval", "0.5"], env=environ, cwd=ROOT,
                                              stdout=subprocess.DEVNULL, stderr=log.open("wb")))
            deadline = time.time() + 240
            while time.time() < deadline:   # both scanning, each has held the lease, and it changed hands often
                texts = [log.read_text(errors="replace") for log in logs]
                if all(t.count("deadline scan:") >= 3 and "lease taken" in t for t in texts) and \
                        sum(t.count("lease taken") for t in texts) >= 6:
                    break
                assert all(p.poll() is None for p in procs), texts
                time.sleep(0.5)
        finally:
            for p in procs:
                p.send_signal(signal.SIGTERM)
            for p in procs:
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    p.kill()
        texts = [log.read_text(errors="replace") for log in logs]
        assert all(t.count("deadline scan:") >= 3 for t in texts), texts
        got = outcome()

    assert got[0] == want[0]                       # each (deadline, user) notified exactly once, none missing
    assert got[1] == want[1]                       # each escalation / stale flag in the trail exactly once
    assert len(set(got[0])) == len(got[0]) and len(set(got[1])) == len(got[1])
    passes = sorted(s for t in texts for s in spans(t))
    assert len(passes) >= 6 and {h.split(":")[1] for _, _, h in passes} == {str(p.pid) for p in procs}
    for (_, end, a), (start, _, b) in zip(passes, passes[1:], strict=False):
        assert end <= start, f"two scan passes overlapped: {a} until {end}, {b} from {start}"


# ----------------------------------------------------------------- two workbench servers
def test_two_workbench_servers_share_the_database(tmp_path: Path, new_deployment, request: pytest.FixtureRequest):  # noqa: ANN001
    from decisions.catalog import service as catalog

    with deployment(tmp_path, "ui", new_deployment, request) as (data, url), ExitStack() as stack:
        Org.create()
        catalog.add_item("CITY", 2026, item_name="城市更新专项规划", as_user="organ")
        catalog.consent("CITY", 2026, day="2026-02-20", ref="市委常委会会议纪要", as_user="organ")
        catalog.publish("CITY", 2026, day="2026-02-25", as_user="organ")
        environ = juece_environ(DATA_DIR=str(data), DATABASE_URL=url, NOW=NOW)
        urls = [stack.enter_context(streamlit_server(environ, tmp_path / f"ui{i}.log", start_timeout=90,
                                                                     juece_ui=True)) for i in (1, 2)]
        assert len(set(urls)) == 2
        for u in urls:
            with urllib.request.urlopen(f"{u}/_stcore/health", timeout=5) as r:
                assert r.read().strip() == b"ok"
        if not Path(CHROMIUM).exists():
            pytest.skip("Debian chromium is not installed: health checked, page content not compared")
        from playwright.sync_api import sync_playwright

        def public_text(page, base: str) -> str:  # noqa: ANN001
            page.goto(f"{base}/public", wait_until="networkidle")
            page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=60000)
            page.wait_for_selector('text=示例市人民政府 2026', timeout=60000)
            return page.locator('[data-testid="stMain"]').inner_text()

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                pages = [browser.new_page(locale="zh-CN") for _ in urls]
                before = [public_text(pg, u) for pg, u in zip(pages, urls, strict=True)]
                assert before[0] == before[1] and "示例市人民政府 2026（1）" in before[0]
                assert "示例市人民政府 2027" not in before[0]
                # written by a third process (this one): both servers read it from the shared database
                catalog.add_item("CITY", 2027, item_name="城市排水防涝规划", as_user="organ")
                catalog.consent("CITY", 2027, day="2026-02-26", ref="市委常委会会议纪要", as_user="organ")
                catalog.publish("CITY", 2027, day="2026-02-27", as_user="organ")
                after = [public_text(pg, u) for pg, u in zip(pages, urls, strict=True)]
                for text in after:
                    assert "示例市人民政府 2027（1）" in text, text
                assert after[0] == after[1]
            finally:
                browser.close()
