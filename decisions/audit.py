"""The audit trail: every state change and attachment writes an event in the same transaction.

Events form one hash chain per decision (chain 0 for offices and users): each event's hash covers a
canonical serialisation of its fields and the previous event's hash, so an edit, a deletion or a
reordering is detectable years later (Art 38: lifelong accountability).
"""

from __future__ import annotations

import hashlib
import json

from sqlmodel import Session, col, select

from decisions import clock
from decisions.models import AuditEvent

GENESIS = "0" * 64


def canonical(event: AuditEvent) -> bytes:
    body = {"chain": event.chain, "decision_id": event.decision_id, "seq": event.seq, "at": event.at,
            "actor": event.actor, "role": event.role, "office": event.office, "action": event.action,
            "detail": event.detail, "prev_hash": event.prev_hash}
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def event_hash(event: AuditEvent) -> str:
    return hashlib.sha256(canonical(event)).hexdigest()


def record(session: Session, *, decision_id: int | None, actor: str, role: str, office: str,
           action: str, detail: dict) -> AuditEvent:
    """Append one event to its chain (caller's transaction; the decision's version lock serialises it)."""
    chain = decision_id or 0
    last = session.exec(select(AuditEvent).where(AuditEvent.chain == chain)
                        .order_by(col(AuditEvent.seq).desc()).limit(1)).first()
    event = AuditEvent(chain=chain, decision_id=decision_id, seq=(last.seq + 1) if last else 1,
                       at=clock.now().isoformat(timespec="seconds"), actor=actor, role=role, office=office,
                       action=action, detail=detail, prev_hash=last.hash if last else GENESIS, hash="")
    event.hash = event_hash(event)
    session.add(event)
    return event


def verify_chain(events: list[AuditEvent]) -> list[str]:
    """Problems found in one chain's events (ordered by seq): gaps, reordering, edits."""
    problems = []
    prev = GENESIS
    for expected_seq, ev in enumerate(events, start=1):
        if ev.seq != expected_seq:
            problems.append(f"audit chain {ev.chain}: event #{ev.id} has seq {ev.seq}, expected {expected_seq} "
                            "(deleted or reordered)")
        if ev.prev_hash != prev:
            problems.append(f"audit chain {ev.chain}: event seq {ev.seq} links to {ev.prev_hash[:12]}…, "
                            f"expected {prev[:12]}…")
        found = event_hash(ev)
        if found != ev.hash:
            problems.append(f"audit chain {ev.chain}: event seq {ev.seq} ({ev.action}) was altered: "
                            f"expected hash {ev.hash[:12]}…, found {found[:12]}…")
        prev = ev.hash
    return problems
