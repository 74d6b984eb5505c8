"""The workbench's own menu in the sidebar (ui/app.py draws it every run, under st.navigation(position="hidden"))."""

from __future__ import annotations

import streamlit as st

from ui.common import escape

MENU_KEY = "juece_nav"  # the menu's container: class st-key-juece_nav in the page (the browser tests find it)


def menu(pages: dict[str, list]) -> None:
    """The workbench's own menu at the top of the sidebar, by section. Streamlit's sidebar navigation is switched
    off (client.showSidebarNavigation = false in ui/.streamlit/config.toml and `juece ui`): it would first show the
    automatic list of ui/pages by file name ("admin_users") until the script's st.navigation arrives, and with it
    off st.navigation draws no menu of its own (it runs with position="hidden")."""
    with st.sidebar.container(key=MENU_KEY):
        for section, entries in pages.items():
            shown = [p for p in entries if p.visibility != "hidden"]
            if not shown:
                continue
            st.caption(escape(section))
            for p in shown:
                st.page_link(page=p, label=escape(p.title), icon=p.icon or None)
