"""Read models of working like an OA (待办 / 已办 / 我发起的, the 流转记录, the 呈批件). Nothing here writes.

* 待办 — decisions on which this user acts next (``decisions.oa.rules`` through ``decisions.oa.service``: by role,
  office, the expert panel, the registered reviewing office), and decisions with an unread 督办 / 催办 / 批示 notice
  for this user (the head sees the worker's escalations as tasks);
* 已办 — decisions this user acted on, from the audit trail, the newest act first, with what and when;
* 我发起的 — decisions this user created.

Every list is cut to what the user may read (``decisions.procedure.scope``). Candidates are read in bounded
numbers (``CANDIDATES``), oldest stage first; filters and sorting work on them.
"""

from __future__ import annotations

from sqlalchemy import union
from sqlmodel import Session, col, func, select

from decisions import clock
from decisions.accounts.models import Office, User
from decisions.accounts.permissions import ROLE_NAMES_ZH
from decisions.deadlines import views as deadline_views
from decisions.deadlines.models import Notification
from decisions.errors import BadInput, NotPermitted
from decisions.oa import rules
from decisions.oa import service as oa
from decisions.procedure import scope
from decisions.procedure.models import Decision, ExpertAssignment
from decisions.procedure.service import get_decision, profile_of
from decisions.records.models import AuditEvent
from decisions.storage.statements import among
from decisions.storage.unit_of_work import UnitOfWork
from decisions.workbench.views import AUDIT_ACTIONS, ROLE_NAMES_EN, ROLE_STATES, SIDE_STATE_NAMES, Page
from pdf import events as prose
from workflow.profiles import Profile

TABS = ("todo", "done", "mine")
SORTS = ("due", "updated")
#: decisions a list looks at (the 待办: those longest in their stage; 已办 / 我发起的: the newest acts) — five pages of
#: the inbox; each is read and its gates evaluated on every rerun, so this bound is what a rerun costs (a list cut
#: there says so). 100 keeps the inbox within 300 ms at 100,000 decisions on PostgreSQL (bench/ui.py); an office
#: with more decisions waiting on it than that is far past what one person works through.
CANDIDATES = 100
NOTICE_KINDS = ("escalation", "stale", oa.URGE, oa.INSTRUCTION)
ACTION_EN = {"urge": "Urged", "instruction": "Instruction", "returned": "Sent back", "create": "Created",
             "evidence": "Filed", "advance": "Advanced", "meeting": "Meeting recorded", "triggers": "Determinations",
             "escalate": "Escalation"}


def action_name(action: str, lang: str = "zh") -> str:
    """An audit action in words (the 流转记录's 操作 column)."""
    if lang != "zh":
        return ACTION_EN.get(action, action.replace("_", " ").capitalize())
    return prose.ACTION_ZH.get(action) or AUDIT_ACTIONS["zh"].get(action) or action


# ----------------------------------------------------------------- the three lists
def worklist(username: str, *, tab: str = "todo", state: str | None = None, organ: str | None = None,
             overdue_only: bool = False, sort: str = "due", lang: str = "zh", limit: int = 100,
             offset: int = 0) -> dict:
    """One tab of the inbox: rows with the decision, its stage, organ, next due date (overdue marked), its last
    change, and per tab what to do (待办), what this user did and when (已办). Filters: stage key, organ code,
    overdue only; sort by due date (soonest first) or last change (newest first). ``offset``/``limit``: the
    page of rows shown (``total`` and ``overdue`` count them all)."""
    if tab not in TABS:
        raise BadInput(f"未知列表 / unknown tab {tab!r}; expected one of {', '.join(TABS)}")
    if sort not in SORTS:
        raise BadInput(f"未知排序 / unknown sort {sort!r}; expected one of {', '.join(SORTS)}")
    with UnitOfWork() as uow:
        s = uow.session
        r = scope.reader(s, username)
        visible = scope.visible_clause(r)
        if tab == "todo":
            rows, capped = _todo(s, r, visible, lang)
        else:
            rows, capped = _acted(s, r, visible, lang, created_only=tab == "mine")
    states = sorted({(x["state"], x["state_name"]) for x in rows})
    organs = sorted({(x["organ"], x["organ_name"]) for x in rows})
    shown = [x for x in rows if (not state or x["state"] == state) and (not organ or x["organ"] == organ)
             and (not overdue_only or x["overdue"])]
    if sort == "due":
        shown.sort(key=lambda x: (x["due"] is None, x["due"] or "", x["id"]))
    else:
        shown.sort(key=lambda x: x["updated_at"] or "", reverse=True)
    start = max(0, offset)
    return {"tab": tab, "total": len(shown), "capped": capped, "candidates": CANDIDATES,
            "rows": shown[start:start + limit], "overdue": sum(x["overdue"] for x in shown),
            "states": [{"key": k, "name": n} for k, n in states], "organs": [{"code": c, "name": n} for c, n in organs]}


