"""A transition's audit event records the stage rows as they stand (``stages``), and `juece verify` compares them
with the table: the rows the event carries (built by ``service.enter_stage`` from what it wrote, not read back)
must equal the table after every transition of a walk — advances with skipped stages, the meeting's outcomes, a
return, side transitions."""

from __future__ import annotations

from sqlalchemy import select

from decisions.integrity import service as integrity
from decisions.procedure import service
from decisions.procedure.models import StageStatus
from decisions.procedure.sending_back import return_decision
from decisions.procedure.views import show
from decisions.records.models import AuditEvent
from decisions.storage.unit_of_work import UnitOfWork
from tests.helpers import Walker

CHECKED: list[str] = []


def table(did: int) -> list[list[str]]:
    """The decision's stage rows from the table, in position order."""
    with UnitOfWork() as uow:
        return [[r.stage, r.status, r.note] for r in uow.session.exec(
            select(StageStatus).where(StageStatus.decision_id == did).order_by(StageStatus.position)).scalars()]


def last_event(did: int) -> AuditEvent:
    with UnitOfWork() as uow:
        return uow.session.exec(select(AuditEvent).where(AuditEvent.chain == did)
                                .order_by(AuditEvent.seq.desc()).limit(1)).scalars().one()


def check(did: int) -> None:
    """The last event, when it is a transition, records exactly the table's stage rows."""
    ev = last_event(did)
    if "from" in ev.detail and "to" in ev.detail:
        assert ev.detail["stages"] == table(did), (ev.action, ev.detail)
        CHECKED.append(f"{ev.action}:{ev.detail['from']}>{ev.detail['to']}")


class CheckingWalker(Walker):
    """Checks the recorded stage rows after every advance and every meeting."""

    def advance(self, user: str = "drafter") -> dict:
        r = super().advance(user)
        check(self.id)
        return r

    def meeting(self, *args: object, **kwargs: object) -> dict:
        r = super().meeting(*args, **kwargs)  # type: ignore[arg-type]
        check(self.id)
        return r


def test_every_transition_of_a_walk_records_the_stage_rows_as_the_table_holds_them(org):
    CHECKED.clear()
    w = CheckingWalker(triggers={"professional_technical": "yes"}).walk_to("execution")
    stages = {s["key"]: s for s in show(w.id)["stages"]}
    assert stages["risk_assessment"]["status"] == "skipped" and stages["risk_assessment"]["note"]  # a skip recorded
    w.ev("execution_report", user="executor", period="2026H2")
    w.advance("organ")
    assert show(w.id)["state"] == "closed"
    assert "advance:drafting>public_participation" in CHECKED
    assert "transition:collective_discussion>party_report" in CHECKED
    assert "advance:execution>closed" in CHECKED
    assert len(CHECKED) >= 8, CHECKED
    assert integrity.verify()["ok"]


def test_return_revise_and_side_transitions_record_the_stage_rows_as_the_table_holds_them(org):
    CHECKED.clear()
    w = CheckingWalker().walk_to("legality_review")
    return_decision(w.id, to="drafting", reason="说明不完整（第27条第2项）", as_user="reviewer")
    check(w.id)
    w.walk_to("collective_discussion")
    w.meeting(outcome="revise", reason="需修改")
    w.walk_to("collective_discussion")
    w.meeting()  # approve: the rows enter_stage wrote
    w.walk_to("execution")
    w.ev("issue_report", user="executor", nature="major_change")
    service.side_transition(w.id, action="suspend", reason="客观情况发生重大变化，紧急中止", as_user="mayor")
    check(w.id)
    service.side_transition(w.id, action="resume", reason="情况已消除，恢复执行", as_user="mayor")
    check(w.id)
    assert {"returned:legality_review>drafting", "transition:collective_discussion>drafting",
            "suspend:execution>suspended", "resume:suspended>execution"} <= set(CHECKED), CHECKED
    assert integrity.verify()["ok"]


def test_the_recorded_rows_are_what_a_query_after_the_transition_returns(org):
    """The rows enter_stage builds equal ``stage_rows`` (the flush-and-query it replaces) in the same transaction."""
    w = Walker().walk_to("drafting")
    w.do_drafting()
    with UnitOfWork() as uow:
        s = uow.session
        d = service.get_decision(s, w.id)
        profile = service.profile_of(d)
        actor = service.actor_for(s, "drafter")
        unmet, dest, skipped = service.gates.unmet_to_leave(profile, d.state, service.snapshot_of(s, d, profile))
        assert not unmet
        built = service.enter_stage(s, d, profile, actor, dest, skipped)
        assert built == service.stage_rows(s, w.id)
        assert [r[1] for r in built].count("current") == 1 and ["drafting", "done", ""] in built
