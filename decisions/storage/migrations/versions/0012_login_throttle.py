"""sign-in lock-out per account and client, with back-off (issue "Hold under attack")

Revision ID: 0012_login_throttle
Revises: 0001
Create Date: 2026-12-07 03:30:00

A branch beside the others on 0001: migrate() upgrades to "heads".
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0012_login_throttle'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'login_throttle',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('client', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('locked_until', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('last_at', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_login_throttle')),
        sa.UniqueConstraint('username', 'client', name='uq_login_throttle_username_client'),
    )


def downgrade() -> None:
    op.drop_table('login_throttle')
