"""Read models of the Streamlit workbench: my tasks, the decision page, the meeting checklist,
dashboard figures, the catalog overview and the public page. Nothing here writes, except the dashboard's
kept figures (tables dashboardfigure and dashboardorgan, caches: see ``FIGURES_FRESH_SECONDS``, ``_organ_rows``).

Each function opens its own UnitOfWork and checks what the user may see with decisions/scope.py (the
one read scope of a multi-office deployment, also behind the CLI's --as). Lists are built with a few
indexed queries and bounded pages, so a page costs about the same with 100 or 10,000 decisions.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import lru_cache

from sqlalchemy import and_, case, exists, literal_column, or_, text
from sqlmodel import Session, col, func, select

from decisions import clock, scope
from decisions.directory import actor_for
from decisions.errors import NotFound, Unmet
from decisions.models import (
    CalendarOverride,
    CatalogItem,
    Decision,
    Evidence,
    Meeting,
    Office,
    StageStatus,
    TriggerDetermination,
    User,
    UserRole,
)
from decisions.models_participation import Opinion
from decisions.permissions import ROLE_NAMES_ZH, role_applies
from decisions.service import SIDE_ACTIONS, calendar_for, get_decision, profile_of, snapshot_of
from decisions.unit_of_work import UnitOfWork
from workflow import gates, machine, profiles
from workflow.calendar import WorkCalendar
from workflow.profiles import Profile

ROLE_NAMES_EN = {
    "admin": "Administrator", "decision_organ": "Decision organ", "head": "Head of government",
    "drafter": "Undertaking unit", "legality_reviewer": "Legality reviewer", "legal_adviser": "Legal adviser",
    "expert": "Expert", "secretary": "Meeting secretary", "executor": "Executing unit", "archivist": "Archivist",
    "auditor": "Auditor (read-only)",
}
TERMINAL = ("closed", "excluded", "rejected", "withdrawn")
OVERVIEW_ROLES = ("admin", "auditor", "decision_organ", "head", "secretary", "archivist")
DRAFTER_STATES = ("proposed", "drafting", "public_participation", "expert_review", "risk_assessment",
                  "fair_competition_review", "legality_review")
ROLE_STATES: dict[str, tuple[str, ...]] = {
    "decision_organ": ("proposed", "party_report", "publication", "execution", "deferred"),
    "head": ("collective_discussion", "suspended"),
    "secretary": ("collective_discussion",),
    "drafter": DRAFTER_STATES,
    "legality_reviewer": ("legality_review",),
    "legal_adviser": ("legality_review",),
    "expert": ("expert_review",),
    "executor": ("execution", "suspended"),
    "archivist": ("closed",),
}


# ----------------------------------------------------------------- identity
def whoami(username: str) -> dict:
    """The signed-in user as the workbench needs it: name, office, roles (fresh from the database)."""
    with UnitOfWork() as uow:
        s = uow.session
        actor = actor_for(s, username)
        user = s.get(User, actor.user_id)
        office = s.get(Office, actor.office_id)
        assert user is not None and office is not None
        return {"username": actor.username, "name": user.name, "office": office.code, "office_name": office.name,
                "office_level": office.level, "roles": list(actor.roles)}


def role_name(role: str, lang: str = "zh") -> str:
    return (ROLE_NAMES_ZH if lang == "zh" else ROLE_NAMES_EN).get(role, role)


# ----------------------------------------------------------------- scopes
# What a user may read is decided in one place, decisions/scope.py (also used by the CLI's --as).
def can_view(username: str, ident: str | int) -> bool:
    """May `username` open this decision? (decisions.scope: the same rule as every list.)"""
    with UnitOfWork() as uow:
        s = uow.session
        d = get_decision(s, ident)
        return scope.can_read(s, scope.reader(s, username), d.id or 0)


# ----------------------------------------------------------------- due dates
_CN_DATE = re.compile(r"(?:(\d{4})年)?\s*(\d{1,2})月(?:\s*(\d{1,2})日)?")


def planned_date(planned_time: str, year: int) -> date | None:
    """The catalog's planned time ('10月30日', '2022年6月', '2026-06-30') as a date, or None."""
    t = (planned_time or "").strip()
    if not t:
        return None
    try:
        return date.fromisoformat(t[:10])
    except ValueError:
        pass
    m = _CN_DATE.search(t)
    if not m:
        return None
    y, mo = int(m.group(1) or year), int(m.group(2))
    if not 1 <= mo <= 12:
        return None
    if m.group(3):
        try:
            return date(y, mo, int(m.group(3)))
        except ValueError:
            return None
    nxt = date(y + (mo == 12), mo % 12 + 1, 1)
    return nxt - timedelta(days=1)


def _add_months(d: date, months: int) -> date:
    m = d.month - 1 + months
    y, m = d.year + m // 12, m % 12 + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(y, m, day)
        except ValueError:
            continue
    return date(y, m, 28)


def _iso_day(text_: str) -> date | None:
    try:
        return datetime.fromisoformat(text_).date() if "T" in text_ else date.fromisoformat(text_[:10])
    except (ValueError, TypeError):
        return None


def _external_deadlines(decision_id: int) -> list[dict] | None:
    """The open deadlines the scheduler (decisions.deadlines, `juece worker`) keeps for this decision;
    None when that module is not installed or has no row for the decision yet."""
    try:
        from decisions import deadlines as scheduler
    except ImportError:
        return None
    try:
        rows = scheduler.deadlines(decision_id, status="open")
    except Exception:  # noqa: BLE001 - an older schema: the workbench computes its own dates
        return None
    return _external_rows(rows)


def _external_deadlines_of(decision_ids: list[int]) -> dict[int, list[dict] | None]:
    """``_external_deadlines`` for a page of decisions in one query (its own unit of work, as the scheduler's)."""
    out: dict[int, list[dict] | None] = dict.fromkeys(decision_ids)
    if not decision_ids:
        return out
    try:
        from decisions.models_deadlines import Deadline
    except ImportError:
        return out
    rows: dict[int, list[dict]] = {}
    try:
        with UnitOfWork() as uow:
            for r in uow.session.exec(select(Deadline).where(col(Deadline.decision_id).in_(decision_ids),
                                                             Deadline.status == "open")
                                      .order_by(col(Deadline.due), col(Deadline.id))):
                rows.setdefault(r.decision_id or 0, []).append(
                    {"title": r.title, "rule": r.rule, "due": r.due, "article": r.article,
                     "provisional": r.provisional})
    except Exception:  # noqa: BLE001 - an older schema: the workbench computes its own dates
        return out
    for did, rs in rows.items():
        out[did] = _external_rows(rs)
    return out


def _external_rows(rows: list[dict]) -> list[dict] | None:
    today = clock.today()
    out = []
    for r in rows:
        due = _iso_day(str(r.get("due", "")))
        if due is None:
            continue
        out.append({"what": r.get("title") or r.get("rule", ""), "due": due.isoformat(), "article": r.get("article", ""),
                    "overdue": due < today, "days_left": (due - today).days, "source": "scheduler",
                    "provisional": bool(r.get("provisional"))})
    return out or None