def _profiles(rows: list[Decision]) -> dict[int, Profile]:
    """Each decision's profile, looked up once per (name, version) rather than per decision and use."""
    known: dict[tuple[str, str], Profile] = {}
    out = {}
    for d in rows:
        key = (d.profile_name, d.profile_version)
        if key not in known:
            known[key] = profile_of(d)
        out[d.id or 0] = known[key]
    return out


def _base_rows(s: Session, r: scope.Reader, rows: list[Decision], lang: str,
               profiles: dict[int, Profile]) -> dict[int, dict]:
    """Each decision's common columns, its due dates read for the whole page (workbench.Page)."""
    page = Page(s, rows)
    organs = {o.id: o for o in s.exec(select(Office).where(col(Office.id).in_({d.organ_id for d in rows})))}
    out = {}
    for d in rows:
        profile = profiles[d.id or 0]
        st = profile.stages.get(d.state)
        dues = deadline_views.upcoming(s, d, profile, lang, page)
        organ = organs.get(d.organ_id)
        out[d.id or 0] = {
            "id": d.id, "code": d.code, "title": d.title, "state": d.state,
            "state_name": getattr(st, f"name_{lang}") if st else SIDE_STATE_NAMES.get(lang, {}).get(d.state, d.state),
            "organ": organ.code if organ else "", "organ_name": organ.name if organ else "",
            "due": dues[0]["due"] if dues else None, "due_what": dues[0]["what"] if dues else "",
            "overdue": any(x["overdue"] for x in dues), "updated_at": d.updated_at, "_page": page,
            "deadlines": dues, "article": st.article if st else "",
            "days_in_stage": (clock.today() - (deadline_views.iso_day(d.state_entered_at) or clock.today())).days,
        }
    return out


def _candidates(s: Session, r: scope.Reader, visible: object, noticed: list[int]) -> list[Decision]:
    """The oldest ``CANDIDATES`` open decisions (oldest in their stage first) in a state where one of the user's
    roles acts and within that role's scope, or with an unread notice for the user. One ordered, limited scan
    per (role, state, branch of the role's scope) — each walks one index range and stops after ``CANDIDATES`` —
    united and cut again: at 100,000 decisions a large office's drafter reads at most 14 × ``CANDIDATES`` index
    entries, not the 32,000 decisions its roles cover, all sorted (450 ms)."""
    actor = r.actor
    assert actor is not None
    open_ = col(Decision.archived_at).is_(None)
    scans = []
    for role in actor.roles:
        branches = scope.task_branches(r, role, visible) if role in ROLE_STATES else []
        for state in ROLE_STATES.get(role, ()):
            for branch in branches:
                scans.append(select(Decision.id, Decision.state_entered_at).where(Decision.state == state, branch, open_)
                             .order_by(col(Decision.state_entered_at), col(Decision.id)).limit(CANDIDATES).subquery())
    if noticed:
        where = [col(Decision.id).in_(noticed), open_] + ([visible] if visible is not None else [])
        scans.append(select(Decision.id, Decision.state_entered_at).where(*where).subquery())
    if not scans:
        return []
    united = union(*(select(x.c.id, x.c.state_entered_at) for x in scans)).subquery()
    ids = list(s.exec(select(united.c.id).order_by(united.c.state_entered_at, united.c.id).limit(CANDIDATES)))
    if not ids:
        return []
    rows = list(s.exec(select(Decision).where(among(col(Decision.id), ids))))
    return sorted(rows, key=lambda d: (d.state_entered_at, d.id or 0))


