"""A throw-away PostgreSQL cluster for the tests, from the installed server binaries.

``Cluster.start()`` runs ``initdb`` and ``pg_ctl`` from ``/usr/lib/postgresql/*/bin`` (or
``$JUECE_PG_BIN``) in a fresh directory under /tmp, listening on a unix socket only (no TCP), with
durability switched off (it lives for one test session). initdb refuses to run as root, so as root
the server runs as the ``postgres`` system user (``runuser``). Each test gets its own database,
created from a migrated template database in a few milliseconds.
"""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from decisions.storage.pgcluster import as_server, give_to, initdb, pg_ctl_start, server_user
from decisions.storage.pgcluster import find_bin as pg_bin

#: a test session's server: no durability, small buffers
THROWAWAY = ["fsync=off", "synchronous_commit=off", "full_page_writes=off", "max_connections=200",
             "shared_buffers=64MB"]


@dataclass
class Cluster:
    base: Path
    bin: Path
    run_as: str | None
    _counter: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def datadir(self) -> Path:
        return self.base / "data"

    @property
    def sockdir(self) -> Path:
        return self.base / "sock"

    def _cmd(self, *args: str) -> list[str]:
        return as_server(self.run_as, *args)

    @classmethod
    def start(cls, settings: list[str] | None = None, timeout: int = 60) -> Cluster:
        """A cluster in a fresh directory under /tmp; by default durability off (it lives for one test session)."""
        bindir = pg_bin()
        if bindir is None:
            raise RuntimeError("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin "
                               "(apt-get install postgresql, or set JUECE_PG_BIN)")
        base = Path(tempfile.mkdtemp(prefix="jpg-", dir="/tmp"))
        c = cls(base, bindir, server_user())
        c.sockdir.mkdir()
        give_to(c.run_as, base, c.sockdir)
        initdb(bindir, c.datadir, c.run_as, no_sync=True)
        pg_ctl_start(bindir, c.datadir, base / "server.log", c.sockdir, c.run_as,
                     settings if settings is not None else THROWAWAY, timeout)
        owner = os.getpid()
        atexit.register(lambda: c.stop() if os.getpid() == owner else None)  # not from a forked child
        return c

    def stop(self) -> None:
        if not self.base.exists():
            return
        subprocess.run(self._cmd(str(self.bin / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate", "-w", "stop"),
                       check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(self.base, ignore_errors=True)

    def url(self, dbname: str) -> str:
        return f"postgresql+psycopg://postgres@/{dbname}?host={self.sockdir}"

    def admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(host=str(self.sockdir), user="postgres", dbname="postgres", autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def create_database(self, template: str | None = None) -> str:
        name = f"juece_{os.getpid()}_{next(self._counter)}"
        self.admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return name

    def drop_database(self, name: str) -> None:
        self.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
