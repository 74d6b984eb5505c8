"""registers (procedure.md §8): an organ's meeting members, its legality-review office, a decision's experts

Revision ID: 0012_registers
Revises: 0001
Create Date: 2026-12-07 03:30:00

A branch beside the others (all on 0001): migrate() upgrades to "heads".

- organmember: who sits on an organ's body (会议组成人员, Art 30) from which day to which day, the head flagged;
- reviewoffice: the office that does an organ's legality review (Art 25), one per organ;
- expertassignment: the experts the undertaking unit chose for a decision (Art 20), with their declaration.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0012_registers'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        'organmember',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organ_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('from_date', S(length=10), nullable=False),
        sa.Column('to_date', S(length=10), nullable=False),
        sa.Column('title', S(), nullable=False),
        sa.Column('is_head', sa.Boolean(), nullable=False),
        sa.Column('by_user_id', sa.Integer(), nullable=True),
        sa.Column('at', S(), nullable=False),
        sa.ForeignKeyConstraint(['organ_id'], ['office.id'], name=op.f('fk_organmember_organ_id_office')),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_organmember_user_id_user')),
        sa.ForeignKeyConstraint(['by_user_id'], ['user.id'], name=op.f('fk_organmember_by_user_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_organmember')),
    )
    with op.batch_alter_table('organmember', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organmember_organ_id'), ['organ_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_organmember_user_id'), ['user_id'], unique=False)
    op.create_table(
        'reviewoffice',
        sa.Column('organ_id', sa.Integer(), nullable=False),
        sa.Column('office_id', sa.Integer(), nullable=False),
        sa.Column('by_user_id', sa.Integer(), nullable=True),
        sa.Column('at', S(), nullable=False),
        sa.ForeignKeyConstraint(['organ_id'], ['office.id'], name=op.f('fk_reviewoffice_organ_id_office')),
        sa.ForeignKeyConstraint(['office_id'], ['office.id'], name=op.f('fk_reviewoffice_office_id_office')),
        sa.ForeignKeyConstraint(['by_user_id'], ['user.id'], name=op.f('fk_reviewoffice_by_user_id_user')),
        sa.PrimaryKeyConstraint('organ_id', name=op.f('pk_reviewoffice')),
    )
    op.create_table(
        'expertassignment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('decision_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('declaration', S(), nullable=False),
        sa.Column('by_user_id', sa.Integer(), nullable=False),
        sa.Column('at', S(), nullable=False),
        sa.ForeignKeyConstraint(['decision_id'], ['decision.id'],
                                name=op.f('fk_expertassignment_decision_id_decision')),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_expertassignment_user_id_user')),
        sa.ForeignKeyConstraint(['by_user_id'], ['user.id'], name=op.f('fk_expertassignment_by_user_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_expertassignment')),
        sa.UniqueConstraint('decision_id', 'user_id', name='uq_expertassignment_decision_id'),
    )
    with op.batch_alter_table('expertassignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expertassignment_decision_id'), ['decision_id'], unique=False)


def downgrade() -> None:
    op.drop_table('expertassignment')
    op.drop_table('reviewoffice')
    op.drop_table('organmember')
