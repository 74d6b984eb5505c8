"""procedure.md §8 "Time" and "Versions", and the provenance `show --json` gives per evidence item.

Each test fails if its rule is removed: the dates a gate reads never lie after the day they are recorded, the
procedure's order of dates (the profile's [time] order), late entries (补录) marked, the draft's SHA-256 pinned,
a newer draft after a lawful legality opinion blocks (Art 25), and the channel of every audit event.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from decisions import channel
from decisions.cli import app
from decisions.errors import BadInput, Blocked
from decisions.procedure.meeting import MeetingInput, record_meeting
from decisions.procedure.views import show
from tests.helpers import MEMBERS, PDF, Walker, at_least, set_now


def record(w: Walker) -> tuple[str, int, int]:
    """What a refused command must leave unchanged: the state, the evidence and the audit trail."""
    s = show(w.id)
    return s["state"], len(s["evidence"]), len(s["audit"])


def refused(fn, *args, **kwargs) -> str:
    with pytest.raises(BadInput) as info:
        fn(*args, **kwargs)
    assert info.value.exit_code == 2
    return str(info.value)


def meeting_input(day: str) -> MeetingInput:
    return MeetingInput(type="executive", date=day, minutes_filename="纪要.pdf", minutes=PDF, members=7,
                        positions=[(m, "approve") for m in MEMBERS[1:]] + [("mayor", "approve")], head="mayor",
                        outcome="approve")


def test_meeting_dated_in_the_future_is_refused_and_nothing_written(org, tmp_path):
    w = Walker().walk_to("collective_discussion")
    set_now("2026-05-19T09:00:00+08:00")
    before = record(w)
    msg = refused(record_meeting, w.id, meeting_input("2026-05-20"), as_user="secretary")
    assert "meeting.date" in msg and "2026-05-20" in msg and "2026-05-19" in msg
    assert record(w) == before
    # by the command line: exit 2, nothing written
    minutes = tmp_path / "纪要.pdf"
    minutes.write_bytes(PDF)
    positions = [a for m in MEMBERS[1:] + ["mayor"] for a in ("--position", f"{m}=approve")]
    result = CliRunner().invoke(app, ["meeting", str(w.id), "--type", "executive", "--date", "2026-05-20",
                                      "--minutes", str(minutes), "--members", "7", *positions,
                                      "--head", "mayor", "--outcome", "approve", "--as", "secretary", "--json"])
    assert result.exit_code == 2, result.stdout
    assert record(w) == before
    set_now("2026-05-20T15:00:00+08:00")
    record_meeting(w.id, meeting_input("2026-05-20"), as_user="secretary")
    assert w.state() == "party_report"


def test_evidence_dated_after_the_recording_day_is_refused(org):
    w = Walker().walk_to("legality_review")
    set_now("2026-04-01T09:00:00+08:00")
    before = record(w)
    msg = refused(_ev_at_clock, w, "legality_submission", submitted="2026-04-20")
    assert "legality_submission.submitted" in msg and "2026-04-20" in msg and "2026-04-01" in msg
    assert record(w) == before


def test_an_announced_end_may_lie_ahead_but_not_a_hearing_materials_date(org):
    """[time] announced: a comment period's end and a hearing's day announce what is to come and may lie after
    the recording day; the day the materials were delivered may not."""
    w = Walker().walk_to("public_participation")
    set_now("2026-03-05T09:00:00+08:00")
    _ev_at_clock(w, "participation_activity", form="open_comment", start="2026-03-05", end="2026-04-10")
    _ev_at_clock(w, "participation_activity", form="hearing", hearing_date="2026-03-20",
                 materials_delivered="2026-03-05")
    before = record(w)
    msg = refused(_ev_at_clock, w, "participation_activity", form="hearing", hearing_date="2026-03-30",
                  materials_delivered="2026-03-09")
    assert "participation_activity.materials_delivered" in msg and "2026-03-09" in msg
    assert record(w) == before


def _ev_at_clock(w: Walker, kind: str, user: str = "drafter", **meta: str) -> dict:
    """Attach evidence without moving the clock (Walker.ev records on or after the dates it carries)."""
    from decisions.procedure import service
    return service.add_evidence(w.id, kind=kind, filename=f"{kind}.pdf", data=PDF, meta=meta, as_user=user)


def test_meeting_before_the_legality_opinion_is_refused_art_25(org):
    w = Walker().walk_to("collective_discussion")   # the legality opinion was recorded on 2026-04-03 (after the comment period)
    before = record(w)
    msg = refused(record_meeting, w.id, meeting_input("2026-04-02"), as_user="secretary")
    assert "2026-04-02" in msg and "2026-04-03" in msg and "Art 25" in msg
    assert record(w) == before


def test_legality_opinion_before_its_submission_is_refused_art_26(org):
    w = Walker().walk_to("legality_review")
    set_now("2026-05-06T09:00:00+08:00")
    _ev_at_clock(w, "legality_submission", submitted="2026-05-06")
    set_now("2026-05-05T09:00:00+08:00")   # the opinion would be recorded the day before the submission
    before = record(w)
    msg = refused(_ev_at_clock, w, "legality_opinion", user="reviewer", conclusion="lawful")
    assert "2026-05-05" in msg and "2026-05-06" in msg and "Art 26" in msg
    assert record(w) == before


def test_party_report_dated_before_the_meeting_is_refused_art_31(org):
    w = Walker().walk_to("party_report")            # the meeting was held on 2026-04-03 (after the comment period)
    before = record(w)
    msg = refused(_ev_at_clock, w, "party_committee_report", user="organ", reported="2026-04-02")
    assert "party_committee_report.reported=2026-04-02" in msg and "2026-04-03" in msg and "Art 31" in msg
    assert record(w) == before
    _ev_at_clock(w, "party_committee_report", user="organ", reported="2026-04-03")


def test_publication_dated_before_the_party_report_is_refused_art_32(org):
    w = Walker().walk_to("party_report")            # the meeting was held on 2026-04-03 (after the comment period)
    at_least("2026-04-07")
    w.ev("party_committee_report", user="organ", reported="2026-04-07")
    w.ev("execution_assignment", user="organ", executing_unit="CITY-FIN")
    w.advance("organ")
    before = record(w)
    msg = refused(_ev_at_clock, w, "publication_record", user="organ", channel="website", date="2026-04-06")
    assert "publication_record.date=2026-04-06" in msg and "2026-04-07" in msg and "Art 32" in msg
    assert record(w) == before


def test_backdated_legality_submission_is_a_late_entry(org):
    w = Walker().walk_to("legality_review")
    set_now("2026-05-08T10:00:00+08:00")
    ev = _ev_at_clock(w, "legality_submission", submitted="2026-05-04")
    assert ev["late_entry"] is True
    item = show(w.id)["evidence"][-1]
    assert item["kind"] == "legality_submission" and item["late_entry"] is True
    event = [e for e in show(w.id)["audit"] if e["action"] == "evidence"][-1]
    assert event["detail"]["late_entry"] is True
    # a date on the recording day is not a late entry
    same_day = _ev_at_clock(w, "legality_submission", submitted="2026-05-08")
    assert same_day["late_entry"] is False
    assert show(w.id)["evidence"][-1]["late_entry"] is False


def test_backdated_meeting_is_a_late_entry(org):
    w = Walker().walk_to("collective_discussion")
    set_now("2026-05-25T09:00:00+08:00")
    record_meeting(w.id, meeting_input("2026-05-20"), as_user="secretary")
    s = show(w.id)
    minutes = [e for e in s["evidence"] if e["kind"] == "meeting_minutes"][-1]
    assert minutes["late_entry"] is True and s["meetings"][-1]["late_entry"] is True


def test_new_draft_after_lawful_opinion_blocks_until_a_new_opinion_art_25(org):
    w = Walker().walk_to("legality_review")
    w.do_legality_review()
    v1 = next(e for e in show(w.id)["evidence"] if e["kind"] == "draft")["sha256"]
    first_opinion = show(w.id)["evidence"][-1]
    assert first_opinion["kind"] == "legality_opinion" and first_opinion["draft_sha256"] == v1
    v2 = w.ev("draft", data=PDF + b"% v2\n", version="v2")["sha256"]
    assert v2 != v1
    with pytest.raises(Blocked) as info:
        w.advance()
    assert info.value.exit_code == 3
    hits = [u for u in info.value.unmet if u.requirement == "legality_review.legality_opinion.reviewed_version"]
    assert hits and hits[0].article == "Art 25"
    assert w.state() == "legality_review"
    opinion = w.ev("legality_opinion", user="reviewer", conclusion="lawful")
    assert opinion["draft_sha256"] == v2
    w.advance()
    w.meeting()
    s = show(w.id)
    minutes = [e for e in s["evidence"] if e["kind"] == "meeting_minutes"][-1]
    assert minutes["draft_sha256"] == v2 and s["meetings"][-1]["draft_sha256"] == v2
    assert s["state"] == "party_report"


def test_after_lawful_with_amendments_the_meeting_pins_the_amended_draft(org):
    w = Walker().walk_to("legality_review")
    w.ev("legality_submission", submitted="2026-02-10")
    w.ev("legal_adviser_opinion", user="adviser")
    w.ev("legality_opinion", user="reviewer", conclusion="lawful_with_amendments")
    amended = w.ev("draft", data=PDF + b"% amended\n", version="v2")["sha256"]
    w.ev("amendment_note")
    w.advance()
    w.meeting()
    s = show(w.id)
    assert [e for e in s["evidence"] if e["kind"] == "meeting_minutes"][-1]["draft_sha256"] == amended



def test_each_review_pins_the_draft_current_when_it_is_recorded(org):
    """§8 Versions: the risk report, the fair competition review, the legality submission and opinion each pin the
    draft current when they are recorded (a second draft came in during the risk assessment)."""
    w = Walker(triggers={"stability_risk": "yes", "market_entities": "yes"}).walk_to("risk_assessment")
    v2 = w.ev("draft", name="草案v2.pdf", data=PDF + b"% v2\n", version="v2")["sha256"]
    w.walk_to("legality_review")
    w.do_legality_review()
    shown = show(w.id)
    v1 = next(e["sha256"] for e in shown["evidence"] if e["kind"] == "draft")
    pinned = {e["kind"]: e["draft_sha256"] for e in shown["evidence"]}
    assert v1 != v2
    assert all(pinned[k] == v2 for k in ("risk_report", "fair_competition_review", "legality_submission",
                                         "legality_opinion")), pinned

def test_show_json_gives_provenance_per_evidence_item(org):
    w = Walker(triggers={"professional_technical": "yes"}).walk_to("expert_review")
    w.do_expert_review()
    with channel.via("web"):
        w.ev("expert_adoption", name="采纳情况（网页）.pdf")
    result = CliRunner().invoke(app, ["show", str(w.id), "--json"])
    assert result.exit_code == 0, result.stdout
    shown = json.loads(result.stdout)
    for item in shown["evidence"]:
        assert {"author", "on_behalf", "late_entry", "draft_sha256", "channel"} <= set(item)
        assert item["on_behalf"] is None
    draft = next(e for e in shown["evidence"] if e["kind"] == "draft")
    assert draft["author"] == "drafter" and draft["channel"] == "cli" and draft["draft_sha256"] is None
    opinions = [e for e in shown["evidence"] if e["kind"] == "expert_opinion"]
    assert [e["author"] for e in opinions] == ["expert1", "expert2", "expert3"]
    assert all(e["draft_sha256"] == draft["sha256"] for e in opinions)
    assert shown["evidence"][-1]["channel"] == "web"
    assert all(e["detail"].get("via") in ("cli", "web") for e in shown["audit"])
