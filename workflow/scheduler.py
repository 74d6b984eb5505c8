"""`juece worker`: APScheduler runs one idempotent scan job (stack-notes §2).

The deadlines are rows of the project's own tables (decisions/deadlines.py), never one APScheduler job
per deadline. The only job is `scan_job`, stored in a SQLAlchemy job store on the same database
(table `apscheduler_jobs`) under a fixed id with `replace_existing=True`, `coalesce=True` and
`max_instances=1`; it is referenced textually, so nothing but its name is pickled. Two workers sharing
the job store may both run it (APScheduler 3.x has no cross-process locking): that is harmless, because
the scan takes a lease in the database and every notification is unique.
"""

from __future__ import annotations

import logging
import os
import signal
from typing import Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

JOB_ID = "juece-deadline-scan"
JOB_REF = "workflow.scheduler:scan_job"
TIMEZONE = "Asia/Shanghai"
log = logging.getLogger("juece.worker")
_runs: list[dict] = []   # the last results of this process's scans (for tests and `--verbose`)


def scan_job() -> dict:
    """The scheduled job: one pass of the deadline scan under the lease."""
    from decisions.deadlines import scheduled

    try:
        result = scheduled.run_once()
    except Exception:  # a failing pass must not kill the worker; the next one catches up
        log.exception("deadline scan failed")
        result = {"ran": False, "reason": "error"}
    if result.get("ran"):  # the lease holder also refreshes the dashboard's kept figures (workbench)
        try:
            from decisions.reporting import dashboard

            dashboard.refresh_dashboard_figures()
        except Exception:  # a cache: the dashboard computes what it finds stale
            log.exception("dashboard figures refresh failed")
    _runs.append(result)
    del _runs[:-50]
    log.info("deadline scan: %s", result)
    return result


def build(*, blocking: bool = True, interval_seconds: float | None = None) -> BaseScheduler:
    """A scheduler with the database job store and the one scan job (first run immediately)."""
    from decisions.storage.db import get_engine

    interval = interval_seconds or float(os.environ.get("JUECE_WORKER_INTERVAL", "300"))
    jobstores = {"default": SQLAlchemyJobStore(engine=get_engine(), tablename="apscheduler_jobs")}
    defaults: dict[str, Any] = {"coalesce": True, "max_instances": 1, "misfire_grace_time": int(max(interval, 60))}
    cls = BlockingScheduler if blocking else BackgroundScheduler
    sched = cls(jobstores=jobstores, job_defaults=defaults, timezone=TIMEZONE)
    sched.add_job(JOB_REF, "interval", seconds=interval, id=JOB_ID, name="juece deadline scan",
                  replace_existing=True, next_run_time=_now())
    return sched


def _now() -> Any:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo(TIMEZONE))


def run_forever(interval_seconds: float | None = None) -> None:
    """Block, scanning every interval, until SIGTERM or Ctrl-C."""
    sched = build(blocking=True, interval_seconds=interval_seconds)

    def stop(_signum: int, _frame: Any) -> None:
        sched.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    try:
        sched.start()
    except (KeyboardInterrupt, SystemExit):
        pass
