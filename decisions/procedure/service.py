"""Use cases of a decision: create, determine triggers, attach evidence, advance, record the meeting.

Each use case is a plain function owning one unit of work: it validates everything first, refuses
with BadInput / NotFound / NotPermitted / Blocked before writing, then changes the rows, writes the
audit events in the same transaction and commits once. The CLI and the workbench call only these.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, insert, update
from sqlalchemy.orm.util import identity_key
from sqlmodel import Session, col, select

from decisions import clock
from decisions.accounts.models import Office
from decisions.accounts.permissions import Actor, DecisionScope, authorize
from decisions.accounts.service import actor_for, office_by_code
from decisions.catalog.models import CatalogItem
from decisions.errors import BadInput, Blocked, NotFound, Unmet
from decisions.participation.ledger import consultation_of, ledger_counts
from decisions.procedure import changes, metadata, registers
from decisions.procedure.models import (
    CalendarOverride,
    CalendarYear,
    CoUndertaker,
    Decision,
    Evidence,
    Meeting,
    StageStatus,
    TriggerDetermination,
    live_evidence,
)
from decisions.procedure.provenance import carry_over, check_dates, current_draft_sha256
from decisions.procedure.scope import OfficeTree, decision_scope
from decisions.records import audit, evidence_store, filetypes
from decisions.storage.settings import get_settings
from decisions.storage.statements import Prepared, adopt
from decisions.storage.unit_of_work import UnitOfWork, mark_changed
from workflow import gates, machine, profiles
from workflow.calendar import WorkCalendar
from workflow.profiles import Profile

SOURCES = ("leader", "department", "npc_cppcc", "public")
PROCEDURAL_ROLES = ("decision_organ", "head", "drafter", "legality_reviewer", "legal_adviser", "expert",
                    "secretary", "executor")


# ----------------------------------------------------------------- loading helpers
def now_iso() -> str:
    return clock.now().isoformat(timespec="seconds")


_DECISION_BY_ID = Prepared(select(*Decision.__table__.columns).where(Decision.__table__.c.id == bindparam("b_id")))
_DECISION_BY_CODE = Prepared(select(*Decision.__table__.columns).where(Decision.__table__.c.code == bindparam("b_code")))


def get_decision(session: Session, ident: str | int) -> Decision:
    """By numeric id or by code; NotFound names the value.

    Every use case starts here, so the row is read with a statement built once (decisions/statements.py)
    and becomes the session's persistent object the way the ORM's own loading makes one (an instance
    without ``__init__``, its columns, an identity); a decision the session already holds is that object."""
    text = str(ident).strip()
    row = None
    if _is_row_id(text):
        held = session.identity_map.get(identity_key(Decision, int(text)))
        if held is not None:
            return held  # type: ignore[no-any-return]
        row = _DECISION_BY_ID.run(session, {"b_id": int(text)}).first()
    if row is None:
        row = _DECISION_BY_CODE.run(session, {"b_code": text}).first()
    if row is None:
        raise NotFound(f"未知决策 / unknown decision: {metadata.shown(text)}")
    return adopt(session, Decision, row)  # type: ignore[no-any-return]


def _is_row_id(text: str) -> bool:
    """An id the database can look up: ASCII digits that fit a 64-bit integer (not '²' or 10**30)."""
    return text.isascii() and text.isdigit() and len(text) <= 18


def profile_of(decision: Decision) -> Profile:
    try:
        return profiles.load_version(decision.profile_name, decision.profile_version)
    except profiles.ProfileError as exc:
        raise BadInput(str(exc)) from None


def scope_of(session: Session, d: Decision, actor: Actor | None = None) -> DecisionScope:
    """Where each role applies for this decision (decisions/scope.py: the organ with its own departments,
    never a subordinate government's offices). Given the acting user, the office tree this process already
    holds serves (``OfficeTree.known``: exact for the offices tested), instead of loading it per action."""
    if actor is not None:  # an acting user: a writing use case (readers go through decisions.procedure.scope)
        require_writable(d)
    tree = None if actor is None else OfficeTree.known(session, (actor.office_id, d.organ_id),
                                                       {actor.office_id: actor.office_code})
    return decision_scope(session, d, tree)


def subtree(session: Session, office_id: int) -> set[int]:
    ids, frontier = {office_id}, [office_id]
    while frontier:
        children = session.exec(select(Office.id).where(col(Office.parent_id).in_(frontier))).all()
        frontier = [c for c in children if c not in ids]
        ids.update(frontier)
    return ids


@dataclass(frozen=True)
class CalendarRecords:
    """What the deployment keeps of the calendar: the admin's overrides and the years confirmed."""

    overrides: dict[date, bool]
    confirmed_years: frozenset[int]


def calendar_overrides(session: Session) -> CalendarRecords:
    """The admin's working-day overrides (day -> is a working day) and the confirmed years."""
    return CalendarRecords({date.fromisoformat(o.day): o.is_workday for o in session.exec(select(CalendarOverride))},
                           frozenset(session.exec(select(CalendarYear.year)).all()))


def calendar_from(profile: Profile, records: CalendarRecords) -> WorkCalendar:
    """The profile's working-day calendar with the deployment's overrides and confirmed years (the one way it
    is built)."""
    return WorkCalendar.build(profile.params.get("calendar_extra_holidays", []),
                              profile.params.get("calendar_extra_workdays", []), records.overrides,
                              confirmed_years=records.confirmed_years)


def calendar_for(session: Session, profile: Profile) -> WorkCalendar:
    return calendar_from(profile, calendar_overrides(session))


_TRIGGERS = Prepared(select(TriggerDetermination.name, TriggerDetermination.value, TriggerDetermination.reason)
                     .where(TriggerDetermination.decision_id == bindparam("decision_id")))
_ROUND_EVIDENCE = Prepared(
    select(Evidence.id, Evidence.kind, Evidence.meta, Evidence.stage, Evidence.role, Evidence.filename)
    .where(Evidence.decision_id == bindparam("decision_id"), Evidence.round == bindparam("round"),
           live_evidence())  # a voided upload counts for no gate
    .order_by(col(Evidence.id)))
_APPROVED_MEETING = Prepared(select(Meeting.id).where(
    Meeting.decision_id == bindparam("decision_id"), Meeting.round == bindparam("round"),
    Meeting.outcome == "approve").limit(1))


_STAGE_STATUSES = Prepared(select(StageStatus.stage, StageStatus.status)
                           .where(StageStatus.decision_id == bindparam("decision_id")))
_EARLIER_EVIDENCE = Prepared(
    select(Evidence.id, Evidence.kind, Evidence.meta, Evidence.stage, Evidence.role, Evidence.filename, Evidence.round)
    .where(Evidence.decision_id == bindparam("decision_id"), Evidence.round < bindparam("round"),
           live_evidence())  # a round keeps no voided upload of an earlier one
    .order_by(col(Evidence.id)))


def snapshot_of(session: Session, d: Decision, profile: Profile, meeting_date: date | None = None) -> gates.Snapshot:
    """What the gates see of `d` now: its determinations and this round's evidence (in a later round, with what
    the stages it keeps carried over: ``carry_over``), read with statements built once; the meeting, the
    calendar and the opinion ledger only if a rule asks (``gates.Deferred``)."""
    session.flush()  # rows this transaction added are part of what the gates see
    key = {"decision_id": d.id, "round": d.round}
    evidence = list(_ROUND_EVIDENCE.run(session, key))
    carried: frozenset[str] = frozenset()
    if d.round > 1:
        statuses = dict(_STAGE_STATUSES.run(session, {"decision_id": d.id}).all())
        carried, evidence = carry_over(profile, d.state, statuses, evidence, _EARLIER_EVIDENCE.run(session, key))
    return snapshot_from(
        _TRIGGERS.run(session, key), evidence, meeting_date=meeting_date, carried=carried,
        approved_meeting=gates.Deferred(lambda: _APPROVED_MEETING.run(session, key).first() is not None),
        calendar=gates.Deferred(lambda: calendar_for(session, profile)),
        ledger=gates.Deferred(lambda: ledger_counts(session, d.id or 0, d.round)),
        consultation=gates.Deferred(lambda: consultation_of(session, d.id or 0, d.round)), today=clock.today())


def snapshot_from(triggers: Iterable[tuple[str, bool, str]],
                  evidence: Iterable[tuple[int, str, dict | None, str, str, str]], *,
                  approved_meeting: bool | gates.Deferred, calendar: WorkCalendar | gates.Deferred,
                  ledger: dict[str, int] | gates.Deferred, meeting_date: date | None = None,
                  consultation: dict[str, str] | None | gates.Deferred = None, today: date | None = None,
                  carried: frozenset[str] = frozenset()) -> gates.Snapshot:
    """The gates' snapshot from rows: determinations (name, value, reason) and this round's evidence (id, kind,
    meta, stage, role, filename), oldest first. ``snapshot_of`` reads one decision's rows; the workbench's page
    reads a whole page's and builds each decision's snapshot here, so both see the same."""
    return gates.Snapshot(
        triggers={name: gates.Determination(bool(value), reason) for name, value, reason in triggers},
        items=[gates.Item(eid, kind, dict(meta or {}), stage, role, filename)
               for eid, kind, meta, stage, role, filename in evidence],
        meeting_date=meeting_date, approved_meeting=approved_meeting, calendar=calendar, ledger=ledger,
        consultation=consultation, today=today, carried=carried)


def require_writable(d: Decision) -> None:
    """An archived decision (归档, Art 33 一事一档) is read-only: every writing use case refuses it, exit 3.

    Checked where a use case first works with the decision for writing — `scope_of` with the acting user (the
    authorisation every writing use case starts with), `require_state`, and `touch`, which every writing use
    case calls before it commits (the guarantee: the whole transaction rolls back)."""
    if d.archived_at:
        article = profile_of(d).archive.article
        raise Blocked([Unmet("archived", article,
                             f"决策 {d.code} 已于 {d.archived_at[:10]} 归档，案卷只读，不得再办理或修改",
                             f"decision {d.code} was archived on {d.archived_at[:10]}: read-only")])


def touch(d: Decision) -> None:
    """Every change bumps the decision's version: concurrent writers conflict instead of interleaving.
    An archived decision refuses (`require_writable`)."""
    require_writable(d)
    d.updated_at = now_iso()


def record_event(session: Session, d: Decision, actor: Actor, role: str, action: str, detail: dict) -> None:
    """One event on the decision's chain. A transition (a detail with ``from`` and ``to``) also records every stage
    row as it now stands, ``stages``: [[stage, status, note], …] in position order, so that `juece verify` can
    compare the rows with the trail (a status or a note changed in the database)."""
    if "from" in detail and "to" in detail and "stages" not in detail:
        detail = {**detail, "stages": stage_rows(session, d.id or 0)}
    audit.record(session, decision_id=d.id, actor=actor.username, role=role, office=actor.office_code,
                 action=action, detail=detail)


def stage_rows(session: Session, decision_id: int) -> list[list[str]]:
    """The decision's stage rows as a transition event records them (pending ORM changes flushed first)."""
    return [[stage, status, note] for stage, status, note in session.exec(
        select(StageStatus.stage, StageStatus.status, StageStatus.note)
        .where(StageStatus.decision_id == decision_id).order_by(col(StageStatus.position)))]


def _stage_name(profile: Profile, state: str, lang: str = "zh") -> str:
    st = profile.stages.get(state)
    return getattr(st, f"name_{lang}") if st else state


def require_state(profile: Profile, d: Decision, allowed: list[str], action: str, article: str) -> None:
    require_writable(d)
    if d.state not in allowed:
        names = "、".join(f"「{_stage_name(profile, s)}」" for s in allowed)
        raise Blocked([Unmet(f"{d.state}.state", article,
                             f"决策当前处于「{_stage_name(profile, d.state)}」({d.state})，只能在{names}阶段{action}",
                             f"decision is in {d.state}; {action} is possible only in {', '.join(allowed)}")])


# ----------------------------------------------------------------- use cases
_STAGE_COLUMNS = ["decision_id", "stage", "position", "status", "entered_at", "left_at", "user_id", "note", "days"]
_INSERT_STAGE = Prepared(insert(StageStatus), columns=_STAGE_COLUMNS)
_DECISION_COLUMNS = ["code", "title", "organ_id", "undertaker_id", "category", "source", "catalog_item_id",
                     "profile_name", "profile_version", "state", "round", "executing_unit_id", "parent_id",
                     "created_at", "updated_at", "state_entered_at", "version"]
_INSERT_DECISION = Prepared(insert(Decision).returning(Decision.id), columns=_DECISION_COLUMNS)
_SET_CODE = Prepared(update(Decision).where(Decision.id == bindparam("b_id")).values(code=bindparam("code")))
_INSERT_CO_UNDERTAKER = Prepared(insert(CoUndertaker), columns=["decision_id", "office_id"])


def new_decision(*, title: str, organ: str, undertaker: str, category: int | str, source: str, as_user: str,
                 co_undertakers: list[str] | None = None, catalog: int | str | None = None) -> dict:
    """Register a proposal (决策建议, Art 10); the start decision comes as evidence in `proposed`."""
    title = metadata.check_line(metadata.check_text(title, "--title", 100_000).strip(), "--title", 100_000)
    if not title:
        raise BadInput("--title 不能为空 / must not be empty")
    if len(title) > 300:
        raise BadInput(f"--title {metadata.shown(title)} 过长（最多300字）/ too long (at most 300 characters)")
    try:
        category = int(category)
    except (TypeError, ValueError):
        raise BadInput(f"--category {category!r} 应为 1..5 / must be 1..5") from None
    if category not in range(1, 6):
        raise BadInput(f"--category {category} 应为 1..5（条例第3条五类事项）/ must be 1..5 (Art 3)")
    if source not in SOURCES:
        raise BadInput(f"--source {source!r} 无效 / invalid; expected one of: {', '.join(SOURCES)}")
    co_undertakers = list(co_undertakers or [])
    with UnitOfWork() as uow:
        s = uow.session
        actor = actor_for(s, as_user)
        organ_o = office_by_code(s, organ)
        lead = office_by_code(s, undertaker)
        cos = [office_by_code(s, c) for c in co_undertakers]
        if lead.id in {c.id for c in cos}:
            raise BadInput(f"--co-undertaker {undertaker!r} 已是牵头承办单位 / is already the lead undertaker")
        item = None
        if catalog is not None:
            cat_text = str(catalog)
            item = s.get(CatalogItem, int(cat_text)) if _is_row_id(cat_text) else None
            if item is None:
                raise NotFound(f"未知目录事项 / unknown catalog item: {cat_text!r}")
            if item.organ_id != organ_o.id:
                raise BadInput(f"--catalog {cat_text}: 该目录事项不属于 {organ} / belongs to another organ")
        organ_offices = OfficeTree.known(s, (actor.office_id, organ_o.id or 0),
                                         {actor.office_id: actor.office_code, organ_o.id or 0: organ_o.code}
                                         ).organ_offices(organ_o.id or 0)
        scope = DecisionScope(organ_o.id or 0, frozenset([lead.id or 0, *(c.id or 0 for c in cos)]), organ_offices,
                              None)
        role = authorize(actor, scope, ["decision_organ", "drafter"], "提出决策事项 / create a decision")
        for option, office in (("--undertaker", lead), *(("--co-undertaker", c) for c in cos)):
            if office.id not in organ_offices:  # a decision is taken in its own government's register (Art 3, 11)
                raise BadInput(f"{option} {office.code!r} 不是 {organ} 所属部门，不能承办该机关的决策 / is not an "
                               f"office of {organ}'s government")
        try:
            profile = profiles.load(organ_o.profile)
        except profiles.ProfileError as exc:
            raise BadInput(str(exc)) from None
        stamp = now_iso()
        # a placeholder until the id is known; unique per call, so that two concurrent creations by one user in
        # the same second do not wait on each other at the unique index on code. The new rows go in with
        # statements built once: nobody else can know the decision yet, there is no version to guard.
        did = _INSERT_DECISION.run(s, {
            "code": f"tmp-{actor.user_id}-{secrets.token_hex(8)}", "title": title, "organ_id": organ_o.id,
            "undertaker_id": lead.id, "category": category, "source": source,
            "catalog_item_id": item.id if item else None, "profile_name": profile.name,
            "profile_version": profile.version, "state": profile.stage_order[0], "round": 1,
            "executing_unit_id": None, "parent_id": None, "created_at": stamp, "updated_at": stamp,
            "state_entered_at": stamp, "version": 1}).scalar_one()
        code = f"{organ_o.code}-{clock.today().year}-{did:05d}"
        _SET_CODE.run(s, {"b_id": did, "code": code}).close()
        if cos:
            _INSERT_CO_UNDERTAKER.run_many(s, [{"decision_id": did, "office_id": c.id} for c in cos])
        _INSERT_STAGE.run_many(s, [
            {"decision_id": did, "stage": stage, "position": i, "status": "current" if i == 0 else "pending",
             "entered_at": stamp if i == 0 else "", "left_at": "", "user_id": actor.user_id if i == 0 else None,
             "note": "", "days": None} for i, stage in enumerate(profile.stage_order)])
        audit.record(s, decision_id=did, actor=actor.username, role=role, office=actor.office_code, action="create",
                     detail={"code": code, "title": title, "organ": organ, "undertaker": undertaker,
                             "co_undertakers": co_undertakers, "category": category, "source": source,
                             "catalog": item.id if item else None, "profile": profile.name,
                             "profile_version": profile.version,
                             "stages": [[stage, "current" if i == 0 else "pending", ""]
                                        for i, stage in enumerate(profile.stage_order)]}, new_chain=True)
        uow.commit()
        return {"id": did, "code": code, "title": title, "state": profile.stage_order[0], "profile": profile.name,
                "profile_version": profile.version}


def set_triggers(ident: str | int, *, sets: dict[str, str], reasons: dict[str, str], as_user: str) -> dict:
    """Record yes/no determinations (procedure.md §3); only while proposing or drafting."""
    if not sets and not reasons:
        raise BadInput("至少需要一个 --set NAME=yes|no / at least one --set is required")
    with UnitOfWork() as uow:
        s = uow.session
        d = get_decision(s, ident)
        profile = profile_of(d)
        for name, value in sets.items():
            if name not in profile.triggers:
                raise BadInput(f"未知判定项 / unknown trigger {name!r}; expected one of: {', '.join(profile.triggers)}")
            if value not in ("yes", "no"):
                raise BadInput(f"--set {name}={value!r}: 应为 yes 或 no / must be yes or no")
        for name in reasons:
            if name not in profile.triggers:
                raise BadInput(f"--reason {name!r}: 未知判定项 / unknown trigger; expected one of: "
                               f"{', '.join(profile.triggers)}")
        actor = actor_for(s, as_user)
        role = authorize(actor, scope_of(s, d, actor), ["drafter"], "作出判定 / determine triggers")
        require_state(profile, d, ["proposed", "drafting"], "作出或修改判定", "Art 3")
        existing = {t.name: t for t in s.exec(select(TriggerDetermination)
                                              .where(TriggerDetermination.decision_id == d.id))}
        for name in reasons:
            if name not in sets and name not in existing:
                raise BadInput(f"--reason {name}: 须与 --set {name}=yes|no 一起给出 / give --set {name} first")
        stamp = now_iso()
        changes = {}
        for name in [*sets, *(r for r in reasons if r not in sets)]:
            row = existing.get(name)
            value = (sets[name] == "yes") if name in sets else row.value  # type: ignore[union-attr]
            reason = reasons.get(name, row.reason if (row and name not in sets) else "").strip()
            if row is None:
                row = TriggerDetermination(decision_id=d.id or 0, name=name, value=value, reason=reason,
                                           user_id=actor.user_id, at=stamp)
                s.add(row)
            else:
                row.value, row.reason, row.user_id, row.at = value, reason, actor.user_id, stamp
            changes[name] = {"value": "yes" if value else "no", "reason": reason}
        touch(d)
        record_event(s, d, actor, role, "triggers", changes)
        uow.commit()
        return {"id": d.id, "triggers": changes}


def add_evidence(ident: str | int, *, kind: str, filename: str, data: bytes, meta: dict[str, str],
                 as_user: str, on_behalf: str | None = None) -> dict:
    """Attach a file of a kind to the decision's current stage, after validating everything.

    ``on_behalf``: the author whose signed paper original `as_user` enters (代录, procedure.md §8 "Authors"); the
    file must then be its scan (``filetypes.is_scan``), the kind's ``on_behalf`` entry must admit `as_user`, and
    the author's own permission rules apply (``registers.check_entry``). Recorded with both names."""
    if not filename or filename != filename.strip() or any(c in filename for c in "/\\\x00") \
            or filename in (".", "..") or ":" in filename:
        raise BadInput(f"文件名不得包含路径 / filename must not contain path components: {metadata.shown(filename)}")
    metadata.check_line(filename, "文件名 / filename", 255)
    settings = get_settings()
    if len(data) == 0:
        raise BadInput(f"文件为空 / file is empty: {filename!r}")
    if len(data) > settings.max_file_bytes:
        raise BadInput(f"文件过大 / file too large: {filename!r} is {len(data)} bytes, limit "
                       f"{settings.max_file_bytes} bytes (JUECE_MAX_FILE_MB)")
    content_type, problem = filetypes.check(filename, data)
    if content_type is None:
        raise BadInput(f"{filename!r}: {problem}")
    if on_behalf is not None:
        on_behalf = on_behalf.strip()
        if not on_behalf:
            raise BadInput("--on-behalf 须给出作者账号 / --on-behalf needs the author's username")
        if not filetypes.is_scan(content_type, data):
            raise BadInput(f"代录（--on-behalf）须提交作者签名原件的扫描件（含扫描页图像的PDF，或PNG/JPEG/TIFF图片），"
                           f"{metadata.shown(filename)} 不是扫描件 / --on-behalf needs the scanned signed original "
                           f"(a PDF with a scanned page image, or a PNG/JPEG/TIFF image): {filename!r} is not a scan")
    with UnitOfWork() as uow:
        s = uow.session
        d = get_decision(s, ident)
        profile = profile_of(d)
        if kind not in profile.kinds:
            raise BadInput(f"未知材料类型 / unknown evidence kind {metadata.shown(kind)}; expected one of: "
                           f"{', '.join(profile.kinds)}")
        spec = profile.kinds[kind]
        if spec.via_meeting:
            raise BadInput(f"「{spec.name_zh}」({kind}) 只能通过 juece meeting 记录 / is recorded with `juece meeting`")
        clean = metadata.validate(kind, spec, meta, lambda code: s.exec(
            select(Office.id).where(Office.code == code)).first() is not None)
        actor = actor_for(s, as_user)
        author: tuple[Actor, str] | None = None
        if on_behalf is None:
            role = authorize(actor, scope_of(s, d, actor), spec.roles, f"提交「{spec.name_zh}」/ attach {kind}")
        else:  # 代录: the entering user may enter it, the author could file it (§8 Authors)
            writer = actor_for(s, on_behalf)
            role, writer_role = registers.check_entry(s, profile, d, scope_of(s, d, actor), actor, writer, kind)
            author = (writer, writer_role)
        home = next((profile.stages[st].article for st in spec.stages if st in profile.stages), "Art 34")
        require_state(profile, d, spec.stages, f"提交「{spec.name_zh}」", home)
        clean = registers.check_author(s, profile, d, *(author or (actor, role)), kind, clean)  # §8 Authors
        dates = {k: date.fromisoformat(str(clean[k])) for k in profile.date_keys(kind) if k in clean}
        late = check_dates(s, d, profile, kind, dates)
        ev = store_evidence(s, d, actor, role, kind, filename, content_type, data, clean, late_entry=late,
                            author=author)
        if kind == "execution_assignment":
            d.executing_unit_id = office_by_code(s, str(clean["executing_unit"])).id
        touch(d)
        uow.commit()
        if author is not None:
            return evidence_view(ev, author[0].username, author[0].office_code)
        return evidence_view(ev, actor.username, actor.office_code)


_EVIDENCE_COLUMNS = ["decision_id", "stage", "round", "kind", "filename", "content_type", "size", "sha256", "meta",
                     "user_id", "role", "office_id", "at", "on_behalf_id"]
_INSERT_EVIDENCE = Prepared(insert(Evidence).returning(Evidence.id), columns=_EVIDENCE_COLUMNS)


def store_evidence(s: Session, d: Decision, actor: Actor, role: str, kind: str, filename: str, ctype: str,
                    data: bytes, meta: dict, *, late_entry: bool = False,
                    author: tuple[Actor, str] | None = None) -> dict:
    """The file into the store, its row and its audit event; returns the row with its id. (The row goes in
    with a statement built once: evidence is append-only, the ORM would only add bookkeeping.)

    Provenance (procedure.md §8) goes into the audit event, which the hash chain seals: ``late_entry`` (a date
    earlier than the recording day, 补录) and, for the kinds the profile marks ``pins_draft``, the SHA-256 of the
    draft current when the item is recorded.

    ``author`` (代录): the author and their role, whose paper original `actor` enters; the row is then the
    author's (user, role, office) with ``on_behalf_id`` the entering account, and the event — recorded as `actor`,
    who acted — carries ``author``, ``author_role`` and ``on_behalf`` (both names)."""
    sha = evidence_store.put(data)
    writer, writer_role = author or (actor, role)
    row = {"decision_id": d.id, "stage": d.state, "round": d.round, "kind": kind, "filename": filename,
           "content_type": ctype, "size": len(data), "sha256": sha, "meta": meta, "user_id": writer.user_id,
           "role": writer_role, "office_id": writer.office_id, "at": now_iso(),
           "on_behalf_id": actor.user_id if author else None}
    s.flush()  # what the use case changed before goes first, as the ORM would have ordered it
    spec = profile_of(d).kinds.get(kind)
    pinned = current_draft_sha256(s, d) if spec is not None and spec.pins_draft else None
    row["id"] = _INSERT_EVIDENCE.run(s, row).scalar_one()
    detail = {"evidence_id": row["id"], "kind": kind, "filename": filename, "sha256": sha, "size": len(data),
              "stage": d.state, "meta": meta}
    if late_entry:
        detail["late_entry"] = True
    if pinned:
        detail["draft_sha256"] = pinned
    if author:
        detail.update({"author": writer.username, "author_role": writer_role, "on_behalf": actor.username})
    record_event(s, d, actor, role, "evidence", detail)
    return {**row, "late_entry": late_entry, "draft_sha256": pinned,
            "on_behalf": actor.username if author else None}


def evidence_view(ev: dict, uploader: str, office: str) -> dict:
    """An attached file as the CLI and the workbench report it."""
    return {**{k: ev[k] for k in ("id", "kind", "stage", "round", "filename", "content_type", "size", "sha256", "meta",
                                  "role", "at")}, "uploader": uploader, "office": office,
            "late_entry": bool(ev.get("late_entry")), "draft_sha256": ev.get("draft_sha256"),
            "author": uploader, "on_behalf": ev.get("on_behalf")}


def blocking(session: Session, d: Decision) -> list[Unmet]:
    """What stands between the decision and its next stage now (for show, tasks, the UI)."""
    profile = profile_of(d)
    if d.state not in profile.stages:
        return []
    unmet, _dest, _skipped = gates.unmet_to_leave(profile, d.state, snapshot_of(session, d, profile))
    return unmet


def stage_days(entered_at: str, left_at: str) -> float | None:
    """The days a stage took (StageStatus.days, read by the dashboard's median), None without both times."""
    try:
        return (datetime.fromisoformat(left_at) - datetime.fromisoformat(entered_at)).total_seconds() / 86400
    except (ValueError, TypeError):
        return None


_STAGES = Prepared(select(StageStatus.stage, StageStatus.status, StageStatus.entered_at, StageStatus.note)
                   .where(StageStatus.decision_id == bindparam("decision_id")).order_by(col(StageStatus.position)))
_STAGE_ROW = (StageStatus.decision_id == bindparam("b_decision")) & (StageStatus.stage == bindparam("b_stage"))
_STAGE_DONE = Prepared(update(StageStatus).where(_STAGE_ROW).values(status="done", left_at=bindparam("stamp"),
                                                                    days=bindparam("b_days")))
_STAGE_SKIPPED = Prepared(update(StageStatus).where(_STAGE_ROW).values(
    status="skipped", note=bindparam("b_note"), entered_at=bindparam("stamp"), left_at=bindparam("stamp"),
    user_id=bindparam("b_user")))
_STAGE_CURRENT = Prepared(update(StageStatus).where(_STAGE_ROW).values(
    status="current", entered_at=bindparam("stamp"), left_at="", user_id=bindparam("b_user"), note=""))


def enter_stage(s: Session, d: Decision, profile: Profile, actor: Actor, dest: str,
                skipped: list[tuple[str, str]]) -> list[list[str]]:
    """Mark the current stage done, the skipped ones skipped (with their reasons) and `dest` current
    (statements built once: one read of the decision's stage rows, one update per row that changes).

    Returns the stage rows as they now stand, [[stage, status, note], …] in position order — what the
    transition's audit event records (``stages``), built from the rows read and the updates made here instead of
    read back (a flush and a query per transition)."""
    if any(isinstance(o, StageStatus) for o in (*s.new, *s.dirty, *s.deleted)):
        s.flush()  # a stage row the ORM still holds goes first: the rows read here are then the table's
    stamp = now_iso()
    rows = {stage: [status, entered, note] for stage, status, entered, note
            in _STAGES.run(s, {"decision_id": d.id})}
    key = {"b_decision": d.id, "stamp": stamp, "b_user": actor.user_id}
    if d.state in rows and rows[d.state][0] == "current":
        _STAGE_DONE.run(s, {**key, "b_stage": d.state, "b_days": stage_days(rows[d.state][1], stamp)}).close()
        rows[d.state][0] = "done"
    for stage, reason in skipped:
        if _STAGE_SKIPPED.run(s, {**key, "b_stage": stage, "b_note": reason}).close():
            rows[stage][0], rows[stage][2] = "skipped", reason
    if dest in rows:
        _STAGE_CURRENT.run(s, {**key, "b_stage": dest}).close()
        rows[dest][0], rows[dest][2] = "current", ""
    mark_changed(s, d.id)
    d.state_entered_at = stamp
    return [[stage, status, note] for stage, (status, _entered, note) in rows.items()]


def pause(s: Session, d: Decision, note: str, *, finished: bool = False) -> None:
    """A side transition (defer, withdraw, exclude, suspend, reject, terminate): the stage row keeps its
    history — still current while the decision may come back, done when the organ has decided."""
    row = s.exec(select(StageStatus).where(StageStatus.decision_id == d.id, StageStatus.stage == d.state)).first()
    if row is None:  # already in a side state (e.g. deferred -> withdrawn): note it on the stage left current
        row = s.exec(select(StageStatus).where(StageStatus.decision_id == d.id, StageStatus.status == "current")).first()
    if row is not None:
        row.note = note
        if finished:
            row.status, row.left_at = "done", now_iso()
            row.days = stage_days(row.entered_at, row.left_at)
    d.state_entered_at = now_iso()


def advance(ident: str | int, *, as_user: str) -> dict:
    """Leave the current stage — or say exactly why not, each unmet requirement with its article."""
    with UnitOfWork() as uow:
        s = uow.session
        d = get_decision(s, ident)
        profile = profile_of(d)
        actor = actor_for(s, as_user)
        if d.state not in profile.stages:
            raise Blocked([Unmet(f"{d.state}.state", "Art 37" if d.state == "suspended" else "Art 30",
                                 f"决策处于「{d.state}」状态，不能推进 / a decision in {d.state} cannot advance",
                                 f"a decision in {d.state} cannot advance")])
        stage = profile.stages[d.state]
        role = authorize(actor, scope_of(s, d, actor), stage.advance_roles or PROCEDURAL_ROLES,
                         f"推进「{stage.name_zh}」/ advance {d.state}")
        snap = snapshot_of(s, d, profile)
        unmet, dest, skipped = gates.unmet_to_leave(profile, d.state, snap)
        if unmet:
            raise Blocked(unmet)
        source = d.state
        stages = enter_stage(s, d, profile, actor, dest, skipped)
        machine.fire(profile, d, "advance", dest)
        touch(d)
        record_event(s, d, actor, role, "advance",
                     {"from": source, "to": dest, "skipped": [{"stage": k, "reason": r} for k, r in skipped],
                      "stages": stages})
        uow.commit()
        return {"id": d.id, "from": source, "to": dest, "state": d.state,
                "skipped": [{"stage": k, "reason": r} for k, r in skipped]}


SIDE_ACTIONS = {
    # action: (machine trigger, roles that may take it, article); the machine decides from which states
    "exclude": ("exclude", ["decision_organ"], "Art 3¶2"),
    "withdraw": ("withdraw", ["decision_organ"], "Art 10"),
    "suspend": ("suspend", ["head"], "Art 37"),
    "resume": ("resume", ["head", "decision_organ"], "Art 37"),
    "terminate": ("terminate", ["decision_organ"], "Art 37"),
}


def side_roles(profile: Profile, action: str) -> list[str]:
    """Who may take a side action: the profile's [changes] roles for a change in execution (Art 37), else
    SIDE_ACTIONS' — one rule for the service and for the page that offers the action."""
    change = changes.rule_for(profile, action)
    return list(change.roles) if change else list(SIDE_ACTIONS[action][1])


def side_transition(ident: str | int, *, action: str, reason: str, as_user: str) -> dict:
    """Exclude (Art 3¶2), withdraw, suspend (Art 37, head only, with urgency reason), resume, terminate."""
    if action not in SIDE_ACTIONS:
        raise BadInput(f"未知操作 / unknown action {action!r}")
    trigger, _roles, article = SIDE_ACTIONS[action]
    if not reason.strip():
        raise BadInput(f"{action}: 须说明理由或依据 --reason / a reason is required")
    with UnitOfWork() as uow:
        s = uow.session
        d = get_decision(s, ident)
        profile = profile_of(d)
        actor = actor_for(s, as_user)
        change = changes.rule_for(profile, action)  # Art 37: the profile's rule for a change in execution
        role = authorize(actor, scope_of(s, d, actor), side_roles(profile, action), f"{action}")
        targets = {t.dest for t in machine.build(profile).get_transitions(trigger=trigger, source=d.state)}
        if not targets:
            raise Blocked([Unmet(f"{d.state}.{action}", article,
                                 f"决策处于「{_stage_name(profile, d.state)}」，不能{action}（依据{profile.law_zh}）",
                                 f"{action} is not possible from {_stage_name(profile, d.state, 'en')}")])
        if action == "suspend":
            snap = snapshot_of(s, d, profile)
            if not snap.of(["issue_report"]):
                raise Blocked([Unmet("execution.issue_report", "Art 35, 37",
                                     "中止执行须有执行中发现问题的报告（issue_report）（依据第35、37条）",
                                     f"suspension requires an {profile.kinds['issue_report'].name_en.lower()} "
                                     "from the executing unit (Art 35)")])
        cited = changes.organ_decision(s, d, profile, action)  # Art 37: the organ's recorded decision, not a reason alone
        if action == "resume" and d.state == "deferred":
            dest = "collective_discussion"
        else:
            dest = targets.pop()
        source = d.state
        if action == "resume":
            pause(s, d, "")
        else:
            pause(s, d, f"{action}: {reason.strip()}", finished=action == "terminate")
        machine.fire(profile, d, trigger, dest)
        touch(d)
        record_event(s, d, actor, role, action, {"from": source, "to": dest, "reason": reason.strip(),
                                                 **({**cited, "article": change.article} if cited and change else {})})
        uow.commit()
        return {"id": d.id, "from": source, "to": dest, "state": d.state}
