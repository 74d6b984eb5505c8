"""`juece report --year Y`: the yearly figures the provincial plans measure (Art 9: evaluation of the organ).

Decisions of a year are those registered in it. Figures: catalog coverage (decisions linked to a
catalog item / all), risk-assessment rate of the decisions determined `stability_risk` (target 100%),
legality reviews that got their full working-day window before the meeting, median days per stage,
execution reports, the after-decision events, and the overdue and stale lists at the report's date
(computed from the same time rules the worker fires, so the report does not depend on a worker run).
"""

from __future__ import annotations

from datetime import date
from statistics import median

from sqlmodel import Session, col, select

from decisions import clock
from decisions.accounts.models import Office
from decisions.accounts.service import office_by_code
from decisions.aftercare.models import PostEvaluation, PublicFeedback
from decisions.catalog.models import CatalogItem, CatalogVersion
from decisions.catalog.service import compare_in
from decisions.deadlines.rules import TERMINAL, specs_for_catalog_item, specs_for_decision
from decisions.procedure import scope
from decisions.procedure.models import Decision, Evidence, Meeting, StageStatus, live_evidence
from decisions.procedure.service import calendar_for, profile_of
from decisions.records.models import AuditEvent
from decisions.storage.unit_of_work import UnitOfWork


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10])
    except (ValueError, TypeError):
        return None


def yearly(year: int, organ: str | None = None, *, as_user: str | None = None) -> dict:
    """The figures of `year` (for `organ`'s subtree, or everything). `as_user`: only the organs that user
    oversees (decisions.procedure.scope, as the dashboard); NotPermitted (exit 4) for an organ outside them."""
    with UnitOfWork() as uow:
        s = uow.session
        organ_ids = None
        if as_user is not None:
            organ_ids = scope.organ_ids_for_report(s, scope.reader(s, as_user), organ)
        elif organ:
            organ_ids = scope.OfficeTree.load(s).subtree(office_by_code(s, organ).id or 0)
        result = _yearly(s, year, organ, organ_ids)
        if as_user is not None:
            result["as_user"] = as_user
        return result


