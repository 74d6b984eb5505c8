"""Offices, users and their roles: who may act, where (procedure.md §6)."""

from __future__ import annotations

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from decisions.storage.schema import metadata  # noqa: F401  (naming convention first)


class Office(SQLModel, table=True):
    """A decision organ (政府) or one of its departments, townships, bureaus."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(index=True, unique=True, max_length=64)
    name: str
    level: str  # province | city | county | department | township
    parent_id: int | None = Field(default=None, foreign_key="office.id", index=True)
    profile: str = Field(default="state-council-2019")


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(index=True, unique=True, max_length=64)
    name: str
    office_id: int = Field(foreign_key="office.id", index=True)
    password_hash: str = Field(default="")
    active: bool = Field(default=True)
    failed_logins: int = Field(default=0)   # consecutive failed logins (reset by a success or an unlock)
    locked_until: str = Field(default="")   # ISO timestamp; refused before it even with the right password


class UserRole(SQLModel, table=True):
    user_id: int = Field(foreign_key="user.id", primary_key=True)
    role: str = Field(primary_key=True, max_length=32)


class UserIdentity(SQLModel, table=True):
    """A single sign-on identity bound to a local user: the provider's issuer (``iss``) and subject (``sub``),
    never a name or an e-mail address a provider lets its users choose."""

    __tablename__ = "user_identity"
    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_user_identity_issuer_subject"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    issuer: str = Field(max_length=512)
    subject: str = Field(max_length=255)
    linked_by: str = ""
    linked_at: str = ""


class LoginThrottle(SQLModel, table=True):
    """Failed sign-ins of one account from one client (a salted hash of its address): the lock-out with
    back-off applies to that pair only, so nobody elsewhere can lock an account out."""

    __tablename__ = "login_throttle"
    __table_args__ = (UniqueConstraint("username", "client", name="uq_login_throttle_username_client"),)
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64)
    client: str = Field(max_length=64)
    failures: int = 0
    locked_until: str = ""
    last_at: str = ""


class UserSession(SQLModel, table=True):
    """A workbench sign-in that survives a page refresh: the browser holds a signed cookie naming this row and
    a random token; only the token's SHA-256 is kept here. Revoked on sign-out, a new password and disabling;
    it lapses after JUECE_SESSION_IDLE_MINUTES without use."""

    __tablename__ = "user_session"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, index=True)
    token_hash: str = Field(default="", max_length=64)    # SHA-256 of the cookie's token, set when claimed
    handoff_hash: str = Field(default="", max_length=64)  # SHA-256 of the one-time code the page hands the browser
    created_at: str = ""
    last_seen: str = ""
    revoked_at: str = ""
    revoke_reason: str = Field(default="", max_length=32)
