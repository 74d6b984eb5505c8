"""Sending back (退回, procedure.md §8): the legality reviewer (Art 26¶1, 27(2)) or the decision organ sends a
decision back to an earlier stage of the main line; the stages from there on are run again in a new round, the
earlier rounds' evidence kept. Who may send back, from which stages and on which article is the profile's
``[return]`` table."""

from __future__ import annotations

from sqlmodel import Session, col, select

from decisions.accounts.permissions import Actor, authorize, role_applies
from decisions.accounts.service import actor_for
from decisions.errors import BadInput, Blocked, Unmet
from decisions.procedure import metadata
from decisions.procedure.models import Decision, StageStatus
from decisions.procedure.service import (
    get_decision,
    now_iso,
    profile_of,
    record_event,
    scope_of,
    touch,
)
from decisions.records.models import AuditEvent
from decisions.storage.unit_of_work import UnitOfWork
from workflow import machine
from workflow.profiles import Profile

ACTION = "returned"


def return_decision(ident: str | int, *, to: str, reason: str, as_user: str) -> dict:
    """Send the decision back to stage `to` (退回): a new round from there, every later stage pending again."""
    reason = metadata.check_text(reason, "--reason", 10_000).strip()
    if not reason:
        raise BadInput("--reason 不能为空：退回须说明理由 / a reason is required to send a decision back")
    to = to.strip()
    with UnitOfWork() as uow:
        s = uow.session
        d = get_decision(s, ident)
        profile = profile_of(d)
        rules = profile.sending_back
        if to not in profile.stages:
            raise BadInput(f"--to {metadata.shown(to)}: 未知阶段 / unknown stage; expected one of: "
                           f"{', '.join(profile.stage_order)}")
        actor = actor_for(s, as_user)
        roles = list(rules.roles) if rules else []
        scope = scope_of(s, d, actor)
        authorize(actor, scope, roles, "退回决策 / send a decision back")
        # of the roles this user holds for this decision, those that may send back from the present stage
        held = [r for r in roles if r in actor.roles and role_applies(r, actor, scope)]
        from_here = [r for r in held if rules and d.state in rules.roles[r].from_stages]
        if not from_here:
            raise Blocked([_not_from_here(profile, d, held)])
        role = from_here[0]
        article = rules.roles[role].article  # type: ignore[union-attr]
        _check_target(s, profile, d, to)
        source = d.state
        restart_from(s, d, profile, actor, to)
        machine.fire(profile, d, "send_back", to)
        touch(d)
        record_event(s, d, actor, role, ACTION, {"from": source, "to": to, "reason": reason, "round": d.round,
                                                 "article": article})
        uow.commit()
        return {"id": d.id, "from": source, "to": to, "state": d.state, "round": d.round, "reason": reason,
                "by": actor.username, "role": role, "article": article}


def _name(profile: Profile, stage: str) -> str:
    st = profile.stages.get(stage)
    return st.name_zh if st else stage


def _not_from_here(profile: Profile, d: Decision, roles: list[str]) -> Unmet:
    rules = profile.sending_back
    articles = sorted({rules.roles[r].article for r in roles}) if rules else []
    article = "; ".join(articles) or "Art 26¶1, 27(2)"
    if d.state not in profile.stages:
        return Unmet(f"{d.state}.return", article,
                     f"决策处于「{d.state}」状态，不能退回（依据{profile.law_zh}{article}）",
                     f"a decision in {d.state} cannot be sent back")
    allowed = sorted({st for r in roles for st in rules.roles[r].from_stages}, key=profile.stage_index) if rules else []
    return Unmet(f"{d.state}.return", article,
                 f"决策当前处于「{_name(profile, d.state)}」，此时您不能退回（可退回的阶段：{'、'.join(allowed) or '无'}；"
                 f"依据{profile.law_zh}{article}）",
                 f"the decision is in {d.state}: sending back is possible for you only from {', '.join(allowed) or 'none'}")


