"""The hot write path: statements run on the cursor (decisions/statements.py), the decision row written by
the unit of work with its version guard, the office tree kept per process. Each test fails if the shortcut
loses something the ORM path guaranteed."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError

from decisions.accounts import service as directory
from decisions.errors import Conflict, NotPermitted
from decisions.procedure import service
from decisions.procedure.models import Decision
from decisions.procedure.scope import OfficeTree
from decisions.records import audit
from decisions.storage import statements
from decisions.storage.db import get_engine
from decisions.storage.unit_of_work import UnitOfWork
from tests.helpers import Walker


def _versions(did: int) -> int:
    with UnitOfWork() as uow:
        d = uow.session.get(Decision, did)
        assert d is not None
        return d.version


def test_json_and_booleans_round_trip_through_the_cursor(org):
    w = Walker().new()
    w.ev("proposal", user="organ", source="department")
    with UnitOfWork() as uow:
        d = service.get_decision(uow.session, w.id)
        snap = service.snapshot_of(uow.session, d, service.profile_of(d))
    assert [i.meta for i in snap.items] == [{"source": "department"}]  # JSON column: a dict again
    w.ev("start_decision", user="organ", date="2026-03-02")
    w.advance(user="organ")
    service.set_triggers(w.id, sets={"stability_risk": "yes", "npc_scope": "no"}, reasons={"npc_scope": "不涉及"},
                         as_user="drafter")
    with UnitOfWork() as uow:
        d = service.get_decision(uow.session, w.id)
        snap = service.snapshot_of(uow.session, d, service.profile_of(d))
    assert snap.triggers["stability_risk"].value is True and snap.triggers["npc_scope"].value is False
    assert snap.triggers["npc_scope"].reason == "不涉及"


def test_a_driver_error_is_sqlalchemys_and_a_lost_race_is_a_conflict(org):
    w = Walker().new()
    with UnitOfWork() as uow:  # the chain's first event again: the unique (chain, seq) index refuses it
        fields = {"chain": w.id, "decision_id": w.id, "seq": 1, "at": "2026-03-02T09:00:00+08:00", "actor": "x",
                  "role": "", "office": "", "action": "create", "detail": {}, "prev_hash": audit.GENESIS,
                  "hash": "0" * 64}
        with pytest.raises(IntegrityError):
            audit._INSERT_EVENT.run(uow.session, fields)
    with pytest.raises(Conflict):
        with UnitOfWork() as uow:
            audit._INSERT_EVENT.run(uow.session, fields)


def test_the_decision_row_is_written_once_per_action_with_its_version_bumped(org):
    w = Walker().new()
    assert _versions(w.id) == 1
    sent: list[str] = []

    def count(_conn, _cur, statement, *_args) -> None:  # noqa: ANN001
        sent.append(statement)

    event.listen(get_engine(), "before_cursor_execute", count)
    before = statements.EXECUTED[0]
    try:
        w.ev("proposal", user="organ", source="department")
    finally:
        event.remove(get_engine(), "before_cursor_execute", count)
    # the ORM flush at commit had nothing left to write: no UPDATE went through SQLAlchemy
    assert not [s for s in sent if s.lstrip().upper().startswith(("UPDATE", "INSERT"))], sent
    assert statements.EXECUTED[0] > before
    assert _versions(w.id) == 2
    w.ev("start_decision", user="organ", date="2026-03-02")
    w.advance(user="organ")
    assert _versions(w.id) == 4


def test_a_stale_version_is_refused_and_nothing_of_the_action_stays(org):
    w = Walker().new()
    w.ev("proposal", user="organ", source="department")
    w.ev("start_decision", user="organ", date="2026-03-02")
    uow = UnitOfWork().__enter__()
    try:
        d = service.get_decision(uow.session, w.id)
        d.title = "stale"
        w.advance(user="organ")  # another request moves the decision on meanwhile
        with pytest.raises(Conflict):
            uow.commit()
    finally:
        uow.__exit__(None, None, None)
    with UnitOfWork() as check:
        d = service.get_decision(check.session, w.id)
        assert d.title != "stale" and d.state == "drafting" and d.version == 4


def test_an_audit_event_alone_bumps_the_version_even_with_the_clock_pinned(org):
    w = Walker().new()
    with UnitOfWork() as uow:
        d = service.get_decision(uow.session, w.id)
        audit.record(uow.session, decision_id=d.id, actor="organ", role="decision_organ", office="CITY",
                     action="note", detail={})
        uow.commit()
    assert _versions(w.id) == 2


def test_the_office_tree_kept_by_the_process_learns_new_offices(org):
    w = Walker().new()
    w.ev("proposal", user="organ", source="department")  # the tree is now known to this process
    directory.add_office("CITY-NEW", "示例市新设局", "department", parent="CITY")
    directory.add_user("newarch", "newarch", "CITY-NEW", ["archivist"])
    with UnitOfWork() as uow:
        s = uow.session
        d = service.get_decision(s, w.id)
        actor = directory.actor_for(s, "newarch")
        scope = service.scope_of(s, d, actor)
    assert actor.office_id in scope.organ_subtree  # reloaded: the new department belongs to the organ
    # and a tree that disagrees with an office's code (another database under the same engine) is reloaded
    with UnitOfWork() as uow:
        tree = OfficeTree.known(uow.session, [actor.office_id], {actor.office_id: "SOMETHING-ELSE"})
        assert tree.code[actor.office_id] == "CITY-NEW"
    # an office outside the organ still gets no role there
    directory.add_office("OTHER", "另一市人民政府", "city")
    directory.add_user("otherorgan", "otherorgan", "OTHER", ["decision_organ"])
    with pytest.raises(NotPermitted):
        service.advance(w.id, as_user="otherorgan")
