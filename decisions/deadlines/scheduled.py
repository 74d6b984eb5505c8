"""Deadlines that act by themselves: the time rules of the profile, watched by one idempotent scan.

`run_once()` is the whole worker job (stack-notes §2): under a lease (only one worker fires), for every
open decision and catalog item it derives the deadlines the profile's `[deadlines]` rules imply from the
record (evidence dates, stage entry dates, catalog target dates), stores them in the `deadline` table,
and fires what is due at `clock.now()` (JUECE_NOW): a reminder to the rule's roles, an escalation of an
overdue item to the undertaking unit's head and the decision organ, a stale flag (久拖不决, Art 38¶2).
Each notification is unique per (dedupe key, user) and each deadline carries `reminded_at` /
`escalated_at` markers, so a restart, a missed run or a second worker never delivers anything twice;
a missed run catches up on its next pass. Due dates are computed on the working-day calendar
(workflow/calendar.py); a date in a year the holiday package does not cover is marked provisional.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col, select

from decisions import channel, clock
from decisions.accounts.models import Office
from decisions.catalog.models import CatalogItem, CatalogVersion
from decisions.deadlines.models import Deadline, WorkerLease
from decisions.deadlines.notify import deliver_email, escalation_recipients, notify, recipients, users_with_roles
from decisions.deadlines.rules import TERMINAL, Spec, iso_date, specs_for_catalog_item, specs_for_decision
from decisions.errors import BadInput, Conflict
from decisions.procedure.models import Decision
from decisions.procedure.service import scope_of
from decisions.records import audit
from decisions.storage.unit_of_work import UnitOfWork

log = logging.getLogger("juece.worker")

LEASE_NAME = "deadlines"


@dataclass
class RunStats:
    decisions: int = 0
    catalog_items: int = 0
    created: int = 0
    reminders: int = 0
    escalations: int = 0
    stale: int = 0
    notices: int = 0
    done: int = 0
    cancelled: int = 0
    notifications: int = 0
    emails: int = 0
    conflicts: int = 0
    updated: int = 0

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _apply(s: Session, specs: list[Spec], existing: dict[str, Deadline], stats: RunStats, *,
           decision: Decision | None, organ_id: int, undertaker_ids: set[int] | None) -> bool:
    """Upsert the deadlines, close what is done, fire what is due. True when a decision event was recorded."""
    today = clock.today()
    stamp = clock.now().isoformat(timespec="seconds")
    recorded = False
    wanted = {sp.key for sp in specs}

    def und() -> set[int]:   # the undertaking units, looked up only when something fires
        if undertaker_ids is not None:
            return undertaker_ids
        return set(scope_of(s, decision).undertaker_ids) if decision is not None else set()

    label = decision.code if decision is not None else ""
    for key, row in existing.items():
        if key not in wanted and row.status == "open":
            # no longer implied by the record (the stage was left, a round restarted, execution suspended);
            # a stale flag whose decision moved on is resolved. A reappearing key reopens, its markers kept.
            row.status = "done" if row.type == "stale" else "cancelled"
            row.done_at = stamp
            stats.cancelled += row.status == "cancelled"
            stats.done += row.status == "done"
    for sp in specs:
        if decision is None:
            label = f"目录事项#{sp.catalog_item_id}"
        row = existing.get(sp.key)
        if row is None:
            row = Deadline(key=sp.key, rule=sp.rule, type=sp.type, decision_id=sp.decision_id,
                           catalog_item_id=sp.catalog_item_id, title=sp.title, article=sp.article, due=iso_date(sp.due),
                           remind_on=iso_date(sp.remind_on), escalate_on=iso_date(sp.escalate_on) if sp.escalate_on else "",
                           provisional=sp.provisional, created_at=stamp)
            s.add(row)
            s.flush()
            existing[sp.key] = row
            stats.created += 1
        elif row.status != "done" or (not sp.done and not sp.info_only and row.type != "stale"):
            # a row the record closed opens again when the record no longer meets it: what satisfied it was
            # declared void (作废); its markers are kept (nothing fires twice)
            # dates follow the record (a corrected submission date, a new calendar override) until it fires
            values: dict = {"due": iso_date(sp.due), "provisional": sp.provisional, "title": sp.title}
            if not row.reminded_at:
                values["remind_on"] = iso_date(sp.remind_on)
            if not row.escalated_at:
                values["escalate_on"] = iso_date(sp.escalate_on) if sp.escalate_on else ""
            if row.status in ("cancelled", "done"):
                values.update(status="open", done_at="")
            for name, value in values.items():
                if getattr(row, name) != value:   # set only what changed: an unchanged pass writes nothing
                    setattr(row, name, value)
                    stats.updated += 1
        if row.status != "open":
            continue
        if sp.done:
            row.status, row.done_at = "done", stamp
            stats.done += 1
            continue
        if row.remind_on <= iso_date(today) and not row.reminded_at:
            kind = {"stale": "stale", "issue_report": "notice", "post_evaluation": "suggestion"}.get(sp.type,
                                                                                                    "reminder")
            if decision is not None:
                users = recipients(s, decision, sp.notify)
                if kind == "stale":
                    users = sorted({u.id: u for u in [*users, *escalation_recipients(s, organ_id, und())]}
                                   .values(), key=lambda u: u.id or 0)
            else:
                users = users_with_roles(s, {organ_id}, sp.notify)
            tag = {"reminder": "提醒", "stale": "督办", "notice": "通知", "suggestion": "建议"}[kind]
            stats.notifications += notify(s, users, dedupe=f"{sp.key}:remind", kind=kind,
                                          subject=f"【{tag}】{label} {sp.title}（期限 {sp.due}）" if kind == "reminder"
                                          else f"【{tag}】{label} {sp.title}", body=sp.body, article=sp.article,
                                          deadline_id=row.id, decision_id=sp.decision_id,
                                          catalog_item_id=sp.catalog_item_id)
            row.reminded_at = stamp
            if kind == "stale":
                stats.stale += 1
                if decision is not None:
                    decision_event(s, decision, "stale_flag", {"deadline": sp.key, "since_state": decision.state,
                                                                "threshold_due": iso_date(sp.due),
                                                                "article": sp.article})
                    recorded = True
            elif kind == "reminder":
                stats.reminders += 1
            else:
                stats.notices += 1
            if sp.info_only:
                row.status, row.done_at = "done", stamp
                continue
        if row.escalate_on and row.escalate_on <= iso_date(today) and not row.escalated_at:
            users = escalation_recipients(s, organ_id, und())
            stats.notifications += notify(s, users, dedupe=f"{sp.key}:escalate", kind="escalation",
                                          subject=f"【逾期督办】{label} {sp.title}（期限 {sp.due} 已过）",
                                          body=f"逾期未办 / overdue since {sp.due}：\n{sp.body}", article=sp.article,
                                          deadline_id=row.id, decision_id=sp.decision_id,
                                          catalog_item_id=sp.catalog_item_id)
            row.escalated_at = stamp
            stats.escalations += 1
            if decision is not None:
                decision_event(s, decision, "escalate", {"deadline": sp.key, "due": iso_date(sp.due),
                                                          "to": [u.username for u in users], "article": sp.article})
                recorded = True
            else:
                audit.record(s, decision_id=None, actor="worker", role="system", office="", action="escalate",
                             detail={"deadline": sp.key, "due": iso_date(sp.due), "to": [u.username for u in users],
                                     "article": sp.article})
    return recorded


def decision_event(s: Session, d: Decision, action: str, detail: dict) -> None:
    """An escalation or stale flag belongs to the decision's own trail (Art 38: who knew, and when)."""
    d.updated_at = clock.now().isoformat(timespec="seconds")  # bump the version lock (service.touch)
    audit.record(s, decision_id=d.id, actor="worker", role="system", office="", action=action, detail=detail)


