"""The working-day calendar: Spring Festival and National Day 2026 with their adjusted Saturdays (as the
chinesecalendar package has them), profile additions, the admin override table, and a year the package
does not cover (a warning and Monday–Friday, never a crash)."""

from __future__ import annotations

from datetime import date

import chinese_calendar
import pytest
from typer.testing import CliRunner

from decisions.cli import app
from decisions.deadlines import calendar as work_calendar
from decisions.deadlines import scheduled
from decisions.deadlines import views as deadline_views
from decisions.errors import BadInput, NotPermitted
from tests.helpers import Walker, set_now
from workflow import profiles
from workflow.calendar import WorkCalendar, add_months, coverage_warning, package_covers

D = date.fromisoformat
CAL = WorkCalendar()


def test_spring_festival_2026_and_its_adjusted_saturdays():
    # the package itself: Feb 15–23 rest, Sat Feb 14 and Sat Feb 28 worked
    assert chinese_calendar.is_workday(D("2026-02-14")) and chinese_calendar.is_workday(D("2026-02-28"))
    assert not any(CAL.is_workday(D(f"2026-02-{d:02d}")) for d in range(15, 24))
    assert CAL.is_workday(D("2026-02-14")) and CAL.is_workday(D("2026-02-28"))
    assert CAL.add_workdays(D("2026-02-13"), 1) == (D("2026-02-14"), False)   # Friday → the adjusted Saturday
    assert CAL.add_workdays(D("2026-02-14"), 1) == (D("2026-02-24"), False)   # over the whole holiday
    assert CAL.workdays_between(D("2026-02-13"), D("2026-02-24")) == (2, False)
    assert CAL.add_workdays(D("2026-02-27"), 1) == (D("2026-02-28"), False)
    # the 7-working-day legality window (Art 26¶2) sent on Feb 10 closes on Feb 26, not Feb 17
    assert CAL.add_workdays(D("2026-02-10"), 7) == (D("2026-02-26"), False)
    assert CAL.sub_workdays(D("2026-02-24"), 2) == (D("2026-02-13"), False)
    assert CAL.next_workday(D("2026-02-15")) == (D("2026-02-24"), False)


def test_national_day_2026():
    # Oct 1–7 rest; Oct 8 and the adjusted Saturday Oct 10 are working days in chinesecalendar 1.11
    assert not any(CAL.is_workday(D(f"2026-10-0{d}")) for d in range(1, 8))
    assert CAL.is_workday(D("2026-10-08")) and CAL.is_workday(D("2026-10-10"))
    assert chinese_calendar.find_workday(3, D("2026-09-30")) == D("2026-10-10")
    assert CAL.add_workdays(D("2026-09-30"), 3) == (D("2026-10-10"), False)
    assert CAL.workdays_between(D("2026-09-30"), D("2026-10-12")) == (4, False)
    assert CAL.explain(D("2026-10-01"))["holiday"] == "National Day"
    assert CAL.explain(D("2026-10-10")) | {"warning": ""} == {
        "day": "2026-10-10", "weekday": 6, "workday": True, "source": "chinesecalendar", "holiday": "National Day",
        "provisional": False, "warning": ""}


def test_deadlines_use_the_calendar_across_holidays(org):
    """The legality window of a decision submitted before Spring Festival ends after it."""
    set_now("2026-02-10T09:00:00+08:00")
    w = Walker().walk_to("legality_review")
    w.ev("legality_submission", submitted="2026-02-10")
    scheduled.run_once()
    row = next(r for r in deadline_views.deadlines(w.id) if r["type"] == "legality_window")
    assert (row["due"], row["remind_on"], row["escalate_on"]) == ("2026-02-26", "2026-02-24", "2026-02-27")


def test_profile_additions_and_admin_overrides():
    local = WorkCalendar.build(holidays=["2026-03-09"], workdays=["2026-03-08"])
    assert not local.is_workday(D("2026-03-09")) and local.is_workday(D("2026-03-08"))
    over = WorkCalendar.build(holidays=["2026-03-09"], overrides={D("2026-03-09"): True})
    assert over.explain(D("2026-03-09"))["source"] == "override" and over.is_workday(D("2026-03-09"))


