"""Working like an OA: who acts next in every state, 待办 / 已办 / 我发起的, 催办 and 批示 (service and CLI),
the 流转记录 and the 呈批件."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from decisions.cli import app
from decisions.deadlines import views as deadline_views
from decisions.deadlines.service import mark_read
from decisions.errors import BadInput, Blocked, NotPermitted
from decisions.oa import rules
from decisions.oa import service as oa
from decisions.procedure import service
from decisions.procedure.sending_back import return_decision
from decisions.procedure.views import show
from decisions.workbench import oa as oa_views
from tests.helpers import Walker, set_now, today
from workflow import profiles

runner = CliRunner()
P = profiles.load("state-council-2019")


# ----------------------------------------------------------------- the rule, every state of the profile
EXPECTED_NEXT = {  # state -> (unmet requirements, overdue) -> roles
    "proposed": ([], ["decision_organ"]),
    "drafting": ([], ["drafter"]),
    "public_participation": ([], ["drafter"]),
    "expert_review": ([], ["drafter"]),
    "risk_assessment": ([], ["drafter"]),
    "fair_competition_review": ([], ["drafter"]),
    "legality_review": ([], ["drafter", "legality_reviewer"]),
    "collective_discussion": ([], ["secretary"]),
    "party_report": ([], ["decision_organ"]),
    "publication": ([], ["decision_organ"]),
    "execution": ([], ["decision_organ"]),
    "closed": ([], ["archivist"]),
    "deferred": ([], ["head", "decision_organ"]),
    "suspended": ([], ["head", "decision_organ"]),
    "excluded": ([], []), "rejected": ([], []), "withdrawn": ([], []),
}


def test_the_rule_covers_every_state_of_the_profile():
    assert set(EXPECTED_NEXT) == set(P.stage_order) | set(profiles.SIDE_STATES)
    for state, (unmet, roles) in EXPECTED_NEXT.items():
        assert rules.next_roles(P, state, unmet) == roles, state


def test_unmet_requirements_name_who_meets_them():
    assert rules.next_roles(P, "legality_review", ["legality_review.legality_opinion"]) == ["legality_reviewer"]
    assert rules.next_roles(P, "legality_review", ["legality_review.legality_submission"]) == ["drafter"]
    assert rules.next_roles(P, "expert_review", ["expert_review.expert_opinion"]) == ["expert"]
    # no panel yet: the undertaking unit picks it first (Art 20)
    assert rules.next_roles(P, "expert_review", ["expert_review.expert_opinion"], experts_assigned=False) == ["drafter"]
    assert rules.next_roles(P, "proposed", ["proposed.start_decision"]) == ["decision_organ"]
    assert rules.next_roles(P, "drafting", ["drafting.trigger.npc_scope"]) == ["drafter"]


def test_execution_overdue_is_the_executors_and_archived_is_nobodys():
    assert rules.next_roles(P, "execution", [], overdue=True) == ["executor"]
    assert rules.next_roles(P, "execution", ["execution.execution_report"]) == ["executor"]
    assert rules.next_roles(P, "closed", [], archived=True) == []
    assert rules.task_label("execution", ["executor"], []) == "report"


# ----------------------------------------------------------------- 待办 in the database
def todo_ids(user: str, **kw) -> list[int]:
    return [r["id"] for r in oa_views.worklist(user, tab="todo", **kw)["rows"]]


def scanned(user: str) -> set[int]:
    """The 待办's candidates (the per-branch scans) for `user`."""
    from decisions.procedure import scope
    from decisions.storage.unit_of_work import UnitOfWork

    with UnitOfWork() as uow:
        r = scope.reader(uow.session, user)
        return {d.id for d in oa_views._candidates(uow.session, r, scope.visible_clause(r), [])}


def covered(user: str) -> set[int]:
    """What the candidates must be: open decisions in a state of one of the user's roles, within that role's
    acting scope and the user's read scope, as one plain query over ``role_clause`` and ``visible_clause``."""
    from sqlalchemy import and_, or_
    from sqlmodel import col, select

    from decisions.procedure import scope
    from decisions.procedure.models import Decision
    from decisions.storage.unit_of_work import UnitOfWork
    from decisions.workbench.views import ROLE_STATES

    with UnitOfWork() as uow:
        r = scope.reader(uow.session, user)
        acting = [and_(col(Decision.state).in_(ROLE_STATES[role]),
                       scope.role_clause(r, "legality_reviewer" if role == "legal_adviser" else role))
                  for role in r.roles if role in ROLE_STATES]
        if not acting:
            return set()
        where = [or_(*acting), col(Decision.archived_at).is_(None)]
        visible = scope.visible_clause(r)
        return set(uow.session.exec(select(Decision.id).where(*where, *([visible] if visible is not None else []))))


