"""The workbench server: Streamlit's own (st.App, served by `streamlit run ui/server.py` / `juece ui`) plus one
same-origin endpoint that sets the sign-in cookie, because a Streamlit script cannot send a Set-Cookie header and
a cookie written by page script could not be HttpOnly.

POST {SESSION_PATH} with {"code": <one-time hand-off code>} → Set-Cookie juece_session (HttpOnly, SameSite=Strict,
Secure behind TLS); DELETE clears it. The page script (ui/app.py) stays what AppTest runs.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))

import streamlit as st  # noqa: E402
from starlette.concurrency import run_in_threadpool  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import JSONResponse, Response  # noqa: E402
from starlette.routing import Route  # noqa: E402

from decisions.accounts import sessions  # noqa: E402
from decisions.errors import NotFound  # noqa: E402
from ui.cookies import SESSION_PATH, route_path  # noqa: E402


def _secure(request: Request) -> bool:
    """Behind TLS: the request came over https, or the reverse proxy in front says it did."""
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto", "").lower() == "https"


async def session_cookie(request: Request) -> Response:
    """Trade a hand-off code for the HttpOnly cookie (POST), or clear the cookie (DELETE)."""
    response: Response
    if request.method == "DELETE":
        response = Response(status_code=204)
        response.delete_cookie(sessions.COOKIE, path="/", httponly=True, samesite="strict", secure=_secure(request))
        return response
    try:
        body = await request.json()
        code = str(body.get("code", "")) if isinstance(body, dict) else ""
    except ValueError:
        code = ""
    try:
        value = await run_in_threadpool(sessions.claim_session, code)
    except NotFound:
        return JSONResponse({"ok": False}, status_code=403)
    response = JSONResponse({"ok": True})
    response.set_cookie(sessions.COOKIE, value, path="/", httponly=True, samesite="strict", secure=_secure(request))
    response.headers["Cache-Control"] = "no-store"
    return response


app = st.App(str(HERE / "app.py"),
             routes=[Route(route_path(SESSION_PATH), session_cookie, methods=["POST", "DELETE"])])
