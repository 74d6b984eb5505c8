"""The commissioned risk assessor (procedure.md §8 "Authors"; Decree 713 Art 22, 23): the undertaking unit assigns
`assessor` users to a decision (`juece assessor assign`), and only an assigned assessor — besides the undertaking
unit — files its `risk_report`, by their own account or through 代录. Each test fails when its rule is removed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from decisions.accounts import service as directory
from decisions.cli import app
from decisions.errors import Blocked, NotPermitted
from decisions.procedure import experts, service
from decisions.procedure.views import show
from tests.helpers import PDF, Walker
from tests.test_on_behalf import SCAN, written

runner = CliRunner()
REPORT = {"conclusion": "controllable", "level": "low"}


def juece(*args: str, code: int = 0) -> dict | str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, f"juece {' '.join(args)} -> {result.exit_code}\n{result.stdout}\n{result.stderr}"
    return json.loads(result.stdout) if "--json" in args and code == 0 else result.stdout + result.stderr


@pytest.fixture()
def risk(org, env: Path) -> Walker:  # noqa: ANN001
    """A decision in risk assessment; two assessors of a third-party firm, one of the undertaking unit."""
    directory.add_office("RISKCO", "示例社会稳定风险评估事务所", "department")
    directory.add_user("assessor1", "评估师一", "RISKCO", ["assessor"])
    directory.add_user("assessor2", "评估师二", "RISKCO", ["assessor"])
    directory.add_user("drc_assessor", "发改委评估员", "CITY-DRC", ["assessor"])
    return Walker(triggers={"stability_risk": "yes"}).walk_to("risk_assessment")


def test_assigned_assessor_files_the_risk_report(risk: Walker, env: Path) -> None:
    out = juece("assessor", "assign", str(risk.id), "assessor1", "--as", "drafter", "--json")
    assert out["assigned"] == ["assessor1"] and out["role"] == "assessor"
    assert experts.assigned_experts(risk.id, "assessor") == ["assessor1"]
    assert "assessor1" not in experts.assigned_experts(risk.id)  # not on the expert panel
    ev = service.add_evidence(risk.id, kind="risk_report", filename="report.pdf", data=PDF, meta=REPORT,
                              as_user="assessor1")
    assert ev["role"] == "assessor" and ev["author"] == "assessor1" and ev["on_behalf"] is None
    # an assigned assessor reads the decision (the read scope), as the workbench needs
    assert show(risk.id, as_user="assessor1")["id"] == risk.id


def test_unassigned_assessor_is_refused_art_22_23(risk: Walker, env: Path) -> None:
    experts.assign_assessors(risk.id, ["assessor1"], as_user="drafter")
    before = written(env)
    with pytest.raises(Blocked) as info:
        service.add_evidence(risk.id, kind="risk_report", filename="report.pdf", data=PDF, meta=REPORT,
                             as_user="assessor2")
    assert info.value.unmet[0].article == "Art 22, 23"
    msg = juece("evidence", "add", str(risk.id), str(_pdf(env)), "--kind", "risk_report", "--meta",
                "conclusion=controllable", "--meta", "level=low", "--as", "assessor2", code=3)
    assert "第22条" in msg and "assessor2" in msg
    assert written(env) == before


def test_assignment_only_by_the_undertaking_unit_and_never_of_it(risk: Walker, env: Path) -> None:
    with pytest.raises(NotPermitted):
        experts.assign_assessors(risk.id, ["assessor1"], as_user="organ")
    with pytest.raises(Blocked) as info:
        experts.assign_assessors(risk.id, ["drc_assessor"], as_user="drafter")
    assert info.value.unmet[0].article == "Art 22, 23" and "承办单位" in info.value.unmet[0].message
    juece("assessor", "assign", str(risk.id), "expert1", "--as", "drafter", code=2)  # not an assessor user
    # an assessor of the undertaking unit acts in no role on its own decision (separation of duties)
    with pytest.raises(NotPermitted):
        service.add_evidence(risk.id, kind="risk_report", filename="report.pdf", data=PDF, meta=REPORT,
                             as_user="drc_assessor")


def test_risk_report_entered_for_the_assessor(risk: Walker, env: Path) -> None:
    with pytest.raises(NotPermitted, match="第22条"):  # not yet assigned: the assessor could not file it
        service.add_evidence(risk.id, kind="risk_report", filename="scan.pdf", data=SCAN, meta=REPORT,
                             as_user="drafter", on_behalf="assessor1")
    experts.assign_assessors(risk.id, ["assessor1"], as_user="drafter")
    out = service.add_evidence(risk.id, kind="risk_report", filename="scan.pdf", data=SCAN, meta=REPORT,
                               as_user="drafter", on_behalf="assessor1")
    item = next(e for e in show(risk.id)["evidence"] if e["id"] == out["id"])
    assert (item["author"], item["on_behalf"], item["role"]) == ("assessor1", "drafter", "assessor")


def _pdf(env: Path) -> Path:
    path = env.parent / "report.pdf"
    path.write_bytes(PDF)
    return path
