"""Public participation online (Art 14–18, issue 8): the open comment period, the opinion ledger, the
generated register and the published feedback (意见采纳情况说明).

Use cases follow decisions/service.py: each owns one UnitOfWork, validates everything first (BadInput /
NotFound / NotPermitted / Blocked, exit 2/5/4/3), then writes rows and audit events and commits once.
Public submissions need no account: they are screened (dates, size, links, duplicates, contact when the
profile requires it) and rate-limited per client, and a refused submission stores nothing.

Opinions are text. Nothing here renders HTML: the pages show them with st.text / dataframes and the
generated PDFs escape them for ReportLab Paragraph markup (pdf.fonts.FontChain.markup).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import secrets
from bisect import bisect_right
from collections import Counter
from datetime import date, timedelta
from itertools import accumulate, groupby
from operator import itemgetter

from sqlmodel import Session, col, func, select

from decisions import clock, metadata, scope
from decisions.directory import actor_for
from decisions.errors import BadInput, Blocked, Conflict, NotFound, NotPermitted, Unmet
from decisions.models import Decision, Evidence, Office, StageStatus, TriggerDetermination
from decisions.models_participation import Consultation, Opinion, ParticipationFeedback
from decisions.permissions import Actor, authorize
from decisions.service import (
    _record,
    _require_state,
    _store_evidence,
    _touch,
    get_decision,
    now_iso,
    profile_of,
    scope_of,
)
from decisions.unit_of_work import UnitOfWork

STAGE = "public_participation"
DISPOSITIONS = ("adopted", "partially_adopted", "not_adopted")
DISPOSITION_ZH = {"adopted": "采纳", "partially_adopted": "部分采纳", "not_adopted": "不予采纳", "": "待处理"}
STAFF_CHANNELS = ("letter", "email", "phone", "visit", "symposium", "hearing", "expert", "questionnaire", "other")
CHANNEL_ZH = {"web": "网上征求意见", "letter": "信函", "email": "电子邮件", "phone": "电话", "visit": "来访",
              "symposium": "座谈会", "hearing": "听证会", "expert": "专家意见", "questionnaire": "问卷调查",
              "other": "其他"}
VIEW_ROLES = ["drafter", "decision_organ", "head", "secretary", "legality_reviewer", "legal_adviser", "archivist"]
_RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_LINK = re.compile(r"(?i)(https?://|www\.)")


# ----------------------------------------------------------------- settings
def max_chars() -> int:
    return int(os.environ.get("JUECE_OPINION_MAX_CHARS", "5000"))


def rate_limit() -> tuple[int, int]:
    """(submissions, seconds) allowed per client: JUECE_OPINION_RATE, default 5 per 600 s."""
    raw = os.environ.get("JUECE_OPINION_RATE", "5/600")
    try:
        n, secs = raw.split("/", 1)
        return max(1, int(n)), max(1, int(secs))
    except ValueError:
        return 5, 600


def client_key(client: str) -> str:
    """What is stored of a client (an IP or session id): a salted hash, never the address itself."""
    salt = os.environ.get("JUECE_OPINION_SALT", "juece-opinion")
    return hashlib.sha256(f"{salt}\n{client}".encode()).hexdigest()[:32]


def _new_receipt(s: Session) -> str:
    while True:
        code = "YJ-" + "".join(secrets.choice(_RECEIPT_ALPHABET) for _ in range(10))
        if s.exec(select(Opinion.id).where(Opinion.receipt == code)).first() is None:
            return code


# ----------------------------------------------------------------- helpers
def _actor_role(s: Session, d: Decision, as_user: str, roles: list[str], action: str) -> tuple[Actor, str]:
    actor = actor_for(s, as_user)
    return actor, authorize(actor, scope_of(s, d, actor), roles, action)


def _may_view(s: Session, d: Decision, username: str) -> None:
    """The ledger (with contributors' names and contacts): a user who may open the decision (decisions.scope)
    and holds a staff role that works with opinions, or an auditor or admin."""
    r = scope.reader(s, username)
    scope.require_read(s, r, d, "查看意见台账 / view the opinion ledger of")
    if not set(VIEW_ROLES + ["auditor", "admin"]) & set(r.roles):
        raise NotPermitted(f"用户 {username} 无权查看决策 {d.code} 的意见台账 / user {username} may not view the "
                           f"opinion ledger of {d.code}")


def _non_disclosable(s: Session, d: Decision) -> bool:
    row = s.exec(select(TriggerDetermination).where(TriggerDetermination.decision_id == d.id,
                                                    TriggerDetermination.name == "non_disclosable")).first()
    return bool(row and row.value)


def _consultation(s: Session, d: Decision) -> Consultation | None:
    return s.exec(select(Consultation).where(Consultation.decision_id == d.id, Consultation.round == d.round)).first()


def status_of(c: Consultation, today: date | None = None) -> str:
    """upcoming | open | closed — by the dates alone (inclusive, China time): the form closes by itself."""
    today = today or clock.today()
    if today.isoformat() < c.start:
        return "upcoming"
    if today.isoformat() > c.end:
        return "closed"
    return "open"


_ROW_COLUMNS = (Opinion.id, Opinion.receipt, Opinion.channel, Opinion.content, Opinion.disposition, Opinion.reason,
                Opinion.group_label, Opinion.draft_evidence_id, Opinion.hidden, Opinion.hidden_reason, Opinion.hidden_by)


def _light_rows(s: Session, decision_id: int, rnd: int) -> list:
    """The ledger rows the generated documents need, as plain tuples (1,000 ORM objects cost ~0.3 s)."""
    return list(s.exec(select(*_ROW_COLUMNS).where(Opinion.decision_id == decision_id, Opinion.round == rnd)
                       .order_by(col(Opinion.id))).all())


def _counts(rows: list) -> dict:
    by = Counter(o.disposition for o in rows)
    return {"received": len(rows), "adopted": by["adopted"], "partially_adopted": by["partially_adopted"],
            "not_adopted": by["not_adopted"], "pending": by[""], "hidden": sum(1 for o in rows if o.hidden),
            "by_channel": dict(Counter(o.channel for o in rows))}


def _clean_text(value: str, what: str, limit: int) -> str:
    text = (value or "").replace("\r\n", "\n").replace("\x00", "").strip()
    if len(text) > limit:
        raise BadInput(f"{what}过长：{len(text)}字，上限{limit}字 / {what} too long: {len(text)} characters, "
                       f"limit {limit}")
    return text


def ledger_counts(session: Session, decision_id: int, round_: int) -> dict[str, int]:
    """The ledger's counts for one decision and round (the `ledger_complete` gate reads them from the
    snapshot that decisions.service.snapshot_of builds with this function)."""
    rows = session.exec(select(Opinion.disposition, func.count()).where(
        Opinion.decision_id == decision_id, Opinion.round == round_).group_by(Opinion.disposition)).all()
    by = dict(rows)
    return {"received": sum(by.values()), "adopted": by.get("adopted", 0),
            "partially_adopted": by.get("partially_adopted", 0), "not_adopted": by.get("not_adopted", 0),
            "pending": by.get("", 0)}


# ----------------------------------------------------------------- open the comment period (Art 15)
def open_consultation(ident: str | int, *, start: str, end: str, explanation: str, as_user: str,
                      shortened_reason: str = "", title: str = "", draft_evidence_id: int | None = None) -> dict:
    """Publish the draft and its explanation for comment from `start` to `end` (inclusive). A period shorter
    than the profile's comment_period_days needs the shortening reason, which the notice shows (Art 15)."""
    start_d, end_d = clock.parse_date(start, "--start"), clock.parse_date(end, "--end")
    if end_d < start_d:
        raise BadInput(f"--end {end_d} 早于 --start {start_d} / end is before start")
    explanation = _clean_text(explanation, "说明", 20000)
    if not explanation:
        raise BadInput("须公布决策草案的说明 --explanation / the explanation of the draft is required (Art 15)")
    shortened_reason = _clean_text(shortened_reason, "缩短理由", 2000)
    with UnitOfWork() as uow:
        s = uow.session
        d = get_decision(s, ident)
        profile = profile_of(d)
        actor, role = _actor_role(s, d, as_user, ["drafter"], "公开征求意见 / open the comment period")
        _require_state(profile, d, [STAGE], "公开征求意见", "Art 15")
        if _non_disclosable(s, d):
            raise Blocked([Unmet(f"{STAGE}.non_disclosable", "Art 14", "依法不予公开的决策事项不得公开征求意见",
                                 "a non-disclosable decision cannot be put out for public comment")])
        if _consultation(s, d) is not None:
            raise BadInput(f"决策 {d.code} 本轮已公开征求意见 / this round already has a comment period")
        if start_d < clock.today():
            raise BadInput(f"--start {start_d} 早于今天 {clock.today()} / the period cannot start in the past")
        need = profile.param("comment_period_days")
        days = (end_d - start_d).days
        if days < need and not shortened_reason:
            raise Blocked([Unmet(f"{STAGE}.comment_period", "Art 15",
                                 f"公开征求意见的期限一般不少于{need}日（{start_d}至{end_d}仅{days}日）；因情况紧急等原因"
                                 "需要缩短期限的，应当在征求意见时说明理由（--shortened-reason）（依据《重大行政决策程序暂行条例》第15条）",
                                 f"the comment period is {days} days, at least {need} unless a shortening reason "
                                 "is stated in the notice")])
        drafts = s.exec(select(Evidence).where(Evidence.decision_id == d.id, Evidence.round == d.round,
                                               Evidence.kind == "draft").order_by(col(Evidence.id))).all()
        if draft_evidence_id is not None:
            draft = next((e for e in drafts if e.id == draft_evidence_id), None)
            if draft is None:
                raise BadInput(f"--draft {draft_evidence_id}: 不是本决策本轮的决策草案 / not a draft of this round")
        elif drafts:
            draft = drafts[-1]
        else:
            raise Blocked([Unmet(f"{STAGE}.draft", "Art 15", "须先有决策草案才能公开征求意见 / a draft is required",
                                 "a draft is required")])
        contact_required = bool(profile.params.get("opinion_contact_required", False))
        title = _clean_text(title or f"关于《{d.title}》公开征求意见的公告", "标题", 300)
        meta_raw = {"form": "open_comment", "start": start_d.isoformat(), "end": end_d.isoformat()}
        if shortened_reason:
            meta_raw["shortened_reason"] = shortened_reason
        kind = profile.kinds["participation_activity"]
        meta = metadata.validate("participation_activity", kind, meta_raw, lambda _c: True)
        organ = s.get(Office, d.organ_id)
        notice = _notice_pdf(d, organ.name if organ else "", title, explanation, start_d, end_d, shortened_reason,
                             draft, contact_required)
        ev = _store_evidence(s, d, actor, role, "participation_activity", "公开征求意见公告.pdf", "application/pdf",
                             notice, meta)
        c = Consultation(decision_id=d.id or 0, round=d.round, title=title, explanation=explanation,
                         draft_evidence_id=draft.id or 0, notice_evidence_id=ev["id"], start=start_d.isoformat(),
                         end=end_d.isoformat(), shortened_reason=shortened_reason, contact_required=contact_required,
                         opened_by=actor.username, opened_at=now_iso())
        s.add(c)
        s.flush()
        _record(s, d, actor, role, "consultation_open",
                {"consultation_id": c.id, "start": c.start, "end": c.end, "days": days,
                 "shortened_reason": shortened_reason, "draft_evidence_id": draft.id, "notice_evidence_id": ev["id"],
                 "contact_required": contact_required})
        _touch(d)
        uow.commit()
        return _consultation_view(c, d, organ.name if organ else "", draft)