def deadlines(s: Session, d: Decision, profile: Profile, lang: str = "zh", page: _Page | None = None) -> list[dict]:
    """What is due for this decision. The scheduler's deadline table when it has rows for the decision
    (issue 6: reminders, escalation); otherwise computed here from the record: review window, comment
    period end, report cadence, catalog plan. The legality review window is always computed here (the
    reviewer's countdown in working days). `page`: the same rows loaded for a whole page (my tasks)."""
    today = clock.today()
    out: list[dict] = []
    external = page.external.get(d.id or 0) if page is not None else _external_deadlines(d.id or 0)

    def add(what_zh: str, what_en: str, due: date, article: str, overdue: bool, **extra: object) -> None:
        out.append({"what": what_zh if lang == "zh" else what_en, "due": due.isoformat(), "article": article,
                    "overdue": overdue, "days_left": (due - today).days, **extra})

    def newest(kind: str) -> Evidence | None:
        if page is not None:
            return next((e for e in reversed(page.evidence.get(d.id or 0, [])) if e.kind == kind), None)
        return s.exec(select(Evidence).where(Evidence.decision_id == d.id, Evidence.kind == kind,
                                             Evidence.round == d.round)
                      .order_by(col(Evidence.id).desc()).limit(1)).first()

    if d.state == "legality_review":
        sub = newest("legality_submission")
        submitted = _iso_day(str(sub.meta.get("submitted", ""))) if sub else None
        if submitted:
            need = int(profile.params.get("legality_review_working_days", 7))
            cal = page.calendar(profile) if page is not None else calendar_for(s, profile)
            end, provisional = cal.add_workdays(submitted, need)
            # past the window's end at least `need` working days were used (end is the need-th after submitted):
            # no day-by-day count over the years a stalled review may have waited
            used = need if today >= end else cal.workdays_between(submitted, max(today, submitted))[0]
            add(f"合法性审查期（不少于{need}个工作日）届满", f"legality review window ({need} working days) ends",
                end, "Art 26¶2", False, workdays_left=max(need - used, 0), workdays_total=need,
                provisional=provisional)
    if external is not None:
        return sorted(out + external, key=lambda o: o["due"])
    if d.state == "public_participation":
        if page is not None:
            acts = [e for e in page.evidence.get(d.id or 0, []) if e.kind == "participation_activity"]
        else:
            acts = s.exec(select(Evidence).where(Evidence.decision_id == d.id,
                                                 Evidence.kind == "participation_activity",
                                                 Evidence.round == d.round)).all()
        for a in acts:
            end = _iso_day(str(a.meta.get("end", "")))
            if a.meta.get("form") == "open_comment" and end:
                add("公开征求意见截止", "open comment period ends", end, "Art 15", False)
            hearing = _iso_day(str(a.meta.get("hearing_date", "")))
            if a.meta.get("form") == "hearing" and hearing:
                add("听证会", "hearing", hearing, "Art 16", False)
    if d.state == "execution":
        months = int(profile.params.get("execution_report_months", 6))
        last = newest("execution_report")
        since = _iso_day(last.at if last else d.state_entered_at) or today
        due = _add_months(since, months)
        add(f"执行情况报告（每{months}个月）", f"execution report (every {months} months)", due, "Art 34", due < today)
    if d.catalog_item_id and d.state in profile.stage_order and \
            profile.stage_index(d.state) <= profile.stage_index("collective_discussion"):
        item = page.items.get(d.catalog_item_id) if page is not None else s.get(CatalogItem, d.catalog_item_id)
        planned = planned_date(item.planned_time, item.year) if item else None
        if planned:
            add("目录计划完成时间", "catalog planned completion", planned, "Art 3¶3", planned < today)
    return sorted(out, key=lambda o: o["due"])


# ----------------------------------------------------------------- my tasks
class _Page:
    """What ``service.snapshot_of`` and ``deadlines`` read per decision, loaded for a whole page of decisions
    with one query per table (``WHERE decision_id IN (...)``), the calendar overrides once."""

    def __init__(self, s: Session, rows: list[Decision]) -> None:
        ids = [d.id or 0 for d in rows]
        rounds = {d.id or 0: d.round for d in rows}
        self.triggers: dict[int, dict[str, gates.Determination]] = {i: {} for i in ids}
        self.evidence: dict[int, list[Evidence]] = {i: [] for i in ids}   # current round, oldest first
        self.approved: set[int] = set()
        self.ledger: dict[tuple[int, str], int] = {}
        self.items: dict[int, CatalogItem] = {}
        self.external: dict[int, list[dict] | None] = _external_deadlines_of(ids)
        self._overrides = {date.fromisoformat(o.day): o.is_workday for o in s.exec(select(CalendarOverride))}
        self._calendars: dict[tuple[str, str], WorkCalendar] = {}
        if not ids:
            return
        for t in s.exec(select(TriggerDetermination).where(col(TriggerDetermination.decision_id).in_(ids))):
            self.triggers[t.decision_id][t.name] = gates.Determination(t.value, t.reason)
        for e in s.exec(select(Evidence).where(col(Evidence.decision_id).in_(ids)).order_by(col(Evidence.id))):
            if e.round == rounds[e.decision_id]:
                self.evidence[e.decision_id].append(e)
        for did, rnd in s.exec(select(Meeting.decision_id, Meeting.round)
                               .where(col(Meeting.decision_id).in_(ids), Meeting.outcome == "approve")):
            if rnd == rounds[did]:
                self.approved.add(did)
        for did, rnd, disposition, n in s.exec(
                select(Opinion.decision_id, Opinion.round, Opinion.disposition, func.count())
                .where(col(Opinion.decision_id).in_(ids))
                .group_by(Opinion.decision_id, Opinion.round, Opinion.disposition)):
            if rnd == rounds[did]:
                self.ledger[(did, disposition)] = n
        item_ids = {d.catalog_item_id for d in rows if d.catalog_item_id}
        if item_ids:
            self.items = {i.id or 0: i for i in s.exec(select(CatalogItem).where(col(CatalogItem.id).in_(item_ids)))}

    def calendar(self, profile: Profile) -> WorkCalendar:
        """``service.calendar_for`` without reading the overrides again."""
        key = (profile.name, profile.version)
        if key not in self._calendars:
            self._calendars[key] = WorkCalendar.build(profile.params.get("calendar_extra_holidays", []),
                                                      profile.params.get("calendar_extra_workdays", []),
                                                      self._overrides)
        return self._calendars[key]

    def snapshot(self, d: Decision, profile: Profile) -> gates.Snapshot:
        """``service.snapshot_of`` from the page's rows."""
        did = d.id or 0
        by = {k: n for (i, k), n in self.ledger.items() if i == did}
        ledger = {"received": sum(by.values()), "adopted": by.get("adopted", 0),
                  "partially_adopted": by.get("partially_adopted", 0), "not_adopted": by.get("not_adopted", 0),
                  "pending": by.get("", 0)}
        items = [gates.Item(e.id or 0, e.kind, dict(e.meta), e.stage, e.role, e.filename)
                 for e in self.evidence[did]]
        return gates.Snapshot(triggers=dict(self.triggers[did]), items=items, approved_meeting=did in self.approved,
                              meeting_date=None, calendar=self.calendar(profile), ledger=ledger)

    def blocking(self, d: Decision) -> list[Unmet]:
        """``service.blocking`` from the page's rows."""
        profile = profile_of(d)
        if d.state not in profile.stages:
            return []
        unmet, _dest, _skipped = gates.unmet_to_leave(profile, d.state, self.snapshot(d, profile))
        return unmet


