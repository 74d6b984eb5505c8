"""Storage models. Plain data only: the procedure lives in the profile and the workflow package.

Timestamps are ISO-8601 strings in China time (``2026-03-02T09:30:00+08:00``): portable between
SQLite and PostgreSQL, sortable, and byte-stable for the audit hash chain and the dossier.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Column, Index, MetaData, UniqueConstraint
from sqlalchemy.orm import declared_attr
from sqlmodel import Field, SQLModel

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata


class Office(SQLModel, table=True):
    """A decision organ (政府) or one of its departments, townships, bureaus."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(index=True, unique=True, max_length=64)
    name: str
    level: str  # province | city | county | department | township
    parent_id: int | None = Field(default=None, foreign_key="office.id", index=True)
    profile: str = Field(default="state-council-2019")


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(index=True, unique=True, max_length=64)
    name: str
    office_id: int = Field(foreign_key="office.id", index=True)
    password_hash: str = Field(default="")
    active: bool = Field(default=True)
    failed_logins: int = Field(default=0)   # consecutive failed logins (reset by a success or an unlock)
    locked_until: str = Field(default="")   # ISO timestamp; refused before it even with the right password


class UserRole(SQLModel, table=True):
    user_id: int = Field(foreign_key="user.id", primary_key=True)
    role: str = Field(primary_key=True, max_length=32)


class CatalogItem(SQLModel, table=True):
    """A row of an annual decision catalog (重大行政决策事项目录, Art 3¶3)."""

    id: int | None = Field(default=None, primary_key=True)
    organ_id: int = Field(foreign_key="office.id", index=True)
    year: int = Field(index=True)
    seq: int = 0
    item_name: str
    undertaking_unit: str = ""
    procedures: str = ""
    hearing: str = ""
    legal_basis: str = ""
    planned_time: str = ""
    main_content: str = ""
    source: str = ""
    published_at: str = ""
    party_consent_at: str = ""
    # versions (Art 3¶3 调整): an item is visible in versions [version_added, version_removed)
    version_added: int = Field(default=1)
    version_removed: int | None = Field(default=None)
    supersedes_id: int | None = Field(default=None)   # the item (catalogitem.id) this one replaces
    target_date: str = Field(default="", max_length=10)   # ISO date parsed from planned_time
    undertaker_id: int | None = Field(default=None)   # office.id matched from undertaking_unit, when found


class Decision(SQLModel, table=True):
    """One major administrative decision (一事一档). ``version`` is the optimistic lock."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(index=True, unique=True, max_length=40)
    title: str
    organ_id: int = Field(foreign_key="office.id", index=True)
    undertaker_id: int = Field(foreign_key="office.id", index=True)
    category: int
    source: str
    catalog_item_id: int | None = Field(default=None, foreign_key="catalogitem.id", index=True)
    profile_name: str
    profile_version: str
    state: str = Field(index=True, max_length=40)
    round: int = Field(default=1)
    executing_unit_id: int | None = Field(default=None, foreign_key="office.id")
    parent_id: int | None = Field(default=None, foreign_key="decision.id")
    created_at: str
    updated_at: str = Field(index=True)
    state_entered_at: str
    version: int = Field(default=1, nullable=False)

    @declared_attr  # type: ignore[misc]
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805
        return {"version_id_col": cls.__table__.c.version}


class CoUndertaker(SQLModel, table=True):
    decision_id: int = Field(foreign_key="decision.id", primary_key=True)
    office_id: int = Field(foreign_key="office.id", primary_key=True)


class TriggerDetermination(SQLModel, table=True):
    """The undertaking unit's yes/no on one trigger (procedure.md §3), a 'no' with its reason."""

    __table_args__ = (UniqueConstraint("decision_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="decision.id", index=True)
    name: str = Field(max_length=40)
    value: bool
    reason: str = ""
    user_id: int = Field(foreign_key="user.id")
    at: str


class StageStatus(SQLModel, table=True):
    """Where each stage of a decision stands: pending, current, done, skipped (with its reason)."""

    __table_args__ = (UniqueConstraint("decision_id", "stage"),)
    id: int | None = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="decision.id", index=True)
    stage: str = Field(max_length=40)
    position: int
    status: str = Field(default="pending", max_length=16)
    entered_at: str = ""
    left_at: str = ""
    user_id: int | None = Field(default=None, foreign_key="user.id")
    note: str = ""
    days: float | None = None  # left_at - entered_at in days, set when the stage is left (the dashboard's median)


class Evidence(SQLModel, table=True):
    """An attached file (stored by SHA-256) with its kind, metadata, uploader and stage."""

    __table_args__ = (Index("ix_evidence_decision_kind", "decision_id", "kind"),)
    id: int | None = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="decision.id", index=True)
    stage: str = Field(max_length=40)
    round: int = 1
    kind: str = Field(max_length=40)
    filename: str
    content_type: str
    size: int
    sha256: str = Field(max_length=64, index=True)
    meta: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    user_id: int = Field(foreign_key="user.id")
    role: str = Field(max_length=32)
    office_id: int = Field(foreign_key="office.id")
    at: str


class Meeting(SQLModel, table=True):
    """The collective discussion (Art 30): type, quorum, each position in speaking order, outcome."""

    id: int | None = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="decision.id", index=True)
    round: int = 1
    type: str
    date: str
    members_total: int
    head_id: int = Field(foreign_key="user.id")
    outcome: str
    reason: str = ""
    minutes_evidence_id: int = Field(foreign_key="evidence.id")
    user_id: int = Field(foreign_key="user.id")
    at: str


class MeetingPosition(SQLModel, table=True):
    """One member's position, kept per person because dissent limits liability (Art 30¶3, 38¶3)."""

    meeting_id: int = Field(foreign_key="meeting.id", primary_key=True)
    seq: int = Field(primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    position: str
    is_head: bool = False


class AuditEvent(SQLModel, table=True):
    """Append-only trail; each event carries the hash of the previous one of the same chain."""

    __table_args__ = (UniqueConstraint("chain", "seq"),)
    id: int | None = Field(default=None, primary_key=True)
    chain: int = Field(default=0, index=True)  # decision id, 0 for the system chain
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


class CalendarOverride(SQLModel, table=True):
    """Admin-maintained working-day overrides for years the calendar package does not know yet."""

    day: str = Field(primary_key=True, max_length=10)
    is_workday: bool
    note: str = ""
