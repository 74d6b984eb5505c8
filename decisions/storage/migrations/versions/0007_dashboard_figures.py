"""the dashboard at province scale: days per stage as a number, slow-moving figures kept per scope (issue 7)

Revision ID: 0007
Revises: 0001
Create Date: 2026-11-24 09:00:00

A branch beside 0002–0006 (all on 0001): migrate() upgrades to "heads". Found with bench/scale.py on 100,000
generated decisions (bench/generate.py): the dashboard's median days per stage cast two text timestamps per
row of ~770,000 done stage rows and took 9 s for the whole province.

- stagestatus.days: the days a done stage took (left_at − entered_at, as a fraction of days), written by the
  service when a stage is left (decisions/service.py) and back-filled here for the stages already left, by
  one UPDATE per database (PostgreSQL: EXTRACT(EPOCH ...) of the two timestamptz; SQLite: julianday);
- dashboardfigure: the median days per stage of one reader's scope (decisions/workbench.py
  `_slow_figures`), with the time it was computed; refreshed by the worker's scan and recomputed on read
  when older than the freshness bound. A cache: its rows may be deleted at any time;
- dashboardorgan: the dashboard's additive counts of one organ (decisions by state, risk assessments,
  overdue reports and catalog items, catalog coverage by year) with the watermark they were computed after;
  exact — a visit recomputes the organs changed since (decisions/workbench.py `_organ_rows`). A cache too;
- decision (state, state_entered_at, id): the dashboard's list of overdue execution reports, read oldest in
  execution first and stopped at 50 (was: every decision in execution with its newest report, 95 ms);
- decision (organ_id, id): one organ's decisions as an index-only scan, for recomputing a changed organ's
  counts (its risk-assessment rate joins them with the flagged determinations: 28 → 15 ms for a city);
- PostgreSQL only, when the pg_trgm extension can be created (contrib; trusted, so the database owner may):
  trigram GIN indexes on `decision.code || ''` and `decision.title || ''`, so the workbench's search by a code
  fragment (`code || '' LIKE '%C05-2024%' OR ...`, a substring anywhere) is two bitmap index scans instead of
  a scan of every decision (113 ms → ~30 ms at 100,000). On the expression, not the column: a text without a
  trigram (a two-character Chinese word) would make the planner read every index entry, so the workbench
  sends only texts with one to the indexes (decisions/workbench.py `_TRIGRAM`) and the others plan as before.
  Without pg_trgm the search is unchanged, just slower.
"""
import logging

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DONE = "status = 'done' AND left_at != '' AND entered_at != ''"
TRGM = [("ix_decision_code_trgm", "code"), ("ix_decision_title_trgm", "title")]
log = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    with op.batch_alter_table('stagestatus', schema=None) as batch_op:
        batch_op.add_column(sa.Column('days', sa.Float(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE stagestatus SET days = EXTRACT(EPOCH FROM (CAST(left_at AS timestamptz) "
                   f"- CAST(entered_at AS timestamptz))) / 86400.0 WHERE {DONE}")
    else:
        op.execute(f"UPDATE stagestatus SET days = julianday(left_at) - julianday(entered_at) WHERE {DONE}")
    op.create_table(
        'dashboardfigure',
        sa.Column('scope', sa.String(length=64), nullable=False),
        sa.Column('organs', sa.Text(), nullable=False),
        sa.Column('computed_at', sa.String(length=40), nullable=False),
        sa.Column('figures', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('scope'),
    )
    op.create_table(
        'dashboardorgan',
        sa.Column('organ_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.String(length=10), nullable=False),
        sa.Column('state', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('organ_id'),
    )
    op.create_index('ix_decision_state_entered', 'decision', ['state', 'state_entered_at', 'id'], unique=False)
    op.create_index('ix_decision_organ_id_id', 'decision', ['organ_id', 'id'], unique=False)
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        try:
            with bind.begin_nested():  # a savepoint: without pg_trgm the rest of the migration still commits
                bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                for name, column in TRGM:
                    bind.exec_driver_sql(f"CREATE INDEX {name} ON decision USING gin (({column} || '') gin_trgm_ops)")
        except sa.exc.DBAPIError as e:
            log.warning("pg_trgm not available (%s): searching decisions scans them", e.orig)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, _column in TRGM:
            op.execute(f"DROP INDEX IF EXISTS {name}")
    op.drop_index('ix_decision_organ_id_id', table_name='decision')
    op.drop_index('ix_decision_state_entered', table_name='decision')
    op.drop_table('dashboardorgan')
    op.drop_table('dashboardfigure')
    with op.batch_alter_table('stagestatus', schema=None) as batch_op:
        batch_op.drop_column('days')
