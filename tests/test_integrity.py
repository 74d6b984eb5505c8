"""Nothing forged: `juece verify` finds one changed byte in any evidence file, a missing file, any
edited, deleted or reordered audit row, and rows that no longer match the trail; the database itself
refuses UPDATE and DELETE on the record; the SM3 chain runs beside the SHA-256 one."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from typer.testing import CliRunner

from decisions.cli import app
from decisions.errors import IntegrityFailure
from decisions.integrity import service as integrity
from decisions.procedure.models import Evidence
from decisions.records import audit, evidence_store
from decisions.records.models import AuditEvent, AuditSm3
from decisions.storage.db import get_engine
from decisions.storage.unit_of_work import UnitOfWork
from tests.helpers import PDF, Walker
from tests.tamper import rows, scalar, tamper


class UniqueWalker(Walker):
    """Every attached file has its own bytes (the store is content-addressed)."""

    n: int = 0

    def ev(self, kind: str, user: str = "drafter", name: str | None = None, data: bytes = PDF, **meta: str) -> dict:
        UniqueWalker.n += 1
        data = data.replace(b"%%EOF", f"% {kind} {UniqueWalker.n}\n%%EOF".encode())
        return super().ev(kind, user=user, name=name, data=data, **meta)


def cli(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(app, list(args))
    return r.exit_code, r.output


@pytest.fixture()
def walked(org) -> UniqueWalker:
    w = UniqueWalker()
    w.walk_to("party_report")
    return w


def problems(ident: int | None = None) -> list[str]:
    return integrity.verify(ident)["problems"]


def test_clean_record_verifies_with_exit_0(walked):
    r = integrity.verify()
    assert r["ok"], r["problems"]
    assert r["evidence_checked"] >= 10 and r["events_checked"] > 20
    assert r["sm3"] is True and all(h["sm3"] for h in r["heads"].values())
    code, out = cli("verify")
    assert code == 0 and "核验通过" in out
    code, out = cli("verify", str(walked.id), "--json")
    assert code == 0 and json.loads(out)["ok"] is True


def test_one_changed_byte_in_any_evidence_file_is_found(walked):
    evidence = rows("SELECT id, sha256, filename FROM evidence ORDER BY id")
    assert len(evidence) >= 10
    for ev_id, sha, filename in evidence:
        path = evidence_store.path_for(sha)
        original = path.read_bytes()
        pos = len(original) // 2
        path.write_bytes(original[:pos] + bytes([original[pos] ^ 0x01]) + original[pos + 1:])
        found = problems()
        assert len(found) == 1, found
        flipped = hashlib.sha256(path.read_bytes()).hexdigest()
        assert f"evidence #{ev_id} ({filename}" in found[0]
        assert f"expected sha256 {sha}" in found[0] and f"found sha256 {flipped}" in found[0]
        path.write_bytes(original)
    assert problems() == []


def test_missing_and_truncated_files_exit_6_naming_each(walked):
    a, b = rows("SELECT id, sha256, filename FROM evidence ORDER BY id")[:2]
    evidence_store.path_for(a[1]).unlink()
    p = evidence_store.path_for(b[1])
    p.write_bytes(p.read_bytes()[:-1])
    code, out = cli("verify")
    assert code == 6
    assert f"evidence #{a[0]} ({a[2]}" in out and "file missing" in out and a[1] in out
    assert f"evidence #{b[0]} ({b[2]}" in out and "file changed" in out
    code, out = cli("verify", "--json")
    assert code == 6 and len(json.loads(out)["problems"]) == 2


def test_edited_deleted_reordered_audit_rows_are_found(walked):
    d = walked.id
    n = scalar("SELECT count(*) FROM auditevent WHERE chain = :d", d=d)
    assert n > 15
    cases = {
        # an edit of the detail (the evidence event's file name)
        "edit": ["UPDATE auditevent SET actor = 'someone_else' WHERE chain = :d AND seq = 5"],
        # a deletion in the middle of the chain
        "delete": ["DELETE FROM auditsm3 WHERE chain = :d AND seq = 4",
                   "DELETE FROM auditevent WHERE chain = :d AND seq = 4"],
        # a reordering: events 6 and 7 swap places
        "reorder": ["UPDATE auditevent SET seq = -7 WHERE chain = :d AND seq = 7",
                    "UPDATE auditevent SET seq = 7 WHERE chain = :d AND seq = 6",
                    "UPDATE auditevent SET seq = 6 WHERE chain = :d AND seq = -7"],
        # a deletion at the end: the last transition disappears from the trail
        "truncate": [f"DELETE FROM auditsm3 WHERE chain = :d AND seq = {n}",
                     f"DELETE FROM auditevent WHERE chain = :d AND seq = {n}"],
        # a forged SM3 link only
        "sm3": ["UPDATE auditsm3 SET sm3 = :x WHERE chain = :d AND seq = 3"],
    }
    expect = {"edit": "seq 5", "delete": "expected seq 4, found seq 5", "reorder": "seq 6",
              "truncate": "state differs from the trail", "sm3": "SM3 chain broken"}
    for name, statements in cases.items():
        snapshot_ev, snapshot_sm3 = _chain_rows(d)
        tamper(*statements, d=d, x="f" * 64)
        found = problems()
        assert found, name
        assert any(expect[name] in p for p in found), (name, found)
        assert integrity.verify(d)["ok"] is False
        code, out = cli("verify", str(d))
        assert code == 6, name
        # put the original rows back and the record is clean again
        cols = list(snapshot_ev[0]._mapping)
        restore = [f"DELETE FROM auditsm3 WHERE chain = {d}", f"DELETE FROM auditevent WHERE chain = {d}"]
        tamper(*restore)
        with get_engine().begin() as conn:
            conn.execute(AuditEvent.__table__.insert(), [dict(r._mapping) for r in snapshot_ev])  # type: ignore[attr-defined]
            conn.execute(AuditSm3.__table__.insert(), [dict(r._mapping) for r in snapshot_sm3])  # type: ignore[attr-defined]
        assert cols and problems() == [], name


def _chain_rows(d: int) -> tuple[list, list]:
    ae, sm = AuditEvent.__table__, AuditSm3.__table__  # type: ignore[attr-defined]
    with get_engine().connect() as conn:
        return (list(conn.execute(select(ae).where(ae.c.chain == d)).all()),
                list(conn.execute(select(sm).where(sm.c.chain == d)).all()))


def test_rows_edited_behind_the_trail_are_found(walked):
    d = walked.id
    ev_id, sha = rows("SELECT id, sha256 FROM evidence WHERE decision_id = :d AND kind = 'draft'", d=d)[0]
    meeting = scalar("SELECT id FROM meeting WHERE decision_id = :d", d=d)
    cases = {
        "evidence filename": ("UPDATE evidence SET filename = 'other.pdf' WHERE id = :e",
                              f"evidence #{ev_id} (other.pdf"),
        "evidence sha": (f"UPDATE evidence SET sha256 = '{PDF_SHA}' WHERE id = :e", "sha256 differs"),
        "dissent rewritten": ("UPDATE meetingposition SET position = 'reject' WHERE meeting_id = :m AND seq = 1",
                              "positions differs"),
        "meeting outcome": ("UPDATE meeting SET outcome = 'reject' WHERE id = :m", "outcome differs"),
        "state forced": ("UPDATE decision SET state = 'publication' WHERE id = :d", "state differs"),
        "title changed": ("UPDATE decision SET title = '别的标题' WHERE id = :d", "title differs"),
        "trigger flipped": ("UPDATE triggerdetermination SET value = NOT value WHERE decision_id = :d "
                            "AND name = 'stability_risk'", "trigger stability_risk differs"),
        "evidence row deleted": ("DELETE FROM evidence WHERE id = :e", f"names evidence #{ev_id}"),
    }
    for name, (sql, fragment) in cases.items():
        undo = _undo_for(name, d, ev_id, meeting)
        tamper(sql, d=d, e=ev_id, m=meeting)
        found = problems()
        assert any(fragment in p for p in found), (name, found)
        tamper(*undo)
        assert problems() == [], name
    assert sha


PDF_SHA = hashlib.sha256(PDF).hexdigest()


def _undo_for(name: str, d: int, ev_id: int, meeting: int) -> list[str]:
    """SQL putting back what the case changes (read now, before the change)."""
    def q(v: object) -> str:
        return "NULL" if v is None else ("'" + str(v).replace("'", "''") + "'" if isinstance(v, str) else str(v))

    if name.startswith("evidence row deleted"):
        r = rows("SELECT * FROM evidence WHERE id = :e", e=ev_id)[0]._mapping
        cols = ", ".join(r.keys())
        vals = ", ".join(q(json.dumps(v, ensure_ascii=False)) if isinstance(v, dict) else
                         (("TRUE" if v else "FALSE") if isinstance(v, bool) else q(v)) for v in r.values())
        return [f"INSERT INTO evidence ({cols}) VALUES ({vals})"]
    if name.startswith("evidence"):
        f, s = rows("SELECT filename, sha256 FROM evidence WHERE id = :e", e=ev_id)[0]
        return [f"UPDATE evidence SET filename = {q(f)}, sha256 = {q(s)} WHERE id = {ev_id}"]
    if name == "dissent rewritten":
        p = scalar("SELECT position FROM meetingposition WHERE meeting_id = :m AND seq = 1", m=meeting)
        return [f"UPDATE meetingposition SET position = {q(p)} WHERE meeting_id = {meeting} AND seq = 1"]
    if name == "meeting outcome":
        return [f"UPDATE meeting SET outcome = {q(scalar('SELECT outcome FROM meeting WHERE id = :m', m=meeting))} "
                f"WHERE id = {meeting}"]
    if name == "state forced":
        return [f"UPDATE decision SET state = {q(scalar('SELECT state FROM decision WHERE id = :d', d=d))} "
                f"WHERE id = {d}"]
    if name == "title changed":
        return [f"UPDATE decision SET title = {q(scalar('SELECT title FROM decision WHERE id = :d', d=d))} "
                f"WHERE id = {d}"]
    if name == "trigger flipped":
        return [f"UPDATE triggerdetermination SET value = NOT value WHERE decision_id = {d} "
                "AND name = 'stability_risk'"]
    raise AssertionError(name)


@pytest.mark.parametrize("table", ["auditevent", "auditsm3", "evidence", "meeting", "meetingposition"])
@pytest.mark.parametrize("verb", ["UPDATE", "DELETE"])
def test_database_refuses_update_and_delete_on_the_record(walked, table, verb):
    before = scalar(f"SELECT count(*) FROM {table}")
    assert before
    col = {"auditevent": "actor", "auditsm3": "sm3", "evidence": "filename", "meeting": "reason",
           "meetingposition": "position"}[table]
    sql = f"UPDATE {table} SET {col} = 'x'" if verb == "UPDATE" else f"DELETE FROM {table}"
    with pytest.raises(IntegrityError, match="append-only"), get_engine().begin() as conn:
        conn.execute(text(sql))
    assert scalar(f"SELECT count(*) FROM {table}") == before
    assert integrity.verify()["ok"]


def test_orm_update_of_evidence_is_refused_as_integrity_failure(walked):
    with pytest.raises(IntegrityFailure, match="append-only"), UnitOfWork() as uow:
        ev = uow.session.get(Evidence, 1)
        assert ev is not None
        ev.filename = "renamed.pdf"
        uow.commit()
    if get_engine().dialect.name == "postgresql":
        with pytest.raises(IntegrityError, match="append-only"), get_engine().begin() as conn:
            conn.execute(text("TRUNCATE auditevent CASCADE"))
    assert integrity.verify()["ok"]


def test_verify_one_decision_and_unknown_decision(walked, org):
    other = UniqueWalker().new("另一项决策")
    other.do_proposed()
    path = evidence_store.path_for(rows("SELECT sha256 FROM evidence WHERE decision_id = :d", d=other.id)[0][0])
    path.write_bytes(b"forged")
    assert integrity.verify(walked.id)["ok"]
    assert not integrity.verify(other.id)["ok"]
    assert cli("verify", str(other.id))[0] == 6
    code, out = cli("verify", "999")
    assert code == 5


def test_sm3_is_the_national_standard_hash():
    # GB/T 32905-2016 appendix A, example 1
    assert audit.sm3_hex is not None
    assert audit.sm3_hex(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def test_every_mutation_bumps_the_version_even_with_a_pinned_clock(org):
    from decisions.procedure.views import show

    w = UniqueWalker().new()
    versions = [show(w.id)["version"]]
    w.ev("proposal", user="organ", source="department")
    versions.append(show(w.id)["version"])
    w.ev("start_decision", user="organ", date="2026-03-02")
    versions.append(show(w.id)["version"])
    w.advance("organ")
    versions.append(show(w.id)["version"])
    assert versions == sorted(set(versions)), versions


def test_sweep_removes_orphans_and_temp_files_only_when_old(walked, env: Path):
    kept = {r[0] for r in rows("SELECT sha256 FROM evidence")}
    orphan = evidence_store.put(b"%PDF-1.4 orphan, its transaction rolled back\n%%EOF\n")
    tmp = evidence_store.path_for(orphan).parent / ".tmp-crashed"
    tmp.write_bytes(b"half a file")
    assert integrity.sweep() == []  # young: may belong to a transaction still running
    old = time.time() - 2 * evidence_store.ORPHAN_GRACE_SECONDS
    os.utime(tmp, (old, old))
    os.utime(evidence_store.path_for(orphan), (old, old))
    removed = {p.name for p in integrity.sweep()}
    assert removed == {orphan, ".tmp-crashed"}
    assert {p.name for p in evidence_store.iter_objects()} == kept
    assert integrity.verify()["ok"]


def test_files_named_by_other_tables_are_kept_checked_and_backed_up(walked, tmp_path):
    """A `*_sha256` column of any table (the post-evaluation report) names a store file too."""
    sha = evidence_store.put(b"%PDF-1.4\n% a report kept outside the evidence table\n%%EOF\n")
    old = time.time() - 2 * evidence_store.ORPHAN_GRACE_SECONDS
    os.utime(evidence_store.path_for(sha), (old, old))
    with get_engine().begin() as conn:
        conn.execute(text("CREATE TABLE side_report (id INTEGER PRIMARY KEY, report_sha256 VARCHAR(64))"))
        conn.execute(text("INSERT INTO side_report (id, report_sha256) VALUES (1, :s), (2, '')"), {"s": sha})
    try:
        assert integrity.sweep() == []
        assert evidence_store.path_for(sha).is_file()
        assert integrity.verify()["ok"]
        from decisions.integrity import backup

        assert sha in json.loads((Path(backup.backup(tmp_path / "b")["path"]) / "manifest.json")
                                 .read_text())["objects"]
        p = evidence_store.path_for(sha)
        p.write_bytes(p.read_bytes() + b" ")
        found = problems()
        assert any("side_report 1 (report_sha256): file changed" in f for f in found), found
    finally:
        with get_engine().begin() as conn:
            conn.execute(text("DROP TABLE side_report"))


def test_simulated_time_going_backwards_is_not_a_break(org, monkeypatch):
    """JUECE_NOW (the demo, simulations) or a clock stepped back may record earlier times later."""
    w = UniqueWalker().new()
    monkeypatch.setenv("JUECE_NOW", "2022-07-20T10:00:00+08:00")
    w.ev("proposal", user="organ", source="department")
    assert integrity.verify()["ok"]
