"""The archive page's 归档 form (Art 33): whether a user may file a decision now, and whom the filer may name
as the second person who checks it (检查人). `service.file_decision` checks everything again."""

from __future__ import annotations

from sqlmodel import select

from decisions.accounts.permissions import role_applies
from decisions.accounts.service import actor_for
from decisions.archive.models import ArchiveFiling
from decisions.deadlines.notify import recipients
from decisions.procedure.service import get_decision, profile_of, scope_of
from decisions.storage.unit_of_work import UnitOfWork


def filing_choices(ident: str | int, username: str) -> dict:
    """`may`: `username` is a filer of this decision and it has ended, not yet filed; `checkers`: the users of the
    profile's checker roles in its scope other than the filer; `filed`: the 档号 once filed. Never raises for a
    refusal (the page just shows no form)."""
    with UnitOfWork() as uow:
        s = uow.session
        d = get_decision(s, ident)
        rules = profile_of(d).archive
        filed = s.exec(select(ArchiveFiling.code).where(ArchiveFiling.decision_id == d.id)).first()
        none = {"may": False, "checkers": [], "filed": filed, "article": rules.article}
        if filed is not None or d.archived_at or d.state not in rules.fileable:
            return none  # filed already (scope_of refuses an archived decision), or not ended
        actor = actor_for(s, username)
        sc = scope_of(s, d, actor)
        if not any(r in actor.roles and role_applies(r, actor, sc) for r in rules.filer_roles):
            return none
        checkers = [{"username": u.username, "name": u.name} for u in recipients(s, d, list(rules.checker_roles))
                    if u.id != actor.user_id]
        return {**none, "may": bool(checkers), "checkers": checkers}
