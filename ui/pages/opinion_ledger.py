"""意见台账 / Opinion ledger (staff): open the comment period, enter opinions from other channels, record
each disposition with its reason, hide abusive content, generate the register and the feedback.

Thin: every action is a use case of decisions.participation.service (permissions and refusals there). User text
is shown in dataframes and st.text only.
"""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from decisions import clock
from decisions.participation import service as participation
from decisions.workbench import views as workbench
from ui import common
from ui.common import escape

ZH = common.lang() == "zh"


def tr(zh: str, en: str) -> str:
    return zh if ZH else en


DISPOSITION = {"adopted": tr("采纳", "adopted"), "partially_adopted": tr("部分采纳", "partially adopted"),
               "not_adopted": tr("不予采纳", "not adopted"), "": tr("待处理", "pending")}
CHANNEL = participation.CHANNEL_ZH if ZH else {k: k for k in participation.CHANNEL_ZH}

user = common.require_user()
common.show_flash()
st.title(tr("意见台账", "Opinion ledger"))
rows = workbench.decisions(user["username"], state="public_participation", limit=50)["rows"]
current = st.session_state.get(common.DECISION_KEY)
if current and current not in [r["id"] for r in rows]:
    rows.insert(0, {"id": current, "code": "", "title": ""})
did = common.pick_decision(rows, key="ledger_pick") if rows else common.pick_decision(None, key="ledger_pick_id")
if not did:
    st.info(tr("没有处于公众参与阶段的决策。", "No decision in public participation."))
    st.stop()
ok, led = common.call(participation.ledger, did, as_user=user["username"])
if not ok:
    st.stop()
d = led["decision"]
st.header(escape(d["title"]))
st.caption(f"{d['code']} · {escape(common.name(d['state']))} · {tr('第', 'round ')}{d['round']}{tr('轮', '')} · "
           f"{escape(d['organ'])}")
drafter = common.has(user, "drafter")
in_stage = d["state"] == participation.STAGE

# ---------------------------------------------------------------- the consultation
c = led["consultation"]
if c:
    st.text(f"{tr('公开征求意见', 'Open comment')}: {c['start']} — {c['end']} ({c['status']})"
            + (f"\n{tr('缩短理由', 'Shortening reason')}: {c['shortened_reason']}" if c["shortened_reason"] else ""))
elif in_stage and drafter:
    with st.expander(tr("发布公开征求意见", "Open the comment period"), expanded=False):
        with st.form("open_consultation"):
            today = clock.today()
            start = st.date_input(tr("开始日期", "Start"), value=today + timedelta(days=1), min_value=date(2000, 1, 1),
                                  key="oc_start")
            end = st.date_input(tr("截止日期", "End"), value=today + timedelta(days=31), min_value=date(2000, 1, 1),
                                key="oc_end")
            explanation = st.text_area(tr("决策草案说明", "Explanation of the draft") + " *", key="oc_expl")
            reason = st.text_input(tr("期限少于30日的理由（在公告中说明）", "Reason for a period under 30 days (shown "
                                      "in the notice)"), key="oc_reason")
            go = st.form_submit_button(tr("发布", "Publish"), type="primary")
        if go:
            ok, res = common.call(participation.open_consultation, d["id"], start=start.isoformat(),
                                  end=end.isoformat(), explanation=explanation, shortened_reason=reason,
                                  as_user=user["username"])
            if ok:
                common.flash(tr("已发布公开征求意见。", "The comment period is published."))
                st.rerun()

# ---------------------------------------------------------------- counts
n = led["counts"]
cols = st.columns(6)
for col_, (label, key) in zip(cols, [(tr("收到", "Received"), "received"), (tr("采纳", "Adopted"), "adopted"),
                                     (tr("部分采纳", "Partially"), "partially_adopted"),
                                     (tr("不予采纳", "Not adopted"), "not_adopted"), (tr("待处理", "Pending"), "pending"),
                                     (tr("已屏蔽", "Hidden"), "hidden")], strict=True):
    col_.metric(label, n[key])
