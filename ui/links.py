"""Where a row of a list takes the user: the one place pages open a decision from a list or a notice, so that
per-decision addresses (st.query_params) can replace the session-state way without touching the pages."""

from __future__ import annotations

from ui import common


def open_decision(did: int) -> None:
    """Open decision `did` on the decision page (the page the other lists use)."""
    common.open_decision(did)
