"""`juece doctor`: is this deployment configured and healthy? Each check is a plain function returning findings.

A finding is ``ok``, ``problem`` (the command exits 1 naming it), ``warning`` (shown, not failing) or ``info``.
Checks, in order:

* **config** — the settings parse; what they resolve to (database, data directory, profile search path);
* **database** — reachable; **migrations** — every Alembic head applied (``juece init``);
* **profiles** — every profile on the search path valid; every office's profile and every (profile, version)
  a decision started under loadable;
* **font** — an embeddable CJK TrueType font for the dossier (``fonts-wqy-zenhei`` or ``JUECE_DOSSIER_FONTS``);
* **libreoffice** — ``soffice`` for document previews (``libreoffice-writer-nogui``; ``JUECE_SOFFICE``);
* **calendar** — this year and next known to the holiday package ``chinesecalendar`` (the State Council
  publishes next year's schedule around November; until the package has it, deadlines there are provisional);
* **worker** — the deadline worker took its lease (table ``worker_lease``) or completed a pass within
  ``JUECE_DOCTOR_WORKER_MAX_MINUTES`` (60);
* **store** — the evidence store writable (a file written, fsynced and removed) with at least
  ``JUECE_DOCTOR_MIN_FREE_MB`` (1024) free;
* **backup** — the last ``juece backup`` (recorded in ``<data dir>/last-backup.json``) at most
  ``JUECE_DOCTOR_BACKUP_MAX_HOURS`` (26) old;
* **secrets** — ``JUECE_OPINION_SALT`` set and not the built-in default; demo accounts that still have the
  published demo password are a warning.

Times are `decisions.clock` times, so ``JUECE_NOW`` applies as everywhere else.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

OK, PROBLEM, WARNING, INFO = "ok", "problem", "warning", "info"
BACKUP_RECORD = "last-backup.json"
DEFAULT_SALT = "juece-opinion"  # decisions.participation.client_key's fallback


@dataclass(frozen=True)
class Finding:
    check: str
    status: str
    message: str

    @property
    def problem(self) -> bool:
        return self.status == PROBLEM


def _env_number(name: str, default: float) -> float:
    raw = os.environ.get(name, "")
    try:
        return float(raw) if raw else default
    except ValueError:
        return default


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:300]}"


def _masked(url: str) -> str:
    if "://" in url and "@" in url:
        scheme, rest = url.split("://", 1)
        cred, host = rest.rsplit("@", 1)
        return f"{scheme}://{cred.split(':', 1)[0]}:***@{host}" if ":" in cred else url
    return url


# ------------------------------------------------------------------ configuration and database
def check_config() -> list[Finding]:
    try:
        from decisions.storage.settings import get_settings

        s = get_settings()
    except Exception as exc:  # noqa: BLE001 - a malformed JUECE_* variable
        return [Finding("config", PROBLEM, f"配置无法读取 / the JUECE_* settings do not parse: {_short(exc)}")]
    dirs = ", ".join(str(d) for d in s.profile_dirs)
    source = "JUECE_DATA_DIR" if os.environ.get("JUECE_DATA_DIR") else "默认 / default"
    return [Finding("config", INFO, f"数据库 / database {_masked(s.database_url)}; 数据目录 / data directory "
                                    f"{s.data_dir} ({source}); 程序配置 / profiles {dirs}")]


def check_database() -> list[Finding]:
    from sqlalchemy import text

    from decisions.storage import db

    try:
        with db.get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001
        return [Finding("database", PROBLEM, f"数据库无法连接 / database unreachable: {_short(exc)}")]
    return [Finding("database", OK, "数据库可连接 / database reachable")]


def check_migrations() -> list[Finding]:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from decisions.storage import db

    try:
        script = ScriptDirectory.from_config(db.alembic_config())
        with db.get_engine().connect() as conn:
            current = MigrationContext.configure(conn).get_current_heads()
        # the version table lists only the newest of each branch (a revision another depends_on drops out of
        # it): compare what those imply, with their ancestors and dependencies, with every revision shipped
        applied = {r.revision for r in script.iterate_revisions(current, "base")} if current else set()
        missing = sorted({r.revision for r in script.walk_revisions()} - applied)
    except Exception as exc:  # noqa: BLE001
        return [Finding("migrations", PROBLEM, f"无法读取数据库结构版本 / cannot read the schema revision: {_short(exc)}")]
    if not current:
        return [Finding("migrations", PROBLEM, "数据库尚未初始化，请运行 juece init / the database is not initialised: "
                                               "run `juece init`")]
    if missing:
        return [Finding("migrations", PROBLEM, f"数据库结构不是最新，请运行 juece init / schema not at head: migrations "
                                               f"{', '.join(missing)} not applied: run `juece init`")]
    return [Finding("migrations", OK, f"数据库结构为最新 / schema at head ({', '.join(sorted(current))})")]


# ------------------------------------------------------------------ profiles
def check_profiles(with_database: bool = True) -> list[Finding]:
    from workflow import profiles

    out: list[Finding] = []
    names = profiles.available()
    for name in names:
        try:
            profiles.load(name)
        except Exception as exc:  # noqa: BLE001 - ProfileError names file and key
            out.append(Finding("profiles", PROBLEM, f"程序配置无效 / profile {name!r} invalid: {exc}"))
    if with_database:
        from sqlalchemy import text

        from decisions.storage import db

        with db.get_engine().connect() as conn:
            used = {r[0] for r in conn.execute(text("SELECT DISTINCT profile FROM office")) if r[0]}
            started = [tuple(r) for r in conn.execute(
                text("SELECT DISTINCT profile_name, profile_version FROM decision"))]
        for name in sorted(used - set(names)):
            out.append(Finding("profiles", PROBLEM, f"单位使用的程序配置不存在 / an office uses profile {name!r}, "
                                                    f"which is not on the search path"))
        for name, version in sorted(started):
            try:
                profiles.load_version(name, version)
            except Exception as exc:  # noqa: BLE001
                out.append(Finding("profiles", PROBLEM, f"决策所依据的程序配置无法加载 / decisions started under "
                                                        f"{name} {version} cannot load it: {exc}"))
    if not out:
        out.append(Finding("profiles", OK, f"程序配置有效 / profiles valid: {', '.join(names)}"))
    return out


# ------------------------------------------------------------------ system packages
def check_font() -> list[Finding]:
    from pdf import fonts

    try:
        chain = fonts.chain()
    except fonts.FontUnavailable as exc:
        return [Finding("font", PROBLEM, str(exc))]
    except Exception as exc:  # noqa: BLE001
        return [Finding("font", PROBLEM, f"中文字体无法加载 / the CJK font cannot be loaded: {_short(exc)}")]
    return [Finding("font", OK, f"中文字体 / CJK font: {chain.specs[0][0]}")]


def soffice_path() -> str | None:
    configured = os.environ.get("JUECE_SOFFICE", "")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    return shutil.which("soffice") or shutil.which("libreoffice")


def check_libreoffice() -> list[Finding]:
    path = soffice_path()
    if path is None:
        return [Finding("libreoffice", PROBLEM, "未找到 LibreOffice（文档预览需要）/ LibreOffice not found (document "
                                                "previews): apt-get install libreoffice-writer-nogui, or set JUECE_SOFFICE")]
    return [Finding("libreoffice", OK, f"LibreOffice: {path}")]


# ------------------------------------------------------------------ calendar
def calendar_year_known(year: int) -> bool:
    """Whether `year`'s holidays and adjusted workdays are known: in chinesecalendar, or confirmed by an admin
    after importing the State Council's notice (``juece calendar confirm``)."""
    from decisions.deadlines import calendar as work_calendar
    from workflow import calendar

    return calendar.package_covers(year) or year in work_calendar.confirmed_years()