if n["received"]:
    st.caption(tr("登记表与台账一致", "The register matches the ledger") if led["register_current"]
               else tr("登记表尚未生成或与台账不一致", "The register is missing or differs from the ledger"))

# ---------------------------------------------------------------- the table
show = st.selectbox(tr("显示", "Show"), ["all", "pending", "done", "hidden"], key="ledger_filter",
                    format_func=lambda v: {"all": tr("全部", "all"), "pending": tr("待处理", "pending"),
                                           "done": tr("已处理", "dispositioned"), "hidden": tr("已屏蔽", "hidden")}[v])
query = st.text_input(tr("搜索（回执号或内容）", "Search (receipt or text)"), key="ledger_query").strip()
ops = led["opinions"]
shown = [o for o in ops if show == "all" or (show == "pending" and not o["disposition"])
         or (show == "done" and o["disposition"]) or (show == "hidden" and o["hidden"])]
if query:
    shown = [o for o in shown if query.upper() == o["receipt"] or query in o["content"]]
    for o in shown[:20]:  # the full text of what was searched for, as plain text
        mark = (" · " + tr("已屏蔽", "hidden")) if o["hidden"] else ""
        st.text(f"#{o['id']} {o['receipt']} · {CHANNEL.get(o['channel'], o['channel'])} · "
                f"{DISPOSITION[o['disposition']]}{mark}\n{o['content']}")
drafts = {x["id"]: x["version"] or x["filename"] for x in led["drafts"]}
cell = participation.sheet_cell  # the table's CSV download opens in a spreadsheet: no formula runs
common.table([{"#": o["id"], tr("回执号", "Receipt"): o["receipt"], tr("渠道", "Channel"): CHANNEL.get(o["channel"], o["channel"]),
               tr("意见", "Opinion"): cell(o["content"]), tr("姓名", "Name"): cell(o["name"]),
               tr("联系方式", "Contact"): cell(o["contact"]),
               tr("时间", "At"): o["submitted_at"][:16], tr("处理", "Disposition"): DISPOSITION[o["disposition"]],
               tr("理由", "Reason"): cell(o["reason"]), tr("分组", "Group"): cell(o["group"]),
               tr("吸收版本", "Draft"): drafts.get(o["draft_evidence_id"] or 0, ""),
               tr("屏蔽", "Hidden"): (tr("已屏蔽：", "hidden: ") + o["hidden_reason"]) if o["hidden"] else ""}
              for o in shown], hide_index=True, width="stretch", key="ledger_table")
if not ops:
    st.info(tr("台账中还没有意见。", "No opinion in the ledger yet."))

if not (drafter and in_stage):
    if drafter and led["stage_status"] == "done":
        if st.button(tr("生成意见采纳情况说明", "Generate the feedback"), key="gen_feedback"):
            ok, res = common.call(participation.generate_feedback, d["id"], as_user=user["username"])
            if ok:
                st.success(tr("已生成" + ("并在公开页面公布。" if res["published"] else "（依法不予公开）。"),
                              "Generated" + (" and published." if res["published"] else " (not disclosable).")))
    st.stop()

labels = {o["id"]: f"#{o['id']} {o['receipt']} · {o['content'][:40]}" for o in ops}
tab_disp, tab_add, tab_hide, tab_gen = st.tabs([tr("处理意见", "Disposition"), tr("登记其他渠道意见", "Enter an opinion"),
                                                tr("屏蔽", "Moderate"), tr("生成登记表", "Register")])
