"""The life of a decision after it is made: public feedback and post-evaluation (Art 35, 36)."""

from __future__ import annotations

from sqlmodel import Field, SQLModel

from decisions.storage.schema import metadata  # noqa: F401  (naming convention first)


class PublicFeedback(SQLModel, table=True):
    """An opinion from the public on a published decision or its execution (Art 35¶2)."""

    __tablename__ = "public_feedback"
    id: int | None = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="decision.id", index=True)
    channel: str = Field(max_length=16)         # letter | phone | email | web | visit
    content: str
    contact: str = ""
    received_at: str
    recorded_by: str = ""


class PostEvaluation(SQLModel, table=True):
    """A post-decision evaluation (Art 36): trigger, evaluating unit (independence checked), report."""

    __tablename__ = "post_evaluation"
    id: int | None = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="decision.id", index=True)
    trigger: str = Field(max_length=20)         # missed_targets | feedback_volume | organ_choice
    reason: str
    evaluator_office_id: int = Field(foreign_key="office.id")
    status: str = Field(default="started", max_length=12)  # started | reported
    started_at: str
    started_by: str
    participants: str = ""
    report_filename: str = ""
    report_sha256: str = ""
    report_at: str = ""
    conclusion: str = ""
    recommendation: str = ""
