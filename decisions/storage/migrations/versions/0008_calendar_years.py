"""calendar years confirmed by an admin after importing the State Council's holiday notice (procedure.md §8)

Revision ID: 0008
Revises: 0001
Create Date: 2026-12-07 03:20:00

A branch beside 0002–0007 (all on 0001): migrate() upgrades to "heads". A confirmed year's working days are
the package's (when it has the year) and the admin's overrides only: the statutory rule computed from the
lunar calendar no longer applies and nothing in that year is provisional.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0008'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'calendaryear',
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('confirmed_at', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('confirmed_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('notice_ref', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('rows_imported', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('year', name=op.f('pk_calendaryear')),
    )


def downgrade() -> None:
    op.drop_table('calendaryear')
