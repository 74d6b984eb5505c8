"""Voiding a wrong upload (作废): the file and its row stay (evidence is append-only), a void row with the reason
is added and audited; the gates stop counting the item, the pages strike it through, the dossier marks it 作废."""

from __future__ import annotations

from sqlmodel import Session, col, select

from decisions.accounts.models import User
from decisions.accounts.service import actor_for
from decisions.errors import BadInput, NotFound, NotPermitted
from decisions.procedure import metadata, scope
from decisions.procedure.models import Evidence, EvidenceVoid, live_evidence
from decisions.procedure.service import (
    get_decision,
    now_iso,
    profile_of,
    record_event,
    require_state,
    scope_of,
    touch,
)
from decisions.storage.unit_of_work import UnitOfWork

REASON_MAX = 500


def voided_ids(s: Session, decision_ids: list[int]) -> set[int]:
    """The evidence ids of these decisions that were declared void."""
    if not decision_ids:
        return set()
    return set(s.exec(select(EvidenceVoid.evidence_id).where(col(EvidenceVoid.decision_id).in_(decision_ids))).all())


def void_reasons(s: Session, decision_id: int) -> dict[int, str]:
    """Evidence id → the reason it was voided, for one decision (the pages and the dossier show it)."""
    return {v.evidence_id: v.reason for v in s.exec(select(EvidenceVoid).where(EvidenceVoid.decision_id == decision_id))}


def void_records(s: Session, decision_id: int) -> dict[int, dict]:
    """Evidence id → who voided it, when and why ({"by", "by_name", "at", "reason"}), for one decision: what
    `juece show --json`, the decision page (struck through, not hidden) and the dossier's 备考表 say of it."""
    rows = s.exec(select(EvidenceVoid, User.username, User.name).join(User, col(User.id) == EvidenceVoid.user_id)
                  .where(EvidenceVoid.decision_id == decision_id).order_by(col(EvidenceVoid.id))).all()
    return {v.evidence_id: {"by": username, "by_name": name, "at": v.at, "reason": v.reason}
            for v, username, name in rows}


def same_file(ident: str | int, sha256: str, as_user: str) -> list[dict]:
    """The files of the decision's current stage and round with this SHA-256, not voided: the upload form asks
    before storing the same file a second time (a second click, a page reloaded)."""
    with UnitOfWork() as uow:
        s = uow.session
        d = get_decision(s, ident)
        scope.require_read(s, scope.reader(s, as_user), d)
        rows = s.exec(select(Evidence).where(Evidence.decision_id == d.id, Evidence.round == d.round,
                                             Evidence.stage == d.state, Evidence.sha256 == sha256,
                                             live_evidence())).all()
        return [{"id": e.id, "kind": e.kind, "filename": e.filename, "at": e.at} for e in rows]


def void_evidence(ident: str | int, evidence_id: int, reason: str, as_user: str) -> dict:
    """Declare an attached file void with a reason. Allowed to its uploader or the head of the undertaking unit,
    only while the decision is still in the stage (and round) the file was attached in."""
    reason = (reason or "").strip()
    if not reason:
        raise BadInput("作废须说明理由 / a reason is required to void a file")
    metadata.check_line(reason, "作废理由 / reason", REASON_MAX)
    with UnitOfWork() as uow:
        s = uow.session
        d = get_decision(s, ident)
        ev = s.get(Evidence, int(evidence_id))
        if ev is None or ev.decision_id != d.id:
            raise NotFound(f"本决策没有编号为 {evidence_id} 的材料 / no evidence {evidence_id} in this decision")
        if s.exec(select(EvidenceVoid.id).where(EvidenceVoid.evidence_id == ev.id)).first() is not None:
            raise BadInput(f"材料 {evidence_id} 已作废 / evidence {evidence_id} is already void")
        actor = actor_for(s, as_user)
        scope = scope_of(s, d, actor)
        uploader = actor.user_id == ev.user_id
        unit_head = "head" in actor.roles and actor.office_id in scope.undertaker_ids
        if not (uploader or unit_head):
            raise NotPermitted(f"{actor.username}：只有上传人或承办单位负责人可以作废材料 / {actor.username}: only "
                               "the uploader or the head of the undertaking unit may void a file")
        profile = profile_of(d)
        article = profile.stages[ev.stage].article if ev.stage in profile.stages else "Art 33"
        require_state(profile, d, [ev.stage], "作废本阶段材料", article)
        if ev.round != d.round:
            raise BadInput("只能作废本轮的材料 / only files of the current round can be voided")
        at = now_iso()
        s.add(EvidenceVoid(evidence_id=ev.id or 0, decision_id=d.id or 0, reason=reason, user_id=actor.user_id, at=at))
        touch(d)
        record_event(s, d, actor, ev.role if uploader else "head", "evidence_void",
                     {"evidence_id": ev.id, "kind": ev.kind, "filename": ev.filename, "sha256": ev.sha256,
                      "reason": reason, "at": at})  # `juece verify` compares the void row with these
        uow.commit()
        return {"id": d.id, "evidence_id": ev.id, "filename": ev.filename, "reason": reason, "at": at}
