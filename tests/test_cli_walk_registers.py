"""A whole decision by the command line alone, registers first (procedure.md §7, §8): offices and users, the organ's
register of members and its reviewing office, the expert panel, then every stage by its own author on its own day,
the meeting's body read back from the register, `show --json` checked item by item for its provenance (author,
late entry, the draft version it concerns, channel), ending in execution; `verify` and `dossier` at the end."""

from __future__ import annotations

import json
from pathlib import Path

from pypdf import PdfReader
from typer.testing import CliRunner

from decisions.cli import app
from tests.helpers import PDF, at_least

runner = CliRunner()

OFFICES = [("CITY", "示例市人民政府", "city", None), ("DRC", "示例市发展和改革委员会", "department", "CITY"),
           ("JUS", "示例市司法局", "department", "CITY"), ("FIN", "示例市财政局", "department", "CITY"),
           ("ACAD", "示例大学公共政策研究院", "department", None)]
USERS = [("admin", "CITY", "admin"), ("organ", "CITY", "decision_organ"), ("mayor", "CITY", "head"),
         ("secretary", "CITY", "secretary"), ("drafter", "DRC", "drafter"), ("reviewer", "JUS", "legality_reviewer"),
         ("adviser", "JUS", "legal_adviser"), ("exec", "FIN", "executor"), ("e1", "ACAD", "expert"),
         ("e2", "ACAD", "expert"), ("e3", "ACAD", "expert"), ("e4", "ACAD", "expert"),
         *((f"vm{i}", "CITY", "decision_organ") for i in range(1, 5))]


def juece(*args: str, code: int = 0) -> dict | list | str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, f"juece {' '.join(args)} -> {result.exit_code}\n{result.stdout}\n{result.stderr}"
    return json.loads(result.stdout) if "--json" in args else result.stdout + result.stderr