# ----------------------------------------------------------------- the lease
def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def acquire_lease(holder: str, seconds: float) -> bool:
    """Take the worker lease when it is free or expired (real time); atomic on SQLite and PostgreSQL."""
    now = time.time()
    with UnitOfWork() as uow:
        if uow.session.get(WorkerLease, LEASE_NAME) is None:
            uow.session.add(WorkerLease(name=LEASE_NAME))
            try:
                uow.commit()
            except (IntegrityError, Conflict):
                pass
    with UnitOfWork() as uow:
        result = uow.session.execute(
            update(WorkerLease).where(col(WorkerLease.name) == LEASE_NAME)
            .where((col(WorkerLease.holder) == holder) | (col(WorkerLease.expires_at) < now))
            .values(holder=holder, expires_at=now + seconds, acquired_at=clock.now().isoformat(timespec="seconds")))
        try:
            uow.commit()
        except Conflict:
            return False
        return bool(result.rowcount)


def release_lease(holder: str) -> None:
    with UnitOfWork() as uow:
        uow.session.execute(update(WorkerLease).where(col(WorkerLease.name) == LEASE_NAME,
                                                      col(WorkerLease.holder) == holder).values(expires_at=0.0))
        uow.commit()


def lease_info() -> dict:
    with UnitOfWork() as uow:
        row = uow.session.get(WorkerLease, LEASE_NAME)
        if row is None:
            return {"holder": None, "active": False}
        return {"holder": row.holder, "active": row.expires_at > time.time(), "acquired_at": row.acquired_at}


