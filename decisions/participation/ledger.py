"""The opinion ledger's counts per decision and round: what the procedure's ``ledger_complete`` gate reads of
public participation (the procedure core imports this module, never the participation use cases)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import bindparam
from sqlmodel import Session, func, select

from decisions.participation.models import (
    Consultation,
    Opinion,
)
from decisions.storage.statements import Prepared

_LOCK_CONSULTATION = Prepared(select(Consultation.id).where(
    Consultation.decision_id == bindparam("decision_id"), Consultation.round == bindparam("round")).with_for_update())
_BY_DISPOSITION = Prepared(select(Opinion.disposition, func.count()).where(
    Opinion.decision_id == bindparam("decision_id"), Opinion.round == bindparam("round"))
    .group_by(Opinion.disposition))
_CONSULTATION = Prepared(select(Consultation.start, Consultation.end, Consultation.shortened_reason).where(
    Consultation.decision_id == bindparam("decision_id"), Consultation.round == bindparam("round")))


def ledger_counts(session: Session, decision_id: int, round_: int) -> dict[str, int]:
    """The ledger's counts for one decision and round (the `ledger_complete` gate reads them from the
    snapshot that decisions.procedure.service.snapshot_of builds with this function).

    The consultation row is locked for update first (PostgreSQL; SQLite serialises writers anyway): public
    opinions do not bump the decision's version but share-lock this row, so a stage's end waits for the
    opinions in flight and counts them, and later ones see the new stage and are refused. (Statements built
    once, as the rest of the gate snapshot's.)"""
    key = {"decision_id": decision_id, "round": round_}
    _LOCK_CONSULTATION.run(session, key).all()
    return counts(dict(_BY_DISPOSITION.run(session, key).all()))


def counts(by: Mapping[str, int]) -> dict[str, int]:
    """The ledger's counts from the number of opinions per disposition ('' is not yet disposed)."""
    return {"received": sum(by.values()), "adopted": by.get("adopted", 0),
            "partially_adopted": by.get("partially_adopted", 0), "not_adopted": by.get("not_adopted", 0),
            "pending": by.get("", 0)}


def consultation_of(session: Session, decision_id: int, round_: int) -> dict[str, str] | None:
    """The round's online consultation as the `period_over` and `from_ledger` gates read it (its announced end and
    the shortening reason its notice carried), None when the round has none."""
    row = _CONSULTATION.run(session, {"decision_id": decision_id, "round": round_}).first()
    return None if row is None else {"start": row[0], "end": row[1], "shortened_reason": row[2]}
