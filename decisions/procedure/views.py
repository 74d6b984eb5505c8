"""Read models: what `juece show`, `juece list` and the workbench display. Nothing here writes."""

from __future__ import annotations

from sqlalchemy import exists
from sqlmodel import col, func, select

from decisions.accounts.models import Office, User
from decisions.errors import BadInput, IntegrityFailure, NotFound
from decisions.procedure import scope
from decisions.procedure.models import (
    CoUndertaker,
    Decision,
    Evidence,
    Meeting,
    MeetingPosition,
    StageStatus,
    TriggerDetermination,
    live_evidence,
)
from decisions.procedure.sending_back import returns_of
from decisions.procedure.service import blocking, get_decision, profile_of
from decisions.procedure.voiding import void_records
from decisions.records import audit, evidence_store, renditions
from decisions.records.models import AuditEvent
from decisions.storage.unit_of_work import UnitOfWork
from workflow import profiles


def show(ident: str | int, *, lang: str = "zh", as_user: str | None = None) -> dict:
    """Everything about one decision: state, stages, triggers, evidence, meetings, audit, what blocks.

    `as_user`: read as that user (decisions.procedure.scope; NotPermitted, exit 4, outside their scope); None is the
    server operator."""
    with UnitOfWork() as uow:
        s = uow.session
        d = get_decision(s, ident)
        if as_user is not None:
            scope.require_read(s, scope.reader(s, as_user), d)
        profile = profile_of(d)
        stages = s.exec(select(StageStatus).where(StageStatus.decision_id == d.id)
                        .order_by(col(StageStatus.position))).all()
        evidence = s.exec(select(Evidence).where(Evidence.decision_id == d.id).order_by(col(Evidence.id))).all()
        meetings = s.exec(select(Meeting).where(Meeting.decision_id == d.id).order_by(col(Meeting.id))).all()
        triggers = s.exec(select(TriggerDetermination).where(TriggerDetermination.decision_id == d.id)).all()
        events = s.exec(select(AuditEvent).where(AuditEvent.chain == d.id).order_by(col(AuditEvent.seq))).all()
        co = s.exec(select(CoUndertaker.office_id).where(CoUndertaker.decision_id == d.id)).all()
        user_ids = {e.user_id for e in evidence} | {t.user_id for t in triggers} | {m.head_id for m in meetings}
        user_ids |= {e.on_behalf_id for e in evidence if e.on_behalf_id}
        positions = {m.id: s.exec(select(MeetingPosition).where(MeetingPosition.meeting_id == m.id)
                                  .order_by(col(MeetingPosition.seq))).all() for m in meetings}
        user_ids |= {p.user_id for ps in positions.values() for p in ps}
        accounts = list(s.exec(select(User.id, User.username, User.name).where(col(User.id).in_(user_ids)))) \
            if user_ids else []
        users, people = {i: u for i, u, _ in accounts}, {i: n for i, _, n in accounts}
        office_ids = {d.organ_id, d.undertaker_id, *co, *(e.office_id for e in evidence)}
        if d.executing_unit_id:
            office_ids.add(d.executing_unit_id)
        offices = {o.id: o for o in s.exec(select(Office).where(col(Office.id).in_(office_ids)))}
        unmet = blocking(s, d)
        void = void_records(s, d.id or 0)  # 作废: kept, struck through, counted by no gate
        recorded = {e.detail.get("evidence_id"): e.detail for e in events
                    if e.action == "evidence" and isinstance(e.detail, dict)}  # provenance (procedure.md §8)

        def stage_name(key: str) -> str:
            st = profile.stages.get(key)
            return getattr(st, f"name_{lang}") if st else key

        return {
            "id": d.id, "code": d.code, "title": d.title, "state": d.state, "state_name": stage_name(d.state),
            "profile": d.profile_name, "profile_version": d.profile_version, "category": d.category,
            "source": d.source, "round": d.round, "catalog_item_id": d.catalog_item_id,
            "organ": {"code": offices[d.organ_id].code, "name": offices[d.organ_id].name},
            "undertaker": {"code": offices[d.undertaker_id].code, "name": offices[d.undertaker_id].name},
            "co_undertakers": [offices[c].code for c in co],
            "executing_unit": offices[d.executing_unit_id].code if d.executing_unit_id else None,
            "created_at": d.created_at, "updated_at": d.updated_at, "version": d.version,
            "triggers": [{"name": t.name, "value": "yes" if t.value else "no", "reason": t.reason,
                          "by": users.get(t.user_id), "at": t.at} for t in triggers],
            "stages": [{"key": r.stage, "name": stage_name(r.stage), "status": r.status, "entered_at": r.entered_at,
                        "left_at": r.left_at, "note": r.note, "article": profile.stages[r.stage].article}
                       for r in stages],
            "evidence": [{"id": e.id, "kind": e.kind, "kind_name": getattr(profile.kinds[e.kind], f"name_{lang}")
                          if e.kind in profile.kinds else e.kind, "stage": e.stage, "round": e.round,
                          "filename": e.filename, "content_type": e.content_type, "size": e.size, "sha256": e.sha256,
                          "meta": e.meta, "uploader": users.get(e.user_id), "uploader_name": people.get(e.user_id),
                          "role": e.role,
                          "office": offices[e.office_id].code, "at": e.at,
                          "void": (void.get(e.id or 0) or {}).get("reason", ""),
                          "voided": void.get(e.id or 0),
                          **provenance(recorded.get(e.id), users.get(e.user_id), users.get(e.on_behalf_id or 0))}
                         for e in evidence],
            "meetings": [{"id": m.id, "round": m.round, "type": m.type, "date": m.date, "members": m.members_total,
                          "present": len(positions[m.id]), "head": users.get(m.head_id), "outcome": m.outcome,
                          "reason": m.reason,
                          "draft_sha256": (recorded.get(m.minutes_evidence_id) or {}).get("draft_sha256"),
                          "late_entry": bool((recorded.get(m.minutes_evidence_id) or {}).get("late_entry")),
                          "positions": [{"seq": p.seq, "user": users.get(p.user_id), "name": people.get(p.user_id),
                                         "position": p.position, "is_head": p.is_head} for p in positions[m.id]]}
                         for m in meetings],
            "blocked": [u.to_json() for u in unmet],
            "returns": returns_of(s, d.id or 0),
            "audit": [{"seq": e.seq, "at": e.at, "actor": e.actor, "role": e.role, "office": e.office,
                       "action": e.action, "detail": e.detail, "hash": e.hash} for e in events],
        }