# ----------------------------------------------------------------- the job
SCAN_STATE = "deadlines.scan"   # a worker_lease row: holder = day of the last full scan, acquired_at = watermark
RENEW_EVERY = 100               # decisions between lease renewals during a long scan


def _scan_state() -> tuple[str, str]:
    with UnitOfWork() as uow:
        row = uow.session.get(WorkerLease, SCAN_STATE)
        return (row.holder, row.acquired_at) if row else ("", "")


def _save_scan_state(full_day: str, watermark: str) -> None:
    with UnitOfWork() as uow:
        row = uow.session.get(WorkerLease, SCAN_STATE)
        if row is None:
            uow.session.add(WorkerLease(name=SCAN_STATE, holder=full_day, acquired_at=watermark))
        else:
            row.holder, row.acquired_at = full_day, watermark
        try:
            uow.commit()
        except (Conflict, IntegrityError):
            pass


def _candidates(full: bool, today: date, watermark: str) -> tuple[list[int], list[int]]:
    """Decisions and catalog items to look at: all of them in a full scan; otherwise those changed since the
    last scan (every change of a decision bumps updated_at) and those with a reminder or escalation due."""
    t = iso_date(today)
    with UnitOfWork() as uow:
        s = uow.session
        due = (Deadline.status == "open") & (((Deadline.reminded_at == "") & (col(Deadline.remind_on) <= t))
                                             | ((Deadline.escalate_on != "") & (Deadline.escalated_at == "")
                                                & (col(Deadline.escalate_on) <= t)))
        due_rows = s.exec(select(Deadline.decision_id, Deadline.catalog_item_id).where(due)).all()
        if full:
            ids = set(s.exec(select(Decision.id).where(col(Decision.state).not_in(TERMINAL))))
            ids |= {i for i in s.exec(select(Deadline.decision_id).where(
                Deadline.status == "open", col(Deadline.decision_id).is_not(None)).distinct()) if i}
            items = set(s.exec(select(CatalogItem.id).where(col(CatalogItem.version_removed).is_(None))))
        else:
            changed = s.exec(select(Decision.id, Decision.catalog_item_id)
                             .where(col(Decision.updated_at) >= watermark)).all()
            ids = {d for d, _ in changed}
            items = {i for _, i in changed if i}     # a decision on an item settles the item's target date
        ids |= {d for d, _ in due_rows if d}
        items |= {i for _, i in due_rows if i}
        items |= set(s.exec(select(Deadline.catalog_item_id).where(Deadline.status == "open",
                                                                  col(Deadline.catalog_item_id).is_not(None))
                            .where(col(Deadline.catalog_item_id).not_in(
                                select(CatalogItem.id).where(col(CatalogItem.version_removed).is_(None)))))) - {None}
    return sorted(i for i in ids if i), sorted(i for i in items if i)


def run_once(*, holder: str | None = None, use_lease: bool = True, lease_seconds: float | None = None,
             send_email: bool = True, full: bool = False, _crash_after: int | None = None) -> dict:
    """Process everything due at clock.now(): the worker's one job. Safe to run any number of times.

    The first pass of a day (or `full=True`) looks at every open decision and catalog item; later passes
    only at what changed since the previous pass and at what has a reminder or escalation due. Its audit
    events come through the `worker` channel (procedure.md §8).
    """
    with channel.via("worker"):
        return _run_once(holder=holder, use_lease=use_lease, lease_seconds=lease_seconds, send_email=send_email,
                         full=full, _crash_after=_crash_after)


