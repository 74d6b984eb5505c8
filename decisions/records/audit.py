"""The audit trail: every state change and attachment writes an event in the same transaction.

Events form one hash chain per decision (chain 0 for offices and users): each event's hash covers a
canonical serialisation of its fields and the previous event's hash, so an edit, a deletion or a
reordering is detectable years later (Art 38: lifelong accountability).

Beside SHA-256 each event carries an SM3 hash (GB/T 32905-2016, the national standard) in the side
table ``auditsm3``: ``sm3 = SM3(canonical(event) || "\\n" || sm3 of the previous event)``, a second,
independent chain. SM3 comes from OpenSSL through ``hashlib`` (``hashlib.new("sm3")``); on a platform
whose OpenSSL lacks it the ``gmssl`` package is used when installed, otherwise events are written
without SM3 and ``juece verify`` says so.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import and_, bindparam, insert
from sqlmodel import Session, col, select

from decisions import channel, clock
from decisions.records.models import AuditEvent, AuditSm3
from decisions.storage.statements import Prepared
from decisions.storage.unit_of_work import mark_changed, on_transaction_end

GENESIS = "0" * 64
#: the detail key of the channel an event came through (cli, web, public, worker; procedure.md §8). Not "channel":
#: an opinion's or a feedback's own intake channel (letter, phone, ...) already goes by that name in its detail.
VIA = "via"
FIELDS = ("chain", "decision_id", "seq", "at", "actor", "role", "office", "action", "detail", "prev_hash")




def _sm3_factory() -> Callable[[bytes], str] | None:
    try:
        hashlib.new("sm3", b"abc")
        return lambda data: hashlib.new("sm3", data).hexdigest()
    except ValueError:
        pass
    try:  # pragma: no cover - only where OpenSSL was built without SM3
        from gmssl import func, sm3  # type: ignore[import-not-found]

        return lambda data: sm3.sm3_hash(func.bytes_to_list(data))
    except ImportError:  # pragma: no cover
        return None


sm3_hex = _sm3_factory()
SM3_AVAILABLE = sm3_hex is not None


def canonical_fields(f: Mapping[str, Any]) -> bytes:
    """Canonical bytes of an event given its fields (sorted keys, no spaces, UTF-8)."""
    body = {k: f[k] for k in FIELDS}
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def canonical(event: AuditEvent) -> bytes:
    return canonical_fields({k: getattr(event, k) for k in FIELDS})


def event_hash(event: AuditEvent) -> str:
    return hashlib.sha256(canonical(event)).hexdigest()


def sm3_link(canonical_bytes: bytes, prev_sm3: str) -> str:
    assert sm3_hex is not None
    return sm3_hex(canonical_bytes + b"\n" + prev_sm3.encode("ascii"))


_HEADS = "juece.audit_heads"  # session.info: chain -> (seq, hash, sm3) of the newest event this transaction knows


_HEAD = Prepared(select(AuditEvent.seq, AuditEvent.hash, AuditSm3.sm3)
                 .outerjoin(AuditSm3, and_(AuditSm3.chain == AuditEvent.chain, AuditSm3.seq == AuditEvent.seq))
                 .where(AuditEvent.chain == bindparam("chain")).order_by(col(AuditEvent.seq).desc()).limit(1))
_INSERT_EVENT = Prepared(insert(AuditEvent), columns=[*FIELDS, "hash"])
_INSERT_SM3 = Prepared(insert(AuditSm3), columns=["chain", "seq", "sm3"])


def record(session: Session, *, decision_id: int | None, actor: str, role: str, office: str,
           action: str, detail: dict, new_chain: bool = False, versioned: bool = True) -> dict[str, Any]:
    """Append one event to its chain (caller's transaction; the decision's version lock serialises it) and
    return its fields.

    The chain head (seq, SHA-256, SM3) is read once per transaction in one query and then carried in the
    session for the transaction's next events. The rows go in at once, with statements built once: an
    append-only row never changes, so it needs none of the ORM's bookkeeping. (A concurrent writer of the
    same chain meets the unique (chain, seq) index here and gets Conflict, exit 7.) ``new_chain``: the
    decision was created in this transaction, its chain has no head to read. ``versioned=False``: the event
    does not bump the decision's version (a citizen's opinion; see ``unit_of_work.unversioned``)."""
    if versioned:
        mark_changed(session, decision_id)
    chain = decision_id or 0
    heads: dict[int, tuple[int, str, str]] = session.info.setdefault(_HEADS, {})
    if new_chain:  # the decision was inserted by this transaction: its chain starts here
        heads[chain] = (0, GENESIS, GENESIS)
    elif chain not in heads:
        row = _HEAD.run(session, {"chain": chain}).first()
        heads[chain] = (row[0], row[1], row[2] or "") if row else (0, GENESIS, GENESIS)
    last_seq, last_hash, last_sm3 = heads[chain]
    fields: dict[str, Any] = {
        "chain": chain, "decision_id": decision_id, "seq": last_seq + 1, "at": clock.now().isoformat(timespec="seconds"),
        "actor": actor, "role": role, "office": office, "action": action,
        "detail": {**detail, VIA: channel.current()}, "prev_hash": last_hash}
    body = canonical_fields(fields)
    fields["hash"] = hashlib.sha256(body).hexdigest()
    _INSERT_EVENT.run(session, fields).close()
    sm3 = ""
    if SM3_AVAILABLE:
        sm3 = sm3_link(body, last_sm3)
        _INSERT_SM3.run(session, {"chain": chain, "seq": fields["seq"], "sm3": sm3}).close()
    heads[chain] = (fields["seq"], fields["hash"], sm3)
    return fields


def forget_heads(session: Session) -> None:
    """After a commit or rollback the next transaction reads the chain heads from the database again."""
    session.info.pop(_HEADS, None)


on_transaction_end(forget_heads)


def verify_chain(events: Iterable[AuditEvent | Mapping[str, Any]], sm3: Mapping[int, str] | None = None) -> list[str]:
    """Problems found in one chain's events (ordered by seq): gaps, reordering, edits.

    ``events`` are ORM rows or mappings with the event's columns (plus ``id`` and ``hash``);
    ``sm3`` maps seq → stored SM3 link of the same chain (None: SM3 not checked).
    """
    problems = []
    prev = GENESIS
    prev_sm3 = GENESIS
    check_sm3 = bool(sm3) and SM3_AVAILABLE  # a chain written where SM3 was unavailable has no rows
    for expected_seq, ev in enumerate(events, start=1):
        f = ev if isinstance(ev, Mapping) else {k: getattr(ev, k) for k in (*FIELDS, "id", "hash")}
        chain, seq, action = f["chain"], f["seq"], f["action"]
        where = f"audit chain {chain}: event seq {seq} (#{f['id']}, {action})"
        if seq != expected_seq:
            problems.append(f"{where}: expected seq {expected_seq}, found seq {seq} (an event was deleted or "
                            "reordered)")
        if f["prev_hash"] != prev:
            problems.append(f"{where}: link broken — expected prev_hash {prev}, found {f['prev_hash']}")
        body = canonical_fields(f)
        found = hashlib.sha256(body).hexdigest()
        if found != f["hash"]:
            problems.append(f"{where} was altered: expected hash {f['hash']} (stored), found {found} "
                            "(recomputed)")
        if check_sm3:
            assert sm3 is not None
            stored = sm3.get(seq)
            if stored is None:
                problems.append(f"{where}: SM3 link missing — expected an SM3 row, found none")
                prev_sm3 = ""
            else:
                want = sm3_link(body, prev_sm3)
                if want != stored:
                    problems.append(f"{where}: SM3 chain broken — expected sm3 {want} (recomputed), found "
                                    f"{stored} (stored)")
                prev_sm3 = stored
        prev = f["hash"]
    return problems