def _fixers(profile: Profile, requirement: str) -> list[str]:
    """Roles that can satisfy one unmet requirement ('stage.kind...', 'stage.trigger.x', ...)."""
    parts = requirement.split(".")
    if len(parts) < 2:
        return []
    stage, what = parts[0], parts[1]
    if what == "trigger":
        return ["drafter"]
    if what in ("meeting", "meeting_type", "head", "members", "head_last", "quorum", "head_reason"):
        return ["secretary"]
    if what == "state":
        return []
    if what in profile.kinds:
        return list(profile.kinds[what].roles)
    st = profile.stages.get(stage)
    return list(st.advance_roles) if st else []


def _advance_roles(profile: Profile, state: str) -> list[str]:
    st = profile.stages.get(state)
    return list(st.advance_roles) if st else []


def my_tasks(username: str, *, lang: str = "zh", limit: int = 25, offset: int = 0) -> dict:
    """What is waiting for this user: decisions in a stage where one of their roles acts, oldest first,
    each with its due dates (overdue marked), its blocking requirements and which of them are theirs."""
    with UnitOfWork() as uow:
        s = uow.session
        r = scope.reader(s, username)
        actor = r.actor
        assert actor is not None
        clauses = []
        for role in actor.roles:
            states = ROLE_STATES.get(role)
            if states:
                # an adviser may act on any decision outside their own unit, but works for the organs their
                # office serves; what a task shows is always within what the user may read (decisions.scope)
                scope_role = "legality_reviewer" if role == "legal_adviser" else role
                clauses.append(and_(col(Decision.state).in_(states), scope.role_clause(r, scope_role)))
        if not clauses:
            return {"total": 0, "tasks": [], "overdue": 0}
        where = or_(*clauses)
        visible = scope.visible_clause(r)
        if visible is not None:
            where = and_(where, visible)
        total = s.exec(select(func.count()).select_from(Decision).where(where)).one()
        rows = s.exec(select(Decision).where(where).order_by(col(Decision.state_entered_at), col(Decision.id))
                      .offset(offset).limit(limit)).all()
        tasks = []
        today = clock.today()
        scopes = scope.decision_scopes(s, list(rows), r.tree)
        page = _Page(s, list(rows))
        for d in rows:
            profile = profile_of(d)
            mine = [role for role in actor.roles if role_applies(role, actor, scopes[d.id or 0])]
            unmet = page.blocking(d)
            yours = [u for u in unmet if set(_fixers(profile, u.requirement)) & set(mine)]
            adv_roles = _advance_roles(profile, d.state)
            can_advance = not unmet and bool(set(adv_roles) & set(mine))
            if d.state == "collective_discussion":
                action = "meeting" if "secretary" in mine else "await_meeting"
            elif d.state in ("deferred", "suspended"):
                action = "resume" if {"decision_organ", "head"} & set(mine) else "wait"
            elif d.state == "closed":
                action = "archive"
            elif can_advance:
                action = "advance"
            elif yours:
                action = "provide"
            else:
                action = "wait"
            dues = deadlines(s, d, profile, lang, page)
            entered = _iso_day(d.state_entered_at) or today
            st = profile.stages.get(d.state)
            tasks.append({
                "id": d.id, "code": d.code, "title": d.title, "state": d.state,
                "state_name": getattr(st, f"name_{lang}") if st else d.state,
                "article": st.article if st else "", "entered_at": d.state_entered_at,
                "days_in_stage": (today - entered).days, "roles": mine, "action": action,
                "blocking": [u.to_json() for u in unmet], "yours": [u.to_json() for u in yours],
                "can_advance": can_advance, "deadlines": dues,
                "due": dues[0]["due"] if dues else None,
                "overdue": any(x["overdue"] for x in dues),
            })
        return {"total": total, "tasks": tasks, "overdue": sum(t["overdue"] for t in tasks)}


# ----------------------------------------------------------------- lists and the decision page
_TRIGRAM = re.compile(r"[0-9A-Za-z]{3}")
"""A search text with such a run can use the trigram GIN indexes on decision.code and decision.title (a code
fragment such as 'C05-2024'); a two-character Chinese word ('停车') cannot (in any locale: pg_trgm needs three
word characters, and the benchmark's C locale counts only ASCII ones). The indexes are on `col || ''`, so a
plain `col LIKE` never reaches them: the planner cannot pick a trigram index for a text without trigrams (it
would read every entry: 250 ms at 100,000 instead of walking the newest decisions for the first page)."""

def decisions(username: str, *, state: str | list[str] | None = None, query: str = "", limit: int = 50,
              offset: int = 0, ids: list[int] | None = None) -> dict:
    """Decisions the user may open, newest first, filtered by state and a title/code search."""
    with UnitOfWork() as uow:
        s = uow.session
        q = select(Decision.id, Decision.code, Decision.title, Decision.state, Decision.updated_at, Office.code) \
            .join(Office, Office.id == Decision.organ_id)
        cq = select(func.count()).select_from(Decision)
        conds = []
        vis = scope.visible_clause(scope.reader(s, username))
        if vis is not None:
            conds.append(vis)
        if isinstance(state, list):
            conds.append(col(Decision.state).in_(state))
        elif state:
            conds.append(Decision.state == state)
        if ids is not None:
            conds.append(col(Decision.id).in_(ids))
        if query.strip():
            like = f"%{query.strip()}%"
            title, code = col(Decision.title), col(Decision.code)
            if _TRIGRAM.search(query) and s.get_bind().dialect.name == "postgresql":
                # the trigram GIN indexes of migration 0007 are on `code || ''` and `title || ''`: only a text
                # with a trigram is sent to them (pg_trgm reads every entry for one without)
                empty = literal_column("''")
                title, code = title.op("||")(empty), code.op("||")(empty)
            conds.append(or_(title.like(like), code.like(like)))
        for c in conds:
            q, cq = q.where(c), cq.where(c)
        total = s.exec(cq).one()
        rows = s.exec(q.order_by(col(Decision.id).desc()).offset(offset).limit(limit)).all()
        return {"total": total, "rows": [{"id": i, "code": c, "title": t, "state": st, "organ": o, "updated_at": u}
                                         for i, c, t, st, u, o in rows]}


def _kind_schema(profile: Profile, name: str, lang: str) -> dict:
    k = profile.kinds[name]
    intervals = []
    for stage in k.stages:
        st = profile.stages.get(stage)
        for r in (st.rules if st else []):
            if r.rule == "interval" and name in r.kinds:
                intervals.append({"where": dict(r.where), "from": r.from_, "to": r.to,
                                  "min_days": profile.param(r.min_days or 0), "unless": r.unless,
                                  "article": r.article})
    return {"kind": name, "name": getattr(k, f"name_{lang}"), "name_zh": k.name_zh, "name_en": k.name_en,
            "roles": list(k.roles),
            "meta": {key: {"type": f.type, "values": list(f.values), "required": f.required}
                     for key, f in k.meta.items()},
            "required_when": [{"where": dict(rw.where), "keys": list(rw.keys)} for rw in k.required_when],
            "order_keys": [list(p) for p in k.order_keys],
            "sum_check": ({"total": k.sum_check.total, "parts": list(k.sum_check.parts),
                           "article": k.sum_check.article} if k.sum_check else None),
            "intervals": intervals}


