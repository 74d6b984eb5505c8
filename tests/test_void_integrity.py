"""The void record (作废, table evidence_void) is tamper-evident (issue 15/16): the database refuses to change or
delete it (migration 0016, as 0002 does for the record), `juece verify` names a missing or altered trigger on it,
and replays it against the trail: a void row without its audit event, an audit event without its row, or a
changed reason or author is reported (exit 6) naming the row, the field, what the trail says and what was found."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from typer.main import get_command

from decisions.cli import app
from decisions.procedure import views, voiding
from decisions.storage import db
from decisions.storage.db import get_engine
from tests.helpers import Walker
from tests.tamper import tamper

COMMAND = get_command(app)


def cli(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(COMMAND, list(args), catch_exceptions=False)
    return r.exit_code, r.output


def _drafted() -> tuple[Walker, int]:
    """A decision in drafting with its legal basis filed: (walker, the legal basis's evidence id)."""
    w = Walker().new()
    w.walk_to("drafting")
    w.do_drafting()
    basis = next(e for e in views.show(w.id)["evidence"] if e["kind"] == "legal_basis")
    return w, basis["id"]


def _voided() -> tuple[Walker, int]:
    w, eid = _drafted()
    voiding.void_evidence(w.id, eid, "上传错了文件", as_user="drafter")
    code, out = cli("verify")
    assert code == 0, out   # a void made through juece verifies clean
    return w, eid


def _problems() -> list[str]:
    code, out = cli("verify", "--json")
    assert code == 6, out
    return json.loads(out)["problems"]


def test_the_void_record_refuses_update_and_delete(org):
    w, eid = _voided()
    statements = ["UPDATE evidence_void SET reason = '改了理由'", "DELETE FROM evidence_void"]
    if not db.is_sqlite():
        statements.append("TRUNCATE evidence_void CASCADE")
    for statement in statements:
        with pytest.raises(IntegrityError, match="append-only"), get_engine().begin() as conn:
            conn.execute(text(statement))
    item = next(e for e in views.show(w.id)["evidence"] if e["id"] == eid)
    assert item["voided"]["reason"] == "上传错了文件"


def test_verify_names_a_dropped_or_disabled_void_trigger_and_init_restores_it(org):
    _voided()
    with get_engine().begin() as conn:
        if db.is_sqlite():
            conn.execute(text("DROP TRIGGER evidence_void_append_only_delete"))
            name = "evidence_void_append_only_delete"
        else:
            conn.execute(text("ALTER TABLE evidence_void DISABLE TRIGGER evidence_void_append_only"))
            name = "evidence_void_append_only"
    assert any(name in p for p in _problems())
    code, out = cli("init")
    assert code == 0 and name in out, out
    assert cli("verify")[0] == 0
    with pytest.raises(IntegrityError, match="append-only"), get_engine().begin() as conn:
        conn.execute(text("DELETE FROM evidence_void"))


def test_verify_names_a_void_row_without_its_audit_event(org):
    w, eid = _drafted()
    with get_engine().begin() as conn:   # slipped in behind juece: the file silently leaves every gate
        conn.execute(text("INSERT INTO evidence_void (evidence_id, decision_id, reason, user_id, at) VALUES "
                          "(:e, :d, '伪造的作废', (SELECT id FROM \"user\" WHERE username = 'drafter'), "
                          "'2026-03-02T09:00:00+08:00')"), {"e": eid, "d": w.id})
    found = _problems()
    assert any(f"evidence #{eid}" in p and "expected an 'evidence_void' audit event" in p for p in found), found


def test_verify_names_a_void_event_whose_row_was_removed(org):
    w, eid = _voided()
    tamper("DELETE FROM evidence_void WHERE evidence_id = :e", e=eid)   # the voided file would count again
    found = _problems()
    assert any(f"voids evidence #{eid}" in p and "expected its evidence_void row, found none" in p
               for p in found), found


def test_verify_names_a_changed_reason_or_author(org):
    w, eid = _voided()
    tamper("UPDATE evidence_void SET reason = '另一个理由' WHERE evidence_id = :e", e=eid)
    found = _problems()
    assert any(f"evidence #{eid}" in p and "reason differs" in p and "'上传错了文件' (audit)" in p
               and "'另一个理由' (row)" in p for p in found), found
    tamper("UPDATE evidence_void SET reason = '上传错了文件', user_id = (SELECT id FROM \"user\" "
           "WHERE username = 'mayor') WHERE evidence_id = :e", e=eid)
    found = _problems()
    assert any("voided by differs" in p and "'drafter' (audit)" in p and "'mayor' (row)" in p for p in found), found
    assert not any("reason differs" in p for p in found), found
