"""A throw-away PostgreSQL cluster for the benchmarks (tests/pg.py's Cluster, with server settings sized for
a province rather than a test: larger shared buffers and work memory, and durability on unless asked off).

Why not tests.pg.Cluster.start() as is: it fixes shared_buffers at 64 MB and turns fsync off, which is
right for a test session and wrong for measuring a province's database.
"""

from __future__ import annotations

import atexit
import os
import pwd
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.pg import Cluster, pg_bin  # noqa: E402


def start(*, durable: bool = True, shared_buffers: str = "1GB") -> Cluster:
    """initdb + pg_ctl start on a unix socket only; stopped and removed at exit.

    ``durable=False`` turns fsync and synchronous commit off (bulk loading a throw-away database)."""
    bindir = pg_bin()
    if bindir is None:
        raise SystemExit("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin (or JUECE_PG_BIN)")
    base = Path(tempfile.mkdtemp(prefix="jpg-bench-", dir="/tmp"))
    run_as = None
    if os.geteuid() == 0:
        run_as = os.environ.get("JUECE_PG_USER", "postgres")
        pw = pwd.getpwnam(run_as)
        os.chown(base, pw.pw_uid, pw.pw_gid)
    c = Cluster(base, bindir, run_as)
    c.sockdir.mkdir()
    if run_as:
        os.chown(c.sockdir, pw.pw_uid, pw.pw_gid)
    subprocess.run(c._cmd(str(bindir / "initdb"), "-D", str(c.datadir), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                          "--locale=C", "--no-sync"), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    opts = [f"-k {c.sockdir}", "-c listen_addresses=''", "-c max_connections=200",
            f"-c shared_buffers={shared_buffers}", "-c work_mem=32MB", "-c maintenance_work_mem=256MB",
            "-c effective_cache_size=8GB", "-c max_wal_size=4GB", "-c random_page_cost=1.1"]
    if not durable:
        opts += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
    subprocess.run(c._cmd(str(bindir / "pg_ctl"), "-D", str(c.datadir), "-l", str(base / "server.log"),
                          "-o", " ".join(opts), "-w", "-t", "120", "start"),
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    owner = os.getpid()
    atexit.register(lambda: c.stop() if os.getpid() == owner else None)
    return c


def version(c: Cluster) -> str:
    """The server's version string, for the printed header."""
    import psycopg

    with psycopg.connect(host=str(c.sockdir), user="postgres", dbname="postgres") as conn:
        row = conn.execute("SHOW server_version").fetchone()
        return str(row[0]) if row else "?"
