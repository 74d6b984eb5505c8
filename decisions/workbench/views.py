"""Read models of the Streamlit workbench pages: who is signed in, my tasks, the decision list, the decision
page, the legality package and the meeting checklist. Nothing here writes.

They bring several concepts together (the procedure, deadlines, participation, the catalog), so they sit above
them; each concept's own read models are in its ``views.py``. Each function opens its own UnitOfWork and checks
what the user may see with ``decisions.procedure.scope`` (the one read scope of a multi-office deployment, also
behind the CLI's --as). Lists are built with a few indexed queries and bounded pages, so a page costs about the
same with 100 or 10,000 decisions.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import and_, literal_column, or_
from sqlmodel import Session, col, func, select

from decisions import clock
from decisions.accounts.models import Office, User, UserRole
from decisions.accounts.permissions import ROLE_NAMES_ZH, role_applies
from decisions.accounts.service import actor_for
from decisions.catalog.models import CatalogItem
from decisions.deadlines import views as deadline_views
from decisions.errors import NotFound, Unmet
from decisions.oa.rules import fixers, next_roles
from decisions.participation.ledger import counts as ledger_counts_from
from decisions.participation.models import Consultation, Opinion
from decisions.procedure import registers, scope
from decisions.procedure.models import Decision, Evidence, Meeting, StageStatus, TriggerDetermination, live_evidence
from decisions.procedure.provenance import carry_over
from decisions.procedure.service import (
    SIDE_ACTIONS,
    calendar_from,
    calendar_overrides,
    get_decision,
    profile_of,
    side_roles,
    snapshot_from,
    snapshot_of,
)
from decisions.storage import db
from decisions.storage.statements import among
from decisions.storage.unit_of_work import UnitOfWork
from workflow import gates, machine, profiles
from workflow.calendar import WorkCalendar
from workflow.profiles import Profile

ROLE_NAMES_EN = {
    "admin": "Administrator", "decision_organ": "Decision organ", "head": "Head of government",
    "drafter": "Undertaking unit", "legality_reviewer": "Legality reviewer", "legal_adviser": "Legal adviser",
    "expert": "Expert", "secretary": "Meeting secretary", "executor": "Executing unit", "archivist": "Archivist",
    "auditor": "Auditor (read-only)", "assessor": "Commissioned risk assessor",
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
    "assessor": ("risk_assessment",),  # only the decisions it is assigned to are visible (decisions.procedure.scope)
    "executor": ("execution", "suspended"),
    "archivist": ("closed",),
}



def deployment_ready() -> bool:
    """Has ``juece init`` made the database (the workbench says so rather than failing on every page)?"""
    return db.is_initialised()


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
    """May `username` open this decision? (decisions.procedure.scope: the same rule as every list.)"""
    with UnitOfWork() as uow:
        s = uow.session
        d = get_decision(s, ident)
        return scope.can_read(s, scope.reader(s, username), d.id or 0)


# ----------------------------------------------------------------- my tasks
#: the evidence columns a Page reads (gates.Snapshot's items, deadlines.views.upcoming's dates)
PAGE_EVIDENCE_COLUMNS = ("id", "decision_id", "round", "kind", "meta", "stage", "role", "filename", "at")


class Page:
    """What ``service.snapshot_of`` and ``deadlines`` read per decision, loaded for a whole page of decisions
    with one query per table (``WHERE decision_id IN (...)``), the calendar overrides once."""

    def __init__(self, s: Session, rows: list[Decision]) -> None:
        ids = [d.id or 0 for d in rows]
        rounds = {d.id or 0: d.round for d in rows}
        self.triggers: dict[int, list[tuple[str, bool, str]]] = {i: [] for i in ids}
        self.evidence: dict[int, list[Any]] = {i: [] for i in ids}   # Evidence rows: current round, oldest first
        self.earlier: dict[int, list[Any]] = {i: [] for i in ids}    # earlier rounds (what a round keeps)
        self.statuses: dict[int, dict[str, str]] = {i: {} for i in ids}   # stage rows of decisions past round 1
        self.consultations: dict[int, dict[str, str]] = {}                # the current round's online consultation
        self.states = {d.id or 0: d.state for d in rows}
        self.approved: set[int] = set()
        self.ledger: dict[tuple[int, str], int] = {}
        self.items: dict[int, CatalogItem] = {}
        self.external: dict[int, list[dict] | None] = deadline_views.external_deadlines_of(ids)
        self._overrides = calendar_overrides(s)
        self._calendars: dict[tuple[str, str], WorkCalendar] = {}
        if not ids:
            return
        for did, name, value, reason in s.exec(
                select(TriggerDetermination.decision_id, TriggerDetermination.name, TriggerDetermination.value,
                       TriggerDetermination.reason).where(among(col(TriggerDetermination.decision_id), ids))):
            self.triggers[did].append((name, value, reason))
        # a voided upload counts for no gate, in this round or carried over from an earlier one;
        # plain rows (attributes as Evidence's), not ORM objects: a page reads thousands and never writes them;
        # only the columns the gates and the due dates read (not the hash, the uploader, the size)
        table = Evidence.__table__  # type: ignore[attr-defined]
        read = [table.c[name] for name in PAGE_EVIDENCE_COLUMNS]
        for e in s.connection().execute(select(*read).where(among(table.c.decision_id, ids), live_evidence())
                                        .order_by(table.c.id)).all():  # fetched at once, not row by row
            if e.round == rounds[e.decision_id]:
                self.evidence[e.decision_id].append(e)
            elif e.round < rounds[e.decision_id]:
                self.earlier[e.decision_id].append(e)
        later = [i for i in ids if rounds[i] > 1]
        if later:
            for did, stage, status in s.exec(select(StageStatus.decision_id, StageStatus.stage, StageStatus.status)
                                             .where(among(col(StageStatus.decision_id), later))):
                self.statuses[did][stage] = status
        for c in s.exec(select(Consultation).where(among(col(Consultation.decision_id), ids))):
            if c.round == rounds[c.decision_id]:
                self.consultations[c.decision_id] = {"start": c.start, "end": c.end,
                                                     "shortened_reason": c.shortened_reason}
        for did, rnd in s.exec(select(Meeting.decision_id, Meeting.round)
                               .where(among(col(Meeting.decision_id), ids), Meeting.outcome == "approve")):
            if rnd == rounds[did]:
                self.approved.add(did)
        for did, rnd, disposition, n in s.exec(
                select(Opinion.decision_id, Opinion.round, Opinion.disposition, func.count())
                .where(among(col(Opinion.decision_id), ids))
                .group_by(Opinion.decision_id, Opinion.round, Opinion.disposition)):
            if rnd == rounds[did]:
                self.ledger[(did, disposition)] = n
        item_ids = {d.catalog_item_id for d in rows if d.catalog_item_id}
        if item_ids:
            self.items = {i.id or 0: i for i in s.exec(select(CatalogItem).where(among(col(CatalogItem.id), item_ids)))}

    def calendar(self, profile: Profile) -> WorkCalendar:
        """``service.calendar_for`` without reading the overrides again."""
        key = (profile.name, profile.version)
        if key not in self._calendars:
            self._calendars[key] = calendar_from(profile, self._overrides)
        return self._calendars[key]

    def snapshot(self, d: Decision, profile: Profile) -> gates.Snapshot:
        """``service.snapshot_of`` from the page's rows."""
        did = d.id or 0
        ledger = ledger_counts_from({k: n for (i, k), n in self.ledger.items() if i == did})
        evidence = [(e.id or 0, e.kind, e.meta, e.stage, e.role, e.filename) for e in self.evidence[did]]
        carried: frozenset[str] = frozenset()
        if self.statuses[did]:
            carried, evidence = carry_over(profile, self.states[did], self.statuses[did], evidence,
                                           [(e.id or 0, e.kind, e.meta, e.stage, e.role, e.filename, e.round)
                                            for e in self.earlier[did]])
        return snapshot_from(self.triggers[did], evidence, approved_meeting=did in self.approved,
                             calendar=self.calendar(profile), ledger=ledger, carried=carried,
                             consultation=self.consultations.get(did), today=clock.today())

    def blocking(self, d: Decision, profile: Profile | None = None) -> list[Unmet]:
        """``service.blocking`` from the page's rows (`profile`: the decision's, when the caller has it)."""
        profile = profile or profile_of(d)
        if d.state not in profile.stages:
            return []
        unmet, _dest, _skipped = gates.unmet_to_leave(profile, d.state, self.snapshot(d, profile))
        return unmet


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
                # office serves; what a task shows is always within what the user may read (decisions.procedure.scope)
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
        page = Page(s, list(rows))
        for d in rows:
            profile = profile_of(d)
            mine = [role for role in actor.roles if role_applies(role, actor, scopes[d.id or 0])]
            unmet = page.blocking(d)
            yours = [u for u in unmet if set(fixers(profile, u.requirement)) & set(mine)]
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
            else:
                action = "wait"
            dues = deadline_views.upcoming(s, d, profile, lang, page)
            if action == "wait" and (yours or set(mine) & set(next_roles(
                    profile, d.state, [u.requirement for u in unmet], overdue=any(x["overdue"] for x in dues),
                    archived=bool(d.archived_at)))):
                action = "provide"  # theirs by the one rule of who acts next (an overdue execution report)
            entered = deadline_views.iso_day(d.state_entered_at) or today
            st = profile.stages.get(d.state)
            tasks.append({
                "id": d.id, "code": d.code, "title": d.title, "state": d.state,
                "state_name": getattr(st, f"name_{lang}") if st else SIDE_STATE_NAMES.get(lang, {}).get(d.state, d.state),
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
              offset: int = 0, ids: list[int] | None = None, count: bool = True) -> dict:
    """Decisions the user may open, newest first, filtered by state and a title/code search. ``count=False``: no
    ``total`` (None), for a picker that shows the newest only (a count reads every visible decision)."""
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
            conds.append(among(col(Decision.id), ids))
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
        total = s.exec(cq).one() if count else None
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


def enterable_kinds(profile: Profile, state: str, mine: list[str]) -> list[str]:
    """The kinds whose signed paper original a user with roles `mine` may enter for its author now (代录,
    procedure.md §8: the kind's ``on_behalf`` entry); the service still checks the author's own rules."""
    return [name for name, k in profile.kinds.items()
            if k.on_behalf is not None and state in k.stages and set(k.on_behalf.roles) & set(mine)]


def decision_page(ident: str | int, username: str, *, lang: str = "zh") -> dict:
    """views.show plus what this user may do on it now (after checking that they may see it)."""
    from decisions.procedure import views

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
        entered = enterable_kinds(profile, d.state, mine)
        side = []
        m = machine.build(profile)
        for action, (trigger, _roles, article) in SIDE_ACTIONS.items():
            if set(side_roles(profile, action)) & set(mine) and m.get_transitions(trigger=trigger, source=d.state):
                side.append({"action": action, "article": article})
        adv_roles = _advance_roles(profile, d.state) if d.state in profile.stages else []
        if d.state in profile.stages and not adv_roles and d.state != "collective_discussion":
            adv_roles = list(profiles.ROLES)
        dues = deadline_views.upcoming(s, d, profile, lang)
        decision_id, state = d.id or 0, d.state
    page = views.show(decision_id, lang=lang)
    page["actions"] = {
        "roles": mine,
        "can_advance": bool(set(adv_roles) & set(mine)),
        "can_set_triggers": "drafter" in mine and state in ("proposed", "drafting"),
        "kinds": [{**_kind_schema(profile, k, lang), "own": k in kinds, "on_behalf": k in entered}
                  for k in profile.kinds if k in kinds or k in entered],
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


SIDE_STATE_NAMES = {
    "zh": {"excluded": "不纳入", "rejected": "不予通过", "deferred": "暂缓", "suspended": "中止执行", "withdrawn": "已撤回",
           "closed": "已办结"},
    "en": {"excluded": "Excluded", "rejected": "Rejected", "deferred": "Deferred", "suspended": "Suspended",
           "withdrawn": "Withdrawn", "closed": "Closed"},
}
AUDIT_ACTIONS = {
    "zh": {"create": "创建决策", "evidence": "提交材料", "advance": "推进阶段", "triggers": "作出判定", "meeting": "记录会议",
           "transition": "状态变更", "dossier": "生成案卷", "returned": "退回重新办理", "side": "其他操作",
           "opinion": "登记意见", "reminder": "提醒", "overdue": "逾期", "catalog": "目录", "feedback": "意见反馈",
           "catalog_link": "关联目录事项", "exclude": "不纳入", "withdraw": "撤回", "suspend": "中止执行",
           "resume": "恢复执行", "terminate": "终止", "escalate": "督办", "published": "公布",
           "post_evaluation_start": "启动决策后评估", "post_evaluation_report": "决策后评估报告", "public": "社会公众",
           "evaluator": "评估机构", "system": "系统", "operator": "系统运维"},
}


def display_names(lang: str = "zh") -> dict[str, str]:
    """Every internal key a screen may meet — stages and side states, triggers, evidence kinds, roles, office
    codes, audit actions — with its name in `lang` (the pages show names, never keys)."""
    out: dict[str, str] = dict(AUDIT_ACTIONS.get(lang, {}))
    out.update(SIDE_STATE_NAMES.get(lang, SIDE_STATE_NAMES["en"]))
    for name in profiles.available():
        p = profiles.load(name)
        for table in (p.stages, p.triggers, p.kinds):
            for key, item in table.items():
                out.setdefault(key, getattr(item, f"name_{lang}", None) or key)
    for r in profiles.ROLES:
        out[r] = role_name(r, lang)
    with UnitOfWork() as uow:
        for code, name in uow.session.exec(select(Office.code, Office.name)):
            out[code] = name
    return out


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


def undertaker_offices(organ: str) -> list[dict]:
    """The offices that may undertake a decision of `organ`: its own government's (the organ and its departments),
    never an expert pool or another government's office (service.new_decision refuses those anyway)."""
    with UnitOfWork() as uow:
        s = uow.session
        organ_o = s.exec(select(Office).where(Office.code == organ)).first()
        if organ_o is None:
            return []
        allowed = scope.OfficeTree.load(s).organ_offices(organ_o.id or 0)
        return [{"code": o.code, "name": o.name, "level": o.level}
                for o in s.exec(select(Office).where(col(Office.id).in_(allowed)).order_by(col(Office.code)))]


# ----------------------------------------------------------------- legality review and meeting
def legality_package(ident: str | int, username: str, *, lang: str = "zh") -> dict:
    """The submission package for the reviewing office: newest draft, legal basis, submission,
    adviser opinions, the procedure record so far, and the working-day window."""
    page = decision_page(ident, username, lang=lang)
    ev = [e for e in page["evidence"] if e["round"] == page["round"] and not e["voided"]]  # 作废: not in the package

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
        # the body is the organ's register of members on the meeting date (procedure.md §8), its head flagged there
        register = registers.members_on(s, d.organ_id, day or clock.today())
        names = {u.username: u.name for u in users}
        members = [{"username": un, "name": names.get(un, un), "roles": sorted(roles.get(e.user_id, []))}
                   for e, un in register]
        heads = [un for e, un in register if e.is_head]
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
                # outcome revise: the stages the meeting may order run again ([revise], procedure.md §8)
                "rerun_choices": list(profile.revise.organ_may_rerun) if profile.revise else [],
                "can_record": "secretary" in actor.roles and role_applies("secretary", actor, dscope)}


def majority(positions: list[str]) -> str | None:
    """The position held by more than half of the members other than the head (Art 30¶2), if any."""
    for p in ("approve", "reject", "abstain"):
        if positions and positions.count(p) * 2 > len(positions):
            return p
    return None


