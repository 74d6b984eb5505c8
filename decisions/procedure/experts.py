"""The expert panel of a decision (Art 19, 20; procedure.md §8 Registers): the undertaking unit picks the experts,
each an `expert` user outside the undertaking unit without a declared direct interest. Only an assigned expert
files an `expert_opinion`, by their own account (``registers.check_author``); the panel size counts distinct
assigned experts with an opinion (the profile's rule, ``distinct``)."""

from __future__ import annotations

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


def assign_experts(ident: str | int, usernames: list[str], *, interest: list[str] | None = None,
                   as_user: str) -> dict:
    """Assign experts to the decision's panel. ``interest``: those of them who declared a direct interest in
    the matter (Art 20) — the assignment is refused, naming them."""
    usernames = list(usernames)
    interest = list(interest or [])
    if not usernames:
        raise BadInput("至少需要一名专家 USER / at least one expert is required")
    if len(set(usernames)) != len(usernames):
        raise BadInput(f"专家重复 / an expert is named twice: {', '.join(usernames)}")
    stray = [u for u in interest if u not in usernames]
    if stray:
        raise BadInput(f"--interest {stray[0]!r} 不在所选专家之中 / is not among the experts assigned")
    with UnitOfWork() as uow:
        s = uow.session
        d = get_decision(s, ident)
        profile = profile_of(d)
        actor = actor_for(s, as_user)
        scope = scope_of(s, d, actor)
        role = authorize(actor, scope, ["drafter"], "选定论证专家 / assign experts")
        if "expert_review" in profile.stages:
            open_ = profile.stage_order[:profile.stage_index("expert_review") + 1]
            require_state(profile, d, open_, "选定论证专家", "Art 20")
        cite = gates.cite(profile, "Art 20")
        unmet: list[Unmet] = []
        rows: list[User] = []
        for name in usernames:
            u = s.exec(select(User).where(User.username == name)).first()
            if u is None:
                raise NotFound(f"未知用户 / unknown user: {name!r}")
            rows.append(u)
            expert = actor_for(s, name)
            if "expert" not in expert.roles:
                raise BadInput(f"{name} 不是专家（expert）用户 / is not an expert user")
            if name in interest:
                unmet.append(Unmet(f"expert_review.direct_interest.{name}", "Art 20",
                                   f"专家 {name} 声明与决策事项有直接利害关系，不得选定（{cite}）",
                                   f"expert {name} declared a direct interest: may not be assigned"))
            if u.office_id in scope.undertaker_ids:
                unmet.append(Unmet(f"expert_review.separation.{name}", "Art 20",
                                   f"{name} 是承办单位人员，不得担任本决策的论证专家（{cite}）",
                                   f"{name} belongs to the undertaking unit: may not be an expert on this decision"))
            if s.exec(select(ExpertAssignment.id).where(ExpertAssignment.decision_id == d.id,
                                                        ExpertAssignment.user_id == u.id)).first() is not None:
                raise BadInput(f"专家 {name} 已选定 / is already assigned to this decision")
        if unmet:
            raise Blocked(unmet)
        stamp = now_iso()
        for u in rows:
            s.add(ExpertAssignment(decision_id=d.id or 0, user_id=u.id or 0,
                                   declaration="无直接利害关系 / no direct interest declared",
                                   by_user_id=actor.user_id, at=stamp))
        record_event(s, d, actor, role, "expert_assign", {"experts": usernames, "direct_interest": "no"})
        touch(d)
        uow.commit()
        return {"id": d.id, "assigned": usernames, "state": d.state}


def assigned_experts(ident: str | int) -> list[str]:
    """The usernames assigned to the decision's panel, in order of assignment."""
    with UnitOfWork() as uow:
        s = uow.session
        d = get_decision(s, ident)
        rows = s.exec(select(User.username).join(ExpertAssignment, col(ExpertAssignment.user_id) == User.id)
                      .where(ExpertAssignment.decision_id == d.id).order_by(col(ExpertAssignment.id)))
        return list(rows)
