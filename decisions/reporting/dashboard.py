"""The dashboard's read model: counts by stage, risk-assessment rate, catalog coverage, overdue items and
median days per stage, for the organs a reader oversees.

The one read path that writes: the figures it keeps per organ and per scope (tables dashboardfigure and
dashboardorgan, caches: see ``FIGURES_FRESH_SECONDS``, ``_organ_rows``)."""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import lru_cache

from sqlalchemy import case, exists, or_, text
from sqlmodel import Session, col, func, select

from decisions import clock
from decisions.accounts.models import Office
from decisions.catalog.models import CatalogItem
from decisions.deadlines.views import iso_day, planned_date
from decisions.procedure import scope
from decisions.procedure.models import Decision, Evidence, TriggerDetermination, live_evidence
from decisions.storage.unit_of_work import UnitOfWork
from workflow import profiles
from workflow.calendar import add_months


# ----------------------------------------------------------------- dashboard
def _days_expr(dialect: str, left: str, right: str) -> str:
    if dialect == "sqlite":
        return f"(julianday({left}) - julianday({right}))"
    return f"(EXTRACT(EPOCH FROM (CAST({left} AS timestamptz) - CAST({right} AS timestamptz))) / 86400.0)"


_DASHBOARD_CACHE: dict[tuple, dict] = {}


log = logging.getLogger("juece.workbench")


# ----- slow-moving figures, kept per scope (table dashboardfigure, migration 0007)
FIGURES_FRESH_SECONDS = 15 * 60
"""How old the kept median days per stage may be when the dashboard shows them (JUECE_DASHBOARD_FRESH_SECONDS).

Why kept rather than computed on each visit: the median of every done stage's duration is a sort of all of
them — ~770,000 rows for a province of 100,000 decisions, about a second even with the numeric
``stagestatus.days`` column — and no aggregate kept in the write transaction gives an exact median (it is not
decomposable: a province's median is not made from its cities'). It moves slowly (one more stage among tens
of thousands), so the dashboard shows it "as of" the time it was computed: the worker refreshes every kept
scope after each scan (workflow.scheduler.scan_job, every 5 minutes), and a visit that finds the figure
missing or older than this bound (or computed at a clock time after now) computes it and keeps it. Everything
else on the dashboard (counts by stage, risk-assessment rate, catalog coverage, overdue items) is exact on each
cold visit: sums of counts kept per organ, those of the organs changed since recomputed (``_organ_rows``)."""


def _fresh_seconds() -> float:
    try:
        return float(os.environ.get("JUECE_DASHBOARD_FRESH_SECONDS", FIGURES_FRESH_SECONDS))
    except ValueError:
        return FIGURES_FRESH_SECONDS


def _scope_key(organ_ids: list[int] | None) -> tuple[str, str]:
    """(primary key, organ list) of a reader's overview scope in dashboardfigure; '*' is every organ."""
    organs = "*" if organ_ids is None else ",".join(str(int(i)) for i in organ_ids)
    return (organs if len(organs) <= 64 else hashlib.sha256(organs.encode()).hexdigest()), organs


def _median_days(s: Session, organ_ids: list[int] | None) -> dict[str, list]:
    """{stage: [median days, n]} over the done stages of the scope's decisions (the figure kept per scope).

    ``stagestatus.days`` is written when a stage is left (service.enter_stage/pause; back-filled by migration
    0007); a row without it (written by an older version) falls back to the two timestamps."""
    dialect = s.get_bind().dialect.name
    days = f"COALESCE(ss.days, {_days_expr(dialect, 'ss.left_at', 'ss.entered_at')})"
    join, scope_sql = "", ""
    if organ_ids is not None:
        join = "JOIN decision d ON d.id = ss.decision_id"
        scope_sql = f"AND d.organ_id IN ({','.join(str(int(i)) for i in organ_ids) or 'NULL'})"
    done = f"ss.status = 'done' AND ss.left_at != '' AND ss.entered_at != '' {scope_sql}"
    if dialect == "postgresql":
        sql = text(f"""SELECT ss.stage, percentile_cont(0.5) WITHIN GROUP (ORDER BY {days}), COUNT(*)
                       FROM stagestatus ss {join} WHERE {done} GROUP BY ss.stage""")
    else:  # row_number over each stage's durations: the middle one or the mean of the middle two
        sql = text(f"""
            WITH durations AS (SELECT ss.stage AS stage, {days} AS days FROM stagestatus ss {join} WHERE {done}),
            ranked AS (
              SELECT stage, days, ROW_NUMBER() OVER (PARTITION BY stage ORDER BY days) AS rn,
                     COUNT(*) OVER (PARTITION BY stage) AS n
              FROM durations
            )
            SELECT stage, AVG(days) AS median, MAX(n) AS n FROM ranked
            WHERE rn IN ((n + 1) / 2, (n + 2) / 2) GROUP BY stage""")
    return {r[0]: [float(r[1]), int(r[2])] for r in s.exec(sql).all()}  # type: ignore[call-overload]


