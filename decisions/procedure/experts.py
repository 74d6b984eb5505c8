"""The expert panel of a decision (Art 19, 20; procedure.md §8 Registers): the undertaking unit picks the experts,
each an `expert` user outside the undertaking unit without a declared direct interest. Only an assigned expert
files an `expert_opinion`, by their own account (``registers.check_author``); the panel size counts distinct
assigned experts with an opinion (the profile's rule, ``distinct``). The same pattern assigns commissioned risk
assessors (Art 22, 23: ``assign_assessors``), who alone besides the undertaking unit file a `risk_report`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select

from decisions.accounts.models import User
from decisions.accounts.permissions import authorize
from decisions.accounts.service import actor_for
from decisions.errors import BadInput, Blocked, NotFound, Unmet
from decisions.procedure.models import ExpertAssignment
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
from workflow import gates


@dataclass(frozen=True)
class Panel:
    """Whom the undertaking unit assigns to a decision: the role the users must hold, the stage the assignment
    closes with, the article, and the audit event's action (``ExpertAssignment.role`` keeps which panel)."""

    role: str
    stage: str
    article: str
    title_zh: str
    action: str


EXPERTS = Panel("expert", "expert_review", "Art 20", "论证专家", "expert_assign")
ASSESSORS = Panel("assessor", "risk_assessment", "Art 22, 23", "受托风险评估机构人员", "assessor_assign")


def assign_experts(ident: str | int, usernames: list[str], *, interest: list[str] | None = None,
                   as_user: str) -> dict:
    """Assign experts to the decision's panel. ``interest``: those of them who declared a direct interest in
    the matter (Art 20) — the assignment is refused, naming them."""
    return assign(ident, usernames, EXPERTS, interest=interest, as_user=as_user)


def assign_assessors(ident: str | int, usernames: list[str], *, interest: list[str] | None = None,
                     as_user: str) -> dict:
    """Commission risk assessors (Art 23: a third party may be entrusted): only an assigned `assessor` files a
    `risk_report` by their own account (``registers.check_author``), so a random assessor account cannot."""
    return assign(ident, usernames, ASSESSORS, interest=interest, as_user=as_user)


def assign(ident: str | int, usernames: list[str], panel: Panel, *, interest: list[str] | None = None,
           as_user: str) -> dict:
    """The undertaking unit (drafter) assigns users holding ``panel.role`` to the decision, up to the panel's
    stage; a user of the undertaking unit, or one who declared a direct interest, is refused (exit 3)."""
    usernames = list(usernames)
    interest = list(interest or [])
    what = f"{panel.title_zh}({panel.role})"
    if not usernames:
        raise BadInput(f"至少需要一名{what} USER / at least one {panel.role} is required")
    if len(set(usernames)) != len(usernames):
        raise BadInput(f"{what}重复 / a user is named twice: {', '.join(usernames)}")
    stray = [u for u in interest if u not in usernames]
    if stray:
        raise BadInput(f"--interest {stray[0]!r} 不在所选{what}之中 / is not among the users assigned")
    with UnitOfWork() as uow:
        s = uow.session
        d = get_decision(s, ident)
        profile = profile_of(d)
        actor = actor_for(s, as_user)
        scope = scope_of(s, d, actor)
        role = authorize(actor, scope, ["drafter"], f"选定{panel.title_zh} / assign {panel.role}s")
        if panel.stage in profile.stages:
            open_ = profile.stage_order[:profile.stage_index(panel.stage) + 1]
            require_state(profile, d, open_, f"选定{panel.title_zh}", panel.article)
        cite = gates.cite(profile, panel.article)
        unmet: list[Unmet] = []
        rows: list[User] = []
        for name in usernames:
            u = s.exec(select(User).where(User.username == name)).first()
            if u is None:
                raise NotFound(f"未知用户 / unknown user: {name!r}")
            rows.append(u)
            if panel.role not in actor_for(s, name).roles:
                raise BadInput(f"{name} 不是{what}用户 / is not a {panel.role} user")
            if name in interest:
                unmet.append(Unmet(f"{panel.stage}.direct_interest.{name}", panel.article,
                                   f"{name} 声明与决策事项有直接利害关系，不得选定（{cite}）",
                                   f"{name} declared a direct interest: may not be assigned"))
            if u.office_id in scope.undertaker_ids:
                unmet.append(Unmet(f"{panel.stage}.separation.{name}", panel.article,
                                   f"{name} 是承办单位人员，不得担任本决策的{panel.title_zh}（{cite}）",
                                   f"{name} belongs to the undertaking unit: may not be a {panel.role} on this "
                                   "decision"))
            held = s.exec(select(ExpertAssignment.role).where(ExpertAssignment.decision_id == d.id,
                                                              ExpertAssignment.user_id == u.id)).first()
            if held is not None:
                raise BadInput(f"{name} 已选定为本决策的{'论证专家' if held == 'expert' else panel.title_zh} / "
                               f"is already assigned to this decision ({held})")
        if unmet:
            raise Blocked(unmet)
        stamp = now_iso()
        for u in rows:
            s.add(ExpertAssignment(decision_id=d.id or 0, user_id=u.id or 0, role=panel.role,
                                   declaration="无直接利害关系 / no direct interest declared",
                                   by_user_id=actor.user_id, at=stamp))
        record_event(s, d, actor, role, panel.action, {f"{panel.role}s": usernames, "direct_interest": "no"})
        touch(d)
        uow.commit()
        return {"id": d.id, "assigned": usernames, "role": panel.role, "state": d.state}


def assigned_experts(ident: str | int, role: str = "expert") -> list[str]:
    """The usernames assigned to the decision's panel (``role`` "assessor": its commissioned risk assessors), in
    order of assignment."""
    with UnitOfWork() as uow:
        s = uow.session
        d = get_decision(s, ident)
        rows = s.exec(select(User.username).join(ExpertAssignment, col(ExpertAssignment.user_id) == User.id)
                      .where(ExpertAssignment.decision_id == d.id, ExpertAssignment.role == role)
                      .order_by(col(ExpertAssignment.id)))
        return list(rows)
