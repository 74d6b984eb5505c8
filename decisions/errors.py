"""Every refusal is one of these; each maps to one exit code of the CLI contract (procedure.md §7)."""

from __future__ import annotations

from dataclasses import dataclass, field


class JueceError(Exception):
    exit_code = 1

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def to_json(self) -> dict:
        return {"error": type(self).__name__, "message": self.message}


class BadInput(JueceError):
    """Malformed value, unknown option, unreadable file (exit 2)."""

    exit_code = 2


@dataclass
class Unmet:
    """One unmet requirement of the procedure, always with the article that imposes it."""

    requirement: str
    article: str
    message: str
    message_en: str = ""

    def to_json(self) -> dict:
        return {"requirement": self.requirement, "article": self.article, "message": self.message,
                "message_en": self.message_en}


@dataclass
class Blocked(JueceError):
    """A procedure rule refuses the action (exit 3); lists every unmet requirement."""

    unmet: list[Unmet] = field(default_factory=list)
    exit_code = 3

    def __post_init__(self) -> None:
        lines = [f"[{u.article}] {u.message}" for u in self.unmet]
        super().__init__("；".join(lines) if lines else "blocked")

    def to_json(self) -> dict:
        return {"error": "Blocked", "blocked": [u.to_json() for u in self.unmet]}


class NotPermitted(JueceError):
    """The user or role may not do this (exit 4)."""

    exit_code = 4


class NotFound(JueceError):
    """Unknown decision, user, office, catalog item (exit 5)."""

    exit_code = 5


class IntegrityFailure(JueceError):
    """Evidence or audit chain does not verify (exit 6)."""

    exit_code = 6


class Conflict(JueceError):
    """Changed concurrently; retry (exit 7)."""

    exit_code = 7
