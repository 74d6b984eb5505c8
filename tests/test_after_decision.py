"""After the decision (Art 34–37): reports, issue reports, public feedback, suspension by the head,
post-evaluation with its triggers and independence rule, major adjustment, termination, closing."""

from __future__ import annotations

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from decisions.aftercare import service as aftercare
from decisions.aftercare.models import PublicFeedback
from decisions.cli import app
from decisions.deadlines import scheduled
from decisions.deadlines import views as deadline_views
from decisions.errors import BadInput, Blocked, NotPermitted
from decisions.procedure import service
from decisions.procedure.views import show
from decisions.records.models import AuditEvent
from decisions.storage.unit_of_work import UnitOfWork
from tests.helpers import PDF, Walker, set_now, today


def _executing(**triggers: str) -> Walker:
    w = Walker(triggers=dict(triggers))
    return w.walk_to("execution")


def _actions(decision_id: int) -> list[str]:
    with UnitOfWork() as uow:
        return list(uow.session.exec(select(AuditEvent.action).where(AuditEvent.decision_id == decision_id)))


def test_reports_only_in_execution(org):
    w = Walker().walk_to("party_report")
    w.do_party_report()                     # designates the executing unit (CITY-FIN)
    with pytest.raises(Blocked) as err:     # a report for a decision not in execution
        w.ev("execution_report", user="executor", period="2026H1")
    assert "execution" in err.value.unmet[0].message_en
    w.advance("organ")
    w.do_publication()
    w.advance("organ")
    r = w.ev("execution_report", user="executor", period="2026H1")
    assert r["kind"] == "execution_report"
    st = aftercare.status(w.id)
    assert st["executing_unit"]["code"] == "CITY-FIN" and len(st["execution_reports"]) == 1
    with pytest.raises(NotPermitted):       # the executing unit files the reports
        w.ev("execution_report", user="drafter", period="2026H2")


def test_execution_report_cadence_reminds_and_escalates(org):
    # execution since 2026-04-03 (the walk leaves public participation after its comment period); reports every
    # 6 months: due 2026-10-03, in the National Day holiday, so the next working day
    w = _executing()
    set_now("2026-08-10T09:00:00+08:00")
    scheduled.run_once()
    row = next(r for r in deadline_views.deadlines(w.id) if r["type"] == "execution_report")
    assert row["due"] == "2026-10-08" and row["remind_on"] == "2026-09-17" and row["escalate_on"] == "2026-10-21"
    set_now(f"{row['remind_on']}T09:00:00+08:00")
    scheduled.run_once()
    assert [n["kind"] for n in deadline_views.inbox("executor")] == ["reminder"]
    set_now(f"{row['escalate_on']}T09:00:00+08:00")
    scheduled.run_once()
    assert [n["kind"] for n in deadline_views.inbox("mayor")] == ["escalation"]
    assert "Art 34" in deadline_views.inbox("mayor")[0]["article"]


def test_public_feedback_inbox_and_post_evaluation_suggestion(org, monkeypatch):
    w = Walker().walk_to("publication")
    with pytest.raises(Blocked) as err:     # not yet published: no public inbox
        aftercare.add_feedback(w.id, channel="web", content="建议延长开放时间")
    assert err.value.unmet[0].article == "Art 35¶2"
    w.do_publication()
    w.advance("organ")
    with pytest.raises(BadInput):
        aftercare.add_feedback(w.id, channel="pigeon", content="x")
    with pytest.raises(BadInput):
        aftercare.add_feedback(w.id, channel="web", content="   ")
    r = aftercare.add_feedback(w.id, channel="letter", content="收费标准过高", contact="张先生")
    assert r["count"] == 1 and r["threshold"] == 50 and not r["post_evaluation_suggested"]
    with UnitOfWork() as uow:     # 49 more opinions arrive through the web form
        for i in range(49):
            uow.session.add(PublicFeedback(decision_id=w.id, channel="web", content=f"意见{i}",
                                           received_at="2026-03-02T10:00:00+08:00"))
        uow.commit()
    scheduled.run_once()
    scheduled.run_once()
    box = [n for n in deadline_views.inbox("organ") if n["kind"] == "suggestion"]
    assert len(box) == 1 and "50" in box[0]["body"] and "Art 36" in box[0]["article"]
    assert len(aftercare.feedback(w.id)) == 50
    out = CliRunner().invoke(app, ["feedback", "add", str(w.id), "--channel", "phone", "--text", "支持", "--json"])
    assert out.exit_code == 0 and '"post_evaluation_suggested": true' in out.output


def test_issue_report_suspension_by_the_head_resume_terminate(org):
    w = _executing()
    with pytest.raises(Blocked):            # suspension needs an issue report (Art 35, 37)
        aftercare.suspend(w.id, urgency="群众反映强烈，需立即暂停", as_user="mayor")
    w.ev("issue_report", user="executor", nature="major_change")
    scheduled.run_once()
    notice = [n for n in deadline_views.inbox("mayor") if n["kind"] == "notice"]
    assert len(notice) == 1 and "中止执行" in notice[0]["body"]
    with pytest.raises(NotPermitted):       # only the head suspends
        aftercare.suspend(w.id, urgency="群众反映强烈，需立即暂停", as_user="organ")
    with pytest.raises(BadInput):           # and only with the urgency stated
        aftercare.suspend(w.id, urgency=" ", as_user="mayor")
    assert show(w.id)["state"] == "execution"
    r = aftercare.suspend(w.id, urgency="施工安全隐患，情况紧急", as_user="mayor")
    assert r["to"] == "suspended"
    with pytest.raises(Blocked):            # no execution report while suspended
        w.ev("execution_report", user="executor", period="x")
    service.side_transition(w.id, action="resume", reason="隐患已排除", as_user="mayor")
    assert show(w.id)["state"] == "execution"
    aftercare.suspend(w.id, urgency="再次发现重大问题", as_user="mayor")
    with pytest.raises(Blocked):            # the organ's recorded decision, not a reason alone (Art 37)
        aftercare.terminate(w.id, reason="经评估不再执行", as_user="organ")
    w.ev("organ_decision", user="organ", change="terminate", date=today())
    aftercare.terminate(w.id, reason="经评估不再执行", as_user="organ")
    assert show(w.id)["state"] == "closed"
    with pytest.raises(Blocked):
        aftercare.suspend(w.id, urgency="已经关闭的决策", as_user="mayor")