def _kept_figures(s: Session, organ_ids: list[int] | None) -> tuple[dict, str, bool]:
    """(figures, computed at, computed now?) of the scope: the kept row when fresh, else computed here."""
    key, _organs = _scope_key(organ_ids)
    now = clock.now()
    try:
        row = s.exec(text("SELECT computed_at, figures FROM dashboardfigure WHERE scope = :k")  # type: ignore[call-overload]
                     .bindparams(k=key)).first()
    except Exception:  # noqa: BLE001 - a schema before 0007: compute every time
        s.rollback()
        row = None
    if row is not None:
        try:
            age = (now - datetime.fromisoformat(row[0])).total_seconds()
        except (ValueError, TypeError):
            age = -1.0
        if 0 <= age <= _fresh_seconds():
            return json.loads(row[1]), row[0], False
    return {"median_days": _median_days(s, organ_ids)}, now.isoformat(timespec="seconds"), True


def _keep_figures(organ_ids: list[int] | None, figures: dict, computed_at: str) -> None:
    """Keep a scope's figures (upsert; own transaction, after the reading one ended). A cache: a failure is
    logged and the next visit computes again."""
    from decisions.storage.db import get_engine

    key, organs = _scope_key(organ_ids)
    try:
        with get_engine().begin() as conn:
            conn.execute(text("""INSERT INTO dashboardfigure (scope, organs, computed_at, figures)
                                 VALUES (:k, :o, :t, :f)
                                 ON CONFLICT (scope) DO UPDATE SET organs = excluded.organs,
                                   computed_at = excluded.computed_at, figures = excluded.figures"""),
                         {"k": key, "o": organs, "t": computed_at, "f": json.dumps(figures)})
    except Exception:  # noqa: BLE001 - a cache write must never fail the read
        log.warning("could not keep the dashboard figures of scope %s", key, exc_info=True)


def refresh_dashboard_figures() -> int:
    """Recompute the kept figures of every scope a dashboard has been opened for, and then every organ's
    counts (the worker, after each scan). Returns how many scopes were refreshed."""
    with UnitOfWork() as uow:
        s = uow.session
        try:
            scopes = [r[0] for r in s.exec(text("SELECT organs FROM dashboardfigure"))]  # type: ignore[call-overload]
        except Exception:  # noqa: BLE001 - a schema before 0007
            return 0
        fresh = []
        for organs in scopes:
            organ_ids = None if organs == "*" else [int(i) for i in organs.split(",") if i]
            at = clock.now().isoformat(timespec="seconds")  # as of the start of the computation
            fresh.append((organ_ids, {"median_days": _median_days(s, organ_ids)}, at))
    for organ_ids, figures, at in fresh:
        _keep_figures(organ_ids, figures, at)
    if fresh:
        refresh_organ_rows()
    return len(fresh)


