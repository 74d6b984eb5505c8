"""`juece demo`: a realistic deployment on the real catalogs, decisions at several stages."""

import re

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


def test_demo_shows_every_stage_of_the_main_line(env):
    """Every main-line stage from proposal to execution holds a demo decision, and so does closed: one filed
    (归档), one not yet; the first six keep their ids (the browser tests name their codes)."""
    from workflow import profiles

    result = demo.load()
    assert result["decisions"][:6] == [1, 2, 3, 4, 5, 6]
    rows = list_decisions()
    stages = set(profiles.load("state-council-2019").stage_order)
    assert stages <= {d["state"] for d in rows}, stages - {d["state"] for d in rows}
    from decisions.procedure.models import Decision
    from decisions.storage.unit_of_work import UnitOfWork

    with UnitOfWork() as uow:
        closed = [bool(uow.session.get(Decision, d["id"]).archived_at) for d in rows if d["state"] == "closed"]
    assert sorted(closed) == [False, True]


def test_demo_documents_are_reproducible():
    assert demo.document("标题", ["一行"]) == demo.document("标题", ["一行"])


def _load_at(now: str, data, new_deployment, monkeypatch) -> list[dict]:  # noqa: ANN001
    """The demo loaded in a fresh deployment with the clock at `now`; its deadline table."""
    from argon2 import PasswordHasher

    from decisions.accounts import service as directory
    from decisions.deadlines import views as deadline_views

    data.mkdir()
    monkeypatch.setenv("JUECE_DATA_DIR", str(data))
    monkeypatch.setenv("JUECE_DATABASE_URL", new_deployment(data))
    monkeypatch.setenv("JUECE_NOW", now)
    monkeypatch.setattr(directory, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
    assert demo.load()["loaded"]
    return deadline_views.deadlines()


def _dated_rows(rows: list[dict]) -> dict[tuple[int, str], str]:
    """Each decision's deadlines by (decision id, rule key): the codes carry the year, the ids do not."""
    return {(r["decision_id"], re.sub(r":\d{4}-\d\d-\d\dT.*$", "", r["key"])): r["due"] for r in rows
            if r["decision_id"]}


def test_demo_is_dated_relative_to_the_clock(tmp_path, new_deployment, monkeypatch):  # noqa: ANN001
    """Two clocks 40 weeks apart: the due dates move with the clock (calendar-day rules by exactly 280 days,
    working-day rules about as much), nothing recorded lies after today, each record runs forward, one comment period ends within the
    coming week and one decision is overdue (久拖不决)."""
    from datetime import date, timedelta

    first = _load_at("2026-12-07T09:00:00+08:00", tmp_path / "a", new_deployment, monkeypatch)
    today = date(2026, 12, 7)
    open_rows = [r for r in first if r["status"] == "open"]
    comment = [r for r in open_rows if r["title"].startswith("公开征求意见期满")]
    assert len(comment) == 1 and today <= date.fromisoformat(comment[0]["due"]) < today + timedelta(days=7)
    stale_overdue = [r for r in open_rows if r["title"] == "久拖不决" and date.fromisoformat(r["due"]) < today]
    assert len(stale_overdue) == 1 and today - date.fromisoformat(stale_overdue[0]["due"]) < timedelta(days=21)
    assert all(date.fromisoformat(r["due"]) <= today for r in first if r["status"] == "done")
    for d in list_decisions():
        page = show(d["id"])
        assert all(e["at"][:10] <= "2026-12-07" for e in page["evidence"]), d["code"]
        assert all(a["at"][:10] <= "2026-12-07" for a in page["audit"]), d["code"]
        times = [a["at"] for a in page["audit"]]  # the story runs forward: no dossier notes a backwards time
        assert times == sorted(times), d["code"]

    second = _load_at("2026-03-02T09:00:00+08:00", tmp_path / "b", new_deployment, monkeypatch)
    before, after = _dated_rows(first), _dated_rows(second)
    assert set(before) == set(after)
    moved = {k: (date.fromisoformat(after[k]) - date.fromisoformat(before[k])).days for k in before}
    assert {v for (_, key), v in moved.items() if "comment" in key} == {-280}, moved
    assert all(-300 <= v <= -260 for v in moved.values()), moved
