"""Workbench sign-ins that survive a page refresh (F5).

A sign-in makes a server-side row (``UserSession``) and a one-time hand-off code. The page gives the code to
the browser, which trades it at a same-origin endpoint (``ui/server.py``) for an HttpOnly, SameSite=Strict
cookie ``<row id>.<token>.<HMAC>``: the token itself never passes through page script, and only its SHA-256 is
stored. A refreshed page reads the cookie back (``st.context.cookies``) and resumes the sign-in while the row
is neither revoked (sign-out, a new password, disabling) nor unused for ``JUECE_SESSION_IDLE_MINUTES``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlmodel import Session, select

from decisions import clock
from decisions.accounts.models import User, UserSession
from decisions.errors import NotFound
from decisions.storage.settings import deployment_secret, get_settings
from decisions.storage.unit_of_work import UnitOfWork

COOKIE = "juece_session"
HANDOFF_SECONDS = 120   # how long the browser has to trade the hand-off code for its cookie
TOUCH_SECONDS = 60      # last_seen is written at most once a minute per session


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _sign(payload: str) -> str:
    key = deployment_secret("session_key").encode()
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


def _stamp(at: datetime) -> str:
    return at.isoformat(timespec="seconds")


def _lapsed(row: UserSession, now: datetime) -> bool:
    """Revoked, or unused for longer than the idle time."""
    if row.revoked_at:
        return True
    seen = clock.parse_datetime(row.last_seen or row.created_at, "last_seen")
    return now - seen > timedelta(minutes=get_settings().session_idle_minutes)


def _active(s: Session, username: str) -> bool:
    user = s.exec(select(User).where(User.username == username)).first()
    return user is not None and user.active


def open_session(username: str) -> dict:
    """A new sign-in of `username` (already authenticated): its id and the one-time hand-off code."""
    code = secrets.token_urlsafe(32)
    now = _stamp(clock.now())
    with UnitOfWork() as uow:
        s = uow.session
        if not _active(s, username):
            raise NotFound(f"未知或已停用的用户 / unknown or disabled user: {username!r}")
        row = UserSession(username=username, handoff_hash=_sha(code), created_at=now, last_seen=now)
        s.add(row)
        s.flush()
        sid = int(row.id or 0)
        uow.commit()
    return {"id": sid, "handoff": code}


def claim_session(code: str) -> str:
    """The cookie value for a hand-off code (once, within HANDOFF_SECONDS); NotFound for any other code."""
    digest = _sha(code or "")
    now = clock.now()
    with UnitOfWork() as uow:
        s = uow.session
        row = s.exec(select(UserSession).where(UserSession.handoff_hash == digest)).first()
        if (row is None or row.token_hash or _lapsed(row, now)
                or now - clock.parse_datetime(row.created_at, "created_at") > timedelta(seconds=HANDOFF_SECONDS)):
            raise NotFound("登录交接码无效或已过期 / the sign-in hand-off code is unknown or expired")
        token = secrets.token_urlsafe(32)
        row.token_hash, row.handoff_hash = _sha(token), ""
        row.last_seen = _stamp(now)
        payload = f"{row.id}.{token}"
        uow.commit()
    return f"{payload}.{_sign(payload)}"


def is_claimed(sid: int) -> bool:
    """Whether the browser has traded this sign-in's hand-off code for its cookie."""
    with UnitOfWork() as uow:
        row = uow.session.get(UserSession, sid)
        return row is not None and bool(row.token_hash)


def resume_session(cookie: str | None) -> dict | None:
    """The sign-in a cookie names ({"id", "username"}), when its signature and token match a live row;
    None otherwise (no detail: a forged, stale or revoked cookie all look the same)."""
    parts = (cookie or "").split(".")
    if len(parts) != 3 or not parts[0].isdigit():
        return None
    sid, token, signature = parts
    if not hmac.compare_digest(_sign(f"{sid}.{token}"), signature):
        return None
    now = clock.now()
    with UnitOfWork() as uow:
        s = uow.session
        row = s.get(UserSession, int(sid))
        if row is None or not row.token_hash or not hmac.compare_digest(row.token_hash, _sha(token)):
            return None
        if _lapsed(row, now) or not _active(s, row.username):
            return None
        row.last_seen = _stamp(now)
        username = row.username
        uow.commit()
    return {"id": int(sid), "username": username}


def session_alive(sid: int) -> bool:
    """Whether a sign-in still holds (every page run asks); marks it used, at most once a minute."""
    now = clock.now()
    with UnitOfWork() as uow:
        s = uow.session
        row = s.get(UserSession, sid)
        if row is None or _lapsed(row, now) or not _active(s, row.username):
            return False
        seen = clock.parse_datetime(row.last_seen or row.created_at, "last_seen")
        if (now - seen).total_seconds() >= TOUCH_SECONDS:
            row.last_seen = _stamp(now)
            uow.commit()
    return True


def end_session(sid: int, reason: str = "logout") -> None:
    """Sign-out: the row is revoked, so its cookie opens nothing any more."""
    with UnitOfWork() as uow:
        row = uow.session.get(UserSession, sid)
        if row is not None and not row.revoked_at:
            row.revoked_at, row.revoke_reason = _stamp(clock.now()), reason
            uow.commit()


def revoke_user_sessions(s: Session, username: str, reason: str) -> int:
    """Inside a use case's transaction (a new password, disabling): every live sign-in of the user revoked."""
    now = _stamp(clock.now())
    rows = s.exec(select(UserSession).where(UserSession.username == username, UserSession.revoked_at == "")).all()
    for row in rows:
        row.revoked_at, row.revoke_reason = now, reason
        s.add(row)
    return len(rows)