def dashboard(username: str, *, year: int | None = None, lang: str = "zh") -> dict:
    """Figures for the organ's overview: decisions by stage, overdue items, median days per stage,
    the risk-assessment rate of decisions flagged stability_risk, and catalog coverage.

    The figures are aggregates over every decision in scope; they are recomputed only when something
    they depend on changed: every change to a decision bumps its indexed `updated_at` (service.touch),
    catalog rows only grow, and overdue items depend on the day. The key costs two index look-ups.
    A cold visit reads the counts from the kept per-organ figures, recomputing only the organs changed
    since they were kept (``_organ_rows``), and the median days per stage "as of" (``FIGURES_FRESH_SECONDS``)."""
    today = clock.today()
    with UnitOfWork() as uow:
        s = uow.session
        r = scope.reader(s, username)
        organs = scope.overview_organs(r)
        if organs is not None and _covers_all(s, organs, r.tree.parent.keys()):
            organs = None  # every decision and catalog item (the province organ): plans need not test organ_id
        organ_ids = None if organs is None else sorted(organs)
        key = (str(s.get_bind().url), None if organ_ids is None else tuple(organ_ids), year, lang, today.isoformat(),
               s.exec(select(func.max(Decision.updated_at))).one(), s.exec(select(func.max(Decision.id))).one(),
               s.exec(select(func.max(CatalogItem.id))).one())
        cached = _DASHBOARD_CACHE.get(key)
        if cached is not None:
            return cached
        offices = sorted(r.tree.parent) if organ_ids is None else organ_ids
        result = _dashboard(s, organ_ids, offices, year, lang, today)
        kept, organ_rows = result.pop("_kept"), result.pop("_organ_rows")
    # computed in this visit: keep it for the next ones (own transactions, after the reading one)
    if kept is not None:
        _keep_figures(organ_ids, *kept)
    if organ_rows:
        _keep_organ_rows(organ_rows)
    if len(_DASHBOARD_CACHE) > 64:
        _DASHBOARD_CACHE.clear()
    _DASHBOARD_CACHE[key] = result
    return result


def _covers_all(s: Session, organs: frozenset[int], offices: Iterable[int]) -> bool:
    """Does a scope of organs hold every decision and catalog item? (It lacks only a few offices, none of
    which is the organ of a decision or has a catalog: e.g. the province's expert pool, a root of its own.)"""
    missing = sorted(set(offices) - organs)
    if len(missing) > 20:
        return False
    if not missing:
        return True
    return s.exec(select(Decision.id).where(col(Decision.organ_id).in_(missing)).limit(1)).first() is None and \
        s.exec(select(CatalogItem.id).where(col(CatalogItem.organ_id).in_(missing)).limit(1)).first() is None


# ----- counts kept per organ (table dashboardorgan, migration 0007), exact
DECIDED = ("party_report", "publication", "execution", "closed", "excluded", "rejected", "withdrawn")


RISK_KINDS = ("risk_report", "prior_risk_assessment")


RECENT_SECONDS = 120


RESTAMP_SECONDS = 600
"""Decisions changed this long before a kept row's watermark are recorded with their version in the row: a
transaction that stamped ``updated_at`` before the watermark was read but committed after it is still seen."""


@lru_cache(maxsize=4096)
def _planned(planned_time: str, year: int) -> date | None:
    return planned_date(planned_time, year)


def _report_months() -> dict[str, int]:
    return {p: int(profiles.load(p).params.get("execution_report_months", 6)) for p in profiles.available()}


def _report_due(last: str | None, entered: str, months: int) -> date | None:
    """When the next execution report (Art 34) is due: the cadence after the newest report or the entry."""
    since = iso_day(last or entered)
    return None if since is None else add_months(since, months)


