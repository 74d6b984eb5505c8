"""Time rules of the profile turned into dated deadlines (specs) for a decision or a catalog item.

Each ``[deadlines.*]`` rule of the profile names a generator here; a generator reads the record (evidence dates,
the stage entered, reports filed) and yields what is due, when, to whom, with its article. Pure reads: the
worker (``scheduled.py``) writes the deadline rows."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from decisions.accounts.models import Office
from decisions.aftercare.models import PostEvaluation, PublicFeedback
from decisions.catalog.models import CatalogItem
from decisions.procedure.models import Decision, Evidence, StageStatus, TriggerDetermination, live_evidence
from decisions.procedure.service import calendar_for, profile_of
from workflow import profiles
from workflow.calendar import WorkCalendar, add_months
from workflow.profiles import Profile, TimeRule

TERMINAL = ("closed", "withdrawn", "excluded", "rejected")


DECIDED = ("party_report", "publication", "execution", "suspended", "closed", "rejected", "excluded", "withdrawn")


def iso_date(d: date) -> str:
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


def _provisional_note(cal: WorkCalendar, *days: date) -> str:
    warning = cal.warning(*days)
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
                   + _provisional_note(ctx.cal, remind, end), d.id)


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
                   f"the {n}-working-day window ends {due}, no legality opinion yet" + _provisional_note(ctx.cal, due), d.id)


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
                   f" / execution report no. {k} is due {due}" + _provisional_note(ctx.cal, due), d.id)
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
    st = ctx.profile.stages.get(d.state)
    stage, stage_en = (st.name_zh, st.name_en) if st else ("暂缓", "deferred")
    yield Spec(f"d{d.id}:{name}:{d.state}:{d.state_entered_at}", name, rule.type, rule.name_zh, rule.article, due,
               due, None, False, prov, rule.notify,
               f"{_label(d)}：自 {since} 起停留在「{stage}」已超过{n}个{'工作日' if rule.unit == 'working' else '日'}，"
               f"未作出决策（久拖不决，{rule.article}：依法应当及时作出决策而久拖不决的，倒查责任、终身追究）"
               f" / in {stage_en} since {since}, more than {n} {'working ' if rule.unit == 'working' else ''}days"
               + _provisional_note(ctx.cal, due), d.id)


GENERATORS = {"comment_period_end": _comment_period_end, "hearing_materials": _hearing_materials,
              "legality_window": _legality_window, "execution_report": _execution_report,
              "issue_report": _issue_report, "post_evaluation": _post_evaluation, "stale": _stale}


def specs_for_decision(s: Session, d: Decision, today: date) -> list[Spec]:
    profile = profile_of(d)
    if not profile.deadlines or d.state in TERMINAL:
        return []
    # a voided report satisfies no due date: the cadence runs from the last live one
    ev = s.exec(select(Evidence).where(Evidence.decision_id == d.id, Evidence.round == d.round, live_evidence())
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
                        + _provisional_note(cal, target), None, item.id))
    return out


def triggers_of(s: Session, d: Decision) -> dict[str, bool]:
    return {t.name: t.value for t in s.exec(select(TriggerDetermination)
                                            .where(TriggerDetermination.decision_id == d.id))}
