"""Streamlit AppTest tests of the workbench: every page for at least two roles (what is shown, what is
refused, a successful action, a validation error). Identity is injected through session state
(ui.common.current_user reads st.session_state["juece_user"])."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from decisions.accounts import service as directory
from decisions.procedure import service, views
from tests.apptest import open_app, open_tab, shown
from tests.helpers import PDF, Walker, set_now


def app(user: str | None = None, page: str | None = None, decision: int | None = None,
        lang: str | None = None, tab: str | None = None) -> AppTest:
    return open_app(user, page, decision, lang, tab=tab)


def button(at: AppTest, label: str):  # noqa: ANN201
    return next(b for b in at.button if b.label == label)


def submit(at: AppTest, label: str) -> AppTest:
    button(at, label).click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def title(at: AppTest) -> str:
    return at.title[0].value if at.title else ""


@pytest.fixture()
def walked(org):  # noqa: ANN001, ANN201
    """Decisions at several stages: drafting, legality review, collective discussion, execution."""
    drafting = Walker().walk_to("drafting")
    review = Walker()
    review.new("示例市公共停车设施建设管理办法")
    review.walk_to("legality_review")
    review.ev("legality_submission", submitted="2026-05-06")
    meeting = Walker()
    meeting.new("示例市城市更新条例实施办法")
    meeting.walk_to("collective_discussion")
    done = Walker()
    done.new("示例市老旧小区改造三年行动计划")
    done.walk_to("execution")
    return {"drafting": drafting.id, "review": review.id, "meeting": meeting.id, "execution": done.id}


# ----------------------------------------------------------------- login and navigation
def test_login_validation_failure_and_success(org):
    directory.add_user("clerk", "张三", "CITY-DRC", ["drafter"], password="s3cret-pass-2026")
    at = app()
    assert title(at) == "登录工作台"
    submit(at, "登录")
    assert "必填。" in [e.value for e in at.error]
    at.text_input(key="login_username").input("clerk")
    at.text_input(key="login_password").input("wrong-password")
    submit(at, "登录")
    assert "用户名或密码不正确。" in shown(at)
    assert "juece_user" not in at.session_state
    at.text_input(key="login_password").input("s3cret-pass-2026")
    submit(at, "登录")
    assert at.session_state["juece_user"] == "clerk"
    at.switch_page("pages/inbox.py")
    at.run()
    assert title(at) == "我的待办"


def not_offered(user: str | None, page: str) -> None:
    """The page is not in this user's navigation (AppTest can only switch to registered pages)."""
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app(user, page=page)


def test_pages_offered_by_role(walked):
    not_offered(None, "inbox")
    not_offered("reviewer", "new")
    not_offered("executor", "dashboard")
    drafter = app("drafter", page="new")
    assert title(drafter) == "新建决策事项（决策建议）"


def test_english_switch(walked):
    at = app()
    assert title(at) == "登录工作台"
    at.radio(key="lang_choice").set_value("English")
    at.run()
    assert title(at) == "Sign in to the workbench"
    assert at.session_state["lang"] == "en"
    drafter = app("drafter", lang="en")
    assert title(drafter) == "My tasks"
    assert "For you" in shown(drafter)
    decision = app("drafter", page="decision", decision=walked["drafting"], lang="en")
    assert "Advance to the next stage" in shown(decision)


# ----------------------------------------------------------------- my tasks
def test_inbox_shows_blocking_requirements_and_due_dates(walked):
    at = app("drafter")
    text = shown(at)
    assert "示例市城市更新专项规划" in text  # the decision in drafting
    assert "需要您处理" in text
    reviewer = app("reviewer")
    text = shown(reviewer)
    assert "示例市公共停车设施建设管理办法" in text
    assert "合法性审查期（不少于7个工作日）届满" in text
    assert "示例市城市更新专项规划" not in text  # not the reviewer's work