def test_the_task_scans_find_what_the_role_scopes_cover(org):
    """The 待办 scans each role's scope in branches (the undertaking unit, its co-undertaking, the executing unit):
    together they find exactly what the role's whole scope covers, for every user."""
    from sqlmodel import select

    from decisions.accounts import service as directory
    from decisions.accounts.models import User
    from decisions.storage.unit_of_work import UnitOfWork

    shared = service.new_decision(title="示例市两部门联合起草事项", organ="CITY", undertaker="CITY-DRC", category=2,
                                  source="department", co_undertakers=["CITY-NR"], as_user="organ")["id"]
    Walker().walk_to("legality_review")
    executing = Walker().walk_to("execution")
    closed = Walker().walk_to("closed")
    risky = Walker(triggers={"stability_risk": "yes"}).walk_to("risk_assessment")
    directory.add_user("assessor1", "评估机构甲", "ACAD", ["assessor"])  # assigned to nothing: reads nothing
    assert shared in scanned("drafter2")                     # the co-undertaking unit's drafter (its own branch)
    assert executing.id in scanned("executor")               # the executing unit (its own branch)
    assert closed.id in scanned("archivist")
    assert risky.id not in scanned("assessor1")              # acting scope cut to the read scope (Art 22, 23)
    with UnitOfWork() as uow:
        users = list(uow.session.exec(select(User.username)))
    assert len(users) > 20
    for user in users:
        assert scanned(user) == covered(user), user


def test_overdue_execution_report_is_the_executors_todo(org):
    w = Walker().walk_to("execution")
    w.do_execution()
    assert w.id not in todo_ids("executor")        # a report filed, the next one not due
    assert w.id in todo_ids("organ")               # the organ may close
    set_now("2027-06-01T09:00:00+08:00")           # six months on: the report is overdue (Art 34)
    row = next(r for r in oa_views.worklist("executor", tab="todo")["rows"] if r["id"] == w.id)
    assert row["overdue"] and row["task"] == "report" and row["roles"] == ["executor"]
    assert w.id not in todo_ids("organ")
    assert w.id in todo_ids("executor", overdue_only=True)
    assert todo_ids("drafter2") == []
    # my_tasks reads the same rule: the executor's overdue report is theirs to provide, not "waiting for others"
    from decisions.workbench import views as workbench

    task = next(x for x in workbench.my_tasks("executor")["tasks"] if x["id"] == w.id)
    assert task["action"] == "provide" and task["overdue"]


def test_a_returned_review_is_the_drafters_todo_not_the_reviewers(org):
    w = Walker().walk_to("legality_review")
    assert w.id in todo_ids("drafter")             # the submission is missing
    w.ev("legality_submission", submitted="2026-03-02")
    assert w.id in todo_ids("reviewer") and w.id not in todo_ids("drafter")
    return_decision(w.id, to="drafting", reason="公众参与说明不完整", as_user="reviewer")
    row = next(r for r in oa_views.worklist("drafter", tab="todo")["rows"] if r["id"] == w.id)
    assert "returned" in row["flags"] and row["state"] == "drafting"
    assert w.id not in todo_ids("reviewer")


def test_done_and_mine_from_the_trail_newest_first(org):
    a = Walker().new("甲事项")
    b = Walker().new("乙事项")
    a.do_proposed()
    done = oa_views.worklist("organ", tab="done", sort="updated")["rows"]
    assert [r["id"] for r in done][:2] == [a.id, b.id] or {r["id"] for r in done} >= {a.id, b.id}
    first = next(r for r in done if r["id"] == a.id)
    assert first["acted"] == "evidence" and first["acted_name"] == "提交材料" and first["acted_at"]
    assert {r["id"] for r in oa_views.worklist("organ", tab="mine")["rows"]} == {a.id, b.id}
    assert oa_views.worklist("drafter", tab="mine")["rows"] == []
    assert oa_views.worklist("organ", tab="mine", state="drafting")["rows"] == []
    with pytest.raises(BadInput):
        oa_views.worklist("organ", tab="nonsense")


