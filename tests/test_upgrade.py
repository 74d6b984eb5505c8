"""Upgrades: every deployment kept under tests/fixtures/upgrade-*.tar.gz (made by an earlier release with
``python -m tests.upgrade_fixture``) is migrated to head by `juece init`, stays clean under `juece verify`,
and keeps working (`worker --once`, `show`, `doctor`'s migration check). The fixtures are SQLite files, so this
runs on SQLite on both halves of `make test`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from decisions import doctor
from decisions.cli import app
from tests.upgrade_fixture import FIXTURES, NOW, extract, revisions

runner = CliRunner()
FIXTURE_FILES = sorted(FIXTURES.glob("upgrade-*.tar.gz"))


def test_there_is_an_upgrade_fixture():
    assert FIXTURE_FILES, "tests/fixtures/upgrade-*.tar.gz: run `python -m tests.upgrade_fixture`"


@pytest.mark.parametrize("fixture", FIXTURE_FILES, ids=lambda p: p.name)
def test_init_migrates_an_old_deployment_and_verify_stays_clean(fixture: Path, tmp_path, monkeypatch):
    data = tmp_path / "data"
    extract(fixture, data)
    before = revisions(data / "juece.db")
    monkeypatch.setenv("JUECE_DATA_DIR", str(data))
    monkeypatch.delenv("JUECE_DATABASE_URL", raising=False)
    monkeypatch.setenv("JUECE_NOW", NOW)

    def juece(*args: str) -> str:
        r = runner.invoke(app, list(args))
        assert r.exit_code == 0, f"juece {' '.join(args)} on {fixture.name}: exit {r.exit_code}\n{r.output}"
        return r.output

    clean_before = json.loads(juece("verify", "--json"))
    juece("init")
    assert [f.status for f in doctor.check_migrations()] == ["ok"], f"{fixture.name} ({before}) not at head"
    after = json.loads(juece("verify", "--json"))
    assert after["ok"] and after["evidence_checked"] == clean_before["evidence_checked"] > 0
    assert after["events_checked"] == clean_before["events_checked"]
    assert json.loads(juece("worker", "--once", "--json"))["ran"]
    assert json.loads(juece("show", "1", "--json"))["code"] == "HD-2022-00001"
    assert json.loads(juece("verify", "--json"))["ok"]
