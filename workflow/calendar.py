"""Working days on the Chinese calendar: statutory holidays and adjusted workdays (调休).

Where the answer for a day comes from, first match wins:

1. the admin-maintained override table (``overrides``: an imported State Council notice, a local decision);
2. the profile's own additions (``calendar_extra_holidays`` / ``calendar_extra_workdays``);
3. the maintained `chinesecalendar` package, for every year it knows (the State Council's notice as published);
4. a year the package does not know yet but an admin has **confirmed** (``confirmed_years``: the notice has been
   imported into the override table, which is then authoritative): Monday–Friday, not provisional;
5. any other year the package does not know yet: the statutory holidays of 《全国年节及纪念日放假办法》 (Art 2),
   computed from the lunar calendar, with the compensation day (补假) of Art 6 for a holiday that falls on a
   Saturday or Sunday; otherwise Monday–Friday. Adjusted weekend workdays (调休) cannot be known before the
   notice, so every day of such a year is **provisional**. Never Monday–Friday alone (procedure.md §8).

Lunar dates (春节, 端午, 中秋) and the 清明 solar term come from `lunar-python` (pure Python, maintained, with
solar terms; checked against `chinesecalendar` for 2008–2026 in tests/test_calendar.py).
"""

from __future__ import annotations

import calendar as _stdcal
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from types import MappingProxyType
from typing import NamedTuple

import chinese_calendar

_H = chinese_calendar.Holiday
NEW_YEAR, SPRING, QINGMING = _H.new_years_day, _H.spring_festival, _H.tomb_sweeping_day
LABOUR, DRAGON_BOAT, MID_AUTUMN, NATIONAL = _H.labour_day, _H.dragon_boat_festival, _H.mid_autumn_festival, _H.national_day

# The text of Art 2 in force for a year: (first year, law, Spring Festival days as offsets from 正月初一, May days).
# 2007 amendment (国务院令第513号, from 2008): 春节 除夕、初一、初二; 劳动节 5月1日.
# 2013 amendment (国务院令第644号, from 2014): 春节 初一至初三.
# 2024 amendment (国务院令第795号, from 2025): 春节 除夕、初一至初三; 劳动节 5月1日、2日.
# Years before 2008 use the 2007 text (they are covered by chinesecalendar from 2004 and predate Decree 713).
STATUTORY_TEXTS: tuple[tuple[int, str, tuple[int, ...], tuple[int, ...]], ...] = (
    (2025, "《全国年节及纪念日放假办法》（2024年修订）", (-1, 0, 1, 2), (1, 2)),
    (2014, "《全国年节及纪念日放假办法》（2013年修订）", (0, 1, 2), (1,)),
    (0, "《全国年节及纪念日放假办法》（2007年修订）", (-1, 0, 1), (1,)),
)


class RestDay(NamedTuple):
    """A statutory rest day computed for a year the package lacks."""

    holiday: _H
    compensation: bool  # a 补假 day (Art 6) for this holiday falling on a Saturday or Sunday

    @property
    def label(self) -> str:
        if self.compensation:
            return f"{self.holiday.value} (补假 / compensatory rest day, Art 6)"
        return self.holiday.value


@lru_cache(maxsize=64)
def package_covers(year: int) -> bool:
    """Whether the installed chinesecalendar knows the State Council's holiday schedule for `year`."""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@lru_cache(maxsize=16384)
