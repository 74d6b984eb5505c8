"""One test per gate of procedure.md §4–§5: each fails if its rule is removed from the profile.

Every test walks a decision to the stage with compliant evidence except for the one piece under
test, asserts the refusal names the article, then supplies the piece and sees the decision move.
"""

from __future__ import annotations

import pytest

from decisions.errors import Blocked, NotPermitted
from decisions.procedure import service
from decisions.procedure.views import show
from tests.helpers import COMMENT_PERIOD_OVER, MEMBERS, Walker, at_least, set_now


def blocked(fn, *args, **kwargs) -> list:
    with pytest.raises(Blocked) as info:
        fn(*args, **kwargs)
    return info.value.unmet


def articles(unmet) -> set[str]:
    return {u.article for u in unmet}


def requirement(unmet, fragment: str):
    hits = [u for u in unmet if fragment in u.requirement]
    assert hits, f"no unmet requirement containing {fragment!r} in {[u.requirement for u in unmet]}"
    return hits[0]


# ------------------------------------------------------------------ proposed
def test_proposal_and_start_decision_required_art_10_11(org):
    w = Walker().new()
    unmet = blocked(w.advance, "organ")
    assert requirement(unmet, "proposed.proposal").article == "Art 10"
    assert requirement(unmet, "proposed.start_decision").article == "Art 10, 11"
    assert "第10条" in requirement(unmet, "proposed.proposal").message
    w.ev("proposal", user="organ", source="leader")
    assert [u.requirement for u in blocked(w.advance, "organ")] == ["proposed.start_decision"]
    w.ev("start_decision", user="organ")
    assert w.advance("organ")["to"] == "drafting"


def test_start_decision_only_by_decision_organ(org):
    w = Walker().new()
    with pytest.raises(NotPermitted):
        w.ev("start_decision", user="drafter")


# ------------------------------------------------------------------ drafting
def test_every_trigger_must_be_determined_art_3(org):
    w = Walker().walk_to("drafting")
    w.ev("draft")
    w.ev("legal_basis")
    unmet = blocked(w.advance)
    assert {u.requirement for u in unmet} == {f"drafting.trigger.{t}" for t in (
        "professional_technical", "stability_risk", "specific_groups", "market_entities", "npc_scope",
        "high_public_concern", "interagency", "non_disclosable", "exploratory_reform")}
    w.do_drafting()
    assert w.advance()["to"] == "public_participation"


def test_a_no_needs_a_reason(org):
    w = Walker().walk_to("drafting")
    w.do_drafting()
    service.set_triggers(w.id, sets={"stability_risk": "no"}, reasons={}, as_user="drafter")
    unmet = blocked(w.advance)
    assert requirement(unmet, "trigger.stability_risk.reason").article == "Art 22"
    service.set_triggers(w.id, sets={}, reasons={"stability_risk": "无稳定风险"}, as_user="drafter")
    w.advance()


def test_non_disclosable_yes_needs_legal_basis_and_skips_participation_and_publication(org):
    w = Walker(triggers={"non_disclosable": "yes"}).walk_to("drafting")
    w.do_drafting()
    service.set_triggers(w.id, sets={"non_disclosable": "yes"}, reasons={"non_disclosable": ""}, as_user="drafter")
    assert requirement(blocked(w.advance), "non_disclosable.basis").article == "Art 14¶1"
    service.set_triggers(w.id, sets={}, reasons={"non_disclosable": "《保守国家秘密法》第9条"}, as_user="drafter")
    assert w.advance()["to"] == "legality_review"
    w.walk_to("execution")
    stages = {s["key"]: s for s in show(w.id)["stages"]}
    assert stages["public_participation"]["status"] == "skipped"
    assert "保守国家秘密法" in stages["public_participation"]["note"]
    assert stages["publication"]["status"] == "skipped"


def test_draft_and_legal_basis_required_art_12(org):
    w2 = Walker().walk_to("drafting")
    from tests.helpers import ALL_NO
    service.set_triggers(w2.id, sets=ALL_NO, reasons={k: "r" for k in ALL_NO}, as_user="drafter")
    unmet = blocked(w2.advance)
    assert requirement(unmet, "drafting.draft").article == "Art 12"
    assert requirement(unmet, "drafting.legal_basis").article == "Art 12¶2"


