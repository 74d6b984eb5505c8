"""The juece workbench (Streamlit): `juece ui` / `make run`. Pages are listed per role (st.navigation)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from decisions import channel  # noqa: E402
from decisions.workbench import views as workbench  # noqa: E402
from ui import common, menu  # noqa: E402

channel.set_channel("web")  # every act of this run of the workbench (the public pages say "public")
# an emoji icon: Streamlit draws it as an inline SVG; a :material/…: page icon makes every browser fetch the
# favicon from fonts.gstatic.com (nothing of the workbench may load from outside)
st.set_page_config(page_title="juece 决策", page_icon="🏛️", layout="wide")

if not workbench.deployment_ready():
    st.error("数据库尚未初始化：请先运行 `juece init`（或 `make run`）。/ The database is not initialised: run "
             "`juece init` (or `make run`).")
    st.stop()

user = common.current_user()
pages = common.pages_for(user)
_zh = common.lang() == "zh"  # public participation (issue 8): the consultation page for everyone, the ledger for staff
_here = Path(__file__).resolve().parent / "pages"
if (_here / "public_consultation.py").is_file():
    list(pages.values())[-1].append(st.Page("pages/public_consultation.py",
                                            title="公开征求意见" if _zh else "Public consultation",
                                            icon=":material/campaign:", url_path="public_consultation"))
if user is not None and (_here / "opinion_ledger.py").is_file():
    list(pages.values())[0].append(st.Page("pages/opinion_ledger.py", title="意见台账" if _zh else "Opinion ledger",
                                           icon=":material/fact_check:", url_path="opinion_ledger"))
from ui import admin_nav  # noqa: E402  (the administration pages, by role)

admin_nav.add_pages(pages, user)
navigation = st.navigation(pages, position="hidden")  # the menu is the workbench's own (ui.menu)
menu.menu(pages)
common.page_style()
common.sidebar(user)
common.session_cookie()
common.follow_link(user, navigation.url_path)
navigation.run()