def decision_page(ident: str | int, username: str, *, lang: str = "zh") -> dict:
    """views.show plus what this user may do on it now (after checking that they may see it)."""
    from decisions import views

    with UnitOfWork() as uow:
        s = uow.session
        d = get_decision(s, ident)
        reader = scope.reader(s, username)
        scope.require_read(s, reader, d, "查看 / open")
        actor = reader.actor
        assert actor is not None
        dscope = scope.decision_scope(s, d, reader.tree)
        profile = profile_of(d)
        mine = [r for r in actor.roles if role_applies(r, actor, dscope)]
        kinds = [name for name, k in profile.kinds.items()
                 if d.state in k.stages and not k.via_meeting and set(k.roles) & set(mine)]
        side = []
        m = machine.build(profile)
        for action, (trigger, roles, article) in SIDE_ACTIONS.items():
            if set(roles) & set(mine) and m.get_transitions(trigger=trigger, source=d.state):
                side.append({"action": action, "article": article})
        adv_roles = _advance_roles(profile, d.state) if d.state in profile.stages else []
        if d.state in profile.stages and not adv_roles and d.state != "collective_discussion":
            adv_roles = list(profiles.ROLES)
        dues = deadlines(s, d, profile, lang)
        decision_id, state = d.id or 0, d.state
    page = views.show(decision_id, lang=lang)
    page["actions"] = {
        "roles": mine,
        "can_advance": bool(set(adv_roles) & set(mine)),
        "can_set_triggers": "drafter" in mine and state in ("proposed", "drafting"),
        "kinds": [_kind_schema(profile, k, lang) for k in kinds],
        "side": side,
        "meeting": "secretary" in mine and state == "collective_discussion",
    }
    page["profile_stages"] = [{"key": k, "name": getattr(profile.stages[k], f"name_{lang}"),
                               "article": profile.stages[k].article, "applies": profile.stages[k].applies}
                              for k in profile.stage_order]
    page["trigger_defs"] = [{"name": n, "label": getattr(t, f"name_{lang}"), "article": t.article,
                             "yes_needs_reason": t.yes_needs_reason} for n, t in profile.triggers.items()]
    page["deadlines"] = dues
    page["law"] = profile.law_zh
    return page


def kind_schema(ident: str | int, kind: str, *, lang: str = "zh") -> dict:
    with UnitOfWork() as uow:
        d = get_decision(uow.session, ident)
        profile = profile_of(d)
        if kind not in profile.kinds:
            raise NotFound(f"未知材料类型 / unknown evidence kind {kind!r}")
        return _kind_schema(profile, kind, lang)


def offices() -> list[dict]:
    with UnitOfWork() as uow:
        return [{"code": o.code, "name": o.name, "level": o.level}
                for o in uow.session.exec(select(Office).order_by(col(Office.code)))]


# ----------------------------------------------------------------- legality review and meeting
def legality_package(ident: str | int, username: str, *, lang: str = "zh") -> dict:
    """The submission package for the reviewing office: newest draft, legal basis, submission,
    adviser opinions, the procedure record so far, and the working-day window."""
    page = decision_page(ident, username, lang=lang)
    ev = [e for e in page["evidence"] if e["round"] == page["round"]]

    def newest(kind: str) -> list[dict]:
        items = [e for e in ev if e["kind"] == kind]
        return items[-1:] if items else []

    window = next((x for x in page["deadlines"] if "workdays_total" in x), None)
    return {
        "decision": page,
        "package": newest("draft") + newest("legal_basis") + newest("legality_submission"),
        "adviser_opinions": [e for e in ev if e["kind"] == "legal_adviser_opinion"],
        "opinions": [e for e in ev if e["kind"] == "legality_opinion"],
        "procedure": [{"stage": st["name"], "status": st["status"], "note": st["note"], "left_at": st["left_at"]}
                      for st in page["stages"]],
        "window": window,
    }


def meeting_context(ident: str | int, username: str, *, meeting_date: str | None = None,
                    lang: str = "zh") -> dict:
    """For the secretary: the organ's members, its head, allowed meeting types and the Art 29 checklist
    (each rule of the collective discussion stage, met or not, evaluated for the planned meeting date)."""
    day = None
    if meeting_date:
        try:
            day = date.fromisoformat(meeting_date)
        except ValueError:
            day = None
    with UnitOfWork() as uow:
        s = uow.session
        d = get_decision(s, ident)
        reader = scope.reader(s, username)
        scope.require_read(s, reader, d, "查看 / open")
        actor = reader.actor
        assert actor is not None
        dscope = scope.decision_scope(s, d, reader.tree)
        profile = profile_of(d)
        organ = s.get(Office, d.organ_id)
        assert organ is not None
        users = s.exec(select(User).where(User.office_id == d.organ_id, User.active == True)  # noqa: E712
                       .order_by(col(User.username))).all()
        roles: dict[int, list[str]] = {}
        for r in s.exec(select(UserRole).where(col(UserRole.user_id).in_([u.id for u in users]))):
            roles.setdefault(r.user_id, []).append(r.role)
        members = [{"username": u.username, "name": u.name, "roles": sorted(roles.get(u.id or 0, []))}
                   for u in users if set(roles.get(u.id or 0, [])) & {"decision_organ", "head"}]
        heads = [m["username"] for m in members if "head" in m["roles"]]
        snap = snapshot_of(s, d, profile, meeting_date=day)
        checklist = []
        stage = profile.stages["collective_discussion"]
        for rule in stage.rules:
            if rule.rule == "meeting_approved":
                continue
            if rule.when and not profiles.eval_expr(rule.when, snap.trigger_values):
                continue
            unmet = gates.RULES[rule.rule](profile, "collective_discussion", rule, snap)
            if rule.rule == "meeting_window":
                label = (f"合法性审查时间（不少于{profile.param(rule.min_days or 0)}个工作日）" if lang == "zh"
                         else f"legality review time ({profile.param(rule.min_days or 0)} working days)")
                if day is None:
                    checklist.append({"item": label, "article": rule.article, "met": None, "messages": []})
                    continue
            elif rule.rule == "evidence" and rule.if_newest and not unmet:
                pool = snap.of([rule.if_newest.kind])
                if not pool or pool[-1] not in snap.of([rule.if_newest.kind], rule.if_newest.where):
                    continue
                label = gates._kind_names(profile, rule.kinds, lang)
            else:
                label = gates._kind_names(profile, rule.kinds, lang) if rule.kinds else rule.rule
            checklist.append({"item": label, "article": rule.article, "met": not unmet,
                              "messages": [u.message if lang == "zh" else (u.message_en or u.message) for u in unmet]})
        return {"id": d.id, "code": d.code, "title": d.title, "state": d.state, "organ": organ.code,
                "organ_name": organ.name, "meeting_types": profile.meeting_types_for(organ.level),
                "members": members, "heads": heads, "checklist": checklist,
                "package_complete": all(c["met"] is not False for c in checklist),
                "can_record": "secretary" in actor.roles and role_applies("secretary", actor, dscope)}