def test_interagency_consultation_and_dispute_statement_art_13(org):
    w = Walker(triggers={"interagency": "yes"}).walk_to("drafting")
    w.triggers = {}  # do the rest of drafting without the consultation
    from tests.helpers import ALL_NO
    values = {**ALL_NO, "interagency": "yes"}
    service.set_triggers(w.id, sets=values, reasons={k: "r" for k, v in values.items() if v == "no"}, as_user="drafter")
    w.ev("draft")
    w.ev("legal_basis")
    assert requirement(blocked(w.advance), "drafting.interagency_consultation").article == "Art 13"
    w.ev("interagency_consultation", consensus="no")
    assert requirement(blocked(w.advance), "drafting.dispute_statement").article == "Art 13"
    w.ev("dispute_statement")
    assert w.advance()["to"] == "public_participation"


# ------------------------------------------------------------------ public participation
def test_participation_activity_and_opinion_register_art_14_18(org):
    w = Walker().walk_to("public_participation")
    unmet = blocked(w.advance)
    assert requirement(unmet, "public_participation.participation_activity").article == "Art 14"
    assert requirement(unmet, "public_participation.opinion_register").article == "Art 18"


def test_open_comment_period_30_days_or_shortening_reason_art_15(org):
    w = Walker().walk_to("public_participation")
    w.ev("participation_activity", form="open_comment", start="2026-03-03", end="2026-03-20")
    w.ev("opinion_register", received=0, adopted=0, partially_adopted=0, not_adopted=0)
    u = requirement(blocked(w.advance), "open_comment")
    assert u.article == "Art 15" and "17" in u.message
    w2 = Walker().walk_to("public_participation")
    w2.ev("participation_activity", form="open_comment", start="2026-03-03", end="2026-03-20",
          shortened_reason="防汛紧急需要，征求意见期缩短至17日")
    w2.ev("opinion_register", received=0, adopted=0, partially_adopted=0, not_adopted=0)
    assert w2.advance()["from"] == "public_participation"


def test_exactly_30_days_is_enough(org):
    w = Walker().walk_to("public_participation")
    w.ev("participation_activity", form="open_comment", start="2026-03-03", end="2026-04-02")
    w.ev("opinion_register", received=1, adopted=1, partially_adopted=0, not_adopted=0)
    at_least(COMMENT_PERIOD_OVER)  # the period itself must be over (Art 15; tests/test_periods.py)
    w.advance()


def test_hearing_materials_7_days_before_art_16(org):
    w = Walker().walk_to("public_participation")
    w.ev("participation_activity", form="hearing", hearing_date="2026-03-20", materials_delivered="2026-03-15")
    w.ev("opinion_register", received=2, adopted=1, partially_adopted=0, not_adopted=1)
    u = requirement(blocked(w.advance), "form=hearing")
    assert u.article == "Art 16¶3"
    w2 = Walker().walk_to("public_participation")
    w2.ev("participation_activity", form="hearing", hearing_date="2026-03-20", materials_delivered="2026-03-13")
    w2.ev("opinion_register", received=2, adopted=1, partially_adopted=0, not_adopted=1)
    w2.advance()


def test_specific_groups_need_group_consultation_art_14_3(org):
    w = Walker(triggers={"specific_groups": "yes"}).walk_to("public_participation")
    w.ev("participation_activity", form="open_comment", start="2026-03-03", end="2026-04-02")
    w.ev("opinion_register", received=1, adopted=1, partially_adopted=0, not_adopted=0)
    at_least(COMMENT_PERIOD_OVER)
    assert requirement(blocked(w.advance), "form=group_consultation").article == "Art 14¶3"
    w.ev("participation_activity", form="group_consultation")
    w.advance()


def test_market_entities_need_enterprise_consultation(org):
    w = Walker(triggers={"market_entities": "yes"}).walk_to("public_participation")
    w.ev("participation_activity", form="open_comment", start="2026-03-03", end="2026-04-02")
    w.ev("opinion_register", received=1, adopted=1, partially_adopted=0, not_adopted=0)
    at_least(COMMENT_PERIOD_OVER)
    assert requirement(blocked(w.advance), "form=enterprise_consultation").article == "优化营商环境条例 Art 62"
    w.ev("participation_activity", form="enterprise_consultation")
    assert w.advance()["to"] == "fair_competition_review"


