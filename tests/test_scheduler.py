"""The deadline worker: a year simulated with JUECE_NOW and `worker --once`, restarts, two workers, e-mail."""

from __future__ import annotations

import email
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
from sqlmodel import col, func, select
from typer.testing import CliRunner

from decisions.accounts.models import User
from decisions.cli import app
from decisions.deadlines import scheduled
from decisions.deadlines import service as deadlines
from decisions.deadlines import views as deadline_views
from decisions.deadlines.models import Deadline, Notification
from decisions.errors import NotPermitted
from decisions.records.models import AuditEvent
from decisions.storage.unit_of_work import UnitOfWork
from tests.helpers import Walker, set_now
from workflow.calendar import WorkCalendar

ORGAN_PEOPLE = {"organ", "mayor", "vm1", "vm2", "vm3", "vm4", "vm5", "vm6"}  # head + decision_organ of CITY


class Sink:
    """aiosmtpd handler keeping every message received."""

    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802, ANN001, ANN201
        self.messages.append(email.message_from_bytes(envelope.original_content or envelope.content))
        return "250 OK"


@pytest.fixture()
def smtp(monkeypatch: pytest.MonkeyPatch):
    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("JUECE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("JUECE_SMTP_PORT", str(port))
    monkeypatch.setenv("JUECE_SMTP_FROM", "juece@city.example")
    try:
        yield sink
    finally:
        controller.stop()


def at(day: str, hour: str = "09:00") -> None:
    set_now(f"{day}T{hour}:00+08:00")


def run_pair() -> list[dict]:
    """Two workers started at the same moment (threads with their own connections)."""
    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(lambda _: scheduled.run_once(lease_seconds=30), range(2)))


def notifications() -> list[tuple[str, str, str, str]]:
    with UnitOfWork() as uow:
        rows = uow.session.exec(select(Notification.dedupe, User.username, Notification.kind, Notification.created_at)
                                .join(User, col(User.id) == col(Notification.user_id))).all()
        return [tuple(r) for r in rows]


def audit_count(decision_id: int, action: str) -> int:
    with UnitOfWork() as uow:
        return uow.session.exec(select(func.count()).select_from(AuditEvent)
                                .where(AuditEvent.decision_id == decision_id, AuditEvent.action == action)).one()