def _consultation_view(c: Consultation, d: Decision, organ_name: str, draft: Evidence | None) -> dict:
    return {"id": c.id, "decision_id": d.id, "code": d.code, "decision_title": d.title, "organ": organ_name,
            "title": c.title, "explanation": c.explanation, "start": c.start, "end": c.end,
            "shortened_reason": c.shortened_reason, "contact_required": c.contact_required, "status": status_of(c),
            "round": c.round, "draft_evidence_id": c.draft_evidence_id,
            "draft_filename": draft.filename if draft else "", "notice_evidence_id": c.notice_evidence_id}


# ----------------------------------------------------------------- opinions in
def submit_opinion(consultation_id: int | str, *, content: str, client: str, name: str = "",
                   contact: str = "") -> dict:
    """An opinion from the public page (no account). Refused with a clear message and nothing stored:
    before the start or after the end date, to a decision not open for public comment, over the size
    limit, spam-like (many links, a repeat), without name/contact when required, or a flood from a client."""
    content = (content or "").replace("\r\n", "\n").replace("\x00", "").strip()
    if not content:
        raise BadInput("意见内容不能为空 / the opinion is empty")
    if len(content) > max_chars():
        raise BadInput(f"意见过长：{len(content)}字，上限{max_chars()}字 / too long: {len(content)} characters, "
                       f"limit {max_chars()}")
    name = _clean_text(name, "姓名", 100)
    contact = _clean_text(contact, "联系方式", 200)
    if len(_LINK.findall(content)) > 3:
        raise BadInput("意见中链接过多，疑似垃圾信息，未予接收 / too many links: refused as spam")
    if not str(client or "").strip():
        raise BadInput("无法识别提交来源 / no client identity")
    key = client_key(str(client))
    cid = str(consultation_id).strip()
    if not cid.isdigit():
        raise NotFound(f"未知征求意见 / unknown consultation: {cid!r}")
    for attempt in range(4):
        try:
            return _submit(int(cid), content, name, contact, key)
        except Conflict:
            if attempt == 3:
                raise
    raise AssertionError("unreachable")