def _todo(s: Session, r: scope.Reader, visible: object, lang: str) -> tuple[list[dict], bool]:
    """The 待办 rows, and whether the candidates were cut at ``CANDIDATES`` (more may wait beyond them)."""
    actor = r.actor
    if actor is None:
        return [], False
    notices: dict[int, set[str]] = {}
    for did, kind in s.exec(select(Notification.decision_id, Notification.kind)
                            .where(Notification.user_id == actor.user_id, Notification.read_at == "",
                                   col(Notification.kind).in_(NOTICE_KINDS), col(Notification.decision_id).is_not(None))):
        notices.setdefault(did, set()).add(kind)
    rows = _candidates(s, r, visible, list(notices))
    if not rows:
        return [], False
    ids = [d.id or 0 for d in rows]
    assigned = set(s.exec(select(ExpertAssignment.decision_id).where(among(col(ExpertAssignment.decision_id), ids))))
    returned = {(c, (e or {}).get("round")) for c, e in s.exec(
        select(AuditEvent.chain, AuditEvent.detail).where(among(col(AuditEvent.chain), ids), AuditEvent.action == "returned"))}
    scopes = scope.decision_scopes(s, rows, r.tree)
    profiles = _profiles(rows)
    review_offices: dict[int, int | None] = {}  # one read of the registered reviewing office per organ
    base = _base_rows(s, r, rows, lang, profiles)
    out = []
    for d in rows:
        row = base[d.id or 0]
        page: Page = row.pop("_page")
        profile = profiles[d.id or 0]
        blocked = page.blocking(d, profile)
        unmet = [u.requirement for u in blocked]
        roles = rules.next_roles(profile, d.state, unmet, overdue=row["overdue"], archived=bool(d.archived_at),
                                 experts_assigned=(d.id or 0) in assigned)
        mine = [x for x in roles if oa.applies_next(s, d, x, actor, scopes[d.id or 0], review_offices)]
        flags = sorted(notices.get(d.id or 0, set()))
        if not mine and not flags:
            continue
        if (d.id, d.round) in returned:
            flags.append("returned")
        row.update(task=rules.task_label(d.state, roles, unmet) if mine else "notice", roles=mine, flags=flags,
                   next_roles=roles, blocking=[u.to_json() for u in blocked],
                   yours=[u.to_json() for u in blocked if set(rules.fixers(profile, u.requirement)) & set(mine)])
        out.append(row)
    return out, len(rows) >= CANDIDATES


def _acted(s: Session, r: scope.Reader, visible: object, lang: str, *, created_only: bool) -> tuple[list[dict], bool]:
    """The 已办 (or 我发起的) rows, newest act first, and whether they were cut at ``CANDIDATES``."""
    q = select(AuditEvent.chain, func.max(AuditEvent.id)).where(AuditEvent.actor == r.username,
                                                                col(AuditEvent.decision_id).is_not(None))
    if created_only:
        q = q.where(AuditEvent.action == "create")
    newest = dict(s.exec(q.group_by(AuditEvent.chain).order_by(func.max(AuditEvent.id).desc()).limit(CANDIDATES)).all())
    if not newest:
        return [], False
    dq = select(Decision).where(among(col(Decision.id), list(newest)))
    if visible is not None:
        dq = dq.where(visible)
    rows = list(s.exec(dq))
    events = {e.id: e for e in s.exec(select(AuditEvent).where(among(col(AuditEvent.id), list(newest.values()))))}
    base = _base_rows(s, r, rows, lang, _profiles(rows))
    out = []
    for d in rows:
        row = base[d.id or 0]
        row.pop("_page")
        e = events[newest[d.id or 0]]
        row.update(acted=e.action, acted_name=action_name(e.action, lang), acted_at=e.at,
                   created_at=d.created_at)
        out.append(row)
    out.sort(key=lambda x: x["acted_at"], reverse=True)
    return out, len(newest) >= CANDIDATES


