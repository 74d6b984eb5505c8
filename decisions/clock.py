"""The one clock of the system: JUECE_NOW (ISO datetime) when set, so a whole procedure can be simulated."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta, timezone

from decisions.errors import BadInput

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")
_override: ContextVar[datetime | None] = ContextVar("juece_now", default=None)


def parse_datetime(text: str, what: str = "JUECE_NOW") -> datetime:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise BadInput(f"{what}: 不是有效的 ISO 日期时间 / not an ISO datetime: {text!r}") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=CHINA)
    return value


def now() -> datetime:
    """Current time, timezone-aware (China time when JUECE_NOW has no offset)."""
    pinned = _override.get()
    if pinned is not None:
        return pinned
    env = os.environ.get("JUECE_NOW")
    if env:
        return parse_datetime(env)
    return datetime.now(UTC).astimezone(CHINA)


def today() -> date:
    return now().astimezone(CHINA).date()


@contextlib.contextmanager
def frozen(at: datetime) -> Iterator[None]:
    """Pin the clock (demo loader, tests) without touching the environment."""
    token = _override.set(at if at.tzinfo else at.replace(tzinfo=CHINA))
    try:
        yield
    finally:
        _override.reset(token)


def parse_date(text: str, what: str) -> date:
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        raise BadInput(f"{what}: 日期格式应为 YYYY-MM-DD / date must be YYYY-MM-DD: {text!r}") from None