def provenance(detail: dict | None, author: str | None, entered_by: str | None = None) -> dict:
    """Who recorded an evidence item, through which channel, on which draft, and whether it is a late entry
    (补录), as its audit event sealed them (procedure.md §8). ``on_behalf``: the account that entered the
    author's scanned original (代录), from the row, else the event; None when the author filed it."""
    detail = detail or {}
    return {"author": author, "on_behalf": entered_by or detail.get("on_behalf"), "late_entry": bool(detail.get("late_entry")),
            "draft_sha256": detail.get("draft_sha256"), "channel": detail.get(audit.VIA)}


def list_decisions(*, state: str | None = None, organ: str | None = None, limit: int = 500,
                   offset: int = 0, as_user: str | None = None) -> list[dict]:
    """Decisions filtered by state and organ, newest first; one query, indexed columns only.
    `as_user`: only the decisions that user may open (decisions.procedure.scope), silently."""
    if state is not None and state not in known_states():
        raise BadInput(f"--state {state!r} 无效 / unknown state; expected one of: {', '.join(known_states())}")
    with UnitOfWork() as uow:
        s = uow.session
        # columns, not ORM objects: a page of 500 decisions is read, not changed (a third of the time, and no
        # 500 objects for the garbage collector to sweep)
        q = select(Decision.id, Decision.code, Decision.title, Decision.state, Office.code, Decision.profile_name,
                   Decision.updated_at).join(Office, Office.id == Decision.organ_id)
        if state:
            q = q.where(Decision.state == state)
        if organ:
            q = q.where(Office.code == organ)
        if as_user is not None:
            visible = scope.visible_clause(scope.reader(s, as_user))
            if visible is not None:
                q = q.where(visible)
        rows = s.exec(q.order_by(col(Decision.id).desc()).offset(offset).limit(limit)).all()
        return [{"id": did, "code": code, "title": title, "state": state_, "organ": organ_code, "profile": profile,
                 "updated_at": updated} for did, code, title, state_, organ_code, profile, updated in rows]


def known_states() -> list[str]:
    names: list[str] = []
    for name in profiles.available():
        names += [s for s in profiles.load(name).stage_order if s not in names]
    return names + [s for s in profiles.SIDE_STATES if s not in names]


def count_by_state() -> dict[str, int]:
    with UnitOfWork() as uow:
        rows = uow.session.exec(select(Decision.state, func.count()).group_by(Decision.state)).all()
        return dict(rows)


