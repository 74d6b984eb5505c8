"""procedure.md §8 "Periods" and "Sending back": the comment period is not left early (Art 15), an online
consultation's register comes from its ledger (Art 18), execution is terminated or adjusted only on the organ's
recorded decision (Art 37), and a revised draft makes stale only the stages the profile (or the organ) names.

Each rule is profile data (data/procedures/state-council-2019.toml); tests/gate_mutation.py removes each and
expects a test here to fail."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from decisions.cli import app as cli_app
from decisions.errors import Blocked
from decisions.participation import service as participation
from tests.helpers import PDF, Walker, set_now

runner = CliRunner()


def juece(*args: str) -> tuple[int, dict]:
    res = runner.invoke(cli_app, [*args, "--json"])
    try:
        body = json.loads(res.stdout or "{}")
    except json.JSONDecodeError:
        body = {"raw": res.stdout + (res.stderr or "")}
    return res.exit_code, body


def blocked_by(w: Walker) -> list:
    with pytest.raises(Blocked) as info:
        w.advance()
    return info.value.unmet


def articles(unmet: list) -> set[str]:
    return {u.article for u in unmet}


# ------------------------------------------------------------------ 1. the comment period is not left early (Art 15)
def test_open_comment_period_declared_in_evidence_is_not_left_before_its_end(org):
    w = Walker().walk_to("public_participation")
    w.ev("participation_activity", form="open_comment", start="2026-03-03", end="2026-04-02")
    w.ev("opinion_register", received=0, adopted=0, partially_adopted=0, not_adopted=0)
    set_now("2026-04-02T18:00:00+08:00")  # the last day of the period: still open
    unmet = blocked_by(w)
    period = [u for u in unmet if u.article == "Art 15"]
    assert len(unmet) == 1 and period and "2026-04-02" in period[0].message and "第15条" in period[0].message
    code, body = juece("advance", str(w.id), "--as", "drafter")
    assert code == 3 and [u["article"] for u in body["blocked"]] == ["Art 15"]
    assert w.state() == "public_participation"
    set_now("2026-04-03T09:00:00+08:00")  # the day after: the period is over
    assert w.advance()["from"] == "public_participation"


def test_a_period_the_notice_shortened_with_its_reason_may_be_left(org):
    w = Walker().walk_to("public_participation")
    w.ev("participation_activity", form="open_comment", start="2026-03-03", end="2026-03-20",
         shortened_reason="防汛紧急需要，征求意见期缩短至17日")
    w.ev("opinion_register", received=0, adopted=0, partially_adopted=0, not_adopted=0)
    set_now("2026-03-10T09:00:00+08:00")
    assert w.advance()["to"] == "legality_review"


def test_the_online_consultation_is_not_left_before_its_end(org):
    w = Walker().walk_to("public_participation")
    participation.open_consultation(w.id, start="2026-03-03", end="2026-04-02", explanation="起草说明",
                                    as_user="drafter")
    set_now("2026-03-20T09:00:00+08:00")
    unmet = blocked_by(w)  # no register yet, and the period runs
    assert "Art 15" in articles(unmet)
    set_now("2026-04-03T09:00:00+08:00")
    participation.generate_register(w.id, as_user="drafter")
    assert w.advance()["from"] == "public_participation"


# ------------------------------------------------------------------ 2. no typed register for an online consultation
def test_a_typed_register_cannot_replace_the_online_ledger(org):
    w = Walker().walk_to("public_participation")
    participation.open_consultation(w.id, start="2026-03-03", end="2026-03-13", explanation="起草说明",
                                    shortened_reason="汛期临近，须尽快出台", as_user="drafter")
    w.ev("opinion_register", received=0, adopted=0, partially_adopted=0, not_adopted=0)  # typed by hand
    set_now("2026-03-05T09:00:00+08:00")  # the shortened period may be left early: only the register stands
    unmet = blocked_by(w)
    assert [u.requirement for u in unmet] == ["public_participation.opinion_register.from_ledger"]
    assert unmet[0].article == "Art 18" and "第18条" in unmet[0].message and "opinion_register.pdf" in unmet[0].message
    code, body = juece("advance", str(w.id), "--as", "drafter")
    assert code == 3 and [u["article"] for u in body["blocked"]] == ["Art 18"]
    # still refused once the period is over: the register must be the ledger's
    set_now("2026-03-14T09:00:00+08:00")
    assert [u.requirement for u in blocked_by(w)] == ["public_participation.opinion_register.from_ledger"]
    participation.generate_register(w.id, as_user="drafter")
    assert w.advance()["from"] == "public_participation"


def test_a_typed_register_after_the_generated_one_is_refused_again(org):
    w = Walker().walk_to("public_participation")
    participation.open_consultation(w.id, start="2026-03-03", end="2026-04-02", explanation="起草说明",
                                    as_user="drafter")
    set_now("2026-04-03T09:00:00+08:00")
    participation.generate_register(w.id, as_user="drafter")
    w.ev("opinion_register", received=0, adopted=0, partially_adopted=0, not_adopted=0)  # newest: typed
    assert "Art 18" in articles(blocked_by(w))


def test_without_an_online_consultation_a_typed_register_serves(org):
    w = Walker().walk_to("public_participation")
    w.ev("participation_activity", form="symposium")
    w.ev("opinion_register", received=3, adopted=1, partially_adopted=1, not_adopted=1)
    assert w.advance()["from"] == "public_participation"


def test_the_generated_mark_cannot_be_typed(org, tmp_path):
    w = Walker().walk_to("public_participation")
    doc = tmp_path / "登记.pdf"
    doc.write_bytes(PDF)
    code, body = juece("evidence", "add", str(w.id), "--kind", "opinion_register", str(doc),
                       "--meta", "received=0", "--meta", "adopted=0", "--meta", "partially_adopted=0",
                       "--meta", "not_adopted=0", "--meta", "generated_from=ledger", "--as", "drafter")
    assert code == 2, body
