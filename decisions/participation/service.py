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
import json
import os
import re
import secrets
from collections import Counter
from datetime import date

from sqlmodel import Session, col, func, select

from decisions import clock
from decisions.accounts.models import Office
from decisions.accounts.permissions import Actor, authorize
from decisions.accounts.service import actor_for
from decisions.errors import BadInput, Blocked, NotFound, NotPermitted, Unmet
from decisions.participation.documents import draft_labels, feedback_pdf, notice_pdf, register_pdf
from decisions.participation.models import (  # noqa: F401  (for the pages)
    CHANNEL_ZH,
    DISPOSITION_ZH,
    DISPOSITIONS,
    STAFF_CHANNELS,
    STAGE,
    Consultation,
    Opinion,
    ParticipationFeedback,
)
from decisions.procedure import metadata, scope
from decisions.procedure.models import Decision, Evidence, StageStatus, TriggerDetermination, live_evidence
from decisions.procedure.service import (
    get_decision,
    now_iso,
    profile_of,
    record_event,
    require_state,
    scope_of,
    store_evidence,
    touch,
)
from decisions.storage.unit_of_work import UnitOfWork
from workflow.gates import FROM_LEDGER

VIEW_ROLES = ["drafter", "decision_organ", "head", "secretary", "legality_reviewer", "legal_adviser", "archivist"]
_RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
LINK = re.compile(r"(?i)(https?://|www\.)")


# ----------------------------------------------------------------- helpers
def _actor_role(s: Session, d: Decision, as_user: str, roles: list[str], action: str) -> tuple[Actor, str]:
    actor = actor_for(s, as_user)
    return actor, authorize(actor, scope_of(s, d, actor), roles, action)


def _may_view(s: Session, d: Decision, username: str) -> None:
    """The ledger (with contributors' names and contacts): a user who may open the decision (decisions.procedure.scope)
    and holds a staff role that works with opinions, or an auditor or admin."""
    r = scope.reader(s, username)
    scope.require_read(s, r, d, "查看意见台账 / view the opinion ledger of")
    if not set(VIEW_ROLES + ["auditor", "admin"]) & set(r.roles):
        raise NotPermitted(f"用户 {username} 无权查看决策 {d.code} 的意见台账 / user {username} may not view the "
                           f"opinion ledger of {d.code}")


def non_disclosable(s: Session, d: Decision) -> bool:
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


def clean_text(value: str, what: str, limit: int) -> str:
    text = (value or "").replace("\r\n", "\n").replace("\x00", "").strip()
    if len(text) > limit:
        raise BadInput(f"{what}过长：{len(text)}字，上限{limit}字 / {what} too long: {len(text)} characters, "
                       f"limit {limit}")
    return text


# ----------------------------------------------------------------- open the comment period (Art 15)
def open_consultation(ident: str | int, *, start: str, end: str, explanation: str, as_user: str,
                      shortened_reason: str = "", title: str = "", draft_evidence_id: int | None = None) -> dict:
    """Publish the draft and its explanation for comment from `start` to `end` (inclusive). A period shorter
    than the profile's comment_period_days needs the shortening reason, which the notice shows (Art 15)."""
    start_d, end_d = clock.parse_date(start, "--start"), clock.parse_date(end, "--end")
    if end_d < start_d:
        raise BadInput(f"--end {end_d} 早于 --start {start_d} / end is before start")
    explanation = clean_text(explanation, "说明", 20000)
    if not explanation:
        raise BadInput("须公布决策草案的说明 --explanation / the explanation of the draft is required (Art 15)")
    shortened_reason = clean_text(shortened_reason, "缩短理由", 2000)
    with UnitOfWork() as uow:
        s = uow.session
        d = get_decision(s, ident)
        profile = profile_of(d)
        actor, role = _actor_role(s, d, as_user, ["drafter"], "公开征求意见 / open the comment period")
        require_state(profile, d, [STAGE], "公开征求意见", "Art 15")
        if non_disclosable(s, d):
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
                                               Evidence.kind == "draft", live_evidence())  # a voided draft is no text
                        .order_by(col(Evidence.id))).all()
        if draft_evidence_id is not None:
            draft = next((e for e in drafts if e.id == draft_evidence_id), None)
            if draft is None:
                raise BadInput(f"--draft {draft_evidence_id}: 不是本决策本轮有效的决策草案（或已作废） / not a live "
                               "draft of this round (or voided)")
        elif drafts:
            draft = drafts[-1]
        else:
            raise Blocked([Unmet(f"{STAGE}.draft", "Art 15", "须先有决策草案才能公开征求意见 / a draft is required",
                                 "a draft is required")])
        contact_required = bool(profile.params.get("opinion_contact_required", False))
        title = metadata.check_line(clean_text(title or f"关于《{d.title}》公开征求意见的公告", "标题", 300), "标题 / title")
        meta_raw = {"form": "open_comment", "start": start_d.isoformat(), "end": end_d.isoformat()}
        if shortened_reason:
            meta_raw["shortened_reason"] = shortened_reason
        kind = profile.kinds["participation_activity"]
        meta = metadata.validate("participation_activity", kind, meta_raw, lambda _c: True)
        organ = s.get(Office, d.organ_id)
        notice = notice_pdf(d, organ.name if organ else "", title, explanation, start_d, end_d, shortened_reason,
                             draft, contact_required)
        ev = store_evidence(s, d, actor, role, "participation_activity", "公开征求意见公告.pdf", "application/pdf",
                             notice, meta)
        c = Consultation(decision_id=d.id or 0, round=d.round, title=title, explanation=explanation,
                         draft_evidence_id=draft.id or 0, notice_evidence_id=ev["id"], start=start_d.isoformat(),
                         end=end_d.isoformat(), shortened_reason=shortened_reason, contact_required=contact_required,
                         opened_by=actor.username, opened_at=now_iso())
        s.add(c)
        s.flush()
        record_event(s, d, actor, role, "consultation_open",
                {"consultation_id": c.id, "title": c.title, "explanation": c.explanation, "start": c.start,
                 "end": c.end, "days": days,
                 "shortened_reason": shortened_reason, "draft_evidence_id": draft.id, "notice_evidence_id": ev["id"],
                 "contact_required": contact_required})
        touch(d)
        uow.commit()
        return consultation_view(c, d, organ.name if organ else "", draft)