def _submit(cid: int, content: str, name: str, contact: str, key: str) -> dict:
    with UnitOfWork() as uow:
        s = uow.session
        c = s.get(Consultation, cid)
        if c is None:
            raise NotFound(f"未知征求意见 / unknown consultation: {cid}")
        d = s.get(Decision, c.decision_id)
        assert d is not None
        if d.state != STAGE or d.round != c.round or _non_disclosable(s, d):
            raise BadInput("该决策事项当前不在公开征求意见 / this decision is not open for public comment")
        state = status_of(c)
        if state == "upcoming":
            raise BadInput(f"征求意见尚未开始（{c.start}起）/ the comment period has not started (from {c.start})")
        if state == "closed":
            raise BadInput(f"征求意见已于{c.end}截止 / the comment period ended on {c.end}")
        if c.contact_required and not (name and contact):
            raise BadInput("本次征求意见须留下姓名和联系方式 / name and contact are required for this consultation")
        n, secs = rate_limit()
        since = (clock.now() - timedelta(seconds=secs)).isoformat(timespec="seconds")
        recent = s.exec(select(func.count()).select_from(Opinion).where(Opinion.client == key,
                                                                       Opinion.submitted_at >= since)).one()
        if recent >= n:
            raise BadInput(f"提交过于频繁：每{secs // 60 or 1}分钟最多{n}条，请稍后再试 / too many submissions: at most {n} "
                           f"per {secs} s from one client, try again later")
        dup = s.exec(select(Opinion.id).where(Opinion.consultation_id == c.id, Opinion.client == key,
                                              Opinion.content == content)).first()
        if dup is not None:
            raise BadInput("相同内容的意见已经提交过 / the same opinion was already submitted")
        stamp = now_iso()
        o = Opinion(decision_id=d.id or 0, round=c.round, consultation_id=c.id, receipt=_new_receipt(s), channel="web",
                    content=content, name=name, contact=contact, client=key, submitted_at=stamp)
        s.add(o)
        s.flush()
        audit_detail = {"opinion_id": o.id, "receipt": o.receipt, "channel": "web", "consultation_id": c.id,
                        "sha256": hashlib.sha256(content.encode()).hexdigest(), "chars": len(content)}
        from decisions import audit

        audit.record(s, decision_id=d.id, actor="public", role="public", office="", action="opinion",
                     detail=audit_detail)
        _touch(d)
        uow.commit()
        return {"receipt": o.receipt, "submitted_at": stamp, "decision": d.code, "consultation_id": c.id}