def _check_target(s: Session, profile: Profile, d: Decision, to: str) -> None:
    """`to` must be an earlier stage of the main line, not before the profile's earliest, that applies."""
    rules = profile.sending_back
    earliest = profile.stage_index(rules.earliest) if rules else 1
    here = profile.stage_index(d.state)
    there = profile.stage_index(to)
    if there >= here:
        raise BadInput(f"--to {to}: 不早于当前阶段「{_name(profile, d.state)}」({d.state})，只能退回到此前的阶段 / "
                       f"not earlier than the current stage {d.state}")
    if there < earliest:
        raise BadInput(f"--to {to}: 不能退回到「{_name(profile, rules.earliest if rules else to)}」之前 / "
                       f"cannot send back before {rules.earliest if rules else to}")
    row = s.exec(select(StageStatus).where(StageStatus.decision_id == d.id, StageStatus.stage == to)).first()
    if row is None or row.status == "skipped":
        note = f"（{row.note}）" if row is not None and row.note else ""
        raise BadInput(f"--to {to}: 「{_name(profile, to)}」对本决策不适用、已跳过{note}，不能退回到该阶段 / "
                       f"the stage was skipped for this decision and cannot be a target")


def restart_from(s: Session, d: Decision, profile: Profile, actor: Actor, stage: str) -> None:
    """A new round from `stage`: it becomes current, every later stage pending; the earlier ones keep their status."""
    stamp = now_iso()
    pos = profile.stage_index(stage)
    for r in s.exec(select(StageStatus).where(StageStatus.decision_id == d.id)):
        if r.position == pos:
            r.status, r.entered_at, r.left_at, r.user_id, r.note, r.days = "current", stamp, "", actor.user_id, "", None
        elif r.position > pos:
            r.status, r.entered_at, r.left_at, r.note, r.days = "pending", "", "", "", None
    d.round += 1
    d.state_entered_at = stamp


def returns_of(s: Session, decision_id: int) -> list[dict]:
    """The decision's past returns, from its audit trail, oldest first."""
    events = s.exec(select(AuditEvent).where(AuditEvent.chain == decision_id, AuditEvent.action == ACTION)
                    .order_by(col(AuditEvent.seq))).all()
    return [{"from": e.detail.get("from"), "to": e.detail.get("to"), "reason": e.detail.get("reason"),
             "round": e.detail.get("round"), "article": e.detail.get("article"), "by": e.actor, "role": e.role,
             "office": e.office, "at": e.at} for e in events]


def return_targets(ident: str | int, username: str, *, lang: str = "zh") -> dict:
    """For the workbench's 退回 form: may `username` send the decision back now, and to which earlier stages
    (named; the same checks as ``return_decision``, which checks again). Never raises for a refusal."""
    with UnitOfWork() as uow:
        s = uow.session
        d = get_decision(s, ident)
        profile = profile_of(d)
        rules = profile.sending_back
        none = {"may": False, "targets": [], "article": ""}
        if rules is None or d.state not in profile.stages:
            return none
        actor = actor_for(s, username)
        scope = scope_of(s, d, actor)
        held = [r for r in rules.roles if r in actor.roles and role_applies(r, actor, scope)]
        from_here = [r for r in held if d.state in rules.roles[r].from_stages]
        if not from_here:
            return none
        here, earliest = profile.stage_index(d.state), profile.stage_index(rules.earliest)
        status = {r.stage: r.status for r in s.exec(select(StageStatus).where(StageStatus.decision_id == d.id))}
        targets = []
        for stage in profile.stage_order:
            i = profile.stage_index(stage)
            if earliest <= i < here and status.get(stage) not in (None, "skipped"):
                st = profile.stages[stage]
                targets.append({"key": stage, "name": st.name_zh if lang == "zh" else st.name_en})
        return {"may": bool(targets), "targets": targets, "article": rules.roles[from_here[0]].article}
