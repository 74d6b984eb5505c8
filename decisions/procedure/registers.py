"""Registers (procedure.md §8): who may take part is kept in registers, not typed per act.

- an organ's meeting members (会议组成人员, Art 30) with their periods, the head (行政首长) flagged;
- the office that does an organ's legality review (合法性审查机构, Art 25);
- the checks the meeting and the opinions run against them: every position by a member on the meeting date,
  the head the organ's head on that date, quorum against the register's size; a `legality_opinion` only from
  the registered reviewing office; an `expert_opinion` only by an expert assigned to the decision
  (``decisions/procedure/experts.py`` keeps the assignments), by their own account.

The use cases here own their unit of work like every other; the checks take the caller's session.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from decisions import clock
from decisions.accounts.models import Office, User
from decisions.accounts.permissions import Actor, DecisionScope, authorize
from decisions.accounts.service import actor_for, office_by_code
from decisions.errors import BadInput, Blocked, NotFound, NotPermitted, Unmet
from decisions.procedure.models import Decision, ExpertAssignment, OrganMember, ReviewOffice
from decisions.records import audit
from decisions.storage.unit_of_work import UnitOfWork
from workflow import gates
from workflow.profiles import Profile

#: the meta key an expert opinion's filing account is kept under; the profile's panel rule counts its distinct
#: values (`distinct = "expert_account"`). Set here, never typed: the kind's schema does not accept it as input.
EXPERT_ACCOUNT = "expert_account"


def _stamp() -> str:
    return clock.now().isoformat(timespec="seconds")


def _who(s: Session, as_user: str, organ: Office, action: str, *, organ_roles: bool) -> Actor:
    """An admin, or (``organ_roles``) the organ's own decision_organ."""
    actor = actor_for(s, as_user)
    if "admin" in actor.roles:
        return actor
    if not organ_roles:
        raise NotPermitted(f"用户 {as_user} 不是系统管理员(admin)，无权{action}")
    scope = DecisionScope(organ.id or 0, frozenset(), frozenset({organ.id or 0}), None)
    authorize(actor, scope, ["decision_organ"], action)
    return actor


def _role(actor: Actor) -> str:
    return "admin" if "admin" in actor.roles else "decision_organ"


def _record(s: Session, actor: Actor, action: str, detail: dict) -> None:
    audit.record(s, decision_id=None, actor=actor.username, role=_role(actor), office=actor.office_code,
                 action=action, detail=detail)


def _user(s: Session, username: str) -> User:
    row = s.exec(select(User).where(User.username == username)).first()
    if row is None:
        raise NotFound(f"未知用户 / unknown user: {username!r}")
    return row


def _overlaps(a_from: str, a_to: str, b_from: str, b_to: str) -> bool:
    return a_from <= (b_to or "9999-12-31") and b_from <= (a_to or "9999-12-31")


def member_view(m: OrganMember, username: str, name: str) -> dict:
    return {"id": m.id, "user": username, "name": name, "from": m.from_date, "to": m.to_date or None,
            "title": m.title, "head": m.is_head}


def _require_eligible(s: Session, organ: Office, u: User) -> None:
    """The register takes only whom the meeting would count (the organ's profile, [meeting] members_from_organ):
    a user of another office is refused here, exit 3 naming the article, not at the meeting months later."""
    from workflow import profiles

    profile = profiles.load(organ.profile)
    rules = profile.meeting
    office = s.get(Office, u.office_id)
    if rules.members_from_organ and u.office_id != organ.id:
        raise Blocked([Unmet("register.member", rules.members_article,
                             f"{u.name}（{u.username}）属于{office.name if office else u.office_id}，不是{organ.name}的人员，"
                             f"不能登记为其会议组成人员（{gates.cite(profile, rules.members_article)}）",
                             f"{u.username} belongs to {office.code if office else u.office_id}, not {organ.code}: "
                             "not a member of its body")])