def check_calendar(today: date) -> list[Finding]:
    from importlib.metadata import version

    out = []
    for year in (today.year, today.year + 1):
        if not calendar_year_known(year):
            out.append(Finding("calendar", PROBLEM,
                               f"{year} 年节假日安排未收录（chinesecalendar {version('chinesecalendar')}）也未确认，该年期限按"
                               f"法定节假日暂定、调休未计：国务院公布后 juece calendar import 并 juece calendar confirm，"
                               f"或升级 chinesecalendar / the holiday schedule of {year} is neither in chinesecalendar "
                               f"{version('chinesecalendar')} nor confirmed; deadlines in {year} are provisional "
                               f"(statutory holidays, no adjusted workdays): import and confirm the notice, or upgrade "
                               f"the package"))
    if not out:
        out.append(Finding("calendar", OK, f"节假日安排已收录 / holiday schedules known: {today.year}, {today.year + 1}"))
    return out


# ------------------------------------------------------------------ worker, store, backup
def _age(now: datetime, when: str) -> float | None:
    try:
        then = datetime.fromisoformat(when)
    except ValueError:
        return None
    if then.tzinfo is None:
        then = then.replace(tzinfo=now.tzinfo)
    return (now - then).total_seconds()


def _human_age(seconds: float) -> str:
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 3 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.0f} d"


