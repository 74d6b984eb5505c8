"""Offices and users: the organisation the procedure runs in. Passwords are hashed with argon2id."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, update
from sqlmodel import Session, col, select

from decisions import clock
from decisions.accounts import sessions
from decisions.accounts.models import LoginThrottle, Office, User, UserIdentity, UserRole
from decisions.accounts.permissions import Actor
from decisions.errors import BadInput, Conflict, NotFound, NotPermitted
from decisions.records import audit
from decisions.storage.settings import get_settings
from decisions.storage.statements import Prepared, adopt
from decisions.storage.unit_of_work import UnitOfWork
from workflow import profiles

LEVELS = ("province", "city", "county", "department", "township")
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
_hasher = PasswordHasher()  # argon2id by default
_DUMMY_HASH = _hasher.hash("juece-no-such-user")  # unknown users cost the same verification time


class AccountLocked(NotPermitted):
    """A local account locked after repeated failed logins (exit 4); carries when it opens again."""

    def __init__(self, username: str, until: str):
        super().__init__(f"账户 {username} 因连续登录失败已被锁定，请于 {until} 后重试或请系统管理员解锁 / "
                         f"account {username} is locked after repeated failed logins until {until}; "
                         "try again later or ask an admin to unlock it")
        self.username = username
        self.until = until


def hash_password(password: str) -> str:
    return _hasher.hash(password)


PASSWORD_MIN = 12
DEMO_PASSWORD = "juece-demo-2026"   # the demo deployment's accounts (decisions/demo.py)
DEMO_USER = "hd_organ"


def check_password(password: str) -> None:
    """The minimum policy for a local password: at least 12 characters, not all digits (one line, exit 2)."""
    if len(password) < PASSWORD_MIN:
        raise BadInput(f"密码至少 {PASSWORD_MIN} 位 / password must have at least {PASSWORD_MIN} characters")
    if password.isdigit():
        raise BadInput("密码不能全为数字 / password must not be all digits")


def demo_password_active() -> bool:
    """Whether the demo's accounts are there with the demo password (the login page shows it only then)."""
    with UnitOfWork() as uow:
        user = uow.session.exec(select(User).where(User.username == DEMO_USER)).first()
        if user is None or not user.active or not user.password_hash:
            return False
    try:
        return bool(_hasher.verify(user.password_hash, DEMO_PASSWORD))
    except (VerificationError, InvalidHashError):
        return False


_OFFICE_BY_CODE = Prepared(select(*Office.__table__.columns).where(Office.__table__.c.code == bindparam("b_code")))


def office_by_code(session: Session, code: str) -> Office:
    """The office by its code; NotFound names it. Creating a decision looks up two or more, so the row is read with
    a statement built once and becomes the session's persistent object as the ORM's loading makes one (as
    ``procedure.service.get_decision`` does); an office the session holds already is that object."""
    session.flush()  # an office this transaction added or changed is found, as the ORM's autoflush made it
    row = _OFFICE_BY_CODE.run(session, {"b_code": code}).first()
    if row is None:
        raise NotFound(f"未知单位 / unknown office: {code!r}")
    return adopt(session, Office, row)  # type: ignore[no-any-return]


_ACTOR = Prepared(select(User.id, User.active, Office.id, Office.code, UserRole.role)
                  .join(Office, col(Office.id) == User.office_id)
                  .outerjoin(UserRole, col(UserRole.user_id) == User.id)
                  .where(User.username == bindparam("username")))


def actor_for(session: Session, username: str) -> Actor:
    """The user with office and roles, in one query (every use case starts here: decisions/statements.py)."""
    rows = _ACTOR.run(session, {"username": username}).all()
    if not rows or not rows[0][1]:
        raise NotFound(f"未知用户 / unknown user: {username!r}")
    user_id, _active, office_id, office_code, _role = rows[0]
    roles = tuple(sorted(r[4] for r in rows if r[4] is not None))
    return Actor(user_id or 0, username, office_id or 0, office_code, roles)


def operator_of(session: Session, as_user: str | None) -> tuple[str, str, str]:
    """Admin actions: the server operator (no --as) or a named admin."""
    if as_user is None:
        return "operator", "admin", ""
    actor = actor_for(session, as_user)
    if "admin" not in actor.roles:
        raise NotPermitted(f"用户 {as_user} 不是系统管理员(admin)，无权管理单位和用户 / only admin may manage offices and users")
    return actor.username, "admin", actor.office_code


