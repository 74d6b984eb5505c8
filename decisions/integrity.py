"""`juece verify`: recompute every evidence file's hash, walk every audit chain, check their links."""

from __future__ import annotations

from sqlmodel import col, select

from decisions import audit, evidence_store
from decisions.models import AuditEvent, Evidence
from decisions.service import get_decision
from decisions.unit_of_work import UnitOfWork


def verify(ident: str | int | None = None) -> dict:
    """Problems found (empty when clean) and what was checked."""
    problems: list[str] = []
    with UnitOfWork() as uow:
        s = uow.session
        if ident is not None:
            d = get_decision(s, ident)
            chains = [d.id or 0]
            ev_q = select(Evidence).where(Evidence.decision_id == d.id)
        else:
            chains = list(s.exec(select(AuditEvent.chain).distinct()))
            ev_q = select(Evidence)
        evidence = s.exec(ev_q.order_by(col(Evidence.id))).all()
        for ev in evidence:
            path = evidence_store.path_for(ev.sha256)
            if not path.is_file():
                problems.append(f"evidence #{ev.id} ({ev.filename}, decision {ev.decision_id}): file missing "
                                f"from the store: {path}")
                continue
            found = evidence_store.file_sha256(path)
            if found != ev.sha256:
                problems.append(f"evidence #{ev.id} ({ev.filename}, decision {ev.decision_id}): expected sha256 "
                                f"{ev.sha256}, found {found}")
        linked: dict[int, str] = {}
        n_events = 0
        for chain in chains:
            events = s.exec(select(AuditEvent).where(AuditEvent.chain == chain).order_by(col(AuditEvent.seq))).all()
            n_events += len(events)
            problems += audit.verify_chain(list(events))
            for e in events:
                if e.action == "evidence" and "evidence_id" in e.detail:
                    linked[int(e.detail["evidence_id"])] = str(e.detail.get("sha256"))
        for ev in evidence:
            if ev.kind == "meeting_minutes" and ev.id not in linked:
                continue  # minutes are linked through the meeting event
            if linked.get(ev.id or 0) != ev.sha256:
                problems.append(f"evidence #{ev.id} ({ev.filename}): row sha256 {ev.sha256} does not match the "
                                f"audit trail ({linked.get(ev.id or 0) or 'no audit event'})")
    return {"ok": not problems, "problems": problems, "evidence_checked": len(evidence), "events_checked": n_events}