def test_a_year_of_deadlines(org, smtp):
    cal = WorkCalendar()
    for user, address in (("mayor", "mayor@city.example"), ("drafter", "drafter@city.example"),
                          ("executor", "executor@city.example")):
        deadlines.set_email(user, address)
    at("2026-03-02")
    a = Walker().new("A 城市更新专项规划")
    a.do_proposed()
    a.advance("organ")
    a.do_drafting()
    a.advance()
    a.ev("participation_activity", form="open_comment", start="2026-03-03", end="2026-04-02")
    b = Walker().new("B 停车收费调整")
    b.walk_to("legality_review")  # entered 2026-04-03: the walk leaves public participation after its period
    stale_b = cal.add_workdays(date(2026, 4, 3), 120)[0]
    stale_c = cal.add_workdays(date(2026, 4, 1), 120)[0]

    c = Walker()

    def actions(day: str) -> None:
        if day == "2026-04-01":
            c.new("C 长期搁置的事项")
        elif day == "2026-04-07":
            a.ev("opinion_register", received=3, adopted=1, partially_adopted=1, not_adopted=1)
            assert a.advance()["to"] == "legality_review"
        elif day == "2026-04-08":
            a.ev("legality_submission", submitted="2026-04-08")
            a.ev("legal_adviser_opinion", user="adviser")
        elif day == "2026-04-14":
            a.ev("legality_opinion", user="reviewer", conclusion="lawful")
            a.advance()
        elif day == "2026-04-20":
            a.meeting(date="2026-04-20")
        elif day == "2026-04-24":
            a.do_party_report()
            a.advance("organ")
            a.do_publication()
            assert a.advance("organ")["to"] == "execution"
        elif day == "2026-05-06":
            b.ev("legality_submission", submitted="2026-05-06")
            b.ev("legal_adviser_opinion", user="adviser")
        elif day == "2026-10-20":
            a.ev("execution_report", user="executor", period="2026H2")
        elif day == "2026-11-16":
            a.ev("issue_report", user="executor", nature="problem")

    events = {"2026-04-01", "2026-04-07", "2026-04-08", "2026-04-14", "2026-04-20", "2026-04-24", "2026-05-06",
              "2026-10-20", "2026-11-16"}
    fire_days = {"2026-03-30", "2026-05-12", "2026-05-15", stale_b.isoformat(), stale_c.isoformat()}
    start, end = date(2026, 3, 2), date(2027, 3, 1)
    days = [start + timedelta(n) for n in range((end - start).days + 1)]
    # the worker is down from 10-12 to 10-18 (a missed run): the execution-report reminder due 10-12 comes 10-19
    run_days = [d.isoformat() for d in days if (d.weekday() == 0 or d.isoformat() in events | fire_days)
                and not date(2026, 10, 12) <= d <= date(2026, 10, 18)]
    fired_on: dict[str, str] = {}
    for day in run_days:
        at(day)
        actions(day)
        at(day, "18:00")
        if day == "2026-05-15":
            # a worker dies half-way (after decision A, before B): its lease stays until it expires
            with pytest.raises(RuntimeError):
                scheduled.run_once(_crash_after=1, lease_seconds=0.3)
            assert scheduled.run_once()["ran"] is False          # the lease keeps a second worker out
            time.sleep(0.35)
            assert scheduled.run_once()["escalations"] == 1      # the restarted worker finishes the job
        results = run_pair() if day in events | fire_days else [scheduled.run_once()]
        assert any(r["ran"] for r in results) or day == "2026-05-15"
        for dedupe, _user, _kind, created in notifications():
            fired_on.setdefault(dedupe, created[:10])
    # a last pass of both workers without the lease: the unique (dedupe, user) rows still hold
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda _: scheduled.run_once(use_lease=False), range(2)))

    rows = notifications()
    assert len(rows) == len(set((r[0], r[1]) for r in rows))
    by_key: dict[str, set[str]] = {}
    for dedupe, user, _kind, _created in rows:
        by_key.setdefault(dedupe, set()).add(user)
    expected = {
        f"d{a.id}:comment_period_end:ev{_ev(a.id, 'participation_activity')}:remind": {"drafter"},
        f"d{b.id}:legality_review_window:ev{_ev(b.id, 'legality_submission')}:remind": {"drafter", "reviewer"},
        f"d{b.id}:legality_review_window:ev{_ev(b.id, 'legality_submission')}:escalate": ORGAN_PEOPLE,
        f"d{b.id}:stale:legality_review:2026-04-03T09:00:00+08:00:remind": ORGAN_PEOPLE,
        f"d{c.id}:stale:proposed:2026-04-01T09:00:00+08:00:remind": ORGAN_PEOPLE,
        f"d{a.id}:execution_report:p1:remind": {"executor"},
        f"d{a.id}:issue_report:ev{_ev(a.id, 'issue_report')}:remind": ORGAN_PEOPLE,
    }
    assert by_key == expected
    assert fired_on[f"d{a.id}:comment_period_end:ev{_ev(a.id, 'participation_activity')}:remind"] == "2026-03-30"
    assert fired_on[f"d{b.id}:legality_review_window:ev{_ev(b.id, 'legality_submission')}:remind"] == "2026-05-12"
    assert fired_on[f"d{b.id}:legality_review_window:ev{_ev(b.id, 'legality_submission')}:escalate"] == "2026-05-15"
    assert fired_on[f"d{b.id}:stale:legality_review:2026-04-03T09:00:00+08:00:remind"] == stale_b.isoformat()
    assert fired_on[f"d{c.id}:stale:proposed:2026-04-01T09:00:00+08:00:remind"] == stale_c.isoformat()
    assert fired_on[f"d{a.id}:execution_report:p1:remind"] == "2026-10-19"   # caught up after the missed runs
    # the decision's own trail says so, once each
    assert audit_count(b.id, "escalate") == 1
    assert audit_count(b.id, "stale_flag") == 1 and audit_count(c.id, "stale_flag") == 1
    assert audit_count(a.id, "escalate") == 0                               # A's window and report were kept
    # nothing due is left unfired
    with UnitOfWork() as uow:
        missed = uow.session.exec(select(Deadline).where(Deadline.status == "open", Deadline.reminded_at == "",
                                                         Deadline.remind_on <= "2027-03-01")).all()
        assert missed == []
    # e-mail: each notification of a user with an address went out exactly once
    mailed = [r for r in rows if r[1] in ("mayor", "drafter", "executor")]
    ids = [m["Message-ID"] for m in smtp.messages]
    assert len(ids) == len(set(ids)) == len(mailed) == 7
    assert any("逾期督办" in str(email.header.make_header(email.header.decode_header(m["Subject"])))
               for m in smtp.messages)


def _ev(decision_id: int, kind: str) -> int:
    from decisions.procedure.models import Evidence

    with UnitOfWork() as uow:
        return uow.session.exec(select(Evidence.id).where(Evidence.decision_id == decision_id, Evidence.kind == kind)
                                .order_by(col(Evidence.id))).first()


def test_lease_keeps_a_second_worker_out(org):
    assert scheduled.acquire_lease("worker-1", 60)
    r = scheduled.run_once(holder="worker-2")
    assert r["ran"] is False and r["holder"] == "worker-1"
    assert scheduled.acquire_lease("worker-1", 60)                    # the holder renews
    scheduled.release_lease("worker-1")
    assert scheduled.run_once(holder="worker-2")["ran"] is True