def test_inbox_marks_overdue_execution_reports(walked):
    set_now("2027-03-02T09:00:00+08:00")
    at = app("executor")
    assert any("已逾期" in e.value and "第三十四条" in e.value for e in at.error)
    secretary = app("secretary")
    assert "示例市城市更新条例实施办法" in shown(secretary)
    assert not secretary.error


def test_inbox_open_button_goes_to_the_decision(walked):
    at = open_tab(app("organ"), "inbox_tabs", "我发起的")  # only the selected tab runs
    key = next(b.key for b in at.button if b.label == "打开")
    at.button(key=key).click()
    at.run()
    assert title(at) == "决策详情"


# ----------------------------------------------------------------- decision list and new decision
def test_decision_list_is_scoped(walked):
    auditor = app("auditor", page="decisions")
    assert "合计: 4" in shown(auditor)
    other = app("drafter2", page="decisions")
    assert "合计: 0" in shown(other)
    at = app("auditor", page="decisions")
    at.text_input(key="list_query").input("停车")
    at.run()
    assert "合计: 1" in shown(at)


def test_new_decision_validation_and_success(org):
    at = app("drafter", page="new")
    submit(at, "创建")
    assert "必填。" in [e.value for e in at.error]
    assert views.list_decisions() == []
    at.text_input(key="new_title").input("示例市生活垃圾分类管理办法")
    at.selectbox(key="new_undertaker").set_value("CITY-DRC")
    submit(at, "创建")
    assert title(at) == "决策详情"
    assert "已创建 CITY-2026-00001。" in [s.value for s in at.success]
    organ = app("organ", page="new")
    organ.text_input(key="new_title").input("示例市重大项目")
    organ.selectbox(key="new_undertaker").set_value("CITY-NR")
    submit(organ, "创建")
    assert [d["title"] for d in views.list_decisions()] == ["示例市重大项目", "示例市生活垃圾分类管理办法"]


def test_new_decision_refused_by_the_service_is_shown(org):
    at = app("drafter", page="new")
    at.text_input(key="new_title").input("别的单位的事项")
    at.selectbox(key="new_undertaker").set_value("CITY-NR")  # drafter of CITY-DRC may not create for CITY-NR
    submit(at, "创建")
    assert any("无权" in e.value for e in at.error)
    assert views.list_decisions() == []


# ----------------------------------------------------------------- decision page
def test_decision_page_advance_refused_lists_each_requirement_with_article(org):
    w = Walker().new()
    w.do_proposed()
    w.advance("organ")
    at = app("drafter", page="decision", decision=w.id)
    assert "拟订草案" in shown(at) and "(drafting)" not in shown(at)
    submit(at, "推进到下一阶段")
    errors = "\n".join(e.value for e in at.error)
    assert "以下要求尚未满足" in errors
    for article in ("第十二条", "第十二条第二款", "第十九条", "第二十二条"):
        assert f"[{article}]" in errors.replace("\\", "")
    assert views.show(w.id)["state"] == "drafting"


def test_decision_page_triggers_validation_and_save(org):
    w = Walker().new()
    w.do_proposed()
    w.advance("organ")
    at = app("drafter", page="decision", decision=w.id, tab="判定")
    for radio in at.radio:
        if radio.key and radio.key.startswith(f"trig_{w.id}_"):
            radio.set_value("no")
    submit(at, "保存判定")
    assert "判定为「否」须说明理由。" in [e.value for e in at.error]
    assert views.show(w.id)["triggers"] == []
    for box in at.text_input:
        if box.key and box.key.endswith("_reason"):
            box.input("经研究不适用")
    submit(at, "保存判定")
    assert len(views.show(w.id)["triggers"]) == 9
    organ = app("organ", page="decision", decision=w.id, tab="判定")
    assert "只有承办单位可在" in shown(organ)