def majority(positions: list[str]) -> str | None:
    """The position held by more than half of the members other than the head (Art 30¶2), if any."""
    for p in ("approve", "reject", "abstain"):
        if positions and positions.count(p) * 2 > len(positions):
            return p
    return None


# ----------------------------------------------------------------- dashboard
def _days_expr(dialect: str, left: str, right: str) -> str:
    if dialect == "sqlite":
        return f"(julianday({left}) - julianday({right}))"
    return f"(EXTRACT(EPOCH FROM (CAST({left} AS timestamptz) - CAST({right} AS timestamptz))) / 86400.0)"


_DASHBOARD_CACHE: dict[tuple, dict] = {}
log = logging.getLogger("juece.workbench")

# ----- slow-moving figures, kept per scope (table dashboardfigure, migration 0007)
FIGURES_FRESH_SECONDS = 15 * 60
"""How old the kept median days per stage may be when the dashboard shows them (JUECE_DASHBOARD_FRESH_SECONDS).

Why kept rather than computed on each visit: the median of every done stage's duration is a sort of all of
them — ~770,000 rows for a province of 100,000 decisions, about a second even with the numeric
``stagestatus.days`` column — and no aggregate kept in the write transaction gives an exact median (it is not
decomposable: a province's median is not made from its cities'). It moves slowly (one more stage among tens
of thousands), so the dashboard shows it "as of" the time it was computed: the worker refreshes every kept
scope after each scan (workflow.scheduler.scan_job, every 5 minutes), and a visit that finds the figure
missing or older than this bound (or computed at a clock time after now) computes it and keeps it. Everything
else on the dashboard (counts by stage, risk-assessment rate, catalog coverage, overdue items) is exact on each
cold visit: sums of counts kept per organ, those of the organs changed since recomputed (``_organ_rows``)."""


def _fresh_seconds() -> float:
    try:
        return float(os.environ.get("JUECE_DASHBOARD_FRESH_SECONDS", FIGURES_FRESH_SECONDS))
    except ValueError:
        return FIGURES_FRESH_SECONDS


def _scope_key(organ_ids: list[int] | None) -> tuple[str, str]:
    """(primary key, organ list) of a reader's overview scope in dashboardfigure; '*' is every organ."""
    organs = "*" if organ_ids is None else ",".join(str(int(i)) for i in organ_ids)
    return (organs if len(organs) <= 64 else hashlib.sha256(organs.encode()).hexdigest()), organs


def _median_days(s: Session, organ_ids: list[int] | None) -> dict[str, list]:
    """{stage: [median days, n]} over the done stages of the scope's decisions (the figure kept per scope).

    ``stagestatus.days`` is written when a stage is left (service._enter/_pause; back-filled by migration
    0007); a row without it (written by an older version) falls back to the two timestamps."""
    dialect = s.get_bind().dialect.name
    days = f"COALESCE(ss.days, {_days_expr(dialect, 'ss.left_at', 'ss.entered_at')})"
    join, scope_sql = "", ""
    if organ_ids is not None:
        join = "JOIN decision d ON d.id = ss.decision_id"
        scope_sql = f"AND d.organ_id IN ({','.join(str(int(i)) for i in organ_ids) or 'NULL'})"
    done = f"ss.status = 'done' AND ss.left_at != '' AND ss.entered_at != '' {scope_sql}"
    if dialect == "postgresql":
        sql = text(f"""SELECT ss.stage, percentile_cont(0.5) WITHIN GROUP (ORDER BY {days}), COUNT(*)
                       FROM stagestatus ss {join} WHERE {done} GROUP BY ss.stage""")
    else:  # row_number over each stage's durations: the middle one or the mean of the middle two
        sql = text(f"""
            WITH durations AS (SELECT ss.stage AS stage, {days} AS days FROM stagestatus ss {join} WHERE {done}),
            ranked AS (
              SELECT stage, days, ROW_NUMBER() OVER (PARTITION BY stage ORDER BY days) AS rn,
                     COUNT(*) OVER (PARTITION BY stage) AS n
              FROM durations
            )
            SELECT stage, AVG(days) AS median, MAX(n) AS n FROM ranked
            WHERE rn IN ((n + 1) / 2, (n + 2) / 2) GROUP BY stage""")
    return {r[0]: [float(r[1]), int(r[2])] for r in s.exec(sql).all()}  # type: ignore[call-overload]


def _kept_figures(s: Session, organ_ids: list[int] | None) -> tuple[dict, str, bool]:
    """(figures, computed at, computed now?) of the scope: the kept row when fresh, else computed here."""
    key, _organs = _scope_key(organ_ids)
    now = clock.now()
    try:
        row = s.exec(text("SELECT computed_at, figures FROM dashboardfigure WHERE scope = :k")  # type: ignore[call-overload]
                     .bindparams(k=key)).first()
    except Exception:  # noqa: BLE001 - a schema before 0007: compute every time
        s.rollback()
        row = None
    if row is not None:
        try:
            age = (now - datetime.fromisoformat(row[0])).total_seconds()
        except (ValueError, TypeError):
            age = -1.0
        if 0 <= age <= _fresh_seconds():
            return json.loads(row[1]), row[0], False
    return {"median_days": _median_days(s, organ_ids)}, now.isoformat(timespec="seconds"), True


def _keep_figures(organ_ids: list[int] | None, figures: dict, computed_at: str) -> None:
    """Keep a scope's figures (upsert; own transaction, after the reading one ended). A cache: a failure is
    logged and the next visit computes again."""
    from decisions.db import get_engine

    key, organs = _scope_key(organ_ids)
    try:
        with get_engine().begin() as conn:
            conn.execute(text("""INSERT INTO dashboardfigure (scope, organs, computed_at, figures)
                                 VALUES (:k, :o, :t, :f)
                                 ON CONFLICT (scope) DO UPDATE SET organs = excluded.organs,
                                   computed_at = excluded.computed_at, figures = excluded.figures"""),
                         {"k": key, "o": organs, "t": computed_at, "f": json.dumps(figures)})
    except Exception:  # noqa: BLE001 - a cache write must never fail the read
        log.warning("could not keep the dashboard figures of scope %s", key, exc_info=True)


def refresh_dashboard_figures() -> int:
    """Recompute the kept figures of every scope a dashboard has been opened for, and then every organ's
    counts (the worker, after each scan). Returns how many scopes were refreshed."""
    with UnitOfWork() as uow:
        s = uow.session
        try:
            scopes = [r[0] for r in s.exec(text("SELECT organs FROM dashboardfigure"))]  # type: ignore[call-overload]
        except Exception:  # noqa: BLE001 - a schema before 0007
            return 0
        fresh = []
        for organs in scopes:
            organ_ids = None if organs == "*" else [int(i) for i in organs.split(",") if i]
            at = clock.now().isoformat(timespec="seconds")  # as of the start of the computation
            fresh.append((organ_ids, {"median_days": _median_days(s, organ_ids)}, at))
    for organ_ids, figures, at in fresh:
        _keep_figures(organ_ids, figures, at)
    if fresh:
        refresh_organ_rows()
    return len(fresh)


