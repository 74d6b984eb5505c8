"""公开征求意见 / Public consultation (no login): open comment periods, the form, receipt look-up and the
published 意见采纳情况说明.

Every piece of user text is shown with st.text / st.dataframe or through ui.common.escape: never as HTML or
Markdown (tests/test_hostile_web.py checks every page's source). Files are hash-checked before they are served.
The form exists only while the period is open (by the dates: it closes by itself); the service layer
refuses late, early, oversized, spam-like and flooding submissions anyway.
"""

from __future__ import annotations

import streamlit as st

from decisions import channel
from decisions.participation import public
from decisions.participation import service as participation
from ui import common
from ui.common import escape

channel.set_channel("public")  # what the public does here comes through the public channel

ZH = common.lang() == "zh"


def tr(zh: str, en: str) -> str:
    return zh if ZH else en


STATUS = {"open": tr("征求意见中", "open for comment"), "upcoming": tr("尚未开始", "not yet open"),
          "closed": tr("已截止", "closed")}
DISPOSITION = {"adopted": tr("采纳", "adopted"), "partially_adopted": tr("部分采纳", "partially adopted"),
               "not_adopted": tr("不予采纳", "not adopted"), "": tr("待处理", "pending")}


def client_id() -> str:
    """Who submits, for the rate limit: the client address, through X-Forwarded-For only from a trusted proxy
    (JUECE_TRUSTED_PROXIES); never the browser session. '' when unknown: the service refuses with one line."""
    address = common.client_address()
    return f"ip:{address}" if address else ""


st.title(tr("公开征求意见", "Public consultation"))
rows = public.public_consultations()
order = {"open": 0, "upcoming": 1, "closed": 2}
rows.sort(key=lambda r: (order[r["status"]], r["end"]))
if not rows:
    st.info(tr("目前没有公开征求意见的决策事项。", "No decision is open for public comment."))

for c in rows:
    with st.container(border=True, key=f"consultation_{c['id']}"):
        st.markdown(f"**{escape(c['title'])}**")
        st.text(f"{c['code']} · {c['organ']}\n"
                f"{tr('征求意见期限', 'Comment period')}: {c['start']} — {c['end']} · {STATUS[c['status']]}")
        if c["shortened_reason"]:
            st.text(f"{tr('期限缩短的理由', 'Why the period is shorter')}: {c['shortened_reason']}")
        with st.expander(tr("决策草案说明", "Explanation of the draft")):
            st.text(c["explanation"])
        ok, draft = common.call(public.public_draft, c["id"])
        if ok:
            st.download_button(tr("下载决策草案", "Download the draft") + f"（{escape(draft[0])}）", draft[1], file_name=draft[0],
                               key=f"draft_{c['id']}")
        if c["status"] != "open":
            st.caption(tr(f"{c['start']} 起可提交意见", f"Opinions from {c['start']}") if c["status"] == "upcoming"
                       else tr(f"征求意见已于 {c['end']} 截止", f"The comment period ended on {c['end']}"))
            continue
        with st.form(f"opinion_form_{c['id']}", clear_on_submit=True):
            text = st.text_area(tr("您的意见", "Your opinion") + " *", max_chars=participation.max_chars(),
                                key=f"op_text_{c['id']}")
            star = " *" if c["contact_required"] else tr("（可不填）", " (optional)")
            name = st.text_input(tr("姓名", "Name") + star, key=f"op_name_{c['id']}")
            contact = st.text_input(tr("联系方式", "Contact") + star, key=f"op_contact_{c['id']}")
            sent = st.form_submit_button(tr("提交意见", "Submit"), type="primary")
        if sent:
            ok, res = common.call(public.submit_opinion, c["id"], content=text, name=name, contact=contact,
                                  client=client_id())
            if ok:
                st.success(tr(f"已收到您的意见。回执号：{res['receipt']}（请保存，用于查询处理情况）",
                              f"Received. Receipt number: {res['receipt']} (keep it to look up the outcome)"),
                           icon=":material/check_circle:")

st.subheader(tr("凭回执号查询", "Look up by receipt number"))
with st.form("lookup"):
    receipt = st.text_input(tr("回执号", "Receipt number"), key="lookup_receipt")
    look = st.form_submit_button(tr("查询", "Look up"))
if look:
    ok, res = common.call(public.lookup, receipt)
    if ok:
        lines = [f"{res['code']} {res['title']}", f"{tr('提交时间', 'Submitted')}: {res['submitted_at']}"]
        if res["hidden"]:
            lines.append(tr("该意见因含有不当内容已被屏蔽：", "This opinion was hidden by moderation: ") + res["reason"])
        else:
            lines.append(f"{tr('意见', 'Opinion')}: {res['content']}")
            if res["status"] == "answered":
                lines.append(f"{tr('处理结果', 'Outcome')}: {DISPOSITION[res['disposition']]}")
                lines.append(f"{tr('理由', 'Reason')}: {res['reason']}")
            else:
                lines.append(tr("已收到，正在研究处理；处理情况将随意见采纳情况说明公布。",
                                "Received and under consideration; the outcome is published with the feedback."))
        st.text("\n".join(lines))

st.subheader(tr("意见采纳情况说明", "How the opinions were handled"))
feedback = public.public_feedback()
if not feedback:
    st.info(tr("暂无已公布的意见采纳情况说明。", "No feedback published yet."))
for fb in feedback:
    with st.container(border=True, key=f"feedback_{fb['id']}"):
        st.markdown(f"**{escape(fb['title'])}**")
        n = fb["counts"]
        st.text(f"{fb['code']} · {fb['organ']} · {fb['at'][:10]}\n"
                + tr(f"收到 {n.get('received', 0)} 条：采纳 {n.get('adopted', 0)}，部分采纳 {n.get('partially_adopted', 0)}，"
                     f"不予采纳 {n.get('not_adopted', 0)}",
                     f"{n.get('received', 0)} received: {n.get('adopted', 0)} adopted, "
                     f"{n.get('partially_adopted', 0)} partially, {n.get('not_adopted', 0)} not adopted"))
        ok, doc = common.call(public.public_feedback_file, fb["id"])
        if ok:
            st.download_button(tr("下载说明（PDF）", "Download (PDF)"), doc[1], file_name=doc[0], key=f"fbdoc_{fb['id']}")
        cell = participation.sheet_cell  # the table's CSV download opens in a spreadsheet: no formula runs
        common.table([{tr("回执号", "Receipt"): o["receipt"], tr("意见", "Opinion"): cell(o["content"]),
                       tr("处理", "Outcome"): DISPOSITION[o["disposition"]], tr("理由", "Reason"): cell(o["reason"])}
                      for o in fb["opinions"]], hide_index=True, width="stretch")
