"""The dashboard at province scale (issue 7 item 4a): the figures it keeps are right.

- ``stagestatus.days`` is written when a stage is left and back-filled by migration 0007;
- the counts kept per organ (table dashboardorgan) equal a recount from the rows after every kind of change
  (a new decision, a stage left, a report filed, a catalog decision decided, the next day);
- the median days per stage kept per scope (table dashboardfigure) is shown "as of" for at most
  ``dashboard.FIGURES_FRESH_SECONDS``: within the bound it may lag, beyond it (or after the worker's refresh)
  it equals the median recomputed here from the stage rows' timestamps.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from decisions import clock
from decisions.catalog.models import CatalogItem
from decisions.deadlines import views as deadline_views
from decisions.procedure import service
from decisions.procedure.models import Decision, Evidence, StageStatus, TriggerDetermination
from decisions.reporting import dashboard
from decisions.storage.unit_of_work import UnitOfWork
from tests.helpers import Walker, set_now
from workflow import profiles
from workflow.calendar import add_months

START = datetime.fromisoformat("2026-03-02T09:00:00+08:00")


def at(t: datetime) -> None:
    set_now(t.isoformat())


def walk(w: Walker, target: str, t: datetime, step: timedelta) -> datetime:
    """Walker.walk_to, the clock moved on by `step` before each stage is left (or to where the walk moved it, if
    later: public participation is left after its comment period); returns the clock."""
    advancer = {"proposed": "organ", "party_report": "organ", "publication": "organ", "execution": "organ"}
    st = w.state()
    while st != target:
        if st != "collective_discussion":
            getattr(w, f"do_{st}")()
        t = max(t + step, clock.now())  # never back: the walk itself may have moved the clock (Art 15's period)
        at(t)
        if st == "collective_discussion":
            w.meeting()
        else:
            w.advance(advancer.get(st, "drafter"))
        st = w.state()
    return t


def reference() -> dict:
    """Every dashboard figure recounted from the rows in Python (the organ's scope is the whole deployment)."""
    today = clock.today()
    with UnitOfWork() as uow:
        s = uow.session
        ds = list(s.exec(select(Decision)))
        flagged = {t.decision_id for t in s.exec(select(TriggerDetermination)
                                                 .where(TriggerDetermination.name == "stability_risk"))
                   if t.value is True}
        evidence = list(s.exec(select(Evidence)))
        assessed = {e.decision_id for e in evidence if e.kind in dashboard.RISK_KINDS} & flagged
        overdue = 0
        for d in ds:
            if d.state != "execution":
                continue
            reports = [e.at for e in evidence if e.decision_id == d.id and e.kind == "execution_report"]
            since = date.fromisoformat((max(reports) if reports else d.state_entered_at)[:10])
            months = int(profiles.load(d.profile_name).params.get("execution_report_months", 6))
            overdue += add_months(since, months) < today
        items = list(s.exec(select(CatalogItem)))
        year = max((i.year for i in items), default=today.year)
        linked = {d.catalog_item_id for d in ds if d.catalog_item_id}
        decided = {d.catalog_item_id for d in ds if d.catalog_item_id and d.state in dashboard.DECIDED}
        late = [i for i in items if i.planned_time and i.id not in decided
                and (p := deadline_views.planned_date(i.planned_time, i.year)) and p < today]
        spans: dict[str, list[float]] = {}
        for r in s.exec(select(StageStatus).where(StageStatus.status == "done")):
            if r.entered_at and r.left_at:
                days = (datetime.fromisoformat(r.left_at) - datetime.fromisoformat(r.entered_at)).total_seconds()
                spans.setdefault(r.stage, []).append(days / 86400)
        return {"total": len(ds), "states": dict(Counter(d.state for d in ds)),
                "risk": (len(flagged), len(assessed)), "exec_overdue": overdue, "catalog_overdue": len(late),
                "catalog": (year, sum(i.year == year for i in items),
                            sum(i.year == year and i.id in linked for i in items)),
                "median": {k: (round(statistics.median(v), 1), len(v)) for k, v in spans.items()}}


def shown(user: str = "organ") -> dict:
    """A cold dashboard (the in-process cache cleared, as after any change), in the reference's shape."""
    dashboard._DASHBOARD_CACHE.clear()
    f = dashboard.dashboard(user)
    return {"total": f["total"], "states": {r["state"]: r["count"] for r in f["by_stage"] if r["count"]},
            "risk": (f["risk"]["flagged"], f["risk"]["assessed"]), "exec_overdue": f["overdue"]["execution_reports"],
            "catalog_overdue": f["overdue"]["catalog_items"],
            "catalog": (f["catalog"]["year"], f["catalog"]["items"], f["catalog"]["covered"]),
            "median": {r["state"]: (r["median_days"], r["n"]) for r in f["median_days"]},
            "as_of": f["median_days_as_of"], "listed": len(f["overdue"]["items"])}


def counts(figures: dict) -> dict:
    return {k: v for k, v in figures.items() if k not in ("median", "as_of", "listed")}


def _catalog(tmp_path) -> None:  # noqa: ANN001
    from decisions.catalog import service as catalog

    csv = tmp_path / "catalog.csv"
    csv.write_text("item_name,undertaking_unit,procedures,hearing,legal_basis,planned_time,seq\n"
                   "示例市城市更新专项规划,市发展改革委,,,,2026年6月,1\n"
                   "示例市停车设施规划,市自然资源局,,,,2026年1月,2\n", encoding="utf-8")
    catalog.import_csv("CITY", 2026, csv, published_at="2026-01-20", party_consent_at="2026-01-15")


def test_days_written_when_a_stage_is_left(org):
    w = Walker().new()
    t = walk(w, "public_participation", START, timedelta(days=2, hours=6))
    assert t == START + timedelta(days=4, hours=12)
    with UnitOfWork() as uow:
        days = {r.stage: r.days for r in uow.session.exec(select(StageStatus).where(StageStatus.decision_id == w.id))}
    assert days["proposed"] == pytest.approx(2.25) and days["drafting"] == pytest.approx(2.25)
    assert days["public_participation"] is None   # current: not left yet


def test_migration_backfills_days(org):
    """0007 down and up again: the back-filled days equal what the service wrote."""
    from alembic import command

    from decisions.storage.db import alembic_config, get_engine

    w = Walker().new()
    walk(w, "legality_review", START, timedelta(days=1, hours=3))
    with UnitOfWork() as uow:
        written = {r.stage: r.days for r in uow.session.exec(select(StageStatus)) if r.status == "done"}
    # every stage left after its step, public participation after its 30-day comment period (Art 15)
    assert len(written) >= 3 and all(v == pytest.approx(1.125) for k, v in written.items()
                                     if k != "public_participation")
    assert written["public_participation"] > 28
    engine = get_engine()
    for target in ("0007@-1", "heads"):
        with engine.begin() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            (command.downgrade if target != "heads" else command.upgrade)(cfg, target)
        engine.dispose()
    with UnitOfWork() as uow:
        again = {r.stage: r.days for r in uow.session.exec(select(StageStatus)) if r.status == "done"}
    assert again.keys() == written.keys()
    assert all(again[k] == pytest.approx(written[k], abs=1e-6) for k in written)


def test_counts_are_exact_after_every_change(org, tmp_path):
    _catalog(tmp_path)
    a = Walker()
    a.new("示例市城市更新专项规划")
    t = walk(a, "execution", START, timedelta(days=2))
    b = Walker(triggers={"stability_risk": "yes"})
    b.new()
    t = walk(b, "risk_assessment", t, timedelta(days=1))
    assert counts(shown()) == counts(reference())

    # a new decision linked to a catalog item, at the same second (a pinned clock)
    r = service.new_decision(title="示例市停车设施规划", organ="CITY", undertaker="CITY-DRC", category=2,
                             source="department", as_user="organ", catalog=2)
    assert counts(shown()) == counts(reference())
    # stages left, a risk report filed, the catalog decision decided (no longer an overdue catalog item)
    t = walk(b, "legality_review", t, timedelta(0))
    c = Walker(id=r["id"])
    t = walk(c, "party_report", t, timedelta(0))
    ref = reference()
    assert ref["risk"] == (1, 1) and ref["catalog_overdue"] == 0
    assert counts(shown()) == counts(ref)
    # the next half year: the execution report is overdue; then filed
    t += timedelta(days=250)
    at(t)
    ref = reference()
    assert ref["exec_overdue"] == 1
    assert counts(shown()) == counts(ref)
    a.ev("execution_report", user="executor", period="2026H2")
    assert counts(shown()) == counts(reference())
    ref = reference()
    assert ref["exec_overdue"] == 0 and shown()["listed"] == ref["catalog_overdue"] == 1
    # a reader of the whole deployment shares the kept rows and sees the same
    assert counts(shown("auditor")) == counts(reference())
    # half an hour later: a change moves the watermark; the unchanged organs' rows are kept again with it
    t += timedelta(minutes=30)
    at(t)
    d = Walker()
    d.new("示例市公园绿地管理办法")
    assert counts(shown()) == counts(reference())
    with UnitOfWork() as uow:
        stamps = {json.loads(st)["lo"] for st, in uow.session.exec(text("SELECT state FROM dashboardorgan"))}
    assert stamps == {(t - timedelta(seconds=dashboard.RECENT_SECONDS)).isoformat()}
    walk(d, "public_participation", t, timedelta(minutes=1))
    assert counts(shown()) == counts(reference())


def test_median_kept_within_the_bound_and_exact_beyond_it(org, monkeypatch):
    monkeypatch.setenv("JUECE_DASHBOARD_FRESH_SECONDS", "600")
    a, b = Walker(), Walker()
    a.new()
    t = walk(a, "legality_review", START, timedelta(days=3))
    b.new("示例市公共停车设施建设管理办法")
    t = walk(b, "public_participation", t, timedelta(hours=5))
    first = shown()
    ref = reference()
    assert first["median"] == ref["median"] and first["median"]["proposed"] == (1.6, 2)
    assert first["as_of"] == t.isoformat()

    # within the bound (stages left at the same clock time): the counts move at once, the median is the
    # kept one ("as of")
    walk(b, "legality_review", t, timedelta(0))
    ref2 = reference()
    assert ref2["median"] != ref["median"]
    within = shown()
    assert counts(within) == counts(ref2)
    assert within["median"] == first["median"] and within["as_of"] == t.isoformat()

    # beyond the bound: recomputed, equal to the stage rows
    t3 = t + timedelta(seconds=601)
    at(t3)
    beyond = shown()
    assert beyond["median"] == ref2["median"] and beyond["as_of"] == t3.isoformat()

    # a wrong kept figure is never shown once older than the bound
    with UnitOfWork() as uow:
        uow.session.exec(text("UPDATE dashboardfigure SET figures = :f, computed_at = :t"),
                         params={"f": '{"median_days": {"proposed": [99.0, 1]}}',
                                 "t": (t3 - timedelta(seconds=601)).isoformat()})
        uow.commit()
    assert shown()["median"] == ref2["median"]

    # the worker's refresh makes it exact at once (within the bound)
    c = Walker()
    c.new("示例市老旧小区改造三年行动计划")
    walk(c, "drafting", t3, timedelta(0))
    ref3 = reference()
    assert ref3["median"] != ref2["median"]
    assert shown()["median"] == ref2["median"]   # kept, within the bound
    from workflow import scheduler

    result = scheduler.scan_job()
    assert result.get("ran"), result
    after = shown()
    assert after["median"] == ref3["median"] and counts(after) == counts(ref3)


def test_median_without_days_falls_back_to_the_timestamps(org):
    """A done stage written without `days` (an older version; a restore) still counts, from its timestamps."""
    a = Walker().new()
    walk(a, "public_participation", START, timedelta(days=4))
    with UnitOfWork() as uow:
        uow.session.exec(text("UPDATE stagestatus SET days = NULL"))
        uow.commit()
    assert shown()["median"] == reference()["median"] == {"proposed": (4.0, 1), "drafting": (4.0, 1)}
