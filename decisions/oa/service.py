"""Use cases of working like an OA: urging (催办) and the head's instruction (批示), and whom they reach — the
users who act next on the decision (``decisions.oa.rules``, resolved against offices, the expert panel and the
organ's reviewing office).

Both are events of the decision's own audit chain (its 流转记录 and the dossier's prose), and both put a notice
in the inbox of the users who act next. Neither changes the decision's state or its rows, so neither bumps its
version: an urge never makes the urged user's concurrent work conflict. An archived decision refuses both
(``require_writable``, exit 3).
"""

from __future__ import annotations

import secrets

from sqlmodel import Session, col, select

from decisions.accounts.models import User
from decisions.accounts.permissions import Actor, DecisionScope, role_applies
from decisions.accounts.service import actor_for
from decisions.deadlines import views as deadline_views
from decisions.deadlines.notify import notify, recipients
from decisions.errors import BadInput, Blocked, NotPermitted, Unmet
from decisions.oa import rules
from decisions.procedure import metadata, registers
from decisions.procedure.models import Decision, ExpertAssignment
from decisions.procedure.service import blocking, get_decision, profile_of, record_event, scope_of
from decisions.storage.unit_of_work import UnitOfWork

URGE, INSTRUCTION = "urge", "instruction"
URGE_ROLES = ("decision_organ", "head")       # the organ's; and the head of the undertaking unit
INSTRUCT_ROLES = ("head",)                    # the organ's head; and the head of the undertaking unit
MAX_TEXT = 2000
ARTICLE = "Art 38"


# ----------------------------------------------------------------- who acts next
def next_of(s: Session, d: Decision) -> dict:
    """The roles that act next on `d` and why (unmet requirements, an overdue date)."""
    profile = profile_of(d)
    unmet = blocking(s, d)
    dues = deadline_views.upcoming(s, d, profile)
    overdue = any(x["overdue"] for x in dues)
    assigned = s.exec(select(ExpertAssignment.id).where(ExpertAssignment.decision_id == d.id)).first() is not None
    roles = rules.next_roles(profile, d.state, [u.requirement for u in unmet], overdue=overdue,
                             archived=bool(d.archived_at), experts_assigned=assigned)
    return {"roles": roles, "unmet": unmet, "overdue": overdue, "task": rules.task_label(
        d.state, roles, [u.requirement for u in unmet])}


def applies_next(s: Session, d: Decision, role: str, actor: Actor, scope: DecisionScope,
                 review_offices: dict[int, int | None] | None = None) -> bool:
    """Does `role` of `actor` make them one who acts next, once `role` is among the next roles? Within the role's
    scope; an expert only if assigned to the panel (Art 20); a legality reviewer only of the organ's registered
    reviewing office, when one is registered (Art 25). `review_offices`: a memo (organ id → its reviewing
    office's id) kept by a caller asking for many decisions in one transaction (my tasks: one read per organ,
    not two per decision)."""
    if role not in actor.roles or not role_applies(role, actor, scope):
        return False
    if role == "expert":
        return s.exec(select(ExpertAssignment.id).where(ExpertAssignment.decision_id == d.id,
                                                        ExpertAssignment.user_id == actor.user_id)).first() is not None
    if role == "legality_reviewer":
        memo = {} if review_offices is None else review_offices
        if d.organ_id not in memo:
            office = registers.review_office_of(s, d.organ_id)
            memo[d.organ_id] = office.id if office else None
        return memo[d.organ_id] is None or memo[d.organ_id] == actor.office_id
    return True


def next_users(s: Session, d: Decision, roles: list[str]) -> list[User]:
    """The users who act next: those holding the next roles within the decision's scope (notify.recipients),
    experts only of the panel, reviewers only of the registered reviewing office."""
    users = recipients(s, d, [r for r in roles if r not in ("expert", "legality_reviewer")])
    if "legality_reviewer" in roles:
        office = registers.review_office_of(s, d.organ_id)
        users += [u for u in recipients(s, d, ["legality_reviewer"]) if office is None or u.office_id == office.id]
    if "expert" in roles:
        users += s.exec(select(User).join(ExpertAssignment, col(ExpertAssignment.user_id) == col(User.id))
                        .where(ExpertAssignment.decision_id == d.id, col(User.active).is_(True))).all()
    users = list({u.id: u for u in users}.values())
    return sorted(users, key=lambda u: u.id or 0)