# ------------------------------------------------------------------ expert review
def test_expert_panel_size_and_adoption_art_19_20(org):
    w = Walker(triggers={"professional_technical": "yes"}).walk_to("expert_review")
    for i in (1, 2):
        w.ev("expert_opinion", user=f"expert{i}", expert=f"expert{i}", signed="yes", direct_interest="no")
    w.ev("expert_opinion", user="expert3", expert="expert3", signed="no", direct_interest="no")
    unmet = blocked(w.advance)
    panel = requirement(unmet, "expert_review.expert_opinion")
    assert panel.article == "Art 19, 20" and "3" in panel.message and "2" in panel.message
    assert requirement(unmet, "expert_adoption").article == "Art 29(3)"
    w.ev("expert_opinion", user="expert4", expert="expert4", signed="yes", direct_interest="no")
    w.ev("expert_adoption")
    assert w.advance()["from"] == "expert_review"


def test_expert_with_direct_interest_blocks_art_20(org):
    w = Walker(triggers={"professional_technical": "yes"}).walk_to("expert_review")
    w.do_expert_review()
    w.ev("expert_opinion", user="expert4", expert="利益相关专家", signed="yes", direct_interest="yes")
    u = requirement(blocked(w.advance), "forbidden")
    assert u.article == "Art 20" and "利益相关专家" in u.message


def test_expert_of_the_undertaking_unit_is_refused_separation_of_duties(org):
    w = Walker(triggers={"professional_technical": "yes"}).walk_to("expert_review")
    with pytest.raises(NotPermitted) as info:
        w.ev("expert_opinion", user="drc_expert", expert="drc_expert", signed="yes", direct_interest="no")
    assert "separation of duties" in info.value.message


def test_skipped_expert_review_is_recorded_with_reason(org):
    w = Walker().walk_to("legality_review")
    st = {s["key"]: s for s in show(w.id)["stages"]}["expert_review"]
    assert st["status"] == "skipped" and "professional_technical=no" in st["note"] and "经研究" in st["note"]


# ------------------------------------------------------------------ risk assessment
def test_risk_report_required_and_uncontrollable_blocks_until_revision_art_22_24(org):
    w = Walker(triggers={"stability_risk": "yes"}).walk_to("risk_assessment")
    assert requirement(blocked(w.advance), "risk_assessment.risk_report").article == "Art 22, 23"
    w.ev("risk_report", conclusion="uncontrollable", level="high")
    unmet = blocked(w.advance)
    assert "Art 24" in articles(unmet)
    # a newer controllable report without a revised draft is not enough
    w.ev("risk_report", conclusion="controllable", level="medium")
    u = requirement(blocked(w.advance), "risk_report.revision")
    assert u.article == "Art 24" and "决策草案" in u.message
    w.ev("draft", version="v2 修改稿")
    u = requirement(blocked(w.advance), "risk_report.revision")  # the controllable report predates the revision
    assert "风险评估报告" in u.message
    w.ev("risk_report", conclusion="controllable", level="low")
    assert w.advance()["from"] == "risk_assessment"


def test_prior_assessment_skips_risk_assessment_art_22_2(org):
    w = Walker(triggers={"stability_risk": "yes"}).walk_to("drafting")
    w.do_drafting()
    w.ev("prior_risk_assessment", reference="发改委稳评报告〔2025〕12号")
    w.advance()
    w.do_public_participation()
    r = w.advance()
    assert r["to"] == "legality_review"
    assert any(s["stage"] == "risk_assessment" and "稳评报告" in s["reason"] for s in r["skipped"])


# ------------------------------------------------------------------ fair competition review
def test_fair_competition_review_must_pass_art_29_1(org):
    w = Walker(triggers={"market_entities": "yes"}).walk_to("fair_competition_review")
    assert requirement(blocked(w.advance), "fair_competition_review.fair_competition_review").article == "Art 29(1)"
    w.ev("fair_competition_review", conclusion="fail")
    assert requirement(blocked(w.advance), "conclusion").article == "Art 29(1)"
    w.ev("fair_competition_review", conclusion="pass")
    assert w.advance()["to"] == "legality_review"


# ------------------------------------------------------------------ legality review
def test_legality_review_package_art_25_26_28(org):
    w = Walker().walk_to("legality_review")
    unmet = blocked(w.advance)
    assert requirement(unmet, "legality_submission").article == "Art 26"
    assert requirement(unmet, "legal_adviser_opinion").article == "Art 28"
    assert requirement(unmet, "legality_review.legality_opinion").article == "Art 25, 27"


