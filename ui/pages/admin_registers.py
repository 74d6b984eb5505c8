"""登记簿 / Registers (procedure.md §8): an organ's meeting members (会议组成人员) with their periods and titles,
its legality review office (Art 25), and the expert pool. The actions are those of `juece register member` and
`juece register review-office` (decisions.procedure.registers), which check the permission: an admin, or for
the members the organ's own office."""

from __future__ import annotations

import streamlit as st

from decisions.procedure import registers
from decisions.workbench import admin
from ui import admin_nav, common
from ui.common import t

user = admin_nav.require(common.current_user(), "admin_registers")
me = user["username"]
common.show_flash()
st.title(t("registers_title"))
admin_nav.who_may(("members", "review_office"), common.lang())

organs = {o["code"]: o["name"] for o in admin.organs()}
if not organs:
    st.info(t("no_data"))
    st.stop()
mine = user["office"] if user["office"] in organs else None
organ = st.selectbox(t("choose_organ"), list(organs), index=list(organs).index(mine) if mine else 0,
                     format_func=lambda c: organs[c], key="reg_organ")
ok, register = common.call(registers.list_members, organ)
if not ok:
    st.stop()
people = {u["username"]: u for u in admin.user_choices()}
offices = {o["code"]: o["name"] for o in admin.offices_table(common.lang())}

tab_members, tab_review, tab_pool = st.tabs([t("members_register"), t("review_office"), t("expert_pool")])
with tab_members:
    common.table([{t("name"): people[m["user"]]["name"] if m["user"] in people else m["name"],
                   t("username"): m["user"], t("member_title"): m["title"], t("is_head"): "✓" if m["head"] else "",
                   t("from_date"): m["from"], t("to_date"): m["to"] or "—"} for m in register["members"]],
                 keep=(t("username"),), hide_index=True, width="stretch")
    st.subheader(t("add_member"))
    with st.form("reg_member_add"):
        # the organ's own staff: the register refuses anyone else (Art 30, the profile's members_from_organ)
        staff = [n for n, u in people.items() if u["office"] == organ]
        who = st.selectbox(t("username") + " *", staff, index=None, key="reg_user",
                           format_func=lambda n: f"{people[n]['name']}（{n}）· {people[n]['office_name']}",
                           placeholder=common.choose_one())
        title = st.text_input(t("member_title"), key="reg_title")
        start = st.date_input(t("from_date") + " *", value=None, key="reg_from", format="YYYY-MM-DD")
        head = st.checkbox(t("is_head"), key="reg_head")
        slot = st.empty()
        add = st.form_submit_button(t("add_member"), type="primary")
    if add:
        if who is None or start is None:
            slot.error(t("required"))
        else:
            ok, res = common.call(registers.register_member, organ, who, from_date=start.isoformat(), title=title,
                                  head=head, as_user=me, where=slot)
            if ok:
                common.flash(t("member_added", username=f"{people[who]['name']}（{who}）"))
                st.rerun()
    sitting = [m["user"] for m in register["members"] if not m["to"]]
    if sitting:
        st.subheader(t("member_leaves"))
        with st.form("reg_member_leave"):
            leaving = st.selectbox(t("username") + " *", sitting, index=None, key="reg_leaving",
                                   format_func=lambda n: f"{people[n]['name']}（{n}）" if n in people else n,
                                   placeholder=common.choose_one())
            end = st.date_input(t("to_date") + " *", value=None, key="reg_to", format="YYYY-MM-DD")
            l_slot = st.empty()
            leave = st.form_submit_button(t("member_leaves"))
        if leave:
            if leaving is None or end is None:
                l_slot.error(t("required"))
            else:
                ok, _ = common.call(registers.register_member, organ, leaving, to_date=end.isoformat(), as_user=me,
                                    where=l_slot)
                if ok:
                    common.flash(t("member_left", username=leaving))
                    st.rerun()

with tab_review:
    current = register["review_office"]
    if current:
        st.text(f"{t('review_office')}：{offices.get(current, current)}")
    else:
        st.info(t("review_office_none"))
    if admin.may(user["roles"], "review_office"):
        with st.form("reg_review_office"):
            office = st.selectbox(t("office") + " *", [c for c in offices if c != organ], index=None,
                                  format_func=lambda c: offices[c], key="reg_review", placeholder=common.choose_one())
            r_slot = st.empty()
            save = st.form_submit_button(t("set_review_office"), type="primary")
        if save:
            if office is None:
                r_slot.error(t("required"))
            else:
                ok, _ = common.call(registers.set_review_office, organ, office, as_user=me, where=r_slot)
                if ok:
                    common.flash(t("review_office_set", name=offices[office]))
                    st.rerun()

with tab_pool:
    common.table([{t("name"): e["name"], t("username"): e["username"], t("office"): e["office_name"]}
                  for e in admin.expert_pool()], keep=(t("username"),), hide_index=True, width="stretch")
