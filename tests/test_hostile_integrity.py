"""Hold under attack (issue "Hold under attack"): what an intruder with access to the database or the disk can
do, and what juece must then say. Each test reproduces one finding:

* a damaged SQLite page is an integrity failure (exit 6, JSON under ``--json``), not a traceback, and a command
  that writes refuses on it; a full disk is one clear line;
"""

from __future__ import annotations

import errno
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from typer.main import get_command

from decisions.cli import app
from decisions.errors import IntegrityFailure
from decisions.integrity import service as integrity
from decisions.records import evidence_store
from decisions.storage import db
from decisions.storage.db import dispose_engines, get_engine
from decisions.storage.unit_of_work import translate
from tests.helpers import Walker

COMMAND = get_command(app)


def cli(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(COMMAND, list(args), catch_exceptions=False)
    return r.exit_code, r.output




def _require_sqlite() -> None:
    if not db.is_sqlite():
        pytest.skip("a page of a SQLite file (PostgreSQL checks its own blocks)")


# ----------------------------------------------------------------- 2. a damaged page
def _damaged_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the deployment's database with the root pages of the audit trail overwritten."""
    src = db.sqlite_path()
    assert src is not None
    with get_engine().connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    dispose_engines()
    copy = tmp_path / "damaged.db"
    shutil.copyfile(src, copy)
    with sqlite3.connect(copy) as con:
        page = con.execute("PRAGMA page_size").fetchone()[0]
        roots = [r for (r,) in con.execute("SELECT rootpage FROM sqlite_master WHERE tbl_name IN "
                                           "('auditevent', 'auditsm3', 'decision') AND rootpage > 1")]
    con.close()
    assert roots
    with copy.open("r+b") as fh:
        for root in roots:
            fh.seek((root - 1) * page)
            fh.write(b"\xa5" * page)
    monkeypatch.setenv("JUECE_DATABASE_URL", f"sqlite:///{copy}")
    return copy


def test_a_damaged_page_is_an_integrity_failure_with_json(org, tmp_path, monkeypatch):
    _require_sqlite()
    Walker().walk_to("drafting")
    _damaged_copy(tmp_path, monkeypatch)
    code, out = cli("verify", "--json")
    assert code == 6, out
    result = json.loads(out)
    assert result["ok"] is False and result["database_damaged"] is True
    assert any("damaged" in p for p in result["problems"]), result
    code, out = cli("verify")
    assert code == 6 and "damaged" in out and "Traceback" not in out


def test_a_write_command_refuses_a_damaged_database(org, tmp_path, monkeypatch):
    _require_sqlite()
    Walker().walk_to("drafting")
    _damaged_copy(tmp_path, monkeypatch)
    code, out = cli("decision", "new", "--title", "损坏后", "--organ", "CITY", "--undertaker", "CITY-DRC",
                    "--category", "2", "--source", "department", "--as", "organ")
    assert code == 6, out
    assert "damaged" in out and "Traceback" not in out
    assert len(out.strip().splitlines()) == 1
    code, out = cli("--json", "decision", "new", "--title", "损坏后", "--organ", "CITY", "--undertaker",
                    "CITY-DRC", "--category", "2", "--source", "department", "--as", "organ")
    assert code == 6 and json.loads(out)["error"] == "IntegrityFailure"


def test_a_full_disk_is_one_clear_line(org, monkeypatch):
    from sqlalchemy.exc import OperationalError

    mapped = translate(OperationalError("INSERT", {}, sqlite3.OperationalError("database or disk is full")))
    assert isinstance(mapped, IntegrityFailure) and "disk is full" in mapped.message

    def full(*_a: object, **_k: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    w = Walker().walk_to("drafting")
    monkeypatch.setattr(evidence_store.tempfile, "mkstemp", full)
    with pytest.raises(IntegrityFailure, match="disk is full"):
        w.ev("draft", data=b"%PDF-1.4\n% full disk\n%%EOF")
    assert integrity.verify()["ok"]
