"""Test-only tampering: change rows behind the application's back, as an intruder with database
access would, by switching the append-only triggers off for one statement batch."""

from __future__ import annotations

from sqlalchemy import text

from decisions.storage.db import get_engine

APPEND_ONLY = ("auditevent", "auditsm3", "evidence", "meeting", "meetingposition", "evidence_void")


def tamper(*statements: str, **params: object) -> None:
    """Run SQL with the append-only triggers out of the way, then put them back."""
    engine = get_engine()
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            triggers = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type='trigger' "
                                         "AND name LIKE '%append_only%'")).all()
            for name, _sql in triggers:
                conn.execute(text(f'DROP TRIGGER "{name}"'))
            for sql in statements:
                conn.execute(text(sql), params)
            for _name, sql in triggers:
                conn.execute(text(sql))
        else:
            for t in APPEND_ONLY:
                conn.execute(text(f"ALTER TABLE {t} DISABLE TRIGGER USER"))
            for sql in statements:
                conn.execute(text(sql), params)
            for t in APPEND_ONLY:
                conn.execute(text(f"ALTER TABLE {t} ENABLE TRIGGER USER"))


def scalar(sql: str, **params: object) -> object:
    with get_engine().connect() as conn:
        return conn.execute(text(sql), params).scalar()


def rows(sql: str, **params: object) -> list:
    with get_engine().connect() as conn:
        return list(conn.execute(text(sql), params).all())