def test_legality_review_cannot_be_skipped_by_any_trigger(org):
    from tests.helpers import ALL_NO
    w = Walker(triggers={**ALL_NO, "non_disclosable": "yes"}).walk_to("legality_review")
    assert w.state() == "legality_review"


@pytest.mark.parametrize("conclusion", ["unlawful", "returned"])
def test_unlawful_or_returned_blocks_art_25_2(org, conclusion):
    w = Walker().walk_to("legality_review")
    w.ev("legality_submission", submitted="2026-05-06")
    w.ev("legal_adviser_opinion", user="adviser")
    w.ev("legality_opinion", user="reviewer", conclusion=conclusion)
    u = requirement(blocked(w.advance, "reviewer"), "legality_opinion.conclusion")
    assert u.article == "Art 25¶2" and conclusion in u.message
    w.ev("legality_opinion", user="reviewer", conclusion="lawful")
    assert w.advance("reviewer")["to"] == "collective_discussion"


def test_exploratory_reform_needs_reviewer_risk_disclosure_art_25_2(org):
    w = Walker(triggers={"exploratory_reform": "yes"}).walk_to("legality_review")
    w.ev("legality_submission", submitted="2026-05-06")
    w.ev("legal_adviser_opinion", user="adviser")
    w.ev("legality_opinion", user="reviewer", conclusion="unlawful")
    u = requirement(blocked(w.advance, "reviewer"), "legal_risk_disclosure")
    assert u.article == "Art 25¶2"
    with pytest.raises(NotPermitted):
        w.ev("legal_risk_disclosure", user="drafter")
    w.ev("legal_risk_disclosure", user="reviewer")
    assert w.advance("reviewer")["to"] == "collective_discussion"
    w.meeting(date="2026-05-20")  # 7 working days after the submission (Art 26¶2)
    assert w.state() == "party_report"


def test_exploratory_reform_does_not_excuse_returned(org):
    w = Walker(triggers={"exploratory_reform": "yes"}).walk_to("legality_review")
    w.ev("legality_submission", submitted="2026-05-06")
    w.ev("legal_adviser_opinion", user="adviser")
    w.ev("legality_opinion", user="reviewer", conclusion="returned")
    w.ev("legal_risk_disclosure", user="reviewer")
    assert "Art 25¶2" in articles(blocked(w.advance, "reviewer"))


def test_lawful_with_amendments_needs_newer_draft_and_note_art_28(org):
    w = Walker().walk_to("legality_review")
    w.ev("legality_submission", submitted="2026-05-06")
    w.ev("legal_adviser_opinion", user="adviser")
    w.ev("draft", version="v2")  # a draft before the opinion does not count
    w.ev("legality_opinion", user="reviewer", conclusion="lawful_with_amendments")
    u = requirement(blocked(w.advance), "legality_opinion.revision")
    assert u.article == "Art 28" and "决策草案" in u.message and "修改情况说明" in u.message
    w.ev("draft", version="v3")
    assert "修改情况说明" in requirement(blocked(w.advance), "revision").message
    w.ev("amendment_note")
    assert w.advance()["to"] == "collective_discussion"


def test_legality_opinion_only_by_reviewer_outside_undertaking_unit(org):
    w = Walker().walk_to("legality_review")
    with pytest.raises(NotPermitted) as info:
        w.ev("legality_opinion", user="drc_expert", conclusion="lawful")
    assert "separation of duties" in info.value.message
    with pytest.raises(NotPermitted):
        w.ev("legality_opinion", user="adviser", conclusion="lawful")
    with pytest.raises(NotPermitted):
        w.ev("legal_adviser_opinion", user="drc_expert")


# ------------------------------------------------------------------ collective discussion
def test_meeting_at_least_7_working_days_after_submission_art_26_2(org):
    w = Walker().walk_to("legality_review")
    # submitted Thursday 2026-09-24. 2026-09-25 (Fri) is Mid-Autumn Festival, National Day rest is
    # 10-01..10-07, and Saturday 10-10 is an adjusted workday: the working days after 09-24 are
    # 09-28, 09-29, 09-30, 10-08, 10-09, 10-10, 10-12 -> the 7th working day is Monday 2026-10-12
    w.ev("legality_submission", submitted="2026-09-24")
    w.ev("legal_adviser_opinion", user="adviser")
    w.ev("legality_opinion", user="reviewer", conclusion="lawful")
    w.advance()
    u = requirement(blocked(w.meeting, date="2026-10-10"), "legality_submission.window")
    assert u.article == "Art 26¶2" and "仅6个工作日" in u.message
    w.meeting(date="2026-10-12")
    assert w.state() == "party_report"