# ----------------------------------------------------------------- 催办
def test_urge_notifies_who_acts_next_and_is_recorded(org):
    w = Walker().new()
    w.do_proposed()
    w.advance("organ")                              # drafting: the drafter acts next
    r = oa.urge(w.id, message="请于本周内报送草案", as_user="mayor")
    assert r["to"] == ["drafter"] and r["role"] == "head"
    notes = deadline_views.inbox("drafter", unread_only=True)
    assert notes[0]["kind"] == "urge" and notes[0]["decision_id"] == w.id and "请于本周内报送草案" in notes[0]["body"]
    assert deadline_views.inbox("reviewer") == []
    assert show(w.id)["audit"][-1]["action"] == "urge"
    flow = oa_views.flow_record(w.id, "drafter")
    last = flow["rows"][-1]
    assert (last["action_name"], last["comment"], last["who"], last["role"]) == ("催办", "请于本周内报送草案", "mayor",
                                                                               "行政首长")
    assert flow["raw"] is None and oa_views.flow_record(w.id, "auditor")["raw"]
    # the urge is a 待办 for the drafter (unread), and marked read it stays one only as their task
    assert "urge" in next(x for x in oa_views.worklist("drafter")["rows"] if x["id"] == w.id)["flags"]
    mark_read(notes[0]["id"], "drafter")
    assert deadline_views.inbox("drafter", unread_only=True) == []


def test_urge_refusals(org):
    w = Walker().new()
    before = len(show(w.id)["audit"])
    for user in ("drafter", "executor", "reviewer", "auditor", "secretary"):
        with pytest.raises(NotPermitted) as info:
            oa.urge(w.id, message="快办", as_user=user)
        assert user in info.value.message
    with pytest.raises(BadInput):
        oa.urge(w.id, message="  ", as_user="organ")
    service.side_transition(w.id, action="withdraw", reason="不再需要", as_user="organ")
    with pytest.raises(Blocked) as blocked:
        oa.urge(w.id, message="快办", as_user="organ")
    assert blocked.value.unmet[0].article == "Art 38"
    assert len(show(w.id)["audit"]) == before + 1   # only the withdrawal


# ----------------------------------------------------------------- 批示
def test_the_heads_instruction(org):
    w = Walker().new()
    r = oa.instruct(w.id, text="同意启动，请发展改革委牵头", as_user="mayor")
    assert "organ" in r["to"] and "mayor" not in r["to"] and r["role"] == "head"
    assert deadline_views.inbox("organ")[0]["kind"] == "instruction"
    flow = oa_views.flow_record(w.id, "organ")
    assert flow["instructions"][0]["comment"] == "同意启动，请发展改革委牵头"
    for user in ("organ", "drafter", "secretary", "auditor"):
        with pytest.raises(NotPermitted):
            oa.instruct(w.id, text="x", as_user=user)
    with pytest.raises(BadInput):
        oa.instruct(w.id, text="", as_user="mayor")
    acts = oa_views.oa_actions(w.id, "mayor")
    assert acts["can_instruct"] and acts["can_urge"]
    assert not oa_views.oa_actions(w.id, "drafter")["can_urge"]


def test_dossier_prose_for_the_new_events():
    from pdf import events

    assert events.describe("urge", {"message": "请尽快办理", "to": ["drafter"]}) == "催办：请尽快办理（送 drafter）"
    assert events.describe("instruction", {"text": "同意"}) == "批示：同意"
    assert events.action_name("instruction") == "领导批示"


# ----------------------------------------------------------------- the command line
def cli(*args: str) -> tuple[int, str]:
    r = runner.invoke(app, list(args))
    return r.exit_code, r.stdout + (r.stderr if r.stderr_bytes is not None else "")


def test_cli_urge_and_instruct_exit_codes(org):
    w = Walker().new()
    did = str(w.id)
    code, out = cli("instruct", did, "--text", "抓紧办理", "--as", "mayor")
    assert code == 0 and "已批示" in out
    code, out = cli("urge", did, "--message", "请尽快", "--as", "organ", "--json")
    assert code == 0 and '"to"' in out
    assert cli("urge", did, "--message", "请尽快", "--as", "drafter")[0] == 4
    assert cli("instruct", did, "--text", "x", "--as", "organ")[0] == 4
    assert cli("urge", did, "--message", "", "--as", "organ")[0] == 2
    assert cli("urge", "99999", "--message", "x", "--as", "organ")[0] == 5
    service.side_transition(w.id, action="withdraw", reason="不再需要", as_user="organ")
    assert cli("urge", did, "--message", "x", "--as", "organ")[0] == 3


