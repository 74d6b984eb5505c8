"""Deadlines that act by themselves: the time rules of the profile, watched by one idempotent scan.

`run_once()` is the whole worker job (stack-notes §2): under a lease (only one worker fires), for every
open decision and catalog item it derives the deadlines the profile's `[deadlines]` rules imply from the
record (evidence dates, stage entry dates, catalog target dates), stores them in the `deadline` table,
and fires what is due at `clock.now()` (JUECE_NOW): a reminder to the rule's roles, an escalation of an
overdue item to the undertaking unit's head and the decision organ, a stale flag (久拖不决, Art 38¶2).
Each notification is unique per (dedupe key, user) and each deadline carries `reminded_at` /
`escalated_at` markers, so a restart, a missed run or a second worker never delivers anything twice;
a missed run catches up on its next pass. Due dates are computed on the working-day calendar
(workflow/calendar.py); a date in a year the holiday package does not cover is marked provisional.
"""

from __future__ import annotations

import logging
import os
import smtplib
import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col, select

from decisions import audit, clock
from decisions.directory import _operator, actor_for
from decisions.errors import BadInput, Conflict, NotFound, NotPermitted
from decisions.models import (
    CalendarOverride,
    CatalogItem,
    Decision,
    Evidence,
    Office,
    StageStatus,
    TriggerDetermination,
    User,
    UserRole,
)
from decisions.models_deadlines import (
    CatalogVersion,
    Deadline,
    Notification,
    PostEvaluation,
    PublicFeedback,
    UserContact,
    WorkerLease,
)
from decisions.scope import decision_scope
from decisions.service import calendar_for, profile_of, scope_of
from decisions.unit_of_work import UnitOfWork
from workflow import profiles
from workflow.calendar import WorkCalendar, add_months, coverage_warning, package_covers
from workflow.profiles import Profile, TimeRule

log = logging.getLogger("juece.worker")

TERMINAL = ("closed", "withdrawn", "excluded", "rejected")
DECIDED = ("party_report", "publication", "execution", "suspended", "closed", "rejected", "excluded", "withdrawn")
LEASE_NAME = "deadlines"


def _iso(d: date) -> str:
    return d.isoformat()


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(str(text)[:10])
    except ValueError:
        return None


# ----------------------------------------------------------------- what a rule implies
@dataclass
class Spec:
    """A deadline as the record implies it now."""

    key: str
    rule: str
    type: str
    title: str
    article: str
    due: date
    remind_on: date
    escalate_on: date | None
    done: bool
    provisional: bool
    notify: list[str]
    body: str
    decision_id: int | None = None
    catalog_item_id: int | None = None
    info_only: bool = False      # closes itself once the notice went out (issue report, suggestion)


@dataclass
class Ctx:
    session: Session
    decision: Decision
    profile: Profile
    cal: WorkCalendar
    today: date
    evidence: list[Evidence]
    stages: dict[str, StageStatus]

    def of(self, kind: str, **where: str) -> list[Evidence]:
        return [e for e in self.evidence if e.kind == kind and all(e.meta.get(k) == v for k, v in where.items())]


def _offsets(cal: WorkCalendar, rule: TimeRule, due: date) -> tuple[date, date | None, bool]:
    remind, p1 = cal.sub_workdays(due, rule.remind_before)
    if rule.escalate_after is None:
        return remind, None, p1
    esc, p2 = cal.add_workdays(due, rule.escalate_after)
    return remind, esc, p1 or p2


def _label(d: Decision) -> str:
    return f"{d.code}「{d.title}」"


def _provisional_note(*days: date) -> str:
    warning = coverage_warning(*days)
    return f"\n{warning}" if warning else ""


def _comment_period_end(ctx: Ctx, name: str, rule: TimeRule) -> Iterator[Spec]:
    d = ctx.decision
    registered = bool(ctx.of("opinion_register"))
    for ev in ctx.of("participation_activity", form="open_comment"):
        end = _day(ev.meta.get("end", ""))
        if end is None:
            continue
        remind, esc, prov = _offsets(ctx.cal, rule, end)
        yield Spec(f"d{d.id}:{name}:ev{ev.id}", name, rule.type, rule.name_zh, rule.article, end, remind, esc,
                   registered, prov, rule.notify,
                   f"{_label(d)}：公开征求意见期至 {end} 届满，请及时整理意见并登记采纳情况（opinion_register）"
                   f"（{rule.article}）/ the open comment period ends on {end}: register the opinions"
                   + _provisional_note(remind, end), d.id)


def _hearing_materials(ctx: Ctx, name: str, rule: TimeRule) -> Iterator[Spec]:
    d = ctx.decision
    days = ctx.profile.param(rule.days)  # type: ignore[arg-type]
    for ev in ctx.of("participation_activity", form="hearing"):
        hearing = _day(ev.meta.get("hearing_date", ""))
        if hearing is None:
            continue
        if rule.unit == "working":
            due, prov = ctx.cal.sub_workdays(hearing, days)
        else:
            due, prov = date.fromordinal(hearing.toordinal() - days), False
        remind, esc, p2 = _offsets(ctx.cal, rule, due)
        delivered = _day(ev.meta.get("materials_delivered", ""))
        done = delivered is not None and delivered <= due and ctx.today >= delivered
        yield Spec(f"d{d.id}:{name}:ev{ev.id}", name, rule.type, rule.name_zh, rule.article, due, remind, esc, done,
                   prov or p2, rule.notify,
                   f"{_label(d)}：听证会定于 {hearing}，听证材料应当于 {due} 前送达参加人（{rule.article}）"
                   f" / hearing on {hearing}: materials must reach the participants by {due}", d.id)


