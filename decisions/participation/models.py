"""Tables of public participation online (issue 8): the open comment period, the opinion ledger, the
published feedback (意见采纳情况说明).

Opinions are never deleted: moderation marks a row hidden with its reason, the row and its audit events
stay. Timestamps are ISO strings in China time like every other table.
"""

from __future__ import annotations

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel


class Consultation(SQLModel, table=True):
    """One open comment period (公开征求意见, Art 15) of a decision's round: the draft, its explanation,
    the dates (inclusive, China time) and the shortening reason shown in the notice."""

    __tablename__ = "consultation"
    __table_args__ = (UniqueConstraint("decision_id", "round", name="uq_consultation_decision_round"),)
    id: int | None = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="decision.id", index=True)
    round: int = 1
    title: str
    explanation: str = ""
    draft_evidence_id: int = Field(foreign_key="evidence.id")
    notice_evidence_id: int | None = Field(default=None, foreign_key="evidence.id")
    start: str = Field(max_length=10)
    end: str = Field(max_length=10, index=True)
    shortened_reason: str = ""
    contact_required: bool = False
    opened_by: str
    opened_at: str


class Opinion(SQLModel, table=True):
    """One opinion in the ledger (Art 18): from the public page or entered by staff with its channel."""

    __tablename__ = "opinion"
    __table_args__ = (Index("ix_opinion_decision_round", "decision_id", "round"),
                      Index("ix_opinion_client_at", "client", "submitted_at"))
    id: int | None = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="decision.id")
    round: int = 1
    consultation_id: int | None = Field(default=None, foreign_key="consultation.id")
    receipt: str = Field(max_length=24, unique=True)
    channel: str = Field(max_length=16)      # web | letter | email | phone | visit | symposium | hearing | expert | other
    content: str
    name: str = ""
    contact: str = ""
    client: str = Field(default="", max_length=64)   # salted hash of the submitting client (rate limit); '' for staff
    submitted_at: str
    entered_by: str = ""                     # the staff user who entered it ('' from the public page)
    disposition: str = Field(default="", max_length=20)   # '' | adopted | partially_adopted | not_adopted
    reason: str = ""
    group_label: str = ""
    draft_evidence_id: int | None = Field(default=None, foreign_key="evidence.id")
    disposed_by: str = ""
    disposed_at: str = ""
    hidden: bool = False
    hidden_reason: str = ""
    hidden_by: str = ""
    hidden_at: str = ""


class ParticipationFeedback(SQLModel, table=True):
    """The 意见采纳情况说明 generated after the stage; published on the public page unless non_disclosable."""

    __tablename__ = "participation_feedback"
    id: int | None = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="decision.id", index=True)
    round: int = 1
    filename: str
    sha256: str = Field(max_length=64)
    size: int
    counts: str = ""                         # JSON of the figures shown
    published: bool = False
    generated_by: str
    generated_at: str


STAGE = "public_participation"


DISPOSITIONS = ("adopted", "partially_adopted", "not_adopted")


DISPOSITION_ZH = {"adopted": "采纳", "partially_adopted": "部分采纳", "not_adopted": "不予采纳", "": "待处理"}


STAFF_CHANNELS = ("letter", "email", "phone", "visit", "symposium", "hearing", "expert", "questionnaire", "other")


CHANNEL_ZH = {"web": "网上征求意见", "letter": "信函", "email": "电子邮件", "phone": "电话", "visit": "来访",
              "symposium": "座谈会", "hearing": "听证会", "expert": "专家意见", "questionnaire": "问卷调查",
              "other": "其他"}
