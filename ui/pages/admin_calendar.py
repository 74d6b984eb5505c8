"""工作日历 / The working-day calendar (admin; procedure.md §8): import a year's holiday table (the State
Council's notice) and confirm the year with the notice's reference. The actions are those of `juece calendar
import` / `juece calendar confirm` (decisions.deadlines.calendar), which refuse anyone but an admin."""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from decisions.deadlines import calendar
from decisions.workbench import admin
from ui import admin_nav, common
from ui.common import t

user = admin_nav.require(common.current_user(), "admin_calendar")
me = user["username"]
common.show_flash()
st.title(t("calendar_title"))
admin_nav.who_may(("calendar",), common.lang())

st.subheader(t("confirmed_years"))
years = admin.calendar_years()
if years:
    common.table([{t("year"): str(y["year"]), t("notice_ref"): y["notice_ref"], t("confirmed_at"): y["confirmed_at"],
                   t("confirmed_by"): y["confirmed_by"], t("overrides"): y["rows"]} for y in years],
                 hide_index=True, width="stretch")
else:
    st.caption(t("none"))

year = int(st.number_input(t("year"), min_value=2000, max_value=2200, value=admin.this_year() + 1, step=1,
                           key="cal_year"))
rows = calendar.list_overrides(year)
st.subheader(t("overrides"))
if rows:
    common.table([{t("day"): r["day"], t("workday"): t("workday") if r["workday"] else t("restday"),
                   t("note"): r["note"]} for r in rows], hide_index=True, width="stretch")
else:
    st.caption(t("none"))

with st.form("cal_import"):
    uploaded = st.file_uploader(t("import_year"), type=["csv"], key="cal_file")
    i_slot = st.empty()
    do_import = st.form_submit_button(t("import"))
if do_import:
    name, data = (uploaded.name, uploaded.getvalue()) if uploaded is not None else ("", b"")
    if not data:  # the use case checks every row (a bad one: one line naming it, nothing written)
        i_slot.error(t("required"))
    else:
        with tempfile.TemporaryDirectory() as tmp:  # the use case reads a file, as `juece calendar import` does
            path = Path(tmp) / (Path(name).name or "calendar.csv")
            path.write_bytes(data)
            ok, res = common.call(calendar.import_overrides, path, me, where=i_slot)
        if ok:
            common.flash(t("imported", rows=res["rows"], years="、".join(map(str, res["years"]))))
            st.rerun()

st.subheader(t("confirm_year"))
with st.form("cal_confirm"):
    ref = st.text_input(t("notice_ref") + " *", key="cal_ref", placeholder="国办发明电〔2025〕7号")
    sure = st.checkbox(t("confirm_action"), key="cal_sure")
    c_slot = st.empty()
    confirm = st.form_submit_button(t("confirm_year"), type="primary")
if confirm:
    if not ref.strip():
        c_slot.error(t("required"))
    elif not sure:
        c_slot.error(t("return_need_confirm"))
    else:
        ok, res = common.call(calendar.confirm_year, year, notice_ref=ref, as_user=me, where=c_slot)
        if ok:
            common.flash(t("year_confirmed", year=res["year"], ref=res["notice_ref"]))
            st.rerun()
