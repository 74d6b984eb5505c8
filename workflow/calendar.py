"""Working days on the Chinese calendar: statutory holidays and adjusted workdays (调休).

The maintained `chinesecalendar` package knows each year once the State Council publishes it; for
a year it does not know yet, Monday–Friday is used plus the admin-maintained override table, and the
result is flagged provisional. Profile-level additions (local holidays or workdays) apply on top.
"""

from __future__ import annotations

import calendar as _stdcal
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar


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


def coverage_warning(*days: date) -> str:
    """A clear warning for the years among `days` that the package does not cover, or ''."""
    missing = sorted({d.year for d in days if not package_covers(d.year)})
    if not missing:
        return ""
    years = "、".join(str(y) for y in missing)
    return (f"警告：节假日软件包 chinesecalendar 尚未收录 {years} 年的节假日安排，按周一至周五及管理员维护的调整表计算，"
            f"结果为暂定 / warning: chinesecalendar has no holiday schedule for {years}; working days are computed "
            "Monday–Friday plus the admin override table and are provisional")


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

    @classmethod
    def build(cls, holidays: Iterable[str] = (), workdays: Iterable[str] = (),
              overrides: Mapping[date, bool] | None = None) -> WorkCalendar:
        return cls(frozenset(date.fromisoformat(d) for d in holidays),
                   frozenset(date.fromisoformat(d) for d in workdays), dict(overrides or {}))

    def is_workday(self, day: date) -> bool:
        return self.classify(day)[0]

    def classify(self, day: date) -> tuple[bool, bool]:
        """(is_workday, provisional). Overrides and profile additions win over the package."""
        if day in self.overrides:
            return self.overrides[day], False
        if day in self.extra_holidays:
            return False, False
        if day in self.extra_workdays:
            return True, False
        known = _package_workday(day)
        if known is None:  # year not published yet: Mon–Fri, provisional
            return day.weekday() < 5, True
        return known, False

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

    def explain(self, day: date) -> dict:
        """Why `day` is or is not a working day: override, profile, package (with the holiday name) or fallback."""
        work, provisional = self.classify(day)
        if day in self.overrides:
            source = "override"
        elif day in self.extra_holidays or day in self.extra_workdays:
            source = "profile"
        elif provisional:
            source = "weekday_fallback"
        else:
            source = "chinesecalendar"
        name = None
        if source == "chinesecalendar":
            name = chinese_calendar.get_holiday_detail(day)[1]
        return {"day": day.isoformat(), "weekday": day.isoweekday(), "workday": work, "source": source,
                "holiday": name, "provisional": provisional, "warning": coverage_warning(day)}