def _legality_window(ctx: Ctx, name: str, rule: TimeRule) -> Iterator[Spec]:
    d = ctx.decision
    n = ctx.profile.param(rule.days)  # type: ignore[arg-type]
    opinions = ctx.of("legality_opinion")
    past = ctx.profile.stage_index("legality_review") < ctx.profile.stage_index(d.state) \
        if d.state in ctx.profile.stages else True
    for ev in ctx.of("legality_submission"):
        submitted = _day(ev.meta.get("submitted", ""))
        if submitted is None:
            continue
        due, prov = ctx.cal.add_workdays(submitted, n) if rule.unit == "working" else \
            (date.fromordinal(submitted.toordinal() + n), False)
        remind, esc, p2 = _offsets(ctx.cal, rule, due)
        remind = max(remind, submitted)
        done = past or any((o.id or 0) > (ev.id or 0) for o in opinions)
        yield Spec(f"d{d.id}:{name}:ev{ev.id}", name, rule.type, rule.name_zh, rule.article, due, remind, esc, done,
                   prov or p2, rule.notify,
                   f"{_label(d)}：{submitted} 报送合法性审查，不少于{n}个工作日的审查期至 {due} 届满；"
                   f"审查意见（legality_opinion）尚未出具（{rule.article}）/ legality review submitted {submitted}: "
                   f"the {n}-working-day window ends {due}, no legality opinion yet" + _provisional_note(due), d.id)


def _execution_entered(ctx: Ctx) -> date | None:
    st = ctx.stages.get("execution")
    return _day(st.entered_at) if st and st.entered_at else None


def _execution_report(ctx: Ctx, name: str, rule: TimeRule) -> Iterator[Spec]:
    d = ctx.decision
    if d.state != "execution":
        return
    anchor = _execution_entered(ctx)
    if anchor is None:
        return
    months = ctx.profile.param(rule.months)  # type: ignore[arg-type]
    if months <= 0:
        return
    filed = [e for e in ctx.of("execution_report") if (_day(e.at) or anchor) >= anchor]
    k = 1
    while True:
        due, prov = ctx.cal.next_workday(add_months(anchor, k * months))
        remind, esc, p2 = _offsets(ctx.cal, rule, due)
        if k > 1 and _offsets(ctx.cal, rule, ctx.cal.next_workday(add_months(anchor, (k - 1) * months))[0])[0] \
                > ctx.today:
            break   # periods up to the next one not yet due for a reminder
        yield Spec(f"d{d.id}:{name}:p{k}", name, rule.type, f"{rule.name_zh}（第{k}期）", rule.article, due, remind,
                   esc, len(filed) >= k, prov or p2, rule.notify,
                   f"{_label(d)}：第{k}期决策执行情况报告应于 {due} 前报送决策机关（每{months}个月，{rule.article}）"
                   f" / execution report no. {k} is due {due}" + _provisional_note(due), d.id)
        k += 1


def _issue_report(ctx: Ctx, name: str, rule: TimeRule) -> Iterator[Spec]:
    d = ctx.decision
    for ev in ctx.of("issue_report"):
        day = _day(ev.at) or ctx.today
        nature = ev.meta.get("nature", "problem")
        yield Spec(f"d{d.id}:{name}:ev{ev.id}", name, rule.type, rule.name_zh, rule.article, day, day, None, False,
                   False, rule.notify,
                   f"{_label(d)}：执行单位报告执行中的问题（{nature}，{ev.filename}）。情况紧急的，行政首长可以先决定中止执行"
                   f"（{rule.article}）/ the executing unit reported an issue ({nature}); in an emergency the head may "
                   "suspend execution first", d.id, info_only=True)


def _post_evaluation(ctx: Ctx, name: str, rule: TimeRule) -> Iterator[Spec]:
    d = ctx.decision
    if d.state not in ("execution", "suspended"):
        return
    anchor = _execution_entered(ctx)
    s = ctx.session
    evaluated = s.exec(select(PostEvaluation.id).where(PostEvaluation.decision_id == d.id)).first() is not None
    if anchor is not None and rule.months is not None:
        months = ctx.profile.param(rule.months)
        due, prov = ctx.cal.next_workday(add_months(anchor, months))
        yield Spec(f"d{d.id}:{name}:m{months}", name, rule.type, rule.name_zh, rule.article, due, due, None,
                   evaluated, prov, rule.notify,
                   f"{_label(d)}：已执行{months}个月，决策机关可以组织决策后评估（{rule.article}）"
                   f" / {months} months into execution: the organ may order a post-decision evaluation", d.id,
                   info_only=True)
    if rule.threshold:
        count = len(s.exec(select(PublicFeedback.id).where(PublicFeedback.decision_id == d.id)).all())
        if count >= rule.threshold:
            yield Spec(f"d{d.id}:{name}:feedback{rule.threshold}", name, rule.type, f"{rule.name_zh}（公众意见较多）",
                       rule.article, ctx.today, ctx.today, None, evaluated, False, rule.notify,
                       f"{_label(d)}：公众已提出{count}条意见（达到{rule.threshold}条），建议组织决策后评估"
                       f"（{rule.article}第（二）项）/ {count} public opinions received: a post-decision evaluation "
                       "is suggested", d.id, info_only=True)


