"""workbench sessions that survive a refresh (issue "The workbench as civil servants expect it", item 4)

Revision ID: 0014_sessions
Revises: 0001
Create Date: 2026-12-07 06:00:00

A branch beside the others on 0001: migrate() upgrades to "heads".
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0014_sessions'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'user_session',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('handoff_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('last_seen', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('revoked_at', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('revoke_reason', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_user_session')),
    )
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_session_username'), ['username'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_session_username'))
    op.drop_table('user_session')
