"""Tables of the deadline worker.

Deadlines live in these tables, not in the scheduler's job store (stack-notes §2): one idempotent scan
reads them under a lease; a notification is unique per (dedupe key, user), so a restart, a missed run or
two workers never deliver the same reminder twice."""

from __future__ import annotations

from sqlalchemy import Column, Float, Index, LargeBinary, Table, Unicode, UniqueConstraint
from sqlmodel import Field, SQLModel

from decisions.storage.schema import metadata


class Deadline(SQLModel, table=True):
    """One watched time rule instance (a comment period end, a legality window, an execution report period...)."""

    __tablename__ = "deadline"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=160, unique=True)
    rule: str = Field(max_length=40)            # the profile's [deadlines.NAME]
    type: str = Field(max_length=40, index=True)
    decision_id: int | None = Field(default=None, foreign_key="decision.id", index=True)
    catalog_item_id: int | None = Field(default=None, foreign_key="catalogitem.id", index=True)
    title: str
    article: str = ""
    due: str = Field(max_length=10, index=True)  # ISO date
    remind_on: str = Field(max_length=10)
    escalate_on: str = Field(default="", max_length=10)
    provisional: bool = False                   # computed over a year the holiday package does not cover
    status: str = Field(default="open", max_length=12, index=True)  # open | done | cancelled
    created_at: str
    done_at: str = ""
    reminded_at: str = ""
    escalated_at: str = ""


class Notification(SQLModel, table=True):
    """An in-app inbox entry; e-mailed when SMTP is configured and the user has an address."""

    __tablename__ = "notification"
    __table_args__ = (UniqueConstraint("dedupe", "user_id", name="uq_notification_dedupe_user"),
                      Index("ix_notification_user_read", "user_id", "read_at"))
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    dedupe: str = Field(max_length=200)
    kind: str = Field(max_length=16)            # reminder | escalation | stale | notice | suggestion
    deadline_id: int | None = Field(default=None, foreign_key="deadline.id")
    decision_id: int | None = Field(default=None, foreign_key="decision.id", index=True)
    catalog_item_id: int | None = Field(default=None, foreign_key="catalogitem.id")
    subject: str
    body: str
    article: str = ""
    created_at: str
    read_at: str = ""
    email_status: str = Field(default="", max_length=10)  # '' (no address) | pending | sending | sent | failed
    email_attempts: int = 0
    emailed_at: str = ""


class UserContact(SQLModel, table=True):
    """Where a user's reminders are e-mailed (optional)."""

    __tablename__ = "user_contact"
    user_id: int = Field(foreign_key="user.id", primary_key=True)
    email: str = Field(max_length=254)


class WorkerLease(SQLModel, table=True):
    """Only the holder of an unexpired lease scans and fires (real time, not JUECE_NOW)."""

    __tablename__ = "worker_lease"
    name: str = Field(primary_key=True, max_length=40)
    holder: str = Field(default="", max_length=120)
    expires_at: float = 0.0
    acquired_at: str = ""


# APScheduler's SQLAlchemy job store table (one row: the scan job), declared so the schema stays in one place.
apscheduler_jobs = Table(
    "apscheduler_jobs", metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)