def _stale(ctx: Ctx, name: str, rule: TimeRule) -> Iterator[Spec]:
    d = ctx.decision
    order = ctx.profile.stage_order
    pre = order[: order.index("collective_discussion") + 1] if "collective_discussion" in order else order
    if d.state not in (*pre, "deferred"):
        return
    since = _day(d.state_entered_at)
    if since is None:
        return
    n = ctx.profile.param(rule.days)  # type: ignore[arg-type]
    due, prov = ctx.cal.add_workdays(since, n) if rule.unit == "working" else \
        (date.fromordinal(since.toordinal() + n), False)
    stage = ctx.profile.stages[d.state].name_zh if d.state in ctx.profile.stages else d.state
    yield Spec(f"d{d.id}:{name}:{d.state}:{d.state_entered_at}", name, rule.type, rule.name_zh, rule.article, due,
               due, None, False, prov, rule.notify,
               f"{_label(d)}：自 {since} 起停留在「{stage}」已超过{n}个{'工作日' if rule.unit == 'working' else '日'}，"
               f"未作出决策（久拖不决，{rule.article}：依法应当及时作出决策而久拖不决的，倒查责任、终身追究）"
               f" / in {d.state} since {since}, more than {n} {'working ' if rule.unit == 'working' else ''}days"
               + _provisional_note(due), d.id)


GENERATORS = {"comment_period_end": _comment_period_end, "hearing_materials": _hearing_materials,
              "legality_window": _legality_window, "execution_report": _execution_report,
              "issue_report": _issue_report, "post_evaluation": _post_evaluation, "stale": _stale}


def specs_for_decision(s: Session, d: Decision, today: date) -> list[Spec]:
    profile = profile_of(d)
    if not profile.deadlines or d.state in TERMINAL:
        return []
    ev = s.exec(select(Evidence).where(Evidence.decision_id == d.id, Evidence.round == d.round)
                .order_by(col(Evidence.id))).all()
    stages = {r.stage: r for r in s.exec(select(StageStatus).where(StageStatus.decision_id == d.id))}
    ctx = Ctx(s, d, profile, calendar_for(s, profile), today, list(ev), stages)
    out: list[Spec] = []
    for name, rule in profile.deadlines.items():
        gen = GENERATORS.get(rule.type)
        if gen is not None:
            out.extend(gen(ctx, name, rule))
    return out


def _parse_target(item: CatalogItem) -> date | None:
    return _day(item.target_date) if item.target_date else None


def specs_for_catalog_item(s: Session, item: CatalogItem, organ: Office, today: date) -> list[Spec]:
    try:
        profile = profiles.load(organ.profile)
    except profiles.ProfileError:
        return []
    target = _parse_target(item)
    if target is None:
        return []
    cal = calendar_for(s, profile)
    decisions = s.exec(select(Decision).where(Decision.catalog_item_id == item.id)).all()
    decided = any(d.state in DECIDED for d in decisions)
    out = []
    for name, rule in profile.deadlines.items():
        if rule.type != "catalog_target":
            continue
        remind, esc, prov = _offsets(cal, rule, target)
        started = "已启动决策程序" if decisions else "尚未启动决策程序"
        out.append(Spec(f"c{item.id}:{name}", name, rule.type, rule.name_zh, rule.article, target, remind, esc,
                        decided, prov, rule.notify,
                        f"{item.year}年决策事项目录第{item.seq}项「{item.item_name}」计划于 {target} 前作出决策，"
                        f"{started}（{rule.article}）/ catalog item {item.seq} of {item.year} is planned for {target}"
                        + _provisional_note(target), None, item.id))
    return out


# ----------------------------------------------------------------- recipients
def _users(s: Session, office_ids: set[int], roles: list[str]) -> list[User]:
    if not office_ids or not roles:
        return []
    q = (select(User).join(UserRole, col(UserRole.user_id) == col(User.id))
         .where(col(User.office_id).in_(office_ids), col(UserRole.role).in_(roles), col(User.active).is_(True)))
    return list({u.id: u for u in s.exec(q)}.values())


def recipients(s: Session, d: Decision, roles: list[str]) -> list[User]:
    """Users holding one of `roles` within this decision's scope (the same scoping as permissions, with the
    organ's own offices: a county's reviewers are never told about a city's decision, decisions.scope)."""
    scope = decision_scope(s, d)
    out: dict[int, User] = {}
    for role in roles:
        if role == "drafter":
            offices = set(scope.undertaker_ids)
        elif role in ("decision_organ", "head", "secretary"):
            offices = {scope.organ_id}
        elif role == "legality_reviewer":
            offices = set(scope.organ_subtree) - set(scope.undertaker_ids)
        elif role == "executor":
            offices = {scope.executing_unit_id} if scope.executing_unit_id else set(scope.undertaker_ids)
        else:
            offices = set(scope.organ_subtree)
        for u in _users(s, offices, [role]):
            out[u.id or 0] = u
    return sorted(out.values(), key=lambda u: u.id or 0)


def escalation_recipients(s: Session, organ_id: int, undertaker_ids: set[int]) -> list[User]:
    """The undertaking unit's head and the decision organ (its head and decision_organ users)."""
    out = {u.id: u for u in _users(s, undertaker_ids, ["head"])}
    out.update({u.id: u for u in _users(s, {organ_id}, ["head", "decision_organ"])})
    return sorted(out.values(), key=lambda u: u.id or 0)


