"""A throw-away PostgreSQL cluster for the tests, from the installed server binaries.

``Cluster.start()`` runs ``initdb`` and ``pg_ctl`` from ``/usr/lib/postgresql/*/bin`` (or
``$JUECE_PG_BIN``) in a fresh directory under /tmp, listening on a unix socket only (no TCP), with
durability switched off (it lives for one test session). initdb refuses to run as root, so as root
the server runs as the ``postgres`` system user (``runuser``). Each test gets its own database,
created from a migrated template database in a few milliseconds.
"""

from __future__ import annotations

import atexit
import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path


def pg_bin() -> Path | None:
    """The newest installed server's bin directory, or None."""
    explicit = os.environ.get("JUECE_PG_BIN")
    if explicit:
        return Path(explicit)
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0)
    return Path(found[-1]).parent if found else None


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
        return ["runuser", "-u", self.run_as, "--", *args] if self.run_as else list(args)

    @classmethod
    def start(cls) -> Cluster:
        bindir = pg_bin()
        if bindir is None:
            raise RuntimeError("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin "
                               "(apt-get install postgresql, or set JUECE_PG_BIN)")
        run_as = None
        base = Path(tempfile.mkdtemp(prefix="jpg-", dir="/tmp"))
        if os.geteuid() == 0:
            run_as = os.environ.get("JUECE_PG_USER", "postgres")
            pw = pwd.getpwnam(run_as)
            os.chown(base, pw.pw_uid, pw.pw_gid)
        c = cls(base, bindir, run_as)
        c.sockdir.mkdir()
        if run_as:
            os.chown(c.sockdir, pw.pw_uid, pw.pw_gid)
        subprocess.run(c._cmd(str(bindir / "initdb"), "-D", str(c.datadir), "-U", "postgres", "-A", "trust",
                              "-E", "UTF8", "--locale=C", "--no-sync"),
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        opts = (f"-k {c.sockdir} -c listen_addresses='' -c fsync=off -c synchronous_commit=off "
                "-c full_page_writes=off -c max_connections=200 -c shared_buffers=64MB")
        subprocess.run(c._cmd(str(bindir / "pg_ctl"), "-D", str(c.datadir), "-l", str(c.base / "server.log"),
                              "-o", opts, "-w", "-t", "60", "start"),
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
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
