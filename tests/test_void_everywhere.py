"""A voided upload (作废) counts nowhere (issue 15/16): not for a due date, a report after the decision, the
opinion register, a figure, the legality package or the dossier; the pages and `juece show --json` still list
it, struck through, with who voided it, when and why. Each test voids the item that satisfied a reader and
checks the reader no longer counts it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from decisions.aftercare import service as aftercare
from decisions.archive import service as archive
from decisions.cli import app
from decisions.deadlines import scheduled
from decisions.deadlines import views as deadline_views
from decisions.errors import Blocked
from decisions.participation import service as participation
from decisions.procedure import views, voiding
from decisions.reporting import dashboard
from decisions.reporting import views as report
from decisions.workbench import views as workbench
from pdf import description
from tests.helpers import Walker, set_now
from tests.test_dossier_helpers import pdf_pages

runner = CliRunner()


def _executing() -> Walker:
    return Walker().walk_to("execution")  # in execution since 2026-04-03; a report every 6 months


def _p1(did: int) -> dict:
    return next(r for r in deadline_views.deadlines(did) if r["type"] == "execution_report"
                and r["key"].endswith(":p1"))


def test_a_voided_report_satisfies_no_due_date(org):
    w = _executing()
    set_now("2026-08-10T09:00:00+08:00")
    report_ev = w.ev("execution_report", user="executor", period="2026H1")
    set_now("2026-10-21T09:00:00+08:00")   # past the first report's due date (2026-10-08)
    scheduled.run_once()
    assert _p1(w.id)["status"] == "done"
    voiding.void_evidence(w.id, report_ev["id"], "报错了期次", as_user="executor")
    scheduled.run_once()
    row = _p1(w.id)
    assert row["status"] == "open" and row["due"] == "2026-10-08"   # overdue again: escalated on this pass
    assert row["escalated_at"]
    upcoming = [x for x in workbench.decision_page(w.id, "executor")["deadlines"] if x.get("overdue")]
    assert upcoming, "the decision page no longer shows the report as overdue"


def test_a_voided_report_is_no_report_after_the_decision(org):
    w = _executing()
    r = w.ev("execution_report", user="executor", period="2026H1")
    assert len(aftercare.status(w.id)["execution_reports"]) == 1
    voiding.void_evidence(w.id, r["id"], "附件错误", as_user="executor")
    assert aftercare.status(w.id)["execution_reports"] == []
    with pytest.raises(Blocked) as err:   # missed targets must rest on a report: a voided one is none
        aftercare.start_evaluation(w.id, trigger="missed_targets", evaluator="CITY-JUS", reason="未达预期",
                                   as_user="organ")
    assert [u.requirement for u in err.value.unmet] == ["post_evaluation.missed_targets"]
    assert err.value.unmet[0].article == "Art 36(1)"


def test_a_voided_register_or_draft_counts_not_in_participation(org):
    w = Walker().new()
    w.walk_to("drafting")
    w.do_drafting()                                  # draft v1
    v2 = w.ev("draft", version="v2")
    voiding.void_evidence(w.id, v2["id"], "传错版本", as_user="drafter")
    w.advance()
    while w.state() != "public_participation":
        getattr(w, f"do_{w.state()}")()
        w.advance()
    led = participation.ledger(w.id, as_user="drafter")
    assert [d["voided"] for d in led["drafts"]] == [False, True]
    c = participation.open_consultation(w.id, start="2026-03-03", end="2026-04-02", explanation="起草说明",
                                        as_user="drafter")
    assert c["draft_evidence_id"] != v2["id"]      # the live draft goes out for comment, not the voided one
    reg = w.ev("opinion_register", received=0, adopted=0, partially_adopted=0, not_adopted=0)
    assert participation.ledger(w.id, as_user="drafter")["register_current"] is True
    voiding.void_evidence(w.id, reg["id"], "登记表有误", as_user="drafter")
    assert participation.ledger(w.id, as_user="drafter")["register_current"] is False


def test_a_voided_risk_report_leaves_the_figures(org):
    w = Walker(triggers={"stability_risk": "yes"}).walk_to("risk_assessment")
    r = w.ev("risk_report", conclusion="controllable", level="low")

    def figures() -> tuple[int, int, int]:
        dashboard._DASHBOARD_CACHE.clear()
        f = dashboard.dashboard("organ")
        y = report.yearly(2026)["risk_assessment"]
        return f["risk"]["assessed"], y["assessed"], y["flagged"]

    assert figures() == (1, 1, 1)
    voiding.void_evidence(w.id, r["id"], "评估报告错传", as_user="drafter")
    assert figures() == (0, 0, 1)


def test_a_voided_execution_report_is_overdue_on_the_dashboard(org):
    w = _executing()
    set_now("2026-08-10T09:00:00+08:00")
    r = w.ev("execution_report", user="executor", period="2026H1")
    set_now("2026-11-20T09:00:00+08:00")   # past the first report's due date (2026-10-03 from entering execution)

    def overdue() -> int:
        dashboard._DASHBOARD_CACHE.clear()
        return dashboard.dashboard("organ")["overdue"]["execution_reports"]

    assert overdue() == 0   # the report of 2026-08-10 moves the next one to 2027-02-10
    voiding.void_evidence(w.id, r["id"], "报错了", as_user="executor")
    assert overdue() == 1


def test_the_workbench_shows_a_voided_item_struck_not_hidden(org):
    w = Walker().new()
    w.walk_to("drafting")
    w.do_drafting()
    bad = w.ev("draft", version="v2-错")
    voiding.void_evidence(w.id, bad["id"], "错稿", as_user="drafter")
    page = workbench.decision_page(w.id, "drafter")
    shown = {e["id"]: e for e in page["evidence"]}
    assert shown[bad["id"]]["voided"]["reason"] == "错稿"           # listed, with who and why
    assert shown[bad["id"]]["voided"]["by"] == "drafter" and shown[bad["id"]]["voided"]["at"]
    assert all(e["voided"] is None for e in page["evidence"] if e["id"] != bad["id"])
    while w.state() != "legality_review":
        getattr(w, f"do_{w.state()}")()
        w.advance()
    package = workbench.legality_package(w.id, "reviewer")["package"]
    drafts = [e for e in package if e["kind"] == "draft"]
    assert drafts and drafts[0]["id"] != bad["id"]   # the reviewer gets the live draft, not the voided one


def test_show_json_names_who_voided_when_and_why(org):
    w = Walker().new()
    w.walk_to("drafting")
    w.do_drafting()
    basis = next(e for e in views.show(w.id)["evidence"] if e["kind"] == "legal_basis")
    assert basis["voided"] is None
    voiding.void_evidence(w.id, basis["id"], "依据引错", as_user="drafter")
    out = runner.invoke(app, ["show", str(w.id), "--json"])
    assert out.exit_code == 0, out.output
    item = next(e for e in json.loads(out.stdout)["evidence"] if e["id"] == basis["id"])
    assert item["voided"]["by"] == "drafter" and item["voided"]["reason"] == "依据引错"
    assert item["voided"]["at"].startswith("2026-")


def test_the_dossier_marks_a_voided_upload_and_notes_it(org, tmp_path: Path):
    w = Walker().new()
    w.walk_to("drafting")
    w.do_drafting()
    bad = w.ev("draft", version="v2", name="错误的草案.pdf", data=pdf_pages(1, "错误的草案"))
    voiding.void_evidence(w.id, bad["id"], "误传他案草案", as_user="drafter")
    rec, _actor, _role = archive.load_record(w.id, None)
    entry = next(e for e in rec["evidence"] if e["id"] == bad["id"])
    assert entry.get("voided") is True and entry["kind_name"].startswith("【作废】")
    assert [v["no"] for v in rec["archive"]["voided"]] == [entry["no"]]

    class _Part:
        def __init__(self, e: dict) -> None:
            self.entry, self.merged, self.notes, self.reason = e, True, [], ""

    notes = description.notes(rec, [_Part(e) for e in rec["evidence"]], 0)
    void_note = next(n for n in notes if n.startswith("作废的上传"))
    assert f"第{entry['no']}件" in void_note and "误传他案草案" in void_note and "drafter" in void_note
    # the voided draft is not "a draft replaced by a newer one": it was never a version of the text
    assert not any(f"第{entry['no']}件由" in n or f"由第{entry['no']}件取代" in n for n in notes)
    r = archive.generate_dossier(w.id, as_user="archivist", to=tmp_path / "d.pdf")
    text = "".join(subprocess.run(["pdftotext", str(tmp_path / "d.pdf"), "-"], capture_output=True, text=True,
                                  check=True).stdout.split())
    assert r["pages"] > 0
    assert f"第{entry['no']}件决策草案「错误的草案.pdf」" in text and "理由：误传他案草案" in text   # the 备考表
    assert f"第{entry['no']}件（已作废）" in text   # the stamp on the voided file's own pages


def test_a_later_round_carries_over_no_voided_item(org):
    """A revised draft starts round 2; the stages it keeps carry their evidence over (procedure.md §8) — never a
    voided item of theirs, in the gates' snapshot nor in the workbench's page loader."""
    from decisions.procedure.service import get_decision, profile_of, snapshot_of
    from decisions.storage.unit_of_work import UnitOfWork

    w = Walker().walk_to("public_participation")
    w.do_public_participation()
    bad = w.ev("opinion_register", received=99, adopted=0, partially_adopted=0, not_adopted=99)
    voiding.void_evidence(w.id, bad["id"], "登记表数字错误", as_user="drafter")
    w.advance()
    w.walk_to("collective_discussion")
    w.meeting(outcome="revise", reason="根据讨论意见修改实施范围")
    assert views.show(w.id)["round"] == 2
    with UnitOfWork() as uow:
        d = get_decision(uow.session, w.id)
        profile = profile_of(d)
        kept = [i for i in snapshot_of(uow.session, d, profile).items if i.kind == "opinion_register"]
        paged = [i for i in workbench.Page(uow.session, [d]).snapshot(d, profile).items
                 if i.kind == "opinion_register"]
    assert kept and bad["id"] not in [i.id for i in kept]      # the live register is carried, the voided not
    assert [i.id for i in paged] == [i.id for i in kept]
