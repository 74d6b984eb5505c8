"""The administration section of the navigation (ui/pages/admin_*.py), offered by role: a user without the
permission is not offered the page; a page opened anyway stops with a refusal, and the use case refuses too."""

from __future__ import annotations

from typing import Any

import streamlit as st

from decisions.workbench import admin
from ui.common import t

#: page file, title key, icon, the ABILITIES entries that offer it
PAGES = (
    ("admin_users", "nav_admin_users", ":material/manage_accounts:", ("users", "offices")),
    ("admin_registers", "nav_admin_registers", ":material/badge:", ("members", "review_office")),
    ("admin_experts", "nav_admin_experts", ":material/school:", ("experts",)),
    ("admin_calendar", "nav_admin_calendar", ":material/calendar_month:", ("calendar",)),
    ("admin_catalog", "nav_admin_catalog", ":material/edit_note:", ("catalog",)),
)


def offered(user: dict | None, page: str) -> bool:
    """Whether the signed-in user is offered `page` (one of PAGES)."""
    if not user:
        return False
    entry = next(p for p in PAGES if p[0] == page)
    return any(admin.may(user["roles"], ability) for ability in entry[3])


def add_pages(pages: dict[str, list], user: dict | None) -> None:
    """Add the administration section to the navigation's `pages` for `user` (nothing for the public)."""
    section: list[Any] = [st.Page(f"pages/{name}.py", title=t(key), icon=icon, url_path=name)
                          for name, key, icon, _ in PAGES if offered(user, name)]
    if section:
        pages[t("sec_admin")] = section


def require(user: dict | None, page: str) -> dict:
    """Stop the page with the refusal unless the user is offered it (the service layer checks again)."""
    if user is None:
        st.warning(t("login_required"))
        st.stop()
    if not offered(user, page):
        st.warning(t("role_missing"))
        st.stop()
    return user


def who_may(abilities: tuple[str, ...], lang: str) -> None:
    """The permission table of the page: each task and the roles that may do it."""
    from ui import common

    with st.expander(t("who_may")):
        common.table([{t("task"): t(f"ability_{a['task']}"), t("roles"): "、".join(a["roles"])}
                      for a in admin.abilities(lang) if a["task"] in abilities], hide_index=True, width="stretch")