def published(limit: int = 50, offset: int = 0) -> list[dict]:
    """Published decisions only: publication stage done and not non_disclosable; no draft material.
    Newest first, one page at a time (two queries whatever the size of the database)."""
    with UnitOfWork() as uow:
        s = uow.session
        secret = exists().where(TriggerDetermination.decision_id == Decision.id,
                                TriggerDetermination.name == "non_disclosable",
                                TriggerDetermination.value == True)  # noqa: E712
        pub = exists().where(StageStatus.decision_id == Decision.id, StageStatus.stage == "publication",
                             StageStatus.status == "done")
        q = select(Decision.id, Decision.code, Decision.title, Office.name).join(Office, Office.id == Decision.organ_id) \
            .where(pub, ~secret).order_by(col(Decision.id).desc()).offset(offset).limit(limit)
        rows = s.exec(q).all()
        records: dict[int, Evidence] = {}
        if rows:
            for rec in s.exec(select(Evidence).where(col(Evidence.decision_id).in_([r[0] for r in rows]),
                                                     Evidence.kind == "publication_record", live_evidence())
                              .order_by(col(Evidence.id))):
                records[rec.decision_id] = rec  # the newest record of each decision wins
        out = []
        for did, code, title, organ_name in rows:
            rec = records.get(did)
            if rec is None:
                continue
            url = str(rec.meta.get("url", ""))
            out.append({"code": code, "title": title, "organ": organ_name,
                        "published": str(rec.meta.get("date", "")), "channel": str(rec.meta.get("channel", "")),
                        "url": url if url.startswith(("https://", "http://")) else ""})
        return out


# ----------------------------------------------------------------- reading an attached file
def evidence_file(ident: str | int, evidence_id: int, *, as_user: str | None) -> dict:
    """One attached file's original bytes, for everyone who may read the decision (decisions.procedure.scope:
    NotPermitted, exit 4, otherwise), after checking them against the SHA-256 of the record (IntegrityFailure,
    exit 6, when the stored file is missing or changed). `as_user` None is the server operator."""
    with UnitOfWork() as uow:
        s = uow.session
        d = get_decision(s, ident)
        if as_user is not None:
            scope.require_read(s, scope.reader(s, as_user), d, "查看材料 / open the evidence of")
        e = s.get(Evidence, evidence_id)
        if e is None or e.decision_id != d.id:
            raise NotFound(f"决策 {d.code} 没有材料 #{evidence_id} / decision {d.code} has no evidence #{evidence_id}")
        row = {"id": e.id, "decision_id": d.id, "code": d.code, "kind": e.kind, "filename": e.filename,
               "content_type": e.content_type, "size": e.size, "sha256": e.sha256}
    path = evidence_store.path_for(row["sha256"])
    if not path.is_file():
        raise IntegrityFailure(f"材料 #{evidence_id}（{row['filename']}）的文件不在存储中 / evidence file missing")
    data = path.read_bytes()
    found = evidence_store.digest(data)
    if found != row["sha256"]:
        raise IntegrityFailure(f"材料 #{evidence_id}（{row['filename']}）的存储文件与记录不符，拒绝读取 / the stored "
                               f"file does not match the record: record sha256 {row['sha256']}, store has {found}")
    return {**row, "data": data, "mode": renditions.mode_of(row["filename"], row["content_type"])}


def evidence_preview(ident: str | int, evidence_id: int, *, as_user: str | None, page: int = 1,
                     dpi: int = renditions.PREVIEW_DPI) -> dict:
    """What the workbench shows of an attached file, after the checks of `evidence_file`: ``mode`` pdf or office
    (``pages``, ``page`` and that page as ``png``; an office document converted to PDF with LibreOffice first,
    cached beside the original), image (``data``), text (``text``), ofd or download (only the original).
    A conversion or rendering that fails gives mode ``download`` with the reason in ``note``."""
    f = evidence_file(ident, evidence_id, as_user=as_user)
    out = {k: f[k] for k in ("id", "filename", "content_type", "size", "sha256", "mode")}
    out.update({"pages": 0, "page": 0, "png": None, "data": None, "text": None, "note": "", "original": f["data"]})
    try:
        if f["mode"] in ("pdf", "office"):
            if f["mode"] == "office":
                pdf, pdf_sha = renditions.pdf_rendition(f["sha256"], f["filename"], f["data"]), None
            else:
                pdf, pdf_sha = evidence_store.path_for(f["sha256"]), f["sha256"]
            n = renditions.page_count(pdf)
            if n < 1:
                raise BadInput("PDF 没有页面 / the PDF has no pages")
            k = min(max(1, int(page)), n)
            out.update(pages=n, page=k, png=renditions.page_png(pdf, k, dpi, pdf_sha))
        elif f["mode"] == "image":
            out["data"] = f["data"]
        elif f["mode"] == "text":
            raw = f["data"]
            try:
                out["text"] = raw.decode("utf-8")
            except UnicodeDecodeError:
                out["text"] = raw.decode("gb18030", errors="replace")
    except BadInput as exc:
        out.update(mode="download", note=exc.message)
    return out
