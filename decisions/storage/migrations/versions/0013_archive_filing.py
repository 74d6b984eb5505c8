"""the archive filing: a decision filed (归档) with its 档号, read-only from then on (Art 33; DA/T 22)

Revision ID: 0013_archive_filing
Revises: 0001
Create Date: 2026-12-07 03:30:00

A branch beside 0002–0007 (all on 0001): migrate() upgrades to "heads".

- archivefiling: one row per filed decision — 档号 (unique), 全宗号, 年度, 保管期限 and its code, 件号 (unique
  within fonds, year and retention), 密级, 开放/控制, 立卷单位, 立卷人, 检查人, 归档日期;
- decision.archived_at: set when the decision is filed; every writing use case refuses an archived decision
  (`decisions.procedure.service.touch`).
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0013_archive_filing'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        'archivefiling',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('decision_id', sa.Integer(), nullable=False),
        sa.Column('code', S(length=80), nullable=False),
        sa.Column('fonds', S(length=40), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('retention', S(length=20), nullable=False),
        sa.Column('retention_code', S(length=10), nullable=False),
        sa.Column('item', sa.Integer(), nullable=False),
        sa.Column('classification', S(length=20), nullable=False),
        sa.Column('access', S(length=10), nullable=False),
        sa.Column('unit', S(), nullable=False),
        sa.Column('filer_id', sa.Integer(), nullable=False),
        sa.Column('checker_id', sa.Integer(), nullable=False),
        sa.Column('filed_at', S(), nullable=False),
        sa.ForeignKeyConstraint(['decision_id'], ['decision.id'], name=op.f('fk_archivefiling_decision_id_decision')),
        sa.ForeignKeyConstraint(['filer_id'], ['user.id'], name=op.f('fk_archivefiling_filer_id_user')),
        sa.ForeignKeyConstraint(['checker_id'], ['user.id'], name=op.f('fk_archivefiling_checker_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_archivefiling')),
        sa.UniqueConstraint('decision_id', name=op.f('uq_archivefiling_decision_id')),
        sa.UniqueConstraint('code', name=op.f('uq_archivefiling_code')),
        sa.UniqueConstraint('fonds', 'year', 'retention_code', 'item', name='uq_archivefiling_item'),
    )
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('archived_at', S(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.drop_column('archived_at')
    op.drop_table('archivefiling')
