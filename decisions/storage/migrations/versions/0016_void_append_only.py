"""the void record (evidence_void) append-only like the audit tables: a voided upload cannot be quietly restored
(a void row deleted) nor its reason or author rewritten (issue 15/16: voided evidence everywhere)

Revision ID: 0016_void_append_only
Revises: 0014_evidence_void
Create Date: 2026-12-07 09:30:00

The same triggers as 0002 puts on the record (SQLite: BEFORE UPDATE and BEFORE DELETE raising; PostgreSQL: a row
trigger on UPDATE OR DELETE and a statement trigger on TRUNCATE, running 0002's juece_append_only(), hence
``depends_on`` 0002: the function exists first whatever order the branches upgrade in). Errors carry the words
"append-only"; decisions/storage/append_only.py lists the table, so `juece verify` checks these triggers and
`juece init` restores them.
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0016_void_append_only'
down_revision: str | None = '0014_evidence_void'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = '0002'

TABLE = "evidence_void"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {TABLE}_append_only_{verb.lower()} BEFORE {verb} ON {TABLE} "
                       f"BEGIN SELECT RAISE(ABORT, 'append-only: {verb} on {TABLE} refused'); END")
    elif dialect == "postgresql":
        op.execute(f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
                   "FOR EACH ROW EXECUTE FUNCTION juece_append_only()")
        op.execute(f"CREATE TRIGGER {TABLE}_append_only_truncate BEFORE TRUNCATE ON {TABLE} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION juece_append_only()")
    else:  # pragma: no cover
        raise RuntimeError(f"juece supports SQLite and PostgreSQL only; append-only triggers for {dialect!r} "
                           "are not defined")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only_{verb}")
    elif dialect == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}")
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only_truncate ON {TABLE}")
