"""`juece backup PATH` / `juece restore PATH`: a consistent snapshot while the app runs; a restore into
an empty deployment gives identical rows and files and a clean verify; damaged backups are refused."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from decisions.cli import app
from decisions.integrity import backup
from decisions.integrity import service as integrity
from decisions.records import evidence_store
from decisions.storage import db
from tests.conftest import BACKEND
from tests.test_integrity import UniqueWalker


def cli(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(app, list(args))
    return r.exit_code, r.output


def export() -> list[dict]:
    """Every table's columns and rows (column types left out: they are spelt per database)."""
    with db.get_engine().connect() as conn:
        return [{k: v for k, v in rec.items() if k != "types"} for rec in backup.export_rows(conn)]


def files() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in evidence_store.iter_objects()}


def use_empty_deployment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest,
                         dialect: str = BACKEND) -> Path:
    """Point the environment at a new, empty deployment (nothing migrated, no store)."""
    data = tmp_path / f"restored-{dialect}"
    data.mkdir()
    if dialect == "postgresql":
        cluster = request.getfixturevalue("pg_cluster")
        name = cluster.create_database()
        url = cluster.url(name)
        request.addfinalizer(lambda: (db.dispose_engines(url), cluster.drop_database(name)))
    else:
        url = f"sqlite:///{data / 'juece.db'}"
        request.addfinalizer(lambda: db.dispose_engines(url))
    monkeypatch.setenv("JUECE_DATA_DIR", str(data))
    monkeypatch.setenv("JUECE_DATABASE_URL", url)
    return data


@pytest.fixture()
def record(org) -> tuple[list[dict], dict[str, bytes]]:
    w = UniqueWalker()
    w.walk_to("party_report")
    other = UniqueWalker().new("第二项决策 <b>HTML</b> '; DROP TABLE decision; --")
    other.do_proposed()
    assert integrity.verify()["ok"]
    return export(), files()


def test_round_trip_gives_identical_data_and_a_clean_verify(record, tmp_path, monkeypatch, request):
    rows, blobs = record
    code, out = cli("backup", str(tmp_path / "b1"), "--json")
    assert code == 0, out
    r = json.loads(out)
    assert r["objects"] == len(blobs) and r["rows"] > 50
    manifest = json.loads((tmp_path / "b1" / "manifest.json").read_text())
    assert set(manifest["objects"]) == set(blobs) and manifest["revisions"]
    use_empty_deployment(tmp_path, monkeypatch, request)
    code, out = cli("restore", str(tmp_path / "b1"), "--json")
    assert code == 0, out
    assert json.loads(out)["verify"]["ok"] is True
    assert export() == rows
    assert files() == blobs
    assert cli("verify")[0] == 0
    # the restored deployment keeps working: new ids continue after the restored ones
    w = UniqueWalker().new("恢复后新建")
    w.do_proposed()
    assert integrity.verify()["ok"]


def test_restore_across_databases(record, tmp_path, monkeypatch, request):
    """The export is portable: SQLite → SQLite always; PostgreSQL → SQLite in the PostgreSQL run."""
    rows, blobs = record
    assert backup.backup(tmp_path / "b")["objects"] == len(blobs)
    use_empty_deployment(tmp_path, monkeypatch, request, dialect="sqlite")
    backup.restore(tmp_path / "b")
    assert export() == rows and files() == blobs and integrity.verify()["ok"]


def test_damaged_or_misplaced_backups_are_refused(record, tmp_path, monkeypatch, request, env):
    backup.backup(tmp_path / "b")
    # into a deployment that is not empty: exit 2, nothing changed
    before = export()
    code, out = cli("restore", str(tmp_path / "b"))
    assert code == 2 and "empty" in out
    assert export() == before
    # to a target that exists and is not empty
    assert cli("backup", str(tmp_path / "b"))[0] == 2
    assert cli("restore", str(tmp_path / "nothing-here"))[0] == 2
    use_empty_deployment(tmp_path, monkeypatch, request)
    # one changed byte in an evidence file of the backup
    obj = next((tmp_path / "b" / "objects").glob("*/*"))
    original = obj.read_bytes()
    obj.write_bytes(original[:-2] + bytes([original[-2] ^ 1]) + original[-1:])
    code, out = cli("restore", str(tmp_path / "b"))
    assert code == 6 and obj.name in out and "expected sha256" in out
    obj.write_bytes(original)
    # a missing evidence file, then an edited database export
    obj.unlink()
    code, out = cli("restore", str(tmp_path / "b"))
    assert code == 6 and "found nothing" in out
    obj.write_bytes(original)
    dump = tmp_path / "b" / "database.jsonl"
    text = dump.read_text("utf-8")
    dump.write_text(text.replace("第二项决策", "第三项决策"), "utf-8")
    code, out = cli("restore", str(tmp_path / "b"))
    assert code == 6 and "database.jsonl" in out
    dump.write_text(text, "utf-8")
    # a manifest naming a file outside the backup, or malformed
    mf = tmp_path / "b" / "manifest.json"
    good = mf.read_text("utf-8")
    m = json.loads(good)
    m["objects"]["../../../../etc/passwd"] = 1
    mf.write_text(json.dumps(m), "utf-8")
    assert cli("restore", str(tmp_path / "b"))[0] == 6
    mf.write_text("{not json", "utf-8")
    assert cli("restore", str(tmp_path / "b"))[0] == 6
    mf.write_text(json.dumps({"format": "something-else"}), "utf-8")
    assert cli("restore", str(tmp_path / "b"))[0] == 2
    mf.write_text(good, "utf-8")
    # nothing was written by the refused restores: the target is still empty, and then it restores
    assert not list(evidence_store.iter_objects())
    assert cli("restore", str(tmp_path / "b"))[0] == 0


def test_backup_while_the_app_keeps_writing(org, tmp_path, monkeypatch, request):
    """A child process attaches evidence in a loop while backups are taken: each restores clean."""
    w = UniqueWalker().new()
    w.do_proposed()
    db.dispose_engines()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        code = 0
        try:
            db.dispose_engines(close=False)
            from decisions.procedure import service

            i = 0
            while True:
                i += 1
                data = f"%PDF-1.4\n% busy writer {i}\n%%EOF\n".encode()
                service.add_evidence(w.id, kind="proposal", filename=f"p{i}.pdf", data=data,
                                     meta={"source": "department"}, as_user="organ")
        except BaseException:  # noqa: BLE001
            code = 1
        os._exit(code)
    def rows_now() -> int:
        with db.get_engine().connect() as conn:
            return conn.execute(text("SELECT count(*) FROM evidence")).scalar_one()

    def wait_for_more(than: int) -> None:  # the writer is slow on a loaded machine: wait for it
        deadline = time.monotonic() + 60
        while rows_now() <= than and time.monotonic() < deadline:
            time.sleep(0.05)

    try:
        wait_for_more(4)
        taken = []
        for n in range(3):
            taken.append(backup.backup(tmp_path / f"live{n}"))
            wait_for_more(taken[-1]["tables"]["evidence"])
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    assert taken[-1]["objects"] > taken[0]["objects"] > 2, taken  # the writer kept writing during the backups
    assert integrity.verify()["ok"]
    for n in range(3):
        use_empty_deployment(tmp_path / f"r{n}", monkeypatch, request) if (tmp_path / f"r{n}").mkdir() is None \
            else None
        r = backup.restore(tmp_path / f"live{n}")
        assert r["verify"]["ok"] and r["objects"] == taken[n]["objects"]