def dashboard(username: str, *, year: int | None = None, lang: str = "zh") -> dict:
    """Figures for the organ's overview: decisions by stage, overdue items, median days per stage,
    the risk-assessment rate of decisions flagged stability_risk, and catalog coverage.

    The figures are aggregates over every decision in scope; they are recomputed only when something
    they depend on changed: every change to a decision bumps its indexed `updated_at` (service._touch),
    catalog rows only grow, and overdue items depend on the day. The key costs two index look-ups.
    A cold visit reads the counts from the kept per-organ figures, recomputing only the organs changed
    since they were kept (``_organ_rows``), and the median days per stage "as of" (``FIGURES_FRESH_SECONDS``)."""
    today = clock.today()
    with UnitOfWork() as uow:
        s = uow.session
        r = scope.reader(s, username)
        organs = scope.overview_organs(r)
        if organs is not None and _covers_all(s, organs, r.tree.parent.keys()):
            organs = None  # every decision and catalog item (the province organ): plans need not test organ_id
        organ_ids = None if organs is None else sorted(organs)
        key = (str(s.get_bind().url), None if organ_ids is None else tuple(organ_ids), year, lang, today.isoformat(),
               s.exec(select(func.max(Decision.updated_at))).one(), s.exec(select(func.max(Decision.id))).one(),
               s.exec(select(func.max(CatalogItem.id))).one())
        cached = _DASHBOARD_CACHE.get(key)
        if cached is not None:
            return cached
        offices = sorted(r.tree.parent) if organ_ids is None else organ_ids
        result = _dashboard(s, organ_ids, offices, year, lang, today)
        kept, organ_rows = result.pop("_kept"), result.pop("_organ_rows")
    # computed in this visit: keep it for the next ones (own transactions, after the reading one)
    if kept is not None:
        _keep_figures(organ_ids, *kept)
    if organ_rows:
        _keep_organ_rows(organ_rows)
    if len(_DASHBOARD_CACHE) > 64:
        _DASHBOARD_CACHE.clear()
    _DASHBOARD_CACHE[key] = result
    return result


def _covers_all(s: Session, organs: frozenset[int], offices: Iterable[int]) -> bool:
    """Does a scope of organs hold every decision and catalog item? (It lacks only a few offices, none of
    which is the organ of a decision or has a catalog: e.g. the province's expert pool, a root of its own.)"""
    missing = sorted(set(offices) - organs)
    if len(missing) > 20:
        return False
    if not missing:
        return True
    return s.exec(select(Decision.id).where(col(Decision.organ_id).in_(missing)).limit(1)).first() is None and \
        s.exec(select(CatalogItem.id).where(col(CatalogItem.organ_id).in_(missing)).limit(1)).first() is None


# ----- counts kept per organ (table dashboardorgan, migration 0007), exact
DECIDED = ("party_report", "publication", "execution", "closed", "excluded", "rejected", "withdrawn")
RISK_KINDS = ("risk_report", "prior_risk_assessment")
RECENT_SECONDS = 120
RESTAMP_SECONDS = 600
"""Decisions changed this long before a kept row's watermark are recorded with their version in the row: a
transaction that stamped ``updated_at`` before the watermark was read but committed after it is still seen."""


@lru_cache(maxsize=4096)
def _planned(planned_time: str, year: int) -> date | None:
    return planned_date(planned_time, year)


def _report_months() -> dict[str, int]:
    return {p: int(profiles.load(p).params.get("execution_report_months", 6)) for p in profiles.available()}


def _report_due(last: str | None, entered: str, months: int) -> date | None:
    """When the next execution report (Art 34) is due: the cadence after the newest report or the entry."""
    since = _iso_day(last or entered)
    return None if since is None else _add_months(since, months)


def _organ_figures(s: Session, organ_ids: list[int] | None, today: date) -> dict[int, dict]:
    """The additive figures of each organ (None: of every organ), as the dashboard sums them for a scope:
    decisions by state; stability_risk flagged and assessed; overdue execution reports; catalog items and
    covered items by year; catalog items past their planned time. Catalog figures belong to the item's organ."""
    out: dict[int, dict] = {}

    def of(o: int) -> dict:
        return out.setdefault(o, {"states": {}, "flagged": 0, "assessed": 0, "exec_overdue": 0, "catalog": {},
                                  "catalog_overdue": 0})

    in_d = None if organ_ids is None else col(Decision.organ_id).in_(organ_ids)
    in_c = None if organ_ids is None else col(CatalogItem.organ_id).in_(organ_ids)

    def d_scoped(q):  # noqa: ANN001, ANN202
        return q if in_d is None else q.where(in_d)

    def c_scoped(q):  # noqa: ANN001, ANN202
        return q if in_c is None else q.where(in_c)

    for o, state, n in s.exec(d_scoped(select(Decision.organ_id, Decision.state, func.count()))
                              .group_by(Decision.organ_id, Decision.state)):
        of(o)["states"][state] = n
    # one EXISTS per kind: each an index-only probe of evidence (kind, decision_id, at)
    assessed = or_(*(exists().where(Evidence.kind == k, Evidence.decision_id == Decision.id) for k in RISK_KINDS))
    for o, n, a in s.exec(d_scoped(select(Decision.organ_id, func.count(), func.sum(case((assessed, 1), else_=0)))
                                   .join(TriggerDetermination, TriggerDetermination.decision_id == Decision.id)
                                   .where(TriggerDetermination.name == "stability_risk",
                                          TriggerDetermination.value == True))  # noqa: E712
                          .group_by(Decision.organ_id)):
        of(o)["flagged"], of(o)["assessed"] = n, int(a or 0)
    months = _report_months()
    last = select(func.max(Evidence.at)).where(Evidence.kind == "execution_report",
                                               Evidence.decision_id == Decision.id).scalar_subquery()
    for o, pname, entered, newest in s.exec(d_scoped(select(Decision.organ_id, Decision.profile_name,
                                                            Decision.state_entered_at, last)
                                                     .where(Decision.state == "execution"))):
        due = _report_due(newest, entered, months.get(pname, 6))
        if due is not None and due < today:
            of(o)["exec_overdue"] += 1
    for o, y, n in s.exec(c_scoped(select(CatalogItem.organ_id, CatalogItem.year, func.count()))
                          .group_by(CatalogItem.organ_id, CatalogItem.year)):
        of(o)["catalog"][str(y)] = [n, 0]
    for o, y, n in s.exec(c_scoped(select(CatalogItem.organ_id, CatalogItem.year,
                                          func.count(func.distinct(Decision.catalog_item_id)))
                                   .join(CatalogItem, CatalogItem.id == Decision.catalog_item_id))
                          .group_by(CatalogItem.organ_id, CatalogItem.year)):
        of(o)["catalog"].setdefault(str(y), [0, 0])[1] = n
    done = exists().where(Decision.catalog_item_id == CatalogItem.id, col(Decision.state).in_(DECIDED))
    for o, y, planned in s.exec(c_scoped(select(CatalogItem.organ_id, CatalogItem.year, CatalogItem.planned_time)
                                         .where(CatalogItem.planned_time != "", ~done))):
        due = _planned(planned, y)
        if due is not None and due < today:
            of(o)["catalog_overdue"] += 1
    return out