def add_opinion(ident: str | int, *, channel: str, content: str, as_user: str, name: str = "", contact: str = "",
                received: str = "") -> dict:
    """An opinion from another channel (letter, symposium notes, hearing record, expert comment...) entered
    by the undertaking unit into the same ledger."""
    if channel not in STAFF_CHANNELS:
        raise BadInput(f"--channel {channel!r} 无效 / invalid; expected one of: {', '.join(STAFF_CHANNELS)}")
    content = _clean_text(content, "意见", max(max_chars(), 20000))
    if not content:
        raise BadInput("意见内容不能为空 / the opinion is empty")
    name = _clean_text(name, "姓名", 100)
    contact = _clean_text(contact, "联系方式", 200)
    when = clock.parse_date(received, "--received").isoformat() if received.strip() else ""
    with UnitOfWork() as uow:
        s = uow.session
        d = get_decision(s, ident)
        profile = profile_of(d)
        actor, role = _actor_role(s, d, as_user, ["drafter"], "登记公众意见 / enter an opinion")
        _require_state(profile, d, [STAGE], "登记公众意见", "Art 18")
        c = _consultation(s, d)
        stamp = now_iso()
        o = Opinion(decision_id=d.id or 0, round=d.round, consultation_id=c.id if c else None, receipt=_new_receipt(s),
                    channel=channel, content=content, name=name, contact=contact, client="",
                    submitted_at=f"{when}T00:00:00+08:00" if when else stamp, entered_by=actor.username)
        s.add(o)
        s.flush()
        _record(s, d, actor, role, "opinion",
                {"opinion_id": o.id, "receipt": o.receipt, "channel": channel, "received": when,
                 "sha256": hashlib.sha256(content.encode()).hexdigest(), "chars": len(content)})
        _touch(d)
        uow.commit()
        return {"id": o.id, "receipt": o.receipt, "channel": channel, "decision": d.code}


# ----------------------------------------------------------------- the ledger (Art 18)
def _opinions(s: Session, d: Decision, ids: list[int]) -> list[Opinion]:
    if not ids:
        raise BadInput("至少选择一条意见 / choose at least one opinion")
    rows = s.exec(select(Opinion).where(col(Opinion.id).in_(ids))).all()
    found = {o.id for o in rows}
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound(f"未知意见 / unknown opinion: {missing[0]}")
    wrong = [o.id for o in rows if o.decision_id != d.id or o.round != d.round]
    if wrong:
        raise BadInput(f"意见 {wrong[0]} 不属于决策 {d.code} 本轮台账 / not in this decision's current ledger")
    return list(rows)


def dispose(ident: str | int, opinion_ids: list[int], *, disposition: str, reason: str, as_user: str,
            group: str = "", draft_evidence_id: int | None = None) -> dict:
    """Record how opinions were handled: adopted / partially_adopted / not_adopted, with a reason, optionally
    a group label for similar opinions and the draft version that took them in."""
    if disposition not in DISPOSITIONS:
        raise BadInput(f"--disposition {disposition!r} 无效 / invalid; expected one of: {', '.join(DISPOSITIONS)}")
    reason = _clean_text(reason, "理由", 5000)
    if not reason:
        raise BadInput("须说明采纳或不予采纳的理由 --reason / a reason is required (Art 18)")
    group = _clean_text(group, "分组", 100)
    with UnitOfWork() as uow:
        s = uow.session
        d = get_decision(s, ident)
        profile = profile_of(d)
        actor, role = _actor_role(s, d, as_user, ["drafter"], "处理公众意见 / disposition opinions")
        _require_state(profile, d, [STAGE], "处理公众意见", "Art 18")
        rows = _opinions(s, d, list(dict.fromkeys(int(i) for i in opinion_ids)))
        if draft_evidence_id is not None:
            ev = s.get(Evidence, draft_evidence_id)
            if ev is None or ev.decision_id != d.id or ev.kind != "draft":
                raise BadInput(f"--draft {draft_evidence_id}: 不是本决策的决策草案 / not a draft of this decision")
        stamp = now_iso()
        for o in rows:
            o.disposition, o.reason, o.group_label = disposition, reason, group
            o.draft_evidence_id, o.disposed_by, o.disposed_at = draft_evidence_id, actor.username, stamp
        _record(s, d, actor, role, "opinion_disposition",
                {"opinions": [o.id for o in rows], "disposition": disposition, "reason": reason, "group": group,
                 "draft_evidence_id": draft_evidence_id})
        _touch(d)
        uow.commit()
        return {"decision": d.code, "opinions": [o.id for o in rows], "disposition": disposition}


def hide_opinion(opinion_id: int, *, reason: str, as_user: str) -> dict:
    """Moderation: hide abusive content from every public view, with a reason. The row, its content and its
    audit events stay (marked hidden) — never deleted."""
    reason = _clean_text(reason, "理由", 2000)
    if not reason:
        raise BadInput("屏蔽须说明理由 --reason / a reason is required")
    with UnitOfWork() as uow:
        s = uow.session
        o = s.get(Opinion, int(opinion_id))
        if o is None:
            raise NotFound(f"未知意见 / unknown opinion: {opinion_id}")
        d = s.get(Decision, o.decision_id)
        assert d is not None
        actor, role = _actor_role(s, d, as_user, ["drafter", "decision_organ"], "屏蔽意见 / hide an opinion")
        if o.hidden:
            raise BadInput(f"意见 {o.receipt} 已屏蔽 / already hidden")
        o.hidden, o.hidden_reason, o.hidden_by, o.hidden_at = True, reason, actor.username, now_iso()
        _record(s, d, actor, role, "opinion_hidden", {"opinion_id": o.id, "receipt": o.receipt, "reason": reason})
        _touch(d)
        uow.commit()
        return {"id": o.id, "receipt": o.receipt, "hidden": True, "reason": reason}


