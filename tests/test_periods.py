"""procedure.md §8 "Periods" and "Sending back": the comment period is not left early (Art 15), an online
consultation's register comes from its ledger (Art 18), execution is terminated or adjusted only on the organ's
recorded decision (Art 37), and a revised draft makes stale only the stages the profile (or the organ) names.

Each rule is profile data (data/procedures/state-council-2019.toml); tests/gate_mutation.py removes each and
expects a test here to fail."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from decisions.aftercare import service as aftercare
from decisions.cli import app as cli_app
from decisions.errors import Blocked
from decisions.participation import service as participation
from decisions.procedure import service
from decisions.procedure.views import show
from tests.helpers import PDF, Walker, set_now, today

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


# ------------------------------------------------------------------ 3. Art 37: the organ's recorded decision
def _suspended() -> Walker:
    w = Walker().walk_to("execution")
    w.ev("issue_report", user="executor", nature="major_change")
    service.side_transition(w.id, action="suspend", reason="施工安全隐患，情况紧急", as_user="mayor")
    return w


def test_termination_needs_the_organs_recorded_decision_not_a_reason_alone(org):
    w = _suspended()
    before = show(w.id)
    # a clerk of the organ (the secretary) with a reason: not permitted
    code, body = juece("decision", "terminate", str(w.id), "--reason", "经研究不再执行", "--as", "secretary")
    assert code == 4, body
    # the organ with only a reason: blocked on Art 37
    code, body = juece("decision", "terminate", str(w.id), "--reason", "经研究不再执行", "--as", "organ")
    assert code == 3 and [u["article"] for u in body["blocked"]] == ["Art 37"]
    assert "第37条" in body["blocked"][0]["message"]
    after = show(w.id)
    assert (after["state"], after["version"], len(after["audit"])) == ("suspended", before["version"],
                                                                       len(before["audit"]))
    # the clerk records the organ's decision (the minutes); the organ terminates on it
    minutes = w.ev("organ_decision", user="secretary", change="terminate", date=today(), basis="市政府第12次常务会议")
    code, body = juece("decision", "terminate", str(w.id), "--reason", "经研究不再执行", "--as", "organ")
    assert code == 0, body
    event = show(w.id)["audit"][-1]
    assert event["action"] == "terminate" and event["detail"]["organ_decision_id"] == minutes["id"]
    assert event["detail"]["article"] == "Art 37" and show(w.id)["state"] == "closed"


def test_the_head_may_terminate_on_the_organs_decision(org):
    w = _suspended()
    w.ev("organ_decision", user="organ", change="minor_adjustment", date=today())  # a decision on something else
    with pytest.raises(Blocked) as info:
        service.side_transition(w.id, action="terminate", reason="不再执行", as_user="mayor")
    assert info.value.unmet[0].article == "Art 37"
    w.ev("organ_decision", user="organ", change="terminate", date=today())
    assert service.side_transition(w.id, action="terminate", reason="不再执行", as_user="mayor")["to"] == "closed"


def test_a_minor_adjustment_needs_the_organs_decision_each_time(org):
    w = Walker().walk_to("execution")
    code, body = juece("decision", "adjust", str(w.id), "--reason", "更正附件文字", "--minor", "--as", "secretary")
    assert code == 4, body
    code, body = juece("decision", "adjust", str(w.id), "--reason", "更正附件文字", "--minor", "--as", "organ")
    assert code == 3 and body["blocked"][0]["article"] == "Art 37"
    assert "minor_adjustment" not in [e["action"] for e in show(w.id)["audit"]]
    doc = w.ev("organ_decision", user="organ", change="minor_adjustment", date=today(), basis="市政府决定〔2026〕5号")
    r = aftercare.adjust(w.id, title="", reason="更正附件文字", as_user="organ", minor=True)
    assert r["minor"] and r["organ_decision_id"] == doc["id"]
    with pytest.raises(Blocked):  # that decision served this adjustment; the next needs its own
        aftercare.adjust(w.id, title="", reason="再次更正", as_user="organ", minor=True)


# ------------------------------------------------------------------ 4. revise: only the profile's stale stages
def statuses(did: int) -> dict[str, str]:
    return {st["key"]: st["status"] for st in show(did)["stages"]}


def test_a_revised_draft_reruns_legality_review_and_keeps_public_participation(org):
    w = Walker().walk_to("collective_discussion")
    w.meeting(outcome="revise", reason="个别文字表述需修改")
    after = show(w.id)
    assert after["state"] == "drafting" and after["round"] == 2
    st = statuses(w.id)
    assert st["public_participation"] == "done" and st["legality_review"] == "pending"
    note = next(s["note"] for s in after["stages"] if s["key"] == "public_participation")
    assert "沿用第1轮" in note
    w.do_drafting()
    moved = w.advance()
    assert moved["to"] == "legality_review"  # no new 30-day comment period
    assert [x["stage"] for x in moved["skipped"]] == ["expert_review", "risk_assessment", "fair_competition_review"]
    assert statuses(w.id)["public_participation"] == "done"
    code, body = juece("meeting", str(w.id), "--type", "executive", "--date", today(), "--minutes", "x.pdf",
                       "--position", "mayor=approve", "--head", "mayor", "--outcome", "approve", "--as", "secretary")
    assert code in (2, 3)  # not in collective discussion: the legality review runs again first
    w.do_legality_review()
    assert w.advance()["to"] == "collective_discussion"
    # the meeting sees the kept opinion register (Art 29(2)) and the new legality opinion
    assert w.meeting()["state"] == "party_report"


def test_the_meeting_may_order_public_participation_run_again(org, tmp_path):
    w = Walker().walk_to("collective_discussion")
    w.meeting(outcome="revise", reason="实质内容调整，须重新征求意见")
    w.do_drafting()
    assert w.advance()["to"] == "legality_review"  # baseline: participation kept
    w2 = Walker().walk_to("collective_discussion")
    minutes = tmp_path / "纪要.pdf"
    minutes.write_bytes(PDF)
    args = ["meeting", str(w2.id), "--type", "executive", "--date", today(), "--minutes", str(minutes), "--members",
            "7", *[x for m in ["vm1", "vm2", "vm3", "vm4", "vm5", "vm6", "mayor"] for x in ("--position", f"{m}=approve")],
            "--head", "mayor", "--outcome", "revise", "--reason", "须重新征求意见", "--as", "secretary"]
    code, body = juece(*args, "--rerun", "nowhere")
    assert code == 2 and "nowhere" in json.dumps(body, ensure_ascii=False)
    assert show(w2.id)["state"] == "collective_discussion"
    code, body = juece(*args, "--rerun", "public_participation")
    assert code == 0, body
    assert statuses(w2.id)["public_participation"] == "pending"
    w2.do_drafting()
    assert w2.advance()["to"] == "public_participation"


def test_an_overlay_may_not_drop_legality_review_from_the_stale_stages():
    from workflow import profiles
    base = profiles.load("state-council-2019")
    assert base.revise is not None and "legality_review" in base.revise.stale
    loose = base.model_copy(update={"revise": base.revise.model_copy(update={"stale": []})})
    assert any("revise.stale" in v and "legality_review" in v for v in profiles.floor_violations(base, loose))
    assert not [v for v in profiles.floor_violations(base, base) if "revise" in v]
