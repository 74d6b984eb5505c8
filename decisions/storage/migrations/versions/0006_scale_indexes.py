"""indexes for a province on one database: 100,000 decisions, 1.6 million evidence rows (issue 7)

Revision ID: 0006
Revises: 0001
Create Date: 2026-11-22 10:30:00

A branch beside 0002–0005 (all on 0001): migrate() upgrades to "heads". Found with bench/scale.py and
EXPLAIN ANALYZE on 100,000 generated decisions (bench/generate.py), each index for a read model whose plan
otherwise walked a whole index or table:

- evidence (kind, decision_id, at): the dashboard's overdue execution reports (newest `execution_report` per
  decision) read every evidence index entry through ix_evidence_decision_kind, whose first column is the
  decision: 1.0 s on PostgreSQL at 100,000 decisions;
- triggerdetermination (name, value, decision_id): the dashboard's risk-assessment rate (decisions determined
  `stability_risk = yes`) walked the unique (decision_id, name) index for the name: 1.3 s;
- decision (organ_id, state, state_entered_at): my tasks — an organ's decisions in the states where its roles
  act, oldest in the stage first;
- deadline (decision_id, status): the open deadlines of one decision, asked once per task listed.
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0006'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = '0003'  # the deadline table

INDEXES = [
    ("ix_evidence_kind_decision_at", "evidence", ["kind", "decision_id", "at"]),
    ("ix_triggerdetermination_name_value", "triggerdetermination", ["name", "value", "decision_id"]),
    ("ix_decision_organ_state_entered", "decision", ["organ_id", "state", "state_entered_at"]),
    ("ix_deadline_decision_status", "deadline", ["decision_id", "status"]),
]


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