def ledger(ident: str | int, *, as_user: str, round_: int | None = None) -> dict:
    """The ledger as staff see it: the consultation, the counts and every opinion (hidden ones marked)."""
    with UnitOfWork() as uow:
        s = uow.session
        d = get_decision(s, ident)
        _may_view(s, d, as_user)
        rnd = round_ or d.round
        c = s.exec(select(Consultation).where(Consultation.decision_id == d.id, Consultation.round == rnd)).first()
        rows = s.exec(select(Opinion).where(Opinion.decision_id == d.id, Opinion.round == rnd)
                      .order_by(col(Opinion.id))).all()
        drafts = s.exec(select(Evidence.id, Evidence.filename, Evidence.meta, Evidence.at).where(
            Evidence.decision_id == d.id, Evidence.kind == "draft").order_by(col(Evidence.id))).all()
        registers = s.exec(select(Evidence.meta).where(Evidence.decision_id == d.id, Evidence.round == rnd,
                                                       Evidence.kind == "opinion_register")
                           .order_by(col(Evidence.id).desc()).limit(1)).first()
        fb = s.exec(select(ParticipationFeedback).where(ParticipationFeedback.decision_id == d.id)
                    .order_by(col(ParticipationFeedback.id).desc()).limit(1)).first()
        organ = s.get(Office, d.organ_id)
        counts = _counts(list(rows))
        keys = ("received", "adopted", "partially_adopted", "not_adopted")
        current = registers is not None and all(str(registers.get(k, "")) == str(counts[k]) for k in keys)
        pp = s.exec(select(StageStatus.status).where(StageStatus.decision_id == d.id,
                                                     StageStatus.stage == STAGE)).first()
        return {
            "decision": {"id": d.id, "code": d.code, "title": d.title, "state": d.state, "round": d.round,
                         "organ": organ.name if organ else ""},
            "consultation": _consultation_view(c, d, organ.name if organ else "", None) if c else None,
            "counts": counts, "register_current": current, "stage_status": pp or "",
            "feedback": {"id": fb.id, "filename": fb.filename, "published": fb.published, "at": fb.generated_at}
            if fb else None,
            "drafts": [{"id": i, "filename": f, "version": str(m.get("version", "")), "at": a} for i, f, m, a in drafts],
            "opinions": [_opinion_view(o) for o in rows],
        }


def _opinion_view(o: Opinion) -> dict:
    return {"id": o.id, "receipt": o.receipt, "channel": o.channel, "content": o.content, "name": o.name,
            "contact": o.contact, "submitted_at": o.submitted_at, "entered_by": o.entered_by,
            "disposition": o.disposition, "reason": o.reason, "group": o.group_label,
            "draft_evidence_id": o.draft_evidence_id, "disposed_by": o.disposed_by, "hidden": o.hidden,
            "hidden_reason": o.hidden_reason, "hidden_by": o.hidden_by}


# ----------------------------------------------------------------- generated documents
def generate_register(ident: str | int, *, as_user: str) -> dict:
    """Generate the stage's `opinion_register` evidence from the ledger (counts + disposition table) and
    attach it through the service layer. Refused while an opinion has no disposition or the comment
    period is still running."""
    with UnitOfWork() as uow:
        s = uow.session
        d = get_decision(s, ident)
        profile = profile_of(d)
        actor, role = _actor_role(s, d, as_user, ["drafter"], "生成意见采纳情况登记 / generate the opinion register")
        _require_state(profile, d, [STAGE], "生成意见采纳情况登记", "Art 18")
        c = _consultation(s, d)
        if c is not None and status_of(c) != "closed":
            raise Blocked([Unmet(f"{STAGE}.comment_period_running", "Art 15",
                                 f"公开征求意见期至{c.end}，期满后方可整理意见采纳情况（依据《重大行政决策程序暂行条例》第15条）",
                                 f"the comment period runs until {c.end}")])
        rows = _light_rows(s, d.id or 0, d.round)
        counts = _counts(rows)
        if counts["pending"]:
            raise Blocked([Unmet(f"{STAGE}.ledger.pending", "Art 18",
                                 f"意见台账中尚有{counts['pending']}条意见未作出采纳处理（依据《重大行政决策程序暂行条例》第18条）",
                                 f"{counts['pending']} opinion(s) have no disposition")])
        drafts = _draft_labels(s, d)
        data = _register_pdf(d, c, rows, counts, drafts)
        meta = metadata.validate("opinion_register", profile.kinds["opinion_register"],
                                 {k: str(counts[k]) for k in ("received", "adopted", "partially_adopted",
                                                              "not_adopted")}, lambda _c: True)
        ev = _store_evidence(s, d, actor, role, "opinion_register", "意见采纳情况登记表.pdf", "application/pdf", data,
                             meta)
        _touch(d)
        uow.commit()
        return {"evidence_id": ev["id"], "sha256": ev["sha256"], "size": ev["size"], "meta": meta,
                "hidden": counts["hidden"]}


