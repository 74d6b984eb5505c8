"""drop four indexes that a wider index or a unique constraint already covers (issue 14: the write path)

Revision ID: 0016_write_path_indexes
Revises: 0001
Create Date: 2026-12-07 09:10:00

Every attached file and every transition writes a few rows, and every index on them is one more page to
write into SQLite's WAL (and to fsync and checkpoint) or into PostgreSQL's. These four are each the leading
column(s) of another index of the same table, which serves the same lookups:

- ``ix_auditevent_chain`` (chain): the unique (chain, seq) constraint — the chain head is read through it;
- ``ix_evidence_decision_id`` (decision_id): ``ix_evidence_decision_kind`` (decision_id, kind);
- ``ix_stagestatus_decision_id`` (decision_id): the unique (decision_id, stage) constraint;
- ``ix_decision_state`` (state): ``ix_decision_state_entered`` (state, state_entered_at, id) of 0007, which
  is why this revision depends on 0007.

A branch beside the others on 0001: migrate() upgrades to "heads".
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0016_write_path_indexes'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = '0007'

DROPPED = (('ix_auditevent_chain', 'auditevent', ['chain']),
           ('ix_evidence_decision_id', 'evidence', ['decision_id']),
           ('ix_stagestatus_decision_id', 'stagestatus', ['decision_id']),
           ('ix_decision_state', 'decision', ['state']))


def upgrade() -> None:
    for name, table, _columns in DROPPED:
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for name, table, columns in DROPPED:
        op.create_index(name, table, columns, unique=False)