def test_worker_once_cli_and_inbox(org):
    w = Walker().walk_to("legality_review")
    w.ev("legality_submission", submitted="2026-05-06")
    at("2026-05-15", "08:00")
    runner = CliRunner()
    out = runner.invoke(app, ["worker", "--once", "--json"])
    assert out.exit_code == 0, out.output
    assert '"escalations": 1' in out.output and '"reminders": 1' in out.output
    again = runner.invoke(app, ["--json", "worker", "--once"])
    assert '"notifications": 0' in again.output
    box = deadline_views.inbox("mayor")
    assert [n["kind"] for n in box] == ["escalation"] and "Art 26¶2" in box[0]["article"]
    assert "2026-05-14" in box[0]["subject"]
    listed = runner.invoke(app, ["inbox", "list", "--as", "mayor"])
    assert "逾期督办" in listed.output
    read = runner.invoke(app, ["inbox", "read", str(box[0]["id"]), "--as", "mayor", "--json"])
    assert read.exit_code == 0 and '"read": true' in read.output
    assert deadline_views.inbox("mayor", unread_only=True) == []
    with pytest.raises(NotPermitted):
        deadlines.mark_read(box[0]["id"], "organ")
    shown = runner.invoke(app, ["deadlines", str(w.id)])
    assert "合法性审查期限" in shown.output


def test_apscheduler_job_store_runs_the_scan(org):
    from workflow import scheduler

    at("2026-03-02")
    Walker().new()
    sched = scheduler.build(blocking=False, interval_seconds=0.2)
    before = len(scheduler._runs)
    sched.start()
    try:
        deadline = time.time() + 5
        while len(scheduler._runs) - before < 2 and time.time() < deadline:
            time.sleep(0.05)
    finally:
        sched.shutdown(wait=True)
    assert len(scheduler._runs) - before >= 2
    assert all(r["ran"] for r in scheduler._runs[before:])
    with UnitOfWork() as uow:
        jobs = uow.session.connection().exec_driver_sql("SELECT id FROM apscheduler_jobs").all()
    assert [j[0] for j in jobs] == [scheduler.JOB_ID]
    # a second build replaces the same job instead of adding one
    sched2 = scheduler.build(blocking=False, interval_seconds=0.2)
    sched2.start(paused=True)
    sched2.shutdown(wait=False)
    with UnitOfWork() as uow:
        assert uow.session.connection().exec_driver_sql("SELECT count(*) FROM apscheduler_jobs").scalar() == 1


def test_later_passes_of_a_day_look_only_at_changes_and_due_items(org):
    from decisions.accounts import service as directory

    directory.add_user("drc_head", "发改委主任", "CITY-DRC", ["head"])   # the undertaking unit's head
    at("2026-05-06")
    busy, idle = Walker().walk_to("legality_review"), Walker().new("idle")
    busy.ev("legality_submission", submitted="2026-05-06")
    at("2026-05-06", "09:30")
    first = scheduled.run_once()
    assert first["full"] is True and first["decisions"] == 2
    at("2026-05-06", "10:00")
    second = scheduled.run_once()
    assert second["full"] is False and second["decisions"] == 0          # nothing changed, nothing due
    at("2026-05-06", "10:30")
    busy.ev("legal_adviser_opinion", user="adviser")
    at("2026-05-06", "11:00")
    assert scheduled.run_once()["decisions"] == 1                        # only the changed decision
    assert scheduled.run_once(full=True)["decisions"] == 2
    at("2026-05-15", "08:00")                                            # the window closed on May 14
    r = scheduled.run_once()
    assert r["full"] is True and r["escalations"] == 1
    assert [n["kind"] for n in deadline_views.inbox("drc_head")] == ["escalation"]
    assert idle.id not in {n["decision_id"] for n in deadline_views.inbox("drc_head")}


def test_hearing_materials_reminder(org):
    at("2026-04-01")
    w = Walker().walk_to("public_participation")
    # a hearing on Apr 20 with the materials planned for Apr 15: later than 7 days before (Apr 13)
    w.ev("participation_activity", form="hearing", hearing_date="2026-04-20", materials_delivered="2026-04-15")
    scheduled.run_once()
    row = next(r for r in deadline_views.deadlines(w.id) if r["type"] == "hearing_materials")
    assert (row["due"], row["remind_on"]) == ("2026-04-13", "2026-04-09")
    at("2026-04-09")
    scheduled.run_once()
    box = deadline_views.inbox("drafter")
    assert [n["kind"] for n in box] == ["reminder"] and "Art 16¶3" in box[0]["article"]