# ----------------------------------------------------------------- the 流转记录
def _comment(action: str, detail: dict, names: prose.Names) -> str:
    """The words of an event a reader looks for: the instruction, the urge, the reason; else its prose."""
    for key in ("text", "message", "reason"):
        if isinstance(detail.get(key), str) and detail[key].strip():
            return detail[key]
    if action == "create":  # the dossier's sentence names offices by code; the record has them in its columns
        return f"{detail.get('code', '')}「{detail.get('title', '')}」"
    return prose.describe(action, detail, names)


def flow_record(ident: str | int, username: str, *, lang: str = "zh") -> dict:
    """The decision's 流转记录 for everyone who may read it: who (name), role, office (name), action, the
    opinion or comment, when — in words; ``raw`` (the stored events) only for auditors and admins."""
    with UnitOfWork() as uow:
        s = uow.session
        d = get_decision(s, ident)
        r = scope.reader(s, username)
        scope.require_read(s, r, d, "查看流转记录 / read the record of")
        profile = profile_of(d)
        events = list(s.exec(select(AuditEvent).where(AuditEvent.chain == d.id).order_by(col(AuditEvent.seq))))
        people = dict(s.exec(select(User.username, User.name).where(
            col(User.username).in_({e.actor for e in events}))).all())
        offices = dict(s.exec(select(Office.code, Office.name).where(col(Office.code).in_({e.office for e in events}))).all())
        roles = ROLE_NAMES_ZH if lang == "zh" else ROLE_NAMES_EN

        def stage(key: object) -> str:
            st = profile.stages.get(str(key))
            return getattr(st, f"name_{lang}") if st else SIDE_STATE_NAMES.get(lang, {}).get(str(key), str(key or ""))

        names = prose.Names(stage=stage, trigger=lambda k: getattr(profile.triggers.get(k), f"name_{lang}", k),
                            kind=lambda k: getattr(profile.kinds.get(k), f"name_{lang}", k))
        zh = lang == "zh"
        nobody = {"worker": "系统" if zh else "System", "system": "系统" if zh else "System",
                  "public": "公众" if zh else "The public"}  # actors without an account
        rows = [{"seq": e.seq, "who": people.get(e.actor) or nobody.get(e.actor, e.actor),
                 "username": e.actor, "role": roles.get(e.role, e.role) if e.role not in ("system", "public", "") else "",
                 "office": offices.get(e.office, e.office), "action": e.action,
                 "action_name": action_name(e.action, lang), "comment": _comment(e.action, e.detail or {}, names),
                 "at": e.at} for e in events]
        raw = None
        if r.everything or "auditor" in r.roles:
            raw = [{"seq": e.seq, "at": e.at, "actor": e.actor, "role": e.role, "office": e.office,
                    "action": e.action, "detail": e.detail, "hash": e.hash} for e in events]
        return {"id": d.id, "code": d.code, "rows": rows, "raw": raw,
                "instructions": [x for x in rows if x["action"] == oa.INSTRUCTION]}


