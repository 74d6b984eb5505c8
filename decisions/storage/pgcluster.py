"""A local PostgreSQL cluster for `make run-pg`: the installed server binaries, a unix socket, no root needed.

    python -m decisions.storage.pgcluster start [--dir var/pg]   # initdb once, pg_ctl start, CREATE DATABASE juece
    python -m decisions.storage.pgcluster url   [--dir var/pg]   # prints JUECE_DATABASE_URL for it
    python -m decisions.storage.pgcluster stop  [--dir var/pg]

The binaries are found under `/usr/lib/postgresql/*/bin` (or ``$JUECE_PG_BIN``); the test clusters
(tests/pg.py) and the benchmarks' (bench/pgcluster.py) are made with the same functions below.
The cluster listens on a unix socket in ``DIR/sock`` only (no TCP) and keeps the server's durability
defaults: it is a deployment for trying juece on PostgreSQL, not a throw-away test cluster. initdb refuses
to run as root; as root the server runs as the ``postgres`` system user (``runuser``), like the tests.
"""

from __future__ import annotations

import argparse
import glob
import os
import pwd
import subprocess
import sys
from pathlib import Path

DB_NAME = "juece"
SUPERUSER = "postgres"


def find_bin() -> Path | None:
    """The newest installed server's bin directory (or $JUECE_PG_BIN), None when there is none."""
    explicit = os.environ.get("JUECE_PG_BIN")
    if explicit:
        return Path(explicit)
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0)
    return Path(found[-1]).parent if found else None


def pg_bin() -> Path:
    """``find_bin()``, or exit saying how to install the server."""
    found = find_bin()
    if found is None:
        raise SystemExit("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin "
                         "(apt-get install postgresql, or set JUECE_PG_BIN) / 未找到 PostgreSQL 服务器程序")
    return found


def server_user() -> str | None:
    """Who runs the server: initdb refuses root, so as root the ``postgres`` system user ($JUECE_PG_USER)."""
    return os.environ.get("JUECE_PG_USER", "postgres") if os.geteuid() == 0 else None


def as_server(user: str | None, *args: str) -> list[str]:
    """The command line run as the server's user."""
    return ["runuser", "-u", user, "--", *args] if user else list(args)


def give_to(user: str | None, *paths: Path) -> None:
    """Hand the directories the server writes to its user (when running as root)."""
    if user:
        pw = pwd.getpwnam(user)
        for path in paths:
            os.chown(path, pw.pw_uid, pw.pw_gid)


def initdb(bindir: Path, data: Path, user: str | None, *, no_sync: bool = False) -> None:
    """A new cluster in `data`: superuser postgres, trust on the socket, UTF-8, C locale."""
    subprocess.run(as_server(user, str(bindir / "initdb"), "-D", str(data), "-U", SUPERUSER, "-A", "trust",
                             "-E", "UTF8", "--locale=C", *(["--no-sync"] if no_sync else [])),
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def pg_ctl_start(bindir: Path, data: Path, log: Path, sock: Path, user: str | None, settings: list[str],
                 timeout: int = 60) -> None:
    """Start the server on a unix socket in `sock` only (no TCP), with these ``-c name=value`` settings."""
    opts = " ".join([f"-k {sock}", "-c listen_addresses=''", *(f"-c {x}" for x in settings)])
    subprocess.run(as_server(user, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", opts,
                             "-w", "-t", str(timeout), "start"),
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def url(base: Path) -> str:
    """The JUECE_DATABASE_URL of the cluster in `base`."""
    return f"postgresql://{SUPERUSER}@/{DB_NAME}?host={(base / 'sock').resolve()}"


def running(base: Path) -> bool:
    data = base / "data"
    if not (data / "PG_VERSION").exists():
        return False
    return subprocess.run(as_server(server_user(), str(pg_bin() / "pg_ctl"), "-D", str(data), "status"),
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0


def start(base: Path) -> str:
    """Create the cluster on first use, start it when stopped, create the database; return its URL."""
    base = base.resolve()
    bindir = pg_bin()
    data, sock = base / "data", base / "sock"
    sock.mkdir(parents=True, exist_ok=True)
    user = server_user()
    give_to(user, base, sock, *([data] if data.exists() else []))
    if not (data / "PG_VERSION").exists():
        initdb(bindir, data, user)
    if not running(base):
        pg_ctl_start(bindir, data, base / "server.log", sock, user, [])
    import psycopg

    with psycopg.connect(host=str(sock), user=SUPERUSER, dbname="postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,)).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    return url(base)


def stop(base: Path) -> None:
    base = base.resolve()
    if running(base):
        subprocess.run(as_server(server_user(), str(pg_bin() / "pg_ctl"), "-D", str(base / "data"), "-m", "fast",
                                 "-w", "stop"), check=True, stdout=subprocess.DEVNULL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m decisions.storage.pgcluster", description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["start", "stop", "url", "status"])
    parser.add_argument("--dir", default="var/pg", help="cluster directory (default: var/pg)")
    args = parser.parse_args(argv)
    base = Path(args.dir)
    if args.action == "start":
        print(start(base))
    elif args.action == "stop":
        stop(base)
    elif args.action == "url":
        print(url(base))
    else:
        state = running(base)
        print("running" if state else "stopped")
        return 0 if state else 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
