"""目录编制 / Drafting the annual decision catalog (Art 3¶3): add items to the draft, record the same-level Party
committee's consent, publish, open an adjustment. The actions are those of `juece catalog add/consent/publish/
adjust` (decisions.catalog.service), which check the permission: an admin, or the organ's office or head."""

from __future__ import annotations

import streamlit as st

from decisions.catalog import service as catalog
from decisions.workbench import admin
from ui import admin_nav, common
from ui.common import t

user = admin_nav.require(common.current_user(), "admin_catalog")
me = user["username"]
common.show_flash()
st.title(t("catalog_admin_title"))
admin_nav.who_may(("catalog",), common.lang())

organs = {o["code"]: o["name"] for o in admin.organs()}
if not organs:
    st.info(t("no_data"))
    st.stop()
mine = user["office"] if user["office"] in organs else None
c1, c2 = st.columns(2)
organ = c1.selectbox(t("choose_organ"), list(organs), index=list(organs).index(mine) if mine else 0,
                     format_func=lambda c: organs[c], key="cat_organ")
year = int(c2.number_input(t("year"), min_value=2000, max_value=2200, value=admin.this_year(), step=1,
                           key="cat_year"))
ok, versions = common.call(catalog.versions, organ, year, as_user=me)
if not ok:
    st.stop()
ok, items = common.call(catalog.items, organ, year, as_user=me)
if not ok:
    st.stop()

st.subheader(t("versions"))
if versions:
    common.table([{t("version"): v["version"], t("status"): t(f"cat_{v['status']}"), t("total"): v["items"],
                   t("reason"): common.in_language(v["reason"]), t("consent"): v["party_consent_at"],
                   t("published_at"): v["published_at"]}
                  for v in versions], hide_index=True, width="stretch")
else:
    st.caption(t("none"))
if items:
    common.table([{"#": i["seq"], t("item_name"): i["item_name"], t("undertaker"): i["undertaking_unit"],
                   t("planned_time"): i["planned_time"]} for i in items], hide_index=True, width="stretch")

latest = versions[-1]["status"] if versions else None
out = st.empty()
if latest in (None, "draft"):
    with st.form("cat_add"):
        name = st.text_input(t("item_name") + " *", key="cat_item_name")
        unit = st.text_input(t("undertaker"), key="cat_item_unit")
        planned = st.text_input(t("planned_time"), key="cat_item_planned", placeholder=f"{year}年12月")
        a_slot = st.empty()
        add = st.form_submit_button(t("add_catalog_item"), type="primary")
    if add:
        if not name.strip():
            a_slot.error(t("required"))
        else:
            ok, res = common.call(catalog.add_item, organ, year, item_name=name, undertaking_unit=unit,
                                  planned_time=planned, as_user=me, where=a_slot)
            if ok:
                common.flash(t("item_added", name=res.get("item_name", name.strip())))
                st.rerun()
if latest == "draft":
    with st.form("cat_consent"):
        day = st.date_input(t("day") + " *", value=None, key="cat_consent_day", format="YYYY-MM-DD")
        ref = st.text_input(t("consent_ref") + " *", key="cat_consent_ref")
        k_slot = st.empty()
        consent = st.form_submit_button(t("consent"))
    if consent:
        if day is None or not ref.strip():
            k_slot.error(t("required"))
        else:
            ok, _ = common.call(catalog.consent, organ, year, day=day.isoformat(), ref=ref, as_user=me, where=k_slot)
            if ok:
                common.flash(t("consented"))
                st.rerun()
if latest == "consented":
    with st.form("cat_publish"):
        day = st.date_input(t("day") + " *", value=None, key="cat_publish_day", format="YYYY-MM-DD")
        ref = st.text_input(t("publish_ref"), key="cat_publish_ref")
        p_slot = st.empty()
        publish = st.form_submit_button(t("publish"), type="primary")
    if publish:
        if day is None:
            p_slot.error(t("required"))
        else:
            ok, _ = common.call(catalog.publish, organ, year, day=day.isoformat(), ref=ref, as_user=me, where=p_slot)
            if ok:
                common.flash(t("published"))
                st.rerun()
if latest == "published":
    with st.form("cat_adjust"):
        reason = st.text_input(t("reason") + " *", key="cat_adjust_reason")
        j_slot = st.empty()
        adjust = st.form_submit_button(t("adjust"))
    if adjust:
        if not reason.strip():
            j_slot.error(t("required"))
        else:
            ok, res = common.call(catalog.adjust, organ, year, reason=reason, as_user=me, where=j_slot)
            if ok:
                common.flash(t("adjusted", version=res["version"]))
                st.rerun()
