"""我的待办 / My tasks: what waits for this user, due dates (overdue marked), what blocks each decision."""

from __future__ import annotations

import streamlit as st

from decisions.deadlines import views as deadline_views
from decisions.workbench import views as workbench
from ui import common
from ui.common import escape, t

user = common.require_user()
st.title(t("inbox_title"))

PAGE = 10
page_no = int(st.session_state.get("inbox_page", 0))
if True:  # reminders and escalations of the deadline worker
    notes = deadline_views.inbox(user["username"], unread_only=True, limit=20)
    if notes:
        with st.expander(f"{t('reminders')} ({len(notes)})", expanded=True):
            for n in notes:
                st.text(f"{common.when(n['created_at'][:10])} · {common.plain(n['subject'])}"
                        + (f" [{common.art(n['article'])}]" if n["article"] else ""))
data = workbench.my_tasks(user["username"], lang=common.lang(), limit=PAGE, offset=page_no * PAGE)
if not data["tasks"]:
    st.info(t("inbox_empty"))
    st.stop()
st.caption(t("inbox_count", total=data["total"], overdue=data["overdue"]))

for task in data["tasks"]:
    with st.container(border=True):
        head, side = st.columns([4, 1])
        with head:
            st.text(f"#{task['id']} {task['code']}")
            st.subheader(escape(task["title"]))
            st.caption(f"{escape(task['state_name'])} · {escape(common.art(task['article']))} · "
                       + t("days_in_stage", days=task["days_in_stage"]) + " · " + t(f"action_{task['action']}"))
            for d in task["deadlines"]:
                line = (f"{t('due')}: {common.when(d['due'])} — {escape(common.plain(d['what']))} "
                        f"[{escape(common.art(d['article']))}]")
                if d["overdue"]:
                    st.error(f"{t('overdue')} · {line}", icon=":material/alarm:")
                else:
                    st.text(line)
            if task["yours"]:
                st.markdown(f"**{t('yours')}**\n\n" + "\n".join(common.unmet_lines(task["yours"])))
            others = [u for u in task["blocking"] if u not in task["yours"]]
            if others:
                with st.expander(f"{t('blocking')} ({len(others)})"):
                    st.markdown("\n".join(common.unmet_lines(others)))
        with side:
            if st.button(t("open"), key=f"open_{task['id']}", type="primary" if task["action"] != "wait"
                         else "secondary"):
                common.open_decision(task["id"])

pages = max(1, -(-data["total"] // PAGE))
if pages > 1:
    choice = st.number_input(t("page"), min_value=1, max_value=pages, value=page_no + 1, key="inbox_page_input")
    if choice - 1 != page_no:
        st.session_state["inbox_page"] = choice - 1
        st.rerun()
