"""The working-day calendar: Spring Festival and National Day 2026 with their adjusted Saturdays (as the
chinesecalendar package has them), profile additions, the admin override table, and a year the package
does not cover (a warning, the statutory holidays of 《全国年节及纪念日放假办法》 computed from the lunar
calendar with their weekend compensation, provisional until an admin confirms the year; never a crash)."""

from __future__ import annotations

import json
from datetime import date, timedelta

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
from workflow.calendar import (
    WorkCalendar,
    add_months,
    coverage_warning,
    package_covers,
    qingming,
    statutory_holidays,
    statutory_rest_days,
)

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
    assert (day, provisional) == (D("2027-01-05"), True)          # 12-31, (01-01 元旦 off), 01-04, 01-05
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
    out = runner.invoke(app, ["calendar", "check", "2027-02-08"])              # 正月初三, computed
    assert out.exit_code == 0 and "statutory_rule" in out.output and "Spring Festival" in out.output
    assert "暂定" in out.output and "warning" in out.output
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


# ----------------------------------------------------------------- years the package lacks (2027+)
def test_spring_festival_2027_is_removed_and_provisional():
    """除夕 Fri 02-05, 初一–初三 Sat 02-06 .. Mon 02-08; Sat and Sun give 补假 on Tue 02-09 and Wed 02-10."""
    assert not package_covers(2027)
    assert [d.isoformat() for d in (D("2027-02-04") + timedelta(days=i) for i in range(1, 8))
            if not CAL.is_workday(d)] == ["2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08", "2027-02-09",
                                          "2027-02-10"]
    # a legality submission on 02-04: the 7th working day after it is Friday 02-19, not Monday 02-15
    assert CAL.add_workdays(D("2027-02-04"), 7) == (D("2027-02-19"), True)
    assert CAL.workdays_between(D("2027-02-04"), D("2027-02-15")) == (3, True)   # Mon–Fri alone would say 7
    assert CAL.sub_workdays(D("2027-02-11"), 1) == (D("2027-02-04"), True)
    assert CAL.next_workday(D("2027-02-05")) == (D("2027-02-11"), True)
    e = CAL.explain(D("2027-02-06"))
    assert (e["source"], e["holiday"], e["workday"], e["provisional"]) == (
        "statutory_rule", "Spring Festival", False, True)
    assert "补假" in CAL.explain(D("2027-02-09"))["holiday"] and "2027" in e["warning"]
    assert CAL.explain(D("2027-02-11"))["source"] == "weekday_fallback"


def test_meeting_window_across_spring_festival_2027(org):
    """The gate itself: submitted 2027-02-04, a meeting on 02-15 is refused (Art 26¶2), on 02-19 held."""
    set_now("2027-02-04T09:00:00+08:00")
    w = Walker().walk_to("legality_review")
    w.ev("legality_submission", submitted="2027-02-04")
    w.ev("legal_adviser_opinion", user="adviser")
    w.ev("legality_opinion", user="reviewer", conclusion="lawful")
    w.advance()
    set_now("2027-02-19T09:00:00+08:00")
    from decisions.errors import Blocked
    with pytest.raises(Blocked) as info:
        w.meeting(date="2027-02-15")
    hit = [u for u in info.value.unmet if u.requirement.endswith("legality_submission.window")]
    assert hit and hit[0].article == "Art 26¶2" and "仅3个工作日" in hit[0].message and "暂计" in hit[0].message
    w.meeting(date="2027-02-19")
    assert w.state() == "party_report"


