"""The administration pages (ui/pages/admin_*.py) and the 退回 form, through Streamlit AppTest: each action is
done on the page and its effect read back through the use cases the CLI calls; a user without the permission is
not offered the page, and the use case refuses them anyway."""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from decisions.accounts import service as directory
from decisions.catalog import service as catalog
from decisions.deadlines import calendar
from decisions.errors import NotPermitted
from decisions.procedure import experts, registers
from decisions.procedure.views import show
from tests.apptest import open_app, shown
from tests.helpers import Walker
from ui import admin_nav


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def click(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click()
    at.run()
    return ok(at)


def user_row(username: str) -> dict:
    return next(u for u in directory.list_users() if u["username"] == username)


def not_offered(user: str, page: str) -> None:
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        open_app(user, page=page)


# ----------------------------------------------------------------- users
def test_accounts_and_office_codes_are_shown_as_written(org):
    """A username or an office code that is also a key (the account `admin`, the role 系统管理员; an office code,
    its name) is shown as written in its column."""
    at = ok(open_app("admin", "admin_users"))
    users = next(d.value for d in at.dataframe if "用户名" in d.value.columns)
    offices = next(d.value for d in at.dataframe if "单位代码（字母、数字、-_.）" in d.value.columns)
    assert "admin" in list(users["用户名"]) and "系统管理员" not in list(users["用户名"])
    assert "CITY" in list(offices["单位代码（字母、数字、-_.）"])
    registers.register_member("CITY", "secretary", from_date="2026-01-01", as_user="admin")  # a role's key as well
    members = next(d.value for d in ok(open_app("admin", "admin_registers")).dataframe if "职务" in d.value.columns)
    assert "secretary" in list(members["用户名"]) and "会议秘书" not in list(members["用户名"]), members


def test_admin_creates_a_user_sets_roles_disables_enables_and_unlocks(org):
    at = open_app("admin", "admin_users")
    assert at.title[0].value == "用户与单位"
    assert "创建用户、设置角色、停用/启用、解除锁定、重置密码" in shown(at)  # who may do what
    click(at, "创建")
    assert "必填。" in shown(at)
    assert "clerk" not in {u["username"] for u in directory.list_users()}  # nothing written
    at.text_input(key="au_username").input("clerk")
    at.text_input(key="au_name").input("张三")
    at.selectbox(key="au_office").select("CITY-DRC")
    at.multiselect(key="au_roles").select("drafter")
    at.text_input(key="au_password").input("short")
    click(at, "创建")
    assert "操作未执行" in shown(at)  # the password policy of the use case, one line
    assert "clerk" not in {u["username"] for u in directory.list_users()}
    at.text_input(key="au_password").input("s3cret-pass-2026")
    click(at, "创建")
    assert "已新建用户 clerk。" in shown(at)
    row = user_row("clerk")
    assert row["office"] == "CITY-DRC" and row["roles"] == ["drafter"] and row["active"]
    assert directory.authenticate("clerk", "s3cret-pass-2026") is not None

    at.selectbox(key="au_manage").select("clerk")
    at.run()
    at.multiselect(key="au_roles_clerk").select("expert")
    click(at, "保存角色")
    assert user_row("clerk")["roles"] == ["drafter", "expert"]
    click(at, "停用账户")
    assert "已停用 clerk。" in shown(at)
    assert not user_row("clerk")["active"]
    assert directory.authenticate("clerk", "s3cret-pass-2026") is None
    click(at, "启用账户")
    assert user_row("clerk")["active"]

    for _ in range(6):  # locked after repeated failures; the admin opens it
        try:
            directory.authenticate("clerk", "wrong-password-x")
        except directory.AccountLocked:
            break
    assert user_row("clerk")["locked"]
    at = open_app("admin", "admin_users")
    at.selectbox(key="au_manage").select("clerk")
    at.run()
    click(at, "解除登录锁定")
    assert "已解除 clerk 的登录锁定。" in shown(at)
    assert not user_row("clerk")["locked"]
    assert directory.authenticate("clerk", "s3cret-pass-2026") is not None


def test_admin_resets_a_password_and_adds_an_office(org):
    at = open_app("admin", "admin_users")
    at.selectbox(key="au_manage").select("drafter")
    at.run()
    at.text_input(key="au_pw_drafter").input("new-pass-for-2026")
    click(at, "重置密码")
    assert directory.authenticate("drafter", "new-pass-for-2026") is not None
    at.text_input(key="ao_code").input("CITY-EDU")
    at.text_input(key="ao_name").input("示例市教育局")
    at.selectbox(key="ao_level").select("department")
    at.selectbox(key="ao_parent").select("CITY")
    click(at, "添加单位")
    assert "已添加单位 CITY-EDU。" in shown(at)
    directory.add_user("teacher", "李老师", "CITY-EDU", ["drafter"])  # the office exists for the use cases


def test_non_admin_is_not_offered_the_admin_pages_and_the_use_cases_refuse(org):
    for user in ("organ", "drafter", "reviewer"):
        not_offered(user, "admin_users")
        not_offered(user, "admin_calendar")
    not_offered("reviewer", "admin_registers")
    not_offered("reviewer", "admin_catalog")
    not_offered("organ", "admin_experts")
    with pytest.raises(NotPermitted):
        directory.add_user("mole", "x", "CITY", ["admin"], as_user="organ")
    with pytest.raises(NotPermitted):
        directory.disable_user("drafter", as_user="organ")
    with pytest.raises(NotPermitted):
        directory.set_roles("drafter", ["admin"], as_user="drafter")
    with pytest.raises(NotPermitted):
        directory.list_users(as_user="organ")
    with pytest.raises(NotPermitted):
        calendar.confirm_year(2026, notice_ref="国办发明电〔2025〕7号", as_user="organ")
    with pytest.raises(NotPermitted):
        registers.set_review_office("CITY", "CITY-DRC", as_user="organ")
    assert admin_nav.offered({"roles": ["decision_organ"]}, "admin_registers")
    assert not admin_nav.offered({"roles": ["decision_organ"]}, "admin_users")
    assert admin_nav.offered({"roles": ["drafter"]}, "admin_experts")


def test_an_organs_office_keeps_the_member_register_but_not_the_review_office(org):
    at = open_app("organ", "admin_registers")
    assert "登记合法性审查机构" not in [b.label for b in at.button]  # the admin's task, not offered
    offered = at.selectbox(key="reg_user").options
    assert any("（archivist）" in o for o in offered)
    assert not any("（drafter2）" in o for o in offered)  # another office's staff is not offered
    at.selectbox(key="reg_user").select("archivist")
    at.text_input(key="reg_title").input("秘书长")
    at.date_input(key="reg_from").set_value(date(2026, 3, 1))
    click(at, "登记组成人员")
    entry = next(m for m in registers.list_members("CITY")["members"] if m["user"] == "archivist")
    assert entry["from"] == "2026-03-01" and entry["title"] == "秘书长" and not entry["head"]


# ----------------------------------------------------------------- registers
def test_admin_registers_a_member_a_leaving_and_the_review_office(org):
    at = open_app("admin", "admin_registers")
    assert at.title[0].value == "登记簿"
    at.selectbox(key="reg_organ").select("CITY")
    at.run()
    click(at, "登记组成人员")
    assert "必填。" in shown(at)
    at.selectbox(key="reg_user").select("organ")
    at.text_input(key="reg_title").input("副市长")
    at.date_input(key="reg_from").set_value(date(2026, 2, 1))
    click(at, "登记组成人员")
    assert "已登记 organ（organ）。" in shown(at)  # the name, then the account
    entry = next(m for m in registers.list_members("CITY")["members"] if m["user"] == "organ")
    assert (entry["from"], entry["to"], entry["title"]) == ("2026-02-01", None, "副市长")
    assert "organ" in {m["user"] for m in registers.list_members("CITY", on="2026-03-01")["members"]}

    at.selectbox(key="reg_leaving").select("organ")
    at.date_input(key="reg_to").set_value(date(2026, 2, 28))
    click(at, "登记离任")
    assert "organ" not in {m["user"] for m in registers.list_members("CITY", on="2026-03-01")["members"]}

    at.selectbox(key="reg_review").select("CITY-DRC")
    click(at, "登记合法性审查机构")
    assert registers.list_members("CITY")["review_office"] == "CITY-DRC"
    assert "示例大学公共政策研究院" in shown(at)  # the expert pool


# ----------------------------------------------------------------- calendar
def test_admin_confirms_a_calendar_year_with_the_notice_reference(org):
    at = open_app("admin", "admin_calendar")
    assert at.title[0].value == "工作日历"
    at.number_input(key="cal_year").set_value(2026)
    at.run()
    at.text_input(key="cal_ref").input("国办发明电〔2025〕7号")
    click(at, "确认年度工作日历")
    assert "请先勾选确认。" in shown(at)
    assert 2026 not in calendar.confirmed_years()
    at.checkbox(key="cal_sure").check()
    click(at, "确认年度工作日历")
    assert "已确认 2026 年工作日历（国办发明电〔2025〕7号）。" in shown(at)
    assert 2026 in calendar.confirmed_years()
    assert "国办发明电〔2025〕7号" in shown(at)


def test_confirming_a_year_without_its_notice_is_refused_in_one_line(org):
    at = open_app("admin", "admin_calendar", lang="en")
    at.number_input(key="cal_year").set_value(2199)
    at.run()
    at.text_input(key="cal_ref").input("notice 1")
    at.checkbox(key="cal_sure").check()
    click(at, "Confirm the year's calendar")
    assert "import the notice of 2199" in shown(at)
    assert 2199 not in calendar.confirmed_years()


# ----------------------------------------------------------------- catalog
def test_organ_drafts_consents_and_publishes_its_catalog(org):
    at = open_app("organ", "admin_catalog")
    at.number_input(key="cat_year").set_value(2026)
    at.run()
    at.text_input(key="cat_item_name").input("示例市公共停车场收费标准调整")
    at.text_input(key="cat_item_planned").input("2026年12月")
    click(at, "增加目录事项（草案）")
    assert [i["item_name"] for i in catalog.items("CITY", 2026)] == ["示例市公共停车场收费标准调整"]
    at.date_input(key="cat_consent_day").set_value(date(2026, 3, 1))
    at.text_input(key="cat_consent_ref").input("市委常委会会议同意")
    click(at, "记录党委同意")
    assert catalog.versions("CITY", 2026)[-1]["status"] == "consented"
    at.date_input(key="cat_publish_day").set_value(date(2026, 3, 2))
    click(at, "公布目录")
    assert catalog.versions("CITY", 2026)[-1]["published_at"] == "2026-03-02"


# ----------------------------------------------------------------- experts
def test_undertaking_unit_assigns_experts_and_a_declared_interest_is_refused(org):
    w = Walker().walk_to("public_participation")
    at = open_app("drafter", "admin_experts", decision=w.id)
    at.multiselect(key=f"ex_pick_{w.id}").select("expert1").select("expert2")
    at.run()
    at.multiselect(key=f"ex_interest_{w.id}").select("expert2")
    click(at, "选定")
    assert "第二十条" in shown(at)  # the refusal names the article
    assert experts.assigned_experts(w.id) == []
    at.multiselect(key=f"ex_interest_{w.id}").unselect("expert2")
    click(at, "选定")
    assert experts.assigned_experts(w.id) == ["expert1", "expert2"]


# ----------------------------------------------------------------- 退回
def test_reviewer_sends_back_with_a_reason_after_confirming(org):
    w = Walker().walk_to("legality_review")
    w.ev("legality_submission", submitted="2026-03-02")
    at = open_app("reviewer", "legality", decision=w.id)
    box = at.selectbox(key=f"return_to_{w.id}")
    assert box.options == ["拟订草案", "公众参与"]  # earlier stages by name (experts skipped, not offered)
    box.select("drafting")
    at.text_area(key=f"return_reason_{w.id}").input("缺少履行决策程序的说明")
    click(at, "退回")
    assert "请先勾选确认。" in shown(at)
    assert show(w.id)["state"] == "legality_review"
    at.checkbox(key=f"return_sure_{w.id}").check()
    click(at, "退回")
    r = show(w.id)
    assert r["state"] == "drafting" and r["round"] == 2
    assert r["returns"][-1]["reason"] == "缺少履行决策程序的说明" and r["returns"][-1]["by"] == "reviewer"


def test_the_return_form_is_not_offered_to_the_undertaking_unit(org):
    w = Walker().walk_to("legality_review")
    at = open_app("drafter", "decision", decision=w.id)
    assert f"return_to_{w.id}" not in [s.key for s in at.selectbox]


def test_after_sending_back_the_page_stays_on_that_decision(org):
    """Another decision waits in legality review too: after 退回 the reviewer sees the one just sent back, with the
    confirmation, not the next one of the legality list."""
    other = Walker().walk_to("legality_review")
    w = Walker().walk_to("legality_review")
    w.ev("legality_submission", submitted="2026-03-02")
    at = open_app("reviewer", "legality", decision=w.id)
    at.selectbox(key=f"return_to_{w.id}").select("drafting")
    at.text_area(key=f"return_reason_{w.id}").input("缺少履行决策程序的说明")
    at.checkbox(key=f"return_sure_{w.id}").check()
    click(at, "退回")
    assert show(w.id)["state"] == "drafting" and show(other.id)["state"] == "legality_review"
    assert at.session_state["decision_id"] == w.id
    assert any("已退回" in s.value for s in at.success), [s.value for s in at.success]
    assert any(c.value.startswith(show(w.id)["code"]) for c in at.caption), [c.value for c in at.caption]
