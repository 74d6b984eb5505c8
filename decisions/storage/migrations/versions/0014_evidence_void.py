"""a wrong upload declared void with its reason (issue "The workbench as civil servants expect it", item 5)

Revision ID: 0014_evidence_void
Revises: 0001
Create Date: 2026-12-07 06:00:00

A branch beside the others on 0001: migrate() upgrades to "heads".
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0014_evidence_void'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'evidence_void',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('evidence_id', sa.Integer(), nullable=False),
        sa.Column('decision_id', sa.Integer(), nullable=False),
        sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('at', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(['evidence_id'], ['evidence.id'], name=op.f('fk_evidence_void_evidence_id_evidence')),
        sa.ForeignKeyConstraint(['decision_id'], ['decision.id'], name=op.f('fk_evidence_void_decision_id_decision')),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_evidence_void_user_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_void')),
        sa.UniqueConstraint('evidence_id', name=op.f('uq_evidence_void_evidence_id')),
    )
    with op.batch_alter_table('evidence_void', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_void_decision_id'), ['decision_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('evidence_void', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_void_decision_id'))
    op.drop_table('evidence_void')
