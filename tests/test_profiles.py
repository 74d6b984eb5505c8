"""Profiles are data: validated on load with file, key and what is wrong; overlays inherit; the
machine is built from the stage order; a decision keeps the profile version it started under."""

from __future__ import annotations

import os
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
    outer = os.environ.get("JUECE_PROFILE_DIR")  # a deployment's (or tests/gate_mutation.py's) profiles go first
    if outer and Path(outer).is_dir():
        for p in Path(outer).glob("*.toml"):
            shutil.copy(p, d / p.name)
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
    ('version = "1.1.0"', 'version = "latest"', "version", "1.0.0"),
    ('roles = ["legality_reviewer"]\npins_draft', 'roles = ["judge"]\npins_draft', "kinds.legality_opinion.roles",
     "unknown role 'judge'"),
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
    bad = mutate(profile_dir, 'roles = ["legality_reviewer"]\npins_draft', 'roles = ["judge"]\npins_draft')
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
    mutate(profile_dir, 'version = "1.1.0"', 'version = "1.2.0"')
    profiles._load_cached.cache_clear()
    with pytest.raises(BadInput, match="1.1.0"):
        service.advance(w.id, as_user="organ")
    archive = profile_dir / "archive"
    archive.mkdir(exist_ok=True)
    shutil.copy(SOURCE / "state-council-2019.toml", archive / "state-council-2019-1.1.0.toml")
    from decisions.errors import Blocked
    with pytest.raises(Blocked):  # evaluated under its own 1.1.0 rules again
        service.advance(w.id, as_user="organ")
    r = service.new_decision(title="新决策", organ="CITY", undertaker="CITY-DRC", category=1, source="leader",
                             as_user="organ")
    assert r["profile_version"] == "1.2.0"
    profiles._load_cached.cache_clear()


def _expert_rules(p: profiles.Profile) -> list:
    return [r for st in p.stages.values() for r in st.rules if r.kind == "expert_opinion" and r.rule == "evidence"]


@pytest.mark.parametrize("name", ["state-council-2019", "liaoning-2023"])
def test_decisions_started_before_provenance_keep_the_1_0_0_rules(name):
    """procedure.md §1: the §8 rules came as version 1.1.0; a decision started under 1.0.0 is evaluated under the
    archived 1.0.0 file (an overlay with the baseline it was written against), a new one under 1.1.0."""
    old, new = profiles.load_version(name, "1.0.0"), profiles.load(name)
    assert (old.version, new.version) == ("1.0.0", "1.1.0")
    assert [r.distinct for r in _expert_rules(old)] == [None]  # 1.0.0 counted files
    assert [r.distinct for r in _expert_rules(new)] == ["expert_account"]  # 1.1.0 counts experts (§8 Registers)
    if name == "liaoning-2023":  # the overlay's own values kept on top of the 1.0.0 baseline
        assert old.params["expert_panel_size"] == new.params["expert_panel_size"] == 5


def test_archived_overlay_without_its_baseline_version_is_refused(profile_dir, tmp_path):
    archive = profile_dir / "archive"
    archive.mkdir(exist_ok=True)
    text = (SOURCE / "archive" / "liaoning-2023-1.0.0.toml").read_text(encoding="utf-8")
    (archive / "liaoning-2023-0.9.0.toml").write_text(
        text.replace('version = "1.0.0"', 'version = "0.9.0"', 1).replace('extends_version = "1.0.0"',
                                                                           'extends_version = "0.8.0"'),
        encoding="utf-8")
    profiles._load_cached.cache_clear()
    with pytest.raises(profiles.ProfileError, match="archive/state-council-2019-0.8.0.toml"):
        profiles.load_version("liaoning-2023", "0.9.0")