def test_meeting_window_spring_festival(org):
    w = Walker().walk_to("legality_review")
    set_now("2026-02-10T09:00:00+08:00")  # the review recorded in February (§8: the meeting follows the opinion)
    # 2026 Spring Festival: 02-15..02-23 rest; 02-14 (Sat) and 02-28 (Sat) are workdays
    w.ev("legality_submission", submitted="2026-02-10")
    w.ev("legal_adviser_opinion", user="adviser")
    w.ev("legality_opinion", user="reviewer", conclusion="lawful")
    w.advance()
    # workdays after 02-10: 11, 12, 13, 14(Sat), 24, 25, 26 -> the 7th is 02-26
    assert "Art 26¶2" in articles(blocked(w.meeting, date="2026-02-25"))
    w.meeting(date="2026-02-26")


def test_short_review_reason_allows_earlier_meeting(org):
    w = Walker().walk_to("legality_review")
    w.ev("legality_submission", submitted="2026-05-06", short_review_reason="防汛应急需要，经审查机构同意缩短")
    w.ev("legal_adviser_opinion", user="adviser")
    w.ev("legality_opinion", user="reviewer", conclusion="lawful")
    w.advance()
    w.meeting(date="2026-05-08")
    assert w.state() == "party_report"


def test_meeting_type_must_be_executive_or_plenary_art_30(org):
    w = Walker().walk_to("collective_discussion")
    u = requirement(blocked(w.meeting, type_="office"), "meeting_type")
    assert u.article == "Art 30¶1"


def test_quorum_more_than_half_art_30(org):
    w = Walker().walk_to("collective_discussion")
    positions = [("vm1", "approve"), ("vm2", "approve"), ("mayor", "approve")]
    assert requirement(blocked(w.meeting, positions=positions, members=7), "quorum").article == "Art 30"
    assert requirement(blocked(w.meeting, positions=positions[1:], members=None), "quorum").article == "Art 30"
    w.meeting(positions=[("vm1", "approve"), ("vm2", "approve"), ("vm3", "abstain"), ("mayor", "approve")], members=7)


def test_head_speaks_last_art_30_2(org):
    w = Walker().walk_to("collective_discussion")
    positions = [("mayor", "approve")] + [(m, "approve") for m in MEMBERS[1:]]
    assert requirement(blocked(w.meeting, positions=positions), "head_last").article == "Art 30¶2"


def test_head_differing_from_majority_must_give_reason_art_30_2(org):
    w = Walker().walk_to("collective_discussion")
    positions = [("vm1", "reject"), ("vm2", "reject"), ("vm3", "reject"), ("vm4", "approve"), ("mayor", "approve")]
    u = requirement(blocked(w.meeting, positions=positions), "head_reason")
    assert u.article == "Art 30¶2"
    r = w.meeting(positions=positions, reason="项目时间紧迫，风险已有化解措施，决定通过")
    assert r["majority"] == "reject" and r["state"] == "party_report"
    meeting = show(w.id)["meetings"][0]
    assert [p["position"] for p in meeting["positions"]][:3] == ["reject"] * 3  # dissent kept per person
    assert meeting["reason"].startswith("项目时间紧迫")


def test_only_head_of_the_organ_decides(org):
    w = Walker().walk_to("collective_discussion")
    positions = [(m, "approve") for m in MEMBERS[1:6]] + [("vm6", "approve")]
    from decisions.procedure.meeting import MeetingInput, record_meeting
    at_least("2026-05-20")
    m = MeetingInput(type="executive", date="2026-05-20", minutes_filename="m.pdf", minutes=b"%PDF-1.4\n", members=7,
                     positions=positions, head="vm6", outcome="approve")
    assert requirement(blocked(record_meeting, w.id, m, as_user="secretary"), "head").article == "Art 30¶1"


def test_meeting_only_recorded_by_secretary(org):
    w = Walker().walk_to("collective_discussion")
    with pytest.raises(NotPermitted):
        w.meeting(user="organ")


def test_advance_without_meeting_is_blocked_art_30(org):
    w = Walker().walk_to("collective_discussion")
    assert requirement(blocked(w.advance, "organ"), "meeting").article == "Art 30"


