"""The one place a transaction begins and ends: use cases commit explicitly, anything else rolls back.

Optimistic locking: ``Decision.version`` is SQLAlchemy's ``version_id_col``. Before every flush the
unit of work marks each loaded decision that the flush writes about (the decision row itself or any
row carrying its ``decision_id``; rows written with a statement call ``mark_changed``) as modified, so its version bumps even when no column value changes
(``touch`` with a pinned clock, or two changes in the same second). A concurrent writer that loaded
the same version then matches no row and gets ``Conflict`` (exit 7) — wherever the flush happens,
inside the use case or at commit — and its whole transaction rolls back.

Storage knows no domain class: the procedure registers its versioned model (``guard_versions(Decision)``, in
``decisions.procedure.models``) and the audit trail the state it drops at the end of a transaction
(``on_transaction_end``), so imports run one way, from the concepts down to storage.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from sqlalchemy import bindparam, event, inspect, update
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm.util import identity_key
from sqlmodel import Session

from decisions.errors import Conflict, IntegrityFailure
from decisions.storage.db import damaged_text, full_text, get_engine
from decisions.storage.statements import Prepared

CONFLICT = "记录已被他人同时修改，请重试 / changed concurrently, retry"
BUSY = "数据库正忙或并发冲突，请重试 / database busy or concurrent change, retry"
DAMAGED = ("数据库文件已损坏，拒绝写入；请运行 juece verify 并从备份恢复 / the database file is damaged, nothing "
           "written; run juece verify and restore from a backup")
FULL = "磁盘已满，未写入任何内容 / the disk is full, nothing written"
_BUMPED = "juece_bumped_decisions"
_UNVERSIONED = "juece_unversioned_rows"

_versioned: type | None = None                      # the decision model, registered by the procedure
_transaction_end: list[Callable[[OrmSession], None]] = []


def guard_versions(model: type) -> None:
    """Register the model whose ``version`` column is the optimistic lock (the decision)."""
    global _versioned
    _versioned = model


def on_transaction_end(hook: Callable[[OrmSession], None]) -> None:
    """Call ``hook(session)`` after every commit or rollback (state carried within one transaction only)."""
    if hook not in _transaction_end:
        _transaction_end.append(hook)


def _decision_ids(obj: object) -> int | None:
    if _versioned is not None and isinstance(obj, _versioned):
        return obj.id
    value = getattr(obj, "decision_id", None)
    return value if isinstance(value, int) else None


def mark_changed(session: OrmSession, decision_id: int | None) -> None:
    """The decision's version bumps at the next flush: called for every row written about it, by the ORM
    hook below or directly by code that writes rows with a statement (the audit trail, evidence)."""
    if decision_id is None:
        return
    bumped: set[int] = session.info.setdefault(_BUMPED, set())
    if decision_id in bumped:
        return
    if _versioned is None:
        return
    d = session.identity_map.get(identity_key(_versioned, decision_id))
    if d is None or d in session.new or d in session.deleted:
        return
    if "updated_at" not in d.__dict__:  # expired (after a rollback): load it before flagging it
        d.updated_at  # noqa: B018
    flag_modified(d, "updated_at")
    bumped.add(decision_id)


def unversioned(session: OrmSession, obj: object) -> None:
    """A row about a decision that does not take its version lock: written by someone who is not working on the
    decision (a citizen's opinion on the public page), so a staff member who loaded the decision before it
    still commits. Whoever writes such a row checks what it relies on under a lock in its own transaction
    (the public page re-reads the decision's stage after its insert)."""
    session.info.setdefault(_UNVERSIONED, set()).add(id(obj))


@event.listens_for(OrmSession, "before_flush")
def _bump_versions(session: OrmSession, _ctx: object, _instances: object) -> None:
    skip: set[int] = session.info.get(_UNVERSIONED, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if id(obj) not in skip:
            mark_changed(session, _decision_ids(obj))


_SAVE_STATEMENTS: dict[frozenset[str], Prepared] = {}


def _save_statement(keys: frozenset[str]) -> Prepared:
    """UPDATE decision SET <keys>, version WHERE id AND version — built once per set of changed columns."""
    stmt = _SAVE_STATEMENTS.get(keys)
    if stmt is None:
        _DECISION = _versioned.__table__  # type: ignore[union-attr]
        stmt = _SAVE_STATEMENTS[keys] = Prepared(
            update(_DECISION).where(_DECISION.c.id == bindparam("_id"), _DECISION.c.version == bindparam("_version"))
            .values(version=bindparam("_next"), **{k: bindparam(k) for k in keys}))
    return stmt


def save_decisions(session: OrmSession) -> None:
    """Write every changed, loaded decision with one statement each: its changed columns and the version bump,
    guarded by the version it was loaded with (no row: Conflict). This is what the ORM's flush would do for
    the row, without its general bookkeeping (a unit of work per commit costs more than the use case); the
    object is then marked clean, so the flush at commit leaves it alone."""
    bumped: set[int] = session.info.setdefault(_BUMPED, set())
    for obj in list(session.dirty):
        if _versioned is None or not isinstance(obj, _versioned) or obj.id is None:
            continue
        state = inspect(obj)
        keys = frozenset(k for k in state.committed_state if k != "version")
        if not keys and obj.id not in bumped:
            continue  # touched without a change and nothing written about it
        version = obj.version
        values = {k: getattr(obj, k) for k in keys}
        rowcount = _save_statement(keys).run(
            session, {**values, "_id": obj.id, "_version": version, "_next": version + 1}).close()
        if rowcount != 1:
            raise StaleDataError(f"decision {obj.id} changed concurrently (version {version})")
        obj.version = version + 1
        # the row now holds these values: mark the object clean (what the ORM does after its own flush), so
        # the commit's flush has nothing to do for it
        state._commit_all(state.dict, session.identity_map)
        bumped.add(obj.id)


@event.listens_for(OrmSession, "after_commit")
@event.listens_for(OrmSession, "after_soft_rollback")
def _reset(session: OrmSession, *_args: object) -> None:
    session.info.pop(_BUMPED, None)
    session.info.pop(_UNVERSIONED, None)
    for hook in _transaction_end:  # e.g. the audit chain heads, carried within one transaction only
        hook(session)


def _first_line(exc: DBAPIError) -> str:
    return " ".join(str(exc.orig or exc).split())[:200]


def translate(exc: BaseException) -> BaseException | None:
    """The JueceError a database exception means (Conflict / IntegrityFailure), or None."""
    if isinstance(exc, StaleDataError):
        return Conflict(CONFLICT)
    if isinstance(exc, DBAPIError) and damaged_text(str(exc)):
        return IntegrityFailure(f"{DAMAGED}: {_first_line(exc)}")
    if isinstance(exc, DBAPIError) and full_text(str(exc)):
        return IntegrityFailure(f"{FULL}: {_first_line(exc)}")
    if isinstance(exc, OperationalError):
        text = str(exc).lower()
        if "locked" in text or "could not serialize" in text or "deadlock" in text or "busy" in text:
            return Conflict(BUSY)
        return None
    if isinstance(exc, IntegrityError):
        text = str(exc).lower()
        if "append-only" in text:
            return IntegrityFailure(f"只可追加的记录不得修改或删除 / append-only record refused: {exc.orig}")
        if ("auditevent" in text or "auditsm3" in text) and ("chain" in text or "unique" in text):
            return Conflict(CONFLICT)
        return None
    if isinstance(exc, DBAPIError) and "could not serialize" in str(exc).lower():
        return Conflict(CONFLICT)
    return None


class UnitOfWork:
    """``with UnitOfWork() as uow: ...; uow.commit()`` — leaving without commit rolls back."""

    session: Session

    def __enter__(self) -> UnitOfWork:
        self.session = Session(get_engine(), expire_on_commit=False)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.session.close()  # rolls back whatever was not committed and returns the connection to the pool
        if exc is not None:
            mapped = translate(exc)
            if mapped is not None:
                raise mapped from None

    def commit(self) -> None:
        try:
            save_decisions(self.session)
            self.session.commit()
        except (StaleDataError, OperationalError, IntegrityError, DBAPIError) as exc:
            self.session.rollback()
            mapped = translate(exc)
            if mapped is None:
                raise
            raise mapped from None
