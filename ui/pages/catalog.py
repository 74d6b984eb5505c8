"""决策事项目录 / The annual decision catalog (Art 3¶3) with the decision linked to each item."""

from __future__ import annotations

import streamlit as st

from decisions.catalog import views as catalog_views
from ui import common
from ui.common import t

user = common.require_user()
st.title(t("catalog_title"))
data = catalog_views.catalog_overview(user["username"])
if not data["groups"]:
    st.info(t("no_data"))
    st.stop()
groups = {f"{g['organ']}|{g['year']}": g for g in data["groups"]}
choice = st.selectbox(t("catalog_group"), list(groups),
                      format_func=lambda k: f"{groups[k]['organ_name']} · {groups[k]['year']}", key="catalog_group")
g = groups[choice]
items = [i for i in data["items"] if i["organ"] == g["organ"] and i["year"] == g["year"]]
covered = sum(1 for i in items if i["decisions"])
c1, c2, c3 = st.columns(3)
c1.metric(t("total"), len(items))
c2.metric(t("coverage"), f"{covered}/{len(items)}")
c3.metric(t("published_at"), common.when(items[0]["published_at"]) if items and items[0]["published_at"] else "—")
common.table([{"#": i["seq"], t("item_name"): i["item_name"], t("undertaker"): i["undertaking_unit"],
               t("planned_time"): i["planned_time"],
               t("linked"): f"{i['decisions']}（{i['newest_decision']}）" if i["decisions"] else ""} for i in items],
             hide_index=True, width="stretch")
if items and items[0]["source"]:
    st.caption(common.escape(items[0]["source"]))
