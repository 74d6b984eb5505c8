"""`juece report --year Y`: catalog coverage, risk-assessment rate, legality window, median stage days,
execution, overdue and stale lists."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from decisions.catalog import service as catalog
from decisions.cli import app
from decisions.procedure import service
from decisions.reporting import views as report
from tests.helpers import Walker, set_now


def _catalog() -> tuple[dict, dict]:
    a = catalog.add_item("CITY", 2026, item_name="示例市城市更新专项规划", undertaking_unit="CITY-DRC",
                         procedures="公众参与、风险评估、合法性审查、集体讨论决定", hearing="否", target_date="2026-06-30",
                         as_user="organ")
    b = catalog.add_item("CITY", 2026, item_name="示例市停车收费标准调整", undertaking_unit="CITY-DRC",
                         procedures="公众参与、风险评估、合法性审查、集体讨论决定", hearing="否", target_date="2026-09-30",
                         as_user="organ")
    catalog.consent("CITY", 2026, day="2026-03-02", ref="市委常委会会议纪要", as_user="organ")
    catalog.publish("CITY", 2026, day="2026-03-02", as_user="organ")
    return a, b


def _decision(title: str, item: dict | None, **triggers: str) -> Walker:
    w = Walker(triggers=dict(triggers))
    w.id = service.new_decision(title=title, organ="CITY", undertaker="CITY-DRC", category=2, source="department",
                                as_user="organ", catalog=item["id"] if item else None)["id"]
    return w


def _data() -> tuple[Walker, Walker, Walker]:
    set_now("2026-03-02T09:00:00+08:00")
    item_a, item_b = _catalog()
    d1 = _decision("城市更新专项规划", item_a, stability_risk="yes")
    d2 = _decision("停车收费标准调整", item_b, stability_risk="yes")
    d3 = _decision("目录外事项", None)
    d2.walk_to("risk_assessment")           # flagged, not assessed yet
    d3.walk_to("drafting")                  # outside the catalog, on its Art 10 proposal
    for day, target in (("2026-03-02", "drafting"), ("2026-03-09", "public_participation"),
                        ("2026-04-06", "risk_assessment"), ("2026-04-10", "legality_review"),
                        ("2026-05-06", "collective_discussion"), ("2026-05-20", "party_report"),
                        ("2026-05-22", "publication"), ("2026-05-28", "execution")):
        set_now(f"{day}T09:00:00+08:00")
        d1.walk_to(target)
    return d1, d2, d3


def test_yearly_figures(org):
    d1, d2, d3 = _data()
    set_now("2026-12-20T09:00:00+08:00")
    r = report.yearly(2026)
    assert r["decisions"] == 3
    assert r["states"] == {"execution": 1, "risk_assessment": 1, "drafting": 1}
    assert r["catalog"] | {} == {"items": 2, "items_removed_by_adjustment": 0, "items_with_decision": 2,
                                 "versions": 1, "published_versions": 1, "consented_versions": 1}
    assert r["catalog_coverage"] == {"in_catalog": 2, "total": 3, "rate": 0.6667, "outside_catalog": 1,
                                     "outside_with_proposal": 1}
    codes = {w.id: service_code(w.id) for w in (d1, d2, d3)}
    assert r["risk_assessment"] | {} == {"flagged": 2, "assessed": 1, "rate": 0.5, "target": 1.0,
                                         "missing": [codes[d2.id]]}
    assert r["legality_review_window"] == {"reviewed_before_meeting": 1, "full_window": 1, "rate": 1.0,
                                           "shortened": []}
    days = r["median_days_per_stage"]
    assert days["legality_review"] == {"decisions": 1, "median_days": 26}
    assert days["collective_discussion"]["median_days"] == 14
    assert days["drafting"] == {"decisions": 2, "median_days": 3.5}   # d1 7 days, d2 0; d3 still drafting
    # d1 28 days; d2 32: it leaves only after its comment period ended (2026-03-02 to 04-03, Art 15)
    assert days["public_participation"]["median_days"] == 30
    assert r["execution"]["decisions"] == 1
    stale = {x["decision"] for x in r["stale"]}
    assert stale == {codes[d2.id], codes[d3.id]}
    overdue = {(x["decision"], x["rule"]) for x in r["overdue"]}
    assert (codes[d1.id], "execution_report") in overdue
    assert (None, "catalog_target") in overdue      # item 2 was planned for Sep 30, d2 has not been decided
    assert all(x["rule"] != "catalog_target" or x["catalog_item"] != d1.id for x in r["overdue"])
    # an organ filter and another year
    assert report.yearly(2026, organ="CITY")["decisions"] == 3
    assert report.yearly(2025)["decisions"] == 0 and report.yearly(2025)["catalog_coverage"]["rate"] is None


def service_code(did: int) -> str:
    from decisions.procedure.views import show

    return show(did)["code"]


def test_report_cli(org):
    _data()
    set_now("2026-12-20T09:00:00+08:00")
    runner = CliRunner()
    out = runner.invoke(app, ["report", "--year", "2026", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["catalog_coverage"]["rate"] == 0.6667 and data["risk_assessment"]["rate"] == 0.5
    text = runner.invoke(app, ["report", "--year", "2026"]).output
    assert "目录覆盖率 / catalog coverage: 2/3 = 66.7%" in text and "风险评估率" in text and "久拖不决" in text
    assert runner.invoke(app, ["report", "--year", "2026", "--organ", "NOPE"]).exit_code == 5
