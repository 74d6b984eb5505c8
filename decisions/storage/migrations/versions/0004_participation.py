"""public participation online: consultation, opinion ledger, published feedback (issue 8)

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-22 08:00:00

A branch beside 0002 and 0003 (all on 0001): migrate() upgrades to "heads". Opinions are never deleted
(moderation hides them): the database refuses DELETE on `opinion`, with the words "append-only".
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0004'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        'consultation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('decision_id', sa.Integer(), nullable=False),
        sa.Column('round', sa.Integer(), nullable=False),
        sa.Column('title', S(), nullable=False),
        sa.Column('explanation', S(), nullable=False),
        sa.Column('draft_evidence_id', sa.Integer(), nullable=False),
        sa.Column('notice_evidence_id', sa.Integer(), nullable=True),
        sa.Column('start', S(length=10), nullable=False),
        sa.Column('end', S(length=10), nullable=False),
        sa.Column('shortened_reason', S(), nullable=False),
        sa.Column('contact_required', sa.Boolean(), nullable=False),
        sa.Column('opened_by', S(), nullable=False),
        sa.Column('opened_at', S(), nullable=False),
        sa.ForeignKeyConstraint(['decision_id'], ['decision.id'], name=op.f('fk_consultation_decision_id_decision')),
        sa.ForeignKeyConstraint(['draft_evidence_id'], ['evidence.id'],
                                name=op.f('fk_consultation_draft_evidence_id_evidence')),
        sa.ForeignKeyConstraint(['notice_evidence_id'], ['evidence.id'],
                                name=op.f('fk_consultation_notice_evidence_id_evidence')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation')),
        sa.UniqueConstraint('decision_id', 'round', name='uq_consultation_decision_round'),
    )
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_decision_id'), ['decision_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consultation_end'), ['end'], unique=False)

    op.create_table(
        'opinion',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('decision_id', sa.Integer(), nullable=False),
        sa.Column('round', sa.Integer(), nullable=False),
        sa.Column('consultation_id', sa.Integer(), nullable=True),
        sa.Column('receipt', S(length=24), nullable=False),
        sa.Column('channel', S(length=16), nullable=False),
        sa.Column('content', S(), nullable=False),
        sa.Column('name', S(), nullable=False),
        sa.Column('contact', S(), nullable=False),
        sa.Column('client', S(length=64), nullable=False),
        sa.Column('submitted_at', S(), nullable=False),
        sa.Column('entered_by', S(), nullable=False),
        sa.Column('disposition', S(length=20), nullable=False),
        sa.Column('reason', S(), nullable=False),
        sa.Column('group_label', S(), nullable=False),
        sa.Column('draft_evidence_id', sa.Integer(), nullable=True),
        sa.Column('disposed_by', S(), nullable=False),
        sa.Column('disposed_at', S(), nullable=False),
        sa.Column('hidden', sa.Boolean(), nullable=False),
        sa.Column('hidden_reason', S(), nullable=False),
        sa.Column('hidden_by', S(), nullable=False),
        sa.Column('hidden_at', S(), nullable=False),
        sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'],
                                name=op.f('fk_opinion_consultation_id_consultation')),
        sa.ForeignKeyConstraint(['decision_id'], ['decision.id'], name=op.f('fk_opinion_decision_id_decision')),
        sa.ForeignKeyConstraint(['draft_evidence_id'], ['evidence.id'],
                                name=op.f('fk_opinion_draft_evidence_id_evidence')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_opinion')),
        sa.UniqueConstraint('receipt', name=op.f('uq_opinion_receipt')),
    )
    with op.batch_alter_table('opinion', schema=None) as batch_op:
        batch_op.create_index('ix_opinion_decision_round', ['decision_id', 'round'], unique=False)
        batch_op.create_index('ix_opinion_client_at', ['client', 'submitted_at'], unique=False)

    op.create_table(
        'participation_feedback',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('decision_id', sa.Integer(), nullable=False),
        sa.Column('round', sa.Integer(), nullable=False),
        sa.Column('filename', S(), nullable=False),
        sa.Column('sha256', S(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('counts', S(), nullable=False),
        sa.Column('published', sa.Boolean(), nullable=False),
        sa.Column('generated_by', S(), nullable=False),
        sa.Column('generated_at', S(), nullable=False),
        sa.ForeignKeyConstraint(['decision_id'], ['decision.id'],
                                name=op.f('fk_participation_feedback_decision_id_decision')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_participation_feedback')),
    )
    with op.batch_alter_table('participation_feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_participation_feedback_decision_id'), ['decision_id'], unique=False)

    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("CREATE TRIGGER opinion_append_only_delete BEFORE DELETE ON opinion "
                   "BEGIN SELECT RAISE(ABORT, 'append-only: DELETE on opinion refused'); END")
    elif dialect == "postgresql":
        op.execute("""
            CREATE OR REPLACE FUNCTION juece_no_delete() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              RAISE EXCEPTION 'append-only: % on % refused', TG_OP, TG_TABLE_NAME
                USING ERRCODE = 'integrity_constraint_violation';
            END $$""")
        op.execute("CREATE TRIGGER opinion_append_only BEFORE DELETE ON opinion "
                   "FOR EACH ROW EXECUTE FUNCTION juece_no_delete()")
        op.execute("CREATE TRIGGER opinion_append_only_truncate BEFORE TRUNCATE ON opinion "
                   "FOR EACH STATEMENT EXECUTE FUNCTION juece_no_delete()")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS opinion_append_only_delete")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS opinion_append_only ON opinion")
        op.execute("DROP TRIGGER IF EXISTS opinion_append_only_truncate ON opinion")
        op.execute("DROP FUNCTION IF EXISTS juece_no_delete()")
    op.drop_table('participation_feedback')
    with op.batch_alter_table('opinion', schema=None) as batch_op:
        batch_op.drop_index('ix_opinion_client_at')
        batch_op.drop_index('ix_opinion_decision_round')
    op.drop_table('opinion')
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_end'))
        batch_op.drop_index(batch_op.f('ix_consultation_decision_id'))
    op.drop_table('consultation')