def check_worker(now: datetime) -> list[Finding]:
    import time

    from sqlalchemy import text

    from decisions.deadlines import scheduled as deadlines
    from decisions.storage import db

    with db.get_engine().connect() as conn:
        rows = {r[0]: (r[1], r[2]) for r in conn.execute(
            text("SELECT name, expires_at, acquired_at FROM worker_lease WHERE name IN (:lease, :scan)"),
            {"lease": deadlines.LEASE_NAME, "scan": deadlines.SCAN_STATE})}
    lease = rows.get(deadlines.LEASE_NAME)
    if lease is not None and lease[0] > time.time():
        return [Finding("worker", OK, "工作进程正在扫描（持有租约）/ the worker holds its lease now")]
    times = [t for _, t in rows.values() if t]
    if not times:
        return [Finding("worker", PROBLEM, "期限工作进程从未运行 / the deadline worker never ran: start `juece worker` "
                                           "(deploy/systemd/juece-worker.service)")]
    ages = [a for a in (_age(now, t) for t in times) if a is not None]
    age = min(ages) if ages else None
    limit = _env_number("JUECE_DOCTOR_WORKER_MAX_MINUTES", 60) * 60
    if age is None or age > limit:
        seen = max(times)
        return [Finding("worker", PROBLEM, f"期限工作进程最近一次运行于 {seen}，已超过 {limit / 60:.0f} 分钟 / the deadline "
                                           f"worker last ran at {seen}"
                                           + (f" ({_human_age(age)} ago)" if age is not None else "")
                                           + f", more than {limit / 60:.0f} min: is `juece worker` running?")]
    return [Finding("worker", OK, f"期限工作进程 {_human_age(max(age, 0))} 前运行 / the worker ran "
                                  f"{_human_age(max(age, 0))} ago")]


def check_store() -> list[Finding]:
    from decisions.storage.settings import get_settings

    root = get_settings().data_dir / "objects"
    probe = root / f".tmp-doctor-{os.getpid()}"
    try:
        root.mkdir(parents=True, exist_ok=True)
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, b"juece doctor")
            os.fsync(fd)
        finally:
            os.close(fd)
            probe.unlink(missing_ok=True)
    except OSError as exc:
        return [Finding("store", PROBLEM, f"证据库不可写 / the evidence store {root} is not writable: {exc.strerror}")]
    free = shutil.disk_usage(root).free
    need = _env_number("JUECE_DOCTOR_MIN_FREE_MB", 1024) * 1024 * 1024
    if free < need:
        return [Finding("store", PROBLEM, f"证据库剩余空间不足 / the evidence store {root} has {free / 2**20:.0f} MB "
                                          f"free, less than {need / 2**20:.0f} MB")]
    return [Finding("store", OK, f"证据库可写 / evidence store writable: {root}, {free / 2**30:.1f} GB free")]


def backup_record_path() -> Path:
    from decisions.storage.settings import get_settings

    return get_settings().data_dir / BACKUP_RECORD


def record_backup(result: dict[str, Any]) -> dict[str, Any]:
    """Remember a successful `juece backup` (time, target, counts) for `check_backup`; returns `result`."""
    from decisions import clock

    record = {"at": clock.now().isoformat(timespec="seconds"), "path": result.get("path"),
              "rows": result.get("rows"), "objects": result.get("objects")}
    target = backup_record_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}")
    tmp.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(target)
    return result


def check_backup(now: datetime) -> list[Finding]:
    path = backup_record_path()
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        at = str(record["at"])
    except FileNotFoundError:
        return [Finding("backup", PROBLEM, "从未备份 / no backup recorded: run `juece backup PATH` "
                                           "(deploy/systemd/juece-backup.timer)")]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return [Finding("backup", PROBLEM, f"备份记录无法读取 / the backup record {path} is unreadable: {_short(exc)}")]
    age = _age(now, at)
    limit = _env_number("JUECE_DOCTOR_BACKUP_MAX_HOURS", 26) * 3600
    if age is None or age > limit:
        return [Finding("backup", PROBLEM, f"最近一次备份于 {at}，已超过 {limit / 3600:.0f} 小时 / the last backup was at "
                                           f"{at}, more than {limit / 3600:.0f} h ago")]
    out = [Finding("backup", OK, f"最近一次备份 / last backup {at} ({_human_age(max(age, 0))} ago): {record.get('path')}")]
    if record.get("path") and not Path(record["path"]).is_dir():
        out.append(Finding("backup", WARNING, f"备份目录在本机不存在（可能已移走）/ the backup directory "
                                              f"{record['path']} is not on this host (moved off-site?)"))
    return out


