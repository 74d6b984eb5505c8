"""The shortcuts a determined office would try (procedure.md §8), as actors of the stateful test
(tests/test_stateful.py): an expert opinion by the wrong author, a legality opinion from an office the organ did not
register, dates ahead of their day or out of the procedure's order, a draft swapped after a lawful opinion, a meeting
outside the register. Each attempt must be refused with its exit code and write nothing."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import strategies as st
from sqlmodel import func, select

from decisions import clock
from decisions.accounts.models import User
from decisions.errors import JueceError
from decisions.procedure import experts, service
from decisions.procedure.meeting import MeetingInput, record_meeting
from decisions.procedure.models import Decision, Evidence, Meeting
from decisions.records.models import AuditEvent
from decisions.storage.unit_of_work import UnitOfWork
from tests.helpers import MEMBERS, PDF, Walker
from workflow import profiles

PROFILE = profiles.load("state-council-2019")
CHINA_TZ = ZoneInfo("Asia/Shanghai")
_swap = itertools.count(1)
SHORTCUTS = {
    "expert_review": ["expert_by_drafter", "expert_by_undertaking_unit", "expert_unassigned", "same_expert_thrice"],
    "legality_review": ["legality_other_office", "legality_by_adviser", "future_submission", "backdated_submission",
                        "draft_after_lawful"],
    "collective_discussion": ["meeting_before_opinion", "meeting_future", "meeting_non_member", "meeting_wrong_head",
                              "members_not_register"],
    "party_report": ["report_before_meeting", "report_future"],
    "publication": ["publication_before_report", "publication_future"],
}
EXPERT_META = {"expert": "专家", "signed": "yes", "direct_interest": "no"}


def state_of(did: int) -> str:
    with UnitOfWork() as uow:
        return uow.session.get(Decision, did).state


def _footprint(did: int) -> tuple[int, int]:
    """How much the decision's record holds (audit events, evidence rows): a refusal changes neither."""
    with UnitOfWork() as uow:
        s = uow.session
        return (s.exec(select(func.count()).select_from(AuditEvent).where(AuditEvent.decision_id == did)).one(),
                s.exec(select(func.count()).select_from(Evidence).where(Evidence.decision_id == did)).one())


def _round_items(did: int, kind: str) -> list[Evidence]:
    with UnitOfWork() as uow:
        s = uow.session
        d = s.get(Decision, did)
        return list(s.exec(select(Evidence).where(Evidence.decision_id == did, Evidence.round == d.round,
                                                  Evidence.kind == kind).order_by(Evidence.id)))


def refused(did: int, code: int, fn, *args, requirement: str = "", **kwargs) -> None:
    """`fn` must raise the refusal with exit `code` (naming `requirement` when given) and write nothing."""
    before = _footprint(did)
    try:
        fn(*args, **kwargs)
    except JueceError as e:
        assert e.exit_code == code, f"{fn.__name__}{args}{kwargs}: exit {e.exit_code}, expected {code}: {e.message}"
        if requirement:
            assert any(u.requirement.startswith(requirement) for u in e.unmet), (requirement, e.message)
        assert _footprint(did) == before, "a refused command wrote something"
        return
    raise AssertionError(f"shortcut accepted: {fn.__name__}{args}{kwargs}")