# ----------------------------------------------------------------- use cases
def register_member(organ: str, username: str, *, from_date: str | None = None, to_date: str | None = None,
                    title: str = "", head: bool = False, as_user: str) -> dict:
    """Enter a member of the organ's body from a day (to a day), or with ``--to`` only: the member leaves."""
    if from_date is None and to_date is None:
        raise BadInput("须给出 --from（加入）或 --to（离任）/ give --from (joins) or --to (leaves)")
    start = clock.parse_date(from_date, "--from").isoformat() if from_date is not None else None
    end = clock.parse_date(to_date, "--to").isoformat() if to_date is not None else None
    if start and end and end < start:
        raise BadInput(f"--to {end} 早于 --from {start} / --to is before --from")
    if start is None and (title.strip() or head):
        raise BadInput("--title/--head 只能与 --from 一起给出 / only with --from")
    with UnitOfWork() as uow:
        s = uow.session
        o = office_by_code(s, organ)
        actor = _who(s, as_user, o, "登记会议组成人员 / keep the register of members", organ_roles=True)
        u = _user(s, username)
        entries = list(s.exec(select(OrganMember).where(OrganMember.organ_id == o.id)))
        if start is None:  # leaves the body: close the open entry
            open_ = [m for m in entries if m.user_id == u.id and not m.to_date]
            if not open_:
                raise NotFound(f"{username} 不在 {organ} 的在任组成人员登记中 / not a sitting member of {organ}")
            m = open_[0]
            if end < m.from_date:  # type: ignore[operator]
                raise BadInput(f"--to {end} 早于其任职起始日 {m.from_date} / before the member's --from")
            m.to_date = end or ""
            _record(s, actor, "register_member_leave", {"organ": organ, "user": username, "from": m.from_date,
                                                         "to": m.to_date})
        else:
            _require_eligible(s, o, u)
            for m in entries:
                if m.user_id == u.id and _overlaps(start, end or "", m.from_date, m.to_date):
                    raise BadInput(f"{username} 在 {m.from_date}–{m.to_date or '至今'} 已登记为 {organ} 的组成人员 / "
                                   "already registered for an overlapping period")
                if head and m.is_head and _overlaps(start, end or "", m.from_date, m.to_date):
                    other = s.get(User, m.user_id)
                    raise BadInput(f"{organ} 在 {m.from_date}–{m.to_date or '至今'} 已有行政首长 "
                                   f"{other.username if other else m.user_id}；先登记其离任（--to）/ "
                                   "the organ has a head for an overlapping period")
            m = OrganMember(organ_id=o.id or 0, user_id=u.id or 0, from_date=start, to_date=end or "",
                            title=title.strip(), is_head=head, by_user_id=actor.user_id or None, at=_stamp())
            s.add(m)
            s.flush()
            _record(s, actor, "register_member", {"organ": organ, "user": username, "from": start, "to": end,
                                                   "title": m.title, "head": head})
        view = member_view(m, username, u.name)
        uow.commit()
        return {"organ": organ, **view}


def list_members(organ: str, *, on: str | None = None) -> dict:
    """The register of an organ's members (on a day: who sat on it that day)."""
    day = clock.parse_date(on, "--date").isoformat() if on else None
    with UnitOfWork() as uow:
        s = uow.session
        o = office_by_code(s, organ)
        rows = s.exec(select(OrganMember, User.username, User.name).join(User, col(User.id) == OrganMember.user_id)
                      .where(OrganMember.organ_id == o.id).order_by(col(OrganMember.from_date), col(OrganMember.id)))
        members = [member_view(m, un, nm) for m, un, nm in rows
                   if day is None or (m.from_date <= day and (not m.to_date or m.to_date >= day))]
        ro = s.get(ReviewOffice, o.id)
        review = s.get(Office, ro.office_id) if ro else None
        return {"organ": organ, "date": day, "size": len(members), "members": members,
                "review_office": review.code if review else None}


