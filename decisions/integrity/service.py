"""`juece verify`: recompute every evidence file's hash, walk every audit chain, check their links.

What is checked (each break is named with what was expected and what was found):

* every evidence file in the store against the SHA-256 and size of its row (one changed byte, a
  truncated or a missing file);
* every audit chain (one per decision, 0 for the organisation): sequence numbers without gaps,
  each event's ``prev_hash`` = the previous event's hash, each hash recomputed over the canonical
  serialisation, and the SM3 chain beside it;
* the links between the rows and the trail: each evidence row against its ``evidence`` event (id,
  kind, file name, SHA-256, size, stage, metadata); each meeting and each member's position against
  its ``meeting`` event; each decision's code, title, state and round against its trail; each
  trigger determination against the last ``triggers`` event naming it;
* every other row the trail describes, replayed from its events (``decisions.integrity.replay``: a decision's
  organ, undertakers, executing unit, catalog item and parent, its stage rows, users and their roles, opinions,
  consultations, public feedback, void records (作废)); what an older trail does not carry is listed under ``unchecked``;
* the append-only triggers (``decisions.storage.append_only``): present, unchanged, enabled;
* SQLite's own page check (``PRAGMA integrity_check``): a damaged file is reported and nothing else is read.

Reads use plain Core queries and hash files on a thread pool (hashlib releases the GIL), so
verifying costs about what ``sha256sum`` over the same files costs.
"""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from collections.abc import Container
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, MetaData, Table, column, false, func, inspect, select, table
from sqlalchemy.exc import DBAPIError

from decisions.accounts.models import User
from decisions.integrity import replay
from decisions.procedure import scope
from decisions.procedure.models import Decision, Evidence, Meeting, MeetingPosition, TriggerDetermination
from decisions.records import audit, evidence_store
from decisions.records.models import AuditEvent, AuditSm3
from decisions.storage import append_only, db
from decisions.storage.unit_of_work import UnitOfWork

_AE = AuditEvent.__table__  # type: ignore[attr-defined]
_EV = Evidence.__table__  # type: ignore[attr-defined]
_D = Decision.__table__  # type: ignore[attr-defined]
_M = Meeting.__table__  # type: ignore[attr-defined]
_MP = MeetingPosition.__table__  # type: ignore[attr-defined]
_TD = TriggerDetermination.__table__  # type: ignore[attr-defined]
_U = User.__table__  # type: ignore[attr-defined]
_SM3 = AuditSm3.__table__  # type: ignore[attr-defined]


