"""决策一览 / Decisions the user may open, with a state filter and a title/code search."""

from __future__ import annotations

import streamlit as st

from decisions.workbench import views as workbench
from ui import common
from ui.common import t

user = common.require_user()
st.title(t("nav_list"))

states = ["", "proposed", "drafting", "public_participation", "expert_review", "risk_assessment",
          "fair_competition_review", "legality_review", "collective_discussion", "party_report", "publication",
          "execution", "closed", "excluded", "rejected", "deferred", "suspended", "withdrawn"]
c1, c2 = st.columns([1, 2])
state = c1.selectbox(t("state"), states, format_func=lambda s: common.name(s) if s else t("all_states"),
                     key="list_state")
query = c2.text_input(t("search"), key="list_query")
PAGE = 50
page_no = int(st.session_state.get("list_page", 0))
data = workbench.decisions(user["username"], state=state or None, query=query, limit=PAGE, offset=page_no * PAGE)
st.caption(f"{t('total')}: {data['total']}")
if not data["rows"]:
    st.info(t("no_data"))
    st.stop()
common.table([{"#": r["id"], t("code"): r["code"], t("title"): r["title"], t("state"): r["state"],
               t("organ"): r["organ"], t("time"): r["updated_at"]} for r in data["rows"]],
             hide_index=True, width="stretch")
labels = {r["id"]: f"#{r['id']} {r['code']} {r['title']}" for r in data["rows"]}
c1, c2 = st.columns([4, 1])
chosen = c1.selectbox(t("choose_decision"), list(labels), format_func=lambda i: labels[i], key="list_pick")
if c2.button(t("open"), key="list_open", type="primary"):
    common.open_decision(chosen)
pages = max(1, -(-data["total"] // PAGE))
if pages > 1:
    choice = st.number_input(t("page"), min_value=1, max_value=pages, value=page_no + 1, key="list_page_input")
    if choice - 1 != page_no:
        st.session_state["list_page"] = choice - 1
        st.rerun()
