"""The append-only record: the audit trail and its SM3 companion chain."""

from __future__ import annotations

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from decisions.storage.schema import metadata  # noqa: F401  (naming convention first)


class AuditEvent(SQLModel, table=True):
    """Append-only trail; each event carries the hash of the previous one of the same chain."""

    __table_args__ = (UniqueConstraint("chain", "seq"),)
    id: int | None = Field(default=None, primary_key=True)
    chain: int = Field(default=0)  # decision id, 0 for the system chain (indexed by the unique (chain, seq))
    decision_id: int | None = Field(default=None, foreign_key="decision.id", index=True)
    seq: int
    at: str
    actor: str
    role: str = ""
    office: str = ""
    action: str = Field(max_length=40)
    detail: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class AuditSm3(SQLModel, table=True):
    """The SM3 chain beside the SHA-256 one: one row per audit event, append-only like the event."""

    chain: int = Field(primary_key=True)
    seq: int = Field(primary_key=True)
    sm3: str = Field(max_length=64)