def _watermark(s: Session) -> dict:
    """What a kept row was computed after: the newest `updated_at`, the decisions changed shortly before it
    with their version, the newest catalog item."""
    w = s.exec(select(func.max(Decision.updated_at))).one() or ""
    try:
        lo = (datetime.fromisoformat(w) - timedelta(seconds=RECENT_SECONDS)).isoformat(timespec="seconds")
    except ValueError:
        lo = w
    recent = s.exec(select(Decision.id, Decision.version).where(Decision.updated_at >= lo).limit(1001)).all()
    return {"lo": lo, "recent": {str(i): v for i, v in recent} if len(recent) <= 1000 else None,
            "cat": s.exec(select(func.max(CatalogItem.id))).one() or 0}


def _organ_rows(s: Session, offices: list[int], whole: bool, today: date) -> tuple[dict[int, dict], dict[int, dict]]:
    """(figures of each office in scope, rows to keep). Kept rows of today are used unless a decision of the
    organ (or linked to one of its catalog items) changed since — `updated_at` at or after the row's `lo`
    with a version the row did not record — or it has a newer catalog item; those organs are computed here.

    Exact, not "as of": every change to a decision bumps its `updated_at` (service._touch) and version, and
    catalog items are only ever added (the same facts the in-process cache key relies on)."""
    try:
        q = text("SELECT organ_id, day, state FROM dashboardorgan")
        if not whole:
            q = text("SELECT organ_id, day, state FROM dashboardorgan WHERE organ_id IN "
                     f"({','.join(str(int(o)) for o in offices) or 'NULL'})")
        kept = {o: json.loads(st) for o, day, st in s.exec(q) if day == today.isoformat()}  # type: ignore[call-overload]
    except Exception:  # noqa: BLE001 - a schema before 0007: compute every time
        s.rollback()
        return _organ_figures(s, None if whole else offices, today), {}
    scope_set = set(offices)
    now = clock.now().isoformat(timespec="seconds")
    dirty = {o for o in offices if o not in kept or kept[o]["lo"] > now}  # kept "after" now: the clock went back
    valid = {o: k for o, k in kept.items() if o in scope_set and o not in dirty}
    # rows kept long before the newest change and unchanged since are kept again with the current watermark,
    # read before looking for changes (so none committed in between is missed): without a worker the look-up
    # below stays short
    w = s.exec(select(func.max(Decision.updated_at))).one() or ""
    try:
        old = (datetime.fromisoformat(w) - timedelta(seconds=RESTAMP_SECONDS)).isoformat(timespec="seconds")
    except ValueError:
        old = ""
    mark = _watermark(s) if any(k["lo"] < old for k in valid.values()) else None
    if valid:
        lo = min(k["lo"] for k in valid.values())
        changed = s.exec(select(Decision.id, Decision.version, Decision.updated_at, Decision.organ_id,
                                CatalogItem.organ_id)
                         .outerjoin(CatalogItem, CatalogItem.id == Decision.catalog_item_id)
                         .where(Decision.updated_at >= lo)).all()
        for did, version, updated, *organs_of in changed:
            for o in organs_of:
                k = valid.get(o)
                if k is not None and o not in dirty and updated >= k["lo"] and \
                        (k["recent"] is None or k["recent"].get(str(did)) != version):
                    dirty.add(o)
        cat = min(k["cat"] for k in valid.values())
        for iid, o in s.exec(select(CatalogItem.id, CatalogItem.organ_id).where(CatalogItem.id > cat)):
            if o in valid and iid > valid[o]["cat"]:
                dirty.add(o)
    figures = {o: k["f"] for o, k in valid.items() if o not in dirty}
    store: dict[int, dict] = {}
    if mark is not None:
        for o, k in valid.items():
            if o not in dirty and k["lo"] < old:
                store[o] = {"day": today.isoformat(), "state": {**mark, "f": k["f"]}}
    if dirty:
        mark = mark or _watermark(s)  # before the figures: a change committed in between is seen as a change
        fresh = _organ_figures(s, None if whole and len(dirty) > len(offices) // 2 else sorted(dirty), today)
        for o in dirty:
            figures[o] = fresh.get(o, {})
            store[o] = {"day": today.isoformat(), "state": {**mark, "f": figures[o]}}
    return figures, store


def _keep_organ_rows(rows: dict[int, dict]) -> None:
    """Upsert kept per-organ rows (own transaction). A cache: a failure is logged, the next visit computes."""
    from decisions.db import get_engine

    try:
        with get_engine().begin() as conn:
            conn.execute(text("""INSERT INTO dashboardorgan (organ_id, day, state) VALUES (:o, :d, :s)
                                 ON CONFLICT (organ_id) DO UPDATE SET day = excluded.day, state = excluded.state"""),
                         [{"o": o, "d": r["day"], "s": json.dumps(r["state"])} for o, r in rows.items()])
    except Exception:  # noqa: BLE001 - a cache write must never fail the read
        log.warning("could not keep the dashboard's per-organ figures", exc_info=True)


def refresh_organ_rows() -> int:
    """Recompute the kept per-organ figures of every office (the worker, after each scan)."""
    today = clock.today()
    with UnitOfWork() as uow:
        s = uow.session
        offices = [o for o in s.exec(select(Office.id))]
        mark = _watermark(s)
        fresh = _organ_figures(s, None, today)
    _keep_organ_rows({o: {"day": today.isoformat(), "state": {**mark, "f": fresh.get(o, {})}} for o in offices if o})
    return len(offices)


def _dashboard(s: Session, organ_ids: list[int] | None, offices: list[int], year: int | None, lang: str,
               today: date) -> dict:
    per_organ, organ_rows = _organ_rows(s, offices, organ_ids is None, today)
    figs = [f for f in per_organ.values() if f]
    by_state: dict[str, int] = {}
    catalog: dict[int, list[int]] = {}
    for f in figs:
        for k, n in f["states"].items():
            by_state[k] = by_state.get(k, 0) + n
        for y, (n_items, n_cov) in f["catalog"].items():
            c = catalog.setdefault(int(y), [0, 0])
            c[0], c[1] = c[0] + n_items, c[1] + n_cov
    total = sum(by_state.values())
    names = {}
    for pname in profiles.available():
        p = profiles.load(pname)
        names.update({k: getattr(st, f"name_{lang}") for k, st in p.stages.items()})
    stage_order = profiles.load("state-council-2019").stage_order
    states = [*stage_order, *profiles.SIDE_STATES]
    by_stage = [{"state": k, "name": names.get(k, k), "count": by_state.get(k, 0)} for k in states
                if by_state.get(k) or k in stage_order]

    # median days per stage (done stages): kept per scope, at most FIGURES_FRESH_SECONDS old ("as of")
    kept, as_of, computed = _kept_figures(s, organ_ids)
    med = kept["median_days"]
    median_days = [{"state": k, "name": names.get(k, k), "median_days": round(med[k][0], 1), "n": med[k][1]}
                   for k in stage_order if k in med]

    # risk-assessment rate: decisions determined stability_risk=yes that have an assessment on record
    n_flagged = sum(f["flagged"] for f in figs)
    n_assessed = sum(f["assessed"] for f in figs)

    # catalog coverage: items of the year with a decision linked to them
    cat_year = year or (max(catalog) if catalog else today.year)
    n_items, n_covered = catalog.get(cat_year, [0, 0])

    overdue = _overdue(s, organ_ids, today, lang, sum(f["exec_overdue"] for f in figs),
                       sum(f["catalog_overdue"] for f in figs))
    return {
        "total": total, "by_stage": by_stage, "median_days": median_days, "median_days_as_of": as_of,
        "risk": {"flagged": n_flagged, "assessed": n_assessed,
                 "rate": (n_assessed / n_flagged) if n_flagged else None},
        "catalog": {"year": cat_year, "years": sorted(catalog), "items": n_items, "covered": n_covered,
                    "rate": (n_covered / n_items) if n_items else None},
        "overdue": overdue,
        "_kept": (kept, as_of) if computed and total else None, "_organ_rows": organ_rows if total else {},
    }


def _overdue(s: Session, organ_ids: list[int] | None, today: date, lang: str, n_exec: int, n_cat: int,
             limit: int = 50) -> dict:
    """Execution reports past their cadence (Art 34) and catalog items past their planned time: the counts
    (from the per-organ figures) and the first `limit` items — reports of the decisions longest in execution
    first, then catalog items in id order — read here from the rows, stopping as soon as the list is full."""
    items: list[dict] = []
    months = _report_months()
    # oldest in execution first (index decision (state, state_entered_at, id), migration 0007), streamed: the
    # newest report of a decision is looked up only for the rows read before the list is full
    last = select(func.max(Evidence.at)).where(Evidence.kind == "execution_report",
                                               Evidence.decision_id == Decision.id).scalar_subquery()
    q = select(Decision.id, Decision.code, Decision.title, Decision.profile_name, Decision.state_entered_at, last) \
        .where(Decision.state == "execution")
    if organ_ids is not None:
        q = q.where(col(Decision.organ_id).in_(organ_ids))
    if n_exec:
        rows = s.exec(q.order_by(col(Decision.state_entered_at), col(Decision.id))
                      .execution_options(yield_per=4 * limit))
        for did, code, title, pname, entered, newest in rows:
            due = _report_due(newest, entered, months.get(pname, 6))
            if due is not None and due < today:
                items.append({"id": did, "code": code, "title": title,
                              "what": "执行情况报告逾期" if lang == "zh" else "execution report overdue",
                              "due": due.isoformat(), "article": "Art 34"})
                if len(items) >= limit:
                    break
        rows.close()
    # catalog items: planned time passed and no decision of the item decided yet (or none started at all)
    done = exists().where(Decision.catalog_item_id == CatalogItem.id, col(Decision.state).in_(DECIDED))
    cq = select(CatalogItem.id, CatalogItem.item_name, CatalogItem.year, CatalogItem.planned_time) \
        .where(CatalogItem.planned_time != "", ~done)
    if organ_ids is not None:
        cq = cq.where(col(CatalogItem.organ_id).in_(organ_ids))
    after = 0
    while n_cat and len(items) < limit:
        rows = s.exec(cq.where(CatalogItem.id > after).order_by(col(CatalogItem.id)).limit(4 * limit)).all()
        for _iid, name, y, planned in rows:
            due = _planned(planned, y)
            if due and due < today and len(items) < limit:
                items.append({"id": None, "code": "", "title": name,
                              "what": "目录事项逾期未决策" if lang == "zh" else "catalog item past its planned time",
                              "due": due.isoformat(), "article": "Art 3¶3"})
        if len(rows) < 4 * limit:
            break
        after = rows[-1][0]
    return {"execution_reports": n_exec, "catalog_items": n_cat, "total": n_exec + n_cat, "items": items}


# ----------------------------------------------------------------- catalog and public page
def catalog_overview(username: str | None, *, organ: str | None = None, year: int | None = None,
                     published_only: bool = False) -> dict:
    """Catalog items with the decisions linked to each. `username=None` is the public: published items, no
    decisions. A user sees the unpublished drafts only of the organs in their scope (decisions.scope), and
    of the linked decisions only those they may open."""
    with UnitOfWork() as uow:
        s = uow.session
        reader = scope.reader(s, username) if username is not None else None
        published_only = published_only or reader is None
        q = select(CatalogItem, Office.code, Office.name).join(Office, Office.id == CatalogItem.organ_id)
        if organ:
            q = q.where(Office.code == organ)
        if year:
            q = q.where(CatalogItem.year == year)
        drafts_of = scope.catalog_organs(reader) if reader is not None else frozenset()
        if published_only:
            q = q.where(CatalogItem.published_at != "")
        elif drafts_of is not None:
            q = q.where(or_(CatalogItem.published_at != "", col(CatalogItem.organ_id).in_(drafts_of)))
        rows = s.exec(q.order_by(col(Office.code), col(CatalogItem.year), col(CatalogItem.seq))).all()
        ids = [i.id for i, _, _ in rows]
        linked: dict[int, tuple[int, str]] = {}
        if ids and reader is not None:
            lq = select(Decision.catalog_item_id, func.count(), func.max(Decision.code)) \
                .where(col(Decision.catalog_item_id).in_(ids))
            visible = scope.visible_clause(reader)
            if visible is not None:
                lq = lq.where(visible)
            for iid, n, newest in s.exec(lq.group_by(Decision.catalog_item_id)):
                linked[iid] = (n, newest)
        groups = sorted({(oc, on, i.year) for i, oc, on in rows})
        items = []
        for i, oc, on in rows:
            n, newest = linked.get(i.id or 0, (0, ""))
            items.append({"id": i.id, "organ": oc, "organ_name": on, "year": i.year, "seq": i.seq,
                          "item_name": i.item_name, "undertaking_unit": i.undertaking_unit,
                          "planned_time": i.planned_time, "main_content": i.main_content,
                          "published_at": i.published_at, "source": i.source,
                          "decisions": n, "newest_decision": newest})
        return {"items": items, "groups": [{"organ": g[0], "organ_name": g[1], "year": g[2]} for g in groups],
                "covered": sum(1 for i in items if linked.get(i["id"])), "total": len(items)}


def published(limit: int = 50, offset: int = 0) -> list[dict]:
    """Published decisions only: publication stage done and not non_disclosable; no draft material.
    Newest first, one page at a time (two queries whatever the size of the database)."""
    with UnitOfWork() as uow:
        s = uow.session
        secret = exists().where(TriggerDetermination.decision_id == Decision.id,
                                TriggerDetermination.name == "non_disclosable",
                                TriggerDetermination.value == True)  # noqa: E712
        pub = exists().where(StageStatus.decision_id == Decision.id, StageStatus.stage == "publication",
                             StageStatus.status == "done")
        q = select(Decision.id, Decision.code, Decision.title, Office.name).join(Office, Office.id == Decision.organ_id) \
            .where(pub, ~secret).order_by(col(Decision.id).desc()).offset(offset).limit(limit)
        rows = s.exec(q).all()
        records: dict[int, Evidence] = {}
        if rows:
            for rec in s.exec(select(Evidence).where(col(Evidence.decision_id).in_([r[0] for r in rows]),
                                                     Evidence.kind == "publication_record")
                              .order_by(col(Evidence.id))):
                records[rec.decision_id] = rec  # the newest record of each decision wins
        out = []
        for did, code, title, organ_name in rows:
            rec = records.get(did)
            if rec is None:
                continue
            url = str(rec.meta.get("url", ""))
            out.append({"code": code, "title": title, "organ": organ_name,
                        "published": str(rec.meta.get("date", "")), "channel": str(rec.meta.get("channel", "")),
                        "url": url if url.startswith(("https://", "http://")) else ""})
        return out
