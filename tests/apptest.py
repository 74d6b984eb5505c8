"""Streamlit AppTest helpers shared by the page tests: open a page as a user, and read back every text it shows."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "ui" / "app.py")
TEXTS = ("title", "header", "subheader", "markdown", "text", "caption", "error", "warning", "info", "success")
WIDGETS = ("button", "selectbox", "text_input", "text_area", "radio", "multiselect", "date_input", "number_input")


def open_app(user: str | None = None, page: str | None = None, decision: int | None = None,
             lang: str | None = None, timeout: float = 60, tab: str | None = None) -> AppTest:
    """The workbench with `user` signed in (ui.common.current_user reads session state), on `page`; `tab`: the
    page's lazy tab to select (LAZY_TABS: only the selected one runs)."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    if user:
        at.session_state["juece_user"] = user
    if decision:
        at.session_state["decision_id"] = decision
    if lang:
        at.session_state["lang"] = lang
    at.run()
    if page:
        at.switch_page(f"pages/{page}.py")
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    if tab:
        open_tab(at, LAZY_TABS[page or ""], tab)
    return at


def shown(at: AppTest) -> str:
    """Every text the page shows: titles, markdown, text, captions, alerts, metrics, tables, widget labels and
    the options of every select box."""
    parts: list[str] = []
    for kind in TEXTS:
        parts += [str(e.value) for e in getattr(at, kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [df.value.to_string() for df in at.dataframe]
    for kind in WIDGETS:
        parts += [str(w.label) for w in getattr(at, kind)]
    for box in at.selectbox:
        parts += [str(o) for o in box.options]
    return "\n".join(parts)


def open_tab(at: AppTest, key: str, label: str) -> AppTest:
    """Select the tab `label` of the lazy tabs `key` (``st.tabs(key=..., on_change="rerun")``) as a click does:
    only the selected tab's content runs."""
    labels = [tab.label for tab in at.tabs]
    match = next((x for x in labels if x == label or x.startswith(f"{label} (")), None)
    assert match is not None, (label, labels)
    at.session_state[key] = match
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


#: pages whose tabs run only when selected, and the key of their tabs
LAZY_TABS = {"decision": "decision_tabs", "inbox": "inbox_tabs"}


def shown_in_every_tab(at: AppTest, page: str | None) -> str:
    """``shown`` of the page with each of its lazy tabs selected in turn (the first one last, as it was)."""
    key = LAZY_TABS.get(page or "")
    if key is None:
        return shown(at)
    labels = [tab.label for tab in at.tabs]
    parts = [shown(open_tab(at, key, label)) for label in labels[1:]]
    return "\n".join([*parts, shown(open_tab(at, key, labels[0]))])


def open_decision_tab(at: AppTest, label: str) -> AppTest:
    """The decision page with its tab `label` (概况, 判定, 材料, 流转记录, 其他操作) selected."""
    return open_tab(at, LAZY_TABS["decision"], label)
