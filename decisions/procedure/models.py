"""The decision and what its procedure records: triggers, stages, evidence, the meeting.

Timestamps are ISO-8601 strings in China time (``2026-03-02T09:30:00+08:00``): portable between
SQLite and PostgreSQL, sortable, and byte-stable for the audit hash chain and the dossier."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Column, ColumnElement, Index, UniqueConstraint, exists
from sqlalchemy.orm import declared_attr
from sqlmodel import Field, SQLModel

from decisions.storage.schema import metadata  # noqa: F401  (naming convention first)
from decisions.storage.unit_of_work import guard_versions


class Decision(SQLModel, table=True):
    """One major administrative decision (一事一档). ``version`` is the optimistic lock."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(index=True, unique=True, max_length=40)
    title: str
    organ_id: int = Field(foreign_key="office.id", index=True)
    undertaker_id: int = Field(foreign_key="office.id")  # indexed by ix_decision_undertaker_state_entered (0017)
    category: int
    source: str
    catalog_item_id: int | None = Field(default=None, foreign_key="catalogitem.id", index=True)
    profile_name: str
    profile_version: str
    state: str = Field(max_length=40)  # indexed by ix_decision_state_entered (state, state_entered_at, id)
    round: int = Field(default=1)
    executing_unit_id: int | None = Field(default=None, foreign_key="office.id")
    parent_id: int | None = Field(default=None, foreign_key="decision.id")
    created_at: str
    updated_at: str = Field(index=True)
    state_entered_at: str
    version: int = Field(default=1, nullable=False)
    archived_at: str | None = Field(default=None)   # 归档: read-only from then on (Art 33; decisions/archive)

    @declared_attr  # type: ignore[misc]
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805
        return {"version_id_col": cls.__table__.c.version}


guard_versions(Decision)  # its version column is the optimistic lock of every use case


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

    __table_args__ = (UniqueConstraint("decision_id", "stage"),)  # also the index by decision (0016)
    id: int | None = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="decision.id")
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

    __table_args__ = (Index("ix_evidence_decision_kind", "decision_id", "kind"),)  # also the index by decision (0016)
    id: int | None = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="decision.id")
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
    # 代录 (procedure.md §8 "Authors"): the account that entered the author's scanned signed original; user_id,
    # role and office_id are then the author's. None when the author filed it by their own account.
    on_behalf_id: int | None = Field(default=None, foreign_key="user.id")


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


class CalendarOverride(SQLModel, table=True):
    """Admin-maintained working-day overrides for years the calendar package does not know yet."""

    day: str = Field(primary_key=True, max_length=10)
    is_workday: bool
    note: str = ""


class CalendarYear(SQLModel, table=True):
    """A year an admin confirmed after importing the State Council's holiday notice: its working days are the
    package's and the overrides only, no longer provisional (procedure.md §8)."""

    year: int = Field(primary_key=True)
    confirmed_at: str
    confirmed_by: str
    notice_ref: str
    rows_imported: int


class OrganMember(SQLModel, table=True):
    """The register of an organ's meeting members (会议组成人员, Art 30): who sits on the body from which day
    to which day; the entry with ``is_head`` is the organ's head (行政首长) for that period."""

    id: int | None = Field(default=None, primary_key=True)
    organ_id: int = Field(foreign_key="office.id", index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    from_date: str = Field(max_length=10)
    to_date: str = Field(default="", max_length=10)  # '' while the member sits; the last day otherwise
    title: str = ""
    is_head: bool = False
    by_user_id: int | None = Field(default=None, foreign_key="user.id")
    at: str


class ReviewOffice(SQLModel, table=True):
    """The office that does an organ's legality review (合法性审查机构, Art 25)."""

    organ_id: int = Field(foreign_key="office.id", primary_key=True)
    office_id: int = Field(foreign_key="office.id")
    by_user_id: int | None = Field(default=None, foreign_key="user.id")
    at: str


class ExpertAssignment(SQLModel, table=True):
    """An expert the undertaking unit chose for a decision's panel (Art 20), or (``role`` "assessor") a risk
    assessor it commissioned (Art 22, 23), with the interest declaration. One assignment per user and decision."""

    __table_args__ = (UniqueConstraint("decision_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="decision.id", index=True)
    user_id: int = Field(foreign_key="user.id")
    declaration: str = ""  # the declared absence of a direct interest (Art 20)
    role: str = Field(default="expert", max_length=32)  # expert (Art 20) | assessor (Art 22, 23)
    by_user_id: int = Field(foreign_key="user.id")
    at: str


class EvidenceVoid(SQLModel, table=True):
    """A wrong upload declared void (作废) with its reason: the file and its row stay (evidence is append-only),
    the gates no longer count it, the pages strike it through and the dossier marks it 作废."""

    __tablename__ = "evidence_void"
    id: int | None = Field(default=None, primary_key=True)
    evidence_id: int = Field(foreign_key="evidence.id", unique=True)
    decision_id: int = Field(foreign_key="decision.id", index=True)
    reason: str
    user_id: int = Field(foreign_key="user.id")
    at: str


def live_evidence() -> ColumnElement[bool]:
    """The one filter "this evidence row was not declared void" (作废), for every query that lets evidence count:
    the gates, the due dates, the reports after the decision, participation, the figures, the dossier's 卷内目录.
    A correlated NOT EXISTS on ``evidence_void.evidence_id`` (unique, so an index probe per row); put it in the
    ``where`` of a query over ``Evidence`` (or an EXISTS over it). The pages still list a voided item, struck
    through with who voided it and why: they read ``voiding.void_records`` instead of filtering."""
    return ~exists().where(EvidenceVoid.evidence_id == Evidence.id)
