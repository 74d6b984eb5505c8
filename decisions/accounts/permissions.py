"""Who may act on a decision, in which role (procedure.md §6). Checked in the service layer only.

A role counts only within its scope: drafters in the undertaking unit(s), the organ's own roles in
the organ, reviewers and advisers never from the undertaking unit (separation of duties).
What a user may *read* (oversight of subordinate organs, auditors, the CLI's --as) is decided in
decisions/scope.py, which builds on these rules and never lets anyone act.
"""

from __future__ import annotations

from dataclasses import dataclass

from decisions.errors import NotPermitted

ROLE_NAMES_ZH = {
    "admin": "系统管理员", "decision_organ": "决策机关", "head": "行政首长", "drafter": "决策承办单位",
    "legality_reviewer": "合法性审查机构", "legal_adviser": "法律顾问/公职律师", "expert": "专家",
    "secretary": "会议秘书", "executor": "决策执行单位", "archivist": "档案管理员", "auditor": "审计/监督（只读）",
    "assessor": "风险评估机构",
}
READ_ONLY = {"auditor", "archivist"}
INDEPENDENT = {"legality_reviewer", "legal_adviser", "expert", "assessor"}


@dataclass(frozen=True)
class Actor:
    user_id: int
    username: str
    office_id: int
    office_code: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class DecisionScope:
    organ_id: int
    undertaker_ids: frozenset[int]
    organ_subtree: frozenset[int]
    executing_unit_id: int | None


def role_applies(role: str, actor: Actor, scope: DecisionScope) -> bool:
    office = actor.office_id
    if role == "drafter":
        return office in scope.undertaker_ids
    if role in ("decision_organ", "head", "secretary"):
        return office == scope.organ_id
    if role in INDEPENDENT:
        if office in scope.undertaker_ids:
            return False
        # reviewers and legal advisers work for the organ their office belongs to; expert pools and commissioned
        # assessors (Art 23: a third party) may sit outside every government, so they apply wherever they are not
        # of the undertaking unit (the assignment to the decision is checked where they file: registers.check_author)
        return office in scope.organ_subtree if role in ("legality_reviewer", "legal_adviser") else True
    if role == "executor":
        if scope.executing_unit_id is not None:
            return office == scope.executing_unit_id
        return office in scope.undertaker_ids
    if role == "archivist":
        return office in scope.organ_subtree
    return False  # admin and auditor take no procedural action


def authorize(actor: Actor, scope: DecisionScope, allowed: list[str] | tuple[str, ...], action: str) -> str:
    """The role under which `actor` may do `action`, or NotPermitted naming who may."""
    for role in allowed:
        if role in actor.roles and role_applies(role, actor, scope):
            return role
    wanted = "、".join(ROLE_NAMES_ZH.get(r, r) + f"({r})" for r in allowed) or "（无）"
    held = ", ".join(actor.roles) or "none"
    sod = ""
    if INDEPENDENT & set(allowed) & set(actor.roles) and actor.office_id in scope.undertaker_ids:
        sod = "；承办单位人员不得在同一决策中担任合法性审查、法律顾问、专家或受托风险评估机构 / separation of duties"
    raise NotPermitted(f"用户 {actor.username}（{held}，{actor.office_code}）无权{action}；"
                       f"需要本决策范围内的角色：{wanted}{sod}")
