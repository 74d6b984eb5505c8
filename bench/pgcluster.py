"""A throw-away PostgreSQL cluster for the benchmarks (tests/pg.py's Cluster, with server settings sized for
a province rather than a test: larger shared buffers and work memory, and durability on unless asked off).

Why not tests.pg.Cluster.start() with its defaults: shared_buffers of 64 MB and fsync off are right for a test
session and wrong for measuring a province's database.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.pg import Cluster, pg_bin  # noqa: E402


def start(*, durable: bool = True, shared_buffers: str = "1GB") -> Cluster:
    """initdb + pg_ctl start on a unix socket only; stopped and removed at exit.

    ``durable=False`` turns fsync and synchronous commit off (bulk loading a throw-away database)."""
    if pg_bin() is None:
        raise SystemExit("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin (or JUECE_PG_BIN)")
    settings = ["max_connections=200", f"shared_buffers={shared_buffers}", "work_mem=32MB",
                "maintenance_work_mem=256MB", "effective_cache_size=8GB", "max_wal_size=4GB", "random_page_cost=1.1"]
    if not durable:
        settings += ["fsync=off", "synchronous_commit=off", "full_page_writes=off"]
    return Cluster.start(settings, timeout=120)


def version(c: Cluster) -> str:
    """The server's version string, for the printed header."""
    import psycopg

    with psycopg.connect(host=str(c.sockdir), user="postgres", dbname="postgres") as conn:
        row = conn.execute("SHOW server_version").fetchone()
        return str(row[0]) if row else "?"
