"""The one place a transaction begins and ends: use cases commit explicitly, anything else rolls back.

Optimistic locking: ``Decision.version`` is SQLAlchemy's ``version_id_col``. Before every flush the
unit of work marks each loaded decision that the flush writes about (the decision row itself or any
row carrying its ``decision_id``) as modified, so its version bumps even when no column value changes
(``_touch`` with a pinned clock, or two changes in the same second). A concurrent writer that loaded
the same version then matches no row and gets ``Conflict`` (exit 7) — wherever the flush happens,
inside the use case or at commit — and its whole transaction rolls back.
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm.util import identity_key
from sqlmodel import Session

from decisions import audit
from decisions.db import get_engine
from decisions.errors import Conflict, IntegrityFailure
from decisions.models import Decision

CONFLICT = "记录已被他人同时修改，请重试 / changed concurrently, retry"
BUSY = "数据库正忙或并发冲突，请重试 / database busy or concurrent change, retry"
_BUMPED = "juece_bumped_decisions"


def _decision_ids(obj: object) -> int | None:
    if isinstance(obj, Decision):
        return obj.id
    value = getattr(obj, "decision_id", None)
    return value if isinstance(value, int) else None


@event.listens_for(OrmSession, "before_flush")
def _bump_versions(session: OrmSession, _ctx: object, _instances: object) -> None:
    bumped: set[int] = session.info.setdefault(_BUMPED, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        did = _decision_ids(obj)
        if did is None or did in bumped:
            continue
        d = session.identity_map.get(identity_key(Decision, did))
        if d is None or d in session.new or d in session.deleted:
            continue
        if "updated_at" not in d.__dict__:  # expired (after a rollback): load it before flagging it
            d.updated_at  # noqa: B018
        flag_modified(d, "updated_at")
        bumped.add(did)


@event.listens_for(OrmSession, "after_commit")
@event.listens_for(OrmSession, "after_soft_rollback")
def _reset(session: OrmSession, *_args: object) -> None:
    session.info.pop(_BUMPED, None)
    audit.forget_heads(session)  # the audit chain heads are carried within one transaction only


def translate(exc: BaseException) -> BaseException | None:
    """The JueceError a database exception means (Conflict / IntegrityFailure), or None."""
    if isinstance(exc, StaleDataError):
        return Conflict(CONFLICT)
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
        try:
            self.session.rollback()
        finally:
            self.session.close()
        if exc is not None:
            mapped = translate(exc)
            if mapped is not None:
                raise mapped from None

    def commit(self) -> None:
        try:
            self.session.commit()
        except (StaleDataError, OperationalError, IntegrityError, DBAPIError) as exc:
            self.session.rollback()
            mapped = translate(exc)
            if mapped is None:
                raise
            raise mapped from None