def _run_once(*, holder: str | None, use_lease: bool, lease_seconds: float | None, send_email: bool, full: bool,
              _crash_after: int | None) -> dict:
    holder = holder or _holder()
    seconds = lease_seconds if lease_seconds is not None else float(os.environ.get("JUECE_WORKER_LEASE_SECONDS", 600))
    if use_lease and not acquire_lease(holder, seconds):
        return {"ran": False, "reason": "另一个工作进程持有租约 / another worker holds the lease", **lease_info(),
                "now": clock.now().isoformat(timespec="seconds")}
    if use_lease:   # the real-time span each worker held the lease (tests/test_multiprocess.py reads these lines)
        log.info("lease taken by %s", holder)
    stats = RunStats()
    started = clock.now().isoformat(timespec="seconds")
    today = clock.today()
    full_day, watermark = _scan_state()
    full = full or full_day != iso_date(today) or not watermark or started < watermark
    completed = False
    try:
        ids, item_ids = _candidates(full, today, watermark)
        for n, did in enumerate(ids, start=1):
            _process_decision(did, today, stats)
            if _crash_after is not None and n >= _crash_after:
                raise RuntimeError("simulated crash")
            if use_lease and n % RENEW_EVERY == 0 and not acquire_lease(holder, seconds):
                raise Conflict("租约已失效 / the worker lease was lost")   # another worker took over
        for iid in item_ids:
            _process_item(iid, today, stats)
        if send_email:
            stats.emails = deliver_email()
        completed = True
    finally:
        if completed:
            _save_scan_state(iso_date(today) if full else full_day, started)
        if use_lease and _crash_after is None:
            log.info("lease released by %s", holder)
            release_lease(holder)
    return {"ran": True, "holder": holder, "now": started, "full": full, **stats.as_dict()}


def _process_decision(did: int, today: date, stats: RunStats) -> None:
    try:
        _process_decision_tx(did, today, stats)
    except (Conflict, DBAPIError, StaleDataError):  # a user or another worker got here first: next run
        stats.conflicts += 1


def _process_decision_tx(did: int, today: date, stats: RunStats) -> None:
    with UnitOfWork() as uow:
        s = uow.session
        d = s.get(Decision, did)
        if d is None:
            return
        try:
            specs = specs_for_decision(s, d, today)
        except BadInput as exc:  # a profile version that cannot be loaded: say so, go on with the others
            log.warning("decision %s: %s", d.code, exc.message)
            return
        existing = {r.key: r for r in s.exec(select(Deadline).where(Deadline.decision_id == did))}
        before = stats.as_dict()
        _apply(s, specs, existing, stats, decision=d, organ_id=d.organ_id, undertaker_ids=None)
        stats.decisions += 1
        if stats.as_dict() != {**before, "decisions": stats.decisions} or s.new or s.dirty or s.deleted:
            uow.commit()                    # most passes change nothing: no write transaction then


def _process_item(iid: int, today: date, stats: RunStats) -> None:
    try:
        _process_item_tx(iid, today, stats)
    except (Conflict, DBAPIError, StaleDataError):
        stats.conflicts += 1


def _process_item_tx(iid: int, today: date, stats: RunStats) -> None:
    with UnitOfWork() as uow:
        s = uow.session
        item = s.get(CatalogItem, iid)
        if item is None:
            return
        published = s.exec(select(CatalogVersion).where(CatalogVersion.organ_id == item.organ_id,
                                                        CatalogVersion.year == item.year,
                                                        CatalogVersion.status == "published",
                                                        CatalogVersion.version >= item.version_added)).first()
        organ = s.get(Office, item.organ_id)
        if organ is None:
            return
        specs = specs_for_catalog_item(s, item, organ, today) if published else []
        existing = {r.key: r for r in s.exec(select(Deadline).where(Deadline.catalog_item_id == iid))}
        if not specs and not existing:
            return
        before = stats.as_dict()
        _apply(s, specs, existing, stats, decision=None, organ_id=item.organ_id,
               undertaker_ids={item.undertaker_id} if item.undertaker_id else set())
        stats.catalog_items += 1
        if stats.as_dict() != {**before, "catalog_items": stats.catalog_items} or s.new or s.dirty or s.deleted:
            uow.commit()


