"""The collective discussion (Art 30, procedure.md §5): recording the meeting, its positions in speaking order and its
outcome, and what the outcome does to the decision."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from decisions import clock
from decisions.accounts.models import Office, User
from decisions.accounts.permissions import Actor, authorize
from decisions.accounts.service import actor_for
from decisions.errors import BadInput, Blocked, NotFound, Unmet
from decisions.procedure import registers
from decisions.procedure.models import (
    Decision,
    Meeting,
    MeetingPosition,
    StageStatus,
)
from decisions.procedure.provenance import check_dates
from decisions.procedure.service import (
    enter_stage,
    get_decision,
    now_iso,
    pause,
    profile_of,
    record_event,
    require_state,
    scope_of,
    snapshot_of,
    store_evidence,
    touch,
)
from decisions.records import filetypes
from decisions.storage.unit_of_work import UnitOfWork
from workflow import gates, machine
from workflow.profiles import Profile

POSITIONS = ("approve", "reject", "abstain")


OUTCOMES = ("approve", "reject", "revise", "defer", "rediscuss")


MEETING_TYPES = ("executive", "plenary", "office")


@dataclass(frozen=True)
class MeetingInput:
    type: str
    date: str
    minutes_filename: str
    minutes: bytes
    members: int | None  # the body's size: if given, must equal the register's on the meeting date (§8)
    positions: list[tuple[str, str]]
    head: str
    outcome: str
    reason: str = ""
    rerun: tuple[str, ...] = ()  # outcome revise: stages the organ orders run again besides the profile's stale ones


def record_meeting(ident: str | int, m: MeetingInput, *, as_user: str) -> dict:
    """Record the collective discussion (Art 29, 30) and apply its outcome."""
    if m.type not in MEETING_TYPES:
        raise BadInput(f"--type {m.type!r} 无效 / invalid; expected one of: executive, plenary")
    meeting_day = clock.parse_date(m.date, "--date")
    if m.members is not None and m.members < 1:
        raise BadInput(f"--members {m.members}: 应为正整数 / must be a positive integer")
    if m.outcome not in OUTCOMES:
        raise BadInput(f"--outcome {m.outcome!r} 无效 / invalid; expected one of: {', '.join(OUTCOMES)}")
    if not m.positions:
        raise BadInput("至少需要一个 --position USER=approve|reject|abstain / at least one --position")
    seen: set[str] = set()
    for user, pos in m.positions:
        if pos not in POSITIONS:
            raise BadInput(f"--position {user}={pos!r}: 应为 approve、reject 或 abstain / must be approve|reject|abstain")
        if user in seen:
            raise BadInput(f"--position {user!r} 重复 / given twice")
        seen.add(user)
    if m.members is not None and len(m.positions) > m.members:
        raise BadInput(f"出席人数 {len(m.positions)} 超过组成人员总数 --members {m.members} / more present than members")
    head_pos = dict(m.positions).get(m.head)
    if m.outcome in ("approve", "reject") and head_pos is not None and head_pos != m.outcome:
        raise BadInput(f"行政首长 {m.head} 的意见为 {head_pos}，与决定 --outcome {m.outcome} 不一致 / "
                       "the head's position contradicts the outcome")
    if m.rerun and m.outcome != "revise":
        raise BadInput(f"--rerun {m.rerun[0]}: 仅用于 --outcome revise / only with --outcome revise")
    content_type, problem = filetypes.check(m.minutes_filename, m.minutes)
    if not m.minutes or content_type is None:
        raise BadInput(f"--minutes {m.minutes_filename!r}: {problem or '文件为空 / file is empty'}")
    with UnitOfWork() as uow:
        s = uow.session
        d = get_decision(s, ident)
        profile = profile_of(d)
        actor = actor_for(s, as_user)
        # the members present, in one query (not one per --position)
        found = {u.username: u for u in s.exec(select(User).where(col(User.username).in_([u for u, _ in m.positions])))}
        members = {u: found.get(u) for u, _ in m.positions}
        for u, row in members.items():
            if row is None:
                raise NotFound(f"未知用户 / unknown user in --position: {u!r}")
        head_actor = actor_for(s, m.head)
        scope = scope_of(s, d)
        role = authorize(actor, scope, ["secretary"], "记录集体讨论 / record the meeting")
        require_state(profile, d, ["collective_discussion"], "记录集体讨论决定", "Art 30")
        rerun = rerun_stages(profile, m.rerun)
        late = check_dates(s, d, profile, "meeting", {"date": meeting_day})  # §8 Time: not ahead, not out of order
        organ = s.get(Office, d.organ_id)
        assert organ is not None
        rules = profile.meeting
        total, registered = registers.check_meeting(s, profile, organ, meeting_day, m.positions, m.head, m.members)
        unmet: list[Unmet] = []

        def refuse(req: str, article: str, zh: str, en: str) -> None:
            unmet.append(Unmet(f"collective_discussion.{req}", article, f"{zh}（{gates.cite(profile, article)}）", en))

        allowed_types = profile.meeting_types_for(organ.level)
        if m.type not in allowed_types:
            refuse("meeting_type", rules.types_article,
                   f"会议类型 {m.type} 不符合要求：{organ.name}应以{'/'.join(allowed_types)}讨论决定",
                   f"meeting type {m.type} not allowed; expected {', '.join(allowed_types)}")
        if rules.head_role not in head_actor.roles or head_actor.office_id != d.organ_id:
            refuse("head", rules.head_article, f"--head {m.head} 不是{organ.name}的行政首长({rules.head_role})",
                   f"{m.head} is not the head of the decision organ")
        outsiders = [u for u, row in members.items() if row and row.office_id != d.organ_id]
        if rules.members_from_organ and outsiders:
            refuse("members", rules.members_article, f"非决策机关会议组成人员：{', '.join(outsiders)}",
                   f"not members of the decision organ: {', '.join(outsiders)}")
        if head_pos is None or m.positions[-1][0] != m.head:
            refuse("head_last", rules.head_last_article,
                   f"行政首长 {m.head} 应当最后发表意见（其意见须列在 --position 的最后）", "the head must speak last")
        present = len(m.positions)
        if present <= total * rules.quorum_more_than:
            share = "半数" if rules.quorum_more_than == 0.5 else f"{rules.quorum_more_than:.0%}"
            refuse("quorum", rules.quorum_article,
                   f"出席 {present} 人，未超过组成人员 {total} 人的{share}，会议不得讨论决定",
                   f"{present} of {total} present: no quorum")
        others = [pos for u, pos in m.positions if u != m.head]
        majority = next((p for p in POSITIONS if others and others.count(p) * 2 > len(others)), None)
        head_decision = m.outcome if m.outcome in ("approve", "reject") else "other"
        if majority in ("approve", "reject") and head_decision != majority and not m.reason.strip():
            refuse("head_reason", rules.head_reason_article,
                   f"行政首长的决定（{m.outcome}）与多数组成人员意见（{majority}）不一致，应当在会上说明理由（--reason）",
                   "the head's decision differs from the majority: --reason is required")
        unmet += registered  # §8: the register on the meeting date
        snap = snapshot_of(s, d, profile, meeting_date=meeting_day)
        unmet += gates.evaluate(profile, "collective_discussion", snap)
        dest, skipped = {"approve": gates.plan_next(profile, "collective_discussion", snap),
                         "reject": ("rejected", []), "revise": ("drafting", []), "defer": ("deferred", []),
                         "rediscuss": (None, [])}[m.outcome]
        if dest in profile.stages and m.outcome == "approve":
            unmet += gates.evaluate(profile, dest, snap, entry=True)
        if unmet:
            raise Blocked(unmet)
        minutes = store_evidence(s, d, actor, role, "meeting_minutes", m.minutes_filename, content_type,
                                  m.minutes, {"date": meeting_day.isoformat(), "type": m.type}, late_entry=late)
        meeting = Meeting(decision_id=d.id or 0, round=d.round, type=m.type, date=meeting_day.isoformat(),
                          members_total=total, head_id=head_actor.user_id, outcome=m.outcome,
                          reason=m.reason.strip(), minutes_evidence_id=minutes["id"], user_id=actor.user_id,
                          at=now_iso())
        s.add(meeting)
        s.flush()
        for i, (u, pos) in enumerate(m.positions, start=1):
            s.add(MeetingPosition(meeting_id=meeting.id or 0, seq=i, user_id=members[u].id or 0,  # type: ignore[union-attr]
                                  position=pos, is_head=(u == m.head)))
        source = d.state
        record_event(s, d, actor, role, "meeting",
                {"meeting_id": meeting.id, "type": m.type, "date": meeting.date, "members": total,
                 "present": present, "positions": [{"user": u, "position": p} for u, p in m.positions],
                 "head": m.head, "majority": majority, "outcome": m.outcome, "reason": meeting.reason,
                 **({"rerun": list(rerun)} if rerun else {}),
                 "minutes_sha256": minutes["sha256"],
                 **({"draft_sha256": minutes["draft_sha256"]} if minutes["draft_sha256"] else {}),
                 **({"late_entry": True} if late else {})})
        if m.outcome == "rediscuss":
            machine.fire(profile, d, "rediscuss", None)
        else:
            trigger = "advance" if m.outcome == "approve" else m.outcome
            stages = None  # the rows as enter_stage wrote them; otherwise record_event reads them back
            if m.outcome == "revise":
                kept = restart_drafting(s, d, profile, actor, rerun)
            elif m.outcome == "approve":
                stages = enter_stage(s, d, profile, actor, dest, skipped)  # type: ignore[arg-type]
            else:
                pause(s, d, f"会议决定 / meeting outcome: {m.outcome}" + (f" — {m.reason.strip()}" if m.reason.strip()
                                                                          else ""), finished=m.outcome == "reject")
            machine.fire(profile, d, trigger, dest)
            record_event(s, d, actor, role, "transition", {"from": source, "to": dest, "by": f"meeting:{m.outcome}",
                                                      "skipped": [{"stage": k, "reason": r} for k, r in skipped],
                                                      **({"kept": kept} if m.outcome == "revise" else {}),
                                                      **({"stages": stages} if stages is not None else {})})
        touch(d)
        uow.commit()
        return {"id": d.id, "meeting_id": meeting.id, "outcome": m.outcome, "majority": majority,
                "present": present, "state": d.state}


def rerun_stages(profile: Profile, rerun: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """The stages the meeting orders run again (``--rerun``), checked against the profile's ``[revise]``."""
    allowed = [*profile.revise.stale, *profile.revise.organ_may_rerun] if profile.revise else []
    for st in rerun:
        if st not in allowed:
            raise BadInput(f"--rerun {st!r}: 不是可由会议决定重新进行的阶段 / not a stage the meeting may order run "
                           f"again; expected one of: {', '.join(allowed) or '（无 / none）'}")
    return tuple(dict.fromkeys(rerun))