# ----------------------------------------------------------------- what this user may do here (OA)
def oa_actions(ident: str | int, username: str, *, lang: str = "zh") -> dict:
    """For the decision page: may this user urge or instruct (the service checks again), and who acts next."""
    from decisions.accounts.service import actor_for

    with UnitOfWork() as uow:
        s = uow.session
        d = get_decision(s, ident)
        r = scope.reader(s, username)
        scope.require_read(s, r, d)
        actor = actor_for(s, username)
        dscope = scope.decision_scope(s, d, r.tree)
        nxt = oa.next_of(s, d)
        users = oa.next_users(s, d, nxt["roles"])
        roles = ROLE_NAMES_ZH if lang == "zh" else ROLE_NAMES_EN

        def leader(allowed: tuple[str, ...]) -> bool:
            try:
                oa.leader_role(actor, dscope, allowed, "", d)
            except NotPermitted:  # the button is not offered
                return False
            return not d.archived_at

        return {"next_roles": [roles.get(x, x) for x in nxt["roles"]], "task": nxt["task"],
                "next_users": [u.name for u in users], "can_urge": leader(oa.URGE_ROLES) and bool(users),
                "can_instruct": leader(oa.INSTRUCT_ROLES), "today": clock.today().isoformat()}


# ----------------------------------------------------------------- the 呈批件 (approval sheet)
def _date_zh(value: str) -> str:
    """2026-12-07T10:00:00+08:00 → 2026年12月7日 10:00 (as the printed sheet writes dates)."""
    from datetime import datetime

    try:
        dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    text = f"{dt.year}年{dt.month}月{dt.day}日"
    return text if len(str(value)) <= 10 else f"{text} {dt:%H:%M}"


def _request(stage: str, unmet: list, task: str, roles: list[str]) -> str:
    """请示事项: what the sheet asks of the reader at this stage."""
    who = "、".join(ROLE_NAMES_ZH.get(r, r) for r in roles) or "—"
    if unmet:
        return (f"「{stage}」阶段尚需办理（由{who}办理）：" + "；".join(u.message.partition(" / ")[0] for u in unmet))
    asks = {"meeting": "呈请提交决策机关集体讨论决定", "report": "呈报决策执行情况", "close": "呈请审定决策执行情况，决定是否结束执行",
            "resume": "呈请决定恢复或终止", "archive": "呈请立卷归档", "advance": "本阶段要求已满足，呈请审定进入下一阶段"}
    return f"「{stage}」：{asks.get(task, asks['advance'])}（由{who}办理）"


def approval_sheet(ident: str | int, username: str) -> dict:
    """The 呈批件 of the decision's current stage as a PDF (pdf/approval.py), for everyone who may read the
    decision: {"filename", "pdf"}. The opinions are the 流转记录 since the stage was entered; the head's
    instructions all of them."""
    from pdf import approval

    flow = flow_record(ident, username, lang="zh")
    with UnitOfWork() as uow:
        s = uow.session
        d = get_decision(s, ident)
        profile = profile_of(d)
        organ, undertaker = s.get(Office, d.organ_id), s.get(Office, d.undertaker_id)
        nxt = oa.next_of(s, d)
        st = profile.stages.get(d.state)
        stage = st.name_zh if st else SIDE_STATE_NAMES["zh"].get(d.state, d.state)
        request = _request(stage, nxt["unmet"], nxt["task"], nxt["roles"])
        entered = d.state_entered_at
        code, title = d.code, d.title
    keep = {"evidence", "returned", "meeting", "urge", "advance", "triggers", "create", "exclude", "withdraw",
            "suspend", "resume", "terminate", "escalate"}

    def row(x: dict) -> dict:
        return {**x, "at": _date_zh(x["at"]), "action": x["action_name"]}

    opinions = [row(x) for x in flow["rows"] if x["at"] >= entered and x["action"] in keep]
    sheet = {"title": title, "code": code, "organ": organ.name if organ else "",
             "undertaker": undertaker.name if undertaker else "", "stage": stage, "request": request,
             "printed": _date_zh(clock.today().isoformat()), "opinions": opinions,
             "instructions": [row(x) for x in flow["instructions"]]}
    return {"filename": f"呈批件-{code}.pdf", "pdf": approval.render(sheet), "sheet": sheet}
