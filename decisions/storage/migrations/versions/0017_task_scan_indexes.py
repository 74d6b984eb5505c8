"""the undertaking unit's decisions by state in stage order: the 待办 scans (issue 15)

Revision ID: 0017_task_scan_indexes
Revises: 0001
Create Date: 2026-12-07 12:50:00

The inbox's 待办 reads, per role, state and branch of the role's scope, the oldest decisions in the stage
(``decisions.workbench.oa._candidates``: ORDER BY state_entered_at, id LIMIT 100). The organ's branches walk
``ix_decision_organ_state_entered`` of 0006; the undertaking unit's (the drafter's, the executor's before an
executing unit is named) had only ``ix_decision_undertaker_id`` and sorted every decision of the unit: 32,000
for a large office at 100,000 decisions, 450 ms on PostgreSQL. (undertaker_id, state, state_entered_at, id)
answers each scan from one index range and also serves every lookup by the undertaker alone, so the
single-column index goes: one index written per transition, as before.

A branch beside the others on 0001: migrate() upgrades to "heads".
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0017_task_scan_indexes'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_decision_undertaker_state_entered', 'decision',
                    ['undertaker_id', 'state', 'state_entered_at', 'id'], unique=False)
    op.drop_index('ix_decision_undertaker_id', table_name='decision')


def downgrade() -> None:
    op.create_index('ix_decision_undertaker_id', 'decision', ['undertaker_id'], unique=False)
    op.drop_index('ix_decision_undertaker_state_entered', table_name='decision')
