"""统计 / Dashboard: decisions by stage, overdue items, median days per stage, the risk-assessment rate
of decisions flagged stability_risk, and catalog coverage."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from decisions.reporting import dashboard
from ui import common
from ui.common import t

user = common.require_user(("admin", "auditor", "decision_organ", "head", "secretary", "archivist"))
st.title(t("dashboard_title"))
year = st.session_state.get("dash_year")
ok, data = common.call(dashboard.dashboard, user["username"], year=year, lang=common.lang())
if not ok:
    st.stop()

c1, c2, c3, c4 = st.columns(4)
c1.metric(t("decisions_total"), data["total"])
c2.metric(t("overdue_items"), data["overdue"]["total"])
risk = data["risk"]
c3.metric(t("risk_rate"), f"{risk['rate']:.0%}" if risk["rate"] is not None else "—")
c3.caption(f"{risk['assessed']} / {risk['flagged']}")
cat = data["catalog"]
c4.metric(f"{t('coverage')} {cat['year']}", f"{cat['rate']:.0%}" if cat["rate"] is not None else "—")
c4.caption(f"{cat['covered']} / {cat['items']}")
if cat["years"]:
    picked = st.selectbox(t("catalog_group"), cat["years"], index=cat["years"].index(cat["year"])
                          if cat["year"] in cat["years"] else 0, key="dash_year_pick")
    if picked != cat["year"]:
        st.session_state["dash_year"] = picked
        st.rerun()

left, right = st.columns(2)
with left:
    st.subheader(t("by_stage"))
    df = pd.DataFrame([{"stage": f"{i:02d} {common.name(r['state']) if r['name'] == r['state'] else r['name']}",
                        "count": r["count"]} for i, r in enumerate(data["by_stage"])])  # a side state by its name
    st.bar_chart(df, x="stage", y="count", horizontal=True)
with right:
    st.subheader(t("median_days"))
    if data["median_days"]:
        md = pd.DataFrame([{"stage": f"{i:02d} {r['name']}", "days": r["median_days"]}
                           for i, r in enumerate(data["median_days"])])
        st.bar_chart(md, x="stage", y="days", horizontal=True)
        common.table([{t("stage"): r["name"], t("median_days"): r["median_days"], "n": r["n"]}
                      for r in data["median_days"]], hide_index=True, width="stretch")
        if data.get("median_days_as_of"):
            st.caption(t("median_days_as_of").format(at=common.escape(common.when(data["median_days_as_of"]))))
    else:
        st.caption(t("no_data"))

st.subheader(t("overdue_items"))
if data["overdue"]["items"]:
    common.table([{t("code"): o["code"], t("title"): o["title"], t("requirement"): o["what"], t("due"): o["due"],
                   t("article"): o["article"]} for o in data["overdue"]["items"]], hide_index=True, width="stretch")
else:
    st.caption(t("no_data"))