def test_qingming_dragon_boat_and_mid_autumn_2027():
    assert qingming(2027) == D("2027-04-05")
    # the solar term from lunar-python agrees with chinesecalendar's own solar-term table
    assert chinese_calendar.get_solar_terms(D("2027-04-01"), D("2027-04-10")) == [(D("2027-04-05"), "清明")]
    for rest, name, before, after in [("2027-04-05", "Tomb-sweeping Day", "2027-04-02", "2027-04-06"),
                                      ("2027-06-09", "Dragon Boat Festival", "2027-06-08", "2027-06-10"),
                                      ("2027-09-15", "Mid-autumn Festival", "2027-09-14", "2027-09-16")]:
        assert not CAL.is_workday(D(rest)) and CAL.explain(D(rest))["holiday"] == name, rest
        assert CAL.is_workday(D(before)) and CAL.is_workday(D(after)), rest   # a weekday holiday: no 补假
    assert CAL.add_workdays(D("2027-06-08"), 1) == (D("2027-06-10"), True)
    assert CAL.workdays_between(D("2027-09-13"), D("2027-09-17")) == (3, True)
    assert [d.isoformat() for d, _ in statutory_holidays(2027)] == [
        "2027-01-01", "2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08", "2027-04-05", "2027-05-01",
        "2027-05-02", "2027-06-09", "2027-09-15", "2027-10-01", "2027-10-02", "2027-10-03"]   # 13 days (Art 2)


def test_weekend_compensation_art_6():
    # 劳动节 2027: Sat 05-01 and Sun 05-02 -> Mon 05-03 and Tue 05-04 off; Wed 05-05 worked
    assert [CAL.is_workday(D(f"2027-05-0{d}")) for d in range(1, 6)] == [False, False, False, False, True]
    assert CAL.add_workdays(D("2027-04-30"), 1) == (D("2027-05-05"), True)
    # 国庆节 2027: Fri 10-01 .. Sun 10-03 -> Mon 10-04 and Tue 10-05 off
    assert [CAL.is_workday(D(f"2027-10-0{d}")) for d in range(1, 7)] == [False] * 5 + [True]
    # 元旦 2028 on a Saturday -> Monday 01-03 off
    assert not CAL.is_workday(D("2028-01-03")) and CAL.is_workday(D("2028-01-04"))
    assert statutory_rest_days(2028)[D("2028-01-03")].compensation
    # 中秋 2028 is 10-03, a day of 国庆 too: the day is owed once more (and Sun 10-01 once)
    assert [CAL.is_workday(D(f"2028-10-0{d}")) for d in range(1, 7)] == [False] * 5 + [True]
    # an ordinary weekend that holds no holiday gives no compensation
    assert CAL.is_workday(D("2027-05-10")) and not CAL.is_workday(D("2027-05-08"))


def test_statutory_rule_agrees_with_the_package_for_published_years():
    """The rule (law text in force each year) against the State Council notices chinesecalendar ships."""
    for year in range(2008, 2027):
        days = statutory_holidays(year)
        worked = [d for d, _ in days if chinese_calendar.is_workday(d)]
        assert not worked, (year, worked)
        assert chinese_calendar.get_solar_terms(D(f"{year}-04-01"), D(f"{year}-04-10"))[0][0] == qingming(year)
        comp = [d for d, r in statutory_rest_days(year).items() if r.compensation]
        # twice the notice gave the day before instead of the day after (2012 端午, 2015 中秋 with 国庆 near)
        assert [d for d in comp if chinese_calendar.is_workday(d)] in ([], [D("2012-06-25")], [D("2015-09-28")])
    assert len(statutory_holidays(2024)) == 11 and len(statutory_holidays(2025)) == 13   # the 2024 amendment
    assert {d for d, h in statutory_holidays(2025) if h.chinese == "春节"} == {
        D("2025-01-28"), D("2025-01-29"), D("2025-01-30"), D("2025-01-31")}               # 除夕 and 初一–初三


def test_overrides_and_profile_additions_win_over_the_statutory_rule():
    cal = WorkCalendar.build(holidays=["2027-02-12"], workdays=["2027-02-10"],
                             overrides={D("2027-02-09"): True, D("2027-02-20"): True, D("2027-02-11"): False})
    assert cal.is_workday(D("2027-02-09")) and cal.explain(D("2027-02-09"))["source"] == "override"
    assert cal.is_workday(D("2027-02-10")) and cal.explain(D("2027-02-10"))["source"] == "profile"
    assert not cal.is_workday(D("2027-02-11")) and not cal.is_workday(D("2027-02-12"))
    assert cal.is_workday(D("2027-02-20"))                                   # an adjusted Saturday from the notice
    assert cal.classify(D("2027-02-09")) == (True, False)
    # 02-09, 02-10, (11, 12 off), 02-15, 02-16, 02-17, 02-18, 02-19
    assert cal.add_workdays(D("2027-02-04"), 7) == (D("2027-02-19"), True)   # the rest of the year is provisional


