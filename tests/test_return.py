"""Sending back (退回, procedure.md §8): `juece return ID --to STAGE --reason TEXT --as U`."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from decisions.cli import app
from decisions.errors import BadInput, Blocked, NotPermitted
from decisions.procedure.sending_back import return_decision
from decisions.procedure.views import show
from tests.helpers import Walker

runner = CliRunner()


def state_of(did: int) -> dict:
    r = show(did)
    return {"state": r["state"], "round": r["round"], "version": r["version"], "audit": len(r["audit"]),
            "stages": [(st["key"], st["status"]) for st in r["stages"]], "evidence": len(r["evidence"])}


def test_reviewer_returns_to_drafting_new_round_evidence_kept_and_walked_again(org):
    w = Walker().walk_to("legality_review")
    w.ev("legality_submission", submitted="2026-03-02")
    before = show(w.id)
    assert before["round"] == 1
    r = return_decision(w.id, to="drafting", reason="未履行公众参与程序的说明不完整（第27条第2项）", as_user="reviewer")
    assert r["from"] == "legality_review" and r["to"] == "drafting" and r["round"] == 2
    assert r["role"] == "legality_reviewer" and "27(2)" in r["article"]
    after = show(w.id)
    assert after["state"] == "drafting" and after["round"] == 2
    assert len(after["evidence"]) == len(before["evidence"])  # earlier evidence kept
    assert {e["round"] for e in after["evidence"]} == {1}
    statuses = {st["key"]: st["status"] for st in after["stages"]}
    assert statuses["proposed"] == "done" and statuses["drafting"] == "current"
    assert all(statuses[k] == "pending" for k in ("public_participation", "expert_review", "legality_review",
                                                  "collective_discussion", "execution"))
    assert after["returns"] == [{"from": "legality_review", "to": "drafting",
                                 "reason": "未履行公众参与程序的说明不完整（第27条第2项）", "round": 2,
                                 "article": r["article"], "by": "reviewer", "role": "legality_reviewer",
                                 "office": "CITY-JUS", "at": after["returns"][0]["at"]}]
    assert after["audit"][-1]["action"] == "returned"
    # the new round gates on its own evidence: drafting must be done again
    with pytest.raises(Blocked):
        w.advance()
    w.walk_to("collective_discussion")
    assert show(w.id)["round"] == 2
    w.walk_to("party_report")
    assert w.state() == "party_report"


def test_organ_returns_from_collective_discussion_to_public_participation(org):
    w = Walker().walk_to("collective_discussion")
    r = return_decision(w.id, to="public_participation", reason="公众关注度高，需再次征求意见", as_user="organ")
    assert r["state"] == "public_participation" and r["round"] == 2 and r["role"] == "decision_organ"
    statuses = {st["key"]: st["status"] for st in show(w.id)["stages"]}
    assert statuses["drafting"] == "done" and statuses["public_participation"] == "current"
    assert statuses["legality_review"] == "pending"


@pytest.mark.parametrize("to,reason,user,exc,fragment", [
    ("collective_discussion", "理由", "reviewer", BadInput, "collective_discussion"),   # later stage
    ("legality_review", "理由", "reviewer", BadInput, "legality_review"),               # not earlier: the same
    ("nowhere", "理由", "reviewer", BadInput, "nowhere"),                               # unknown stage
    ("proposed", "理由", "reviewer", BadInput, "proposed"),                             # before the earliest
    ("expert_review", "理由", "reviewer", BadInput, "expert_review"),                   # skipped for this decision
    ("drafting", "  ", "reviewer", BadInput, "--reason"),                               # empty reason
    ("drafting", "理由", "drafter", NotPermitted, "drafter"),                           # wrong role
    ("drafting", "理由", "drc_expert", NotPermitted, "drc_expert"),                     # the undertaker's reviewer
    ("drafting", "理由", "secretary", NotPermitted, "secretary"),
])
def test_refusals_write_nothing(org, to, reason, user, exc, fragment):
    w = Walker().walk_to("legality_review")
    before = state_of(w.id)
    with pytest.raises(exc) as info:
        return_decision(w.id, to=to, reason=reason, as_user=user)
    assert fragment in info.value.message
    assert state_of(w.id) == before


def test_reviewer_only_while_in_legality_review_and_not_from_side_states(org):
    w = Walker().walk_to("collective_discussion")
    before = state_of(w.id)
    with pytest.raises(Blocked) as info:
        return_decision(w.id, to="drafting", reason="理由", as_user="reviewer")
    assert "27(2)" in info.value.unmet[0].article
    assert state_of(w.id) == before
    w.meeting(outcome="defer", reason="待进一步调研")
    assert w.state() == "deferred"
    before = state_of(w.id)
    with pytest.raises(Blocked):
        return_decision(w.id, to="drafting", reason="理由", as_user="organ")
    assert state_of(w.id) == before


def test_return_by_cli_exit_codes(org):
    w = Walker().walk_to("legality_review")

    def juece(*args: str) -> int:
        return runner.invoke(app, list(args)).exit_code

    before = state_of(w.id)
    assert juece("return", str(w.id), "--to", "nowhere", "--reason", "r", "--as", "reviewer") == 2
    assert juece("return", str(w.id), "--to", "collective_discussion", "--reason", "r", "--as", "reviewer") == 2
    assert juece("return", str(w.id), "--to", "drafting", "--reason", "", "--as", "reviewer") == 2
    result = runner.invoke(app, ["return", str(w.id), "--to", "drafting", "--reason", "r", "--as", "drafter"])
    assert result.exit_code == 4 and "drafter" in (result.stderr or result.stdout)
    assert state_of(w.id) == before
    result = runner.invoke(app, ["return", str(w.id), "--to", "drafting", "--reason", "程序缺失", "--as", "reviewer",
                                 "--json"])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert '"round": 2' in result.stdout
    shown = runner.invoke(app, ["show", str(w.id), "--json"])
    assert '"returns"' in shown.stdout and "程序缺失" in shown.stdout
