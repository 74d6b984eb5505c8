"""Statements of the hot write path, built once and run on the driver's cursor.

Every action (attach a file, advance a stage) runs about ten small statements. Through SQLAlchemy each
costs some 70 µs of Python around a 10–20 µs query: an execution context, parameter and result objects,
events. ``Prepared`` keeps the statement a SQLAlchemy Core construct (so it is written once, for SQLite and
PostgreSQL alike, with the table's types), compiles it once per dialect, and runs the compiled text on the
DBAPI cursor of the session's own connection — inside the same transaction, which SQLAlchemy commits or
rolls back as usual. What SQLAlchemy would add is kept: the column types' bind and result processing
(JSON, booleans), and driver errors re-raised as SQLAlchemy's exceptions, so ``unit_of_work.translate``
maps a lost race to Conflict exactly as before.

Only statements whose every parameter is supplied at run time (or is a literal of the statement) belong
here; everything else goes through the session.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Connection, bindparam
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement

#: statements run through Prepared in this process (the benchmark prints them per request; not exact under threads)
EXECUTED = [0]


@dataclass(frozen=True)
class _Compiled:
    sql: str
    positional: tuple[str, ...] | None    # parameter names in order (qmark drivers), None for named styles
    construct: Callable[[Mapping[str, Any]], dict[str, Any]]
    binds: tuple[tuple[str, Callable[[Any], Any]], ...]
    results: tuple[Callable[[Any], Any] | None, ...]


class Prepared:
    """One Core statement, compiled once per dialect, run on the raw cursor (see the module docstring)."""

    __slots__ = ("statement", "columns", "_compiled")

    def __init__(self, statement: ClauseElement, columns: Iterable[str] | None = None) -> None:
        """``columns``: for an INSERT without ``values()``, the columns its parameters give (the others get
        their defaults; an autoincrement id is left to the database)."""
        self.statement = statement
        self.columns = list(columns) if columns is not None else None
        self._compiled: dict[tuple[str, str, str], _Compiled] = {}

    def _for(self, dialect: Dialect) -> _Compiled:
        key = (dialect.name, dialect.driver, dialect.paramstyle)
        c = self._compiled.get(key)
        if c is None:
            compiled = self.statement.compile(dialect=dialect, column_keys=self.columns)
            binds = []
            for name, bind in compiled.binds.items():
                proc = bind.type.dialect_impl(dialect).bind_processor(dialect)
                if proc is not None:
                    binds.append((name, proc))
            columns = getattr(self.statement, "selected_columns", None)
            if columns is None:
                columns = getattr(self.statement, "_returning", ()) or ()
            results = tuple(col.type.dialect_impl(dialect).result_processor(dialect, None) for col in columns)
            c = _Compiled(compiled.string, tuple(compiled.positiontup or ()) if compiled.positional else None,
                          compiled.construct_params, tuple(binds), results)
            self._compiled[key] = c
        return c

    def _params(self, c: _Compiled, params: Mapping[str, Any]) -> Any:
        values = c.construct(params)
        for name, proc in c.binds:
            values[name] = proc(values[name])
        if c.positional is not None:
            return tuple(values[n] for n in c.positional)
        return values

    def _run(self, where: Session | Connection, params: Mapping[str, Any] | Sequence[Mapping[str, Any]],
             many: bool) -> Any:
        conn = where.connection() if isinstance(where, Session) else where
        dialect = conn.dialect
        c = self._for(dialect)
        args = [self._params(c, p) for p in params] if many else self._params(c, params)  # type: ignore[arg-type, union-attr]
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        EXECUTED[0] += 1
        try:
            if many:
                cursor.executemany(c.sql, args)
            else:
                cursor.execute(c.sql, args)
        except dialect.loaded_dbapi.Error as exc:
            cursor.close()
            raise DBAPIError.instance(c.sql, args, exc, dialect.loaded_dbapi.Error, dialect=dialect) from exc
        return _Result(cursor, c.results)

    def run(self, where: Session | Connection, params: Mapping[str, Any] | None = None) -> _Result:
        """Execute with these parameters in the session's (or connection's) transaction."""
        return self._run(where, params or {}, False)

    def run_many(self, where: Session | Connection, params: Iterable[Mapping[str, Any]]) -> int:
        """Execute once per parameter set (inserts); returns the rows affected."""
        result = self._run(where, list(params), True)
        return result.close()


class _Result:
    """The rows of one execution, processed by the columns' types."""

    __slots__ = ("_cursor", "_results", "rowcount")

    def __init__(self, cursor: Any, results: tuple[Callable[[Any], Any] | None, ...]) -> None:
        self._cursor = cursor
        self._results = results
        self.rowcount: int = cursor.rowcount

    def close(self) -> int:
        self._cursor.close()
        return self.rowcount

    def all(self) -> list[tuple]:
        if self._cursor.description is None:
            self._cursor.close()
            return []
        rows = self._cursor.fetchall()
        self._cursor.close()
        procs = self._results
        if any(procs):
            return [tuple(v if p is None else p(v) for p, v in zip(procs, row, strict=False)) for row in rows]
        return [tuple(row) for row in rows]

    def first(self) -> tuple | None:
        rows = self.all()
        return rows[0] if rows else None

    def scalar_one(self) -> Any:
        rows = self.all()
        if len(rows) != 1:
            raise LookupError(f"expected one row, got {len(rows)}")
        return rows[0][0]

    def scalars(self) -> list[Any]:
        return [row[0] for row in self.all()]

    def __iter__(self):  # noqa: ANN204
        return iter(self.all())


def adopt(session: Session, model: type, row: Sequence[Any]) -> Any:
    """A row of all `model`'s columns (in table order, read by a Prepared statement) as the session's persistent
    object, as the ORM's loading makes one — or the object the session holds already for that primary key
    (the first column), so a unit of work never has two copies of one row."""
    from sqlalchemy.orm import make_transient_to_detached
    from sqlalchemy.orm.util import identity_key

    held = session.identity_map.get(identity_key(model, row[0]))
    if held is not None:
        return held
    manager, fields = _shape(model)
    obj = manager.new_instance()
    obj.__dict__.update(zip(fields, row, strict=True))
    make_transient_to_detached(obj)
    session.add(obj)
    return obj


@cache
def _shape(model: type) -> tuple[Any, list[str]]:
    from sqlalchemy.orm.instrumentation import manager_of_class

    return manager_of_class(model), [c.key for c in model.__table__.columns]  # type: ignore[attr-defined]


def among(column: Any, ids: Iterable[int]) -> Any:
    """``column IN (…)`` for a page of row ids, the numbers written into the statement text: as bound parameters,
    300 ids cost the driver more to convert (psycopg parses every placeholder) than PostgreSQL takes to answer."""
    return column.in_(bindparam(None, sorted({int(i) for i in ids}), expanding=True, literal_execute=True))