def generate_feedback(ident: str | int, *, as_user: str) -> dict:
    """After the stage: the 意见采纳情况说明, published on the public page unless the decision is
    non_disclosable. Hidden opinions are counted but their content is never shown."""
    with UnitOfWork() as uow:
        s = uow.session
        d = get_decision(s, ident)
        actor, role = _actor_role(s, d, as_user, ["drafter", "decision_organ"],
                                  "生成意见采纳情况说明 / generate the feedback")
        pp = s.exec(select(StageStatus).where(StageStatus.decision_id == d.id, StageStatus.stage == STAGE)).first()
        if d.state == STAGE or pp is None or pp.status != "done":
            raise Blocked([Unmet(f"{STAGE}.not_finished", "Art 18",
                                 "公众参与阶段结束后方可生成意见采纳情况说明 / only after the public participation stage",
                                 "only after the public participation stage has ended")])
        rnd = s.exec(select(func.max(Opinion.round)).where(Opinion.decision_id == d.id)).one() or d.round
        c = s.exec(select(Consultation).where(Consultation.decision_id == d.id, Consultation.round == rnd)).first()
        rows = _light_rows(s, d.id or 0, rnd)
        counts = _counts(rows)
        if counts["pending"]:
            raise Blocked([Unmet(f"{STAGE}.ledger.pending", "Art 18",
                                 f"意见台账中尚有{counts['pending']}条意见未作出采纳处理", "opinions without disposition")])
        published = not _non_disclosable(s, d)
        organ = s.get(Office, d.organ_id)
        data = _feedback_pdf(d, organ.name if organ else "", c, rows, counts, _draft_labels(s, d))
        from decisions import evidence_store

        sha = evidence_store.put(data)
        figures = {k: counts[k] for k in ("received", "adopted", "partially_adopted", "not_adopted", "hidden")}
        fb = ParticipationFeedback(decision_id=d.id or 0, round=rnd, filename="意见采纳情况说明.pdf", sha256=sha,
                                   size=len(data), counts=json.dumps(figures, ensure_ascii=False), published=published,
                                   generated_by=actor.username, generated_at=now_iso())
        s.add(fb)
        s.flush()
        _record(s, d, actor, role, "participation_feedback",
                {"feedback_id": fb.id, "sha256": sha, "size": len(data), "published": published, "counts": figures})
        _touch(d)
        uow.commit()
        return {"id": fb.id, "sha256": sha, "size": len(data), "published": published, "counts": figures}


def _draft_labels(s: Session, d: Decision) -> dict[int, str]:
    rows = s.exec(select(Evidence.id, Evidence.meta, Evidence.filename).where(
        Evidence.decision_id == d.id, Evidence.kind == "draft")).all()
    return {i: str(m.get("version") or f) for i, m, f in rows}


def _pdf_story(title: str, head: list[str]) -> tuple:
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, Spacer

    from pdf import fonts

    chain = fonts.chain()
    body = ParagraphStyle("b", fontName=chain.primary, fontSize=9, leading=12, wordWrap="CJK")
    h1 = ParagraphStyle("h", parent=body, fontSize=15, leading=20, spaceAfter=6)
    story = [Paragraph(chain.markup(title), h1)]
    story += [Paragraph(chain.markup(line), body) for line in head]
    story.append(Spacer(1, 6))
    return chain, body, story


def _build(story: list, title: str) -> bytes:
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=landscape(A4), leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=title, author="juece", invariant=1)
    doc.build(story)
    return buf.getvalue()


