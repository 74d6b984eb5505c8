"""append-only audit and evidence rows (database triggers); SM3 chain beside SHA-256

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 07:10:00

The database itself refuses UPDATE and DELETE (and on PostgreSQL TRUNCATE) on the record of a
decision: audit events and their SM3 links, evidence rows, meetings and each member's position
(dissent limits liability, Art 30¶3 and 38¶3). Errors carry the words "append-only".
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = ("auditevent", "auditsm3", "evidence", "meeting", "meetingposition")


def upgrade() -> None:
    op.create_table(
        'auditsm3',
        sa.Column('chain', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('sm3', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('chain', 'seq', name=op.f('pk_auditsm3')),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for table in APPEND_ONLY:
            for verb in ("UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_append_only_{verb.lower()} BEFORE {verb} ON {table} "
                           f"BEGIN SELECT RAISE(ABORT, 'append-only: {verb} on {table} refused'); END")
    elif dialect == "postgresql":
        op.execute("""
            CREATE OR REPLACE FUNCTION juece_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              RAISE EXCEPTION 'append-only: % on % refused', TG_OP, TG_TABLE_NAME
                USING ERRCODE = 'integrity_constraint_violation';
            END $$""")
        for table in APPEND_ONLY:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION juece_append_only()")
            op.execute(f"CREATE TRIGGER {table}_append_only_truncate BEFORE TRUNCATE ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION juece_append_only()")
    else:  # pragma: no cover
        raise RuntimeError(f"juece supports SQLite and PostgreSQL only; append-only triggers for {dialect!r} are not defined")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for table in APPEND_ONLY:
            for verb in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only_{verb}")
    elif dialect == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS juece_append_only()")
    op.drop_table('auditsm3')
