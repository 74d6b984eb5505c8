"""Gate evaluation: a pure function of the profile and a snapshot of the decision (no I/O).

Each profile rule type is interpreted here once; the profile decides which rules apply where, with
which parameters and which article. The result is every unmet requirement, each with its article.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from decisions import clock
from decisions.errors import Unmet
from workflow.calendar import WorkCalendar
from workflow.profiles import Profile, Rule, eval_expr


@dataclass(frozen=True)
class Item:
    """One evidence item as the gates see it. ``id`` orders items: higher is newer."""

    id: int
    kind: str
    meta: dict
    stage: str = ""
    role: str = ""
    filename: str = ""


@dataclass(frozen=True)
class Determination:
    value: bool
    reason: str = ""


class Deferred:
    """A snapshot value loaded only when a rule reads it (the meeting, the calendar, the opinion ledger:
    most stages' rules never do, and each costs a query)."""

    __slots__ = ("load",)

    def __init__(self, load: Callable[[], object]) -> None:
        self.load = load


@dataclass
class Snapshot:
    """What the gates may look at: trigger determinations and the evidence of the current round.
    ``approved_meeting``, ``ledger`` and ``calendar`` may be given as ``Deferred``: loaded on first read."""

    triggers: dict[str, Determination]
    items: list[Item]
    approved_meeting: bool = False
    meeting_date: date | None = None
    ledger: dict[str, int] | None = None  # opinion ledger counts of the round (received, adopted, ..., pending)
    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    # the round's online consultation (公开征求意见, participation concept): {"start", "end", "shortened_reason"}
    consultation: dict[str, str] | None = None
    today: date | None = None  # the clock's day (JUECE_NOW); None: read the clock
    # stages done in an earlier round that this round keeps (a revised draft does not make them stale, §8)
    carried: frozenset[str] = frozenset()

    def __getattribute__(self, name: str) -> Any:
        value = object.__getattribute__(self, name)
        if type(value) is Deferred:
            value = value.load()
            object.__setattr__(self, name, value)
        return value

    @property
    def trigger_values(self) -> dict[str, bool]:
        return {k: v.value for k, v in self.triggers.items()}

    def of(self, kinds: list[str], where: dict[str, str] | None = None) -> list[Item]:
        where = where or {}
        return [i for i in self.items
                if i.kind in kinds and all(str(i.meta.get(k, "")) == v for k, v in where.items())]


def _where_text(where: dict[str, str]) -> str:
    return "（" + "，".join(f"{k}={v}" for k, v in where.items()) + "）" if where else ""


def _kind_names(profile: Profile, kinds: list[str], lang: str) -> str:
    names = [getattr(profile.kinds[k], f"name_{lang}") for k in kinds]
    return "或".join(f"「{n}」" for n in names) if lang == "zh" else " or ".join(names)


def _unmet(profile: Profile, stage: str, rule: Rule, req: str, zh: str, en: str, **fmt: object) -> Unmet:
    msg_zh = (rule.message_zh or zh).format(**fmt)
    msg_en = (rule.message_en or en).format(**fmt)
    return Unmet(requirement=f"{stage}.{req}", article=rule.article,
                 message=f"{msg_zh}（{cite(profile, rule.article)}）", message_en=msg_en)


def cite(profile: Profile, article: str) -> str:
    """'依据《条例》第25条第2款' — another law when the article names one ('优化营商环境条例 Art 62')."""
    if article.startswith("Art "):
        return f"依据{profile.law_zh}{_article_zh(article)}"
    law, _, ref = article.partition(" Art ")
    return f"依据《{law}》{_article_zh('Art ' + ref)}" if ref else f"依据{article}"


def _article_zh(article: str) -> str:
    """'Art 25¶2' -> 第25条第2款; 'Art 29(3)' -> 第29条第3项; 'Art 10, 11' -> 第10条、第11条."""
    parts = []
    for ref in article[4:].split(", "):
        m = re.fullmatch(r"(\d+)(?:¶(\d+))?(?:\((\d+)\))?", ref.strip())
        if not m:
            parts.append(ref)
            continue
        text = f"第{m.group(1)}条"
        text += f"第{m.group(2)}款" if m.group(2) else ""
        text += f"第{m.group(3)}项" if m.group(3) else ""
        parts.append(text)
    return "、".join(parts)


def _as_date(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def _req(r: Rule) -> str:
    """A stable requirement id: the kind and its metadata filter, e.g. participation_activity.form=hearing."""
    return r.kinds[0] + "".join(f".{k}={v}" for k, v in r.where.items())


def _r_evidence(p: Profile, stage: str, r: Rule, s: Snapshot) -> list[Unmet]:
    if r.if_any and not s.of([r.if_any.kind], r.if_any.where):
        return []
    if r.if_newest:
        pool = s.of([r.if_newest.kind])
        if not pool or pool[-1] not in s.of([r.if_newest.kind], r.if_newest.where):
            return []
    need = p.param(r.min)
    found = s.of(r.kinds, r.where)
    # `distinct`: the number of different values of that metadata key (e.g. the expert's own account), not of files
    count = len({str(i.meta[r.distinct]) for i in found if i.meta.get(r.distinct)}) if r.distinct else len(found)
    if count >= need:
        return []
    return [_unmet(p, stage, r, _req(r),
                   "缺少{names}{where}：需要至少{min}份，现有{count}份",
                   "missing {names_en}{where}: at least {min} required, {count} present",
                   names=_kind_names(p, r.kinds, "zh"), names_en=_kind_names(p, r.kinds, "en"),
                   where=_where_text(r.where), min=need, count=count)]


def _r_forbid(p: Profile, stage: str, r: Rule, s: Snapshot) -> list[Unmet]:
    return [_unmet(p, stage, r, f"{r.kinds[0]}.forbidden.{i.id}", "不允许的{names}：{item}",
                   "not allowed: {item}", names=_kind_names(p, r.kinds, "zh"),
                   item=i.meta.get("expert") or i.filename)
            for i in s.of(r.kinds, r.where)]


def _r_interval(p: Profile, stage: str, r: Rule, s: Snapshot) -> list[Unmet]:
    out = []
    need = p.param(r.min_days or 0)
    for i in s.of(r.kinds, r.where):
        start, end = _as_date(i.meta.get(r.from_)), _as_date(i.meta.get(r.to))
        if start is None or end is None:
            continue  # required dates are enforced when the item is attached
        if r.unit == "working":
            days, _ = s.calendar.workdays_between(start, end)
        else:
            days = (end - start).days
        if days < need and not (r.unless and str(i.meta.get(r.unless, "")).strip()):
            out.append(_unmet(p, stage, r, f"{_req(r)}.{r.from_}-{r.to}.{i.id}",
                              "期限不足：{from}至{to}仅{days}日，至少{min}日",
                              "period too short: {from} to {to} is {days} days, at least {min}",
                              min=need, days=days, **{"from": start.isoformat(), "to": end.isoformat()}))
    return out


def _r_newest(p: Profile, stage: str, r: Rule, s: Snapshot) -> list[Unmet]:
    pool = s.of(r.kinds)
    if not pool:
        return []
    newest = pool[-1]
    value = str(newest.meta.get(r.key, ""))
    if value in r.allowed:
        return []
    exc = r.exception
    if exc and s.trigger_values.get(exc.trigger) and value in exc.values:
        if any(i.id > newest.id for i in s.of([exc.requires_kind])):
            return []
        return [Unmet(
            requirement=f"{stage}.{exc.requires_kind}", article=r.article,
            message=(f"探索性改革事项经审查不合法的，须由合法性审查机构明示法律风险后方可提交讨论"
                     f"（缺少「{p.kinds[exc.requires_kind].name_zh}」）（{cite(p, r.article)}）"),
            message_en=f"exploratory reform: an unlawful draft goes on only with a {exc.requires_kind} by the reviewer")]
    return [_unmet(p, stage, r, f"{r.kinds[0]}.{r.key}", "最新{names}的{key}为「{value}」，应为{allowed}",
                   "newest {key} is {value}, must be one of {allowed}",
                   names=_kind_names(p, r.kinds, "zh"), key=r.key, value=value, allowed="/".join(r.allowed))]


def _r_revision(p: Profile, stage: str, r: Rule, s: Snapshot) -> list[Unmet]:
    triggering = s.of(r.kinds, r.where)
    if not triggering:
        return []
    after = triggering[-1].id
    missing, firsts = [], []
    for kind in r.requires_newer:
        newer = [i for i in s.of([kind]) if i.id > after]
        if newer:
            firsts.append(newer[0].id)
        else:
            missing.append(p.kinds[kind].name_zh)
    if r.then and not missing:
        mark = max(firsts)
        if not [i for i in s.of([r.then.kind], r.then.where) if i.id > mark]:
            missing.append(p.kinds[r.then.kind].name_zh + _where_text(r.then.where))
    if not missing:
        return []
    return [_unmet(p, stage, r, f"{r.kinds[0]}.revision", "须提交修改稿（缺少：{missing}）",
                   "revision required (missing: {missing})", missing="、".join(missing))]


def _r_reviewed_version(p: Profile, stage: str, r: Rule, s: Snapshot) -> list[Unmet]:
    """procedure.md §8 "Versions": when the newest review (`kind`, matching `where`) came before a newer `newer`
    item (a draft), the newer version has not been reviewed: what goes on must be what was reviewed."""
    pool = s.of(r.kinds)
    if not pool or pool[-1] not in s.of(r.kinds, r.where):
        return []
    review = pool[-1]
    newer = [i for i in s.of([r.newer or ""]) if i.id > review.id]
    if not newer:
        return []
    return [_unmet(p, stage, r, f"{r.kinds[0]}.reviewed_version",
                   "{names}之后又提交了新的{newer}（{file}）：须对该稿重新出具{names}",
                   "a newer {newer_en} ({file}) came after the {names_en}: a new {names_en} on that version is required",
                   names=_kind_names(p, r.kinds, "zh"), names_en=_kind_names(p, r.kinds, "en"),
                   newer=_kind_names(p, [r.newer or ""], "zh"), newer_en=_kind_names(p, [r.newer or ""], "en"),
                   file=newer[-1].filename)]


def _r_triggers(p: Profile, stage: str, r: Rule, s: Snapshot) -> list[Unmet]:
    out = []
    for name, trig in p.triggers.items():
        det = s.triggers.get(name)
        if det is None:
            out.append(Unmet(f"{stage}.trigger.{name}", trig.article,
                             f"未作出「{trig.name_zh}」（{name}）的是/否判定（{cite(p, trig.article)}）",
                             f"no yes/no determination for “{trig.name_en}”"))
        elif not det.value and not det.reason.strip():
            out.append(Unmet(f"{stage}.trigger.{name}.reason", trig.article,
                             f"「{trig.name_zh}」（{name}）判定为否，须说明理由（--reason {name}=...）"
                             f"（{cite(p, trig.article)}）",
                             f"“{trig.name_en}” determined no: give the reason"))
        elif det.value and trig.yes_needs_reason and not det.reason.strip():
            out.append(Unmet(f"{stage}.trigger.{name}.basis", trig.article,
                             f"「{trig.name_zh}」（{name}）判定为是，须写明法律依据（--reason {name}=...）"
                             f"（{cite(p, trig.article)}）",
                             f"“{trig.name_en}” determined yes: give its legal basis"))
    return out


def _r_meeting_window(p: Profile, stage: str, r: Rule, s: Snapshot) -> list[Unmet]:
    if s.meeting_date is None:
        return []
    pool = s.of(r.kinds)
    if not pool:
        return []
    item = pool[-1]
    submitted = _as_date(item.meta.get(r.key))
    if submitted is None:
        return []
    need = p.param(r.min_days or 0)
    days, provisional = s.calendar.workdays_between(submitted, s.meeting_date)
    if days >= need or (r.unless and str(item.meta.get(r.unless, "")).strip()):
        return []
    note = "（该年度节假日安排未发布，按法定节假日及补假暂计，调休未计）" if provisional else ""
    u = _unmet(p, stage, r, f"{r.kinds[0]}.window", "审查时间不足：{from}报送，{to}开会，仅{days}个工作日，至少{min}个",
               "review window too short: {days} working days, at least {min}",
               min=need, days=days, **{"from": submitted.isoformat(), "to": s.meeting_date.isoformat()})
    u.message += note
    return [u]


def _r_meeting_approved(p: Profile, stage: str, r: Rule, s: Snapshot) -> list[Unmet]:
    if s.meeting_date is not None or s.approved_meeting:
        return []
    return [_unmet(p, stage, r, "meeting", "须经决策机关常务会议或者全体会议讨论，由行政首长作出决定（用 juece meeting 记录）",
                   "the decision must be discussed at an executive or plenary meeting (juece meeting)")]


def _r_ledger_complete(p: Profile, stage: str, r: Rule, s: Snapshot) -> list[Unmet]:
    """Art 18: every opinion in the decision's ledger (this round) has a disposition, and the newest
    register (`kind`) carries the ledger's counts. The ledger lives in its own tables; the one rule that
    counts come with the snapshot (an empty ledger: nothing to check)."""
    counts = s.ledger
    if not counts or not counts["received"]:
        return []
    out = []
    if counts["pending"]:
        out.append(_unmet(p, stage, r, "ledger.pending",
                          "意见台账中尚有{pending}条意见未作出采纳处理（采纳、部分采纳或不予采纳并说明理由）",
                          "{pending} opinion(s) in the ledger have no disposition yet", pending=counts["pending"]))
    kinds = r.kinds or ["opinion_register"]
    newest = s.of(kinds)[-1] if s.of(kinds) else None
    keys = ("received", "adopted", "partially_adopted", "not_adopted")
    if not counts["pending"] and (newest is None or any(str(newest.meta.get(k, "")) != str(counts[k]) for k in keys)):
        out.append(_unmet(p, stage, r, "ledger.register",
                          "{names}须由意见台账生成且与台账一致（台账：收到{received}条，采纳{adopted}条，部分采纳"
                          "{partially_adopted}条，不予采纳{not_adopted}条），请重新生成",
                          "the {names_en} must be generated from the opinion ledger and match it ({received} received)",
                          names=_kind_names(p, kinds, "zh"), names_en=_kind_names(p, kinds, "en"),
                          **{k: counts[k] for k in keys}))
    return out


def _r_period_over(p: Profile, stage: str, r: Rule, s: Snapshot) -> list[Unmet]:
    """Art 15 (procedure.md §8 "Periods"): the stage is not left before the announced end (`key`, inclusive) of an
    open comment period — each `kind` item matching `where` and the round's online consultation — unless the
    notice carried the `unless` reason (a shortened period, stated when the comments were invited)."""
    today = s.today or clock.today()
    periods = [(i.meta.get(r.key or ""), i.meta.get(r.unless or "", ""), i.filename) for i in s.of(r.kinds, r.where)]
    if s.consultation:
        c = s.consultation
        periods.append((c.get("end"), c.get("shortened_reason", ""), "网上公开征求意见"))
    out = []
    for end_value, reason, source in periods:
        end = _as_date(end_value)
        if end is None or end < today or (r.unless and str(reason or "").strip()):
            continue
        out.append(_unmet(p, stage, r, f"{_req(r)}.{r.key}.{end.isoformat()}",
                          "公开征求意见期至{end}（含当日）尚未届满（{source}），不得提前结束",
                          "the comment period announced until {end} ({source}) has not ended",
                          end=end.isoformat(), today=today.isoformat(), source=source))
    return list({u.requirement: u for u in out}.values())


#: the metadata mark of an opinion register generated from the online ledger (participation.service sets it; the
#: kind's schema has no such key, so a typed register cannot carry it)
FROM_LEDGER = ("generated_from", "ledger")


def _r_from_ledger(p: Profile, stage: str, r: Rule, s: Snapshot) -> list[Unmet]:
    """Art 18: once the round has an online consultation, its opinions are in the ledger, and the newest register
    (`kind`) must be the one generated from that ledger: a hand-typed register cannot replace it."""
    if not s.consultation:
        return []
    pool = s.of(r.kinds)
    if not pool or str(pool[-1].meta.get(FROM_LEDGER[0], "")) == FROM_LEDGER[1]:
        return []
    return [_unmet(p, stage, r, f"{r.kinds[0]}.from_ledger",
                   "本轮已网上公开征求意见（{end}截止）：{names}须由意见台账生成，不得以手工填写的登记（{file}）代替",
                   "the round has an online consultation: the {names_en} must be generated from the opinion ledger, "
                   "not typed ({file})", names=_kind_names(p, r.kinds, "zh"), names_en=_kind_names(p, r.kinds, "en"),
                   end=s.consultation.get("end", ""), file=pool[-1].filename)]


RULES: dict[str, Callable[[Profile, str, Rule, Snapshot], list[Unmet]]] = {
    "evidence": _r_evidence, "forbid": _r_forbid, "interval": _r_interval, "newest": _r_newest,
    "revision": _r_revision, "triggers_determined": _r_triggers, "meeting_window": _r_meeting_window,
    "meeting_approved": _r_meeting_approved, "ledger_complete": _r_ledger_complete,
    "reviewed_version": _r_reviewed_version, "period_over": _r_period_over, "from_ledger": _r_from_ledger,
}


def evaluate(profile: Profile, stage: str, snapshot: Snapshot, *, entry: bool = False) -> list[Unmet]:
    """Every unmet requirement for leaving `stage` (or, with entry=True, for entering it)."""
    st = profile.stages[stage]
    out: list[Unmet] = []
    for rule in (st.entry_rules if entry else st.rules):
        if rule.when and not eval_expr(rule.when, snapshot.trigger_values):
            continue
        out.extend(RULES[rule.rule](profile, stage, rule, snapshot))
    return out


def applicability(profile: Profile, stage: str, snapshot: Snapshot) -> tuple[bool, str]:
    """Whether a stage applies to this decision, and if not, the recorded reason for skipping it."""
    st = profile.stages[stage]
    values = snapshot.trigger_values
    if not eval_expr(st.applies, values):
        reasons = []
        for name, det in snapshot.triggers.items():
            if name in st.applies:
                trig = profile.triggers[name]
                answer = "是" if det.value else "否"
                reasons.append(f"{trig.name_zh}（{name}={'yes' if det.value else 'no'}）：{answer}"
                               + (f"，{det.reason}" if det.reason else ""))
        return False, f"不适用（{st.applies}）— " + "；".join(reasons)
    skip = st.skip_if_evidence
    if skip:
        prior = snapshot.of([skip.kind])
        if prior:
            ref = prior[-1].meta.get(skip.reason_key, "")
            return False, f"已按有关规定评估，不作重复评估（{skip.article}）：{ref}"
    return True, ""


def plan_next(profile: Profile, stage: str, snapshot: Snapshot) -> tuple[str, list[tuple[str, str]]]:
    """The next applicable stage after `stage` ('closed' after the last), and the stages skipped."""
    order = profile.stage_order
    skipped: list[tuple[str, str]] = []
    for nxt in order[order.index(stage) + 1:]:
        if nxt in snapshot.carried:
            continue  # done in an earlier round and kept (a revised draft does not make it stale)
        applies, reason = applicability(profile, nxt, snapshot)
        if applies:
            return nxt, skipped
        skipped.append((nxt, reason))
    return "closed", skipped


def unmet_to_leave(profile: Profile, stage: str, snapshot: Snapshot) -> tuple[list[Unmet], str, list]:
    """All that blocks leaving `stage`: its own rules plus the entry rules of the next stage."""
    unmet = evaluate(profile, stage, snapshot)
    dest, skipped = plan_next(profile, stage, snapshot)
    if dest in profile.stages:
        unmet += evaluate(profile, dest, snapshot, entry=True)
    return unmet, dest, skipped