def test_decision_page_evidence_form_validates_before_saving(org):
    w = Walker()
    w.walk_to("public_participation")
    at = app("drafter", page="decision", decision=w.id, tab="材料")
    at.selectbox(key=f"ev_kind_{w.id}").set_value("participation_activity")
    at.run()
    prefix = f"ev_{w.id}_participation_activity"
    at.selectbox(key=f"{prefix}_form").set_value("open_comment")
    at.date_input(key=f"{prefix}_start").set_value(date(2026, 3, 3))
    at.date_input(key=f"{prefix}_end").set_value(date(2026, 3, 20))
    at.file_uploader(key=f"ev_file_{w.id}_participation_activity").set_value(("公告.exe", b"MZ\x90\x00", "x"))
    submit(at, "保存材料")
    errors = [e.value for e in at.error]
    assert any("不足 30 日" in e and "第十五条" in e for e in errors), errors
    assert any("不支持的文件类型" in e for e in errors), errors
    assert [e["kind"] for e in views.show(w.id)["evidence"]].count("participation_activity") == 0
    at.date_input(key=f"{prefix}_end").set_value(date(2026, 4, 2))
    at.file_uploader(key=f"ev_file_{w.id}_participation_activity").set_value(("公告.pdf", PDF, "application/pdf"))
    submit(at, "保存材料")
    assert any("材料已保存" in s.value for s in at.success)
    assert [e["kind"] for e in views.show(w.id)["evidence"]].count("participation_activity") == 1


def test_decision_page_opinion_register_counts_must_add_up(org):
    w = Walker()
    w.walk_to("public_participation")
    at = app("drafter", page="decision", decision=w.id, tab="材料")
    at.selectbox(key=f"ev_kind_{w.id}").set_value("opinion_register")
    at.run()
    prefix = f"ev_{w.id}_opinion_register"
    for key, value in (("received", 10), ("adopted", 4), ("partially_adopted", 3), ("not_adopted", 2)):
        at.number_input(key=f"{prefix}_{key}").set_value(value)
    at.file_uploader(key=f"ev_file_{w.id}_opinion_register").set_value(("登记表.pdf", PDF, "application/pdf"))
    submit(at, "保存材料")
    assert any("应等于收到意见数" in e.value for e in at.error)


def test_decision_page_refuses_other_offices_and_escapes_user_text(org):
    w = Walker().new("示例 [点我](http://evil.example) <script>x</script>")
    at = app("drafter2", page="decision", decision=w.id)
    assert any("无权查看" in e.value for e in at.error)
    organ = app("organ", page="decision", decision=w.id)
    heading = organ.header[0].value
    assert "](http" not in heading and "\\[点我\\]" in heading and "\\<script\\>" in heading


def test_decision_page_side_action_needs_a_reason(org):
    w = Walker().new()
    at = app("organ", page="decision", decision=w.id, tab="其他操作")
    at.selectbox(key=f"side_{w.id}").set_value("withdraw")
    submit(at, "执行")
    assert "必填。" in [e.value for e in at.error]
    at.text_area(key=f"side_reason_{w.id}").input("承办单位申请撤回")
    submit(at, "执行")
    assert "此操作不可撤销：请先勾选确认。" in [e.value for e in at.error]  # irreversible: asked first
    assert views.show(w.id)["state"] == "proposed"
    at.checkbox(key=f"side_sure_{w.id}_withdraw").check()
    submit(at, "执行")
    assert views.show(w.id)["state"] == "withdrawn"


def test_decision_page_successful_advance(org):
    w = Walker().new()
    w.do_proposed()
    at = app("organ", page="decision", decision=w.id)
    submit(at, "推进到下一阶段")
    assert any("已推进：决策建议 → 拟订草案" in s.value for s in at.success)


