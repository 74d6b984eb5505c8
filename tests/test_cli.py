"""The command line contract (procedure.md §7): a full walk by the CLI alone, exit codes, --json,
and every kind of bad input refused with one clear line and nothing written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from decisions.cli import app
from tests.helpers import PDF, at_least

runner = CliRunner()


def juece(*args: str, code: int = 0, stdin: str | None = None) -> dict | list | str:
    result = runner.invoke(app, list(args), input=stdin)
    assert result.exit_code == code, f"juece {' '.join(args)} -> {result.exit_code}\n{result.stdout}\n{result.stderr}"
    if "--json" in args:
        return json.loads(result.stdout)
    return result.stdout + result.stderr


@pytest.fixture()
def files(tmp_path: Path) -> Path:
    d = tmp_path / "files"
    d.mkdir()
    (d / "doc.pdf").write_bytes(PDF)
    (d / "empty.pdf").write_bytes(b"")
    (d / "fake.pdf").write_bytes(b"this is not a pdf")
    (d / "note.txt").write_text("会议纪要：同意。", encoding="utf-8")
    return d


def setup_org() -> None:
    juece("office", "add", "CITY", "--name", "示例市人民政府", "--level", "city")
    for code, name in (("DRC", "发改委"), ("JUS", "司法局"), ("FIN", "财政局")):
        juece("office", "add", code, "--name", name, "--level", "department", "--parent", "CITY")
    juece("office", "add", "ACAD", "--name", "研究院", "--level", "department")
    for user, office, roles in (("organ", "CITY", ["decision_organ"]), ("mayor", "CITY", ["head"]),
                                ("secretary", "CITY", ["secretary"]), ("drafter", "DRC", ["drafter"]),
                                ("reviewer", "JUS", ["legality_reviewer"]), ("adviser", "JUS", ["legal_adviser"]),
                                ("exec", "FIN", ["executor"]), ("e1", "ACAD", ["expert"]), ("e2", "ACAD", ["expert"]),
                                ("e3", "ACAD", ["expert"]), ("vm1", "CITY", ["decision_organ"]),
                                ("vm2", "CITY", ["decision_organ"]), ("vm3", "CITY", ["decision_organ"]),
                                ("vm4", "CITY", ["decision_organ"]), ("admin", "CITY", ["admin"])):
        args = ["user", "add", user, "--name", user, "--office", office]
        for r in roles:
            args += ["--role", r]
        juece(*args)
    # the registers (procedure.md §8): the organ's five members, the mayor its head; its reviewing office
    juece("register", "member", "CITY", "mayor", "--from", "2026-01-01", "--title", "市长", "--head", "--as", "admin")
    for user in ("vm1", "vm2", "vm3", "vm4"):
        juece("register", "member", "CITY", user, "--from", "2026-01-01", "--title", "副市长", "--as", "organ")
    juece("register", "review-office", "CITY", "JUS", "--as", "admin")


def test_walk_proposed_to_execution_by_cli_alone(env, files):
    doc = str(files / "doc.pdf")
    setup_org()
    juece("user", "add", "pw", "--name", "有密码", "--office", "CITY", "--role", "auditor", "--password-stdin",
          stdin="correct-horse-battery\n")
    new = juece("decision", "new", "--title", "示例市城市更新专项规划", "--organ", "CITY", "--undertaker", "DRC",
                "--category", "2", "--source", "leader", "--as", "organ", "--json")
    did = str(new["id"])

    def ev(kind: str, user: str, *meta: str) -> None:
        args = ["evidence", "add", did, "--kind", kind, doc, "--as", user, "--json"]
        for m in meta:
            args += ["--meta", m]
            if m.split("=", 1)[1][:2] == "20":
                at_least(m.split("=", 1)[1])  # recorded on or after its dates (procedure.md §8 "Time")
        juece(*args)

    ev("proposal", "organ", "source=leader")
    ev("start_decision", "organ", "date=2026-03-02")
    assert juece("advance", did, "--as", "organ", "--json")["to"] == "drafting"
    sets = ["--set", "professional_technical=yes"]
    for t in ("stability_risk", "specific_groups", "market_entities", "npc_scope", "high_public_concern",
              "interagency", "non_disclosable", "exploratory_reform"):
        sets += ["--set", f"{t}=no", "--reason", f"{t}=经研究不适用"]
    juece("decision", "triggers", did, *sets, "--as", "drafter")
    ev("draft", "drafter", "version=v1")
    ev("legal_basis", "drafter", "laws=城乡规划法")
    juece("advance", did, "--as", "drafter")
    ev("participation_activity", "drafter", "form=open_comment", "start=2026-03-03", "end=2026-04-02")
    ev("opinion_register", "drafter", "received=3", "adopted=1", "partially_adopted=1", "not_adopted=1")
    at_least("2026-04-03")  # the comment period is over (Art 15)
    assert juece("advance", did, "--as", "drafter", "--json")["to"] == "expert_review"
    assert juece("expert", "assign", did, "e1", "e2", "e3", "--as", "drafter", "--json")["assigned"] == ["e1", "e2", "e3"]
    for e in ("e1", "e2", "e3"):
        ev("expert_opinion", e, f"expert={e}", "signed=yes", "direct_interest=no")
    ev("expert_adoption", "drafter")
    r = juece("advance", did, "--as", "drafter", "--json")
    assert r["to"] == "legality_review" and {s["stage"] for s in r["skipped"]} == {"risk_assessment",
                                                                                   "fair_competition_review"}
    ev("legality_submission", "drafter", "submitted=2026-05-06")
    ev("legal_adviser_opinion", "adviser")
    ev("legality_opinion", "reviewer", "conclusion=lawful")
    juece("advance", did, "--as", "reviewer")
    at_least("2026-05-20")
    m = juece("meeting", did, "--type", "executive", "--date", "2026-05-20", "--minutes", str(files / "note.txt"),
              "--members", "5", "--position", "vm1=approve", "--position", "vm2=abstain", "--position",
              "mayor=approve", "--head", "mayor", "--outcome", "approve", "--as", "secretary", "--json")
    assert m["state"] == "party_report"
    ev("party_committee_report", "organ", "reported=2026-05-22")
    ev("execution_assignment", "organ", "executing_unit=FIN")
    juece("advance", did, "--as", "organ")
    ev("publication_record", "organ", "channel=gazette", "date=2026-05-28")
    ev("adoption_explanation", "organ")
    assert juece("advance", did, "--as", "organ", "--json")["to"] == "execution"
    shown = juece("show", did, "--json")
    assert shown["state"] == "execution" and shown["profile"] == "state-council-2019"
    assert {s["key"]: s["status"] for s in shown["stages"]}["risk_assessment"] == "skipped"
    assert all(len(e["sha256"]) == 64 for e in shown["evidence"])
    assert [p["user"] for p in shown["meetings"][0]["positions"]] == ["vm1", "vm2", "mayor"]
    listed = juece("list", "--state", "execution", "--json")
    assert [d["id"] for d in listed] == [int(did)]
    assert juece("verify", "--json")["ok"] is True
    assert "execution" in juece("show", did)


def test_blocked_lists_every_requirement_with_article_as_json(env, files):
    setup_org()
    did = str(juece("decision", "new", "--title", "T", "--organ", "CITY", "--undertaker", "DRC", "--category", "1",
                    "--source", "public", "--as", "organ", "--json")["id"])
    out = juece("advance", did, "--as", "organ", "--json", code=3)
    assert {b["requirement"] for b in out["blocked"]} == {"proposed.proposal", "proposed.start_decision"}
    assert all(b["article"].startswith("Art 10") and b["message"] for b in out["blocked"])
    text = juece("advance", did, "--as", "organ", code=3)
    assert "[Art 10]" in text and "决策事项建议" in text


def audit_count() -> int:
    from sqlmodel import func, select

    from decisions.procedure.models import Evidence
    from decisions.records.models import AuditEvent
    from decisions.storage.unit_of_work import UnitOfWork
    with UnitOfWork() as uow:
        return uow.session.exec(select(func.count()).select_from(AuditEvent)).one() + \
            uow.session.exec(select(func.count()).select_from(Evidence)).one()


def objects(env: Path) -> int:
    return len(list((env / "objects").glob("*/*"))) if (env / "objects").exists() else 0


BAD = [
    # (args template, exit code, fragment of the one-line message)
    (["show", "999"], 5, "999"),
    (["advance", "999", "--as", "organ"], 5, "999"),
    (["advance", "{id}", "--as", "nobody"], 5, "nobody"),
    (["evidence", "add", "{id}", "--kind", "bogus_kind", "{doc}", "--as", "organ"], 2, "bogus_kind"),
    (["evidence", "add", "{id}", "--kind", "start_decision", "{doc}", "--meta", "date=2026-13-45", "--as", "organ"], 2,
     "2026-13-45"),
    (["evidence", "add", "{id}", "--kind", "proposal", "{dir}/missing.pdf", "--meta", "source=leader", "--as", "organ"],
     2, "missing.pdf"),
    (["evidence", "add", "{id}", "--kind", "proposal", "{dir}/empty.pdf", "--meta", "source=leader", "--as", "organ"], 2,
     "empty.pdf"),
    (["evidence", "add", "{id}", "--kind", "proposal", "{dir}/fake.pdf", "--meta", "source=leader", "--as", "organ"], 2,
     ".pdf"),
    (["evidence", "add", "{id}", "--kind", "proposal", "{doc}", "--meta", "colour=blue", "--as", "organ"], 2, "colour"),
    (["evidence", "add", "{id}", "--kind", "proposal", "{doc}", "--meta", "source=martians", "--as", "organ"], 2,
     "martians"),
    (["evidence", "add", "{id}", "--kind", "proposal", "{doc}", "--meta", "nonsense", "--as", "organ"], 2, "nonsense"),
    (["evidence", "add", "{id}", "--kind", "proposal", "{doc}", "--as", "organ"], 2, "source"),
    (["decision", "triggers", "{id}", "--set", "stability_risk=maybe", "--as", "drafter"], 2, "maybe"),
    (["decision", "triggers", "{id}", "--set", "weather=no", "--as", "drafter"], 2, "weather"),
    (["decision", "new", "--title", "X", "--organ", "CITY", "--undertaker", "DRC", "--category", "9", "--source",
      "leader", "--as", "organ"], 2, "9"),
    (["decision", "new", "--title", "X", "--organ", "NOPE", "--undertaker", "DRC", "--category", "1", "--source",
      "leader", "--as", "organ"], 5, "NOPE"),
    (["decision", "new", "--title", "X", "--organ", "CITY", "--undertaker", "DRC", "--category", "1", "--source",
      "rumour", "--as", "organ"], 2, "rumour"),
    (["list", "--state", "limbo"], 2, "limbo"),
    (["meeting", "{id}", "--type", "executive", "--date", "20-05-2026", "--minutes", "{doc}", "--members", "3",
      "--position", "mayor=approve", "--head", "mayor", "--outcome", "approve", "--as", "secretary"], 2, "20-05-2026"),
    (["meeting", "{id}", "--type", "executive", "--date", "2026-05-20", "--minutes", "{doc}", "--members", "3",
      "--position", "mayor=yes", "--head", "mayor", "--outcome", "approve", "--as", "secretary"], 2, "yes"),
    (["advance", "{id}", "--as", "drafter"], 4, "drafter"),
    (["evidence", "add", "{id}", "--kind", "proposal", "{doc}", "--meta", "source=leader", "--bogus-option"], 2,
     "bogus"),
    (["user", "add", "x1", "--name", "X", "--office", "CITY", "--role", "king"], 2, "king"),
    (["office", "add", "../etc", "--name", "X", "--level", "city"], 2, "../etc"),
    (["office", "add", "Z1", "--name", "X", "--level", "galaxy"], 2, "galaxy"),
]


@pytest.mark.parametrize("args,code,fragment", BAD, ids=[" ".join(b[0][:3]) + f"-{i}" for i, b in enumerate(BAD)])
def test_bad_input_one_clear_line_and_nothing_written(env, files, args, code, fragment):
    setup_org()
    did = juece("decision", "new", "--title", "T", "--organ", "CITY", "--undertaker", "DRC", "--category", "1",
                "--source", "leader", "--as", "organ", "--json")["id"]
    before, before_objects = audit_count(), objects(env)
    argv = [a.format(id=did, doc=files / "doc.pdf", dir=files) for a in args]
    result = runner.invoke(app, argv)
    assert result.exit_code == code, result.stdout + result.stderr
    message = (result.stderr or result.stdout).strip()
    assert fragment in message
    if code in (3, 4, 5) or "Usage" not in message:
        assert len([ln for ln in message.splitlines() if ln.strip()]) == 1, message
    assert audit_count() == before and objects(env) == before_objects


def test_oversize_file_refused(env, files, monkeypatch):
    setup_org()
    did = str(juece("decision", "new", "--title", "T", "--organ", "CITY", "--undertaker", "DRC", "--category", "1",
                    "--source", "leader", "--as", "organ", "--json")["id"])
    big = files / "big.pdf"
    big.write_bytes(PDF + b"0" * 300_000)
    monkeypatch.setenv("JUECE_MAX_FILE_MB", "0.1")
    out = juece("evidence", "add", did, "--kind", "proposal", str(big), "--meta", "source=leader", "--as", "organ",
                code=2)
    assert "big.pdf" in out and "limit" in out


def test_filename_with_path_components_refused(org):
    from decisions.errors import BadInput
    from decisions.procedure import service
    from tests.helpers import Walker
    w = Walker().new()
    for name in ("../../etc/passwd.pdf", "a/b.pdf", "c:\\x.pdf", ".."):
        with pytest.raises(BadInput, match="path"):
            service.add_evidence(w.id, kind="proposal", filename=name, data=PDF, meta={"source": "leader"},
                                 as_user="organ")


def test_console_script_exit_codes_and_json(env, files):
    """The installed `juece` entry point, as outside checks run it."""
    exe = Path(sys.executable).parent / "juece"
    environ = {**os.environ}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(exe), *args], capture_output=True, text=True, env=environ, timeout=60)

    assert run("init").returncode == 0
    assert run("office", "add", "C", "--name", "市政府", "--level", "city").returncode == 0
    assert run("office", "add", "D", "--name", "部门", "--level", "department", "--parent", "C").returncode == 0
    assert run("user", "add", "o", "--name", "o", "--office", "C", "--role", "decision_organ").returncode == 0
    assert run("user", "add", "d", "--name", "d", "--office", "D", "--role", "drafter").returncode == 0
    r = run("decision", "new", "--title", "T", "--organ", "C", "--undertaker", "D", "--category", "1", "--source",
            "leader", "--as", "o", "--json")
    assert r.returncode == 0, r.stderr
    did = str(json.loads(r.stdout)["id"])
    r = run("advance", did, "--as", "o", "--json")
    assert r.returncode == 3 and json.loads(r.stdout)["blocked"][0]["article"].startswith("Art 10")
    assert run("advance", did, "--as", "d").returncode == 4
    assert run("show", "4242").returncode == 5
    assert run("advance", did, "--as", "o", "--nope").returncode == 2
    assert run("--json", "show", did).returncode == 0
