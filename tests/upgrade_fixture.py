"""Upgrade fixtures: a deployment made by one release, kept to prove that later releases migrate it.

``python -m tests.upgrade_fixture`` runs ``juece init``, ``juece demo`` and ``juece worker --once`` of this
checkout with the clock pinned (JUECE_NOW = `NOW`) in a temporary data directory and writes
``tests/fixtures/upgrade-<newest revision>.tar.gz``: the SQLite database (``VACUUM INTO``: one file, no WAL)
and the evidence store ``objects/``, with fixed member order, owners and times so that the same deployment
gives the same bytes. Make one with each release that adds a migration, and keep the old ones:
tests/test_upgrade.py migrates every one of them to head and verifies it.
"""

from __future__ import annotations

import gzip
import io
import os
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
NOW = "2026-03-02T09:00:00+08:00"


def _juece(data: Path, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUECE_")}
    env.update(JUECE_DATA_DIR=str(data), JUECE_NOW=NOW, PYTHONPATH=str(ROOT))
    subprocess.run([sys.executable, "-m", "decisions.cli", *args], env=env, check=True, stdout=subprocess.DEVNULL)


def revisions(db_file: Path) -> list[str]:
    with sqlite3.connect(db_file) as conn:
        return sorted(r[0] for r in conn.execute("SELECT version_num FROM alembic_version"))


def make(out_dir: Path = FIXTURES) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        _juece(data, "init")
        _juece(data, "demo")
        _juece(data, "worker", "--once")
        clean = Path(tmp) / "juece.db"
        with sqlite3.connect(data / "juece.db") as conn:
            conn.execute("VACUUM INTO ?", (str(clean),))
        newest = revisions(clean)[-1]
        members = [(clean, "juece.db")] + sorted(((p, p.relative_to(data).as_posix())
                                                   for p in (data / "objects").rglob("*") if p.is_file()),
                                                  key=lambda m: m[1])
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for path, name in members:
                info = tarfile.TarInfo(name)
                info.size, info.mode, info.mtime = path.stat().st_size, 0o644, 0
                with path.open("rb") as fh:
                    tar.addfile(info, fh)
        out_dir.mkdir(parents=True, exist_ok=True)
        target = out_dir / f"upgrade-{newest}.tar.gz"
        with target.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
            gz.write(buf.getvalue())
        return target


def extract(fixture: Path, data: Path) -> None:
    data.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fixture, "r:gz") as tar:
        tar.extractall(data, filter="data")


if __name__ == "__main__":
    path = make()
    print(f"{path} ({path.stat().st_size} bytes)")
