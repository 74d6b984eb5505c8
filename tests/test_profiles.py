"""Profiles are data: validated on load with file, key and what is wrong; overlays inherit; the
machine is built from the stage order; a decision keeps the profile version it started under."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from decisions.errors import BadInput
from decisions.procedure import service
from tests.helpers import Walker
from workflow import machine, profiles

SOURCE = Path(__file__).resolve().parent.parent / "data" / "procedures"


@pytest.fixture()
def profile_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "procedures"
    shutil.copytree(SOURCE, d)
    monkeypatch.setenv("JUECE_PROFILE_DIR", str(d))
    return d


def mutate(d: Path, old: str, new: str, name: str = "state-council-2019") -> Path:
    path = d / f"{name}.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_shipped_profiles_load():
    base = profiles.load("state-council-2019")
    overlay = profiles.load("liaoning-2023")
    assert base.stage_order[0] == "proposed" and base.stage_order[-1] == "execution"
    assert overlay.params["expert_panel_size"] == 5 and base.params["expert_panel_size"] == 3
    assert overlay.params["comment_period_days"] == 30  # inherited
    assert overlay.stages["legality_review"].rules == base.stages["legality_review"].rules
    assert set(profiles.available()) >= {"state-council-2019", "liaoning-2023"}


@pytest.mark.parametrize("old,new,key,what", [
    ('kind = "proposal", article = "Art 10" }', 'kind = "propsal", article = "Art 10" }', "stages.proposed.rules[0]",
     "unknown kind 'propsal'"),
    ('applies = "professional_technical"', 'applies = "profesional_technical"', "stages.expert_review.applies",
     "unknown trigger"),
    ('expert_panel_size = 3 ', 'expert_panel_size = "three" ', "params", "'expert_panel_size' must be a non-negative integer"),
    ('min = "expert_panel_size"', 'min = "panel"', "stages.expert_review.rules[0]", "unknown parameter 'panel'"),
    ('rule = "newest", kind = "fair_competition_review"', 'rule = "newst", kind = "fair_competition_review"',
     "stages.fair_competition_review.rules", "newst"),
    ('version = "1.0.0"', 'version = "latest"', "version", "1.0.0"),
    ('roles = ["legality_reviewer"]', 'roles = ["judge"]', "kinds.legality_opinion.roles", "unknown role 'judge'"),
    ('meta.conclusion = { type = "enum", values = ["pass", "fail"], required = true }',
     'meta.conclusion = { type = "enum", required = true }', "kinds.fair_competition_review.meta.conclusion",
     "enum field needs 'values'"),
    ('name_zh = "决策建议"', 'name_zh = "决策建议"\ncolour = "red"', "stages.proposed.colour", "Extra inputs"),
])
def test_malformed_profile_names_file_key_and_problem(profile_dir, old, new, key, what):
    path = mutate(profile_dir, old, new)
    with pytest.raises(profiles.ProfileError) as info:
        profiles.load_file(path)
    message = str(info.value)
    assert str(path) in message
    assert key in message and what in message, message


def test_invalid_toml_is_reported_with_file(profile_dir):
    path = mutate(profile_dir, 'name = "state-council-2019"', 'name = state-council-2019')
    with pytest.raises(profiles.ProfileError, match="not valid TOML"):
        profiles.load_file(path)


def test_overlay_must_name_an_existing_base(profile_dir):
    path = mutate(profile_dir, 'extends = "state-council-2019"', 'extends = "beijing"', name="liaoning-2023")
    with pytest.raises(profiles.ProfileError, match="beijing"):
        profiles.load_file(path)


def test_cli_profile_check(profile_dir):
    from typer.testing import CliRunner

    from decisions.cli import app
    ok = CliRunner().invoke(app, ["profile", "check", str(profile_dir / "liaoning-2023.toml")])
    assert ok.exit_code == 0 and "liaoning-2023" in ok.stdout
    bad = mutate(profile_dir, 'roles = ["legality_reviewer"]', 'roles = ["judge"]')
    r = CliRunner().invoke(app, ["profile", "check", str(bad)])
    assert r.exit_code == 2 and "judge" in r.stderr and "kinds.legality_opinion.roles" in r.stderr


def test_machine_has_no_auto_transitions_and_follows_the_stage_order():
    p = profiles.load("state-council-2019")
    m = machine.build(p)
    assert not any(t.startswith("to_") for t in m.events)
    assert machine.allowed_triggers(p, "proposed") == ["advance", "exclude", "withdraw"]
    assert "advance" not in machine.allowed_triggers(p, "rejected")

    class Row:
        state = "drafting"
    from transitions import MachineError
    with pytest.raises(MachineError):
        machine.fire(p, Row(), "suspend", "suspended")
    with pytest.raises(MachineError):  # a destination the gates did not plan is refused by the guard
        machine.fire(p, Row(), "withdraw", "excluded")


def test_decision_keeps_its_profile_version(org, profile_dir):
    w = Walker().new()
    mutate(profile_dir, 'version = "1.0.0"', 'version = "1.1.0"')
    profiles._load_cached.cache_clear()
    with pytest.raises(BadInput, match="1.0.0"):
        service.advance(w.id, as_user="organ")
    archive = profile_dir / "archive"
    archive.mkdir()
    shutil.copy(SOURCE / "state-council-2019.toml", archive / "state-council-2019-1.0.0.toml")
    from decisions.errors import Blocked
    with pytest.raises(Blocked):  # evaluated under its own 1.0.0 rules again
        service.advance(w.id, as_user="organ")
    r = service.new_decision(title="新决策", organ="CITY", undertaker="CITY-DRC", category=1, source="leader",
                             as_user="organ")
    assert r["profile_version"] == "1.1.0"
    profiles._load_cached.cache_clear()
