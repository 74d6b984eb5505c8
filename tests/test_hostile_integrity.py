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


# ----------------------------------------------------------------- 3. backup and restore under attack
def _table_rows() -> dict[str, int]:
    from sqlalchemy import inspect, text

    engine = get_engine()
    with engine.connect() as conn:
        return {t: conn.execute(text(f'SELECT COUNT(*) FROM "{t}"')).scalar_one()
                for t in inspect(engine).get_table_names() if t != "alembic_version"}


def test_backup_of_an_edited_audit_row_is_refused(org, tmp_path):
    from tests.tamper import tamper

    w = Walker().walk_to("drafting")
    tamper("UPDATE auditevent SET actor = 'intruder' WHERE chain = :c AND seq = 2", c=w.id)
    code, out = cli("backup", str(tmp_path / "b"))
    assert code == 6, out
    assert "does not verify" in out and "altered" in out
    assert not (tmp_path / "b").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".b.tmp-")]


def test_restore_is_all_or_nothing(org, tmp_path, monkeypatch, request):
    import hashlib

    from tests.test_backup import use_empty_deployment

    Walker().walk_to("drafting")
    good = tmp_path / "good"
    assert cli("backup", str(good))[0] == 0
    # a forged backup whose hashes agree: one audit event's actor changed, database.jsonl's hash recomputed
    bad = tmp_path / "bad"
    shutil.copytree(good, bad)
    lines = (bad / "database.jsonl").read_text("utf-8").splitlines(keepends=True)
    at = next(i for i, ln in enumerate(lines) if '"drafter"' in ln and i > next(
        j for j, x in enumerate(lines) if x.startswith('{"table":"auditevent"')))
    lines[at] = lines[at].replace('"drafter"', '"intruder"', 1)
    (bad / "database.jsonl").write_text("".join(lines), "utf-8")
    manifest = json.loads((bad / "manifest.json").read_text("utf-8"))
    manifest["database"]["sha256"] = hashlib.sha256((bad / "database.jsonl").read_bytes()).hexdigest()
    (bad / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    # a truncated one: the last row line cut in half (hash recomputed too)
    cut = tmp_path / "cut"
    shutil.copytree(good, cut)
    data = (cut / "database.jsonl").read_bytes()
    (cut / "database.jsonl").write_bytes(data[: len(data) - 40])
    manifest = json.loads((cut / "manifest.json").read_text("utf-8"))
    manifest["database"]["sha256"] = hashlib.sha256((cut / "database.jsonl").read_bytes()).hexdigest()
    (cut / "manifest.json").write_text(json.dumps(manifest), "utf-8")

    data_dir = use_empty_deployment(tmp_path, monkeypatch, request)
    for forged in (bad, cut):
        code, out = cli("restore", str(forged))
        assert code == 6, out
        assert "Traceback" not in out
        assert set(_table_rows().values()) == {0}, _table_rows()  # nothing kept
        assert not list(evidence_store.iter_objects()), "files of a failed restore were left in the store"
    assert "altered" in cli("restore", str(bad))[1]
    code, out = cli("restore", str(good), "--json")
    assert code == 0, out
    assert json.loads(out)["verify"]["ok"] is True
    assert integrity.verify()["ok"]
    assert data_dir.is_dir()
