"""Streamlit AppTest of the OA pages: the inbox's 待办 / 已办 / 我发起的 tabs and notifications, the decision page's
流转记录 tab with 批示, 催办 and the 呈批件."""

from __future__ import annotations

from decisions.deadlines import views as deadline_views
from decisions.oa import service as oa
from tests.apptest import open_app, open_tab, shown
from tests.helpers import Walker, set_now


def tab_texts(at, index: int) -> str:  # noqa: ANN001
    """What one tab of the page shows (its subheaders, captions, texts, alerts), markdown escapes removed; the tab
    selected first (only the selected tab runs)."""
    open_tab(at, "inbox_tabs", at.tabs[index].label)
    tab = at.tabs[index]
    parts = [str(e.value).replace("\\", "") for kind in ("subheader", "caption", "text", "error", "info", "markdown")
             for e in getattr(tab, kind)]
    return "\n".join(parts)


def test_inbox_tabs(org):
    drafting = Walker().new("甲：城市更新专项规划")
    drafting.do_proposed()
    drafting.advance("organ")
    Walker().new("乙：公共停车设施办法").do_proposed()   # its proposal in, the organ starts it: not the drafter's
    at = open_app("drafter", "inbox")
    assert [t.label for t in at.tabs][:3] == ["待办", "已办", "我发起的"]
    todo, done, mine = tab_texts(at, 0), tab_texts(at, 1), tab_texts(at, 2)
    assert "甲：城市更新专项规划" in todo and "乙：公共停车设施办法" not in todo
    assert "需要您提交材料或作出判定" in todo
    assert "没有符合条件的事项。" in done and "没有符合条件的事项。" in mine
    organ = open_app("organ", "inbox")
    done, mine = tab_texts(organ, 1), tab_texts(organ, 2)
    assert "甲：城市更新专项规划" in done and "我的办理：进入下一阶段 2026年3月2日 09:00" in done
    assert "甲：城市更新专项规划" in mine and "乙：公共停车设施办法" in mine
    # the stage filter of 我发起的: only the proposal still in 决策启动
    organ.selectbox(key="mine_stage").select("proposed")
    organ.run()
    mine = tab_texts(organ, 2)
    assert "乙：公共停车设施办法" in mine and "甲：城市更新专项规划" not in mine


def test_overdue_report_is_a_todo_and_an_urge_opens_and_is_marked_read(org):
    w = Walker().walk_to("execution")
    w.do_execution()
    set_now("2027-06-01T09:00:00+08:00")
    oa.urge(w.id, message="请报送执行情况", as_user="organ")
    at = open_app("executor", "inbox")
    todo = tab_texts(at, 0)
    assert "需要报送执行情况报告" in todo and "催办" in todo
    assert any("已逾期" in e.value for e in at.tabs[0].error)
    assert "请报送执行情况" in tab_texts(at, 3)
    note = deadline_views.inbox("executor", unread_only=True)[0]
    at.button(key=f"note_read_{note['id']}").click()
    at.run()
    assert not at.exception
    assert deadline_views.inbox("executor", unread_only=True) == []
    assert "已标为已读。" in shown(at)
    assert [tab.label for tab in at.tabs][3] == "提醒通知 (0)" and at.tabs[3].info  # still on the notes tab
    # a notice's open button goes to its decision
    oa.urge(w.id, message="再次催办", as_user="mayor")
    at = open_tab(open_app("executor", "inbox"), "inbox_tabs", "提醒通知")
    note = deadline_views.inbox("executor", unread_only=True)[0]
    at.button(key=f"note_open_{note['id']}").click()
    at.run()
    assert at.title[0].value == "决策详情" and at.session_state["decision_id"] == w.id


def test_decision_page_flow_instruction_urge_and_sheet(org):
    w = Walker().new("丙：老旧小区改造计划")
    w.do_proposed()
    w.advance("organ")
    at = open_app("mayor", "decision", decision=w.id, tab="流转记录")
    at.text_area(key=f"instruct_text_{w.id}").input("请发展改革委抓紧起草")
    next(b for b in at.button if b.label == "批示").click()
    at.run()
    assert not at.exception
    assert "已批示" in shown(at)
    text = shown(at)
    assert "领导批示" in text and "请发展改革委抓紧起草" in text
    # the empty urge is refused on the form, nothing recorded
    next(b for b in at.button if b.label == "催办").click()
    at.run()
    assert "必填。" in [e.value for e in at.error]
    at.text_input(key=f"urge_text_{w.id}").input("本周内报送草案")
    next(b for b in at.button if b.label == "催办").click()
    at.run()
    assert "已催办：drafter" in shown(at)
    flow = next(df.value for df in at.dataframe if "办理人" in df.value.columns)
    assert list(flow.columns) == ["时间", "办理人", "角色", "单位", "操作", "意见或说明"]
    assert flow.iloc[0]["操作"] == "催办" and flow.iloc[0]["意见或说明"] == "本周内报送草案"
    assert flow.iloc[0]["单位"] == "示例市人民政府" and flow.iloc[0]["时间"].startswith("2026年")
    assert not any("原始审计事件" in e.label for e in at.expander)
    at.button(key=f"sheet_make_{w.id}").click()
    at.run()
    assert not at.exception
    # the drafter reads the record and the instruction, may neither urge nor instruct
    drafter = open_app("drafter", "decision", decision=w.id, tab="流转记录")
    assert "请发展改革委抓紧起草" in shown(drafter)
    assert not [b for b in drafter.button if b.label in ("批示", "催办")]
    auditor = open_app("auditor", "decision", decision=w.id, tab="流转记录")
    assert any("原始审计事件" in e.label for e in auditor.expander)


def test_inbox_runs_only_the_open_tab_and_pages_its_list(org):
    for k in range(21):
        Walker().new(f"第{k + 1:02d}号事项")   # the organ starts each: 21 rows in its 我发起的
    at = open_app("organ", "inbox")
    assert not at.tabs[2].subheader   # 我发起的 not selected: its list was not built
    open_tab(at, "inbox_tabs", "我发起的")
    assert not at.tabs[0].subheader and len(at.tabs[2].subheader) == 20
    assert "共 21 项，逾期 0 项" in tab_texts(at, 2) and "第 1 页，共 2 页" in tab_texts(at, 2)
    first = [e.value for e in at.tabs[2].subheader]
    at.button(key="mine_next").click()
    at.run()
    second = [e.value for e in at.tabs[2].subheader]
    assert len(second) == 1 and sorted(first + second) == [f"第{k + 1:02d}号事项" for k in range(21)]
    assert "第 2 页，共 2 页" in tab_texts(at, 2) and at.button(key="mine_next").disabled
    at.button(key="mine_prev").click()
    at.run()
    assert [e.value for e in at.tabs[2].subheader] == first