# ---------------------------------------------------------------- national floor (procedure.md §8)
def overlay(d: Path, body: str, name: str = "floor-test-2026") -> Path:
    path = d / f"{name}.toml"
    path.write_text(f'name = "{name}"\nversion = "1.0.0"\nextends = "state-council-2019"\ntitle_zh = "测试"\n'
                    f'title_en = "test"\nlaw_zh = "测试"\neffective = "2026-01-01"\n{body}', encoding="utf-8")
    return path


def refused(path: Path) -> list[str]:
    with pytest.raises(profiles.ProfileError) as info:
        profiles.load_file(path)
    lines = str(info.value).splitlines()
    assert all(line.startswith(f"{path}: national floor: ") for line in lines), lines
    return lines


def rules_of(stage: str, drop: str) -> str:
    """The baseline's `rules = [...]` of `stage` with every rule line containing `drop` left out."""
    text = (SOURCE / "state-council-2019.toml").read_text(encoding="utf-8")
    block = text[text.index(f"[stages.{stage}]"):]
    block = block[block.index("rules = ["):block.index("\n]\n") + 3]
    kept = "\n".join(line for line in block.splitlines() if drop not in line)
    return f"[stages.{stage}]\n{kept}\n"


def test_baseline_marks_its_national_floor():
    base = profiles.load("state-council-2019")
    assert {s for s, st in base.stages.items() if st.floor} >= {"legality_review", "collective_discussion",
                                                                  "party_report", "public_participation"}
    assert base.floor.params["comment_period_days"] == "Art 15"
    assert base.floor.params["legality_review_working_days"] == "Art 26¶2"
    assert base.floor.params["expert_panel_size"] == "Art 19, 20"
    assert base.floor.meeting["quorum_more_than"] == "Art 30"



# the national floor as procedure.md §8 and the decree set it, written out here (not read from the baseline's marks):
# an overlay loosening any one of them is refused, so removing a mark from the baseline fails a case below
FLOOR_CASES = [
    *((f"[params]\n{key} = {value}\n", f"params.{key}") for key, value in (
        ("comment_period_days", 29), ("hearing_materials_days", 6), ("legality_review_working_days", 6),
        ("expert_panel_size", 2), ("meeting_types", '["executive", "plenary", "office"]'))),
    *((f"[meeting]\n{key} = {value}\n", f"meeting.{key}") for key, value in (
        ("quorum_more_than", 0.4), ("members_from_organ", "false"), ("head_role", '"decision_organ"'))),
    *((f'[stages.{stage}]\napplies = "exploratory_reform"\n', f"stage '{stage}'") for stage in (
        "public_participation", "expert_review", "risk_assessment", "fair_competition_review", "legality_review",
        "collective_discussion", "party_report", "publication")),
    (None, "stages.drafting.rules: rule 'triggers_determined'"),
]


@pytest.mark.parametrize("body,named", FLOOR_CASES, ids=[named for _body, named in FLOOR_CASES])
def test_every_national_floor_refuses_an_overlay_loosening_it(profile_dir, body, named):
    lines = refused(overlay(profile_dir, body or rules_of("drafting", "triggers_determined")))
    assert any(named in line for line in lines), lines

def test_overlay_dropping_the_legality_review_rules_is_refused(profile_dir):
    lines = refused(overlay(profile_dir, rules_of("legality_review", 'kind = "legality_opinion"')))
    assert len(lines) == 4, lines        # the opinion itself, its conclusion, its amendments, the reviewed draft
    assert any("stages.legality_review.rules: rule 'evidence legality_opinion' (Art 25, 27) removed" in x
               for x in lines)
    assert any("rule 'newest legality_opinion' (Art 25¶2) removed" in x for x in lines)
    lines = refused(overlay(profile_dir, "[stages.legality_review]\nrules = []\n"))
    assert len(lines) == 6 and "rule 'evidence legality_submission' (Art 26) removed" in lines[0]