def _yearly(s: Session, year: int, organ: str | None, organ_ids: frozenset[int] | None) -> dict:
    today = clock.today()
    q = select(Decision).where(col(Decision.created_at).startswith(f"{year}-")).order_by(col(Decision.id))
    decisions = [d for d in s.exec(q) if organ_ids is None or d.organ_id in organ_ids]
    ids = [d.id for d in decisions]
    ev_by: dict[int, list[Evidence]] = {}
    if ids:
        for e in s.exec(select(Evidence).where(col(Evidence.decision_id).in_(ids), live_evidence())  # 作废 counts not
                        .order_by(col(Evidence.id))):
            ev_by.setdefault(e.decision_id, []).append(e)
    from decisions.deadlines.rules import triggers_of

    # ---- catalog
    items = [i for i in s.exec(select(CatalogItem).where(CatalogItem.year == year))
             if organ_ids is None or i.organ_id in organ_ids]
    current = [i for i in items if i.version_removed is None]
    linked_items = {d.catalog_item_id for d in s.exec(select(Decision).where(col(Decision.catalog_item_id).in_(
        [i.id for i in items])))} if items else set()
    versions = [v for v in s.exec(select(CatalogVersion).where(CatalogVersion.year == year))
                if organ_ids is None or v.organ_id in organ_ids]
    in_catalog = [d for d in decisions if d.catalog_item_id]
    outside = [d for d in decisions if not d.catalog_item_id]
    findings: list[dict] = []
    for d in decisions:
        cmp = compare_in(s, d)
        for f in cmp["findings"]:
            findings.append({"decision": d.code, **f})

    # ---- risk assessment (Art 22)
    flagged = [d for d in decisions if triggers_of(s, d).get("stability_risk")]
    assessed = [d for d in flagged if any(e.kind in ("risk_report", "prior_risk_assessment")
                                          for e in ev_by.get(d.id or 0, []))]

    # ---- legality review window before the meeting (Art 26¶2)
    meetings = s.exec(select(Meeting).where(col(Meeting.decision_id).in_(ids)).order_by(col(Meeting.id))).all() \
        if ids else []
    first_meeting: dict[tuple[int, int], Meeting] = {}
    for m in meetings:
        first_meeting.setdefault((m.decision_id, m.round), m)
    full, shortened, reviewed = 0, [], 0
    by_id = {d.id: d for d in decisions}
    for (did, rnd), m in first_meeting.items():
        d = by_id[did]
        profile = profile_of(d)
        subs = [e for e in ev_by.get(did, []) if e.kind == "legality_submission" and e.round == rnd]
        if not subs:
            continue
        submitted = _day(str(subs[-1].meta.get("submitted", "")))
        meeting_day = _day(m.date)
        if submitted is None or meeting_day is None:
            continue
        reviewed += 1
        n = profile.param(profile.params.get("legality_review_working_days", 7))
        days, _prov = calendar_for(s, profile).workdays_between(submitted, meeting_day)
        if days >= n:
            full += 1
        else:
            shortened.append({"decision": d.code, "submitted": submitted.isoformat(), "meeting": m.date,
                              "working_days": days, "required": n,
                              "reason": subs[-1].meta.get("short_review_reason", "")})

    # ---- days per stage
    per_stage: dict[str, list[int]] = {}
    if ids:
        for r in s.exec(select(StageStatus).where(col(StageStatus.decision_id).in_(ids),
                                                  StageStatus.status == "done")):
            a, b = _day(r.entered_at), _day(r.left_at)
            if a and b:
                per_stage.setdefault(r.stage, []).append((b - a).days)
    order = [st for d in decisions[:1] for st in profile_of(d).stage_order] or list(per_stage)
    stage_days = {st: {"decisions": len(per_stage[st]), "median_days": median(per_stage[st])}
                  for st in order if st in per_stage}

    # ---- overdue and stale, at the report's date
    overdue, stale, upcoming = [], [], []
    for d in decisions:
        if d.state in TERMINAL:
            continue
        for sp in specs_for_decision(s, d, today):
            row = {"decision": d.code, "title": d.title, "rule": sp.rule, "what": sp.title, "due": sp.due.isoformat(),
                   "article": sp.article, "provisional": sp.provisional}
            if sp.type == "stale":
                if sp.due <= today:
                    stale.append({**row, "state": d.state, "since": d.state_entered_at[:10]})
            elif not sp.done and sp.escalate_on is not None and sp.escalate_on <= today:
                overdue.append({**row, "escalated_on": sp.escalate_on.isoformat()})
            elif not sp.done and sp.due >= today and not sp.info_only:
                upcoming.append(row)
    offices = {o.id: o for o in s.exec(select(Office))}
    for item in current:
        organ_office = offices.get(item.organ_id)
        if organ_office is None:
            continue
        published = any(v.organ_id == item.organ_id and v.status == "published" and v.version >= item.version_added
                        for v in versions)
        if not published:
            continue
        for sp in specs_for_catalog_item(s, item, organ_office, today):
            if not sp.done and sp.escalate_on is not None and sp.escalate_on <= today:
                overdue.append({"decision": None, "catalog_item": item.id, "title": item.item_name, "rule": sp.rule,
                                "what": sp.title, "due": sp.due.isoformat(), "article": sp.article,
                                "provisional": sp.provisional, "escalated_on": sp.escalate_on.isoformat()})

    # ---- execution and after the decision (Art 34–37)
    executed = [d for d in decisions if d.state in ("execution", "suspended", "closed")
                or any(e.kind == "execution_report" for e in ev_by.get(d.id or 0, []))]
    reports = sum(1 for d in decisions for e in ev_by.get(d.id or 0, []) if e.kind == "execution_report")
    issues = sum(1 for d in decisions for e in ev_by.get(d.id or 0, []) if e.kind == "issue_report")
    feedback = len(s.exec(select(PublicFeedback.id).where(col(PublicFeedback.decision_id).in_(ids))).all()) \
        if ids else 0
    evaluations = len(s.exec(select(PostEvaluation.id).where(col(PostEvaluation.decision_id).in_(ids))).all()) \
        if ids else 0
    events = s.exec(select(AuditEvent.action).where(col(AuditEvent.decision_id).in_(ids),
                                                    col(AuditEvent.action).in_(["suspend", "terminate",
                                                                                "adjusted_by"]))).all() if ids else []
    states: dict[str, int] = {}
    for d in decisions:
        states[d.state] = states.get(d.state, 0) + 1

    return {
        "year": year, "organ": organ, "as_of": today.isoformat(),
        "decisions": len(decisions), "states": states,
        "catalog": {"items": len(current), "items_removed_by_adjustment": len(items) - len(current),
                    "items_with_decision": sum(1 for i in current if i.id in linked_items),
                    "versions": len(versions), "published_versions": sum(v.status == "published" for v in versions),
                    "consented_versions": sum(bool(v.party_consent_at) for v in versions)},
        "catalog_coverage": {"in_catalog": len(in_catalog), "total": len(decisions),
                             "rate": _rate(len(in_catalog), len(decisions)),
                             "outside_catalog": len(outside),
                             "outside_with_proposal": sum(1 for d in outside if any(
                                 e.kind == "proposal" for e in ev_by.get(d.id or 0, [])))},
        "procedure_vs_catalog": {"findings": len(findings), "list": findings},
        "risk_assessment": {"flagged": len(flagged), "assessed": len(assessed),
                            "rate": _rate(len(assessed), len(flagged)), "target": 1.0,
                            "missing": [d.code for d in flagged if d not in assessed]},
        "legality_review_window": {"reviewed_before_meeting": reviewed, "full_window": full,
                                   "rate": _rate(full, reviewed), "shortened": shortened},
        "median_days_per_stage": stage_days,
        "execution": {"decisions": len(executed), "execution_reports": reports, "issue_reports": issues,
                      "public_feedback": feedback, "post_evaluations": evaluations,
                      "suspensions": sum(a == "suspend" for a in events),
                      "terminations": sum(a == "terminate" for a in events),
                      "major_adjustments": sum(a == "adjusted_by" for a in events)},
        "overdue": overdue, "stale": stale, "upcoming": upcoming,
    }


