"""Every concept's tables, imported together: the schema as a whole, for the migrations and the tests.

Code that works with a table imports it from its concept (``decisions.procedure.models``, ...); only
what needs the complete metadata (Alembic's environment, schema checks) imports this module.
"""

from __future__ import annotations

from decisions.accounts.models import Office, User, UserRole, UserSession
from decisions.aftercare.models import PostEvaluation, PublicFeedback
from decisions.archive.models import ArchiveFiling
from decisions.catalog.models import CatalogClosure, CatalogItem, CatalogVersion
from decisions.deadlines.models import Deadline, Notification, UserContact, WorkerLease, apscheduler_jobs
from decisions.participation.models import Consultation, Opinion, ParticipationFeedback
from decisions.procedure.models import (
    CalendarOverride,
    CalendarYear,
    CoUndertaker,
    Decision,
    Evidence,
    EvidenceVoid,
    ExpertAssignment,
    Meeting,
    MeetingPosition,
    OrganMember,
    ReviewOffice,
    StageStatus,
    TriggerDetermination,
)
from decisions.records.models import AuditEvent, AuditSm3
from decisions.storage.schema import metadata

__all__ = [
    "ArchiveFiling", "AuditEvent", "AuditSm3", "CalendarOverride", "CalendarYear", "CatalogClosure", "CatalogItem",
    "CatalogVersion", "Consultation", "CoUndertaker", "Deadline", "Decision", "Evidence", "EvidenceVoid", "ExpertAssignment",
    "Meeting", "MeetingPosition", "Notification", "Office", "Opinion", "OrganMember", "ParticipationFeedback",
    "PostEvaluation", "PublicFeedback", "ReviewOffice", "StageStatus", "TriggerDetermination",
    "User", "UserContact", "UserRole", "UserSession", "WorkerLease", "apscheduler_jobs", "metadata",
]