def test_post_evaluation_triggers_and_independence(org):
    w = _executing(professional_technical="yes")   # expert1..3 of ACAD did the expert review
    with pytest.raises(Blocked) as err:
        aftercare.start_evaluation(w.id, trigger="organ_choice", evaluator="ACAD", reason="到期评估", as_user="organ")
    assert err.value.unmet[0].requirement == "post_evaluation.independence" and err.value.unmet[0].article == "Art 36"
    with pytest.raises(Blocked) as err:
        aftercare.start_evaluation(w.id, trigger="feedback_volume", evaluator="CITY-JUS", reason="意见多",
                                   as_user="organ")
    assert "50" in err.value.unmet[0].message
    with pytest.raises(Blocked):            # missed targets must rest on a report
        aftercare.start_evaluation(w.id, trigger="missed_targets", evaluator="CITY-JUS", reason="未达预期",
                                   as_user="organ")
    with pytest.raises(NotPermitted):
        aftercare.start_evaluation(w.id, trigger="organ_choice", evaluator="CITY-JUS", reason="x", as_user="drafter")
    w.ev("execution_report", user="executor", period="2026H1")
    ev = aftercare.start_evaluation(w.id, trigger="missed_targets", evaluator="CITY-JUS",
                                    reason="更新项目完成率不足三成", as_user="organ")
    assert ev["evaluator"] == "CITY-JUS" and ev["status"] == "started"
    with pytest.raises(NotPermitted):        # only the evaluating unit files the report
        aftercare.report_evaluation(w.id, filename="评估报告.pdf", data=PDF, conclusion="partially_effective",
                                    recommendation="adjust", participants="人大代表2名", as_user="drafter")
    with pytest.raises(BadInput):
        aftercare.report_evaluation(w.id, filename="评估报告.pdf", data=PDF, conclusion="partially_effective",
                                    recommendation="adjust", participants=" ", as_user="reviewer")
    done = aftercare.report_evaluation(w.id, filename="评估报告.pdf", data=PDF, conclusion="partially_effective",
                                       recommendation="adjust", participants="人大代表2名、政协委员1名、居民代表5名",
                                       as_user="reviewer")
    assert done["status"] == "reported" and len(done["report_sha256"]) == 64
    actions = _actions(w.id)
    assert "post_evaluation_start" in actions and "post_evaluation_report" in actions


def test_major_adjustment_is_a_new_decision_linked_to_its_parent(org):
    pre = Walker().walk_to("legality_review")
    with pytest.raises(Blocked):
        aftercare.adjust(pre.id, title="调整", reason="x", as_user="organ")
    w = _executing()
    with pytest.raises(NotPermitted):
        aftercare.adjust(w.id, title="调整", reason="评估建议调整", as_user="drafter")
    w.ev("organ_decision", user="organ", change="minor_adjustment", date=today())  # Art 37: the organ decided
    minor = aftercare.adjust(w.id, title="", reason="更正附件文字错误，不涉及实质内容（一般调整）", as_user="organ",
                             minor=True)
    assert minor["minor"] is True
    child = aftercare.adjust(w.id, title="示例市城市更新专项规划（2027年调整）", reason="后评估建议调整实施范围",
                             as_user="organ")
    assert child["parent"] == show(w.id)["code"] and child["state"] == "proposed"
    assert aftercare.status(w.id)["adjustments"] == [child["code"]]
    assert aftercare.status(child["id"])["parent"] == show(w.id)["code"]
    # the child runs the whole procedure again
    kid = Walker()
    kid.id = child["id"]
    kid.walk_to("legality_review")
    assert {s["key"]: s["status"] for s in show(kid.id)["stages"]}["public_participation"] == "done"
    out = CliRunner().invoke(app, ["decision", "adjust", str(w.id), "--reason", "x", "--minor", "--as", "organ"])
    assert out.exit_code == 3  # the organ's decision served the first minor adjustment (Art 37)
    w.ev("organ_decision", user="organ", change="minor_adjustment", date=today())
    out = CliRunner().invoke(app, ["decision", "adjust", str(w.id), "--reason", "x", "--minor", "--as", "organ"])
    assert out.exit_code == 0


def test_close_after_execution(org):
    w = _executing()
    with pytest.raises(Blocked):             # the execution gate wants a report
        aftercare.close(w.id, as_user="organ")
    w.ev("execution_report", user="executor", period="final")
    assert aftercare.close(w.id, as_user="organ")["to"] == "closed"
    with pytest.raises(Blocked):
        aftercare.close(w.id, as_user="organ")
    scheduled.run_once()
    assert all(r["status"] != "open" for r in deadline_views.deadlines(w.id))
