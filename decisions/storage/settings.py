"""Deployment settings, read from the environment each time so tests and the CLI can vary them."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from decisions.storage.locations import default_data_dir, shipped_profiles


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path
    profile_dir: Path                  # where profiles are looked for first (JUECE_PROFILE_DIR, else the shipped ones)
    max_file_bytes: int
    lang: str
    login_max_failures: int = 5        # consecutive failed logins that lock a local account
    login_lockout_minutes: float = 15  # how long the lock lasts (an admin may unlock earlier)
    profile_dirs: tuple[Path, ...] = ()  # the profile search path: JUECE_PROFILE_DIR, then the shipped profiles
    fonds: str = ""                    # 全宗号 of the archive the dossiers are filed in (JUECE_FONDS; unset: the organ's code)
    archive_unit: str = ""             # 立卷单位 (JUECE_ARCHIVE_UNIT; unset: the decision organ)
    archive_code_rule: str = ""        # 档号 rule overriding the profile's (JUECE_ARCHIVE_CODE_RULE)
    session_idle_minutes: float = 30   # a workbench sign-in lapses after this long unused (JUECE_SESSION_IDLE_MINUTES)


_ENV = ("JUECE_DATA_DIR", "JUECE_DATABASE_URL", "JUECE_PROFILE_DIR", "JUECE_MAX_FILE_MB", "JUECE_LANG",
        "JUECE_LOGIN_MAX_FAILURES", "JUECE_LOGIN_LOCKOUT_MINUTES", "JUECE_FONDS", "JUECE_ARCHIVE_UNIT",
        "JUECE_ARCHIVE_CODE_RULE", "JUECE_SESSION_IDLE_MINUTES", "XDG_DATA_HOME", "HOME")


# os.environ keeps the process environment in ``_data`` (encoded keys and values), updated by every assignment to
# os.environ; looking these variables up there costs a twentieth of os.environ.get, which encodes each key
# and raises KeyError inside for every variable not set. Every use case reads the settings several times.
_DATA = getattr(os.environ, "_data", None)
_ENCODE = getattr(os.environ, "encodekey", None)
_ENV_KEYS = tuple(_ENCODE(k) for k in _ENV) if _DATA is not None and _ENCODE is not None else None


def get_settings() -> Settings:
    """Read settings from JUECE_* variables; the embedded SQLite file lives in the data dir.

    Read on every call (tests and the CLI change the environment), built once per distinct environment."""
    if _ENV_KEYS is not None:
        data = _DATA.get  # type: ignore[union-attr]
        return _settings_for((os.getcwd(), *(data(k) for k in _ENV_KEYS)))  # a relative data dir follows cwd
    return _settings_for((os.getcwd(), *(os.environ.get(k) for k in _ENV)))


@lru_cache(maxsize=64)
def _settings_for(_env: tuple[str | None, ...]) -> Settings:
    data_dir = Path(os.environ.get("JUECE_DATA_DIR") or default_data_dir()).resolve()
    url = os.environ.get("JUECE_DATABASE_URL") or f"sqlite:///{data_dir / 'juece.db'}"
    local = os.environ.get("JUECE_PROFILE_DIR")
    profile_dirs = ((Path(local),) if local else ()) + (shipped_profiles(),)
    max_mb = float(os.environ.get("JUECE_MAX_FILE_MB", "50"))
    lang = os.environ.get("JUECE_LANG", "zh")
    max_failures = int(os.environ.get("JUECE_LOGIN_MAX_FAILURES", "5"))
    lockout_minutes = float(os.environ.get("JUECE_LOGIN_LOCKOUT_MINUTES", "15"))
    idle_minutes = float(os.environ.get("JUECE_SESSION_IDLE_MINUTES", "30"))
    return Settings(
        database_url=url,
        data_dir=data_dir,
        profile_dir=profile_dirs[0],
        profile_dirs=profile_dirs,
        max_file_bytes=int(max_mb * 1024 * 1024),
        lang="en" if lang.lower().startswith("en") else "zh",
        login_max_failures=max(1, max_failures),
        login_lockout_minutes=max(0.0, lockout_minutes),
        fonds=os.environ.get("JUECE_FONDS", "").strip(),
        archive_unit=os.environ.get("JUECE_ARCHIVE_UNIT", "").strip(),
        archive_code_rule=os.environ.get("JUECE_ARCHIVE_CODE_RULE", "").strip(),
        session_idle_minutes=max(1.0, idle_minutes),
    )


def deployment_secret(name: str) -> str:
    """A random per-deployment secret kept in the data dir (mode 0600), made on first use (``juece init`` makes
    the ones it knows): e.g. the opinion salt when JUECE_OPINION_SALT is not set."""
    import secrets

    path = get_settings().data_dir / name
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(value + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return value