def test_overlay_making_a_floor_stage_skippable_is_refused(profile_dir):
    lines = refused(overlay(profile_dir, '[stages.legality_review]\napplies = "not exploratory_reform"\n'))
    assert lines == [f"{profile_dir / 'floor-test-2026.toml'}: national floor: stage 'legality_review' (Art 25) "
                     "made skippable: applies = 'not exploratory_reform' (baseline: 'always') — an overlay may "
                     "tighten state-council-2019, not remove or loosen it"]
    # broadening a conditional stage is tightening
    profiles.load_file(overlay(profile_dir, '[stages.expert_review]\napplies = "always"\n'))


def test_overlay_dropping_the_meeting_rules_is_refused(profile_dir):
    path = overlay(profile_dir, rules_of("collective_discussion", 'rule = "meeting_'))
    lines = refused(path)
    assert len(lines) == 2, lines
    assert "stages.collective_discussion.rules: rule 'meeting_window legality_submission' (Art 26¶2) removed" in lines[0]
    assert "stages.collective_discussion.rules: rule 'meeting_approved' (Art 30) removed" in lines[1]
    lines = refused(overlay(profile_dir, "[meeting]\nquorum_more_than = 0.3\n"))
    assert lines[0].endswith("national floor: meeting.quorum_more_than = 0.3 is below the baseline's 0.5 (Art 30) — "
                             "an overlay may tighten state-council-2019, not remove or loosen it")
    lines = refused(overlay(profile_dir, '[params]\nmeeting_types = ["executive", "plenary", "office"]\n'))
    assert "params.meeting_types" in lines[0] and "(Art 30¶1)" in lines[0] and "'office'" in lines[0]


def test_overlay_lowering_the_30_day_comment_period_is_refused(profile_dir):
    lines = refused(overlay(profile_dir, "[params]\ncomment_period_days = 20\n"))
    assert len(lines) == 1 and "params.comment_period_days = 20 is below the baseline's 30 (Art 15)" in lines[0]
    # the same floor through the rule itself (min_days written as a number)
    rules = rules_of("public_participation", "@@").replace('min_days = "comment_period_days"', "min_days = 20")
    lines = refused(overlay(profile_dir, rules))
    assert len(lines) == 1 and "rule 'interval participation_activity[form=open_comment]' (Art 15) loosened: " \
                               "min_days 20 is below the baseline's 30" in lines[0]


def test_overlay_lowering_the_expert_panel_is_refused(profile_dir):
    lines = refused(overlay(profile_dir, "[params]\nexpert_panel_size = 2\n"))
    assert len(lines) == 1 and "params.expert_panel_size = 2 is below the baseline's 3 (Art 19, 20)" in lines[0]
    rules = rules_of("expert_review", "@@").replace('min = "expert_panel_size"', "min = 2")
    lines = refused(overlay(profile_dir, rules))
    assert "rule 'evidence expert_opinion[direct_interest=no,signed=yes]' (Art 19, 20) loosened: min 2" in lines[0]
    # counting files instead of distinct experts (procedure.md §8) is a loosening too
    rules = rules_of("expert_review", "@@").replace('distinct = "expert_account", ', "")
    assert 'distinct = "expert_account"' not in rules
    lines = refused(overlay(profile_dir, rules))
    assert "loosened: counts files instead of distinct 'expert_account'" in lines[0]


