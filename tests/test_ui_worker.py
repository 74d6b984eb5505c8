"""`juece ui --worker` (make run): the deadline worker runs as a child of the workbench and stops with it, even
when the workbench is killed outright (Linux: the child's parent-death signal)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "\nState:\tZ" in state  # a zombie no one reaped has stopped all the same


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
def test_the_worker_stops_when_the_workbench_is_killed(env):  # noqa: ANN001
    script = ("import time\nfrom decisions.cli.deployment import start_worker\n"
              "print(start_worker(), flush=True)\ntime.sleep(120)\n")
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    worker = 0
    try:
        assert parent.stdout is not None
        worker = int(parent.stdout.readline())
        time.sleep(2)
        assert not _gone(worker), "the worker did not start"
        cmdline = Path(f"/proc/{worker}/cmdline").read_bytes().split(b"\0")
        assert b"decisions.cli" in cmdline and b"worker" in cmdline
        parent.send_signal(signal.SIGKILL)  # the workbench dies without a chance to clean up
        parent.wait(10)
        deadline = time.monotonic() + 20
        while not _gone(worker) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _gone(worker), "the worker outlived the workbench"
    finally:
        if parent.poll() is None:
            parent.kill()
        if worker and not _gone(worker):
            os.kill(worker, signal.SIGKILL)