def test_confirmed_year_uses_the_imported_notice_and_is_not_provisional():
    notice = {D(f"2027-02-{d:02d}"): False for d in range(5, 12)} | {D("2027-02-20"): True}
    draft = WorkCalendar.build(overrides=notice)
    confirmed = WorkCalendar.build(overrides=notice, confirmed_years=[2027])
    # 02-12, 02-15 .. 02-19, the adjusted Saturday 02-20: the same day, but only the confirmed year is final
    assert draft.add_workdays(D("2027-02-04"), 7) == (D("2027-02-20"), True)
    assert confirmed.add_workdays(D("2027-02-04"), 7) == (D("2027-02-20"), False)
    assert confirmed.workdays_between(D("2027-02-04"), D("2027-02-15")) == (2, False)
    # only package data and overrides: a statutory day the imported notice does not list is a plain weekday
    assert not draft.is_workday(D("2027-04-05")) and confirmed.is_workday(D("2027-04-05"))
    assert confirmed.explain(D("2027-04-05"))["source"] == "confirmed_year"
    assert confirmed.warning(D("2027-04-05")) == "" and "2027" in draft.warning(D("2027-04-05"))
    assert coverage_warning(D("2027-04-05"), confirmed=[2027]) == ""
    assert confirmed.is_provisional_year(2028) and not confirmed.is_provisional_year(2027)
    assert confirmed.add_workdays(D("2027-12-30"), 2) == (D("2028-01-04"), True)   # 2028 still provisional
    # a year the package covers is the package's, confirmed or not
    assert WorkCalendar.build(confirmed_years=[2026]).add_workdays(D("2026-02-10"), 7) == (D("2026-02-26"), False)


def test_an_admin_confirms_a_year_once_its_notice_is_imported(org, tmp_path):
    """procedure.md §8: a year the package lacks is provisional (statutory holidays from the lunar calendar) until
    an admin imports the State Council's notice and confirms the year; then only the package and the imported
    rows count, and nothing of that year is provisional. Refused before any row of the year is imported."""
    runner = CliRunner()
    refused = runner.invoke(app, ["calendar", "confirm", "2027", "--notice-ref", "国办发明电〔2026〕1号", "--as", "admin"])
    assert refused.exit_code == 2 and "2027" in refused.output
    assert json.loads(runner.invoke(app, ["calendar", "check", "2027-02-08", "--json"]).output)["provisional"]
    table = tmp_path / "holidays-2027.csv"
    table.write_text("day,workday,note\n2027-02-08,0,春节\n2027-02-09,0,春节\n2027-02-10,0,春节\n"
                     "2027-02-11,0,春节\n2027-02-12,0,春节\n2027-02-20,1,调休上班\n", encoding="utf-8")
    assert runner.invoke(app, ["calendar", "import", str(table), "--as", "admin"]).exit_code == 0
    not_admin = runner.invoke(app, ["calendar", "confirm", "2027", "--notice-ref", "国办发明电〔2026〕1号",
                                    "--as", "drafter"])
    assert not_admin.exit_code == 4
    ok = runner.invoke(app, ["calendar", "confirm", "2027", "--notice-ref", "国办发明电〔2026〕1号", "--as", "admin",
                             "--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["rows"] == 6
    sat = json.loads(runner.invoke(app, ["calendar", "check", "2027-02-20", "--json"]).output)
    assert sat["workday"] and not sat["provisional"]
    # 2027-02-05 (除夕, a Friday) is a statutory rest day by the computed rule, but the confirmed notice does not
    # list it: a working day once the year is confirmed
    eve = json.loads(runner.invoke(app, ["calendar", "check", "2027-02-05", "--json"]).output)
    assert eve["workday"] and not eve["provisional"]
    assert all(r["confirmed"] for r in json.loads(runner.invoke(app, ["calendar", "list", "--year", "2027",
                                                                      "--json"]).output))
    assert runner.invoke(app, ["calendar", "unconfirm", "2027", "--as", "admin"]).exit_code == 0
    assert json.loads(runner.invoke(app, ["calendar", "check", "2027-02-05", "--json"]).output)["provisional"]
