"""Use cases of the archive (Art 33, 一事一档): generate a decision's dossier, verify a dossier file.

`generate_dossier` checks who asks (archivist, decision organ, head, auditor of the decision's scope),
reads the record in one unit of work, checks every evidence file against its recorded SHA-256, renders
the PDF/A-3b volume (`pdf.dossier`) and records the dossier's SHA-256 as a ``dossier`` audit event in
a second unit of work. The record rendered excludes ``dossier`` events, so generating a dossier does
not change what the next one renders: the same decision state always gives the same bytes.

`verify_dossier` reads a dossier file back: its manifest, its embedded originals, the record now, the
evidence store, a fresh rendering, and the audit events that recorded dossiers.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pikepdf
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from decisions import clock
from decisions.accounts.models import Office, User
from decisions.accounts.permissions import ROLE_NAMES_ZH, Actor, authorize
from decisions.accounts.service import actor_for
from decisions.archive import supersede
from decisions.archive.models import ArchiveFiling
from decisions.catalog.models import CatalogItem
from decisions.errors import BadInput, Blocked, Conflict, IntegrityFailure, NotFound, Unmet
from decisions.procedure import scope
from decisions.procedure.models import (
    CoUndertaker,
    Decision,
    Evidence,
    Meeting,
    MeetingPosition,
    StageStatus,
    TriggerDetermination,
)
from decisions.procedure.service import get_decision, profile_of, record_event, scope_of, touch
from decisions.procedure.views import provenance
from decisions.procedure.voiding import void_records
from decisions.records import audit, evidence_store, renditions
from decisions.records.models import AuditEvent
from decisions.storage.settings import get_settings
from decisions.storage.unit_of_work import UnitOfWork
from pdf import assemble, description, dossier, fonts, signing
from pdf import events as events_zh
from workflow.profiles import Profile as Profiled

DOSSIER_ROLES = scope.DOSSIER_ROLES
FINAL_STATES = ("execution", "closed", "rejected", "withdrawn", "excluded")
# who acts without an account of the organ (the public's submissions, the worker, the server's operator), by name
SYSTEM_ACTORS_ZH = {"public": "公众", "worker": "定时任务", "operator": "系统运维"}
SYSTEM_ROLES_ZH = {"public": "公众", "system": "系统", "operator": "系统运维"}
SIDE_ZH = {"excluded": "不属于重大行政决策", "rejected": "不予通过", "deferred": "暂缓决策", "suspended": "中止执行",
           "withdrawn": "已撤回", "closed": "办结"}


# ----------------------------------------------------------------- permission
def authorize_dossier(s: Session, actor_name: str, d: Decision) -> tuple[Actor, str]:
    """The role under which a user may read the whole record of a decision for its dossier:
    archivist, decision_organ, head or auditor, each within its read scope (decisions.procedure.scope: the organ's own,
    or a subordinate organ's for oversight, read-only)."""
    r = scope.reader(s, actor_name)
    assert r.actor is not None
    return r.actor, scope.dossier_role(s, r, d)


# ----------------------------------------------------------------- the record
def _fmt_detail(action: str, detail: dict, names: events_zh.Names) -> str:
    return events_zh.describe(action, detail, names)  # Chinese prose for every action (pdf/events.py)


def build_record(s: Session, d: Decision) -> dict:
    """Everything the dossier shows, as plain data, without the ``dossier`` audit events."""
    profile = profile_of(d)

    def stage_name(key: object) -> str:
        key = str(key)
        st = profile.stages.get(key)
        return st.name_zh if st else SIDE_ZH.get(key, key)

    stages = s.exec(select(StageStatus).where(StageStatus.decision_id == d.id).order_by(col(StageStatus.position))).all()
    evidence = s.exec(select(Evidence).where(Evidence.decision_id == d.id).order_by(col(Evidence.id))).all()
    item_no = {e.id: i for i, e in enumerate(evidence, start=1)}  # the 件号: one number per document

    def item(eid: object) -> str:
        try:
            return f"第{item_no[int(str(eid))]}件材料"
        except (KeyError, ValueError):
            return f"材料（已不在本卷，编号 {eid}）"

    names = events_zh.Names(stage=stage_name,
                            trigger=lambda k: t.name_zh if (t := profile.triggers.get(k)) else k,
                            kind=lambda k: x.name_zh if (x := profile.kinds.get(k)) else k, item=item,
                            office=lambda c: o.name if (o := office_by_code.get(str(c))) else str(c),
                            profile=lambda k: profile.title_zh if str(k) == profile.name else str(k),
                            person=lambda u: person(by_name.get(str(u)), SYSTEM_ACTORS_ZH.get(str(u), str(u))))
    meetings = s.exec(select(Meeting).where(Meeting.decision_id == d.id).order_by(col(Meeting.id))).all()
    triggers = s.exec(select(TriggerDetermination).where(TriggerDetermination.decision_id == d.id)
                      .order_by(col(TriggerDetermination.id))).all()
    events = s.exec(select(AuditEvent).where(AuditEvent.chain == d.id, AuditEvent.action != "dossier")
                    .order_by(col(AuditEvent.seq))).all()
    sm3 = dict(s.exec(select(audit.AuditSm3.seq, audit.AuditSm3.sm3).where(audit.AuditSm3.chain == d.id)).all())
    co = s.exec(select(CoUndertaker.office_id).where(CoUndertaker.decision_id == d.id)
                .order_by(col(CoUndertaker.office_id))).all()
    positions = {m.id: s.exec(select(MeetingPosition).where(MeetingPosition.meeting_id == m.id)
                              .order_by(col(MeetingPosition.seq))).all() for m in meetings}
    user_ids = ({e.user_id for e in evidence} | {t.user_id for t in triggers} | {m.head_id for m in meetings}
                | {p.user_id for ps in positions.values() for p in ps} | {r.user_id for r in stages if r.user_id}
                | {e.on_behalf_id for e in evidence if e.on_behalf_id})
    usernames = {e.actor for e in events}
    users = {u.id: u for u in s.exec(select(User).where(col(User.id).in_(user_ids) | col(User.username).in_(usernames)))}
    by_name = {u.username: u for u in users.values()}
    offices = {o.id: o for o in s.exec(select(Office))}
    office_by_code = {o.code: o for o in offices.values()}

    def person(u: User | None, fallback: str = "") -> str:
        """A person by name (the role and office beside it tell two of one name apart): the account, an internal
        key, is in the audit trail, not on the dossier's pages."""
        if u is None:
            return fallback
        return u.name or u.username

    def actor(username: str, role: str, office_code: str, at: str) -> dict:
        o = office_by_code.get(office_code)
        return {"who": person(by_name.get(username), SYSTEM_ACTORS_ZH.get(username, username)), "role": role,
                "role_name": ROLE_NAMES_ZH.get(role) or SYSTEM_ROLES_ZH.get(role, role), "office": office_code,
                "office_name": o.name if o else office_code, "at": at}

    closed_by: dict[str, dict] = {}
    ev_rows = []
    for e in events:
        a = actor(e.actor, e.role, e.office, e.at)
        detail = e.detail or {}
        if e.action in ("advance", "transition") or ("from" in detail and "to" in detail):
            closed_by[str(detail.get("from"))] = a
            for sk in detail.get("skipped", []):
                closed_by[str(sk.get("stage"))] = a
        ev_rows.append({"seq": e.seq, "at": e.at, "action": e.action, "summary": _fmt_detail(e.action, detail, names),
                        "hash": e.hash, "sm3": sm3.get(e.seq, ""), **{k: v for k, v in a.items() if k != "at"}})

    def office_ref(oid: int | None) -> dict | None:
        if oid is None or oid not in offices:
            return None
        return {"code": offices[oid].code, "name": offices[oid].name}

    ev_no = {e.id: i for i, e in enumerate(evidence, start=1)}
    sealed = {(e.detail or {}).get("evidence_id"): e.detail or {} for e in events if e.action == "evidence"}
    behalf_names = {str(v.get("on_behalf")) for v in sealed.values() if isinstance(v.get("on_behalf"), str)}
    for u in s.exec(select(User).where(col(User.username).in_(behalf_names - set(by_name)))) if behalf_names else ():
        by_name[u.username] = u

    def on_behalf(value: object) -> str | None:
        """代录: the author a paper original was entered for (a username, or a record of the person)."""
        if not value:
            return None
        if isinstance(value, dict):
            value = value.get("username") or value.get("name") or ""
        u = by_name.get(str(value))
        return u.name if u else str(value)

    ev_list = []
    # a voided upload stays in the dossier (evidence is append-only), but never as valid evidence: its 题名 says
    # 【作废】 wherever it is listed, its pages are stamped 已作废, and the 备考表 says who voided it, when and why
    void = void_records(s, d.id or 0)
    voided_notes = []
    for e in evidence:
        kind = profile.kinds.get(e.kind)
        up = users.get(e.user_id)
        kind_name = kind.name_zh if kind else e.kind
        v = void.get(e.id or 0)
        if v is not None:
            voided_notes.append({"no": ev_no[e.id], "kind_name": kind_name, "filename": e.filename, "at": v["at"],
                                 "by": person(by_name.get(v["by"]), v["by"]), "reason": v["reason"]})
            kind_name = f"【作废】{kind_name}（作废理由：{v['reason']}）"
        prov = provenance(sealed.get(e.id), person(up, str(e.user_id)))
        ev_list.append({"no": ev_no[e.id], "id": e.id, "kind": e.kind, "kind_name": kind_name,
                        "stage": e.stage, "stage_name": stage_name(e.stage), "round": e.round, "filename": e.filename,
                        "content_type": e.content_type, "size": e.size, "sha256": e.sha256, "meta": dict(e.meta),
                        "uploader": person(up, str(e.user_id)), "role": e.role,
                        "role_name": ROLE_NAMES_ZH.get(e.role, e.role), "office": offices[e.office_id].code,
                        "office_name": offices[e.office_id].name, "at": e.at, **({"voided": True} if v else {}),
                        **prov, "author_name": up.name if up else str(e.user_id),
                        # 代录 (procedure.md §8): who entered the author's scanned signed original
                        "on_behalf": (person(users.get(e.on_behalf_id), str(e.on_behalf_id)) if e.on_behalf_id
                                      else on_behalf(prov["on_behalf"]))})
    meet_list = []
    for m in meetings:
        ps = positions[m.id]
        others = [p.position for p in ps if not p.is_head]
        majority = next((x for x in ("approve", "reject", "abstain") if others and others.count(x) * 2 > len(others)),
                        None)
        meet_list.append({"round": m.round, "type": m.type, "date": m.date, "members": m.members_total,
                          "present": len(ps), "head": person(users.get(m.head_id)), "outcome": m.outcome,
                          "majority": majority, "reason": m.reason, "minutes_no": ev_no.get(m.minutes_evidence_id),
                          "positions": [{"seq": p.seq, "who": person(users.get(p.user_id)), "position": p.position,
                                         "is_head": p.is_head} for p in ps]})
    stage_list = []
    for r in stages:
        st = profile.stages[r.stage]
        entered = users.get(r.user_id) if r.user_id else None
        stage_list.append({"key": r.stage, "name": st.name_zh, "article": st.article, "status": r.status,
                           "entered_at": r.entered_at, "left_at": r.left_at, "note": r.note,
                           "entered_by": {"who": person(entered)} if entered else None,
                           "closed_by": closed_by.get(r.stage) if r.status in ("done", "skipped") else None})
    trig_list = []
    for t in triggers:
        spec = profile.triggers.get(t.name)
        trig_list.append({"name": t.name, "name_zh": spec.name_zh if spec else t.name,
                          "article": spec.article if spec else "", "value": "yes" if t.value else "no",
                          "reason": t.reason, "by": person(users.get(t.user_id)), "at": t.at})
    cat = s.get(CatalogItem, d.catalog_item_id) if d.catalog_item_id else None
    as_of = dossier.latest([d.created_at, *(e.at for e in events)])  # the latest time, not the last seq's
    organ, undertaker = office_ref(d.organ_id), office_ref(d.undertaker_id)
    archive = describe(s, d, profile, organ or {"code": "", "name": ""}, triggers, person)
    archive["late"] = _late_entries(ev_list, stage_list)
    if voided_notes:  # absent otherwise: the record (and its digest) of a decision without one is as before
        archive["voided"] = voided_notes
    archive["notes"] = [f"{st['name']}依法跳过：{st['note']}（{st['article']}）" for st in stage_list
                        if st["status"] == "skipped" and st["note"]]
    return {
        "decision": {"id": d.id, "code": d.code, "title": d.title, "state": d.state, "state_name": stage_name(d.state),
                     "round": d.round, "category": d.category, "source": d.source, "created_at": d.created_at,
                     "updated_at": d.updated_at, "state_entered_at": d.state_entered_at, "as_of": as_of,
                     "interim": d.state not in FINAL_STATES or not evidence,
                     "outcome": _outcome(d.state, meet_list, stage_name)},
        "organ": organ, "undertaker": undertaker, "archive": archive,
        "co_undertakers": [office_ref(c) for c in co], "executing_unit": office_ref(d.executing_unit_id),
        "catalog": {"year": cat.year, "seq": cat.seq, "item_name": cat.item_name, "source": cat.source} if cat else None,
        "profile": {"name": profile.name, "version": profile.version, "title_zh": profile.title_zh,
                    "law_zh": profile.law_zh},
        "stages": stage_list, "triggers": trig_list, "evidence": ev_list, "meetings": meet_list, "events": ev_rows,
    }


# ----------------------------------------------------------------- the archival description
def disclosure(profile: Profiled, triggers: list[TriggerDetermination]) -> tuple[str, str, str]:
    """密级, 开放/控制 and its basis, from the ``non_disclosable`` determination (the profile's [archive])."""
    rules = profile.archive
    t = next((t for t in triggers if t.name == "non_disclosable"), None)
    d = rules.undetermined if t is None else rules.non_disclosable if t.value else rules.disclosable
    basis = d.basis + (f"；{t.reason}" if t is not None and t.value and t.reason else "")
    return d.classification, d.access, basis


def fonds_of(organ: dict) -> str:
    return get_settings().fonds or organ["code"]


def unit_of(organ: dict) -> str:
    return get_settings().archive_unit or organ["name"]


def code_rule(profile: Profiled) -> str:
    return get_settings().archive_code_rule or profile.archive.code_rule


def describe(s: Session, d: Decision, profile: Profiled, organ: dict, triggers: list[TriggerDetermination],
             person: Callable[[User | None], str]) -> dict:
    """The volume's archival description (DA/T 22, DA/T 46): fixed at filing; before it, what filing would fix
    now (no 档号 yet)."""
    f = s.exec(select(ArchiveFiling).where(ArchiveFiling.decision_id == d.id)).first()
    rules = profile.archive
    if f is not None:
        return {"filed": True, "code": f.code, "fonds": f.fonds, "year": f.year, "retention": f.retention,
                "retention_code": f.retention_code, "item": f.item, "classification": f.classification,
                "access": f.access, "access_basis": disclosure(profile, triggers)[2], "unit": f.unit,
                "filed_at": f.filed_at, "filer": person(s.get(User, f.filer_id)),
                "checker": person(s.get(User, f.checker_id)), "article": rules.article}
    classification, access, basis = disclosure(profile, triggers)
    return {"filed": False, "code": "", "fonds": fonds_of(organ), "year": None, "retention": rules.retention,
            "retention_code": rules.retention_codes[rules.retention], "item": None, "classification": classification,
            "access": access, "access_basis": basis, "unit": unit_of(organ), "filed_at": "", "filer": "",
            "checker": "", "article": rules.article}


def _late_entries(evidence: list[dict], stages: list[dict]) -> list[dict]:
    """Documents added after their stage was left (补充归档): the 备考表 notes them."""
    left = {st["key"]: st["left_at"] for st in stages if st["left_at"]}
    out = []
    for e in evidence:
        done = left.get(e["stage"])
        if done and e["at"] and dossier.instant(e["at"]) > dossier.instant(done):
            out.append({"no": e["no"], "stage_name": e["stage_name"], "at": e["at"], "left_at": done})
    return out


def _outcome(state: str, meetings: list[dict], stage_name: Callable[[object], str]) -> str:
    approved = [m for m in meetings if m["outcome"] == "approve"]
    if state in ("rejected", "excluded", "withdrawn", "deferred") or (state in SIDE_ZH and not approved):
        return SIDE_ZH[state]
    if approved:  # decided, then executed, suspended or closed: the decision and where it stands
        m = approved[-1]
        return f"经{description.zh_date(m['date'])}集体讨论决定通过；当前：{stage_name(state)}"
    return f"决策程序进行中（当前：{stage_name(state)}）"


def _files(record: dict) -> dict[int, Path]:
    return {e["id"]: evidence_store.path_for(e["sha256"]) for e in record["evidence"]}


def missing_files(record: dict) -> list[str]:
    """Evidence whose file is not in the store (the cheap half of the fixity check)."""
    return [f"evidence #{e['id']} ({e['filename']}): file missing from the store / 存储中缺少文件"
            for e in record["evidence"] if not evidence_store.path_for(e["sha256"]).is_file()]


def fixity_problems(record: dict) -> list[str]:
    """Every evidence file missing from the store or not of the SHA-256 the record gives (each file read whole)."""
    problems = missing_files(record)
    for e in record["evidence"]:
        path = evidence_store.path_for(e["sha256"])
        if not path.is_file():
            continue
        found = evidence_store.file_sha256(path)
        if found != e["sha256"]:
            problems.append(f"evidence #{e['id']} ({e['filename']}): stored file changed / 存储文件已被改动: "
                            f"record sha256 {e['sha256']}, store has {found}")
    return problems


def load_record(ident: str | int, as_user: str | None) -> tuple[dict, Actor | None, str]:
    with UnitOfWork() as uow:
        s = uow.session
        d = get_decision(s, ident)
        actor = None
        role = "operator"
        if as_user is not None:
            actor, role = authorize_dossier(s, as_user, d)
        return build_record(s, d), actor, role


def _renditions(record: dict) -> dict[int, Path]:
    """The PDF renditions of the Word/WPS/ODF evidence (LibreOffice, cached beside the originals), so they appear
    in the dossier as pages; one that cannot be converted stays an embedded original, as before."""
    out = {}
    for e in record["evidence"]:
        if renditions.mode_of(e["filename"], e["content_type"]) == "office":
            try:
                out[e["id"]] = renditions.pdf_rendition(e["sha256"], e["filename"])
            except BadInput:
                continue
    return out


REFUSED = "材料与记录不符，拒绝生成案卷 / evidence does not match the record: "


def _render(record: dict, out: Path | None = None) -> assemble.Rendered:
    """Render the volume; every original's fixity is checked as it is read to be embedded (one read of each file,
    not a separate pass before): a file that changed refuses the volume, nothing of it kept."""
    try:
        return assemble.render(record, _files(record), _renditions(record), out)
    except fonts.FontUnavailable as exc:
        raise BadInput(str(exc)) from None
    except assemble.Changed as exc:
        raise IntegrityFailure(REFUSED + str(exc)) from None


# ----------------------------------------------------------------- use cases
def generate_dossier(ident: str | int, *, as_user: str | None, to: Path | None = None) -> dict:
    """Render the decision's dossier and record its SHA-256 in the audit trail.

    Returns ``{"filename", "sha256", "pages", "bytes"}`` (plus ``warnings`` and the CPU ``timings`` of each
    rendering step) and the volume: written to ``to`` when given (``"path"``: rendered, checked and signed on
    disk, never held in memory — a volume of thousands of pages or of scans), else as ``"data"``.
    ``as_user=None`` is the server operator (CLI without --as); the workbench always passes the signed-in user.
    """
    record, actor, role = load_record(ident, as_user)
    problems = missing_files(record)  # a changed file is refused as it is read to be embedded (_render)
    if problems:
        raise IntegrityFailure(REFUSED + "；".join(problems))
    with tempfile.TemporaryDirectory(prefix="juece-dossier-", dir=to.parent if to is not None else None) as tmp:
        path = Path(tmp) / "dossier.pdf"
        out = _render(record, path)
        # every merged page was stripped (pdf.pdfa.strip_actions): what is left must not reach a reader. Every
        # object of the volume was inspected as it was written (pdf.stream_writer), the same test as
        # pdfa.active_content without parsing a file of thousands of pages again
        active = out.active
        if active:
            raise IntegrityFailure("案卷含有脚本或外部动作，拒绝生成 / the dossier would carry active content, refused: "
                                   + "; ".join(active))
        try:  # PAdES with the deployment's certificate when configured (JUECE_SIGN_CERT/KEY), else unsigned
            signed = signing.sign_file(path, sha256=out.sha256)
        except signing.SigningError as exc:
            raise BadInput(f"案卷签名配置有误 / dossier signing configuration: {exc}") from None
        sha, size = signed.sha256, path.stat().st_size
        dec = record["decision"]
        filename = f"{dec['code']}-dossier.pdf"
        detail = {"sha256": sha, "pages": out.pages, "bytes": size, "filename": filename,
                  "record_sha256": out.manifest["record_sha256"], "as_of": dec["as_of"], "interim": dec["interim"],
                  "evidence": len(record["evidence"]), "signed": signed.signed,
                  "unsigned_sha256": signed.unsigned_sha256}
        for attempt in range(5):
            try:
                with UnitOfWork() as uow:
                    audit.record(uow.session, decision_id=dec["id"], actor=actor.username if actor else "operator",
                                 role=role, office=actor.office_code if actor else "", action="dossier", detail=detail)
                    uow.commit()
                break
            except (IntegrityError, Conflict):  # another event took the same seq: append after it
                if attempt == 4:
                    raise
        volume: dict = {"path": to} if to is not None else {"data": path.read_bytes()}
        if to is not None:
            os.replace(path, to)
    return {"filename": filename, **volume, "sha256": sha, "bytes": size, "pages": out.pages,
            "warnings": out.warnings, "timings": out.timings, **signed.summary()}


def _reconverted(then: dict, now: dict) -> bool:
    """Was a Word/WPS original converted again (LibreOffice's PDFs differ from run to run) since the dossier?"""
    before = {e["id"]: e.get("rendition_sha256") for e in then.get("evidence", [])}
    return any(before.get(e["id"]) != e.get("rendition_sha256") for e in now.get("evidence", []))


def verify_dossier(path_or_bytes: str | Path | bytes) -> dict:
    """Does this dossier file match the record? ``status``: ``matches`` (the record as it is now),
    ``superseded`` (authentic, but the record has moved on since the dossier's last event: ``ok`` too, with
    the later record's seq), or ``altered`` (``ok`` false; each difference in ``problems``)."""
    if isinstance(path_or_bytes, bytes | bytearray):
        data = bytes(path_or_bytes)
    else:
        path = Path(path_or_bytes)
        if not path.is_file():
            raise BadInput(f"案卷文件不存在 / dossier file does not exist: {str(path)!r}")
        data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    problems: list[str] = []
    notes: list[str] = []
    result: dict = {"ok": False, "status": "altered", "sha256": sha, "problems": problems, "notes": notes,
                    "decision": None, "evidence_differs": [], "recorded": []}
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PdfError as exc:
        problems.append(f"不是可读的 PDF / not a readable PDF: {exc}")
        return result
    with pdf:
        manifest = dossier.read_manifest(pdf)
        if manifest is None or manifest.get("format") != dossier.FORMAT:
            problems.append("不是 juece 案卷（没有清单 juece-dossier.json）/ not a juece dossier (no manifest)")
            return result
        embedded = dossier.embedded_hashes(pdf)
        page_count = len(pdf.pages)
    differs: set[int] = set()
    for item in manifest["evidence"]:
        got = embedded.get(item["attachment"])
        if got is None:
            problems.append(f"evidence #{item['id']} ({item['filename']}): original missing from the dossier file / "
                            "案卷中缺少原件附件")
            differs.add(item["id"])
        elif got != item["sha256"]:
            problems.append(f"evidence #{item['id']} ({item['filename']}): the copy embedded in the dossier changed / "
                            f"案卷内原件被改动: manifest sha256 {item['sha256']}, embedded {got}")
            differs.add(item["id"])
    if manifest.get("pages") not in (None, page_count):
        problems.append(f"页数与案卷清单不符 / the file has {page_count} pages, its manifest {manifest.get('pages')}")
    with UnitOfWork() as uow:
        s = uow.session
        try:
            d = get_decision(s, manifest["decision"]["code"])
        except NotFound:
            problems.append(f"案卷所属决策 {manifest['decision'].get('code')} 不在本系统中 / the dossier's decision is not "
                            "in this deployment")
            return result
        record = build_record(s, d)
        trail = [{"seq": e.seq, "at": e.at, "action": e.action, "detail": e.detail or {}, "hash": e.hash, "actor": e.actor}
                 for e in s.exec(select(AuditEvent).where(AuditEvent.chain == d.id).order_by(col(AuditEvent.seq)))]
        result["recorded"] = [{"seq": e["seq"], "at": e["at"], "actor": e["actor"]}
                              for e in supersede.recorded_for(trail, sha)]
        result["decision"] = {"id": d.id, "code": d.code, "title": d.title, "state": d.state}
    anc = supersede.anchor(manifest, trail, sha)
    problems += anc.problems or supersede.as_of_problems(manifest, trail, anc.seq, record["decision"]["created_at"])
    later = supersede.later_events(trail, anc.seq)
    added_later = supersede.evidence_added_after(trail, anc.seq)
    now = {e["id"]: e for e in record["evidence"]}
    then = {e["id"]: e for e in manifest["evidence"]}
    for eid, item in then.items():
        cur = now.get(eid)
        if cur is None:
            problems.append(f"evidence #{eid} ({item['filename']}): in the dossier, no longer in the record / 记录中已无此材料")
            differs.add(eid)
        elif cur["sha256"] != item["sha256"]:
            problems.append(f"evidence #{eid} ({item['filename']}): dossier sha256 {item['sha256']}, record "
                            f"{cur['sha256']} / 材料与记录不符")
            differs.add(eid)
    for eid, cur in now.items():
        if eid in then:
            continue
        if eid in added_later:
            notes.append(f"第{cur['no']}件 {cur['filename']}：案卷生成后归入 / evidence #{eid} added after this dossier")
        else:
            problems.append(f"evidence #{eid} ({cur['filename']}): added to the record after this dossier / 案卷生成后新增材料")
            differs.add(eid)
    store = fixity_problems(record)
    for p in store:
        problems.append(p)
    for e in record["evidence"]:
        if any(p.startswith(f"evidence #{e['id']} ") for p in store):
            differs.add(e["id"])
    earlier = supersede.earlier_version(manifest)
    if earlier:
        notes.append(f"由较早版本的 juece 生成（版式 {supersede.layout_of(manifest)}，现为 {dossier.LAYOUT}）：不能逐字节比对，"
                     "以审计记录中登记的文件 SHA-256、内嵌原件和审计链核验 / made by an earlier version of juece: checked "
                     "against the audit trail's record of the file, its embedded originals and the audit chain")
    if not problems:
        problems += _compare(data, manifest, record, later, anc.seq, earlier, result, notes)
    if not result["recorded"]:
        notes.append("该文件的 SHA-256 未见于审计记录 / this file's SHA-256 is not in the audit trail")
    result["evidence_differs"] = sorted(differs)
    result["ok"] = not problems
    if result["ok"] and result["status"] != "superseded":
        result["status"] = "matches"
    return result


def _compare(data: bytes, manifest: dict, record: dict, later: list[dict], seq: int | None, earlier: bool,
             result: dict, notes: list[str]) -> list[str]:
    """The file against the record once its originals agree: superseded (authenticated by the audit trail, the
    record moved on), an earlier version's dossier (authenticated by the audit trail), or byte for byte
    against a fresh rendering of the record now. Returns the problems (the file is altered)."""
    sha = result["sha256"]
    if later or earlier:
        if not result["recorded"]:
            why = (f"且记录在第 {seq} 条事件之后已有更新，无法重新生成比对 / and the record has moved on since event seq {seq}"
                   if later else f"且由较早版本的 juece 生成（版式 {supersede.layout_of(manifest)}），无法重新生成比对；可用 "
                                 "juece verify --dossier 文件 --offline 核验文件本身 / and it was made by an earlier version")
            return [f"文件不是 juece 生成的那一份：其 SHA-256 未见于审计记录（页面或元数据被改动？）{why} / the file differs "
                    "from the dossier juece made: its SHA-256 is not in the audit trail (pages or metadata changed?)"]
        if later:
            result.update(supersede.summary(later, seq))
            notes.insert(0, f"案卷真实，但记录已有更新：案卷截至第 {seq} 条审计事件，记录现已到第 {later[-1]['seq']} 条"
                            f"（其后 {len(later)} 条事件）/ superseded: authentic up to event seq {seq}; the record "
                            f"has moved on to seq {later[-1]['seq']}")
        return []
    if dossier.record_digest(record) != manifest.get("record_sha256"):
        return [f"决策记录已变化 / the procedure record changed since the dossier (as of "
                f"{manifest['decision'].get('as_of')}, state {manifest['decision'].get('state')} → now "
                f"{record['decision']['as_of']}, state {record['decision']['state']})"]
    fresh = _render(record)
    if fresh.data == signing.unsigned_original(data):
        notes.append("与当前记录重新生成的文件逐字节相同 / byte-identical to a fresh rendering")
    elif result["recorded"]:  # the audit trail (its own chain verified by `juece verify`) says juece made these bytes
        notes.append("与当前版本重新生成的文件不是逐字节相同（渲染程序、字体或 Word/WPS 转换件有变化），该文件的 SHA-256 是审计记录"
                     "登记的，内嵌原件均相符 / not byte-identical to a fresh rendering (renderer, fonts or a converted "
                     "Word/WPS rendition changed since the dossier): the file's SHA-256 is the one recorded in the "
                     "audit trail and every embedded original matches")
    elif fresh.manifest["renderer"] != manifest.get("renderer") or _reconverted(manifest, fresh.manifest):
        return ["renderer changed and the file's SHA-256 is not recorded in the audit trail / 无法确认文件未被改动"]
    else:
        return [f"文件内容与当前记录生成的不同（页面或元数据被改动？）/ the file differs from a fresh rendering "
                f"(pages {manifest.get('pages')} vs {fresh.pages}; sha256 {sha[:16]}… vs "
                f"{hashlib.sha256(fresh.data).hexdigest()[:16]}…)"]
    return []


def file_decision(ident: str | int, *, as_user: str, checker: str | None) -> dict:
    """归档 (Art 33): a decision whose procedure has ended is filed with its 档号, by the filer (立卷人, an
    archivist of the organ's scope) and checked by a second person (检查人). From then on the decision is
    read-only: every writing use case refuses it (`decisions.procedure.service.touch`, exit 3)."""
    with UnitOfWork() as uow:
        s = uow.session
        d = get_decision(s, ident)
        profile = profile_of(d)
        rules = profile.archive
        actor = actor_for(s, as_user)
        sc = scope_of(s, d, actor)
        role = authorize(actor, sc, rules.filer_roles, f"将决策 {d.code} 归档（立卷）")
        if not checker:
            raise BadInput("归档须由立卷人以外的第二人检查：--checker 用户名 / filing needs a checker (--checker USER), "
                           "a second person")
        check = actor_for(s, checker)
        if check.user_id == actor.user_id:
            raise BadInput(f"检查人须为立卷人以外的第二人：{checker} 不能检查自己立卷的案卷 / the checker must be a second "
                           "person, not the filer")
        authorize(check, scope_of(s, d, check), rules.checker_roles, f"检查决策 {d.code} 的案卷")
        touch(d)  # refuses a decision already archived (exit 3, naming the article)
        if d.state not in rules.fileable:
            allowed = "、".join(SIDE_ZH.get(x, x) for x in rules.fileable)
            raise Blocked([Unmet(f"{d.state}.state", rules.article,
                                 f"决策 {d.code} 尚未终结（当前：{(profile.stages[d.state].name_zh if d.state in profile.stages else SIDE_ZH.get(d.state, d.state))}），"
                                 f"只有{allowed}的决策可以归档",
                                 f"only a decision whose procedure has ended ({', '.join(rules.fileable)}) can be "
                                 f"archived; {d.code} is {d.state}")])
        record = build_record(s, d)
        problems = fixity_problems(record)
        if problems:
            raise IntegrityFailure("材料与记录不符，不能归档 / evidence does not match the record: " + "；".join(problems))
        organ = record["organ"]
        fonds, year = fonds_of(organ), int(str(d.state_entered_at)[:4])
        retention = rules.retention
        rcode = rules.retention_codes[retention]
        last = s.exec(select(ArchiveFiling.item).where(ArchiveFiling.fonds == fonds, ArchiveFiling.year == year,
                                                       ArchiveFiling.retention_code == rcode)
                      .order_by(col(ArchiveFiling.item).desc())).first()
        item = (last or 0) + 1
        try:
            code = code_rule(profile).format(fonds=fonds, year=year, retention_code=rcode, item=item,
                                             organ=organ["code"], decision=d.code)
        except (KeyError, IndexError, ValueError) as exc:
            raise BadInput(f"档号规则有误 / archive code rule {code_rule(profile)!r}: {exc}") from None
        if s.exec(select(ArchiveFiling.id).where(ArchiveFiling.code == code)).first() is not None:
            raise Conflict(f"档号 {code} 已被占用 / archive code already used")
        classification, access, _basis = disclosure(profile, list(
            s.exec(select(TriggerDetermination).where(TriggerDetermination.decision_id == d.id))))
        now = clock.now().isoformat(timespec="seconds")
        filing = ArchiveFiling(decision_id=d.id, code=code, fonds=fonds, year=year, retention=retention,
                               retention_code=rcode, item=item, classification=classification, access=access,
                               unit=unit_of(organ), filer_id=actor.user_id, checker_id=check.user_id, filed_at=now)
        s.add(filing)
        d.archived_at = now
        detail = {"code": code, "fonds": fonds, "year": year, "retention": retention, "retention_code": rcode,
                  "item": item, "classification": classification, "access": access, "unit": filing.unit,
                  "filer": actor.username, "checker": check.username, "documents": len(record["evidence"])}
        record_event(s, d, actor, role, "archived", detail)
        uow.commit()
        return {"id": d.id, "decision": d.code, "archived_at": now, **detail}