def test_whole_decision_by_cli_with_registers(env: Path, tmp_path: Path) -> None:
    draft1, draft2, doc = tmp_path / "草案v1.pdf", tmp_path / "草案v2.pdf", tmp_path / "doc.pdf"
    draft1.write_bytes(PDF + b"% v1\n")
    draft2.write_bytes(PDF + b"% v2\n")
    doc.write_bytes(PDF)
    for code, name, level, parent in OFFICES:
        juece("office", "add", code, "--name", name, "--level", level, *(["--parent", parent] if parent else []))
    for user, office, role in USERS:
        juece("user", "add", user, "--name", user, "--office", office, "--role", role)

    # the registers: the organ's body (the mayor its head) and the office that reviews its legality
    juece("register", "member", "CITY", "mayor", "--from", "2026-01-01", "--title", "市长", "--head", "--as", "admin")
    for user in ("vm1", "vm2", "vm3", "vm4"):
        juece("register", "member", "CITY", user, "--from", "2026-01-01", "--title", "副市长", "--as", "organ")
    juece("register", "review-office", "CITY", "JUS", "--as", "admin")

    did = str(juece("decision", "new", "--title", "示例市城市更新专项规划", "--organ", "CITY", "--undertaker", "DRC",
                    "--category", "2", "--source", "leader", "--as", "organ", "--json")["id"])

    def ev(kind: str, user: str, *meta: str, file: Path = doc) -> dict:
        args = ["evidence", "add", did, "--kind", kind, str(file), "--as", user, "--json"]
        for m in meta:
            args += ["--meta", m]
        return juece(*args)

    def advance(user: str) -> str:
        return juece("advance", did, "--as", user, "--json")["to"]

    ev("proposal", "organ", "source=leader")
    ev("start_decision", "organ", "date=2026-03-02")
    assert advance("organ") == "drafting"
    sets = ["--set", "professional_technical=yes"]
    for t in ("stability_risk", "specific_groups", "market_entities", "npc_scope", "high_public_concern",
              "interagency", "non_disclosable", "exploratory_reform"):
        sets += ["--set", f"{t}=no", "--reason", f"{t}=经研究不适用"]
    juece("decision", "triggers", did, *sets, "--as", "drafter")
    v1 = ev("draft", "drafter", "version=v1", file=draft1)["sha256"]
    ev("legal_basis", "drafter", "laws=《城乡规划法》")
    assert juece("expert", "assign", did, "e1", "e2", "e3", "--as", "drafter", "--json")["assigned"] == ["e1", "e2", "e3"]
    assert advance("drafter") == "public_participation"
    ev("participation_activity", "drafter", "form=open_comment", "start=2026-03-03", "end=2026-04-02")
    at_least("2026-04-03")  # the announced period has ended (§8 Periods)
    ev("opinion_register", "drafter", "received=3", "adopted=1", "partially_adopted=1", "not_adopted=1")
    assert advance("drafter") == "expert_review"
    for e in ("e1", "e2", "e3"):
        ev("expert_opinion", e, f"expert={e}", "signed=yes", "direct_interest=no")
    ev("expert_adoption", "drafter")
    assert advance("drafter") == "legality_review"

    at_least("2026-05-06")
    v2 = ev("draft", "drafter", "version=v2", file=draft2)["sha256"]  # the version sent for review
    ev("legality_submission", "drafter", "submitted=2026-04-30")  # entered six days late: a late entry (补录)
    ev("legal_adviser_opinion", "adviser")
    ev("legality_opinion", "reviewer", "conclusion=lawful")
    assert advance("reviewer") == "collective_discussion"

    at_least("2026-05-20")
    body = juece("register", "list", "CITY", "--date", "2026-05-20", "--json")
    assert body["size"] == 5 and body["review_office"] == "JUS"
    head = next(m["user"] for m in body["members"] if m["head"])
    positions = [p for m in body["members"] if not m["head"] for p in ("--position", f"{m['user']}=approve")]
    m = juece("meeting", did, "--type", "executive", "--date", "2026-05-20", "--minutes", str(doc),
              "--members", str(body["size"]), *positions, "--position", f"{head}=approve", "--head", head,
              "--outcome", "approve", "--as", "secretary", "--json")
    assert m["state"] == "party_report" and m["present"] == 5

    at_least("2026-05-22")
    ev("party_committee_report", "organ", "reported=2026-05-22")
    ev("execution_assignment", "organ", "executing_unit=FIN")
    assert advance("organ") == "publication"
    at_least("2026-05-28")
    ev("publication_record", "organ", "channel=gazette", "date=2026-05-28")
    ev("adoption_explanation", "organ")
    assert advance("organ") == "execution"
    ev("execution_report", "exec", "period=2026H2")

    shown = juece("show", did, "--json")
    assert shown["state"] == "execution"
    authors = {"proposal": "organ", "start_decision": "organ", "draft": "drafter", "legal_basis": "drafter",
               "participation_activity": "drafter", "opinion_register": "drafter", "expert_adoption": "drafter",
               "legality_submission": "drafter", "legal_adviser_opinion": "adviser", "legality_opinion": "reviewer",
               "meeting_minutes": "secretary", "party_committee_report": "organ", "execution_assignment": "organ",
               "publication_record": "organ", "adoption_explanation": "organ", "execution_report": "exec"}
    pinned = {"expert_opinion": v1, "legality_submission": v2, "legality_opinion": v2, "meeting_minutes": v2}
    for e in shown["evidence"]:
        assert e["channel"] == "cli", e
        assert e["author"] == e["uploader"] == authors.get(e["kind"], e["meta"].get("expert")), e
        assert e["on_behalf"] is None
        assert e["late_entry"] is (e["kind"] == "legality_submission"), e
        assert e["draft_sha256"] == pinned.get(e["kind"]), e
    assert sorted(e["author"] for e in shown["evidence"] if e["kind"] == "expert_opinion") == ["e1", "e2", "e3"]
    assert len(shown["evidence"]) == 20
    meeting = shown["meetings"][0]
    assert meeting["draft_sha256"] == v2 and meeting["late_entry"] is False and meeting["members"] == 5
    assert [p["user"] for p in meeting["positions"]] == ["vm1", "vm2", "vm3", "vm4", "mayor"]
    assert meeting["head"] == "mayor" and meeting["positions"][-1]["is_head"]

    assert juece("verify", "--json")["ok"] is True
    out = tmp_path / "案卷.pdf"
    juece("dossier", did, "-o", str(out))
    assert out.read_bytes().startswith(b"%PDF") and len(PdfReader(out).pages) > 1
    juece("verify", "--dossier", str(out))