def _table(chain, body, header: list[str], rows: list[list[str]], widths: list[float]) -> list:  # noqa: ANN001
    """The disposition table as one flowable per row, drawn as plain strings (no markup is interpreted, so
    user text is text): CJK Paragraphs in a 1,000-row table take tens of seconds to lay out, these take
    well under one. A row taller than the page is split between pages."""
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.platypus import Flowable

    font = chain.primary
    size, leading, pad = 8.0, 10.5, 2.0
    face = pdfmetrics.getFont(font)
    cols = [w * mm for w in widths]
    cache: dict[str, tuple[str, float]] = {}  # character -> (what is drawn: itself, a placeholder or nothing; width)

    def glyph(ch: str) -> tuple[str, float]:
        shown = chain.plain(ch)
        cache[ch] = (shown, face.stringWidth(shown, size) if shown else 0.0)
        return cache[ch]

    def wrap_text(text: str, width: float) -> list[str]:
        lines: list[str] = []
        for para in str(text).replace("\r\n", "\n").split("\n"):
            shown = [cache.get(ch) or glyph(ch) for ch in para]
            ends = list(accumulate(g[1] for g in shown))  # running width: each line break found by bisection
            start, base = 0, 0.0
            while start < len(ends):
                stop = max(start + 1, bisect_right(ends, base + width, lo=start))
                lines.append("".join(g[0] for g in shown[start:stop]))
                base, start = ends[stop - 1], stop
            if not para:
                lines.append("")
        return lines

    encoded: dict[str, tuple[str, str]] = {}  # character -> (subset font resource name, escaped PDF string bytes)

    def text_ops(c, x: float, y: float, lines: list[str]) -> str:  # noqa: ANN001
        """BT…ET for the lines of one cell. What Canvas.drawText writes, with each character's subset code
        looked up once per document instead of once per occurrence (same bytes, a third of the time)."""
        doc = c._doc  # noqa: SLF001
        ops = [f"BT 1 0 0 1 {x:.2f} {y:.2f} Tm {leading:g} TL"]
        current = ""
        for i, line in enumerate(lines):
            if i:
                ops.append("T*")
            for ch in [ch for ch in dict.fromkeys(line) if ch not in encoded]:
                (subset, raw), = face.splitString(ch, doc)
                encoded[ch] = (face.getSubsetInternalName(subset, doc), c._escape(raw))  # noqa: SLF001
            for name, group in groupby([encoded[ch] for ch in line], key=itemgetter(0)):
                if name != current:
                    ops.append(f"{name} {size:g} Tf")
                    current = name
                ops.append(f"({''.join(map(itemgetter(1), group))}) Tj")
        ops.append("ET")
        return " ".join(ops)

    class Row(Flowable):
        def __init__(self, cells: list[list[str]], shade: bool = False):
            super().__init__()
            self.cells, self.shade = cells, shade
            self.height = max(len(c) for c in cells) * leading + 2 * pad
            self.width = sum(cols)

        def wrap(self, _aw: float, _ah: float) -> tuple[float, float]:
            return self.width, self.height

        def split(self, _aw: float, ah: float) -> list:
            fit = int((ah - 2 * pad) // leading)
            if fit < 1 or fit >= max(len(c) for c in self.cells):
                return []
            return [Row([c[:fit] or [""] for c in self.cells], self.shade),
                    Row([c[fit:] or [""] for c in self.cells], self.shade)]

        def draw(self) -> None:
            c = self.canv
            c.setLineWidth(0.3)
            c.setStrokeColor(colors.grey)
            if self.shade:
                c.setFillColor(colors.HexColor("#eeeeee"))
                c.rect(0, 0, self.width, self.height, stroke=0, fill=1)
            c.setFillColor(colors.black)
            c.setFont(font, size)
            x = 0.0
            for w, lines in zip(cols, self.cells, strict=True):
                c.rect(x, 0, w, self.height, stroke=1, fill=0)
                if any(lines):
                    c._code.append(text_ops(c, x + pad, self.height - pad - size, lines))  # noqa: SLF001
                x += w

    wrapped: dict[tuple[str, float], list[str]] = {}  # reasons, channels, groups repeat across a group of rows

    def cell(text: str, width: float) -> list[str]:
        key = (text, width)
        got = wrapped.get(key)
        if got is None:
            got = wrapped[key] = wrap_text(text, width - 2 * pad)
        return got

    out = [Row([cell(h, w) for h, w in zip(header, cols, strict=True)], shade=True)]
    out += [Row([cell(v, w) for v, w in zip(r, cols, strict=True)]) for r in rows]
    return out


def _notice_pdf(d: Decision, organ: str, title: str, explanation: str, start: date, end: date, reason: str,
                draft: Evidence, contact_required: bool) -> bytes:
    lines = [f"{organ}　{d.code}", f"征求意见期限：{start.isoformat()} 至 {end.isoformat()}（含当日），共{(end - start).days}日"]
    if reason:
        lines.append(f"期限缩短的理由：{reason}")
    lines += [f"决策草案：{draft.filename}（{draft.meta.get('version', '')}）",
              "提出意见的方式：通过 juece 公开征求意见页面在线提交（每条意见生成回执号，可凭回执号查询处理情况），"
              "或以信函、电子邮件等方式向承办单位提出。" + ("须留下姓名和联系方式。" if contact_required else "姓名和联系方式可不填。"),
              "决策草案说明：", explanation]
    _chain, _body, story = _pdf_story(title, lines)
    return _build(story, title)


def _register_pdf(d: Decision, c: Consultation | None, rows: list, counts: dict,
                  drafts: dict[int, str]) -> bytes:
    title = f"意见采纳情况登记表 — {d.title}"
    head = [f"决策编号：{d.code}　轮次：{d.round}",
            f"征求意见：{c.start} 至 {c.end}" + (f"（缩短理由：{c.shortened_reason}）" if c.shortened_reason else "")
            if c else "征求意见：未在线公开征求意见（其他渠道）",
            f"收到意见 {counts['received']} 条：采纳 {counts['adopted']} 条，部分采纳 {counts['partially_adopted']} 条，"
            f"不予采纳 {counts['not_adopted']} 条；其中屏蔽 {counts['hidden']} 条（内容保留于本登记表）",
            "按渠道：" + "，".join(f"{CHANNEL_ZH.get(k, k)} {v} 条" for k, v in sorted(counts["by_channel"].items()))]
    chain, body, story = _pdf_story(title, head)
    table_rows = []
    for o in rows:
        content = o.content + (f"\n〔已屏蔽：{o.hidden_reason}（{o.hidden_by}）〕" if o.hidden else "")
        table_rows.append([o.receipt, CHANNEL_ZH.get(o.channel, o.channel), content, DISPOSITION_ZH[o.disposition],
                           o.reason, o.group_label, drafts.get(o.draft_evidence_id or 0, "")])
    story += _table(chain, body, ["回执号", "渠道", "意见", "处理", "理由", "分组", "吸收版本"], table_rows,
                    [24, 16, 125, 16, 60, 16, 15])
    return _build(story, title)


def _feedback_pdf(d: Decision, organ: str, c: Consultation | None, rows: list, counts: dict,
                  drafts: dict[int, str]) -> bytes:
    title = f"关于《{d.title}》征求意见采纳情况的说明"
    head = [f"{organ}　{d.code}",
            (f"本决策草案于{c.start}至{c.end}公开征求意见" + (f"（期限缩短的理由：{c.shortened_reason}）" if c.shortened_reason
                                                     else "") + "。") if c else "",
            f"共收到意见 {counts['received']} 条，其中采纳 {counts['adopted']} 条，部分采纳 {counts['partially_adopted']} 条，"
            f"不予采纳 {counts['not_adopted']} 条。" + (f"另有 {counts['hidden']} 条意见因含有不当内容未予公开（已登记并处理）。"
                                                  if counts["hidden"] else ""),
            "各条意见的处理情况及理由如下（可凭回执号查询）："]
    chain, body, story = _pdf_story(title, [h for h in head if h])
    table_rows = [[o.receipt, CHANNEL_ZH.get(o.channel, o.channel), o.content, DISPOSITION_ZH[o.disposition], o.reason,
                   drafts.get(o.draft_evidence_id or 0, "")] for o in rows if not o.hidden]
    story += _table(chain, body, ["回执号", "渠道", "意见", "处理", "理由", "吸收版本"], table_rows,
                    [24, 16, 130, 16, 66, 15])
    return _build(story, title)


# ----------------------------------------------------------------- public read models (no login)
def _public_decisions(s: Session):  # noqa: ANN202
    secret = select(TriggerDetermination.decision_id).where(TriggerDetermination.name == "non_disclosable",
                                                            TriggerDetermination.value == True)  # noqa: E712
    return (select(Consultation, Decision, Office.name).join(Decision, Decision.id == Consultation.decision_id)
            .join(Office, Office.id == Decision.organ_id)
            .where(Decision.state == STAGE, Consultation.round == Decision.round, col(Decision.id).not_in(secret)))


def public_consultations() -> list[dict]:
    """Consultations of decisions now in public participation (not non_disclosable): open, upcoming, closed."""
    with UnitOfWork() as uow:
        s = uow.session
        rows = s.exec(_public_decisions(s).order_by(col(Consultation.end))).all()
        drafts = {e.id: e for e in s.exec(select(Evidence).where(
            col(Evidence.id).in_([c.draft_evidence_id for c, _d, _o in rows])))} if rows else {}
        return [_consultation_view(c, d, organ, drafts.get(c.draft_evidence_id)) for c, d, organ in rows]


def public_draft(consultation_id: int) -> tuple[str, bytes]:
    """The published draft of a consultation shown on the public page."""
    from decisions import evidence_store

    with UnitOfWork() as uow:
        s = uow.session
        row = s.exec(_public_decisions(s).where(Consultation.id == consultation_id)).first()
        if row is None:
            raise NotFound(f"未知征求意见 / unknown consultation: {consultation_id}")
        ev = s.get(Evidence, row[0].draft_evidence_id)
        assert ev is not None
        return ev.filename, evidence_store.read(ev.sha256)


def _published_feedback(s: Session):  # noqa: ANN202
    secret = select(TriggerDetermination.decision_id).where(TriggerDetermination.name == "non_disclosable",
                                                            TriggerDetermination.value == True)  # noqa: E712
    return (select(ParticipationFeedback, Decision, Office.name)
            .join(Decision, Decision.id == ParticipationFeedback.decision_id)
            .join(Office, Office.id == Decision.organ_id)
            .where(ParticipationFeedback.published == True, col(Decision.id).not_in(secret)))  # noqa: E712


def public_feedback(limit: int = 50) -> list[dict]:
    """Published 意见采纳情况说明: the newest per decision, with the visible opinions and how each was handled."""
    with UnitOfWork() as uow:
        s = uow.session
        rows = s.exec(_published_feedback(s).order_by(col(ParticipationFeedback.id).desc())).all()
        out, seen = [], set()
        for fb, d, organ in rows:
            if d.id in seen or len(out) >= limit:
                continue
            seen.add(d.id)
            ops = s.exec(select(Opinion).where(Opinion.decision_id == d.id, Opinion.round == fb.round,
                                               Opinion.hidden == False).order_by(col(Opinion.id))).all()  # noqa: E712
            out.append({"id": fb.id, "code": d.code, "title": d.title, "organ": organ, "at": fb.generated_at,
                        "counts": json.loads(fb.counts or "{}"), "filename": fb.filename,
                        "opinions": [{"receipt": o.receipt, "channel": o.channel, "content": o.content,
                                      "disposition": o.disposition, "reason": o.reason} for o in ops]})
        return out


def public_feedback_file(feedback_id: int) -> tuple[str, bytes]:
    from decisions import evidence_store

    with UnitOfWork() as uow:
        s = uow.session
        row = s.exec(_published_feedback(s).where(ParticipationFeedback.id == feedback_id)).first()
        if row is None:
            raise NotFound(f"未公开的说明 / no published feedback {feedback_id}")
        return row[0].filename, evidence_store.read(row[0].sha256)


def lookup(receipt: str) -> dict:
    """A contributor looks up an opinion by receipt number: received, or how it was handled once the
    feedback is published. A hidden opinion's content is not shown."""
    code = (receipt or "").strip().upper()
    if not re.fullmatch(r"YJ-[A-Z0-9]{10}", code):
        raise BadInput(f"回执号格式不正确 / malformed receipt number: {receipt!r}")
    with UnitOfWork() as uow:
        s = uow.session
        o = s.exec(select(Opinion).where(Opinion.receipt == code)).first()
        if o is None or _non_disclosable(s, s.get(Decision, o.decision_id)):  # type: ignore[arg-type]
            raise NotFound(f"未找到回执号 / no opinion with receipt {code}")
        d = s.get(Decision, o.decision_id)
        assert d is not None
        fb = s.exec(select(ParticipationFeedback.id).where(ParticipationFeedback.decision_id == d.id,
                                                           ParticipationFeedback.round == o.round,
                                                           ParticipationFeedback.published == True)).first()  # noqa: E712
        out = {"receipt": o.receipt, "code": d.code, "title": d.title, "submitted_at": o.submitted_at,
               "channel": o.channel, "hidden": o.hidden, "content": "" if o.hidden else o.content,
               "status": "hidden" if o.hidden else ("answered" if fb and o.disposition else "received"),
               "disposition": "", "reason": ""}
        if o.hidden:
            out["reason"] = o.hidden_reason
        elif fb and o.disposition:
            out["disposition"], out["reason"] = o.disposition, o.reason
        return out
