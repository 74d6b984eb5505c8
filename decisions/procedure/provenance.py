"""Provenance of the procedure's record (procedure.md §8): dates checked against the clock and the order of the
procedure (late entries, 补录), the draft version an act concerns (its SHA-256, pinned when recorded), and what a
later round keeps of the earlier ones (``carry_over``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from decisions import clock
from decisions.errors import BadInput
from decisions.procedure.models import (
    Decision,
    Evidence,
    Meeting,
    live_evidence,
)
from decisions.storage.statements import Prepared
from workflow import gates, profiles
from workflow.profiles import Profile

_CURRENT_DRAFT = Prepared(select(Evidence.sha256).where(
    Evidence.decision_id == bindparam("decision_id"), Evidence.round == bindparam("round"), Evidence.kind == "draft",
    live_evidence())  # a voided draft is no version of the text
    .order_by(col(Evidence.id).desc()).limit(1))


def current_draft_sha256(s: Session, d: Decision) -> str | None:
    """The SHA-256 of the newest draft of the decision's current round (None before the first draft)."""
    row = _CURRENT_DRAFT.run(s, {"decision_id": d.id, "round": d.round}).first()
    return None if row is None else str(row[0])


def _recorded_day(at: str) -> date:
    return datetime.fromisoformat(at).astimezone(clock.CHINA).date()


_MEETING_DATE = Prepared(select(Meeting.date).where(
    Meeting.decision_id == bindparam("decision_id"), Meeting.round == bindparam("round"))
    .order_by(col(Meeting.id).desc()).limit(1))
_NEWEST_OF_KIND = Prepared(select(Evidence.meta, Evidence.at).where(
    Evidence.decision_id == bindparam("decision_id"), Evidence.round == bindparam("round"),
    Evidence.kind == bindparam("kind"), live_evidence()).order_by(col(Evidence.id).desc()).limit(1))


def reference_date(s: Session, d: Decision, ref: str) -> date | None:
    """The date "KIND.KEY" of the decision's current round (the newest such item), None if none is recorded.
    (Statements built once: every attached file with a date runs this for each [time] order rule it is under.)"""
    kind, key = profiles.OrderRule.split(ref)
    s.flush()  # an item this transaction added counts, as the ORM's autoflush made it count
    if kind == "meeting":
        day = _MEETING_DATE.run(s, {"decision_id": d.id, "round": d.round}).first()
        return date.fromisoformat(day[0]) if day and day[0] else None
    row = _NEWEST_OF_KIND.run(s, {"decision_id": d.id, "round": d.round, "kind": kind}).first()
    if row is None:
        return None
    meta, at = row
    if key == "@recorded":
        return _recorded_day(at)
    try:
        return date.fromisoformat(str((meta or {}).get(key, "")))
    except ValueError:
        return None


def check_dates(s: Session, d: Decision, profile: Profile, subject: str, dates: dict[str, date]) -> bool:
    """procedure.md §8 "Time": no date of `subject` (an evidence kind, or "meeting") lies after the recording day
    (the clock), and the profile's order of the procedure ([time] order) holds; BadInput (exit 2) names the field
    and both dates. Returns whether this is a late entry (补录: a date earlier than the recording day)."""
    today = clock.today()
    announced = set(profile.time.announced)
    for key, day in dates.items():
        if day > today and f"{subject}.{key}" not in announced:
            raise BadInput(f"{subject}.{key}={day.isoformat()} 晚于记录之日 {today.isoformat()}：日期不得晚于记录日 / "
                           f"{subject}.{key} {day.isoformat()} is after the recording day {today.isoformat()}")
    recorded = {**dates, "@recorded": today}
    for rule in profile.time.order:
        kind, key = profiles.OrderRule.split(rule.date)
        if kind != subject or key not in recorded:
            continue
        ref = reference_date(s, d, rule.not_before)
        if ref is not None and recorded[key] < ref:
            day = recorded[key].isoformat()
            raise BadInput(f"{rule.message_zh or '日期顺序不符'}（{gates.cite(profile, rule.article)}）："
                           f"{rule.date}={day} 早于 {rule.not_before}={ref.isoformat()} / "
                           f"{rule.message_en or 'dates out of order'} ({rule.article}): {rule.date} {day} is before "
                           f"{rule.not_before} {ref.isoformat()}")
    return any(day < today for day in dates.values())


def carry_over(profile: Profile, state: str, statuses: dict[str, str], current: list[tuple],
               earlier: Iterable[tuple]) -> tuple[frozenset[str], list[tuple]]:
    """What a later round keeps of the earlier ones (procedure.md §8: a revised draft makes only the profile's
    stale stages run again): the stages done and still ahead of `state` (the gates' ``carried``, passed over when
    the decision moves on), and the evidence the gates see — this round's (`current`, rows id..filename) plus, for
    every stage done but not run in this round, what was attached in it in the newest earlier round that ran it
    (`earlier`: the same rows with their round last)."""
    here = profile.stage_index(state) if state in profile.stages else len(profile.stage_order)
    done = {st for st, status in statuses.items() if status == "done" and st in profile.stages}
    carried = frozenset(st for st in done if profile.stage_index(st) > here)
    ran_now = {row[3] for row in current}
    rows = [row for row in earlier if row[3] in done and row[3] not in ran_now]
    newest = {}
    for row in rows:
        newest[row[3]] = max(newest.get(row[3], 0), row[6])
    kept = [tuple(row[:6]) for row in rows if row[6] == newest[row[3]]]
    return carried, sorted([*kept, *current], key=lambda row: row[0])
