"""Voiding a wrong upload (作废, issue "The workbench as civil servants expect it" item 5): kept and audited, left
out of every gate, shown as void; only the uploader or the undertaking unit's head, only in that stage."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from decisions.accounts import service as directory
from decisions.cli import app
from decisions.errors import BadInput, Blocked, NotPermitted
from decisions.procedure import views, voiding
from tests.helpers import PDF, Walker

runner = CliRunner()


def _drafting_done_but_legal_basis(org) -> tuple[Walker, dict]:  # noqa: ANN001
    w = Walker().new()
    w.do_proposed()
    w.advance("organ")
    w.do_drafting()  # the draft and the legal basis: the drafting gate is met
    basis = [e for e in views.show(w.id)["evidence"] if e["kind"] == "legal_basis"][0]
    return w, basis


def test_a_voided_upload_counts_for_no_gate(org):
    w, basis = _drafting_done_but_legal_basis(org)
    assert not views.show(w.id)["blocked"], views.show(w.id)["blocked"]
    r = voiding.void_evidence(w.id, basis["id"], "上传错了文件", as_user="drafter")
    assert r["evidence_id"] == basis["id"]
    shown = views.show(w.id)
    assert [e["void"] for e in shown["evidence"] if e["id"] == basis["id"]] == ["上传错了文件"]  # kept, marked
    assert shown["blocked"], "the gate still counts a voided legal basis"
    with pytest.raises(Blocked):
        w.advance()
    assert any(a["action"] == "evidence_void" and a["detail"]["reason"] == "上传错了文件" for a in shown["audit"])
    w.ev("legal_basis", laws="《城乡规划法》")  # the right file: the gate is met again
    assert w.advance()["to"]


def test_who_may_void_and_when(org):
    w, basis = _drafting_done_but_legal_basis(org)
    for user in ("organ", "reviewer", "mayor"):  # not the uploader, not the undertaking unit's head
        with pytest.raises(NotPermitted):
            voiding.void_evidence(w.id, basis["id"], "误传", as_user=user)
    with pytest.raises(BadInput):
        voiding.void_evidence(w.id, basis["id"], "  ", as_user="drafter")
    directory.add_user("drc_head", "发改委主任", "CITY-DRC", ["head"])
    voiding.void_evidence(w.id, basis["id"], "主任作废", as_user="drc_head")  # the unit's head may
    with pytest.raises(BadInput):
        voiding.void_evidence(w.id, basis["id"], "再作废", as_user="drafter")  # once only
    draft = [e for e in views.show(w.id)["evidence"] if e["kind"] == "draft"][0]
    w.ev("legal_basis", laws="《城乡规划法》")
    w.advance()  # the stage is left: its files can no longer be voided
    with pytest.raises(Blocked):
        voiding.void_evidence(w.id, draft["id"], "太晚", as_user="drafter")


def test_cli_evidence_void(org):
    w, basis = _drafting_done_but_legal_basis(org)
    r = runner.invoke(app, ["evidence", "void", str(w.id), str(basis["id"]), "--reason", "误传", "--as", "organ"])
    assert r.exit_code == 4, r.output
    r = runner.invoke(app, ["evidence", "void", str(w.id), "999999", "--reason", "误传", "--as", "drafter"])
    assert r.exit_code == 5, r.output
    r = runner.invoke(app, ["evidence", "void", str(w.id), str(basis["id"]), "--reason", "误传", "--as", "drafter",
                            "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["evidence_id"] == basis["id"]
    out = runner.invoke(app, ["show", str(w.id)]).output
    assert "作废 / void: 误传" in out


def test_same_file_twice_is_detected(org):
    """The upload form asks before a second copy: the view says which files of the stage have that SHA-256."""
    w = Walker().new()
    w.do_proposed()
    w.advance("organ")
    w.ev("legal_basis", laws="《城乡规划法》")
    import hashlib
    assert voiding.same_file(w.id, hashlib.sha256(PDF).hexdigest(), as_user="drafter")
    assert not voiding.same_file(w.id, hashlib.sha256(b"other").hexdigest(), as_user="drafter")
