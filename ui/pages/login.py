"""登录 / Sign in: local accounts (argon2id), optional OIDC single sign-on configured in secrets."""

from __future__ import annotations

import streamlit as st

from decisions.accounts import service as directory
from ui import common
from ui.common import t

st.title(t("login_title"))


def _sso_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 - no secrets file
        return False


with st.form("login"):
    username = st.text_input(t("username"), key="login_username")
    user_err = st.empty()
    password = st.text_input(t("password"), type="password", key="login_password")
    pass_err = st.empty()
    submitted = st.form_submit_button(t("login_button"), type="primary")

if submitted:
    ok = True
    if not username.strip():
        user_err.error(t("required"))
        ok = False
    if not password:
        pass_err.error(t("required"))
        ok = False
    if ok:
        try:
            actor = directory.authenticate(username.strip(), password,  # locked per account and client
                                           client=common.client_address() or "unknown")
        except directory.AccountLocked as exc:
            actor = None
            st.error(f"账户已锁定：连续登录失败次数过多，请于 {exc.until} 后重试或请系统管理员解锁。 / "
                     f"Account locked after too many failed sign-ins: try again after {exc.until} "
                     "or ask an administrator to unlock it.")
        else:
            if actor is None:
                st.error(t("login_failed"))
        if actor is not None:
            common.sign_in(actor.username)  # a server-side session: the sign-in survives a refresh
            st.rerun()

if directory.demo_password_active():  # only while the demo accounts still have the demo password
    st.caption(t("login_demo_hint"))

if _sso_configured():
    st.divider()
    if st.button(t("sso_button"), key="sso"):
        st.login()
    if common.current_user() is None and st.session_state.get(common.SSO_REFUSAL_KEY):
        st.error(common.escape(st.session_state[common.SSO_REFUSAL_KEY]))
