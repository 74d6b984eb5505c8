"""What the public reaches without an account: open consultations and their drafts, submitting an opinion (rate
limited per client), published feedback, and looking an opinion up by its receipt."""

from __future__ import annotations

import hashlib
import ipaddress
import json
import os
import re
from datetime import timedelta

from sqlmodel import Session, col, func, select

from decisions import clock
from decisions.accounts.models import Office
from decisions.errors import BadInput, Conflict, IntegrityFailure, NotFound
from decisions.participation.models import STAGE, Consultation, Opinion, ParticipationFeedback
from decisions.participation.service import (
    LINK,
    clean_text,
    consultation_view,
    max_chars,
    new_receipt,
    non_disclosable,
    status_of,
)
from decisions.procedure.models import Decision, Evidence, TriggerDetermination
from decisions.procedure.service import (
    now_iso,
)
from decisions.storage.unit_of_work import UnitOfWork, unversioned


def rate_limit() -> tuple[int, int]:
    """(submissions, seconds) allowed per client: JUECE_OPINION_RATE, default 5 per 600 s."""
    raw = os.environ.get("JUECE_OPINION_RATE", "5/600")
    try:
        n, secs = raw.split("/", 1)
        return max(1, int(n)), max(1, int(secs))
    except ValueError:
        return 5, 600


def trusted_proxies() -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """JUECE_TRUSTED_PROXIES: comma-separated addresses or networks of the reverse proxies in front of the
    workbench (e.g. ``127.0.0.1,::1`` for the nginx of deploy/); only their X-Forwarded-For is believed."""
    out = []
    for part in os.environ.get("JUECE_TRUSTED_PROXIES", "").split(","):
        if part.strip():
            try:
                out.append(ipaddress.ip_network(part.strip(), strict=False))
            except ValueError:
                continue
    return tuple(out)


