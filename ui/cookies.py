"""The browser side of a sign-in that survives a refresh: reading the cookie, and the two invisible bits of page
script that talk to the same-origin endpoint of ui/server.py (no external script, nothing fetched elsewhere)."""

from __future__ import annotations

import streamlit as st

SESSION_PATH = "/_juece/session"


def route_path(path: str) -> str:
    """`path` under the deployment's server.baseUrlPath (a reverse proxy may serve the workbench below a prefix)."""
    try:
        base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    except Exception:  # noqa: BLE001 - no config loaded
        base = ""
    return f"/{base}{path}" if base else path


def read(name: str) -> str | None:
    """A cookie the browser sent with this session's connection (None outside a browser, e.g. AppTest)."""
    try:
        value = st.context.cookies.get(name)
    except Exception:  # noqa: BLE001 - no request context
        return None
    return str(value) if value else None


_COMPONENT = None


def _component():  # noqa: ANN202 - streamlit's component function
    """The tiny local component (ui/session_component/index.html), declared once."""
    global _COMPONENT
    if _COMPONENT is None:
        from pathlib import Path

        import streamlit.components.v1 as components

        _COMPONENT = components.declare_component("juece_session", path=str(Path(__file__).parent / "session_component"))
    return _COMPONENT


def hand_off(code: str) -> None:
    """Let the browser trade the one-time code for its HttpOnly cookie (the page never sees the token)."""
    _component()(action="claim", code=code, path=route_path(SESSION_PATH), key="juece_session_claim", default=None)


def clear() -> None:
    """Ask the endpoint to delete the cookie (the row is already revoked: this only tidies the browser)."""
    _component()(action="clear", code="", path=route_path(SESSION_PATH), key="juece_session_clear", default=None)