def _organ_figures(s: Session, organ_ids: list[int] | None, today: date) -> dict[int, dict]:
    """The additive figures of each organ (None: of every organ), as the dashboard sums them for a scope:
    decisions by state; stability_risk flagged and assessed; overdue execution reports; catalog items and
    covered items by year; catalog items past their planned time. Catalog figures belong to the item's organ."""
    out: dict[int, dict] = {}

    def of(o: int) -> dict:
        return out.setdefault(o, {"states": {}, "flagged": 0, "assessed": 0, "exec_overdue": 0, "catalog": {},
                                  "catalog_overdue": 0})

    in_d = None if organ_ids is None else col(Decision.organ_id).in_(organ_ids)
    in_c = None if organ_ids is None else col(CatalogItem.organ_id).in_(organ_ids)

    def d_scoped(q):  # noqa: ANN001, ANN202
        return q if in_d is None else q.where(in_d)

    def c_scoped(q):  # noqa: ANN001, ANN202
        return q if in_c is None else q.where(in_c)

    for o, state, n in s.exec(d_scoped(select(Decision.organ_id, Decision.state, func.count()))
                              .group_by(Decision.organ_id, Decision.state)):
        of(o)["states"][state] = n
    # one EXISTS per kind: each an index probe of evidence (kind, decision_id, at), and one of evidence_void
    assessed = or_(*(exists().where(Evidence.kind == k, Evidence.decision_id == Decision.id, live_evidence())
                     for k in RISK_KINDS))
    for o, n, a in s.exec(d_scoped(select(Decision.organ_id, func.count(), func.sum(case((assessed, 1), else_=0)))
                                   .join(TriggerDetermination, TriggerDetermination.decision_id == Decision.id)
                                   .where(TriggerDetermination.name == "stability_risk",
                                          TriggerDetermination.value == True))  # noqa: E712
                          .group_by(Decision.organ_id)):
        of(o)["flagged"], of(o)["assessed"] = n, int(a or 0)
    months = _report_months()
    last = select(func.max(Evidence.at)).where(Evidence.kind == "execution_report", Evidence.decision_id == Decision.id,
                                               live_evidence()).scalar_subquery()
    for o, pname, entered, newest in s.exec(d_scoped(select(Decision.organ_id, Decision.profile_name,
                                                            Decision.state_entered_at, last)
                                                     .where(Decision.state == "execution"))):
        due = _report_due(newest, entered, months.get(pname, 6))
        if due is not None and due < today:
            of(o)["exec_overdue"] += 1
    for o, y, n in s.exec(c_scoped(select(CatalogItem.organ_id, CatalogItem.year, func.count()))
                          .group_by(CatalogItem.organ_id, CatalogItem.year)):
        of(o)["catalog"][str(y)] = [n, 0]
    for o, y, n in s.exec(c_scoped(select(CatalogItem.organ_id, CatalogItem.year,
                                          func.count(func.distinct(Decision.catalog_item_id)))
                                   .join(CatalogItem, CatalogItem.id == Decision.catalog_item_id))
                          .group_by(CatalogItem.organ_id, CatalogItem.year)):
        of(o)["catalog"].setdefault(str(y), [0, 0])[1] = n
    done = exists().where(Decision.catalog_item_id == CatalogItem.id, col(Decision.state).in_(DECIDED))
    for o, y, planned in s.exec(c_scoped(select(CatalogItem.organ_id, CatalogItem.year, CatalogItem.planned_time)
                                         .where(CatalogItem.planned_time != "", ~done))):
        due = _planned(planned, y)
        if due is not None and due < today:
            of(o)["catalog_overdue"] += 1
    return out


def _watermark(s: Session) -> dict:
    """What a kept row was computed after: the newest `updated_at`, the decisions changed shortly before it
    with their version, the newest catalog item."""
    w = s.exec(select(func.max(Decision.updated_at))).one() or ""
    try:
        lo = (datetime.fromisoformat(w) - timedelta(seconds=RECENT_SECONDS)).isoformat(timespec="seconds")
    except ValueError:
        lo = w
    recent = s.exec(select(Decision.id, Decision.version).where(Decision.updated_at >= lo).limit(1001)).all()
    return {"lo": lo, "recent": {str(i): v for i, v in recent} if len(recent) <= 1000 else None,
            "cat": s.exec(select(func.max(CatalogItem.id))).one() or 0}


