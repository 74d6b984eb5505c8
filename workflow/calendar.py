"""Working days on the Chinese calendar: statutory holidays and adjusted workdays (调休).

The maintained `chinesecalendar` package knows each year once the State Council publishes it; for
a year it does not know yet, Monday–Friday is used plus the admin-maintained override table, and the
result is flagged provisional. Profile-level additions (local holidays or workdays) apply on top.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

import chinese_calendar


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
        try:
            return chinese_calendar.is_workday(day), False
        except NotImplementedError:  # year not published yet: Mon–Fri, provisional
            return day.weekday() < 5, True

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
