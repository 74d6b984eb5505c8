"""The workbench's pure helpers and read models without Streamlit."""

from __future__ import annotations

from datetime import date

import pytest

from decisions.deadlines import views as deadline_views
from decisions.errors import NotPermitted
from decisions.workbench import views as workbench
from tests.helpers import Walker
from ui import forms
from ui.common import escape


@pytest.mark.parametrize(("text", "year", "expected"), [
    ("10月30日", 2025, date(2025, 10, 30)), ("2022年6月", 2026, date(2022, 6, 30)), ("12月", 2026, date(2026, 12, 31)),
    ("2026-06-30", 2020, date(2026, 6, 30)), ("", 2026, None), ("年内", 2026, None), ("13月", 2026, None),
])
def test_planned_date(text, year, expected):
    assert deadline_views.planned_date(text, year) == expected


def test_escape_leaves_no_markdown_link_html_or_autolink():
    out = escape("[点我](http://evil.example) <b>x</b> www.example.com a@b.cn **粗**")
    assert "](" not in out and "<b>" not in out and "**" not in out
    assert "http://" not in out and "www." not in out and "a@b" not in out


def test_majority_of_the_other_members():
    assert workbench.majority(["approve", "approve", "reject"]) == "approve"
    assert workbench.majority(["approve", "reject"]) is None
    assert workbench.majority([]) is None


def test_form_validation_rules_come_from_the_profile(org):
    w = Walker().new()
    schema = workbench.kind_schema(w.id, "participation_activity")
    raw = {"form": "open_comment", "start": date(2026, 3, 3), "end": date(2026, 3, 20), "shortened_reason": ""}
    errors = forms.validate_meta(schema, raw)
    assert "不足 30 日" in errors["shortened_reason"] and "第十五条" in errors["shortened_reason"]
    assert forms.validate_meta(schema, {**raw, "shortened_reason": "紧急"}) == {}
    assert "start" in forms.validate_meta(schema, {"form": "open_comment", "end": date(2026, 3, 20)})
    hearing = forms.validate_meta(schema, {"form": "hearing", "materials_delivered": date(2026, 3, 10),
                                           "hearing_date": date(2026, 3, 1)})
    assert "hearing_date" in hearing


def test_tasks_and_visibility(org):
    w = Walker().new()
    w.do_proposed()
    organ = workbench.my_tasks("organ")
    assert organ["total"] == 1 and organ["tasks"][0]["action"] == "advance"
    drafter = workbench.my_tasks("drafter")
    assert drafter["tasks"][0]["action"] == "wait"  # the organ advances the proposal
    assert workbench.my_tasks("auditor") == {"total": 0, "tasks": [], "overdue": 0}
    with pytest.raises(NotPermitted):
        workbench.decision_page(w.id, "drafter2")
    assert workbench.decision_page(w.id, "auditor")["actions"]["can_advance"] is False
    assert workbench.decisions("drafter2")["total"] == 0


def test_my_tasks_page_snapshot_equals_the_service_snapshot(org):
    """my_tasks builds each decision's gate snapshot from rows loaded for the whole page (workbench.Page);
    it must see exactly what service.snapshot_of sees, or the task list and the advance button disagree."""
    from decisions.procedure import service
    from decisions.storage.unit_of_work import UnitOfWork

    targets = ["proposed", "drafting", "public_participation", "expert_review", "legality_review",
               "collective_discussion", "execution"]
    ids = [Walker(triggers={"professional_technical": "yes"}).walk_to(t).id for t in targets]
    with UnitOfWork() as uow:
        s = uow.session
        rows = [service.get_decision(s, i) for i in ids]
        page = workbench.Page(s, rows)
        for d in rows:
            profile = service.profile_of(d)
            want, got = service.snapshot_of(s, d, profile), page.snapshot(d, profile)
            assert (got.triggers, got.items, got.approved_meeting, got.ledger) == \
                   (want.triggers, want.items, want.approved_meeting, want.ledger), d.state
            assert [u.requirement for u in page.blocking(d)] == [u.requirement for u in service.blocking(s, d)]
