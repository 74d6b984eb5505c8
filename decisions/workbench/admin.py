"""Read models of the workbench's administration pages (users, offices, registers, experts, calendar, catalogs).

Only reads and the names the pages show; every change goes through the use case the CLI calls
(``accounts.service``, ``procedure.registers``, ``procedure.experts``, ``deadlines.calendar``, ``catalog.service``),
which checks the permission. What each role may do is stated once here (``ABILITIES``) for the pages to show.
"""

from __future__ import annotations

from sqlmodel import col, select

from decisions import clock
from decisions.accounts.models import Office, User, UserRole
from decisions.accounts.service import LEVELS
from decisions.procedure.models import CalendarYear, Decision, OrganMember
from decisions.storage.unit_of_work import UnitOfWork
from decisions.workbench.views import role_name
from workflow import profiles

LEVEL_NAMES = {"zh": {"province": "省级", "city": "市级", "county": "县级", "department": "部门", "township": "乡镇"},
               "en": {"province": "province", "city": "city", "county": "county", "department": "department",
                      "township": "township"}}

#: who may do what on the administration pages (the service layer decides; this is what the pages say)
ABILITIES = {
    "users": ("admin",),                                  # accounts.service.operator_of
    "offices": ("admin",),
    "members": ("admin", "decision_organ"),               # registers.register_member: admin or the organ's office
    "review_office": ("admin",),                          # registers.set_review_office
    "experts": ("drafter",),                              # experts.assign_experts: the undertaking unit
    "calendar": ("admin",),                               # deadlines.calendar (operator_of)
    "catalog": ("admin", "decision_organ", "head"),       # catalog.service._actor: admin or the organ
}


def may(roles: list[str] | tuple[str, ...], page: str) -> bool:
    """Whether a user with `roles` is offered the page (the use cases refuse anyone else anyway)."""
    return bool(set(roles) & set(ABILITIES[page]))


def abilities(lang: str = "zh") -> list[dict]:
    """The permission table the pages show: each task with the roles that may do it, named."""
    return [{"task": task, "roles": [role_name(r, lang) for r in roles]} for task, roles in ABILITIES.items()]


def roles(lang: str = "zh") -> list[dict]:
    """Every role with its name, in the profile's order."""
    return [{"key": r, "name": role_name(r, lang)} for r in profiles.ROLES]


def levels(lang: str = "zh") -> list[dict]:
    return [{"key": lv, "name": LEVEL_NAMES["en" if lang == "en" else "zh"].get(lv, lv)} for lv in LEVELS]


def profile_names(lang: str = "zh") -> dict[str, str]:
    """Every procedure profile by its title (the key stays out of sight)."""
    out = {}
    for name in profiles.available():
        p = profiles.load(name)
        out[name] = p.title_zh if lang == "zh" else p.title_en
    return out


def offices_table(lang: str = "zh") -> list[dict]:
    """Every office with its level, parent and procedure profile."""
    with UnitOfWork() as uow:
        rows = uow.session.exec(select(Office).order_by(col(Office.code))).all()
        by_id = {o.id: o for o in rows}
        names = LEVEL_NAMES["en" if lang == "en" else "zh"]
        titles = profile_names(lang)
        return [{"code": o.code, "name": o.name, "level": names.get(o.level, o.level),
                 "parent": by_id[o.parent_id].name if o.parent_id in by_id else "",
                 "profile": titles.get(o.profile, o.profile)}
                for o in rows]


def organs() -> list[dict]:
    """Offices that act as decision organs: governments (not departments), any office with a meeting register
    or with decisions of its own."""
    with UnitOfWork() as uow:
        s = uow.session
        ids = set(s.exec(select(OrganMember.organ_id)).all()) | set(s.exec(select(Decision.organ_id)).all())
        rows = s.exec(select(Office).order_by(col(Office.code))).all()
        return [{"code": o.code, "name": o.name} for o in rows if o.level != "department" or o.id in ids]


def user_choices(role: str | None = None) -> list[dict]:
    """Active users (with a role, when given) for a choice box: username, name, office."""
    with UnitOfWork() as uow:
        q = (select(User.username, User.name, Office.code, Office.name).join(Office, col(Office.id) == User.office_id)
             .where(col(User.active).is_(True)).order_by(col(User.username)))
        if role:
            q = q.join(UserRole, col(UserRole.user_id) == User.id).where(UserRole.role == role)
        return [{"username": u, "name": n, "office": c, "office_name": on} for u, n, c, on in uow.session.exec(q)]


def expert_pool() -> list[dict]:
    """The expert pool: every active user with the expert role, with the office (库) they belong to."""
    return user_choices("expert")


def calendar_years() -> list[dict]:
    """The confirmed years with the notice they were confirmed on (procedure.md §8)."""
    with UnitOfWork() as uow:
        return [{"year": y.year, "notice_ref": y.notice_ref, "confirmed_at": y.confirmed_at,
                 "confirmed_by": y.confirmed_by, "rows": y.rows_imported}
                for y in uow.session.exec(select(CalendarYear).order_by(col(CalendarYear.year)))]


def this_year() -> int:
    return clock.today().year


def panel_decisions(username: str) -> list[dict]:
    """Decisions the user's unit undertakes that may still get experts (up to expert review), with the experts
    assigned so far: the choices of the expert-panel page (``experts.assign_experts`` decides)."""
    from decisions.accounts.service import actor_for
    from decisions.procedure.models import ExpertAssignment
    from decisions.procedure.service import profile_of

    with UnitOfWork() as uow:
        s = uow.session
        actor = actor_for(s, username)
        out = []
        for d in s.exec(select(Decision).where(Decision.undertaker_id == actor.office_id)
                        .order_by(col(Decision.id).desc())):
            profile = profile_of(d)
            if "expert_review" not in profile.stages or d.state not in profile.stages:
                continue
            if profile.stage_index(d.state) > profile.stage_index("expert_review"):
                continue
            names = s.exec(select(User.username, User.name)
                           .join(ExpertAssignment, col(ExpertAssignment.user_id) == User.id)
                           .where(ExpertAssignment.decision_id == d.id).order_by(col(ExpertAssignment.id))).all()
            out.append({"id": d.id, "code": d.code, "title": d.title, "state": d.state,
                        "assigned": [{"username": u, "name": n} for u, n in names]})
        return out