# ----------------------------------------------------------------- legality review
def test_legality_page_for_reviewer_and_adviser(walked):
    did = walked["review"]
    at = app("reviewer", page="legality", decision=did)
    text = shown(at)
    assert "送审材料" in text and "剩余工作日" in text
    submit(at, "提交审查意见")
    assert [e.value for e in at.error].count("意见不能为空。") == 3
    for key, value in (("authority", "有权"), ("procedure", "程序完备"), ("content", "内容合法")):
        at.text_area(key=f"lo_{did}_{key}").input(value)
    at.selectbox(key=f"lo_{did}_conclusion").set_value("lawful")
    submit(at, "提交审查意见")
    opinions = [e for e in views.show(did)["evidence"] if e["kind"] == "legality_opinion"]
    assert opinions[-1]["meta"] == {"conclusion": "lawful", "authority": "有权", "procedure": "程序完备",
                                    "content": "内容合法"}
    adviser = app("adviser", page="legality", decision=did)
    adviser.text_area(key=f"la_{did}_text").input("法律意见：同意")
    submit(adviser, "提交法律意见")
    assert any(e["kind"] == "legal_adviser_opinion" and e["uploader"] == "adviser"
               for e in views.show(did)["evidence"][-2:])


def test_legality_page_not_for_drafters(walked):
    not_offered("drafter", "legality")
    other = app("drc_expert", page="legality")  # a reviewer of the undertaking unit: separation of duties
    assert "没有处于合法性审查阶段、由您审查的决策。" in shown(other)


# ----------------------------------------------------------------- meeting
def _meeting_form(at: AppTest, did: int, present: list[str]) -> None:
    at.date_input(key=f"mt_{did}_date").set_value(date(2026, 5, 6))  # the clock's day: the walk recorded the opinion then
    at.run()
    at.multiselect(key=f"mt_{did}_present").set_value(present)
    at.run()


def test_meeting_page_quorum_majority_and_reason(walked):
    did = walked["meeting"]
    at = app("secretary", page="meeting", decision=did)
    assert "第二十九条材料清单" in shown(at)
    _meeting_form(at, did, ["vm1", "vm2", "vm3", "vm4"])
    text = shown(at)
    assert "出席 5 / 8 人" in text.replace("\\", "") or "出席 5 / " in text
    for u in ("vm1", "vm2", "vm3", "vm4"):
        at.radio(key=f"mt_{did}_p_{u}").set_value("approve")
    at.radio(key=f"mt_{did}_p_head").set_value("reject")
    at.run()
    at.selectbox(key=f"mt_{did}_outcome").set_value("reject")
    at.run()
    assert "行政首长的决定与多数意见不一致，须说明理由（第三十条第二款）。" in [w.value for w in at.warning]
    at.file_uploader(key=f"mt_{did}_minutes").set_value(("纪要.pdf", PDF, "application/pdf"))
    at.checkbox(key=f"mt_{did}_sure").check()  # the outcome cannot be undone: ticked first
    submit(at, "记录会议")
    assert "行政首长的决定与多数意见不一致，须说明理由（第三十条第二款）。" in [e.value for e in at.error]
    assert views.show(did)["meetings"] == []


def test_meeting_page_records_the_meeting(walked):
    did = walked["meeting"]
    at = app("secretary", page="meeting", decision=did)
    _meeting_form(at, did, ["vm1", "vm2", "vm3", "vm4", "vm5"])
    at.file_uploader(key=f"mt_{did}_minutes").set_value(("纪要.pdf", PDF, "application/pdf"))
    at.checkbox(key=f"mt_{did}_sure").check()  # the outcome cannot be undone: ticked first
    submit(at, "记录会议")
    assert views.show(did)["state"] == "party_report"
    meeting = views.show(did)["meetings"][0]
    assert [p["user"] for p in meeting["positions"]][-1] == "mayor"


def test_meeting_page_quorum_error_and_roles(walked):
    did = walked["meeting"]
    at = app("secretary", page="meeting", decision=did)
    _meeting_form(at, did, ["vm1"])
    at.file_uploader(key=f"mt_{did}_minutes").set_value(("纪要.pdf", PDF, "application/pdf"))
    at.checkbox(key=f"mt_{did}_sure").check()  # the outcome cannot be undone: ticked first
    submit(at, "记录会议")
    assert any("须超过组成人员总数的一半" in e.value for e in at.error)
    head = app("mayor", page="meeting", decision=did)
    assert "只有会议秘书可以记录会议。" in shown(head)
    not_offered("drafter", "meeting")