def set_review_office(organ: str, office: str, *, as_user: str) -> dict:
    """Register the office that does the organ's legality review (Art 25; admin)."""
    with UnitOfWork() as uow:
        s = uow.session
        o = office_by_code(s, organ)
        actor = _who(s, as_user, o, "登记合法性审查机构 / register the reviewing office", organ_roles=False)
        r = office_by_code(s, office)
        if r.id == o.id:
            raise BadInput(f"{office}: 合法性审查机构应为司法行政部门或法制机构，不能是决策机关本身 / "
                           "the reviewing office cannot be the organ itself")
        row = s.get(ReviewOffice, o.id)
        before = None
        if row is None:
            row = ReviewOffice(organ_id=o.id or 0, office_id=r.id or 0, by_user_id=actor.user_id or None,
                               at=_stamp())
            s.add(row)
        else:
            prev = s.get(Office, row.office_id)
            before = prev.code if prev else None
            row.office_id, row.by_user_id, row.at = r.id or 0, actor.user_id or None, _stamp()
        _record(s, actor, "register_review_office", {"organ": organ, "office": office, "before": before})
        uow.commit()
        return {"organ": organ, "review_office": office, "before": before}


# ----------------------------------------------------------------- checks (the caller's session)
def members_on(s: Session, organ_id: int, day: date) -> list[tuple[OrganMember, str]]:
    """The register of the organ on `day`: (entry, username)."""
    d = day.isoformat()
    rows = s.exec(select(OrganMember, User.username).join(User, col(User.id) == OrganMember.user_id)
                  .where(OrganMember.organ_id == organ_id, col(OrganMember.from_date) <= d))
    return [(m, un) for m, un in rows if not m.to_date or m.to_date >= d]


def check_meeting(s: Session, profile: Profile, organ: Office, day: date, positions: list[tuple[str, str]],
                  head: str, members: int | None) -> tuple[int, list[Unmet]]:
    """The meeting against the organ's register on its date (Art 30): the body's size (what quorum is counted
    against) and every unmet requirement. No register on that date: Blocked; ``--members`` other than the
    register's size: BadInput."""
    register = members_on(s, organ.id or 0, day)
    cite = gates.cite(profile, "Art 30")
    if not register:
        raise Blocked([Unmet("collective_discussion.register", "Art 30",
                             f"{organ.name}({organ.code}) 在 {day.isoformat()} 没有会议组成人员登记，不能召开会议讨论决定"
                             f"（juece register member）（{cite}）",
                             f"{organ.code} has no register of members on {day.isoformat()}: no meeting")])
    if members is not None and members != len(register):
        raise BadInput(f"--members {members} 与 {organ.code} 在 {day.isoformat()} 登记的组成人员 {len(register)} 人不符"
                       f" / --members {members} differs from the register's {len(register)} members (Art 30)")
    names = {un for _m, un in register}
    heads = [un for m, un in register if m.is_head]
    unmet: list[Unmet] = []
    for user, _pos in positions:
        if user not in names:
            unmet.append(Unmet(f"collective_discussion.member.{user}", "Art 30",
                               f"{user} 在 {day.isoformat()} 不是{organ.name}登记的会议组成人员（{cite}）",
                               f"{user} is not a registered member of {organ.code} on {day.isoformat()}"))
    if head not in heads:
        now = "、".join(heads) or "无 / none"
        unmet.append(Unmet("collective_discussion.register_head", "Art 30",
                           f"--head {head} 在 {day.isoformat()} 不是{organ.name}登记的行政首长（登记的行政首长：{now}）"
                           f"（{cite}）", f"{head} is not the registered head of {organ.code} on {day.isoformat()}"))
    return len(register), unmet


def review_office_of(s: Session, organ_id: int) -> Office | None:
    row = s.get(ReviewOffice, organ_id)
    return s.get(Office, row.office_id) if row else None


