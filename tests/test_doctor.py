"""`juece doctor` (decisions/doctor.py): healthy on the demo deployment after a worker pass and a backup; with
the worker lease stale, next year's calendar unknown and the CJK font missing, it names exactly those three."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from typer.testing import CliRunner

from decisions import demo, doctor
from decisions.accounts import service as directory
from decisions.cli import app

runner = CliRunner()
SALT = "doctor-test-salt-0123456789"
DEC_2025 = "2025-12-01T09:00:00+08:00"   # 2025 and 2026 are in chinesecalendar 1.11
MAR_2026 = "2026-03-02T09:00:00+08:00"   # 2027 is not


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory, new_deployment):
    data = tmp_path_factory.mktemp("doctor-demo")
    url = new_deployment(data)
    mp = pytest.MonkeyPatch()
    mp.setenv("JUECE_DATA_DIR", str(data))
    mp.setenv("JUECE_DATABASE_URL", url)
    mp.setattr(directory, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
    try:
        assert demo.load()["loaded"]
        yield data, url
    finally:
        mp.undo()


@pytest.fixture()
def demo_env(deployment, monkeypatch: pytest.MonkeyPatch) -> Path:
    data, url = deployment
    monkeypatch.setenv("JUECE_DATA_DIR", str(data))
    monkeypatch.setenv("JUECE_DATABASE_URL", url)
    monkeypatch.setenv("JUECE_OPINION_SALT", SALT)
    for k in ("JUECE_DOSSIER_FONTS", "JUECE_SOFFICE", "JUECE_LANG", "JUECE_PROFILE_DIR"):
        monkeypatch.delenv(k, raising=False)
    return data


def _cli(*args: str) -> tuple[int, str]:
    r = runner.invoke(app, list(args))
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        raise r.exception
    return r.exit_code, r.output


def _doctor() -> tuple[int, dict]:
    code, out = _cli("doctor", "--json")
    return code, json.loads(out)


def test_demo_deployment_is_healthy(demo_env, monkeypatch, tmp_path):
    monkeypatch.setenv("JUECE_NOW", DEC_2025)
    assert _cli("worker", "--once")[0] == 0
    code, out = _cli("backup", str(tmp_path / "backup"))
    assert code == 0, out
    record = json.loads((demo_env / "last-backup.json").read_text("utf-8"))
    assert record["at"] == DEC_2025 and record["path"] == str(tmp_path / "backup")
    code, report = _doctor()
    assert code == 0 and report["ok"] and report["problems"] == [], report
    status = {f["check"]: f["status"] for f in report["findings"] if f["status"] != "warning"}
    assert status == {"config": "info", "database": "ok", "migrations": "ok", "profiles": "ok", "font": "ok",
                      "libreoffice": "ok", "calendar": "ok", "worker": "ok", "store": "ok", "backup": "ok",
                      "secrets": "ok"}
    warnings = [f["message"] for f in report["findings"] if f["status"] == "warning"]
    assert any("demo password" in w for w in warnings)  # shown, not failing
    code, out = _cli("doctor")
    assert code == 0 and "运行正常 / healthy" in out


def test_doctor_names_stale_worker_unknown_calendar_missing_font(demo_env, monkeypatch, tmp_path):
    monkeypatch.setenv("JUECE_NOW", DEC_2025)
    assert _cli("worker", "--once")[0] == 0          # the last worker pass: 2025-12-01
    monkeypatch.setenv("JUECE_NOW", MAR_2026)        # three months on; next year (2027) is not in the package
    assert _cli("backup", str(tmp_path / "backup"))[0] == 0   # a fresh backup: not among the problems
    empty = tmp_path / "no-fonts"
    empty.mkdir()
    monkeypatch.setenv("JUECE_DOSSIER_FONTS", str(empty / "wqy-zenhei.ttc"))
    code, report = _doctor()
    assert code == 1 and not report["ok"]
    assert set(report["problems"]) == {"worker", "calendar", "font"}, report
    msg = {f["check"]: f["message"] for f in report["findings"] if f["status"] == "problem"}
    assert "2025-12-01T09:00:00+08:00" in msg["worker"] and "juece worker" in msg["worker"]
    assert "2027" in msg["calendar"] and "2026" not in msg["calendar"] and "chinesecalendar" in msg["calendar"]
    assert "fonts-wqy-zenhei" in msg["font"]
    code, out = _cli("doctor")
    assert code == 1
    for name in ("worker", "calendar", "font"):
        assert f"[问题 PROBLEM] {name}:" in out
    assert "3 problem(s): font, calendar, worker" in out


def test_each_other_problem_is_named(demo_env, monkeypatch, tmp_path):
    """No backup record, the default salt, no LibreOffice, an office whose profile is gone."""
    monkeypatch.setenv("JUECE_NOW", DEC_2025)
    monkeypatch.delenv("JUECE_OPINION_SALT")
    monkeypatch.setenv("JUECE_SOFFICE", str(tmp_path / "soffice"))
    monkeypatch.setenv("JUECE_DATA_DIR", str(tmp_path / "elsewhere"))  # same database, a store without the record
    found = {(f.check, f.status) for f in doctor.run()}
    assert {("backup", "problem"), ("secrets", "problem"), ("libreoffice", "problem")} <= found
    assert ("profiles", "ok") in found


def test_uninitialised_database(tmp_path, monkeypatch):
    monkeypatch.setenv("JUECE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("JUECE_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    monkeypatch.setenv("JUECE_NOW", DEC_2025)
    findings = doctor.run()
    problems = {f.check for f in findings if f.problem}
    assert "migrations" in problems and "worker" not in problems   # no table: the worker check is not attempted
    assert not [f for f in findings if "检查无法完成" in f.message]
