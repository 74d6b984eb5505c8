"""The channel an act came through (procedure.md §8 "Authors"): `cli`, `web`, `public` or `worker`.

The entry points set it (the `juece` command, the workbench, the public pages, the deadline worker); the audit
trail records it in every event's detail. A context variable, so a thread or task carries its own."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

CHANNELS = ("cli", "web", "public", "worker")
_current: ContextVar[str] = ContextVar("juece_channel", default="cli")


def current() -> str:
    return _current.get()


def set_channel(name: str) -> None:
    """Set the channel of this thread's (or task's) acts from here on: an entry point's first line."""
    if name not in CHANNELS:
        raise ValueError(f"unknown channel {name!r}; expected one of: {', '.join(CHANNELS)}")
    _current.set(name)


@contextlib.contextmanager
def via(name: str) -> Iterator[None]:
    """The acts inside the block come through `name` (the worker's pass)."""
    if name not in CHANNELS:
        raise ValueError(f"unknown channel {name!r}; expected one of: {', '.join(CHANNELS)}")
    token = _current.set(name)
    try:
        yield
    finally:
        _current.reset(token)