# ----------------------------------------------------------------- catalog, archive, dashboard, public
def _catalog(tmp: Path) -> None:
    from decisions.catalog import service as catalog

    csv = tmp / "catalog.csv"
    csv.write_text("item_name,undertaking_unit,procedures,hearing,legal_basis,planned_time,seq\n"
                   "示例市城市更新专项规划,市发展改革委,,,,2026年6月,1\n"
                   "示例市停车设施规划,市自然资源局,,,,2026年1月,2\n", encoding="utf-8")
    catalog.import_csv("CITY", 2026, csv, published_at="2026-01-20", party_consent_at="2026-01-15")


def test_catalog_page(org, tmp_path):
    _catalog(tmp_path)
    service.new_decision(title="示例市城市更新专项规划", organ="CITY", undertaker="CITY-DRC", category=2,
                         source="department", as_user="organ", catalog=1)
    for user in ("organ", "drafter"):
        at = app(user, page="catalog")
        assert "目录覆盖率 1/2" in shown(at)


def test_dashboard_figures_and_refusal(walked, tmp_path):
    _catalog(tmp_path)
    at = app("organ", page="dashboard")
    text = shown(at)
    assert "决策总数 4" in text
    assert "各阶段决策数" in text and "各阶段用时中位数（天）" in text
    auditor = app("auditor", page="dashboard")
    assert "决策总数 4" in shown(auditor)
    not_offered("drafter", "dashboard")


def test_dashboard_read_model(walked):
    from decisions.reporting import dashboard

    set_now("2027-03-02T09:00:00+08:00")
    figures = dashboard.dashboard("organ")
    assert {r["state"]: r["count"] for r in figures["by_stage"]}["execution"] == 1
    assert figures["overdue"]["execution_reports"] == 1
    assert {r["state"] for r in figures["median_days"]} >= {"proposed", "drafting"}
    risky = Walker(triggers={"stability_risk": "yes"})
    risky.walk_to("legality_review")
    later = dashboard.dashboard("organ")
    assert later["risk"] == {"flagged": 1, "assessed": 1, "rate": 1.0}
    with pytest.raises(Exception, match="无权查看统计"):
        dashboard.dashboard("drafter")


def test_archive_page(walked):
    at = app("archivist", page="archive")
    text = shown(at)
    assert "示例市老旧小区改造三年行动计划" in text
    try:
        from decisions.archive import service as archive  # noqa: F401
    except ImportError:
        assert "档案生成模块尚未安装" in text
    not_offered("drafter", "archive")


def test_public_page_shows_published_decisions_only(org, tmp_path):
    _catalog(tmp_path)
    published = Walker()
    published.new("示例市老旧小区改造三年行动计划")
    published.walk_to("execution")
    secret = Walker(triggers={"non_disclosable": "yes"})
    secret.new("示例市应急物资储备布局（涉密）")
    secret.walk_to("execution")
    Walker().new("示例市草案阶段事项").walk_to("drafting")
    for user in (None, "drafter"):
        at = app(user, page="public")
        text = shown(at)
        assert "示例市老旧小区改造三年行动计划" in text
        assert "涉密" not in text and "草案阶段" not in text
        assert "示例市停车设施规划" in text  # the published catalog


def test_decision_page_runs_only_the_selected_tab(org):
    """The decision page's tabs are lazy (``on_change="rerun"``): a rerun builds the open tab only, so an
    interaction costs one tab, not five (issue 15: every interaction within 300 ms)."""
    w = Walker().new()
    at = app("drafter", page="decision", decision=w.id)
    assert at.get("graphviz_chart") and not any("办理人" in df.value.columns for df in at.dataframe)
    assert not [b for b in at.button if b.label == "保存材料"]
    flow = app("drafter", page="decision", decision=w.id, tab="流转记录")
    assert any("办理人" in df.value.columns for df in flow.dataframe) and not flow.get("graphviz_chart")
