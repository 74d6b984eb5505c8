"""The one place a transaction begins and ends: use cases commit explicitly, anything else rolls back."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from decisions.db import get_engine
from decisions.errors import Conflict


class UnitOfWork:
    """``with UnitOfWork() as uow: ...; uow.commit()`` — leaving without commit rolls back."""

    session: Session

    def __enter__(self) -> UnitOfWork:
        self.session = Session(get_engine(), expire_on_commit=False)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        try:
            self.session.commit()
        except StaleDataError:
            self.session.rollback()
            raise Conflict("记录已被他人同时修改，请重试 / changed concurrently, retry") from None
        except OperationalError as exc:
            self.session.rollback()
            if "locked" in str(exc).lower() or "could not serialize" in str(exc).lower():
                raise Conflict("数据库正忙或并发冲突，请重试 / database busy or concurrent change, retry") from None
            raise