def _package_workday(day: date) -> bool | None:
    """The package's answer for `day` (cached: it is looked up for every day of every deadline); None = no data."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None


def _lunar_to_solar(year: int, month: int, day: int) -> date:
    from lunar_python import Lunar

    s = Lunar.fromYmd(year, month, day).getSolar()
    return date(s.getYear(), s.getMonth(), s.getDay())


def qingming(year: int) -> date:
    """The day of the 清明 solar term (Beijing time), between April 4 and 6."""
    from lunar_python import Solar

    for d in range(1, 11):
        if Solar.fromYmd(year, 4, d).getLunar().getJieQi() == "清明":
            return date(year, 4, d)
    raise ValueError(f"no 清明 solar term found in April {year}")  # pragma: no cover — astronomically impossible


def statutory_law(year: int) -> str:
    """The text of 《全国年节及纪念日放假办法》 whose Art 2 applies to `year`."""
    return next(law for first, law, _, _ in STATUTORY_TEXTS if year >= first)


@lru_cache(maxsize=64)
def statutory_holidays(year: int) -> tuple[tuple[date, _H], ...]:
    """Art 2: the days off for all citizens in `year`, in date order; a day holding two holidays appears twice."""
    _, _, spring, may = next(t for t in STATUTORY_TEXTS if year >= t[0])
    new_year = _lunar_to_solar(year, 1, 1)  # 正月初一 (除夕 is the day before: always in the same Gregorian year)
    days = [(date(year, 1, 1), NEW_YEAR)]
    days += [(new_year + timedelta(days=k), SPRING) for k in spring]
    days += [(qingming(year), QINGMING)]
    days += [(date(year, 5, d), LABOUR) for d in may]
    days += [(_lunar_to_solar(year, 5, 5), DRAGON_BOAT), (_lunar_to_solar(year, 8, 15), MID_AUTUMN)]
    days += [(date(year, 10, d), NATIONAL) for d in (1, 2, 3)]
    return tuple(sorted(days, key=lambda x: x[0]))


@lru_cache(maxsize=64)
def statutory_rest_days(year: int) -> Mapping[date, RestDay]:
    """Art 2 holidays plus Art 6 compensation: a holiday on a Saturday or Sunday — or one sharing its day with
    another holiday (中秋 on 国庆, as in 2028) — gives a rest day on the next working day not already off.

    Adjusted weekend workdays (调休) are not statutory and are not here: only the State Council notice has them.
    """
    holidays = statutory_holidays(year)
    rest: dict[date, RestDay] = {}
    owed: list[tuple[date, _H]] = []
    for day, holiday in holidays:
        if day in rest or day.weekday() >= 5:
            owed.append((day, holiday))
        rest.setdefault(day, RestDay(holiday, False))
    for day, holiday in owed:
        comp = day + timedelta(days=1)
        while comp.weekday() >= 5 or comp in rest:
            comp += timedelta(days=1)
        rest[comp] = RestDay(holiday, True)
    return MappingProxyType(dict(sorted(rest.items())))


def coverage_warning(*days: date, confirmed: Iterable[int] = ()) -> str:
    """A clear warning for the years among `days` that the package does not cover and no admin confirmed, or ''."""
    confirmed = frozenset(confirmed)
    missing = sorted({d.year for d in days if not package_covers(d.year) and d.year not in confirmed})
    if not missing:
        return ""
    years = "、".join(str(y) for y in missing)
    return (f"警告：节假日软件包 chinesecalendar 尚未收录 {years} 年的节假日安排，按《全国年节及纪念日放假办法》的法定节假日"
            "（农历推算）及周末补假、管理员维护的调整表计算，调休上班日未知，结果为暂定（导入国务院通知后由管理员确认该年度） / "
            f"warning: chinesecalendar has no holiday schedule for {years}; working days remove the statutory holidays "
            "(computed from the lunar calendar) and their weekend compensation days, plus the admin override table; "
            "adjusted weekend workdays are unknown, so the result is provisional until an admin confirms the year")


def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months later (clamped to the month's last day)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, _stdcal.monthrange(year, month)[1]))


@dataclass(frozen=True)
class WorkCalendar:
    extra_holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()
    overrides: Mapping[date, bool] = field(default_factory=dict)  # admin table: day -> is_workday
    # years the package lacks whose State Council notice an admin has imported (as overrides) and confirmed
    confirmed_years: frozenset[int] = frozenset()

    @classmethod
    def build(cls, holidays: Iterable[str] = (), workdays: Iterable[str] = (),
              overrides: Mapping[date, bool] | None = None, confirmed_years: Iterable[int] = ()) -> WorkCalendar:
        return cls(frozenset(date.fromisoformat(d) for d in holidays),
                   frozenset(date.fromisoformat(d) for d in workdays), dict(overrides or {}),
                   frozenset(int(y) for y in confirmed_years))

    def is_workday(self, day: date) -> bool:
        return self.classify(day)[0]

    def is_provisional_year(self, year: int) -> bool:
        """A year the package lacks and no admin has confirmed: its counts are provisional."""
        return not package_covers(year) and year not in self.confirmed_years

    def classify(self, day: date) -> tuple[bool, bool]:
        """(is_workday, provisional). Overrides and profile additions win over the package and the statutory rule."""
        if day in self.overrides:
            return self.overrides[day], False
        if day in self.extra_holidays:
            return False, False
        if day in self.extra_workdays:
            return True, False
        known = _package_workday(day)
        if known is not None:
            return known, False
        if day.year in self.confirmed_years:  # the imported notice (overrides) is authoritative: Mon–Fri otherwise
            return day.weekday() < 5, False
        if day in statutory_rest_days(day.year):  # year not published yet: statutory holidays and 补假, provisional
            return False, True
        return day.weekday() < 5, True

    def warning(self, *days: date) -> str:
        """``coverage_warning`` for this calendar's confirmed years."""
        return coverage_warning(*days, confirmed=self.confirmed_years)

    def workdays_between(self, start: date, end: date) -> tuple[int, bool]:
        """Working days in (start, end]: how many working days `end` lies after `start`."""
        count, provisional, day = 0, False, start
        while day < end:
            day += timedelta(days=1)
            work, prov = self.classify(day)
            count += work
            provisional |= prov
        return count, provisional

    def add_workdays(self, start: date, n: int) -> tuple[date, bool]:
        """The n-th working day after `start` (a deadline), and whether it is provisional."""
        day, provisional, left = start, False, n
        while left > 0:
            day += timedelta(days=1)
            work, prov = self.classify(day)
            provisional |= prov
            left -= work
        return day, provisional

    def sub_workdays(self, start: date, n: int) -> tuple[date, bool]:
        """The n-th working day before `start` (a reminder date), and whether it is provisional."""
        day, provisional, left = start, False, n
        while left > 0:
            day -= timedelta(days=1)
            work, prov = self.classify(day)
            provisional |= prov
            left -= work
        return day, provisional

    def next_workday(self, day: date) -> tuple[date, bool]:
        """`day` itself when it is a working day, else the first working day after it (一个期限的末日)."""
        work, provisional = self.classify(day)
        while not work:
            day += timedelta(days=1)
            work, prov = self.classify(day)
            provisional |= prov
        return day, provisional

    def source(self, day: date) -> str:
        """Which layer decides `day`: override, profile, chinesecalendar, confirmed_year, statutory_rule or
        weekday_fallback (the last two: a year the package lacks, provisional)."""
        if day in self.overrides:
            return "override"
        if day in self.extra_holidays or day in self.extra_workdays:
            return "profile"
        if _package_workday(day) is not None:
            return "chinesecalendar"
        if day.year in self.confirmed_years:
            return "confirmed_year"
        if day in statutory_rest_days(day.year):
            return "statutory_rule"
        return "weekday_fallback"

    def explain(self, day: date) -> dict:
        """Why `day` is or is not a working day: override, profile, package (with the holiday name), a confirmed
        year, the statutory rule (with the holiday name; 补假 marked) or the weekday fallback."""
        work, provisional = self.classify(day)
        source = self.source(day)
        name = None
        if source == "chinesecalendar":
            name = chinese_calendar.get_holiday_detail(day)[1]
        elif source == "statutory_rule":
            name = statutory_rest_days(day.year)[day].label
        return {"day": day.isoformat(), "weekday": day.isoweekday(), "workday": work, "source": source,
                "holiday": name, "provisional": provisional, "warning": self.warning(day)}