# ----------------------------------------------------------------- notifications
def notify(s: Session, users: list[User], *, dedupe: str, kind: str, subject: str, body: str, article: str = "",
           deadline_id: int | None = None, decision_id: int | None = None,
           catalog_item_id: int | None = None) -> int:
    """Put one notice in each user's inbox, once: an existing (dedupe, user) row is left alone."""
    if not users:
        return 0
    have = set(s.exec(select(Notification.user_id).where(Notification.dedupe == dedupe,
                                                        col(Notification.user_id).in_([u.id for u in users]))))
    emails = {c.user_id: c.email for c in s.exec(select(UserContact)
                                                   .where(col(UserContact.user_id).in_([u.id for u in users])))}
    stamp = clock.now().isoformat(timespec="seconds")
    made = 0
    for u in users:
        if u.id in have:
            continue
        s.add(Notification(user_id=u.id or 0, dedupe=dedupe, kind=kind, deadline_id=deadline_id,
                           decision_id=decision_id, catalog_item_id=catalog_item_id, subject=subject, body=body,
                           article=article, created_at=stamp, email_status="pending" if u.id in emails else ""))
        made += 1
    return made


@dataclass
class RunStats:
    decisions: int = 0
    catalog_items: int = 0
    created: int = 0
    reminders: int = 0
    escalations: int = 0
    stale: int = 0
    notices: int = 0
    done: int = 0
    cancelled: int = 0
    notifications: int = 0
    emails: int = 0
    conflicts: int = 0
    updated: int = 0

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _apply(s: Session, specs: list[Spec], existing: dict[str, Deadline], stats: RunStats, *,
           decision: Decision | None, organ_id: int, undertaker_ids: set[int] | None) -> bool:
    """Upsert the deadlines, close what is done, fire what is due. True when a decision event was recorded."""
    today = clock.today()
    stamp = clock.now().isoformat(timespec="seconds")
    recorded = False
    wanted = {sp.key for sp in specs}

    def und() -> set[int]:   # the undertaking units, looked up only when something fires
        if undertaker_ids is not None:
            return undertaker_ids
        return set(scope_of(s, decision).undertaker_ids) if decision is not None else set()

    label = decision.code if decision is not None else ""
    for key, row in existing.items():
        if key not in wanted and row.status == "open":
            # no longer implied by the record (the stage was left, a round restarted, execution suspended);
            # a stale flag whose decision moved on is resolved. A reappearing key reopens, its markers kept.
            row.status = "done" if row.type == "stale" else "cancelled"
            row.done_at = stamp
            stats.cancelled += row.status == "cancelled"
            stats.done += row.status == "done"
    for sp in specs:
        if decision is None:
            label = f"目录事项#{sp.catalog_item_id}"
        row = existing.get(sp.key)
        if row is None:
            row = Deadline(key=sp.key, rule=sp.rule, type=sp.type, decision_id=sp.decision_id,
                           catalog_item_id=sp.catalog_item_id, title=sp.title, article=sp.article, due=_iso(sp.due),
                           remind_on=_iso(sp.remind_on), escalate_on=_iso(sp.escalate_on) if sp.escalate_on else "",
                           provisional=sp.provisional, created_at=stamp)
            s.add(row)
            s.flush()
            existing[sp.key] = row
            stats.created += 1
        elif row.status != "done":
            # dates follow the record (a corrected submission date, a new calendar override) until it fires
            values: dict = {"due": _iso(sp.due), "provisional": sp.provisional, "title": sp.title}
            if not row.reminded_at:
                values["remind_on"] = _iso(sp.remind_on)
            if not row.escalated_at:
                values["escalate_on"] = _iso(sp.escalate_on) if sp.escalate_on else ""
            if row.status == "cancelled":
                values.update(status="open", done_at="")
            for name, value in values.items():
                if getattr(row, name) != value:   # set only what changed: an unchanged pass writes nothing
                    setattr(row, name, value)
                    stats.updated += 1
        if row.status != "open":
            continue
        if sp.done:
            row.status, row.done_at = "done", stamp
            stats.done += 1
            continue
        if row.remind_on <= _iso(today) and not row.reminded_at:
            kind = {"stale": "stale", "issue_report": "notice", "post_evaluation": "suggestion"}.get(sp.type,
                                                                                                    "reminder")
            if decision is not None:
                users = recipients(s, decision, sp.notify)
                if kind == "stale":
                    users = sorted({u.id: u for u in [*users, *escalation_recipients(s, organ_id, und())]}
                                   .values(), key=lambda u: u.id or 0)
            else:
                users = _users(s, {organ_id}, sp.notify)
            tag = {"reminder": "提醒", "stale": "督办", "notice": "通知", "suggestion": "建议"}[kind]
            stats.notifications += notify(s, users, dedupe=f"{sp.key}:remind", kind=kind,
                                          subject=f"【{tag}】{label} {sp.title}（期限 {sp.due}）" if kind == "reminder"
                                          else f"【{tag}】{label} {sp.title}", body=sp.body, article=sp.article,
                                          deadline_id=row.id, decision_id=sp.decision_id,
                                          catalog_item_id=sp.catalog_item_id)
            row.reminded_at = stamp
            if kind == "stale":
                stats.stale += 1
                if decision is not None:
                    _decision_event(s, decision, "stale_flag", {"deadline": sp.key, "since_state": decision.state,
                                                                "threshold_due": _iso(sp.due),
                                                                "article": sp.article})
                    recorded = True
            elif kind == "reminder":
                stats.reminders += 1
            else:
                stats.notices += 1
            if sp.info_only:
                row.status, row.done_at = "done", stamp
                continue
        if row.escalate_on and row.escalate_on <= _iso(today) and not row.escalated_at:
            users = escalation_recipients(s, organ_id, und())
            stats.notifications += notify(s, users, dedupe=f"{sp.key}:escalate", kind="escalation",
                                          subject=f"【逾期督办】{label} {sp.title}（期限 {sp.due} 已过）",
                                          body=f"逾期未办 / overdue since {sp.due}：\n{sp.body}", article=sp.article,
                                          deadline_id=row.id, decision_id=sp.decision_id,
                                          catalog_item_id=sp.catalog_item_id)
            row.escalated_at = stamp
            stats.escalations += 1
            if decision is not None:
                _decision_event(s, decision, "escalate", {"deadline": sp.key, "due": _iso(sp.due),
                                                          "to": [u.username for u in users], "article": sp.article})
                recorded = True
            else:
                audit.record(s, decision_id=None, actor="worker", role="system", office="", action="escalate",
                             detail={"deadline": sp.key, "due": _iso(sp.due), "to": [u.username for u in users],
                                     "article": sp.article})
    return recorded


