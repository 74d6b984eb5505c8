"""provenance of authors (procedure.md §8 "Authors"): 代录 and the commissioned risk assessor

Revision ID: 0014_authors
Revises: 0001
Create Date: 2026-12-07 06:00:00

A branch beside the others (all on 0001): migrate() upgrades to "heads". It needs 0012_registers (the
expert assignments), hence ``depends_on``.

- evidence.on_behalf_id: the account that entered an author's scanned signed original (代录); NULL when the
  author filed by their own account;
- expertassignment.role: "expert" (Art 20) or "assessor" (a commissioned risk assessor, Art 22, 23).
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0014_authors'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = '0012_registers'

S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    # plain ADD COLUMN (no table rebuild): evidence keeps its append-only triggers. SQLite cannot ALTER in a
    # constraint without rebuilding the table, so there the column goes in without its foreign key.
    if op.get_bind().dialect.name == "sqlite":
        op.add_column('evidence', sa.Column('on_behalf_id', sa.Integer(), nullable=True))
    else:
        op.add_column('evidence', sa.Column('on_behalf_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f('fk_evidence_on_behalf_id_user'), 'evidence', 'user', ['on_behalf_id'], ['id'])
    op.add_column('expertassignment', sa.Column('role', S(length=32), nullable=False, server_default='expert'))


def downgrade() -> None:
    with op.batch_alter_table('expertassignment', schema=None) as batch_op:
        batch_op.drop_column('role')
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_column('on_behalf_id')