class Shortcuts:
    """One attempt per method, on decision `w` in the stage the method is listed under in SHORTCUTS."""

    def __init__(self, w: Walker, data) -> None:
        self.w, self.data = w, data
        self.today = clock.today()

    def _ev(self, kind: str, user: str, data: bytes = PDF, **meta: str) -> dict:
        return service.add_evidence(self.w.id, kind=kind, filename=f"{kind}.pdf", data=data, meta=meta,
                                    as_user=user)

    def _days(self, low: int = 1, high: int = 40) -> timedelta:
        return timedelta(days=self.data.draw(st.integers(low, high)))

    def _meeting(self, **kw) -> None:
        m = {"type": "executive", "date": self.today.isoformat(), "minutes_filename": "纪要.pdf", "minutes": PDF,
             "members": 7, "positions": [(u, "approve") for u in MEMBERS[1:]] + [("mayor", "approve")],
             "head": "mayor", "outcome": "approve", **kw}
        record_meeting(self.w.id, MeetingInput(**m), as_user="secretary")

    # expert review: an opinion by the wrong author (Art 20, §8 Authors)
    def expert_by_drafter(self) -> None:
        refused(self.w.id, 4, self._ev, "expert_opinion", "drafter", **EXPERT_META)

    def expert_by_undertaking_unit(self) -> None:  # an expert account of the undertaking unit itself
        refused(self.w.id, 4, self._ev, "expert_opinion", "drc_expert", **EXPERT_META)

    def expert_unassigned(self) -> None:
        if "expert5" not in experts.assigned_experts(self.w.id):
            refused(self.w.id, 3, self._ev, "expert_opinion", "expert5", **EXPERT_META,
                    requirement="expert_review.expert_assigned")

    def same_expert_thrice(self) -> None:
        """One expert files three opinions: they count once, and the stage cannot be left on them."""
        assigned = "expert1" in experts.assigned_experts(self.w.id)
        for _ in range(3):
            if assigned:
                self._ev("expert_opinion", "expert1", **EXPERT_META)
            else:
                refused(self.w.id, 3, self._ev, "expert_opinion", "expert1", **EXPERT_META,
                        requirement="expert_review.expert_assigned")
        panel = set(experts.assigned_experts(self.w.id))
        with UnitOfWork() as uow:
            s = uow.session
            d = s.get(Decision, self.w.id)
            good = s.exec(select(Evidence.user_id).where(Evidence.decision_id == d.id, Evidence.round == d.round,
                                                        Evidence.kind == "expert_opinion")).all()
            names = {uow.session.get(User, u).username for u in good} & panel
        if len(names) < PROFILE.param("expert_panel_size"):
            refused(self.w.id, 3, service.advance, self.w.id, as_user="drafter",
                    requirement="expert_review.expert_opinion")

    # legality review: the wrong reviewer, dates ahead or behind, the draft swapped after a lawful opinion
    def legality_other_office(self) -> None:  # a legality_reviewer, but of an office the organ did not register
        refused(self.w.id, 3, self._ev, "legality_opinion", "nr_reviewer", conclusion="lawful",
                requirement="legality_review.review_office")

    def legality_by_adviser(self) -> None:  # no legality_reviewer role, or one from the undertaking unit
        user = self.data.draw(st.sampled_from(["adviser", "drafter", "drc_expert", "mayor"]))
        refused(self.w.id, 4, self._ev, "legality_opinion", user, conclusion="lawful")

    def future_submission(self) -> None:
        refused(self.w.id, 2, self._ev, "legality_submission", "drafter",
                submitted=(self.today + self._days()).isoformat())

    def backdated_submission(self) -> None:
        """Backdating the submission (to make the review window look long) is kept only as a marked late entry."""
        r = self._ev("legality_submission", "drafter", submitted=(self.today - self._days()).isoformat())
        assert r["late_entry"] is True
        with UnitOfWork() as uow:
            events = uow.session.exec(select(AuditEvent).where(AuditEvent.decision_id == self.w.id,
                                                               AuditEvent.action == "evidence")).all()
        assert [e.detail.get("late_entry") for e in events if e.detail.get("evidence_id") == r["id"]] == [True]

    def draft_after_lawful(self) -> None:
        """A new draft after the lawful opinion: the decision stays until that draft is reviewed (Art 25)."""
        opinions = _round_items(self.w.id, "legality_opinion")
        if not opinions or opinions[-1].meta.get("conclusion") != "lawful":
            try:
                self._ev("legality_opinion", "reviewer", conclusion="lawful")
            except JueceError:
                return
        self._ev("draft", "drafter", data=PDF + f"% swapped {next(_swap)}\n".encode(), version="换稿")
        refused(self.w.id, 3, service.advance, self.w.id, as_user="drafter",
                requirement="legality_review.legality_opinion.reviewed_version")

    # the meeting: out of order, ahead of its day, outside the register (Art 25¶2, 30, §8 Registers)
    def meeting_before_opinion(self) -> None:
        opinions = _round_items(self.w.id, "legality_opinion")
        if opinions:
            day = datetime.fromisoformat(opinions[-1].at).astimezone(CHINA_TZ).date() - self._days(1, 10)
            refused(self.w.id, 2, self._meeting, date=day.isoformat())

    def meeting_future(self) -> None:
        refused(self.w.id, 2, self._meeting, date=(self.today + self._days()).isoformat())

    def meeting_non_member(self) -> None:
        intruder = self.data.draw(st.sampled_from(["organ", "secretary", "drafter", "admin", "auditor", "expert1"]))
        positions = [(u, "approve") for u in MEMBERS[1:5]]  # present: fewer than the register's 7 with the intruder
        positions.insert(self.data.draw(st.integers(0, len(positions))), (intruder, "approve"))
        refused(self.w.id, 3, self._meeting, positions=[*positions, ("mayor", "approve")],
                requirement=f"collective_discussion.member.{intruder}")

    def meeting_wrong_head(self) -> None:
        head = self.data.draw(st.sampled_from(MEMBERS[1:]))
        positions = [(u, "approve") for u in MEMBERS if u != head] + [(head, "approve")]
        refused(self.w.id, 3, self._meeting, positions=positions, head=head,
                requirement="collective_discussion.register_head")

    def members_not_register(self) -> None:
        refused(self.w.id, 2, self._meeting, members=self.data.draw(st.sampled_from([4, 5, 6, 8, 9, 12])),
                positions=[("vm1", "approve"), ("vm2", "approve"), ("vm3", "approve"), ("mayor", "approve")])

    # after the meeting: the Party report before it, publication before the report, dates ahead
    def report_before_meeting(self) -> None:
        with UnitOfWork() as uow:
            d = uow.session.get(Decision, self.w.id)
            day = uow.session.exec(select(Meeting.date).where(Meeting.decision_id == d.id, Meeting.round == d.round,
                                                              Meeting.outcome == "approve")).one()
        refused(self.w.id, 2, self._ev, "party_committee_report", "organ",
                reported=(date.fromisoformat(day) - self._days(1, 10)).isoformat())

    def report_future(self) -> None:
        refused(self.w.id, 2, self._ev, "party_committee_report", "organ",
                reported=(self.today + self._days()).isoformat())

    def publication_before_report(self) -> None:
        reports = _round_items(self.w.id, "party_committee_report")
        day = date.fromisoformat(reports[-1].meta["reported"]) - self._days(1, 10)
        refused(self.w.id, 2, self._ev, "publication_record", "organ", channel="website", date=day.isoformat())

    def publication_future(self) -> None:
        refused(self.w.id, 2, self._ev, "publication_record", "organ", channel="gazette",
                date=(self.today + self._days()).isoformat())