def restart_drafting(s: Session, d: Decision, profile: Profile, actor: Actor, rerun: tuple[str, ...] = ()) -> list[str]:
    """Outcome `revise`: back to drafting in a new round. The later stages the profile's ``[revise]`` names stale,
    those the meeting orders (`rerun`), the skipped ones (the triggers may change) and the meeting on are pending
    again; every other stage done before the meeting keeps its evidence and stays done (procedure.md §8). Without
    a ``[revise]`` table every later stage is run again. Returns the stages kept."""
    stamp = now_iso()
    drafting_pos = profile.stage_index("drafting")
    meeting_pos = profile.stage_index("collective_discussion")
    again = set(profile.revise.stale if profile.revise else profile.stage_order) | set(rerun)
    article = profile.revise.article if profile.revise else ""
    kept = []
    for r in sorted(s.exec(select(StageStatus).where(StageStatus.decision_id == d.id)), key=lambda r: r.position):
        if r.position == drafting_pos:
            r.status, r.entered_at, r.left_at, r.user_id, r.note = "current", stamp, "", actor.user_id, ""
        elif drafting_pos < r.position < meeting_pos and r.status == "done" and r.stage not in again:
            r.note = f"沿用第{d.round}轮：修改稿不使本阶段失效（依据{gates.cite(profile, article)}）"
            kept.append(r.stage)
        elif r.position > drafting_pos:
            r.status, r.entered_at, r.left_at, r.note = "pending", "", "", ""
    d.round += 1
    d.state_entered_at = stamp
    return kept
