"""论证专家 / The expert panel of a decision (Art 20; procedure.md §8): the undertaking unit picks experts from
the pool and records who declared a direct interest (they are refused). The action is `juece expert assign`'s
use case (decisions.procedure.experts.assign_experts), which checks the permission and the separation rules."""

from __future__ import annotations

import streamlit as st

from decisions.procedure import experts
from decisions.workbench import admin
from ui import admin_nav, common
from ui.common import escape, t

user = admin_nav.require(common.current_user(), "admin_experts")
me = user["username"]
common.show_flash()
st.title(t("experts_title"))
admin_nav.who_may(("experts",), common.lang())

rows = admin.panel_decisions(me)
if not rows:
    st.info(t("no_decisions_to_staff"))
    st.stop()
by_id = {r["id"]: r for r in rows}
did = common.pick_decision(rows, key="experts_pick")
chosen = by_id[did]
st.caption(f"{chosen['code']} · {escape(common.name(chosen['state']))}")
st.subheader(t("assigned"))
if chosen["assigned"]:
    common.table([{t("name"): a["name"], t("username"): a["username"]} for a in chosen["assigned"]],
                 keep=(t("username"),), hide_index=True, width="stretch")
else:
    st.caption(t("none"))

pool = {e["username"]: e for e in admin.expert_pool()}
taken = {a["username"] for a in chosen["assigned"]}
picked = st.multiselect(t("choose_experts") + " *", [u for u in pool if u not in taken], key=f"ex_pick_{did}",
                        format_func=lambda u: f"{pool[u]['name']}（{u}）· {pool[u]['office_name']}",
                        placeholder=common.choose_many())
interest = st.multiselect(t("interest_declared"), picked, key=f"ex_interest_{did}",
                          format_func=lambda u: f"{pool[u]['name']}（{u}）", placeholder=common.choose_many())
slot = st.empty()
if st.button(t("assign"), type="primary", key=f"ex_assign_{did}"):
    if not picked:
        slot.error(t("required"))
    else:
        ok, res = common.call(experts.assign_experts, did, picked, interest=[u for u in interest if u in picked],
                              as_user=me, where=slot)
        if ok:
            common.flash(t("experts_assigned", names="、".join(pool[u]["name"] for u in res["assigned"])))
            st.rerun()
