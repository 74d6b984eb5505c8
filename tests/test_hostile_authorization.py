"""Issue 18, item 8: authorization gaps found by the hostile test. Each test reproduces the finding and
asserts the refusal (exit code class and what it names); nothing is written."""

from __future__ import annotations

import pytest

from decisions.accounts import service as directory
from decisions.aftercare import service as aftercare
from decisions.errors import BadInput, NotPermitted
from decisions.procedure import service
from decisions.procedure.views import list_decisions
from tests.helpers import PDF, Walker


def _other_government() -> None:
    directory.add_office("OTHER", name="乙县人民政府", level="county")
    directory.add_office("OTHER-DRC", name="乙县发展和改革局", level="department", parent="OTHER")


def test_a_decision_cannot_be_registered_with_another_governments_undertaker(org):
    _other_government()
    before = len(list_decisions())
    with pytest.raises(BadInput, match="OTHER-DRC"):
        service.new_decision(title="越权登记", organ="CITY", undertaker="OTHER-DRC", category=2, source="department",
                             as_user="organ")
    with pytest.raises(BadInput, match="OTHER-DRC"):
        service.new_decision(title="越权协办", organ="CITY", undertaker="CITY-DRC", co_undertakers=["OTHER-DRC"],
                             category=2, source="department", as_user="drafter")
    assert len(list_decisions()) == before


@pytest.mark.parametrize("user", ["auditor", "admin", "archivist"])
def test_record_keepers_cannot_file_a_post_evaluation_report_art_36(org, user):
    w = Walker().walk_to("execution")
    with pytest.raises(NotPermitted, match=user):
        aftercare.report_evaluation(w.id, filename="评估报告.pdf", data=PDF, conclusion="effective",
                                    recommendation="continue", participants="公众代表", as_user=user)


def test_a_post_evaluation_report_over_the_size_limit_is_refused(org, monkeypatch):
    w = Walker().walk_to("execution")
    monkeypatch.setenv("JUECE_MAX_FILE_MB", "0.001")
    with pytest.raises(BadInput, match="JUECE_MAX_FILE_MB"):
        aftercare.report_evaluation(w.id, filename="评估报告.pdf", data=PDF * 100, conclusion="effective",
                                    recommendation="continue", participants="公众代表", as_user="executor")