def _decision_event(s: Session, d: Decision, action: str, detail: dict) -> None:
    """An escalation or stale flag belongs to the decision's own trail (Art 38: who knew, and when)."""
    d.updated_at = clock.now().isoformat(timespec="seconds")  # bump the version lock (service._touch)
    audit.record(s, decision_id=d.id, actor="worker", role="system", office="", action=action, detail=detail)


# ----------------------------------------------------------------- the lease
def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def acquire_lease(holder: str, seconds: float) -> bool:
    """Take the worker lease when it is free or expired (real time); atomic on SQLite and PostgreSQL."""
    now = time.time()
    with UnitOfWork() as uow:
        if uow.session.get(WorkerLease, LEASE_NAME) is None:
            uow.session.add(WorkerLease(name=LEASE_NAME))
            try:
                uow.commit()
            except (IntegrityError, Conflict):
                pass
    with UnitOfWork() as uow:
        result = uow.session.execute(
            update(WorkerLease).where(col(WorkerLease.name) == LEASE_NAME)
            .where((col(WorkerLease.holder) == holder) | (col(WorkerLease.expires_at) < now))
            .values(holder=holder, expires_at=now + seconds, acquired_at=clock.now().isoformat(timespec="seconds")))
        try:
            uow.commit()
        except Conflict:
            return False
        return bool(result.rowcount)


def release_lease(holder: str) -> None:
    with UnitOfWork() as uow:
        uow.session.execute(update(WorkerLease).where(col(WorkerLease.name) == LEASE_NAME,
                                                      col(WorkerLease.holder) == holder).values(expires_at=0.0))
        uow.commit()


def lease_info() -> dict:
    with UnitOfWork() as uow:
        row = uow.session.get(WorkerLease, LEASE_NAME)
        if row is None:
            return {"holder": None, "active": False}
        return {"holder": row.holder, "active": row.expires_at > time.time(), "acquired_at": row.acquired_at}


# ----------------------------------------------------------------- the job
SCAN_STATE = "deadlines.scan"   # a worker_lease row: holder = day of the last full scan, acquired_at = watermark
RENEW_EVERY = 100               # decisions between lease renewals during a long scan


def _scan_state() -> tuple[str, str]:
    with UnitOfWork() as uow:
        row = uow.session.get(WorkerLease, SCAN_STATE)
        return (row.holder, row.acquired_at) if row else ("", "")


def _save_scan_state(full_day: str, watermark: str) -> None:
    with UnitOfWork() as uow:
        row = uow.session.get(WorkerLease, SCAN_STATE)
        if row is None:
            uow.session.add(WorkerLease(name=SCAN_STATE, holder=full_day, acquired_at=watermark))
        else:
            row.holder, row.acquired_at = full_day, watermark
        try:
            uow.commit()
        except (Conflict, IntegrityError):
            pass


def _candidates(full: bool, today: date, watermark: str) -> tuple[list[int], list[int]]:
    """Decisions and catalog items to look at: all of them in a full scan; otherwise those changed since the
    last scan (every change of a decision bumps updated_at) and those with a reminder or escalation due."""
    t = _iso(today)
    with UnitOfWork() as uow:
        s = uow.session
        due = (Deadline.status == "open") & (((Deadline.reminded_at == "") & (col(Deadline.remind_on) <= t))
                                             | ((Deadline.escalate_on != "") & (Deadline.escalated_at == "")
                                                & (col(Deadline.escalate_on) <= t)))
        due_rows = s.exec(select(Deadline.decision_id, Deadline.catalog_item_id).where(due)).all()
        if full:
            ids = set(s.exec(select(Decision.id).where(col(Decision.state).not_in(TERMINAL))))
            ids |= {i for i in s.exec(select(Deadline.decision_id).where(
                Deadline.status == "open", col(Deadline.decision_id).is_not(None)).distinct()) if i}
            items = set(s.exec(select(CatalogItem.id).where(col(CatalogItem.version_removed).is_(None))))
        else:
            changed = s.exec(select(Decision.id, Decision.catalog_item_id)
                             .where(col(Decision.updated_at) >= watermark)).all()
            ids = {d for d, _ in changed}
            items = {i for _, i in changed if i}     # a decision on an item settles the item's target date
        ids |= {d for d, _ in due_rows if d}
        items |= {i for _, i in due_rows if i}
        items |= set(s.exec(select(Deadline.catalog_item_id).where(Deadline.status == "open",
                                                                  col(Deadline.catalog_item_id).is_not(None))
                            .where(col(Deadline.catalog_item_id).not_in(
                                select(CatalogItem.id).where(col(CatalogItem.version_removed).is_(None)))))) - {None}
    return sorted(i for i in ids if i), sorted(i for i in items if i)