# ------------------------------------------------------------------ secrets
def check_secrets(with_database: bool = True) -> list[Finding]:
    out: list[Finding] = []
    salt = os.environ.get("JUECE_OPINION_SALT", "")
    from decisions.storage.settings import get_settings

    generated = get_settings().data_dir / "opinion_salt"  # made by `juece init` when the variable is not set
    from_file = not salt and generated.is_file() and not generated.stat().st_mode & 0o077
    if from_file:
        out.append(Finding("secrets", OK, f"JUECE_OPINION_SALT 未设置，使用本部署随机生成的盐 / not set: the random "
                                          f"per-deployment salt in {generated} (0600) is used"))
    elif not salt or salt == DEFAULT_SALT:
        out.append(Finding("secrets", PROBLEM, "JUECE_OPINION_SALT 未设置（使用内置默认值）/ JUECE_OPINION_SALT is not "
                                               "set (the built-in default is public): set a long random value"))
    elif len(salt) < 16:
        out.append(Finding("secrets", PROBLEM, "JUECE_OPINION_SALT 过短 / JUECE_OPINION_SALT is shorter than 16 "
                                               "characters"))
    if with_database:
        out += _demo_passwords()
    if not [f for f in out if f.problem] and not from_file:
        out.insert(0, Finding("secrets", OK, "JUECE_OPINION_SALT 已设置 / JUECE_OPINION_SALT set"))
    return out


def _demo_passwords() -> list[Finding]:
    from argon2 import PasswordHasher
    from argon2.exceptions import Argon2Error
    from sqlalchemy import text

    from decisions import demo
    from decisions.storage import db

    names = [u[0] for u in demo.USERS]
    with db.get_engine().connect() as conn:
        rows = conn.execute(text("SELECT username, password_hash FROM \"user\" WHERE password_hash != ''")).all()
    hasher, found = PasswordHasher(), []
    for username, hashed in rows:
        if username in names and len(found) < 3:   # a few suffice to say it
            try:
                if hasher.verify(hashed, demo.DEMO_PASSWORD):
                    found.append(username)
            except (Argon2Error, ValueError):
                pass
    if not found:
        return []
    return [Finding("secrets", WARNING, f"演示账户仍使用公开的演示密码 / demo accounts still have the published demo "
                                        f"password ({', '.join(found)}…): not for production")]


# ------------------------------------------------------------------ all of it
def _initialised() -> bool:
    from decisions.storage import db

    try:
        return db.is_initialised()
    except Exception:  # noqa: BLE001
        return False


def run() -> list[Finding]:
    """Every check, in order; a check that cannot run (e.g. no database) is itself a problem."""
    from decisions import clock

    findings = check_config()
    if any(f.problem for f in findings):
        return findings
    now = clock.now()
    database = check_database()
    findings += database
    db_ok = not any(f.problem for f in database)
    if db_ok and not _initialised():
        findings.append(Finding("migrations", PROBLEM, "数据库尚未初始化，请运行 juece init / the database is not "
                                                       "initialised: run `juece init`"))
        db_ok = False
    steps: list[tuple[str, Callable[[], list[Finding]]]] = []
    if db_ok:
        steps.append(("migrations", check_migrations))
    steps += [("profiles", lambda: check_profiles(with_database=db_ok)), ("font", check_font),
              ("libreoffice", check_libreoffice), ("calendar", lambda: check_calendar(now.date()))]
    if db_ok:
        steps.append(("worker", lambda: check_worker(now)))
    steps += [("store", check_store), ("backup", lambda: check_backup(now)),
              ("secrets", lambda: check_secrets(with_database=db_ok))]
    for name, step in steps:
        try:
            findings += step()
        except Exception as exc:  # noqa: BLE001 - e.g. a table missing on an uninitialised database
            findings.append(Finding(name, PROBLEM, f"检查无法完成 / the check failed: {_short(exc)}"))
    return findings


LABELS = {OK: "正常 ok", PROBLEM: "问题 PROBLEM", WARNING: "注意 warning", INFO: "信息 info"}


def main(as_json: bool = False) -> int:
    """Print the findings (human or JSON); 0 when there is no problem, else 1."""
    from decisions import clock

    findings = run()
    problems = [f for f in findings if f.problem]
    if as_json:
        print(json.dumps({"ok": not problems, "now": clock.now().isoformat(timespec="seconds"),
                          "problems": [f.check for f in problems], "findings": [asdict(f) for f in findings]},
                         ensure_ascii=False, indent=2))
    else:
        for f in findings:
            print(f"[{LABELS[f.status]}] {f.check}: {f.message}")
        if problems:
            names = ", ".join(dict.fromkeys(f.check for f in problems))
            print(f"发现 {len(problems)} 个问题 / {len(problems)} problem(s): {names}", file=sys.stderr)
        else:
            print("运行正常 / healthy")
    return 1 if problems else 0
