from decisions.procedure.views import show
from tests.helpers import Walker


def test_walk_full_procedure_all_triggers_no(org):
    w = Walker().walk_to("execution")
    r = show(w.id)
    status = {s["key"]: s["status"] for s in r["stages"]}
    assert status["expert_review"] == "skipped"
    assert status["risk_assessment"] == "skipped"
    assert status["fair_competition_review"] == "skipped"
    assert status["public_participation"] == "done"
    assert status["execution"] == "current"
    assert "professional_technical" in next(s for s in r["stages"] if s["key"] == "expert_review")["note"]
