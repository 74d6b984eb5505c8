"""The working-day calendar as the deployment keeps it: checking a day, adding working days, and the admin's
overrides for years the holiday package does not know yet (procedure.md §4, Art 26¶2)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlmodel import Session, col, select

from decisions import clock
from decisions.accounts.service import operator_of
from decisions.errors import BadInput, NotFound
from decisions.procedure.models import CalendarOverride, CalendarYear
from decisions.procedure.service import calendar_for, now_iso
from decisions.records import audit
from decisions.storage.unit_of_work import UnitOfWork
from workflow import profiles
from workflow.calendar import WorkCalendar, coverage_warning, package_covers


# ----------------------------------------------------------------- calendar administration
def _calendar(s: Session, profile_name: str | None) -> WorkCalendar:
    profile = profiles.load(profile_name or "state-council-2019")
    return calendar_for(s, profile)


def check_day(day: str, profile: str | None = None) -> dict:
    d = clock.parse_date(day, "DAY")
    with UnitOfWork() as uow:
        try:
            return _calendar(uow.session, profile).explain(d)
        except profiles.ProfileError as exc:
            raise BadInput(str(exc)) from None


def add_days(start: str, n: int, profile: str | None = None) -> dict:
    """The n-th working day after (or, n < 0, before) `start`."""
    d = clock.parse_date(start, "START")
    with UnitOfWork() as uow:
        try:
            cal = _calendar(uow.session, profile)
        except profiles.ProfileError as exc:
            raise BadInput(str(exc)) from None
        day, prov = cal.add_workdays(d, n) if n >= 0 else cal.sub_workdays(d, -n)
        return {"start": d.isoformat(), "working_days": n, "day": day.isoformat(), "provisional": prov,
                "warning": cal.warning(d, day)}


def set_override(day: str, workday: bool, note: str = "", as_user: str | None = None) -> dict:
    """Admin: declare a day a working day or a rest day (e.g. a year the package does not know yet)."""
    d = clock.parse_date(day, "DAY")
    with UnitOfWork() as uow:
        s = uow.session
        who, role, office = operator_of(s, as_user)
        row = s.get(CalendarOverride, d.isoformat())
        if row is None:
            s.add(CalendarOverride(day=d.isoformat(), is_workday=workday, note=note.strip()))
        else:
            row.is_workday, row.note = workday, note.strip()
        audit.record(s, decision_id=None, actor=who, role=role, office=office, action="calendar_override",
                     detail={"day": d.isoformat(), "workday": workday, "note": note.strip()})
        uow.commit()
        return {"day": d.isoformat(), "workday": workday, "note": note.strip(),
                "warning": calendar_for(s, profiles.load("state-council-2019")).warning(d)}


def remove_override(day: str, as_user: str | None = None) -> dict:
    d = clock.parse_date(day, "DAY")
    with UnitOfWork() as uow:
        s = uow.session
        who, role, office = operator_of(s, as_user)
        row = s.get(CalendarOverride, d.isoformat())
        if row is None:
            raise NotFound(f"没有该日的调整记录 / no override for {d}")
        s.delete(row)
        audit.record(s, decision_id=None, actor=who, role=role, office=office, action="calendar_override_removed",
                     detail={"day": d.isoformat()})
        uow.commit()
        return {"day": d.isoformat(), "removed": True}


WORK_WORDS = {"1": True, "yes": True, "workday": True, "work": True, "上班": True, "工作日": True,
              "0": False, "no": False, "rest": False, "holiday": False, "休息": False, "休息日": False, "放假": False}


def import_overrides(path: Path, as_user: str | None = None) -> dict:
    """Load a year's holiday table (CSV: day, workday[, note]) into the override table, all rows or none.

    Meant for a year the package does not cover yet (the State Council publishes it in November); for a
    covered year the table is still loaded, with a warning that it overrides the package.
    """
    import csv

    try:
        with path.open(encoding="utf-8") as fh:
            rows = [r for r in csv.reader(fh) if r and not r[0].startswith("#")]
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"{path}: 无法读取 / cannot read: {exc}") from None
    if rows and rows[0][0].strip().lower() in ("day", "date", "日期"):
        rows = rows[1:]
    if not rows:
        raise BadInput(f"{path}: 没有数据行 / no rows (expected: day,workday[,note])")
    parsed: list[tuple[date, bool, str]] = []
    for i, r in enumerate(rows, start=1):
        if len(r) < 2:
            raise BadInput(f"{path}: 第{i}行应为 day,workday[,note] / row {i}: expected day,workday[,note]")
        day = clock.parse_date(r[0], f"{path.name} row {i}")
        flag = WORK_WORDS.get(r[1].strip().lower())
        if flag is None:
            raise BadInput(f"{path.name} 第{i}行：{r[1]!r} 应为 workday/rest（1/0）/ row {i}: workday must be 1 or 0")
        parsed.append((day, flag, r[2].strip() if len(r) > 2 else ""))
    years = sorted({d.year for d, _, _ in parsed})
    with UnitOfWork() as uow:
        s = uow.session
        who, role, office = operator_of(s, as_user)
        for day, flag, note in parsed:
            row = s.get(CalendarOverride, day.isoformat())
            if row is None:
                s.add(CalendarOverride(day=day.isoformat(), is_workday=flag, note=note))
            else:
                row.is_workday, row.note = flag, note
        audit.record(s, decision_id=None, actor=who, role=role, office=office, action="calendar_import",
                     detail={"file": path.name, "rows": len(parsed), "years": years})
        uow.commit()
    covered = [y for y in years if package_covers(y)]
    warning = coverage_warning(*(date(y, 6, 1) for y in years))
    if covered:
        warning = (warning + "\n" if warning else "") + (
            f"注意：chinesecalendar 已收录 {'、'.join(map(str, covered))} 年，导入的调整优先于软件包 / "
            "note: the package covers these years; the imported rows override it")
    return {"file": path.name, "rows": len(parsed), "years": years, "warning": warning}


def list_overrides(year: int | None = None) -> list[dict]:
    with UnitOfWork() as uow:
        q = select(CalendarOverride).order_by(col(CalendarOverride.day))
        if year:
            q = q.where(col(CalendarOverride.day).startswith(f"{year}-"))
        confirmed = set(uow.session.exec(select(CalendarYear.year)).all())
        return [{"day": o.day, "workday": o.is_workday, "note": o.note, "confirmed": int(o.day[:4]) in confirmed}
                for o in uow.session.exec(q)]


def confirm_year(year: int, *, notice_ref: str, as_user: str | None = None) -> dict:
    """Admin: the State Council's notice for `year` is loaded (``calendar import``): the year's working days are
    the package's and the overrides only, no longer provisional (procedure.md §8). Refused while no override
    of that year is loaded (a year the package lacks would otherwise count every weekday as a working day)."""
    notice_ref = notice_ref.strip()
    if not notice_ref:
        raise BadInput("--notice-ref 不能为空：请填写国务院办公厅通知文号 / the notice's reference is required")
    if not 2000 <= year <= 2200:
        raise BadInput(f"YEAR {year!r} 无效 / invalid year")
    with UnitOfWork() as uow:
        s = uow.session
        who, role, office = operator_of(s, as_user)
        rows = len(s.exec(select(CalendarOverride.day).where(col(CalendarOverride.day).startswith(f"{year}-"))).all())
        if rows == 0 and not package_covers(year):
            raise BadInput(f"{year} 年尚未导入国务院节假日通知（juece calendar import）/ import the notice of {year} "
                           "first (juece calendar import)")
        row = s.get(CalendarYear, year)
        stamp = now_iso()
        if row is None:
            s.add(CalendarYear(year=year, confirmed_at=stamp, confirmed_by=who, notice_ref=notice_ref,
                               rows_imported=rows))
        else:
            row.confirmed_at, row.confirmed_by, row.notice_ref, row.rows_imported = stamp, who, notice_ref, rows
        audit.record(s, decision_id=None, actor=who, role=role, office=office, action="calendar_year_confirmed",
                     detail={"year": year, "notice_ref": notice_ref, "rows": rows})
        uow.commit()
        return {"year": year, "confirmed": True, "notice_ref": notice_ref, "rows": rows, "by": who}


def unconfirm_year(year: int, *, as_user: str | None = None) -> dict:
    """Admin: take a confirmation back (the year is provisional again)."""
    with UnitOfWork() as uow:
        s = uow.session
        who, role, office = operator_of(s, as_user)
        row = s.get(CalendarYear, year)
        if row is None:
            raise NotFound(f"{year} 年未确认 / year {year} is not confirmed")
        s.delete(row)
        audit.record(s, decision_id=None, actor=who, role=role, office=office, action="calendar_year_unconfirmed",
                     detail={"year": year})
        uow.commit()
        return {"year": year, "confirmed": False}


def confirmed_years() -> set[int]:
    with UnitOfWork() as uow:
        return set(uow.session.exec(select(CalendarYear.year)).all())
