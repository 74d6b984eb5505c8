"""Local accounts (issue 3, item 7): argon2id hashes, lock-out after repeated failures, admin unlock,
security events without the password, and no password in clear anywhere (database rows, logs, output)."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlmodel import select
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from decisions.accounts import service as directory
from decisions.accounts.models import User
from decisions.cli import app
from decisions.errors import NotFound, NotPermitted
from decisions.integrity import service as integrity
from decisions.records.models import AuditEvent
from decisions.storage.db import get_engine
from decisions.storage.unit_of_work import UnitOfWork
from tests.conftest import NOW

PASSWORD = "Corr3ct-Horse-密码-2026"
WRONG = "wr0ng-Guess-口令-9876"
APP = str(Path(__file__).resolve().parent.parent / "ui" / "app.py")
runner = CliRunner()


@pytest.fixture()
def clerk(org) -> str:  # noqa: ANN001
    directory.add_user("clerk", "张三", "CITY-DRC", ["drafter"], password=PASSWORD)
    return "clerk"


def at(minutes: float, monkeypatch: pytest.MonkeyPatch) -> None:
    """Move the clock to NOW + minutes."""
    moment = datetime.fromisoformat(NOW) + timedelta(minutes=minutes)
    monkeypatch.setenv("JUECE_NOW", moment.isoformat(timespec="seconds"))


def user_row(name: str) -> User:
    with UnitOfWork() as uow:
        row = uow.session.exec(select(User).where(User.username == name)).first()
        assert row is not None
        return User.model_validate(row.model_dump())


def security_events(*actions: str) -> list[dict]:
    with UnitOfWork() as uow:
        rows = uow.session.exec(select(AuditEvent).where(AuditEvent.chain == 0).order_by(AuditEvent.seq)).all()
        return [{"action": e.action, **e.detail} for e in rows if not actions or e.action in actions]


def fail(user: str, n: int) -> None:
    for _ in range(n):
        assert directory.authenticate(user, WRONG) is None


def test_right_password_signs_in_and_hash_is_argon2id(clerk):
    actor = directory.authenticate(clerk, PASSWORD)
    assert actor is not None and actor.username == "clerk" and actor.roles == ("drafter",)
    assert user_row(clerk).password_hash.startswith("$argon2id$")


def test_five_failures_lock_even_the_right_password(clerk, monkeypatch):
    fail(clerk, 4)
    assert user_row(clerk).failed_logins == 4 and not user_row(clerk).locked_until
    fail(clerk, 1)
    row = user_row(clerk)
    assert row.failed_logins == 5 and row.locked_until == "2026-03-02T09:15:00+08:00"
    with pytest.raises(directory.AccountLocked) as info:
        directory.authenticate(clerk, PASSWORD)
    assert isinstance(info.value, NotPermitted) and info.value.exit_code == 4
    assert "2026-03-02T09:15:00+08:00" in info.value.message and "locked" in info.value.message
    at(14, monkeypatch)  # still locked a minute before the end
    with pytest.raises(directory.AccountLocked):
        directory.authenticate(clerk, PASSWORD)
    events = security_events("login_failed", "login_locked", "login_refused_locked")
    assert [e["action"] for e in events] == ["login_failed"] * 5 + ["login_locked"] + ["login_refused_locked"] * 2
    assert [e["failures"] for e in events[:5]] == [1, 2, 3, 4, 5]
    assert events[5]["locked_until"] == "2026-03-02T09:15:00+08:00"
    at(15, monkeypatch)  # the lock has run out: the right password works and the count starts afresh
    assert directory.authenticate(clerk, PASSWORD) is not None
    row = user_row(clerk)
    assert row.failed_logins == 0 and row.locked_until == ""
    assert integrity.verify()["ok"]


def test_lock_expiry_gives_a_fresh_count(clerk, monkeypatch):
    fail(clerk, 5)
    at(16, monkeypatch)
    fail(clerk, 1)  # after the lock ran out, one failure does not lock again
    assert user_row(clerk).failed_logins == 1 and not user_row(clerk).locked_until
    assert directory.authenticate(clerk, PASSWORD) is not None


def test_success_resets_the_counter(clerk):
    fail(clerk, 4)
    assert directory.authenticate(clerk, PASSWORD) is not None
    assert user_row(clerk).failed_logins == 0
    fail(clerk, 4)
    assert directory.authenticate(clerk, PASSWORD) is not None  # never five in a row: never locked


def test_thresholds_are_settings(clerk, monkeypatch):
    monkeypatch.setenv("JUECE_LOGIN_MAX_FAILURES", "2")
    monkeypatch.setenv("JUECE_LOGIN_LOCKOUT_MINUTES", "1")
    fail(clerk, 2)
    assert user_row(clerk).locked_until == "2026-03-02T09:01:00+08:00"
    with pytest.raises(directory.AccountLocked):
        directory.authenticate(clerk, PASSWORD)
    at(1, monkeypatch)
    assert directory.authenticate(clerk, PASSWORD) is not None


def test_locking_one_account_leaves_others_alone(clerk):
    directory.add_user("clerk2", "李四", "CITY-DRC", ["drafter"], password=PASSWORD)
    fail(clerk, 5)
    assert directory.authenticate("clerk2", PASSWORD) is not None


def test_unknown_user_fails_without_detail_and_is_recorded_safely(org):
    assert directory.authenticate("nobody", WRONG) is None
    assert directory.authenticate(PASSWORD, WRONG) is None  # a password typed into the name field
    assert directory.authenticate("organ", WRONG) is None  # an account without a password
    events = security_events("login_failed")
    assert [e["username"] for e in events] == ["nobody", "(invalid username)", "organ"]
    assert all(e["reason"] == "unknown_or_inactive" for e in events)
    assert PASSWORD not in json.dumps(security_events(), ensure_ascii=False)


def test_admin_unlocks_use_case(clerk):
    fail(clerk, 5)
    with pytest.raises(NotPermitted):
        directory.unlock_user(clerk, as_user="organ")
    assert user_row(clerk).locked_until  # a refused unlock changed nothing
    with pytest.raises(NotFound, match="ghost"):
        directory.unlock_user("ghost", as_user="admin")
    r = directory.unlock_user(clerk, as_user="admin")
    assert r == {"username": "clerk", "was_locked": True, "failures": 5, "locked_until": "2026-03-02T09:15:00+08:00"}
    assert directory.authenticate(clerk, PASSWORD) is not None
    unlock = security_events("user_unlock")[-1]
    assert unlock["username"] == "clerk" and unlock["was_locked"] is True
    again = directory.unlock_user(clerk, as_user="admin")
    assert again["was_locked"] is False


def test_cli_user_unlock(clerk):
    fail(clerk, 5)
    r = runner.invoke(app, ["user", "unlock", clerk, "--as", "mayor"])
    assert r.exit_code == 4 and "admin" in r.stderr, r.stderr
    assert user_row(clerk).locked_until
    r = runner.invoke(app, ["user", "unlock", "ghost", "--as", "admin"])
    assert r.exit_code == 5 and "ghost" in r.stderr
    r = runner.invoke(app, ["user", "unlock", "ghost", "--as", "nobody"])
    assert r.exit_code == 5 and "nobody" in r.stderr
    r = runner.invoke(app, ["user", "unlock", clerk, "--as", "admin", "--json"])
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["was_locked"] is True
    assert directory.authenticate(clerk, PASSWORD) is not None


def _all_rows_text() -> str:
    """Every value of every row of every table, as text."""
    engine = get_engine()
    out: list[str] = []
    with engine.connect() as conn:
        for table in inspect(engine).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                out.extend(str(v) for v in row)
    return "\n".join(out)


def test_no_password_in_clear_anywhere(env, caplog):
    caplog.set_level(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)  # statements and their parameters
    try:
        outputs = []
        for args in (["office", "add", "CITY", "--name", "市政府", "--level", "city"],
                     ["user", "add", "admin", "--name", "管理员", "--office", "CITY", "--role", "admin"]):
            outputs.append(runner.invoke(app, args))
        r = runner.invoke(app, ["user", "add", "pw", "--name", "有密码", "--office", "CITY", "--role", "auditor",
                                "--password-stdin", "--json"], input=PASSWORD + "\n")
        assert r.exit_code == 0, r.stderr
        outputs.append(r)
        fail("pw", 5)
        with pytest.raises(directory.AccountLocked):
            directory.authenticate("pw", PASSWORD)
        outputs.append(runner.invoke(app, ["user", "unlock", "pw", "--as", "admin", "--json"]))
        assert directory.authenticate("pw", PASSWORD) is not None
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    assert "login_failed" in _all_rows_text() and "$argon2id$" in _all_rows_text()
    for secret in (PASSWORD, WRONG):
        assert secret not in _all_rows_text()
        assert secret not in caplog.text
        for r in outputs:
            assert secret not in r.stdout + r.stderr
    assert "INSERT INTO" in caplog.text  # the statements were indeed logged


def test_login_page_says_locked_in_plain_text(clerk):
    fail(clerk, 5)
    page = AppTest.from_file(APP, default_timeout=60)
    page.run()
    page.text_input(key="login_username").input(clerk)
    page.text_input(key="login_password").input(PASSWORD)
    next(b for b in page.button if b.label == "登录").click()
    page.run()
    assert not page.exception
    errors = [e.value for e in page.error]
    assert any("账户已锁定" in e and "Account locked" in e and "2026-03-02T09:15:00+08:00" in e for e in errors), errors
    assert not any("<" in e for e in errors)
    assert "juece_user" not in page.session_state