def test_overlay_loosening_other_ways_is_refused(profile_dir):
    # a new way out of the hearing notice, a shorter review window, a reviewer's opinion by the drafter,
    # the trigger determinations dropped
    rules = rules_of("public_participation", "@@").replace('unit = "calendar", article = "Art 16¶3"',
                                                           'unit = "calendar", unless = "shortened_reason", '
                                                           'article = "Art 16¶3"')
    lines = refused(overlay(profile_dir, rules))
    assert "rule 'interval participation_activity[form=hearing]' (Art 16¶3) loosened: new way out" in lines[0]
    lines = refused(overlay(profile_dir, '[params]\nlegality_review_working_days = 5\n'))
    assert "params.legality_review_working_days = 5 is below the baseline's 7 (Art 26¶2)" in lines[0]
    lines = refused(overlay(profile_dir, '[kinds.legality_opinion]\nroles = ["legality_reviewer", "drafter"]\n'))
    assert lines == [f"{profile_dir / 'floor-test-2026.toml'}: national floor: kinds.legality_opinion.roles: "
                     "['drafter'] may now file 'legality_opinion', read by rule 'evidence legality_opinion' "
                     "(Art 25, 27) — an overlay may tighten state-council-2019, not remove or loosen it"]
    lines = refused(overlay(profile_dir, '[kinds.legality_submission.meta]\nsubmitted = { type = "date", required = false }\n'))
    assert len(lines) == 1 and "kinds.legality_submission.meta.submitted no longer required" in lines[0]
    lines = refused(overlay(profile_dir, rules_of("drafting", "triggers_determined")))
    assert lines == [f"{profile_dir / 'floor-test-2026.toml'}: national floor: stages.drafting.rules: rule "
                     "'triggers_determined' (Art 3, 14, 19, 22) removed — an overlay may tighten "
                     "state-council-2019, not remove or loosen it"]


def test_shipped_overlay_and_tightening_pass(profile_dir):
    assert profiles.load_file(profile_dir / "liaoning-2023.toml").params["expert_panel_size"] == 5
    tight = overlay(profile_dir, "[params]\nexpert_panel_size = 5\ncomment_period_days = 45\n"
                                 "legality_review_working_days = 10\nmeeting_types = [\"executive\"]\n"
                                 "[meeting]\nquorum_more_than = 0.66\n"
                                 + rules_of("expert_review", "@@").replace('min = "expert_panel_size"', "min = 5"))
    p = profiles.load_file(tight)
    assert p.params["expert_panel_size"] == 5 and p.meeting.quorum_more_than == 0.66
    # a stricter copy of a floor rule (no shortening reason accepted) and an added rule are tightening
    stricter = rules_of("public_participation", "@@").replace(', unless = "shortened_reason"', "", 1)
    stricter = stricter.replace("rules = [\n", 'rules = [\n  { rule = "evidence", kind = "participation_activity", '
                                               'where = { form = "hearing" }, article = "省规定" },\n', 1)
    p = profiles.load_file(overlay(profile_dir, stricter))
    assert len(p.stages["public_participation"].rules) == 10  # 9 of the baseline (with period_over, from_ledger) + 1


def test_cli_profile_check_refuses_an_overlay_below_the_floor(profile_dir):
    from typer.testing import CliRunner

    from decisions.cli import app
    path = overlay(profile_dir, "[params]\ncomment_period_days = 20\n")
    r = CliRunner().invoke(app, ["profile", "check", str(path)])
    assert r.exit_code == 2, r.output
    assert (f"{path}: national floor: params.comment_period_days = 20 is below the baseline's 30 (Art 15)"
            in r.stderr)
    ok = CliRunner().invoke(app, ["profile", "check", str(profile_dir / "liaoning-2023.toml")])
    assert ok.exit_code == 0, ok.output


def test_an_overlay_of_an_overlay_keeps_every_floor_above_it(profile_dir):
    """A city overlay on the Liaoning overlay: the national floor, and Liaoning's own tightened values."""
    city = profile_dir / "city-2026.toml"
    city.write_text('name = "city-2026"\nversion = "1.0.0"\nextends = "liaoning-2023"\ntitle_zh = "市"\n'
                    'title_en = "city"\nlaw_zh = "市"\neffective = "2026-01-01"\n[params]\nexpert_panel_size = 4\n',
                    encoding="utf-8")
    lines = refused(city)
    assert lines == [f"{city}: national floor: params.expert_panel_size = 4 is below the baseline's 5 (Art 19, 20) — "
                     "an overlay may tighten liaoning-2023, not remove or loosen it"]
    city.write_text(city.read_text(encoding="utf-8").replace("expert_panel_size = 4", "expert_panel_size = 7"),
                    encoding="utf-8")
    assert profiles.load_file(city).params["expert_panel_size"] == 7