def add_office(code: str, name: str, level: str, parent: str | None = None, profile: str | None = None,
               as_user: str | None = None) -> dict:
    if not _CODE.match(code):
        raise BadInput(f"单位代码 {code!r} 无效：只允许字母、数字、-_. / invalid office code")
    if level not in LEVELS:
        raise BadInput(f"--level {level!r} 无效 / invalid; expected one of: {', '.join(LEVELS)}")
    if not name.strip():
        raise BadInput("--name 不能为空 / must not be empty")
    with UnitOfWork() as uow:
        s = uow.session
        who, role, office_code = operator_of(s, as_user)
        parent_office = office_by_code(s, parent) if parent else None
        if profile is None:
            profile = parent_office.profile if parent_office else "state-council-2019"
        if profile not in profiles.available():
            raise BadInput(f"--profile {profile!r} 未知 / unknown; available: {', '.join(profiles.available())}")
        profiles.load(profile)
        if s.exec(select(Office).where(Office.code == code)).first():
            raise BadInput(f"单位代码 {code!r} 已存在 / office code already exists")
        office = Office(code=code, name=name.strip(), level=level,
                        parent_id=parent_office.id if parent_office else None, profile=profile)
        s.add(office)
        s.flush()
        audit.record(s, decision_id=None, actor=who, role=role, office=office_code, action="office_add",
                     detail={"code": code, "name": office.name, "level": level, "parent": parent, "profile": profile})
        uow.commit()
        return {"id": office.id, "code": code, "name": office.name, "level": level, "parent": parent,
                "profile": profile}


def add_user(username: str, name: str, office: str, roles: list[str], password: str | None = None,
             as_user: str | None = None) -> dict:
    if not _CODE.match(username):
        raise BadInput(f"用户名 {username!r} 无效 / invalid username")
    if not roles:
        raise BadInput("至少需要一个 --role / at least one --role is required")
    for r in roles:
        if r not in profiles.ROLES:
            raise BadInput(f"--role {r!r} 无效 / invalid; expected one of: {', '.join(profiles.ROLES)}")
    if password is not None:
        check_password(password)
    with UnitOfWork() as uow:
        s = uow.session
        who, role, office_code = operator_of(s, as_user)
        off = office_by_code(s, office)
        if s.exec(select(User).where(User.username == username)).first():
            raise BadInput(f"用户名 {username!r} 已存在 / username already exists")
        user = User(username=username, name=name.strip() or username, office_id=off.id or 0,
                    password_hash=hash_password(password) if password else "")
        s.add(user)
        s.flush()
        for r in sorted(set(roles)):
            s.add(UserRole(user_id=user.id or 0, role=r))
        audit.record(s, decision_id=None, actor=who, role=role, office=office_code, action="user_add",
                     detail={"username": username, "name": user.name, "office": office, "roles": sorted(set(roles))})
        uow.commit()
        return {"id": user.id, "username": username, "name": user.name, "office": office, "roles": sorted(set(roles))}


def _login_record(s: Session, action: str, username: str, detail: dict) -> None:
    """A security event on the system chain (never the password)."""
    audit.record(s, decision_id=None, actor=username, role="", office="", action=action, detail=detail)


def _safe_name(username: str) -> str:
    """What a failed login with an unknown name records: the name if it could be one, else a marker."""
    return username if _CODE.match(username) else "(invalid username)"


def authenticate(username: str, password: str, client: str | None = None) -> Actor | None:
    """The actor when the password matches its argon2id hash; None otherwise (no detail leaked).

    Consecutive failures are counted per account; at ``login_max_failures`` the account is locked for
    ``login_lockout_minutes`` (settings, JUECE_LOGIN_*) and refused with AccountLocked even with the right
    password until then or until an admin unlocks it. A success resets the count. Failures and lock-outs
    write security events to the system audit chain, without the password.

    ``client`` (the sign-in page: the client address): failures are counted per account *and client*, and
    the lock-out (with back-off: each further failure doubles it, up to a day) holds for that client only —
    an anonymous visitor cannot lock an administrator out. Without it (the CLI), per account as above.
    """
    for attempt in range(3):  # two failures at once may race for the system chain's next seq: retry
        try:
            if client is not None:
                return _authenticate_from(username, password, _client_hash(client))
            return _authenticate(username, password)
        except Conflict:
            if attempt == 2:
                raise
    return None  # pragma: no cover


