"""Engine creation and schema migration. SQLite is the embedded default; PostgreSQL works the same.

SQLite runs in WAL mode with ``synchronous=FULL``: a commit that returned is on disk, so a crash
(power loss included) never loses an acknowledged attachment or transition (issue 3, "nothing lost").
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.exc import DBAPIError

from decisions.storage.settings import get_settings

MIGRATIONS = "decisions.storage:migrations"  # package data; Alembic resolves package:path with importlib.resources


def _sqlite_pragmas(dbapi_conn, record_event) -> None:  # noqa: ANN001
    if isinstance(dbapi_conn, sqlite3.Connection):
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.execute("PRAGMA synchronous=FULL")
        cur.close()


def normalise_url(url: str) -> str:
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def is_sqlite(url: str | None = None) -> bool:
    return (url or get_settings().database_url).startswith("sqlite")


def sqlite_path(url: str | None = None) -> Path | None:
    """The database file of a SQLite URL (None for PostgreSQL or an in-memory database)."""
    url = url or get_settings().database_url
    if not url.startswith("sqlite"):
        return None
    path = url.split("///", 1)[-1]
    return Path(path) if path and path != ":memory:" else None


_ENGINES: dict[str, Engine] = {}


def _engine_for(url: str) -> Engine:
    engine = _ENGINES.get(url)
    if engine is not None:
        return engine
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():  # created readable by its owner only (SQLite gives -wal/-shm the same mode)
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        engine = create_engine(url, connect_args={"timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(normalise_url(url), pool_pre_ping=True)
    _ENGINES[url] = engine
    while len(_ENGINES) > 8:  # keep at most 8, like the lru_cache this replaces; close the oldest's pool
        _ENGINES.pop(next(iter(_ENGINES))).dispose()
    return engine


def get_engine() -> Engine:
    return _engine_for(get_settings().database_url)


def dispose_engines(url: str | None = None, *, close: bool = True) -> None:
    """Forget pooled connections: of one URL or all (a test dropping its database, a forked child).

    ``close=False`` in a forked child: the parent's sockets are left alone, the child opens its own.
    """
    for key in [url] if url is not None else list(_ENGINES):
        engine = _ENGINES.pop(key, None)
        if engine is not None:
            engine.dispose(close=close)


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url or get_settings().database_url).replace("%", "%%"))
    return cfg


def migrate() -> None:
    """Bring the database to the newest schema (``juece init`` runs this, then sweeps the evidence store:
    ``decisions.integrity.service.initialise``)."""
    engine = get_engine()
    with engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")


#: what SQLite and PostgreSQL say when the database file is damaged
DAMAGED = ("malformed", "file is not a database", "disk image", "file is encrypted or is not a database",
           "database corruption", "invalid page", "could not read block")
#: what they say when the disk (or the quota) is full
FULL = ("database or disk is full", "no space left on device", "disk full", "disk quota exceeded")


def damaged_text(message: str) -> bool:
    low = message.lower()
    return any(w in low for w in DAMAGED)


def full_text(message: str) -> bool:
    low = message.lower()
    return any(w in low for w in FULL)


def integrity_problems(conn: Connection) -> list[str]:
    """SQLite's own page-level check (``PRAGMA integrity_check``): an empty list when the file is sound.

    PostgreSQL checks its pages itself (checksums) and reports a damaged block as an error on reading it; nothing
    is run there. A database too damaged to run the check gives the error as the one problem."""
    if conn.dialect.name != "sqlite":
        return []
    try:
        found = [str(r[0]) for r in conn.exec_driver_sql("PRAGMA integrity_check(100)")]
    except DBAPIError as exc:
        return [f"SQLite: {' '.join(str(exc.orig or exc).split())}"]
    return [] if found == ["ok"] else [f"SQLite integrity_check: {line}" for line in found]


def is_initialised() -> bool:
    return inspect(get_engine()).has_table("decision")