with tab_disp:
    with st.form("dispose"):
        pending_ids = [o["id"] for o in shown if not o["disposition"]]
        all_pending = st.checkbox(tr(f"本表中全部待处理意见（{len(pending_ids)}条）", f"All pending shown ({len(pending_ids)})"),
                                  key="disp_all")
        chosen = st.multiselect(tr("意见", "Opinions"), [o["id"] for o in shown], format_func=lambda i: labels[i],
                                key="disp_ids", placeholder=common.choose_many())
        disp = st.selectbox(tr("处理", "Disposition") + " *", list(participation.DISPOSITIONS), index=None,
                            placeholder=common.choose_one(), format_func=lambda v: DISPOSITION[v], key="disp_value")  # chosen anew for every row
        reason = st.text_area(tr("理由", "Reason") + " *", key="disp_reason")
        group = st.text_input(tr("分组（可选）", "Group (optional)"), key="disp_group")
        draft = st.selectbox(tr("吸收该意见的草案版本（可选）", "Draft version that took it in (optional)"),
                             [None, *(x["id"] for x in led["drafts"] if not x["voided"])],  # 作废: not citable
                             format_func=lambda i: "—" if i is None else f"#{i} {drafts[i]}",
                             key="disp_draft")
        go = st.form_submit_button(tr("保存处理结果", "Save"), type="primary")
    if go and disp is None:
        st.error(tr("请选择处理结果。", "Choose a disposition."), icon=":material/error:")
    elif go:
        ids = pending_ids if all_pending else chosen
        ok, res = common.call(participation.dispose, d["id"], ids, disposition=disp, reason=reason, group=group,
                              draft_evidence_id=draft, as_user=user["username"])
        if ok:
            for k in ("disp_all", "disp_ids", "disp_value", "disp_reason", "disp_group", "disp_draft"):
                st.session_state.pop(k, None)  # the next row starts empty: nothing of this one carried over
            common.flash(tr(f"已处理 {len(res['opinions'])} 条意见。", f"{len(res['opinions'])} opinion(s) saved."))
            st.rerun()
with tab_add:
    with st.form("add_opinion", clear_on_submit=True):
        channel = st.selectbox(tr("渠道", "Channel"), list(participation.STAFF_CHANNELS),
                               format_func=lambda v: CHANNEL.get(v, v), key="add_channel")
        content = st.text_area(tr("意见内容", "Opinion") + " *", key="add_content")
        name = st.text_input(tr("提出人（可选）", "From (optional)"), key="add_name")
        contact = st.text_input(tr("联系方式（可选）", "Contact (optional)"), key="add_contact")
        received = st.date_input(tr("收到日期", "Received on"), value=clock.today(), key="add_received")
        go = st.form_submit_button(tr("登记", "Enter"), type="primary")
    if go:
        ok, res = common.call(participation.add_opinion, d["id"], channel=channel, content=content, name=name,
                              contact=contact, received=received.isoformat() if received else "",
                              as_user=user["username"])
        if ok:
            common.flash(tr(f"已登记，回执号 {res['receipt']}", f"Entered, receipt {res['receipt']}"))
            st.rerun()
with tab_hide:
    visible = [o["id"] for o in ops if not o["hidden"]]
    with st.form("hide_opinion"):
        target = st.selectbox(tr("意见", "Opinion"), visible, format_func=lambda i: labels[i], key="hide_id")
        why = st.text_input(tr("屏蔽理由", "Reason") + " *", key="hide_reason")
        go = st.form_submit_button(tr("屏蔽（保留在台账和审计记录中）", "Hide (kept in the ledger and the audit trail)"))
    if go and target is not None:
        ok, res = common.call(participation.hide_opinion, target, reason=why, as_user=user["username"])
        if ok:
            common.flash(tr(f"已屏蔽 {res['receipt']}", f"Hidden: {res['receipt']}"))
            st.rerun()
with tab_gen:
    st.caption(tr("「意见采纳情况登记」由台账生成（收到/采纳/部分采纳/不予采纳数及处理表），作为本阶段材料。",
                  "The opinion register is generated from the ledger (counts and the disposition table) and "
                  "attached as this stage's evidence."))
    if st.button(tr("生成并提交登记表", "Generate and attach the register"), key="gen_register", type="primary"):
        ok, res = common.call(participation.generate_register, d["id"], as_user=user["username"])
        if ok:
            common.flash(tr(f"已生成登记表（材料 #{res['evidence_id']}）", f"Register attached (evidence #{res['evidence_id']})"))
            st.rerun()