def run_once(*, holder: str | None = None, use_lease: bool = True, lease_seconds: float | None = None,
             send_email: bool = True, full: bool = False, _crash_after: int | None = None) -> dict:
    """Process everything due at clock.now(): the worker's one job. Safe to run any number of times.

    The first pass of a day (or `full=True`) looks at every open decision and catalog item; later passes
    only at what changed since the previous pass and at what has a reminder or escalation due.
    """
    holder = holder or _holder()
    seconds = lease_seconds if lease_seconds is not None else float(os.environ.get("JUECE_WORKER_LEASE_SECONDS", 600))
    if use_lease and not acquire_lease(holder, seconds):
        return {"ran": False, "reason": "另一个工作进程持有租约 / another worker holds the lease", **lease_info(),
                "now": clock.now().isoformat(timespec="seconds")}
    if use_lease:   # the real-time span each worker held the lease (tests/test_multiprocess.py reads these lines)
        log.info("lease taken by %s", holder)
    stats = RunStats()
    started = clock.now().isoformat(timespec="seconds")
    today = clock.today()
    full_day, watermark = _scan_state()
    full = full or full_day != _iso(today) or not watermark or started < watermark
    completed = False
    try:
        ids, item_ids = _candidates(full, today, watermark)
        for n, did in enumerate(ids, start=1):
            _process_decision(did, today, stats)
            if _crash_after is not None and n >= _crash_after:
                raise RuntimeError("simulated crash")
            if use_lease and n % RENEW_EVERY == 0 and not acquire_lease(holder, seconds):
                raise Conflict("租约已失效 / the worker lease was lost")   # another worker took over
        for iid in item_ids:
            _process_item(iid, today, stats)
        if send_email:
            stats.emails = deliver_email()
        completed = True
    finally:
        if completed:
            _save_scan_state(_iso(today) if full else full_day, started)
        if use_lease and _crash_after is None:
            log.info("lease released by %s", holder)
            release_lease(holder)
    return {"ran": True, "holder": holder, "now": started, "full": full, **stats.as_dict()}


def _process_decision(did: int, today: date, stats: RunStats) -> None:
    try:
        _process_decision_tx(did, today, stats)
    except (Conflict, DBAPIError, StaleDataError):  # a user or another worker got here first: next run
        stats.conflicts += 1


def _process_decision_tx(did: int, today: date, stats: RunStats) -> None:
    with UnitOfWork() as uow:
        s = uow.session
        d = s.get(Decision, did)
        if d is None:
            return
        try:
            specs = specs_for_decision(s, d, today)
        except BadInput as exc:  # a profile version that cannot be loaded: say so, go on with the others
            log.warning("decision %s: %s", d.code, exc.message)
            return
        existing = {r.key: r for r in s.exec(select(Deadline).where(Deadline.decision_id == did))}
        before = stats.as_dict()
        _apply(s, specs, existing, stats, decision=d, organ_id=d.organ_id, undertaker_ids=None)
        stats.decisions += 1
        if stats.as_dict() != {**before, "decisions": stats.decisions} or s.new or s.dirty or s.deleted:
            uow.commit()                    # most passes change nothing: no write transaction then


def _process_item(iid: int, today: date, stats: RunStats) -> None:
    try:
        _process_item_tx(iid, today, stats)
    except (Conflict, DBAPIError, StaleDataError):
        stats.conflicts += 1


def _process_item_tx(iid: int, today: date, stats: RunStats) -> None:
    with UnitOfWork() as uow:
        s = uow.session
        item = s.get(CatalogItem, iid)
        if item is None:
            return
        published = s.exec(select(CatalogVersion).where(CatalogVersion.organ_id == item.organ_id,
                                                        CatalogVersion.year == item.year,
                                                        CatalogVersion.status == "published",
                                                        CatalogVersion.version >= item.version_added)).first()
        organ = s.get(Office, item.organ_id)
        if organ is None:
            return
        specs = specs_for_catalog_item(s, item, organ, today) if published else []
        existing = {r.key: r for r in s.exec(select(Deadline).where(Deadline.catalog_item_id == iid))}
        if not specs and not existing:
            return
        before = stats.as_dict()
        _apply(s, specs, existing, stats, decision=None, organ_id=item.organ_id,
               undertaker_ids={item.undertaker_id} if item.undertaker_id else set())
        stats.catalog_items += 1
        if stats.as_dict() != {**before, "catalog_items": stats.catalog_items} or s.new or s.dirty or s.deleted:
            uow.commit()


# ----------------------------------------------------------------- e-mail
def smtp_settings() -> dict | None:
    host = os.environ.get("JUECE_SMTP_HOST", "").strip()
    if not host:
        return None
    return {"host": host, "port": int(os.environ.get("JUECE_SMTP_PORT", "25")),
            "sender": os.environ.get("JUECE_SMTP_FROM", "juece@localhost"),
            "user": os.environ.get("JUECE_SMTP_USER", ""), "password": os.environ.get("JUECE_SMTP_PASSWORD", ""),
            "starttls": os.environ.get("JUECE_SMTP_STARTTLS", "") in ("1", "true", "yes")}