def test_meeting_outcomes(org):
    w = Walker().walk_to("collective_discussion")
    assert requirement(blocked(w.meeting, outcome="rediscuss"), "head_reason").article == "Art 30¶2"
    w.meeting(outcome="rediscuss", reason="需补充财政承受能力论证")
    assert w.state() == "collective_discussion"
    w.meeting(outcome="defer", reason="待上级规划批复后再定")
    assert w.state() == "deferred"
    service.side_transition(w.id, action="resume", reason="条件成熟，再次提交", as_user="organ")
    assert w.state() == "collective_discussion"
    w.meeting(outcome="revise", reason="根据讨论意见修改实施范围")
    r = show(w.id)
    assert r["state"] == "drafting" and r["round"] == 2
    assert {s["key"]: s["status"] for s in r["stages"]}["legality_review"] == "pending"
    # the second round runs again what the profile's [revise] names stale (legality review), with new evidence;
    # public participation keeps its evidence (tests/test_periods.py)
    w.ev("draft", version="v2")
    w.ev("legal_basis")
    assert w.advance()["to"] == "legality_review"
    assert "Art 26" in articles(blocked(w.advance))
    w.walk_to("collective_discussion")
    positions = [(m, "reject") for m in MEMBERS[1:]] + [("mayor", "reject")]
    w.meeting(outcome="reject", positions=positions)
    assert w.state() == "rejected"


# ------------------------------------------------------------------ after the meeting
def test_party_committee_report_before_publication_art_31(org):
    w = Walker().walk_to("party_report")
    assert requirement(blocked(w.advance, "organ"), "party_committee_report").article == "Art 31"


def test_npc_report_when_in_npc_scope_art_8(org):
    w = Walker(triggers={"npc_scope": "yes"}).walk_to("party_report")
    w.ev("party_committee_report", user="organ", reported="2026-05-22")
    w.ev("execution_assignment", user="organ", executing_unit="CITY-FIN")
    assert requirement(blocked(w.advance, "organ"), "npc_report").article == "Art 8"
    w.ev("npc_report", user="organ", reported="2026-05-23")
    w.advance("organ")


def test_publication_record_and_adoption_explanation_art_32(org):
    w = Walker(triggers={"high_public_concern": "yes"}).walk_to("publication")
    unmet = blocked(w.advance, "organ")
    assert requirement(unmet, "publication_record").article == "Art 32"
    assert requirement(unmet, "adoption_explanation").article == "Art 32"


def test_executing_unit_must_be_designated_art_34(org):
    w = Walker().walk_to("party_report")
    w.ev("party_committee_report", user="organ", reported="2026-05-22")
    w.advance("organ")
    w.ev("publication_record", user="organ", channel="gazette", date="2026-05-28")
    assert requirement(blocked(w.advance, "organ"), "execution_assignment").article == "Art 34"
    w.ev("execution_assignment", user="organ", executing_unit="CITY-FIN")
    assert w.advance("organ")["to"] == "execution"


def test_closing_needs_an_execution_report_by_the_executing_unit_art_34(org):
    w = Walker().walk_to("execution")
    assert requirement(blocked(w.advance, "organ"), "execution_report").article == "Art 34"
    with pytest.raises(NotPermitted):
        w.ev("execution_report", user="drafter")
    w.ev("execution_report", user="executor", period="2026H1")
    assert w.advance("organ")["to"] == "closed"


def test_suspension_by_head_only_with_issue_report_art_37(org):
    w = Walker().walk_to("execution")
    with pytest.raises(NotPermitted):
        service.side_transition(w.id, action="suspend", reason="紧急", as_user="organ")
    assert "Art 35, 37" in articles(blocked(service.side_transition, w.id, action="suspend", reason="紧急",
                                            as_user="mayor"))
    w.ev("issue_report", user="executor", nature="major_change")
    service.side_transition(w.id, action="suspend", reason="客观情况发生重大变化，紧急中止", as_user="mayor")
    assert w.state() == "suspended"


def test_evidence_only_in_its_stage(org):
    w = Walker().walk_to("drafting")
    unmet = blocked(w.ev, "risk_report", conclusion="controllable", level="low")
    assert "风险评估" in unmet[0].message


