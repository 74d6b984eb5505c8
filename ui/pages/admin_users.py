"""用户与单位 / Users and offices (admin): create users, set roles, disable/enable, unlock, reset passwords;
list and add offices. Every action is the use case `juece user …` / `juece office add` calls
(decisions.accounts.service), which refuses anyone but an admin."""

from __future__ import annotations

import streamlit as st

from decisions.accounts import service as directory
from decisions.workbench import admin
from ui import admin_nav, common
from ui.common import t

user = admin_nav.require(common.current_user(), "admin_users")
me = user["username"]
common.show_flash()
st.title(t("users_title"))
admin_nav.who_may(("users", "offices"), common.lang())

role_names = {r["key"]: r["name"] for r in admin.roles(common.lang())}
ok, users = common.call(directory.list_users, as_user=me)
if not ok:
    st.stop()
offices = admin.offices_table(common.lang())
office_names = {o["code"]: o["name"] for o in offices}


def state_of(u: dict) -> str:
    return t("user_active") if u["active"] else t("user_disabled")


tab_users, tab_offices = st.tabs([t("users_list"), t("offices_list")])
with tab_users:
    common.table([{t("username"): u["username"], t("name"): u["name"], t("office"): u["office_name"],
                   t("roles"): "、".join(role_names.get(r, r) for r in u["roles"]), t("active"): state_of(u),
                   t("login_state"): t("user_locked") if u["locked"] else t("user_ok")} for u in users],
                 keep=(t("username"),), hide_index=True, width="stretch")

    st.subheader(t("add_user"))
    with st.form("admin_add_user", clear_on_submit=False):
        new_username = st.text_input(t("username") + " *", key="au_username")
        new_name = st.text_input(t("name") + " *", key="au_name")
        new_office = st.selectbox(t("office") + " *", list(office_names), index=None,
                                  format_func=lambda c: office_names[c], key="au_office",
                                  placeholder=common.choose_one())
        new_roles = st.multiselect(t("roles") + " *", list(role_names), format_func=lambda r: role_names[r],
                                   key="au_roles", placeholder=common.choose_many())
        new_password = st.text_input(t("initial_password") + " *", type="password", key="au_password")
        slot = st.empty()
        create = st.form_submit_button(t("create"), type="primary")
    if create:
        if not new_username.strip() or not new_name.strip() or new_office is None or not new_roles \
                or not new_password:
            slot.error(t("required"))
        else:
            ok, res = common.call(directory.add_user, new_username.strip(), new_name.strip(), new_office, new_roles,
                                  new_password, me, where=slot)
            if ok:
                common.flash(t("user_created", username=res["username"]))
                st.rerun()

    st.subheader(t("manage_user"))
    by_name = {u["username"]: u for u in users}
    chosen = st.selectbox(t("choose_user"), list(by_name), index=None, key="au_manage",
                          format_func=lambda n: f"{by_name[n]['name']}（{n}）· {state_of(by_name[n])}",
                          placeholder=common.choose_one())
    if chosen:
        target = by_name[chosen]
        roles_now = st.multiselect(t("roles"), list(role_names), default=target["roles"],
                                   format_func=lambda r: role_names[r], key=f"au_roles_{chosen}",
                                   placeholder=common.choose_many())
        out = st.empty()
        c1, c2, c3 = st.columns(3)
        if c1.button(t("save_roles"), key=f"au_save_roles_{chosen}"):
            ok, _ = common.call(directory.set_roles, chosen, roles_now, me, where=out)
            if ok:
                common.flash(t("roles_saved", username=chosen))
                st.rerun()
        if target["active"]:
            if c2.button(t("disable_user"), key=f"au_disable_{chosen}"):
                ok, _ = common.call(directory.disable_user, chosen, me, where=out)
                if ok:
                    common.flash(t("user_disabled_done", username=chosen))
                    st.rerun()
        elif c2.button(t("enable_user"), key=f"au_enable_{chosen}"):
            ok, _ = common.call(directory.enable_user, chosen, me, where=out)
            if ok:
                common.flash(t("user_enabled_done", username=chosen))
                st.rerun()
        if c3.button(t("unlock_user"), key=f"au_unlock_{chosen}", disabled=not target["locked"]):
            ok, _ = common.call(directory.unlock_user, chosen, me, where=out)
            if ok:
                common.flash(t("user_unlocked_done", username=chosen))
                st.rerun()
        with st.form(f"au_passwd_{chosen}", clear_on_submit=True):
            password = st.text_input(t("new_password"), type="password", key=f"au_pw_{chosen}")
            pw_slot = st.empty()
            reset = st.form_submit_button(t("reset_password"))
        if reset:
            if not password:
                pw_slot.error(t("required"))
            else:
                ok, _ = common.call(directory.set_password, chosen, password, me, where=pw_slot)
                if ok:
                    common.flash(t("password_reset_done", username=chosen))
                    st.rerun()

with tab_offices:
    common.table([{t("office_code"): o["code"], t("office_name"): o["name"], t("level"): o["level"],
                   t("parent"): o["parent"], t("profile"): o["profile"]} for o in offices],
                 keep=(t("office_code"),), hide_index=True, width="stretch")
    st.subheader(t("add_office"))
    levels = {lv["key"]: lv["name"] for lv in admin.levels(common.lang())}
    titles = admin.profile_names(common.lang())
    profile_choices = ["", *titles]
    with st.form("admin_add_office"):
        code = st.text_input(t("office_code") + " *", key="ao_code")
        oname = st.text_input(t("office_name") + " *", key="ao_name")
        level = st.selectbox(t("level") + " *", list(levels), index=None, format_func=lambda k: levels[k],
                             key="ao_level", placeholder=common.choose_one())
        parent = st.selectbox(t("parent"), ["", *office_names], key="ao_parent",
                              format_func=lambda c: office_names.get(c, t("no_parent")))
        profile = st.selectbox(t("profile"), profile_choices, key="ao_profile",
                               format_func=lambda p: titles.get(p) or t("profile_inherit"))
        o_slot = st.empty()
        add = st.form_submit_button(t("add_office"), type="primary")
    if add:
        if not code.strip() or not oname.strip() or level is None:
            o_slot.error(t("required"))
        else:
            ok, res = common.call(directory.add_office, code.strip(), oname.strip(), level, parent or None,
                                  profile or None, me, where=o_slot)
            if ok:
                common.flash(t("office_created", code=res["code"]))
                st.rerun()