def leader_role(actor: Actor, scope: DecisionScope, allowed: tuple[str, ...], action: str, d: Decision) -> str:
    """The role under which `actor` may urge or instruct: one of `allowed` of the organ, or the head of the
    undertaking unit; NotPermitted (exit 4) naming the user, the decision and who may."""
    for role in allowed:
        if role in actor.roles and role_applies(role, actor, scope):
            return role
    if "head" in actor.roles and actor.office_id in scope.undertaker_ids:
        return "head"
    held = ", ".join(actor.roles) or "none"
    who = "、".join({"decision_organ": "决策机关", "head": "行政首长"}[r] for r in allowed)
    raise NotPermitted(f"用户 {actor.username}（{held}，{actor.office_code}）无权对决策 #{d.id} {action}："
                       f"须为本决策的{who}或承办单位负责人 / only the organ's {', '.join(allowed)} or the head of the "
                       f"undertaking unit may do this")


def _text(value: str, what: str) -> str:
    value = metadata.check_text(value or "", what, MAX_TEXT).strip()
    if not value:
        raise BadInput(f"{what} 不能为空 / {what} must not be empty")
    return value


# ----------------------------------------------------------------- urging and instructions
def _leader_act(s: Session, ident: str | int, as_user: str, roles: tuple[str, ...],
                what: str) -> tuple[Decision, Actor, str, dict, list[User]]:
    """What 催办 and 批示 share: the decision, the acting leader and their role (exit 4 otherwise; an archived
    decision exit 3), who acts next and those users other than the leader."""
    d = get_decision(s, ident)
    actor = actor_for(s, as_user)
    scope = scope_of(s, d, actor)   # an archived decision refuses here (exit 3)
    role = leader_role(actor, scope, roles, what, d)
    nxt = next_of(s, d)
    return d, actor, role, nxt, [u for u in next_users(s, d, nxt["roles"]) if u.id != actor.user_id]


def urge(ident: str | int, *, message: str, as_user: str) -> dict:
    """催办: the organ or the undertaking unit's head presses the users who act next (a notice in their inbox,
    an event in the 流转记录). Blocked (exit 3) when nobody acts next (a finished decision)."""
    message = _text(message, "--message")
    with UnitOfWork() as uow:
        s = uow.session
        d, actor, role, nxt, users = _leader_act(s, ident, as_user, URGE_ROLES, "催办 / urge")
        if not users:
            raise Blocked([Unmet(f"{d.state}.urge", ARTICLE,
                                 f"决策 {d.code} 当前没有待办理的人员，无需催办（依据第三十八条督查要求）",
                                 f"nobody acts next on {d.code}: nothing to urge")])
        to = [u.username for u in users]
        record_event(s, d, actor, role, URGE, {"message": message, "to": to, "to_roles": nxt["roles"],
                                               "state": d.state, "article": ARTICLE})
        notify(s, users, dedupe=f"urge:{d.id}:{secrets.token_hex(6)}", kind=URGE,
               subject=f"催办：{d.code}「{d.title}」", body=f"{actor.username} 催办：{message}",
               article=ARTICLE, decision_id=d.id)
        uow.commit()
        return {"id": d.id, "code": d.code, "state": d.state, "by": actor.username, "role": role,
                "message": message, "to": to, "to_names": [u.name for u in users], "to_roles": nxt["roles"]}


def instruct(ident: str | int, *, text: str, as_user: str) -> dict:
    """批示: the head's instruction or comment on the decision, at any stage before it is archived; recorded on
    the decision's chain and sent to the users who act next."""
    text = _text(text, "--text")
    with UnitOfWork() as uow:
        s = uow.session
        d, actor, role, nxt, users = _leader_act(s, ident, as_user, INSTRUCT_ROLES, "批示 / instruct on")
        to = [u.username for u in users]
        record_event(s, d, actor, role, INSTRUCTION, {"text": text, "state": d.state, "to": to})
        notify(s, users, dedupe=f"instruction:{d.id}:{secrets.token_hex(6)}", kind=INSTRUCTION,
               subject=f"领导批示：{d.code}「{d.title}」", body=f"{actor.username} 批示：{text}",
               decision_id=d.id)
        uow.commit()
        return {"id": d.id, "code": d.code, "state": d.state, "by": actor.username, "role": role, "text": text,
                "to": to}