def _address(raw: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address((raw or "").strip())
    except ValueError:
        return None


def client_address(peer: str | None, forwarded_for: str | None = None) -> str | None:
    """The address the rate limit is keyed on: the TCP peer; when the peer is a trusted proxy, the nearest
    address in X-Forwarded-For that is not a trusted proxy (right to left: a visitor can prepend anything).
    None when it cannot be known: the page then refuses the submission, it never falls back to a session."""
    trusted = trusted_proxies()

    def is_trusted(a: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        return any(a.version == n.version and a in n for n in trusted)

    here = _address(peer)
    if here is None:
        return None
    if not is_trusted(here):
        return str(here)
    hops = [h for h in (forwarded_for or "").split(",") if h.strip()]
    for hop in reversed(hops):
        a = _address(hop)
        if a is None:
            return None  # a malformed hop before any untrusted one: nothing to believe
        if not is_trusted(a):
            return str(a)
    return None  # a trusted proxy that says nothing about its client


OPINION_SALT_FILE = "opinion_salt"


def opinion_salt() -> str:
    """The per-deployment salt of client keys when JUECE_OPINION_SALT is not set: random, made at ``juece init``
    (or first use) in the data dir, mode 0600 — never a constant every deployment shares."""
    from decisions.storage.settings import deployment_secret

    return deployment_secret(OPINION_SALT_FILE)


def client_key(client: str) -> str:
    """What is stored of a client (an IP or session id): a salted hash, never the address itself."""
    salt = os.environ.get("JUECE_OPINION_SALT") or opinion_salt()
    return hashlib.sha256(f"{salt}\n{client}".encode()).hexdigest()[:32]


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
    name = clean_text(name, "姓名", 100)
    contact = clean_text(contact, "联系方式", 200)
    if len(LINK.findall(content)) > 3:
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


_OPEN = "该决策事项当前不在公开征求意见 / this decision is not open for public comment"


def _submit(cid: int, content: str, name: str, contact: str, key: str) -> dict:
    """One opinion, written without taking the decision's version lock (its own rows only, ``unversioned``):
    staff who loaded the decision before it still commit. What it relies on is checked under locks instead:
    the consultation row is share-locked (the ledger's counts lock it for update, so a stage's end waits for
    opinions in flight and sees them), and the decision's stage is read again after the insert, inside the
    write transaction (SQLite: under the database's write lock), so an opinion never lands after the stage."""
    with UnitOfWork() as uow:
        s = uow.session
        c = s.exec(select(Consultation).where(Consultation.id == cid).with_for_update(read=True)).first()
        if c is None:
            raise NotFound(f"未知征求意见 / unknown consultation: {cid}")
        d = s.get(Decision, c.decision_id)
        assert d is not None
        if d.state != STAGE or d.round != c.round or non_disclosable(s, d):
            raise BadInput(_OPEN)
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
        o = Opinion(decision_id=d.id or 0, round=c.round, consultation_id=c.id, receipt=new_receipt(s), channel="web",
                    content=content, name=name, contact=contact, client=key, submitted_at=stamp)
        unversioned(s, o)
        s.add(o)
        s.flush()
        # inside the write transaction now: the stage as it is, not as it was when the checks above read it
        now_state = s.exec(select(Decision.state, Decision.round).where(Decision.id == d.id)).one()
        if tuple(now_state) != (STAGE, c.round):
            raise BadInput(_OPEN)
        audit_detail = {"opinion_id": o.id, "receipt": o.receipt, "channel": "web", "consultation_id": c.id,
                        "sha256": hashlib.sha256(content.encode()).hexdigest(), "chars": len(content)}
        from decisions.records import audit

        audit.record(s, decision_id=d.id, actor="public", role="public", office="", action="opinion",
                     detail=audit_detail, versioned=False)
        uow.commit()
        return {"receipt": o.receipt, "submitted_at": stamp, "decision": d.code, "consultation_id": c.id}


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
        return [consultation_view(c, d, organ, drafts.get(c.draft_evidence_id)) for c, d, organ in rows]


DRAFT_UNAVAILABLE = "该文件暂时无法提供，请稍后再试或联系承办单位 / this file is not available now: try again later or contact the undertaking unit"


def checked_file(sha256: str) -> bytes:
    """A stored file served to the public: its bytes only when they hash to the recorded SHA-256. Missing or
    altered: IntegrityFailure with one line naming neither a path nor the server (the operator finds it with
    ``juece verify``)."""
    from decisions.records import evidence_store

    try:
        data = evidence_store.read(sha256)
    except OSError:
        raise IntegrityFailure(DRAFT_UNAVAILABLE) from None
    if evidence_store.digest(data) != sha256:
        raise IntegrityFailure(DRAFT_UNAVAILABLE)
    return data


def public_draft(consultation_id: int) -> tuple[str, bytes]:
    """The published draft of a consultation shown on the public page (hash-checked: ``checked_file``)."""
    with UnitOfWork() as uow:
        s = uow.session
        row = s.exec(_public_decisions(s).where(Consultation.id == consultation_id)).first()
        if row is None:
            raise NotFound(f"未知征求意见 / unknown consultation: {consultation_id}")
        ev = s.get(Evidence, row[0].draft_evidence_id)
        assert ev is not None
        return ev.filename, checked_file(ev.sha256)


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
    with UnitOfWork() as uow:
        s = uow.session
        row = s.exec(_published_feedback(s).where(ParticipationFeedback.id == feedback_id)).first()
        if row is None:
            raise NotFound(f"未公开的说明 / no published feedback {feedback_id}")
        return row[0].filename, checked_file(row[0].sha256)


def lookup(receipt: str) -> dict:
    """A contributor looks up an opinion by receipt number: received, or how it was handled once the
    feedback is published. A hidden opinion's content is not shown."""
    code = (receipt or "").strip().upper()
    if not re.fullmatch(r"YJ-[A-Z0-9]{10}", code):
        raise BadInput(f"回执号格式不正确 / malformed receipt number: {receipt!r}")
    with UnitOfWork() as uow:
        s = uow.session
        o = s.exec(select(Opinion).where(Opinion.receipt == code)).first()
        if o is None or non_disclosable(s, s.get(Decision, o.decision_id)):  # type: ignore[arg-type]
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