def _organ_rows(s: Session, offices: list[int], whole: bool, today: date) -> tuple[dict[int, dict], dict[int, dict]]:
    """(figures of each office in scope, rows to keep). Kept rows of today are used unless a decision of the
    organ (or linked to one of its catalog items) changed since — `updated_at` at or after the row's `lo`
    with a version the row did not record — or it has a newer catalog item; those organs are computed here.

    Exact, not "as of": every change to a decision bumps its `updated_at` (service.touch) and version, and
    catalog items are only ever added (the same facts the in-process cache key relies on)."""
    try:
        q = text("SELECT organ_id, day, state FROM dashboardorgan")
        if not whole:
            q = text("SELECT organ_id, day, state FROM dashboardorgan WHERE organ_id IN "
                     f"({','.join(str(int(o)) for o in offices) or 'NULL'})")
        kept = {o: json.loads(st) for o, day, st in s.exec(q) if day == today.isoformat()}  # type: ignore[call-overload]
    except Exception:  # noqa: BLE001 - a schema before 0007: compute every time
        s.rollback()
        return _organ_figures(s, None if whole else offices, today), {}
    scope_set = set(offices)
    now = clock.now().isoformat(timespec="seconds")
    dirty = {o for o in offices if o not in kept or kept[o]["lo"] > now}  # kept "after" now: the clock went back
    valid = {o: k for o, k in kept.items() if o in scope_set and o not in dirty}
    # rows kept long before the newest change and unchanged since are kept again with the current watermark,
    # read before looking for changes (so none committed in between is missed): without a worker the look-up
    # below stays short
    w = s.exec(select(func.max(Decision.updated_at))).one() or ""
    try:
        old = (datetime.fromisoformat(w) - timedelta(seconds=RESTAMP_SECONDS)).isoformat(timespec="seconds")
    except ValueError:
        old = ""
    mark = _watermark(s) if any(k["lo"] < old for k in valid.values()) else None
    if valid:
        lo = min(k["lo"] for k in valid.values())
        changed = s.exec(select(Decision.id, Decision.version, Decision.updated_at, Decision.organ_id,
                                CatalogItem.organ_id)
                         .outerjoin(CatalogItem, CatalogItem.id == Decision.catalog_item_id)
                         .where(Decision.updated_at >= lo)).all()
        for did, version, updated, *organs_of in changed:
            for o in organs_of:
                k = valid.get(o)
                if k is not None and o not in dirty and updated >= k["lo"] and \
                        (k["recent"] is None or k["recent"].get(str(did)) != version):
                    dirty.add(o)
        cat = min(k["cat"] for k in valid.values())
        for iid, o in s.exec(select(CatalogItem.id, CatalogItem.organ_id).where(CatalogItem.id > cat)):
            if o in valid and iid > valid[o]["cat"]:
                dirty.add(o)
    figures = {o: k["f"] for o, k in valid.items() if o not in dirty}
    store: dict[int, dict] = {}
    if mark is not None:
        for o, k in valid.items():
            if o not in dirty and k["lo"] < old:
                store[o] = {"day": today.isoformat(), "state": {**mark, "f": k["f"]}}
    if dirty:
        mark = mark or _watermark(s)  # before the figures: a change committed in between is seen as a change
        fresh = _organ_figures(s, None if whole and len(dirty) > len(offices) // 2 else sorted(dirty), today)
        for o in dirty:
            figures[o] = fresh.get(o, {})
            store[o] = {"day": today.isoformat(), "state": {**mark, "f": figures[o]}}
    return figures, store


def _keep_organ_rows(rows: dict[int, dict]) -> None:
    """Upsert kept per-organ rows (own transaction). A cache: a failure is logged, the next visit computes."""
    from decisions.storage.db import get_engine

    try:
        with get_engine().begin() as conn:
            conn.execute(text("""INSERT INTO dashboardorgan (organ_id, day, state) VALUES (:o, :d, :s)
                                 ON CONFLICT (organ_id) DO UPDATE SET day = excluded.day, state = excluded.state"""),
                         [{"o": o, "d": r["day"], "s": json.dumps(r["state"])} for o, r in rows.items()])
    except Exception:  # noqa: BLE001 - a cache write must never fail the read
        log.warning("could not keep the dashboard's per-organ figures", exc_info=True)


def refresh_organ_rows() -> int:
    """Recompute the kept per-organ figures of every office (the worker, after each scan)."""
    today = clock.today()
    with UnitOfWork() as uow:
        s = uow.session
        offices = [o for o in s.exec(select(Office.id))]
        mark = _watermark(s)
        fresh = _organ_figures(s, None, today)
    _keep_organ_rows({o: {"day": today.isoformat(), "state": {**mark, "f": fresh.get(o, {})}} for o in offices if o})
    return len(offices)


def _dashboard(s: Session, organ_ids: list[int] | None, offices: list[int], year: int | None, lang: str,
               today: date) -> dict:
    per_organ, organ_rows = _organ_rows(s, offices, organ_ids is None, today)
    figs = [f for f in per_organ.values() if f]
    by_state: dict[str, int] = {}
    catalog: dict[int, list[int]] = {}
    for f in figs:
        for k, n in f["states"].items():
            by_state[k] = by_state.get(k, 0) + n
        for y, (n_items, n_cov) in f["catalog"].items():
            c = catalog.setdefault(int(y), [0, 0])
            c[0], c[1] = c[0] + n_items, c[1] + n_cov
    total = sum(by_state.values())
    names = {}
    for pname in profiles.available():
        p = profiles.load(pname)
        names.update({k: getattr(st, f"name_{lang}") for k, st in p.stages.items()})
    stage_order = profiles.load("state-council-2019").stage_order
    states = [*stage_order, *profiles.SIDE_STATES]
    by_stage = [{"state": k, "name": names.get(k, k), "count": by_state.get(k, 0)} for k in states
                if by_state.get(k) or k in stage_order]

    # median days per stage (done stages): kept per scope, at most FIGURES_FRESH_SECONDS old ("as of")
    kept, as_of, computed = _kept_figures(s, organ_ids)
    med = kept["median_days"]
    median_days = [{"state": k, "name": names.get(k, k), "median_days": round(med[k][0], 1), "n": med[k][1]}
                   for k in stage_order if k in med]

    # risk-assessment rate: decisions determined stability_risk=yes that have an assessment on record
    n_flagged = sum(f["flagged"] for f in figs)
    n_assessed = sum(f["assessed"] for f in figs)

    # catalog coverage: items of the year with a decision linked to them
    cat_year = year or (max(catalog) if catalog else today.year)
    n_items, n_covered = catalog.get(cat_year, [0, 0])

    overdue = _overdue(s, organ_ids, today, lang, sum(f["exec_overdue"] for f in figs),
                       sum(f["catalog_overdue"] for f in figs))
    return {
        "total": total, "by_stage": by_stage, "median_days": median_days, "median_days_as_of": as_of,
        "risk": {"flagged": n_flagged, "assessed": n_assessed,
                 "rate": (n_assessed / n_flagged) if n_flagged else None},
        "catalog": {"year": cat_year, "years": sorted(catalog), "items": n_items, "covered": n_covered,
                    "rate": (n_covered / n_items) if n_items else None},
        "overdue": overdue,
        "_kept": (kept, as_of) if computed and total else None, "_organ_rows": organ_rows if total else {},
    }


def _overdue(s: Session, organ_ids: list[int] | None, today: date, lang: str, n_exec: int, n_cat: int,
             limit: int = 50) -> dict:
    """Execution reports past their cadence (Art 34) and catalog items past their planned time: the counts
    (from the per-organ figures) and the first `limit` items — reports of the decisions longest in execution
    first, then catalog items in id order — read here from the rows, stopping as soon as the list is full."""
    items: list[dict] = []
    months = _report_months()
    # oldest in execution first (index decision (state, state_entered_at, id), migration 0007), streamed: the
    # newest report of a decision is looked up only for the rows read before the list is full
    last = select(func.max(Evidence.at)).where(Evidence.kind == "execution_report", Evidence.decision_id == Decision.id,
                                               live_evidence()).scalar_subquery()
    q = select(Decision.id, Decision.code, Decision.title, Decision.profile_name, Decision.state_entered_at, last) \
        .where(Decision.state == "execution")
    if organ_ids is not None:
        q = q.where(col(Decision.organ_id).in_(organ_ids))
    if n_exec:
        rows = s.exec(q.order_by(col(Decision.state_entered_at), col(Decision.id))
                      .execution_options(yield_per=4 * limit))
        for did, code, title, pname, entered, newest in rows:
            due = _report_due(newest, entered, months.get(pname, 6))
            if due is not None and due < today:
                items.append({"id": did, "code": code, "title": title,
                              "what": "执行情况报告逾期" if lang == "zh" else "execution report overdue",
                              "due": due.isoformat(), "article": "Art 34"})
                if len(items) >= limit:
                    break
        rows.close()
    # catalog items: planned time passed and no decision of the item decided yet (or none started at all)
    done = exists().where(Decision.catalog_item_id == CatalogItem.id, col(Decision.state).in_(DECIDED))
    cq = select(CatalogItem.id, CatalogItem.item_name, CatalogItem.year, CatalogItem.planned_time) \
        .where(CatalogItem.planned_time != "", ~done)
    if organ_ids is not None:
        cq = cq.where(col(CatalogItem.organ_id).in_(organ_ids))
    after = 0
    while n_cat and len(items) < limit:
        rows = s.exec(cq.where(CatalogItem.id > after).order_by(col(CatalogItem.id)).limit(4 * limit)).all()
        for _iid, name, y, planned in rows:
            due = _planned(planned, y)
            if due and due < today and len(items) < limit:
                items.append({"id": None, "code": "", "title": name,
                              "what": "目录事项逾期未决策" if lang == "zh" else "catalog item past its planned time",
                              "due": due.isoformat(), "article": "Art 3¶3"})
        if len(rows) < 4 * limit:
            break
        after = rows[-1][0]
    return {"execution_reports": n_exec, "catalog_items": n_cat, "total": n_exec + n_cat, "items": items}