def test_a_profile_overlay_changes_the_panel_size(org):
    from decisions.accounts import service as directory
    directory.add_office("LN", "辽宁示例市人民政府", "city", profile="liaoning-2023")
    directory.add_office("LN-DRC", "辽宁示例市发改委", "department", parent="LN")
    directory.add_user("ln_organ", "ln_organ", "LN", ["decision_organ"])
    directory.add_user("ln_drafter", "ln_drafter", "LN-DRC", ["drafter"])
    r = service.new_decision(title="辽宁示例", organ="LN", undertaker="LN-DRC", category=1, source="leader",
                             as_user="ln_organ")
    assert r["profile"] == "liaoning-2023"
    w = Walker(triggers={"professional_technical": "yes"})
    w.id = r["id"]
    w.ev("proposal", user="ln_organ", source="leader")
    w.ev("start_decision", user="ln_organ")
    w.advance("ln_organ")
    from tests.helpers import ALL_NO
    values = {**ALL_NO, "professional_technical": "yes"}
    service.set_triggers(w.id, sets=values, reasons={k: "r" for k, v in values.items() if v == "no"},
                         as_user="ln_drafter")
    w.ev("draft", user="ln_drafter")
    w.ev("legal_basis", user="ln_drafter")
    w.advance("ln_drafter")
    w.ev("participation_activity", user="ln_drafter", form="written")
    w.ev("opinion_register", user="ln_drafter", received=0, adopted=0, partially_adopted=0, not_adopted=0)
    w.advance("ln_drafter")
    w.assign_experts(["expert1", "expert2", "expert3"], user="ln_drafter")
    for i in range(1, 4):
        w.ev("expert_opinion", user=f"expert{i}", expert=f"e{i}", signed="yes", direct_interest="no")
    w.ev("expert_adoption", user="ln_drafter")
    u = requirement(blocked(w.advance, "ln_drafter"), "expert_review.expert_opinion")
    assert "5" in u.message


def test_side_transitions_keep_the_stage_history_honest(org):
    w = Walker().walk_to("legality_review")
    with pytest.raises(NotPermitted):
        service.side_transition(w.id, action="withdraw", reason="不再需要", as_user="drafter")
    service.side_transition(w.id, action="withdraw", reason="上级政策调整，撤回决策事项", as_user="organ")
    stages = {s["key"]: s for s in show(w.id)["stages"]}
    assert show(w.id)["state"] == "withdrawn"
    assert stages["legality_review"]["status"] == "current"  # not pretended done
    assert "撤回" in stages["legality_review"]["note"]
    assert "Art 30" in articles(blocked(w.advance, "drafter"))  # nothing moves a withdrawn decision on


def test_rejected_meeting_completes_the_stage(org):
    w = Walker().walk_to("collective_discussion")
    positions = [(m, "reject") for m in MEMBERS[1:]] + [("mayor", "reject")]
    w.meeting(outcome="reject", positions=positions)
    stage = {s["key"]: s for s in show(w.id)["stages"]}["collective_discussion"]
    assert show(w.id)["state"] == "rejected" and stage["status"] == "done" and "reject" in stage["note"]


def test_art_29_meeting_package_is_checked_at_the_meeting_itself():
    """The package rules of collective_discussion, evaluated on a snapshot that lacks each item (a province's
    overlay may loosen an earlier stage; the meeting still refuses an incomplete Art 29 package)."""
    from datetime import date

    from workflow import gates, profiles
    profile = profiles.load("state-council-2019")
    yes = {t: gates.Determination(True, "basis") for t in ("market_entities", "professional_technical",
                                                          "stability_risk")}
    no = {t: gates.Determination(False, "r") for t in ("non_disclosable", "exploratory_reform")}
    empty = gates.Snapshot(triggers={**yes, **no}, items=[], meeting_date=date(2026, 5, 20))
    unmet = {u.requirement: u.article for u in gates.evaluate(profile, "collective_discussion", empty)}
    assert unmet == {
        "collective_discussion.draft": "Art 29(1)",
        "collective_discussion.fair_competition_review": "Art 29(1)",
        "collective_discussion.opinion_register": "Art 29(2)",
        "collective_discussion.expert_adoption": "Art 29(3)",
        "collective_discussion.risk_report": "Art 29(4)",
        "collective_discussion.legality_opinion": "Art 29(5)",
    }
    unlawful = gates.Snapshot(triggers={**no}, items=[gates.Item(1, "legality_opinion", {"conclusion": "unlawful"})],
                              meeting_date=date(2026, 5, 20))
    assert "collective_discussion.legal_risk_disclosure" in {
        u.requirement for u in gates.evaluate(profile, "collective_discussion", unlawful)}
