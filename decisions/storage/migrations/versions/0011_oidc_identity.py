"""single sign-on identities bound by issuer and subject (issue "Hold under attack")

Revision ID: 0011_oidc_identity
Revises: 0001
Create Date: 2026-12-07 03:20:00

A branch beside the others on 0001: migrate() upgrades to "heads". An OIDC login maps to a local user only
through a row here (issuer + subject, unique) or a verified e-mail in an allowed domain, never by name.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0011_oidc_identity'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'user_identity',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('issuer', sqlmodel.sql.sqltypes.AutoString(length=512), nullable=False),
        sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column('linked_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('linked_at', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_user_identity_user_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_user_identity')),
        sa.UniqueConstraint('issuer', 'subject', name='uq_user_identity_issuer_subject'),
    )
    op.create_index(op.f('ix_user_identity_user_id'), 'user_identity', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_user_identity_user_id'), table_name='user_identity')
    op.drop_table('user_identity')