def deliver_email(max_attempts: int = 3) -> int:
    """Send pending notifications by SMTP. Each is claimed first (pending → sending), so no two workers send it."""
    cfg = smtp_settings()
    if cfg is None:
        return 0
    with UnitOfWork() as uow:
        rows = uow.session.exec(select(Notification.id, UserContact.email)
                                .join(UserContact, col(UserContact.user_id) == col(Notification.user_id))
                                .where(Notification.email_status == "pending").order_by(col(Notification.id))).all()
    sent = 0
    if not rows:
        return 0
    try:
        smtp = smtplib.SMTP(cfg["host"], cfg["port"], timeout=10)
    except OSError as exc:
        log.warning("SMTP %s:%s unreachable: %s", cfg["host"], cfg["port"], exc)
        return 0
    with smtp:
        if cfg["starttls"]:
            smtp.starttls()
        if cfg["user"]:
            smtp.login(cfg["user"], cfg["password"])
        for nid, address in rows:
            with UnitOfWork() as uow:
                claimed = uow.session.execute(update(Notification)
                                              .where(col(Notification.id) == nid,
                                                     Notification.email_status == "pending")
                                              .values(email_status="sending")).rowcount
                uow.commit()
            if not claimed:
                continue
            with UnitOfWork() as uow:
                n = uow.session.get(Notification, nid)
                assert n is not None
                msg = EmailMessage()
                msg["From"], msg["To"], msg["Subject"] = cfg["sender"], address, n.subject
                msg["Message-ID"] = f"<juece-notification-{nid}@{cfg['sender'].split('@')[-1]}>"
                msg.set_content(f"{n.body}\n\n（{n.article}）\n— juece 决策程序引擎 / notification #{nid}")
                try:
                    smtp.send_message(msg)
                    n.email_status, n.emailed_at = "sent", clock.now().isoformat(timespec="seconds")
                    sent += 1
                except smtplib.SMTPException as exc:
                    n.email_attempts += 1
                    n.email_status = "failed" if n.email_attempts >= max_attempts else "pending"
                    log.warning("notification %s to %s not sent: %s", nid, address, exc)
                uow.commit()
    return sent


# ----------------------------------------------------------------- inbox and contacts
def inbox(as_user: str, *, unread_only: bool = False, limit: int = 200) -> list[dict]:
    with UnitOfWork() as uow:
        actor = actor_for(uow.session, as_user)
        q = select(Notification).where(Notification.user_id == actor.user_id)
        if unread_only:
            q = q.where(Notification.read_at == "")
        rows = uow.session.exec(q.order_by(col(Notification.id).desc()).limit(limit)).all()
        return [_notification_view(n) for n in rows]


def _notification_view(n: Notification) -> dict:
    return {"id": n.id, "kind": n.kind, "subject": n.subject, "body": n.body, "article": n.article,
            "decision_id": n.decision_id, "catalog_item_id": n.catalog_item_id, "created_at": n.created_at,
            "read": bool(n.read_at), "read_at": n.read_at, "email": n.email_status}


def mark_read(notification_id: int, as_user: str) -> dict:
    with UnitOfWork() as uow:
        actor = actor_for(uow.session, as_user)
        n = uow.session.get(Notification, notification_id)
        if n is None:
            raise NotFound(f"未知通知 / unknown notification: {notification_id}")
        if n.user_id != actor.user_id:
            raise NotPermitted(f"通知 {notification_id} 不属于 {as_user} / not this user's notification")
        if not n.read_at:
            n.read_at = clock.now().isoformat(timespec="seconds")
        uow.commit()
        return _notification_view(n)


def set_email(username: str, email: str, as_user: str | None = None) -> dict:
    email = email.strip()
    if email and ("@" not in email or any(c in email for c in " \r\n<>,;")):
        raise BadInput(f"电子邮件地址无效 / invalid e-mail address: {email!r}")
    with UnitOfWork() as uow:
        s = uow.session
        who, role, office = _operator(s, as_user)
        target = actor_for(s, username)
        row = s.get(UserContact, target.user_id)
        if not email:
            if row is not None:
                s.delete(row)
        elif row is None:
            s.add(UserContact(user_id=target.user_id, email=email))
        else:
            row.email = email
        audit.record(s, decision_id=None, actor=who, role=role, office=office, action="user_email",
                     detail={"username": username, "email": email})
        uow.commit()
        return {"username": username, "email": email}


def deadlines(ident: str | int | None = None, *, status: str | None = None, as_user: str | None = None) -> list[dict]:
    """The deadline table (one decision's, or all), for `juece deadlines` and the dashboard.

    `as_user`: read as that user (decisions.scope; None is the server operator, who sees every row). With a
    decision, NotPermitted (exit 4) naming the user and the decision when it is outside their scope; without
    one, only the rows of the decisions that user may open and of the catalog items they may read (the rule
    of `catalog.items`: published items of every organ, unpublished drafts only of the organs in their scope)."""
    from sqlalchemy import false, or_

    from decisions import scope
    from decisions.service import get_decision

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


# ----------------------------------------------------------------- calendar administration
def _calendar(s: Session, profile_name: str | None) -> WorkCalendar:
    profile = profiles.load(profile_name or "state-council-2019")
    return calendar_for(s, profile)


def check_day(day: str, profile: str | None = None) -> dict:
    d = clock.parse_date(day, "DAY")
    with UnitOfWork() as uow:
        try:
            return _calendar(uow.session, profile).explain(d)
        except profiles.ProfileError as exc:
            raise BadInput(str(exc)) from None