# ----------------------------------------------------------------- the 呈批件
def test_approval_sheet_pdf(org):
    from io import BytesIO

    from pypdf import PdfReader

    w = Walker().walk_to("legality_review")
    oa.instruct(w.id, text="请司法局从严审查", as_user="mayor")
    out = oa_views.approval_sheet(w.id, "reviewer")
    assert out["filename"] == f"呈批件-{show(w.id)['code']}.pdf" and out["pdf"].startswith(b"%PDF")
    sheet = out["sheet"]
    assert sheet["stage"] == "合法性审查" and "年" in sheet["printed"] and "尚需办理" in sheet["request"]
    assert sheet["instructions"][0]["comment"] == "请司法局从严审查"
    assert sheet["instructions"][0]["at"].startswith("2026年")
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(out["pdf"])).pages)
    assert "呈" in text and "请司法局从严审查" in text and "签字" in text
    with pytest.raises(NotPermitted):
        oa_views.approval_sheet(w.id, "drafter2")


def test_the_heads_escalations_are_tasks_until_read(org):
    """The worker's 督办 (an overdue legality review escalated to the organ's head, Art 26¶2) appears in the head's
    待办 though the head does not act on the stage; marked read, it leaves."""
    from decisions.deadlines import scheduled

    w = Walker().walk_to("legality_review")
    w.ev("legality_submission", submitted=today())  # the walk left public participation after its period
    scheduled.run_once(full=True)
    assert w.id not in todo_ids("mayor")
    set_now("2026-05-20T09:00:00+08:00")
    scheduled.run_once(full=True)
    row = next(r for r in oa_views.worklist("mayor")["rows"] if r["id"] == w.id)
    assert row["flags"] == ["escalation"] and row["task"] == "notice" and row["roles"] == []
    for n in deadline_views.inbox("mayor", unread_only=True):
        mark_read(n["id"], "mayor")
    assert w.id not in todo_ids("mayor")


def test_the_dossier_tells_the_urge_and_the_instruction(org):
    from io import BytesIO

    from pypdf import PdfReader

    from decisions.archive import service as archive

    w = Walker().new()
    oa.instruct(w.id, text="同意启动请抓紧", as_user="mayor")
    oa.urge(w.id, message="本周报送建议", as_user="mayor")
    pdf = archive.generate_dossier(w.id, as_user="mayor")["data"]
    text = "".join("".join((p.extract_text() or "").split()) for p in PdfReader(BytesIO(pdf)).pages)
    assert "批示：同意启动请抓紧" in text and "催办：本周报送建议" in text


def test_a_legality_review_is_the_registered_reviewing_offices_todo(org):
    """Who reviews is the organ's registered reviewing office (Art 25), read once per organ for the whole list:
    every decision of the organ follows the register, and a change of the register shows at once."""
    from decisions.accounts import service as directory
    from decisions.procedure import registers

    directory.add_office("CITY-LAW", "示例市政府法律顾问室", "department", parent="CITY")
    directory.add_user("reviewer2", "reviewer2", "CITY-LAW", ["legality_reviewer"])
    ids = []
    for title in ("甲：城市更新专项规划", "乙：公共停车设施办法"):
        w = Walker().new(title).walk_to("legality_review")
        w.ev("legality_submission", submitted="2026-05-06")
        ids.append(w.id)
    assert set(ids) <= set(todo_ids("reviewer")) and not set(ids) & set(todo_ids("reviewer2"))
    registers.set_review_office("CITY", "CITY-LAW", as_user="admin")
    assert set(ids) <= set(todo_ids("reviewer2")) and not set(ids) & set(todo_ids("reviewer"))


def test_a_list_cut_at_its_bound_says_so(org, monkeypatch):
    """The 待办 looks at the CANDIDATES decisions longest in their stage, 已办 / 我发起的 at the newest ones: a list cut
    there says so under its count, rather than presenting the bound as the whole."""
    from tests.apptest import open_app, open_tab, shown

    monkeypatch.setattr(oa_views, "CANDIDATES", 2)
    for k in range(3):
        Walker().new(f"第{k + 1}号事项")   # three proposals: the organ's to do, and started by it
    todo = oa_views.worklist("organ", tab="todo")
    assert todo["capped"] and todo["total"] == 2
    assert oa_views.worklist("organ", tab="mine")["capped"]
    assert not oa_views.worklist("reviewer", tab="todo")["capped"]
    at = open_app("organ", "inbox")
    assert "只查看了最早的 2 件决策" in shown(at)
    assert "只列出最近办理的 2 件" in shown(open_tab(at, "inbox_tabs", "我发起的"))
