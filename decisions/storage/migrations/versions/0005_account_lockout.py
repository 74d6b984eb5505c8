"""account lock-out: consecutive failed logins and the time a locked account opens again (issue 3)

Revision ID: 0005
Revises: 0001
Create Date: 2026-11-23 08:00:00

A branch beside 0002, 0003 and 0004 (all on 0001): migrate() upgrades to "heads". The two columns are
added with ALTER TABLE ADD COLUMN (batch mode does not rebuild the table for that), with server
defaults so existing accounts start unlocked with no failures.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0005'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('locked_until', sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_logins')