def test_year_without_holiday_data_warns_and_falls_back(org):
    assert package_covers(2026) and not package_covers(2027)
    day, provisional = CAL.add_workdays(D("2026-12-30"), 3)       # crosses into 2027: no crash
    assert (day, provisional) == (D("2027-01-04"), True)
    assert "2027" in coverage_warning(D("2027-01-04")) and coverage_warning(D("2026-05-06")) == ""
    # the admin declares New Year's Day 2027 a rest day and Sunday Jan 3 a working day
    work_calendar.set_override("2027-01-01", False, "元旦")
    work_calendar.set_override("2027-01-03", True, "调休上班")
    assert work_calendar.add_days("2026-12-31", 1)["day"] == "2027-01-03"
    r = work_calendar.add_days("2026-12-31", 2)
    assert r["day"] == "2027-01-04" and r["provisional"] and "chinesecalendar" in r["warning"]
    assert [o["day"] for o in work_calendar.list_overrides(2027)] == ["2027-01-01", "2027-01-03"]
    assert work_calendar.check_day("2027-01-01")["source"] == "override"
    work_calendar.remove_override("2027-01-03")
    assert work_calendar.add_days("2026-12-31", 1)["day"] == "2027-01-04"
    with pytest.raises(NotPermitted):
        work_calendar.set_override("2027-02-01", False, as_user="drafter")


def test_calendar_cli(org):
    runner = CliRunner()
    out = runner.invoke(app, ["calendar", "check", "2027-02-08"])
    assert out.exit_code == 0 and "weekday_fallback" in out.output and "warning" in out.output
    out = runner.invoke(app, ["calendar", "add", "2026-09-30", "3", "--json"])
    assert out.exit_code == 0 and '"day": "2026-10-10"' in out.output
    out = runner.invoke(app, ["calendar", "set", "2027-02-08", "--rest", "--note", "春节", "--as", "admin"])
    assert out.exit_code == 0
    assert "override" in runner.invoke(app, ["calendar", "check", "2027-02-08"]).output
    assert runner.invoke(app, ["calendar", "check", "2027-13-01"]).exit_code == 2


def test_add_months():
    assert add_months(D("2026-01-31"), 1) == D("2026-02-28")
    assert add_months(D("2026-04-24"), 6) == D("2026-10-24")
    assert add_months(D("2026-11-30"), 3) == D("2027-02-28")


def test_profile_time_rules_are_validated(tmp_path):
    base = profiles.load("state-council-2019")
    assert base.deadlines["legality_review_window"].days == "legality_review_working_days"
    bad = tmp_path / "bad-2026.toml"
    bad.write_text('name = "bad-2026"\nversion = "1.0.0"\nextends = "state-council-2019"\n'
                   'title_zh = "x"\ntitle_en = "x"\nlaw_zh = "x"\neffective = "2026-01-01"\n'
                   '[deadlines.stale]\ndays = "no_such_param"\nnotify = ["mayor"]\n', encoding="utf-8")
    (tmp_path / "state-council-2019.toml").write_text(
        (profiles.get_settings().profile_dir / "state-council-2019.toml").read_text(encoding="utf-8"),
        encoding="utf-8")
    with pytest.raises(profiles.ProfileError) as err:
        profiles.load_file(bad)
    assert "no_such_param" in str(err.value) and "'mayor'" in str(err.value)


def test_import_a_holiday_table_for_an_uncovered_year(org, tmp_path):
    table = tmp_path / "2027.csv"
    table.write_text("day,workday,note\n2027-01-01,0,元旦\n2027-02-05,0,春节\n2027-02-07,1,春节调休上班\n",
                     encoding="utf-8")
    r = work_calendar.import_overrides(table)
    assert r["rows"] == 3 and r["years"] == [2027] and "2027" in r["warning"]
    assert not work_calendar.check_day("2027-02-05")["workday"] and work_calendar.check_day("2027-02-07")["workday"]
    bad = tmp_path / "bad.csv"
    bad.write_text("2027-03-01,maybe\n", encoding="utf-8")
    with pytest.raises(BadInput):
        work_calendar.import_overrides(bad)
    assert len(work_calendar.list_overrides(2027)) == 3              # all rows or none
    out = CliRunner().invoke(app, ["calendar", "import", str(table)])
    assert out.exit_code == 0 and "imported 3 days" in out.output
