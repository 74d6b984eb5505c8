"""`juece demo`: a realistic deployment on the real catalogs, decisions at several stages."""

from decisions import demo
from decisions.procedure.views import list_decisions, show


def test_demo_loads_decisions_at_several_stages(env):
    result = demo.load()
    assert result["loaded"] and result["catalog_items"] == 6
    by_state = {d["state"]: d for d in list_decisions()}
    assert {"execution", "legality_review", "public_participation", "proposed", "drafting", "expert_review"} <= set(
        by_state)
    published = show(by_state["execution"]["id"])
    stages = {s["key"]: s for s in published["stages"]}
    assert stages["expert_review"]["status"] == "skipped" and stages["expert_review"]["note"]
    assert stages["publication"]["status"] == "done"
    blocked = show(by_state["legality_review"]["id"])
    assert {b["article"] for b in blocked["blocked"]} >= {"Art 25¶2", "Art 28"}
    yingkou = show(by_state["expert_review"]["id"])
    assert yingkou["profile"] == "liaoning-2023"
    assert any("5" in b["message"] for b in yingkou["blocked"])
    assert demo.load()["loaded"] is False  # idempotent


def test_demo_documents_are_reproducible():
    assert demo.document("标题", ["一行"]) == demo.document("标题", ["一行"])
