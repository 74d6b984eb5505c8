"""Read models of time limits: the deadline rows a decision page shows, the planned date of a catalog item."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from sqlmodel import Session, col, select

from decisions import clock
from decisions.accounts.service import actor_for
from decisions.catalog.models import CatalogItem
from decisions.deadlines.models import Deadline, Notification
from decisions.procedure.models import Decision, Evidence, live_evidence
from decisions.procedure.service import calendar_for
from decisions.storage.statements import among
from decisions.storage.unit_of_work import UnitOfWork
from workflow.calendar import WorkCalendar, add_months
from workflow.profiles import Profile


class LoadedPage(Protocol):
    """What `upcoming` reads of a page of decisions loaded at once (`decisions.workbench.views.Page`, which sits
    above this module): the scheduler's rows, the current round's evidence, the catalog items, the calendar."""

    external: dict[int, list[dict] | None]
    evidence: dict[int, list[Any]]
    items: dict[int, CatalogItem]

    def calendar(self, profile: Profile) -> WorkCalendar: ...

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


def iso_day(text_: str) -> date | None:
    try:
        return datetime.fromisoformat(text_).date() if "T" in text_ else date.fromisoformat(text_[:10])
    except (ValueError, TypeError):
        return None


def _external_deadlines(decision_id: int) -> list[dict] | None:
    """The open deadlines the worker (`juece worker`) keeps for this decision; None when it has no row for the
    decision yet."""
    try:
        rows = deadlines(decision_id, status="open")
    except Exception:  # noqa: BLE001 - an older schema: the workbench computes its own dates
        return None
    return _external_rows(rows)


def external_deadlines_of(decision_ids: list[int]) -> dict[int, list[dict] | None]:
    """``_external_deadlines`` for a page of decisions in one query (its own unit of work, as the scheduler's)."""
    out: dict[int, list[dict] | None] = dict.fromkeys(decision_ids)
    if not decision_ids:
        return out
    try:
        from decisions.deadlines.models import Deadline
    except ImportError:
        return out
    rows: dict[int, list[dict]] = {}
    try:
        with UnitOfWork() as uow:
            for r in uow.session.exec(select(Deadline).where(among(col(Deadline.decision_id), decision_ids),
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
        due = iso_day(str(r.get("due", "")))
        if due is None:
            continue
        out.append({"what": r.get("title") or r.get("rule", ""), "rule": r.get("rule", ""), "due": due.isoformat(),
                    "article": r.get("article", ""),
                    "overdue": due < today, "days_left": (due - today).days, "source": "scheduler",
                    "provisional": bool(r.get("provisional"))})
    return out or None


def upcoming(s: Session, d: Decision, profile: Profile, lang: str = "zh", page: LoadedPage | None = None) -> list[dict]:
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
                                             Evidence.round == d.round, live_evidence())
                      .order_by(col(Evidence.id).desc()).limit(1)).first()

    if d.state == "legality_review":
        sub = newest("legality_submission")
        submitted = iso_day(str(sub.meta.get("submitted", ""))) if sub else None
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
        if lang != "zh":  # the worker keeps the rule's Chinese title; the profile names it in English too
            external = [{**x, "what": profile.deadlines[x["rule"]].name_en} if x.get("rule") in profile.deadlines
                        else x for x in external]
        return sorted(out + external, key=lambda o: o["due"])
    if d.state == "public_participation":
        if page is not None:
            acts = [e for e in page.evidence.get(d.id or 0, []) if e.kind == "participation_activity"]
        else:
            acts = s.exec(select(Evidence).where(Evidence.decision_id == d.id,
                                                 Evidence.kind == "participation_activity",
                                                 Evidence.round == d.round, live_evidence())).all()
        for a in acts:
            end = iso_day(str(a.meta.get("end", "")))
            if a.meta.get("form") == "open_comment" and end:
                add("公开征求意见截止", "open comment period ends", end, "Art 15", False)
            hearing = iso_day(str(a.meta.get("hearing_date", "")))
            if a.meta.get("form") == "hearing" and hearing:
                add("听证会", "hearing", hearing, "Art 16", False)
    if d.state == "execution":
        months = int(profile.params.get("execution_report_months", 6))
        last = newest("execution_report")
        since = iso_day(last.at if last else d.state_entered_at) or today
        due = add_months(since, months)
        add(f"执行情况报告（每{months}个月）", f"execution report (every {months} months)", due, "Art 34", due < today)
    if d.catalog_item_id and d.state in profile.stage_order and \
            profile.stage_index(d.state) <= profile.stage_index("collective_discussion"):
        item = page.items.get(d.catalog_item_id) if page is not None else s.get(CatalogItem, d.catalog_item_id)
        planned = planned_date(item.planned_time, item.year) if item else None
        if planned:
            add("目录计划完成时间", "catalog planned completion", planned, "Art 3¶3", planned < today)
    return sorted(out, key=lambda o: o["due"])


# ----------------------------------------------------------------- inbox and contacts
def inbox(as_user: str, *, unread_only: bool = False, limit: int = 200) -> list[dict]:
    with UnitOfWork() as uow:
        actor = actor_for(uow.session, as_user)
        q = select(Notification).where(Notification.user_id == actor.user_id)
        if unread_only:
            q = q.where(Notification.read_at == "")
        rows = uow.session.exec(q.order_by(col(Notification.id).desc()).limit(limit)).all()
        return [notification_view(n) for n in rows]


def notification_view(n: Notification) -> dict:
    return {"id": n.id, "kind": n.kind, "subject": n.subject, "body": n.body, "article": n.article,
            "decision_id": n.decision_id, "catalog_item_id": n.catalog_item_id, "created_at": n.created_at,
            "read": bool(n.read_at), "read_at": n.read_at, "email": n.email_status}


def deadlines(ident: str | int | None = None, *, status: str | None = None, as_user: str | None = None) -> list[dict]:
    """The deadline table (one decision's, or all), for `juece deadlines` and the dashboard.

    `as_user`: read as that user (decisions.procedure.scope; None is the server operator, who sees every row). With a
    decision, NotPermitted (exit 4) naming the user and the decision when it is outside their scope; without
    one, only the rows of the decisions that user may open and of the catalog items they may read (the rule
    of `catalog.items`: published items of every organ, unpublished drafts only of the organs in their scope)."""
    from sqlalchemy import false, or_

    from decisions.procedure import scope
    from decisions.procedure.service import get_decision

    with UnitOfWork() as uow:
        s = uow.session
        q = select(Deadline, Decision.code).join(Decision, col(Decision.id) == col(Deadline.decision_id),
                                                 isouter=True)
        reader = scope.reader(s, as_user) if as_user is not None else None
        if ident is not None:
            d = get_decision(s, ident)
            if reader is not None:
                scope.require_read(s, reader, d, "查看期限 / read the deadlines of")
            q = q.where(Deadline.decision_id == d.id)
        elif reader is not None and not reader.everything:
            visible = scope.visible_clause(reader)
            # its own FROM decision: not correlated with the outer join's decision
            decisions_seen = select(Decision.id).where(visible if visible is not None else false()).correlate(None)
            drafts = scope.catalog_organs(reader)
            items_seen = select(CatalogItem.id)
            if drafts is not None:
                items_seen = items_seen.where(or_(CatalogItem.published_at != "",
                                                  col(CatalogItem.organ_id).in_(drafts)))
            # a row of a decision, of a catalog item (or of both): every one it names must be readable
            q = q.where(or_(col(Deadline.decision_id).is_not(None), col(Deadline.catalog_item_id).is_not(None)),
                        or_(col(Deadline.decision_id).is_(None), col(Deadline.decision_id).in_(decisions_seen)),
                        or_(col(Deadline.catalog_item_id).is_(None), col(Deadline.catalog_item_id).in_(items_seen)))
        if status:
            q = q.where(Deadline.status == status)
        return [{"id": r.id, "key": r.key, "rule": r.rule, "type": r.type, "decision": code,
                 "decision_id": r.decision_id, "catalog_item_id": r.catalog_item_id, "title": r.title,
                 "article": r.article, "due": r.due, "remind_on": r.remind_on, "escalate_on": r.escalate_on,
                 "status": r.status, "reminded_at": r.reminded_at, "escalated_at": r.escalated_at,
                 "provisional": r.provisional}
                for r, code in s.exec(q.order_by(col(Deadline.due), col(Deadline.id)))]