def human(r: dict) -> str:
    def pct(x: float | None) -> str:
        return "—" if x is None else f"{x * 100:.1f}%"

    cov, risk, win = r["catalog_coverage"], r["risk_assessment"], r["legality_review_window"]
    lines = [f"{r['year']} 年度重大行政决策统计 / yearly figures{' — ' + r['organ'] if r['organ'] else ''}"
             f"（截至 {r['as_of']}）",
             f"  决策事项 / decisions: {r['decisions']}  " + ", ".join(f"{k}={v}" for k, v in sorted(r["states"].items())),
             f"  目录事项 / catalog items: {r['catalog']['items']}（已启动 {r['catalog']['items_with_decision']}；"
             f"版本 {r['catalog']['versions']}，已公布 {r['catalog']['published_versions']}）",
             f"  目录覆盖率 / catalog coverage: {cov['in_catalog']}/{cov['total']} = {pct(cov['rate'])}"
             f"（目录外 {cov['outside_catalog']}，其中有决策建议 {cov['outside_with_proposal']}）",
             f"  风险评估率 / risk-assessment rate: {risk['assessed']}/{risk['flagged']} = {pct(risk['rate'])}（目标 100%）",
             f"  合法性审查足期率 / full legality window: {win['full_window']}/{win['reviewed_before_meeting']} = "
             f"{pct(win['rate'])}",
             f"  程序与目录不符 / procedure vs catalog findings: {r['procedure_vs_catalog']['findings']}",
             "  各阶段用时中位数（日）/ median days per stage: " + (", ".join(
                 f"{k} {v['median_days']:g}" for k, v in r["median_days_per_stage"].items()) or "—"),
             f"  执行 / execution: {r['execution']['decisions']} 项，执行报告 {r['execution']['execution_reports']}，"
             f"问题报告 {r['execution']['issue_reports']}，公众意见 {r['execution']['public_feedback']}，"
             f"后评估 {r['execution']['post_evaluations']}，中止 {r['execution']['suspensions']}，"
             f"重大调整 {r['execution']['major_adjustments']}",
             f"  逾期 / overdue: {len(r['overdue'])}"]
    lines += [f"    - {o['decision'] or '目录#' + str(o.get('catalog_item'))} {o['what']} 期限 {o['due']} [{o['article']}]"
              for o in r["overdue"]]
    lines.append(f"  久拖不决 / stale: {len(r['stale'])}")
    lines += [f"    - {x['decision']} 自 {x['since']} 停留在 {x['state']} [{x['article']}]" for x in r["stale"]]
    return "\n".join(lines)