def check_author(s: Session, profile: Profile, d: Decision, actor: Actor, role: str, kind: str,
                 meta: dict) -> dict:
    """An opinion filed by its author's own account (§8 Authors): the metadata to store, or Blocked. `actor` is
    the author — also when someone else enters the author's paper original (代录: ``check_entry`` first)."""
    if kind == "expert_opinion":
        if role != "expert" or not _assigned(s, d, actor, "expert"):
            raise Blocked([Unmet("expert_review.expert_assigned", "Art 20",
                                 f"{actor.username} 不是本决策选定的论证专家：专家论证意见须由承办单位选定的专家"
                                 f"（juece expert assign）以本人账户提交（{gates.cite(profile, 'Art 20')}）",
                                 f"{actor.username} is not an expert assigned to this decision")])
        return {**meta, EXPERT_ACCOUNT: actor.username}
    if kind == "risk_report" and role == "assessor" and not _assigned(s, d, actor, "assessor"):
        raise Blocked([Unmet("risk_assessment.assessor_assigned", "Art 22, 23",
                             f"{actor.username} 不是承办单位为本决策委托的风险评估机构人员（juece assessor assign），"
                             f"不能提交风险评估报告（{gates.cite(profile, 'Art 22, 23')}）",
                             f"{actor.username} is not an assessor commissioned for this decision")])
    if kind == "legality_opinion":
        office = review_office_of(s, d.organ_id)
        cite = gates.cite(profile, "Art 25")
        if office is None:
            organ = s.get(Office, d.organ_id)
            raise Blocked([Unmet("legality_review.review_office", "Art 25",
                                 f"{organ.code if organ else d.organ_id} 未登记合法性审查机构（juece register review-office），"
                                 f"不能提交合法性审查意见（{cite}）", "the organ has no registered reviewing office")])
        if actor.office_id != office.id or role != "legality_reviewer":
            raise Blocked([Unmet("legality_review.review_office", "Art 25",
                                 f"{actor.username}（{actor.office_code}）不是本决策机关登记的合法性审查机构"
                                 f"{office.name}({office.code})的审查人员（{cite}）",
                                 f"{actor.username} is not a legality reviewer of {office.code}")])
    return meta


def _assigned(s: Session, d: Decision, actor: Actor, role: str) -> bool:
    return s.exec(select(ExpertAssignment.id).where(ExpertAssignment.decision_id == d.id,
                                                    ExpertAssignment.user_id == actor.user_id,
                                                    ExpertAssignment.role == role)).first() is not None


def check_entry(s: Session, profile: Profile, d: Decision, scope: DecisionScope, entering: Actor, author: Actor,
                kind: str) -> tuple[str, str]:
    """代录 (§8 Authors): may `entering` enter the paper original of `kind` for `author`? The kind's profile entry
    ``on_behalf`` says who may enter (roles within the decision's scope) under which article; the author's own
    permission rules then apply as if the author filed it. Returns (the entering role, the author's role);
    BadInput when the kind takes no 代录 or the two are one person, NotPermitted (exit 4) naming the article
    otherwise — except an organ with no reviewing office, which blocks everyone (exit 3, Art 25)."""
    spec = profile.kinds[kind]
    if spec.on_behalf is None:
        raise BadInput(f"「{spec.name_zh}」({kind}) 不接受代录（--on-behalf）：只有专家论证意见、风险评估报告、法律意见和"
                       f"合法性审查意见等署名意见可由他人录入 / {kind} cannot be entered on behalf of its author")
    if entering.user_id == author.user_id:
        raise BadInput(f"--on-behalf {author.username} 即本人：本人提交无须代录 / is the entering user: file it "
                       "without --on-behalf")
    art = gates.cite(profile, spec.on_behalf.article)
    entering_role = authorize(entering, scope, spec.on_behalf.roles,
                              f"为 {author.username} 代录「{spec.name_zh}」（{art}）/ enter {kind} for "
                              f"{author.username} ({spec.on_behalf.article})")
    author_art = gates.cite(profile, next((profile.stages[st].article for st in spec.stages
                                           if st in profile.stages), spec.on_behalf.article))
    try:
        author_role = authorize(author, scope, spec.roles, f"提交「{spec.name_zh}」（{author_art}），故不能由他人代录 / "
                                                           f"file {kind}, so it cannot be entered on their behalf")
        check_author(s, profile, d, author, author_role, kind, {})
    except Blocked as exc:
        if any(u.requirement == "legality_review.review_office" and review_office_of(s, d.organ_id) is None
               for u in exc.unmet):
            raise
        raise NotPermitted(f"代录被拒绝 / not permitted: {author.username} 本人不能提交「{spec.name_zh}」：{exc.message}") from None
    return entering_role, author_role