def consultation_view(c: Consultation, d: Decision, organ_name: str, draft: Evidence | None) -> dict:
    return {"id": c.id, "decision_id": d.id, "code": d.code, "decision_title": d.title, "organ": organ_name,
            "title": c.title, "explanation": c.explanation, "start": c.start, "end": c.end,
            "shortened_reason": c.shortened_reason, "contact_required": c.contact_required, "status": status_of(c),
            "round": c.round, "draft_evidence_id": c.draft_evidence_id,
            "draft_filename": draft.filename if draft else "", "notice_evidence_id": c.notice_evidence_id}


def add_opinion(ident: str | int, *, channel: str, content: str, as_user: str, name: str = "", contact: str = "",
                received: str = "") -> dict:
    """An opinion from another channel (letter, symposium notes, hearing record, expert comment...) entered
    by the undertaking unit into the same ledger."""
    if channel not in STAFF_CHANNELS:
        raise BadInput(f"--channel {channel!r} 无效 / invalid; expected one of: {', '.join(STAFF_CHANNELS)}")
    content = clean_text(content, "意见", max(max_chars(), 20000))
    if not content:
        raise BadInput("意见内容不能为空 / the opinion is empty")
    name = clean_text(name, "姓名", 100)
    contact = clean_text(contact, "联系方式", 200)
    when = clock.parse_date(received, "--received").isoformat() if received.strip() else ""
    with UnitOfWork() as uow:
        s = uow.session
        d = get_decision(s, ident)
        profile = profile_of(d)
        actor, role = _actor_role(s, d, as_user, ["drafter"], "登记公众意见 / enter an opinion")
        require_state(profile, d, [STAGE], "登记公众意见", "Art 18")
        c = _consultation(s, d)
        stamp = now_iso()
        o = Opinion(decision_id=d.id or 0, round=d.round, consultation_id=c.id if c else None, receipt=new_receipt(s),
                    channel=channel, content=content, name=name, contact=contact, client="",
                    submitted_at=f"{when}T00:00:00+08:00" if when else stamp, entered_by=actor.username)
        s.add(o)
        s.flush()
        record_event(s, d, actor, role, "opinion",
                {"opinion_id": o.id, "receipt": o.receipt, "channel": channel, "received": when,
                 "sha256": hashlib.sha256(content.encode()).hexdigest(), "chars": len(content)})
        touch(d)
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
    reason = clean_text(reason, "理由", 5000)
    if not reason:
        raise BadInput("须说明采纳或不予采纳的理由 --reason / a reason is required (Art 18)")
    group = clean_text(group, "分组", 100)
    with UnitOfWork() as uow:
        s = uow.session
        d = get_decision(s, ident)
        profile = profile_of(d)
        actor, role = _actor_role(s, d, as_user, ["drafter"], "处理公众意见 / disposition opinions")
        require_state(profile, d, [STAGE], "处理公众意见", "Art 18")
        rows = _opinions(s, d, list(dict.fromkeys(int(i) for i in opinion_ids)))
        if draft_evidence_id is not None:
            ev = s.exec(select(Evidence).where(Evidence.id == draft_evidence_id, live_evidence())).first()
            if ev is None or ev.decision_id != d.id or ev.kind != "draft":
                raise BadInput(f"--draft {draft_evidence_id}: 不是本决策有效的决策草案（或已作废） / not a live draft "
                               "of this decision (or voided)")
        stamp = now_iso()
        for o in rows:
            o.disposition, o.reason, o.group_label = disposition, reason, group
            o.draft_evidence_id, o.disposed_by, o.disposed_at = draft_evidence_id, actor.username, stamp
        record_event(s, d, actor, role, "opinion_disposition",
                {"opinions": [o.id for o in rows], "disposition": disposition, "reason": reason, "group": group,
                 "draft_evidence_id": draft_evidence_id})
        touch(d)
        uow.commit()
        return {"decision": d.code, "opinions": [o.id for o in rows], "disposition": disposition}