def add_days(start: str, n: int, profile: str | None = None) -> dict:
    """The n-th working day after (or, n < 0, before) `start`."""
    d = clock.parse_date(start, "START")
    with UnitOfWork() as uow:
        try:
            cal = _calendar(uow.session, profile)
        except profiles.ProfileError as exc:
            raise BadInput(str(exc)) from None
        day, prov = cal.add_workdays(d, n) if n >= 0 else cal.sub_workdays(d, -n)
        return {"start": d.isoformat(), "working_days": n, "day": day.isoformat(), "provisional": prov,
                "warning": coverage_warning(d, day)}


def set_override(day: str, workday: bool, note: str = "", as_user: str | None = None) -> dict:
    """Admin: declare a day a working day or a rest day (e.g. a year the package does not know yet)."""
    d = clock.parse_date(day, "DAY")
    with UnitOfWork() as uow:
        s = uow.session
        who, role, office = _operator(s, as_user)
        row = s.get(CalendarOverride, d.isoformat())
        if row is None:
            s.add(CalendarOverride(day=d.isoformat(), is_workday=workday, note=note.strip()))
        else:
            row.is_workday, row.note = workday, note.strip()
        audit.record(s, decision_id=None, actor=who, role=role, office=office, action="calendar_override",
                     detail={"day": d.isoformat(), "workday": workday, "note": note.strip()})
        uow.commit()
        return {"day": d.isoformat(), "workday": workday, "note": note.strip(), "warning": coverage_warning(d)}


def remove_override(day: str, as_user: str | None = None) -> dict:
    d = clock.parse_date(day, "DAY")
    with UnitOfWork() as uow:
        s = uow.session
        who, role, office = _operator(s, as_user)
        row = s.get(CalendarOverride, d.isoformat())
        if row is None:
            raise NotFound(f"没有该日的调整记录 / no override for {d}")
        s.delete(row)
        audit.record(s, decision_id=None, actor=who, role=role, office=office, action="calendar_override_removed",
                     detail={"day": d.isoformat()})
        uow.commit()
        return {"day": d.isoformat(), "removed": True}


WORK_WORDS = {"1": True, "yes": True, "workday": True, "work": True, "上班": True, "工作日": True,
              "0": False, "no": False, "rest": False, "holiday": False, "休息": False, "休息日": False, "放假": False}


def import_overrides(path: Path, as_user: str | None = None) -> dict:
    """Load a year's holiday table (CSV: day, workday[, note]) into the override table, all rows or none.

    Meant for a year the package does not cover yet (the State Council publishes it in November); for a
    covered year the table is still loaded, with a warning that it overrides the package.
    """
    import csv

    try:
        with path.open(encoding="utf-8") as fh:
            rows = [r for r in csv.reader(fh) if r and not r[0].startswith("#")]
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"{path}: 无法读取 / cannot read: {exc}") from None
    if rows and rows[0][0].strip().lower() in ("day", "date", "日期"):
        rows = rows[1:]
    if not rows:
        raise BadInput(f"{path}: 没有数据行 / no rows (expected: day,workday[,note])")
    parsed: list[tuple[date, bool, str]] = []
    for i, r in enumerate(rows, start=1):
        if len(r) < 2:
            raise BadInput(f"{path}: 第{i}行应为 day,workday[,note] / row {i}: expected day,workday[,note]")
        day = clock.parse_date(r[0], f"{path.name} row {i}")
        flag = WORK_WORDS.get(r[1].strip().lower())
        if flag is None:
            raise BadInput(f"{path.name} 第{i}行：{r[1]!r} 应为 workday/rest（1/0）/ row {i}: workday must be 1 or 0")
        parsed.append((day, flag, r[2].strip() if len(r) > 2 else ""))
    years = sorted({d.year for d, _, _ in parsed})
    with UnitOfWork() as uow:
        s = uow.session
        who, role, office = _operator(s, as_user)
        for day, flag, note in parsed:
            row = s.get(CalendarOverride, day.isoformat())
            if row is None:
                s.add(CalendarOverride(day=day.isoformat(), is_workday=flag, note=note))
            else:
                row.is_workday, row.note = flag, note
        audit.record(s, decision_id=None, actor=who, role=role, office=office, action="calendar_import",
                     detail={"file": path.name, "rows": len(parsed), "years": years})
        uow.commit()
    covered = [y for y in years if package_covers(y)]
    warning = coverage_warning(*(date(y, 6, 1) for y in years))
    if covered:
        warning = (warning + "\n" if warning else "") + (
            f"注意：chinesecalendar 已收录 {'、'.join(map(str, covered))} 年，导入的调整优先于软件包 / "
            "note: the package covers these years; the imported rows override it")
    return {"file": path.name, "rows": len(parsed), "years": years, "warning": warning}


def list_overrides(year: int | None = None) -> list[dict]:
    with UnitOfWork() as uow:
        q = select(CalendarOverride).order_by(col(CalendarOverride.day))
        if year:
            q = q.where(col(CalendarOverride.day).startswith(f"{year}-"))
        return [{"day": o.day, "workday": o.is_workday, "note": o.note} for o in uow.session.exec(q)]


def triggers_of(s: Session, d: Decision) -> dict[str, bool]:
    return {t.name: t.value for t in s.exec(select(TriggerDetermination)
                                            .where(TriggerDetermination.decision_id == d.id))}