def _hash_file(item: tuple[int, str, int]) -> tuple[int, str | None, int | None]:
    """(evidence id, sha256 found or None when missing, size found)."""
    ev_id, sha, _size = item
    path = evidence_store.path_for(sha)
    try:
        with path.open("rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            return ev_id, hashlib.file_digest(fh, "sha256").hexdigest(), size
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return ev_id, None, None


#: threads hashing files (None: twice the CPUs, at most 16); 1 hashes in the calling thread
THREADS: int | None = None


def hash_files(items: list[tuple[int, str, int]]) -> dict[int, tuple[str | None, int | None]]:
    workers = THREADS or min(16, max(2, (os.cpu_count() or 1) * 2))
    if len(items) < 64 or workers == 1:
        return {ev_id: (sha, size) for ev_id, sha, size in map(_hash_file, items)}
    # one batch per thread, largest files spread evenly: few futures, balanced work
    ordered = sorted(items, key=lambda it: it[2], reverse=True)
    batches = [ordered[i::workers] for i in range(workers)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        done = pool.map(lambda batch: [_hash_file(it) for it in batch], batches)
        return {ev_id: (sha, size) for batch in done for ev_id, sha, size in batch}


def _resolve(uow: UnitOfWork, ident: str | int, reader: scope.Reader | None = None) -> int:
    from decisions.procedure.service import get_decision  # the same lookup (id or code, NotFound) as every command

    d = get_decision(uow.session, ident)
    if reader is not None:
        scope.require_read(uow.session, reader, d, "核验 / verify")
    return d.id or 0


def verify(ident: str | int | None = None, *, as_user: str | None = None) -> dict[str, Any]:
    """Problems found (empty when clean) and what was checked.

    `as_user`: verify within that user's read scope (decisions.procedure.scope; None is the server operator, who
    verifies everything). With a decision outside the scope: NotPermitted (exit 4) naming the user and the
    decision. Without one: only the decisions that user may open (their files, chains and links); the system
    chain (chain 0: offices, users, every organ's catalog) and the decisions outside the scope are left out,
    and ``scope`` in the result says how many decisions that was."""
    damaged = database_problems()
    if damaged:  # nothing read from a damaged file can be trusted: say so and stop
        return {"ok": False, "problems": damaged, "evidence_checked": 0, "events_checked": 0, "chains_checked": 0,
                "sm3": audit.SM3_AVAILABLE, "heads": {}, "database_damaged": True}
    with UnitOfWork() as uow:
        reader = scope.reader(uow.session, as_user) if as_user is not None else None
        only = _resolve(uow, ident, reader) if ident is not None else None
        conn = uow.session.connection()
        seen = None          # the decisions in the reader's scope, when that is not all of them
        left_out = 0
        if only is None and reader is not None and not reader.everything:
            clause = scope.visible_clause(reader)
            seen = select(_D.c.id).where(clause if clause is not None else false()).correlate(None)
            left_out = int(conn.execute(select(func.count()).select_from(_D)).scalar() or 0) - \
                len(set(conn.execute(seen).scalars()))
        out = check(conn, only=only, seen=seen)
    if reader is not None:
        out["scope"] = {"user": reader.username, "decisions_checked": out.pop("_decisions"),
                        "decisions_out_of_scope": left_out, "system_chain_checked": only is None and seen is None}
    else:
        out.pop("_decisions")
    return out


def check(conn: Connection, *, only: int | None = None, seen: Any = None, files: bool = True) -> dict[str, Any]:
    """The checks of `verify` over one connection (the deployment's, a backup snapshot's, a restore's open
    transaction): ``only`` one decision, ``seen`` a select of the decision ids to check (None: everything, the
    system chain included); ``files=False`` leaves out hashing the store's files (a backup hashes them as it
    copies them)."""
    problems: list[str] = list(append_only.problems(conn).values())
    within: set[int] = set()
    if seen is not None:
        within = set(conn.execute(seen).scalars())

    ev_q = select(_EV.c.id, _EV.c.decision_id, _EV.c.stage, _EV.c.kind, _EV.c.filename, _EV.c.size,
                  _EV.c.sha256, _EV.c.meta).order_by(_EV.c.id)
    ae_q = select(_AE).order_by(_AE.c.chain, _AE.c.seq)
    sm3_q = select(_SM3.c.chain, _SM3.c.seq, _SM3.c.sm3)
    d_q = select(_D.c.id, _D.c.code, _D.c.title, _D.c.category, _D.c.source, _D.c.state, _D.c.round)
    m_q = select(_M).order_by(_M.c.id)
    td_q = select(_TD.c.decision_id, _TD.c.name, _TD.c.value, _TD.c.reason)
    if only is not None:
        ev_q = ev_q.where(_EV.c.decision_id == only)
        ae_q = ae_q.where(_AE.c.chain == only)
        sm3_q = sm3_q.where(_SM3.c.chain == only)
        d_q = d_q.where(_D.c.id == only)
        m_q = m_q.where(_M.c.decision_id == only)
        td_q = td_q.where(_TD.c.decision_id == only)
    elif seen is not None:
        ev_q = ev_q.where(_EV.c.decision_id.in_(seen))
        ae_q = ae_q.where(_AE.c.chain.in_(seen))
        sm3_q = sm3_q.where(_SM3.c.chain.in_(seen))
        d_q = d_q.where(_D.c.id.in_(seen))
        m_q = m_q.where(_M.c.decision_id.in_(seen))
        td_q = td_q.where(_TD.c.decision_id.in_(seen))
    evidence = conn.execute(ev_q).all()
    events = [dict(r._mapping) for r in conn.execute(ae_q)]
    sm3_rows: dict[int, dict[int, str]] = defaultdict(dict)
    for chain, seq, value in conn.execute(sm3_q):
        sm3_rows[chain][seq] = value
    decisions = conn.execute(d_q).all()
    meetings = [dict(r._mapping) for r in conn.execute(m_q)]
    positions: dict[int, list[Any]] = defaultdict(list)
    if meetings:
        mp_q = select(_MP.c.meeting_id, _MP.c.seq, _MP.c.user_id, _MP.c.position, _MP.c.is_head) \
            .where(_MP.c.meeting_id.in_([m["id"] for m in meetings])).order_by(_MP.c.meeting_id, _MP.c.seq)
        for row in conn.execute(mp_q):
            positions[row.meeting_id].append(row)
    triggers = conn.execute(td_q).all()
    usernames = dict(conn.execute(select(_U.c.id, _U.c.username)).all()) if meetings else {}
    if only is not None:
        within = {only}
    others = [r for r in other_references(conn)
              if (only is None and seen is None) or _belongs(conn, r, within)]

    # 1. files
    found = hash_files([(e.id, e.sha256, e.size) for e in evidence]) if files else {}
    for e in evidence if files else ():
        sha, size = found[e.id]
        what = f"evidence #{e.id} ({e.filename}, decision {e.decision_id})"
        if sha is None:
            problems.append(f"{what}: file missing from the store — expected {evidence_store.path_for(e.sha256)} "
                            f"with sha256 {e.sha256}, found nothing")
        elif sha != e.sha256:
            problems.append(f"{what}: file changed — expected sha256 {e.sha256} ({e.size} bytes), found "
                            f"sha256 {sha} ({size} bytes)")

    for ref_table, ref_column, key, sha in others if files else ():
        path = evidence_store.path_for(sha) if len(sha) == 64 else None
        what = f"{ref_table} {key} ({ref_column})"
        if path is None or not path.is_file():
            problems.append(f"{what}: file missing from the store — expected sha256 {sha}, found nothing")
        elif evidence_store.file_sha256(path) != sha:
            problems.append(f"{what}: file changed — expected sha256 {sha}, found "
                            f"{evidence_store.file_sha256(path)}")

    # 2. chains
    by_chain: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for ev in events:
        by_chain[ev["chain"]].append(ev)
    heads: dict[int, dict[str, Any]] = {}
    for chain, evs in by_chain.items():
        problems += audit.verify_chain(evs, sm3_rows.get(chain, {}))
        last = evs[-1]
        heads[chain] = {"seq": last["seq"], "hash": last["hash"], "sm3": sm3_rows.get(chain, {}).get(last["seq"])}
    for chain, rows in sm3_rows.items():
        stray = sorted(set(rows) - {ev["seq"] for ev in by_chain.get(chain, [])})
        if stray:
            problems.append(f"audit chain {chain}: SM3 rows for seq {stray} — expected an audit event for each, "
                            "found none (events deleted)")

    # 3. links between rows and the trail
    problems += _check_links(evidence, by_chain, decisions, meetings, positions, triggers, usernames,
                             {e.id: e for e in evidence})
    # 4. every row the trail describes, replayed from its events
    found_rows, unchecked = replay.check_rows(conn, by_chain, {d.id for d in decisions},
                                              system=only is None and seen is None)
    problems += found_rows
    out = {"ok": not problems, "problems": problems, "evidence_checked": len(evidence) + len(others),
           "events_checked": len(events), "chains_checked": len(by_chain), "sm3": audit.SM3_AVAILABLE,
           "heads": {str(k): v for k, v in sorted(heads.items())}, "unchecked": unchecked,
           "_decisions": len(decisions)}
    return out


def database_problems() -> list[str]:
    """The database file itself: SQLite's page check (a damaged page, a broken index), or the error that stops
    it from being opened at all."""
    try:
        with db.get_engine().connect() as conn:
            found = db.integrity_problems(conn)
    except DBAPIError as exc:
        found = [f"database: {' '.join(str(exc.orig or exc).split())[:300]}"]
    return [f"数据库文件已损坏 / the database file is damaged — {p}" for p in found]


def _belongs(conn: Connection, ref: tuple[str, str, Any, str], decision_ids: Container[int]) -> bool:
    """Does a referencing row belong to one of the decisions (a ``decision_id`` column naming it)?"""
    name, _column, key, _sha = ref
    t = Table(name, MetaData(), autoload_with=conn)
    if "decision_id" not in t.c:
        return False
    pk = list(t.primary_key.columns)[:1] or list(t.columns)[:1]
    return conn.execute(select(t.c.decision_id).where(pk[0] == key)).scalar() in decision_ids


def _check_links(evidence: list[Any], by_chain: dict[int, list[dict[str, Any]]], decisions: list[Any],
                 meetings: list[dict[str, Any]], positions: dict[int, list[Any]], triggers: list[Any],
                 usernames: dict[int, str], ev_by_id: dict[int, Any]) -> list[str]:
    problems: list[str] = []
    ev_events: dict[int, dict[str, Any]] = {}
    m_events: dict[int, dict[str, Any]] = {}
    for chain, evs in by_chain.items():
        for ev in evs:
            det = ev["detail"] if isinstance(ev["detail"], dict) else {}
            if ev["action"] == "evidence" and "evidence_id" in det:
                ev_events[int(det["evidence_id"])] = {**det, "_chain": chain, "_seq": ev["seq"]}
            elif ev["action"] == "meeting" and "meeting_id" in det:
                m_events[int(det["meeting_id"])] = {**det, "_chain": chain, "_seq": ev["seq"]}

    for e in evidence:
        what = f"evidence #{e.id} ({e.filename}, decision {e.decision_id})"
        det = ev_events.get(e.id)
        if det is None:
            problems.append(f"{what}: expected an 'evidence' audit event naming it, found none")
            continue
        row = {"chain": e.decision_id, "kind": e.kind, "filename": e.filename, "sha256": e.sha256, "size": e.size,
               "stage": e.stage, "meta": e.meta}
        trail = {"chain": det["_chain"], "kind": det.get("kind"), "filename": det.get("filename"),
                 "sha256": det.get("sha256"), "size": det.get("size"), "stage": det.get("stage"),
                 "meta": det.get("meta")}
        for key, value in row.items():
            if trail[key] != value:
                problems.append(f"{what}: row {key} differs from audit event seq {det['_seq']} of chain "
                                f"{det['_chain']} — expected {trail[key]!r} (audit), found {value!r} (row)")
    for ev_id, det in ev_events.items():
        if ev_id not in ev_by_id:
            problems.append(f"audit chain {det['_chain']}: event seq {det['_seq']} names evidence #{ev_id} "
                            f"({det.get('filename')}, sha256 {det.get('sha256')}) — expected the row, found none")

    for m in meetings:
        what = f"meeting #{m['id']} (decision {m['decision_id']})"
        det = m_events.get(m["id"])
        if det is None:
            problems.append(f"{what}: expected a 'meeting' audit event naming it, found none")
            continue
        minutes = ev_by_id.get(m["minutes_evidence_id"])
        row = {"type": m["type"], "date": m["date"], "members": m["members_total"], "outcome": m["outcome"],
               "reason": m["reason"], "head": usernames.get(m["head_id"]),
               "positions": [{"user": usernames.get(p.user_id), "position": p.position} for p in positions[m["id"]]],
               "minutes_sha256": minutes.sha256 if minutes is not None else None}
        for key, value in row.items():
            if det.get(key) != value:
                problems.append(f"{what}: {key} differs from audit event seq {det['_seq']} — expected "
                                f"{det.get(key)!r} (audit), found {value!r} (rows)")
    for m_id, det in m_events.items():
        if m_id not in {m["id"] for m in meetings}:
            problems.append(f"audit chain {det['_chain']}: event seq {det['_seq']} names meeting #{m_id} — "
                            "expected the meeting row, found none")

    trig: dict[int, dict[str, Any]] = defaultdict(dict)
    for t in triggers:
        trig[t.decision_id][t.name] = {"value": "yes" if t.value else "no", "reason": t.reason}
    for d in decisions:
        what = f"decision #{d.id} ({d.code})"
        evs = by_chain.get(d.id, [])
        if not evs or evs[0]["action"] != "create":
            problems.append(f"{what}: expected its audit chain to start with 'create', found "
                            f"{evs[0]['action'] if evs else 'no events'}")
            continue
        created = evs[0]["detail"] if isinstance(evs[0]["detail"], dict) else {}
        for key in ("code", "title", "category", "source"):
            if key in created and created[key] != getattr(d, key):
                problems.append(f"{what}: {key} differs from the 'create' event — expected {created[key]!r} "
                                f"(audit), found {getattr(d, key)!r} (row)")
        moves = [e for e in evs if isinstance(e["detail"], dict) and "from" in e["detail"] and "to" in e["detail"]
                 and e["detail"]["to"]]
        if moves and moves[-1]["detail"]["to"] != d.state:
            last = moves[-1]
            problems.append(f"{what}: state differs from the trail — expected {last['detail']['to']!r} (audit event "
                            f"seq {last['seq']}, {last['action']}), found {d.state!r} (row)")
        rounds = 1
        for e in moves:
            if e["detail"].get("by") == "meeting:revise":
                rounds += 1
            elif e["action"] == replay.RETURNED:
                rounds = int(e["detail"].get("round") or rounds + 1)
        if rounds != d.round:
            problems.append(f"{what}: round differs from the trail — expected {rounds} (audit), found {d.round} (row)")
        expected_trig: dict[str, Any] = {}
        for e in evs:
            if e["action"] == "triggers" and isinstance(e["detail"], dict):
                expected_trig.update(e["detail"])
        for name, value in sorted(trig.get(d.id, {}).items()):
            want = expected_trig.get(name)
            if want is None or want.get("value") != value["value"] or want.get("reason", "") != value["reason"]:
                problems.append(f"{what}: trigger {name} differs from the trail — expected {want!r} (audit), "
                                f"found {value!r} (row)")
    return problems


def other_references(conn: Connection) -> list[tuple[str, str, Any, str]]:
    """Store objects named outside the evidence table: (table, column, row key, sha256).

    By convention a column called ``sha256`` or ``*_sha256`` names a file in the store (the
    post-evaluation report, ``postevaluation.report_sha256``); empty values name nothing.
    """
    insp = inspect(conn)
    refs = []
    for name in insp.get_table_names():
        if name == _EV.name:
            continue
        info = insp.get_columns(name)
        cols = [c["name"] for c in info if c["name"] == "sha256" or c["name"].endswith("_sha256")]
        if not cols:
            continue
        pk = (insp.get_pk_constraint(name).get("constrained_columns") or [info[0]["name"]])[0]
        for cname in cols:
            t = table(name, column(pk), column(cname))
            c = t.c[cname]
            for k, v in conn.execute(select(t.c[pk], c).where(c.is_not(None), c != "")):
                refs.append((name, cname, k, v))
    return refs


def referenced_objects(conn: Connection) -> set[str]:
    """Every hash a row or an audit event names: what the sweep must never remove."""
    keep = set(conn.execute(select(_EV.c.sha256).distinct()).scalars())
    keep |= {sha for *_x, sha in other_references(conn)}
    for (detail,) in conn.execute(select(_AE.c.detail)):
        if isinstance(detail, dict):
            keep |= {v for k, v in detail.items() if k.endswith("sha256") and isinstance(v, str)}
    return keep


def initialise() -> list[str]:
    """``juece init``: bring the database to the newest schema, put back any append-only trigger that was
    dropped, altered or disabled (returns their names), then sweep crash leftovers from the store."""
    db.migrate()
    with db.get_engine().begin() as conn:
        restored = append_only.restore(conn)
    sweep()
    if not os.environ.get("JUECE_OPINION_SALT"):  # a random salt of this deployment's client keys (0600)
        from decisions.storage.settings import deployment_secret

        deployment_secret("opinion_salt")
    return restored


def sweep(min_age: float = evidence_store.ORPHAN_GRACE_SECONDS) -> list[Path]:
    """Remove store files no evidence row names (crash leftovers, rolled-back attachments)."""
    if not evidence_store.root().is_dir():
        return []
    with UnitOfWork() as uow:
        keep = referenced_objects(uow.session.connection())
    return evidence_store.sweep_orphans(keep, min_age=min_age)
