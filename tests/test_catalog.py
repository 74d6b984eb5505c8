"""The annual catalog (Art 3¶3): items, Party-committee consent before publication, adjustments as new
versions with the same trail, links from decisions, declared vs run procedures, target-date reminders."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import col, select
from typer.testing import CliRunner

from decisions.catalog import service as catalog
from decisions.catalog.models import CatalogItem
from decisions.cli import app
from decisions.deadlines import scheduled
from decisions.deadlines import views as deadline_views
from decisions.errors import BadInput, Blocked, NotFound, NotPermitted
from decisions.procedure import service
from decisions.records.models import AuditEvent
from decisions.storage.unit_of_work import UnitOfWork
from tests.helpers import Walker, set_now

DEMO = Path(__file__).resolve().parent.parent / "data" / "demo" / "catalogs"


def _count_items() -> int:
    with UnitOfWork() as uow:
        return len(uow.session.exec(select(CatalogItem)).all())


def _catalog_events() -> list[tuple[str, dict]]:
    with UnitOfWork() as uow:
        return [(e.action, e.detail) for e in uow.session.exec(
            select(AuditEvent).where(AuditEvent.chain == 0, col(AuditEvent.action).startswith("catalog"))
            .order_by(col(AuditEvent.seq)))]


def _published_catalog() -> list[dict]:
    items = [
        catalog.add_item("CITY", 2026, item_name="示例市城市更新专项规划", undertaking_unit="CITY-DRC",
                         procedures="公众参与、专家论证、合法性审查、集体讨论决定", hearing="是",
                         legal_basis="《城乡规划法》", planned_time="2026年6月", as_user="organ"),
        catalog.add_item("CITY", 2026, item_name="示例市停车收费标准调整", undertaking_unit="示例市发展和改革委员会",
                         procedures="公众参与、合法性审查、集体讨论决定", hearing="否", legal_basis="《价格法》",
                         target_date="2026-09-30", as_user="organ"),
    ]
    catalog.consent("CITY", 2026, day="2026-03-05", ref="市委常委会会议纪要〔2026〕3号", as_user="organ")
    catalog.publish("CITY", 2026, day="2026-03-10", ref="https://city.example/catalog-2026", as_user="organ")
    return items


def test_items_consent_then_publication(org):
    before = _count_items()
    catalog.add_item("CITY", 2026, item_name="示例市城市更新专项规划", undertaking_unit="CITY-DRC",
                     procedures="公众参与、合法性审查、集体讨论决定", hearing="否", legal_basis="《城乡规划法》",
                     planned_time="2026年6月", as_user="organ")
    item = catalog.items("CITY", 2026)[0]
    assert item["target_date"] == "2026-06-30" and item["undertaker_id"] is not None
    # publication before the Party committee's consent is refused, and changes nothing
    with pytest.raises(Blocked) as err:
        catalog.publish("CITY", 2026, day="2026-03-10", as_user="organ")
    assert err.value.unmet[0].article == "Art 3¶3" and "党委" in err.value.unmet[0].message
    assert catalog.versions("CITY", 2026)[0]["status"] == "draft"
    with pytest.raises(NotPermitted):
        catalog.consent("CITY", 2026, day="2026-03-05", ref="x", as_user="drafter")
    v = catalog.consent("CITY", 2026, day="2026-03-05", ref="市委常委会会议纪要", as_user="organ")
    assert v["status"] == "consented"
    with pytest.raises(Blocked):   # the consented content is frozen
        catalog.add_item("CITY", 2026, item_name="另一事项", as_user="organ")
    with pytest.raises(BadInput):
        catalog.publish("CITY", 2026, day="2026-03-01", as_user="organ")   # before the consent
    v = catalog.publish("CITY", 2026, day="2026-03-10", ref="政府网站", as_user="organ")
    assert v["status"] == "published" and v["items"] == 1
    assert _count_items() == before + 1
    assert [a for a, _ in _catalog_events()] == ["catalog_item_add", "catalog_consent", "catalog_publish"]


def test_adjustment_is_a_new_version_with_the_same_trail(org):
    first, second = _published_catalog()
    with pytest.raises(Blocked):     # a published version is not edited in place
        catalog.add_item("CITY", 2026, item_name="新增事项", as_user="organ")
    v2 = catalog.adjust("CITY", 2026, reason="年中调整：新增一项，撤出一项", as_user="organ")
    assert v2["version"] == 2 and v2["status"] == "draft"
    added = catalog.add_item("CITY", 2026, item_name="示例市生活垃圾分类实施方案", undertaking_unit="CITY-NR",
                             procedures="公众参与、风险评估、合法性审查、集体讨论决定", hearing="否",
                             legal_basis="《固体废物污染环境防治法》", target_date="2026-11-30", as_user="organ")
    catalog.remove_item(second["id"], reason="并入年度价格工作计划", as_user="organ")
    with pytest.raises(Blocked):
        catalog.publish("CITY", 2026, day="2026-07-01", as_user="organ")     # no consent yet for version 2
    catalog.consent("CITY", 2026, day="2026-06-20", ref="市委常委会会议纪要〔2026〕9号", as_user="organ")
    catalog.publish("CITY", 2026, day="2026-06-25", as_user="organ")
    vs = catalog.versions("CITY", 2026)
    assert [(v["version"], v["status"], v["items"]) for v in vs] == [(1, "published", 2), (2, "published", 2)]
    assert {i["id"] for i in catalog.items("CITY", 2026, version=1)} == {first["id"], second["id"]}
    assert {i["id"] for i in catalog.items("CITY", 2026)} == {first["id"], added["id"]}
    assert len(catalog.items("CITY", 2026, include_removed=True)) == 3
    trail = [(a, d.get("version")) for a, d in _catalog_events()]
    assert ("catalog_consent", 1) in trail and ("catalog_publish", 1) in trail
    assert ("catalog_adjust", 2) in trail and ("catalog_consent", 2) in trail and ("catalog_publish", 2) in trail
    out = CliRunner().invoke(app, ["catalog", "versions", "CITY", "2026"])
    assert out.exit_code == 0 and "v2\tpublished" in out.output


def test_closed_or_past_year_is_refused_and_nothing_changes(org):
    _published_catalog()
    before = _count_items()
    with pytest.raises(Blocked) as err:
        catalog.add_item("CITY", 2025, item_name="补录事项", as_user="organ")
    assert err.value.unmet[0].requirement == "catalog.year_closed" and err.value.unmet[0].article == "Art 3¶3"
    catalog.close_year("CITY", 2026, summary="年终总公开", as_user="organ")
    for call in (lambda: catalog.adjust("CITY", 2026, reason="再调整", as_user="organ"),
                 lambda: catalog.add_item("CITY", 2026, item_name="再加一项", as_user="organ")):
        with pytest.raises(Blocked) as err:
            call()
        assert "办结" in err.value.unmet[0].message
    assert _count_items() == before
    out = CliRunner().invoke(app, ["catalog", "add", "CITY", "2026", "--name", "x", "--as", "organ", "--json"])
    assert out.exit_code == 3 and "Art 3¶3" in out.output


def test_import_published_table_needs_consent(org):
    with pytest.raises(Blocked):
        catalog.import_csv("CITY", 2025, DEMO / "yingkou-forestry-grassland-bureau-2025.csv", published_at="2025-10-22")
    assert _count_items() == 0
    rows = catalog.import_csv("CITY", 2025, DEMO / "yingkou-forestry-grassland-bureau-2025.csv",
                              published_at="2025-10-22", party_consent_at="2025-10-15", source="营口市林草局")
    item = catalog.items("CITY", 2025)[0]
    assert item["id"] == rows[0]["id"] and item["target_date"] == "2025-10-30"    # 「10月30日」
    assert catalog.versions("CITY", 2025)[0]["status"] == "published"
    with pytest.raises(BadInput):   # a published year takes adjustments, not another import
        catalog.import_csv("CITY", 2025, DEMO / "yingkou-forestry-grassland-bureau-2025.csv")


@pytest.mark.parametrize("text,expected", [
    ("2026-06-15", "2026-06-15"), ("2026年6月", "2026-06-30"), ("10月30日", "2026-10-30"),
    ("第三季度", "2026-09-30"), ("上半年", "2026-06-30"), ("年底前", "2026-12-31"), ("", ""), ("待定", "")])
def test_target_dates_from_catalog_wording(text, expected):
    assert catalog.parse_target(text, 2026) == expected


def test_declared_vs_run_procedures(org):
    first, _ = _published_catalog()
    w = Walker()
    r = service.new_decision(title=first["item_name"], organ="CITY", undertaker="CITY-DRC", category=2,
                             source="department", as_user="organ", catalog=first["id"])
    w.id = r["id"]
    w.walk_to("legality_review")     # every trigger "no": expert review skipped, no hearing held
    cmp = catalog.compare(w.id)
    assert cmp["in_catalog"] and cmp["catalog_item"]["declared_stages"] == [
        "public_participation", "expert_review", "legality_review", "collective_discussion"]
    found = {(f["finding"], f.get("stage")) for f in cmp["findings"]}
    assert ("declared_not_run", "expert_review") in found
    assert ("hearing_not_held", "public_participation") in found
    stages = {s["stage"]: s for s in cmp["stages"]}
    assert stages["public_participation"]["finding"] == "ok" and stages["expert_review"]["status"] == "skipped"
    # outside the catalog the decision rests on its Art 10 proposal, and can be linked later
    other = Walker().new("目录外事项")
    other.do_proposed()
    cmp = catalog.compare(other.id)
    assert not cmp["in_catalog"] and cmp["proposal_evidence"] is not None and cmp["findings"] == []
    second = catalog.items("CITY", 2026)[1]
    with pytest.raises(NotPermitted):
        catalog.link(other.id, second["id"], as_user="drafter")
    catalog.link(other.id, second["id"], as_user="organ")
    assert catalog.compare(other.id)["catalog_item"]["id"] == second["id"]
    with pytest.raises(NotFound):
        catalog.link(other.id, 9999, as_user="organ")
    out = CliRunner().invoke(app, ["catalog", "compare", str(w.id)])
    assert out.exit_code == 0 and "declared_not_run" in out.output


def test_catalog_target_date_reminds_then_escalates(org):
    first, second = _published_catalog()   # planned for June (2026-06-30) and for 2026-09-30; nothing started

    def box(user: str = "organ", item: dict = second) -> list[str]:
        return sorted(n["kind"] for n in deadline_views.inbox(user) if n["catalog_item_id"] == item["id"])

    set_now("2026-03-11T09:00:00+08:00")
    scheduled.run_once()
    row = next(r for r in deadline_views.deadlines() if r["catalog_item_id"] == second["id"])
    # 20 working days before Sep 30 (Mid-Autumn Fri Sep 25 off, Sun Sep 20 worked); the escalation comes on
    # the first working day after the target, which is after National Day
    assert (row["type"], row["remind_on"], row["escalate_on"]) == ("catalog_target", "2026-09-02", "2026-10-08")
    set_now("2026-09-01T09:00:00+08:00")
    scheduled.run_once()
    assert box() == [] and box(item=first) == ["escalation", "reminder"]
    set_now("2026-09-02T09:00:00+08:00")
    scheduled.run_once()
    assert box() == ["reminder"]
    set_now("2026-10-08T09:00:00+08:00")
    scheduled.run_once()
    scheduled.run_once()
    assert box() == ["escalation", "reminder"]
    assert box("mayor") == ["escalation"]
    assert any("目录" in n["body"] for n in deadline_views.inbox("mayor"))
    # once a decision on the item has been made, its deadline is done
    w = Walker()
    w.id = service.new_decision(title=first["item_name"], organ="CITY", undertaker="CITY-DRC", category=2,
                                source="department", as_user="organ", catalog=first["id"])["id"]
    w.walk_to("party_report")
    scheduled.run_once()
    assert next(r for r in deadline_views.deadlines() if r["catalog_item_id"] == first["id"])["status"] == "done"