def _authenticate(username: str, password: str) -> Actor | None:
    settings = get_settings()
    now = clock.now()
    with UnitOfWork() as uow:
        s = uow.session
        user = s.exec(select(User).where(User.username == username)).first()
        if user is None or not user.active or not user.password_hash:
            try:
                _hasher.verify(_DUMMY_HASH, password)
            except (VerificationError, InvalidHashError):
                pass
            _login_record(s, "login_failed", _safe_name(username), {"username": _safe_name(username),
                                                                     "reason": "unknown_or_inactive"})
            uow.commit()
            return None
        if user.locked_until:
            until = clock.parse_datetime(user.locked_until, "locked_until")
            if now < until:
                _login_record(s, "login_refused_locked", username,
                              {"username": username, "locked_until": user.locked_until})
                uow.commit()
                raise AccountLocked(username, user.locked_until)
            user.failed_logins, user.locked_until = 0, ""  # the lock has run out: a fresh count
        try:
            _hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            s.flush()
            s.exec(update(User).where(User.id == user.id)  # type: ignore[call-overload]
                   .values(failed_logins=User.failed_logins + 1))
            s.refresh(user)
            _login_record(s, "login_failed", username, {"username": username, "failures": user.failed_logins})
            if user.failed_logins >= settings.login_max_failures:
                until_at = now + timedelta(minutes=settings.login_lockout_minutes)
                user.locked_until = until_at.isoformat(timespec="seconds")
                _login_record(s, "login_locked", username,
                              {"username": username, "failures": user.failed_logins,
                               "locked_until": user.locked_until, "minutes": settings.login_lockout_minutes})
            uow.commit()
            return None
        if user in s.dirty or user.failed_logins or user.locked_until:
            user.failed_logins, user.locked_until = 0, ""
            uow.commit()
        return actor_for(s, username)


MAX_LOCK_MINUTES = 24 * 60


def _client_hash(client: str) -> str:
    import hashlib

    from decisions.storage.settings import deployment_secret

    return hashlib.sha256(f"{deployment_secret('login_salt')}\n{client}".encode()).hexdigest()[:32]


def _authenticate_from(username: str, password: str, client: str) -> Actor | None:
    settings = get_settings()
    now = clock.now()
    with UnitOfWork() as uow:
        s = uow.session
        user = s.exec(select(User).where(User.username == username)).first()
        name = username if user is not None else _safe_name(username)
        pair = s.exec(select(LoginThrottle).where(LoginThrottle.username == name,
                                                  LoginThrottle.client == client)).first()
        if pair is not None and pair.locked_until and now < clock.parse_datetime(pair.locked_until, "locked_until"):
            _login_record(s, "login_refused_locked", name, {"username": name, "locked_until": pair.locked_until,
                                                            "per_client": True})
            uow.commit()
            raise AccountLocked(name, pair.locked_until)
        if user is not None and user.locked_until and now < clock.parse_datetime(user.locked_until, "locked_until"):
            # locked for every client: by failures without a client (the command line), never by a visitor
            _login_record(s, "login_refused_locked", name, {"username": name, "locked_until": user.locked_until})
            uow.commit()
            raise AccountLocked(name, user.locked_until)
        ok = False
        if user is None or not user.active or not user.password_hash:
            try:
                _hasher.verify(_DUMMY_HASH, password)
            except (VerificationError, InvalidHashError):
                pass
        else:
            try:
                ok = bool(_hasher.verify(user.password_hash, password))
            except (VerificationError, InvalidHashError):
                ok = False
        if ok:
            if pair is not None:
                s.delete(pair)
            uow.commit()
            return actor_for(s, username)
        if pair is None:
            pair = LoginThrottle(username=name, client=client)
            s.add(pair)
        pair.failures += 1
        pair.last_at = now.isoformat(timespec="seconds")
        detail = {"username": name, "failures": pair.failures, "per_client": True}
        if user is None or not user.active:
            detail["reason"] = "unknown_or_inactive"
        _login_record(s, "login_failed", name, detail)
        over = pair.failures - settings.login_max_failures
        if over >= 0:
            minutes = min(settings.login_lockout_minutes * (2 ** min(over, 20)), MAX_LOCK_MINUTES)
            pair.locked_until = (now + timedelta(minutes=minutes)).isoformat(timespec="seconds")
            _login_record(s, "login_locked", name, {"username": name, "failures": pair.failures, "per_client": True,
                                                    "locked_until": pair.locked_until, "minutes": minutes})
        uow.commit()
        return None