def hide_opinion(opinion_id: int, *, reason: str, as_user: str) -> dict:
    """Moderation: hide abusive content from every public view, with a reason. The row, its content and its
    audit events stay (marked hidden) — never deleted."""
    reason = clean_text(reason, "理由", 2000)
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
        record_event(s, d, actor, role, "opinion_hidden", {"opinion_id": o.id, "receipt": o.receipt, "reason": reason})
        touch(d)
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
        live_drafts = set(s.exec(select(Evidence.id).where(Evidence.decision_id == d.id, Evidence.kind == "draft",
                                                           live_evidence())).all())  # the drafts one may cite
        registers = s.exec(select(Evidence.meta).where(Evidence.decision_id == d.id, Evidence.round == rnd,
                                                       Evidence.kind == "opinion_register", live_evidence())
                           .order_by(col(Evidence.id).desc()).limit(1)).first()  # a voided register is none
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
            "consultation": consultation_view(c, d, organ.name if organ else "", None) if c else None,
            "counts": counts, "register_current": current, "stage_status": pp or "",
            "feedback": {"id": fb.id, "filename": fb.filename, "published": fb.published, "at": fb.generated_at}
            if fb else None,
            "drafts": [{"id": i, "filename": f, "version": str(m.get("version", "")), "at": a,
                        "voided": i not in live_drafts} for i, f, m, a in drafts],
            "opinions": [_opinion_view(o) for o in rows],
        }


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def sheet_cell(value: object) -> object:
    """A cell of an opinion table bound for a spreadsheet (the CSV export, a table's download): text a
    spreadsheet would run as a formula (=, +, -, @, tab, CR) gets a leading apostrophe, shown as text."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def ledger_csv(ident: str | int, *, as_user: str, round_: int | None = None) -> tuple[str, bytes]:
    """The ledger as a CSV file for a spreadsheet (UTF-8 with BOM), every text cell through ``sheet_cell``."""
    import csv
    import io

    led = ledger(ident, as_user=as_user, round_=round_)
    out = io.StringIO()
    w = csv.writer(out)
    cols = ("id", "receipt", "channel", "content", "name", "contact", "submitted_at", "disposition", "reason",
            "group", "hidden", "hidden_reason")
    w.writerow(["编号", "回执号", "渠道", "意见", "姓名", "联系方式", "时间", "处理", "理由", "分组", "屏蔽", "屏蔽理由"])
    for o in led["opinions"]:
        w.writerow([sheet_cell(o.get(k, "")) for k in cols])
    name = f"意见台账-{led['decision']['code']}.csv"
    return name, ("\ufeff" + out.getvalue()).encode("utf-8")


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
        require_state(profile, d, [STAGE], "生成意见采纳情况登记", "Art 18")
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
        drafts = draft_labels(s, d)
        data = register_pdf(d, c, rows, counts, drafts)
        meta = metadata.validate("opinion_register", profile.kinds["opinion_register"],
                                 {k: str(counts[k]) for k in ("received", "adopted", "partially_adopted",
                                                              "not_adopted")}, lambda _c: True)
        meta[FROM_LEDGER[0]] = FROM_LEDGER[1]  # generated from the ledger: what the `from_ledger` gate looks for
        ev = store_evidence(s, d, actor, role, "opinion_register", "意见采纳情况登记表.pdf", "application/pdf", data,
                             meta)
        touch(d)
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
        published = not non_disclosable(s, d)
        organ = s.get(Office, d.organ_id)
        data = feedback_pdf(d, organ.name if organ else "", c, rows, counts, draft_labels(s, d))
        from decisions.records import evidence_store

        sha = evidence_store.put(data)
        figures = {k: counts[k] for k in ("received", "adopted", "partially_adopted", "not_adopted", "hidden")}
        fb = ParticipationFeedback(decision_id=d.id or 0, round=rnd, filename="意见采纳情况说明.pdf", sha256=sha,
                                   size=len(data), counts=json.dumps(figures, ensure_ascii=False), published=published,
                                   generated_by=actor.username, generated_at=now_iso())
        s.add(fb)
        s.flush()
        record_event(s, d, actor, role, "participation_feedback",
                {"feedback_id": fb.id, "sha256": sha, "size": len(data), "published": published, "counts": figures})
        touch(d)
        uow.commit()
        return {"id": fb.id, "sha256": sha, "size": len(data), "published": published, "counts": figures}


# ----------------------------------------------------------------- settings
def max_chars() -> int:
    return int(os.environ.get("JUECE_OPINION_MAX_CHARS", "5000"))


def new_receipt(s: Session) -> str:
    while True:
        code = "YJ-" + "".join(secrets.choice(_RECEIPT_ALPHABET) for _ in range(10))
        if s.exec(select(Opinion.id).where(Opinion.receipt == code)).first() is None:
            return code