def _existing_user(s: Session, username: str) -> User:
    """The account an admin acts on (after ``operator_of`` checked the admin), or exit 5 naming it."""
    user = s.exec(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFound(f"未知用户 / unknown user: {username!r}")
    return user


def unlock_user(username: str, as_user: str | None = None) -> dict:
    """Admin: open a locked account now and reset its failure count (recorded on the system chain)."""
    with UnitOfWork() as uow:
        s = uow.session
        who, role, office_code = operator_of(s, as_user)
        user = _existing_user(s, username)
        was = {"failures": user.failed_logins, "locked_until": user.locked_until}
        locked = bool(user.locked_until) and clock.now() < clock.parse_datetime(user.locked_until, "locked_until")
        user.failed_logins, user.locked_until = 0, ""
        for pair in s.exec(select(LoginThrottle).where(LoginThrottle.username == username)).all():
            s.delete(pair)
        audit.record(s, decision_id=None, actor=who, role=role, office=office_code, action="user_unlock",
                     detail={"username": username, "was_locked": locked, **was})
        uow.commit()
        return {"username": username, "was_locked": locked, "failures": was["failures"],
                "locked_until": was["locked_until"]}


# ----------------------------------------------------------------- single sign-on (OIDC)
SSO_UNKNOWN = "单点登录身份未绑定本系统账户，请系统管理员绑定（juece user link-sso） / this sign-on identity is not bound to a local account: ask an administrator (juece user link-sso)"


def _claim(claims: Mapping[str, object], name: str) -> str:
    value = claims.get(name)
    return str(value).strip() if value is not None else ""


def allowed_domains() -> tuple[str, ...]:
    """JUECE_OIDC_ALLOWED_DOMAINS: comma-separated e-mail domains whose verified addresses map to the local
    user named by the address's local part (empty: only bound identities sign in)."""
    raw = os.environ.get("JUECE_OIDC_ALLOWED_DOMAINS", "")
    return tuple(d.strip().lower().lstrip("@") for d in raw.split(",") if d.strip())


_IDENTITY = select(User.username, User.active).join(UserIdentity, col(UserIdentity.user_id) == User.id).where(
    UserIdentity.issuer == bindparam("b_iss"), UserIdentity.subject == bindparam("b_sub"))


def sso_username(claims: Mapping[str, object]) -> str:
    """The local user an OIDC login (its ID token claims) signs in as, or NotPermitted with one line.

    Bound by the provider's issuer and subject (``link_identity``); else, when the deployment allows e-mail
    domains (JUECE_OIDC_ALLOWED_DOMAINS), a verified (``email_verified`` true) address in one of them maps to
    the user named by its local part. Never by ``preferred_username``/``username``, which a provider lets its
    users choose (``admin@attacker.example`` is not ``admin``)."""
    issuer, subject = _claim(claims, "iss"), _claim(claims, "sub")
    if not issuer or not subject:
        raise NotPermitted("单点登录身份缺少签发方(iss)或主体(sub) / the sign-on identity has no issuer (iss) or subject (sub)")
    with UnitOfWork() as uow:
        s = uow.session
        row = s.exec(_IDENTITY, params={"b_iss": issuer, "b_sub": subject}).first()
        if row is not None:
            if not row[1]:
                raise NotPermitted(f"账户 {row[0]} 已停用 / account {row[0]} is disabled")
            return str(row[0])
        email = _claim(claims, "email")
        verified = claims.get("email_verified")
        domains = allowed_domains()
        if domains and email.count("@") == 1 and (verified is True or str(verified).lower() == "true"):
            local, domain = email.rsplit("@", 1)
            if domain.lower() in domains and _CODE.match(local):
                user = s.exec(select(User).where(User.username == local)).first()
                if user is not None and user.active:
                    return user.username
    raise NotPermitted(SSO_UNKNOWN)


def link_identity(username: str, issuer: str, subject: str, as_user: str | None = None) -> dict:
    """Admin: bind a single sign-on identity (issuer + subject) to a local user (recorded on the system chain)."""
    issuer, subject = issuer.strip(), subject.strip()
    if not issuer or not subject:
        raise BadInput("--issuer 与 --subject 不能为空 / --issuer and --subject must not be empty")
    with UnitOfWork() as uow:
        s = uow.session
        who, role, office_code = operator_of(s, as_user)
        user = _existing_user(s, username)
        taken = s.exec(select(UserIdentity).where(UserIdentity.issuer == issuer,
                                                  UserIdentity.subject == subject)).first()
        if taken is not None:
            raise BadInput(f"该单点登录身份已绑定 / identity already bound: {issuer} {subject}")
        s.add(UserIdentity(user_id=user.id or 0, issuer=issuer, subject=subject, linked_by=who,
                           linked_at=clock.now().isoformat(timespec="seconds")))
        audit.record(s, decision_id=None, actor=who, role=role, office=office_code, action="user_link_sso",
                     detail={"username": username, "issuer": issuer, "subject": subject})
        uow.commit()
        return {"username": username, "issuer": issuer, "subject": subject}


def set_password(username: str, password: str, as_user: str | None = None) -> dict:
    """Admin: a new password (argon2id) for a user, under the minimum policy; unlocks the account."""
    check_password(password)
    with UnitOfWork() as uow:
        s = uow.session
        who, role, office_code = operator_of(s, as_user)
        user = _existing_user(s, username)
        user.password_hash = hash_password(password)
        user.failed_logins, user.locked_until = 0, ""
        sessions.revoke_user_sessions(s, username, "passwd")  # signed-in browsers must sign in again
        audit.record(s, decision_id=None, actor=who, role=role, office=office_code, action="user_passwd",
                     detail={"username": username})
        uow.commit()
        return {"username": username}


def disable_user(username: str, as_user: str | None = None) -> dict:
    """Admin: a user may no longer sign in or act (kept in the record; every use case refuses them)."""
    with UnitOfWork() as uow:
        s = uow.session
        who, role, office_code = operator_of(s, as_user)
        user = _existing_user(s, username)
        if who == username:
            raise BadInput("不能停用自己的账户 / you cannot disable your own account")
        was = user.active
        user.active = False
        sessions.revoke_user_sessions(s, username, "disabled")
        audit.record(s, decision_id=None, actor=who, role=role, office=office_code, action="user_disable",
                     detail={"username": username, "was_active": was})
        uow.commit()
        return {"username": username, "was_active": was}


def enable_user(username: str, as_user: str | None = None) -> dict:
    """Admin: a disabled user may sign in and act again (the counterpart of ``disable_user``, recorded)."""
    with UnitOfWork() as uow:
        s = uow.session
        who, role, office_code = operator_of(s, as_user)
        user = _existing_user(s, username)
        was = user.active
        user.active = True
        audit.record(s, decision_id=None, actor=who, role=role, office=office_code, action="user_enable",
                     detail={"username": username, "was_active": was})
        uow.commit()
        return {"username": username, "was_active": was}


def set_roles(username: str, roles: list[str], as_user: str | None = None) -> dict:
    """Admin: replace a user's roles (at least one; recorded with the roles before and after)."""
    if not roles:
        raise BadInput("至少需要一个 --role / at least one --role is required")
    for r in roles:
        if r not in profiles.ROLES:
            raise BadInput(f"--role {r!r} 无效 / invalid; expected one of: {', '.join(profiles.ROLES)}")
    with UnitOfWork() as uow:
        s = uow.session
        who, role, office_code = operator_of(s, as_user)
        user = _existing_user(s, username)
        rows = list(s.exec(select(UserRole).where(UserRole.user_id == user.id)))
        before = sorted(r.role for r in rows)
        after = sorted(set(roles))
        if who == username and "admin" in before and "admin" not in after:
            raise BadInput("不能取消自己的系统管理员角色 / you cannot remove your own admin role")
        for r in rows:
            if r.role not in after:
                s.delete(r)
        for r in after:
            if r not in before:
                s.add(UserRole(user_id=user.id or 0, role=r))
        audit.record(s, decision_id=None, actor=who, role=role, office=office_code, action="user_roles",
                     detail={"username": username, "before": before, "after": after})
        uow.commit()
        return {"username": username, "before": before, "roles": after}


def list_users(*, role: str | None = None, as_user: str | None = None) -> list[dict]:
    """Admin: every user with office, roles, whether active and whether locked now (the admin page's table)."""
    with UnitOfWork() as uow:
        s = uow.session
        operator_of(s, as_user)
        rows = s.exec(select(User, Office.code, Office.name).join(Office, col(Office.id) == User.office_id)
                      .order_by(col(User.username))).all()
        roles: dict[int, list[str]] = {}
        for r in s.exec(select(UserRole)):
            roles.setdefault(r.user_id, []).append(r.role)
        now = clock.now()
        out = []
        for u, code, office_name in rows:
            held = sorted(roles.get(u.id or 0, []))
            if role and role not in held:
                continue
            locked = bool(u.locked_until) and now < clock.parse_datetime(u.locked_until, "locked_until")
            locked = locked or any(p.locked_until and now < clock.parse_datetime(p.locked_until, "locked_until")
                                   for p in s.exec(select(LoginThrottle).where(LoginThrottle.username == u.username)))
            out.append({"username": u.username, "name": u.name, "office": code, "office_name": office_name,
                        "roles": held, "active": u.active, "locked": locked, "failures": u.failed_logins})
        return out
