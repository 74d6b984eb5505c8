"""Hold under attack (issue "Hold under attack"): what an intruder with access to the database or the disk can
do, and what juece must then say. Each test reproduces one finding:

* a row the audit trail describes, changed in the database, is named by `verify` (exit 6), for every table whose
  values the trail carries; a dropped, altered or disabled append-only trigger is named by `verify` and put back by
  `juece init`;
* a damaged SQLite page is an integrity failure (exit 6, JSON under ``--json``), not a traceback, and a command
  that writes refuses on it; a full disk is one clear line;
* a backup of a record that does not verify is refused (exit 6); a restore checks everything first and is all or
  nothing (a failed one leaves the deployment empty, a good backup restores after it);
* scripts and launches chained behind an evidence page's links (``/Next``) or on a form field's parent do not reach
  the dossier, and a dossier that would still carry active content is refused (exit 6).
"""

from __future__ import annotations

import errno
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from typer.main import get_command

from decisions.cli import app
from decisions.errors import IntegrityFailure
from decisions.integrity import service as integrity
from decisions.records import evidence_store
from decisions.storage import db
from decisions.storage.db import dispose_engines, get_engine
from decisions.storage.unit_of_work import translate
from tests.helpers import Walker, set_now

COMMAND = get_command(app)


def cli(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(COMMAND, list(args), catch_exceptions=False)
    return r.exit_code, r.output




def _require_sqlite() -> None:
    if not db.is_sqlite():
        pytest.skip("a page of a SQLite file (PostgreSQL checks its own blocks)")


# ----------------------------------------------------------------- 2. a damaged page
def _damaged_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the deployment's database with the root pages of the audit trail overwritten."""
    src = db.sqlite_path()
    assert src is not None
    with get_engine().connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    dispose_engines()
    copy = tmp_path / "damaged.db"
    shutil.copyfile(src, copy)
    with sqlite3.connect(copy) as con:
        page = con.execute("PRAGMA page_size").fetchone()[0]
        roots = [r for (r,) in con.execute("SELECT rootpage FROM sqlite_master WHERE tbl_name IN "
                                           "('auditevent', 'auditsm3', 'decision') AND rootpage > 1")]
    con.close()
    assert roots
    with copy.open("r+b") as fh:
        for root in roots:
            fh.seek((root - 1) * page)
            fh.write(b"\xa5" * page)
    monkeypatch.setenv("JUECE_DATABASE_URL", f"sqlite:///{copy}")
    return copy


def test_a_damaged_page_is_an_integrity_failure_with_json(org, tmp_path, monkeypatch):
    _require_sqlite()
    Walker().walk_to("drafting")
    _damaged_copy(tmp_path, monkeypatch)
    code, out = cli("verify", "--json")
    assert code == 6, out
    result = json.loads(out)
    assert result["ok"] is False and result["database_damaged"] is True
    assert any("damaged" in p for p in result["problems"]), result
    code, out = cli("verify")
    assert code == 6 and "damaged" in out and "Traceback" not in out


def test_a_write_command_refuses_a_damaged_database(org, tmp_path, monkeypatch):
    _require_sqlite()
    Walker().walk_to("drafting")
    _damaged_copy(tmp_path, monkeypatch)
    code, out = cli("decision", "new", "--title", "损坏后", "--organ", "CITY", "--undertaker", "CITY-DRC",
                    "--category", "2", "--source", "department", "--as", "organ")
    assert code == 6, out
    assert "damaged" in out and "Traceback" not in out
    assert len(out.strip().splitlines()) == 1
    code, out = cli("--json", "decision", "new", "--title", "损坏后", "--organ", "CITY", "--undertaker",
                    "CITY-DRC", "--category", "2", "--source", "department", "--as", "organ")
    assert code == 6 and json.loads(out)["error"] == "IntegrityFailure"


def test_a_full_disk_is_one_clear_line(org, monkeypatch):
    from sqlalchemy.exc import OperationalError

    mapped = translate(OperationalError("INSERT", {}, sqlite3.OperationalError("database or disk is full")))
    assert isinstance(mapped, IntegrityFailure) and "disk is full" in mapped.message

    def full(*_a: object, **_k: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    w = Walker().walk_to("drafting")
    monkeypatch.setattr(evidence_store.tempfile, "mkstemp", full)
    with pytest.raises(IntegrityFailure, match="disk is full"):
        w.ev("draft", data=b"%PDF-1.4\n% full disk\n%%EOF")
    assert integrity.verify()["ok"]


# ----------------------------------------------------------------- 3. backup and restore under attack
def _table_rows() -> dict[str, int]:
    from sqlalchemy import inspect, text

    engine = get_engine()
    with engine.connect() as conn:
        return {t: conn.execute(text(f'SELECT COUNT(*) FROM "{t}"')).scalar_one()
                for t in inspect(engine).get_table_names() if t != "alembic_version"}


def test_backup_of_an_edited_audit_row_is_refused(org, tmp_path):
    from tests.tamper import tamper

    w = Walker().walk_to("drafting")
    tamper("UPDATE auditevent SET actor = 'intruder' WHERE chain = :c AND seq = 2", c=w.id)
    code, out = cli("backup", str(tmp_path / "b"))
    assert code == 6, out
    assert "does not verify" in out and "altered" in out
    assert not (tmp_path / "b").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".b.tmp-")]


def test_restore_is_all_or_nothing(org, tmp_path, monkeypatch, request):
    import hashlib

    from tests.test_backup import use_empty_deployment

    Walker().walk_to("drafting")
    good = tmp_path / "good"
    assert cli("backup", str(good))[0] == 0
    # a forged backup whose hashes agree: one audit event's actor changed, database.jsonl's hash recomputed
    bad = tmp_path / "bad"
    shutil.copytree(good, bad)
    lines = (bad / "database.jsonl").read_text("utf-8").splitlines(keepends=True)
    at = next(i for i, ln in enumerate(lines) if '"drafter"' in ln and i > next(
        j for j, x in enumerate(lines) if x.startswith('{"table":"auditevent"')))
    lines[at] = lines[at].replace('"drafter"', '"intruder"', 1)
    (bad / "database.jsonl").write_text("".join(lines), "utf-8")
    manifest = json.loads((bad / "manifest.json").read_text("utf-8"))
    manifest["database"]["sha256"] = hashlib.sha256((bad / "database.jsonl").read_bytes()).hexdigest()
    (bad / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    # a truncated one: the last row line cut in half (hash recomputed too)
    cut = tmp_path / "cut"
    shutil.copytree(good, cut)
    data = (cut / "database.jsonl").read_bytes()
    (cut / "database.jsonl").write_bytes(data[: len(data) - 40])
    manifest = json.loads((cut / "manifest.json").read_text("utf-8"))
    manifest["database"]["sha256"] = hashlib.sha256((cut / "database.jsonl").read_bytes()).hexdigest()
    (cut / "manifest.json").write_text(json.dumps(manifest), "utf-8")

    data_dir = use_empty_deployment(tmp_path, monkeypatch, request)
    for forged in (bad, cut):
        code, out = cli("restore", str(forged))
        assert code == 6, out
        assert "Traceback" not in out
        assert set(_table_rows().values()) == {0}, _table_rows()  # nothing kept
        assert not list(evidence_store.iter_objects()), "files of a failed restore were left in the store"
    assert "altered" in cli("restore", str(bad))[1]
    code, out = cli("restore", str(good), "--json")
    assert code == 0, out
    assert json.loads(out)["verify"]["ok"] is True
    assert integrity.verify()["ok"]
    assert data_dir.is_dir()


# ----------------------------------------------------------------- 1. rows the trail describes
@pytest.fixture()
def record(org):  # noqa: ANN001, ANN201
    from decisions.aftercare import service as aftercare
    from decisions.participation import service as participation

    p = Walker().new("征求意见事项").walk_to("public_participation")   # first: its period opens 2026-03-03
    participation.open_consultation(p.id, start="2026-03-03", end="2026-04-02", explanation="起草说明",
                                    as_user="drafter")
    o = participation.add_opinion(p.id, channel="letter", content="来信：建议保留老街巷", name="李四", as_user="drafter")
    participation.dispose(p.id, [o["id"]], disposition="adopted", reason="已采纳", as_user="drafter")
    w = Walker().walk_to("execution")          # published, an executing unit assigned (the clock: 2026-04-03)
    aftercare.add_feedback(w.id, channel="letter", content="收费标准过高", contact="张先生")
    set_now("2026-04-03T09:00:00+08:00")   # the period over: the register, the next stage, the feedback
    participation.generate_register(p.id, as_user="drafter")
    p.advance()
    participation.generate_feedback(p.id, as_user="drafter")
    r = integrity.verify()
    assert r["ok"], r["problems"]
    assert r["unchecked"] == []
    return {"executed": w.id, "participation": p.id, "opinion": o["id"]}


def _sql(statement: str, **params: object) -> None:
    from sqlalchemy import text

    with get_engine().begin() as conn:
        assert conn.execute(text(statement), params).rowcount >= 1, statement


EDITS = {
    "decision-undertaker": ("UPDATE decision SET undertaker_id = (SELECT id FROM office WHERE code = 'CITY-FIN') "
                            "WHERE id = :executed", "undertaker"),
    "decision-organ": ("UPDATE decision SET organ_id = (SELECT id FROM office WHERE code = 'CITY-FIN') "
                       "WHERE id = :executed", "organ"),
    "decision-executing-unit": ("UPDATE decision SET executing_unit_id = (SELECT id FROM office WHERE code = "
                                "'CITY-DRC') WHERE id = :executed", "executing_unit"),
    "userrole": ("INSERT INTO userrole (user_id, role) SELECT id, 'head' FROM \"user\" WHERE username = 'drafter'",
                 "user #"),
    "stagestatus-status": ("UPDATE stagestatus SET status = 'current' WHERE decision_id = :participation "
                           "AND stage = 'public_participation'", "status"),
    "stagestatus-note": ("UPDATE stagestatus SET note = '已补正' WHERE decision_id = :executed AND stage = 'drafting'",
                         "note"),
    "opinion-text": ("UPDATE opinion SET content = '来信：同意拆除' WHERE id = :opinion", "text sha256"),
    "opinion-disposition": ("UPDATE opinion SET disposition = 'not_adopted' WHERE id = :opinion", "disposition"),
    "consultation": ('UPDATE consultation SET "end" = \'2026-03-05\' WHERE decision_id = :participation', "end"),
    "participation-feedback": ("UPDATE participation_feedback SET counts = '{\"received\": 9}' "
                               "WHERE decision_id = :participation", "counts"),
    "office-profile": ("UPDATE office SET profile = 'other-province' WHERE code = 'CITY'", "office #"),
    "publicfeedback": ("UPDATE public_feedback SET content = '非常满意' WHERE decision_id = :executed",
                       "public feedback"),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_a_row_edited_in_the_database_is_named_by_verify(record, edit):
    statement, named = EDITS[edit]
    _sql(statement, **{k: v for k, v in record.items() if f":{k}" in statement})
    code, out = cli("verify", "--json")
    assert code == 6, out
    found = json.loads(out)["problems"]
    assert any(named in p and "expected" in p for p in found), found
    if edit == "userrole":
        assert any("roles" in p and "'head'" in p for p in found), found


def test_a_dropped_or_disabled_trigger_is_named_and_init_restores_it(org):
    from sqlalchemy import text

    Walker().walk_to("drafting")
    with get_engine().begin() as conn:
        if db.is_sqlite():
            conn.execute(text("DROP TRIGGER auditevent_append_only_update"))
            conn.execute(text("DROP TRIGGER evidence_append_only_delete"))
            conn.execute(text("CREATE TRIGGER evidence_append_only_delete BEFORE DELETE ON evidence BEGIN SELECT 1; END"))
            names = ["auditevent_append_only_update", "evidence_append_only_delete"]
        else:
            conn.execute(text("DROP TRIGGER auditevent_append_only ON auditevent"))
            conn.execute(text("ALTER TABLE evidence DISABLE TRIGGER evidence_append_only"))
            names = ["auditevent_append_only", "evidence_append_only"]
    code, out = cli("verify", "--json")
    assert code == 6, out
    found = json.loads(out)["problems"]
    for name in names:
        assert any(name in p for p in found), (name, found)
    code, out = cli("init")
    assert code == 0, out
    assert all(name in out for name in names), out
    code, out = cli("verify")
    assert code == 0, out
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError, match="append-only"), get_engine().begin() as conn:
        conn.execute(text("UPDATE auditevent SET actor = 'intruder'"))


# ----------------------------------------------------------------- 4. active content in merged evidence
def _hostile_pdf() -> bytes:
    """One page whose annotations hide scripts and launches behind allowed actions: a link whose /Next is
    JavaScript, a link whose /Next array holds a URI chained to a Launch, a text field whose parent carries
    /AA JavaScript and a Launch /A; the page's own /AA; and document-level JavaScript and OpenAction."""
    import io

    import pikepdf
    from pikepdf import Array, Dictionary, Name, String

    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    page = pdf.pages[0]
    js = pdf.make_indirect(Dictionary(S=Name.JavaScript, JS=String("app.alert('x')")))
    launch = pdf.make_indirect(Dictionary(Type=Name.Action, S=Name.Launch, F=String("calc.exe")))
    link = Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=Array([0, 0, 100, 100]),
                      A=Dictionary(S=Name.URI, URI=String("https://example.org/"), Next=js))
    link2 = Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=Array([0, 100, 100, 200]),
                       A=Dictionary(S=Name.GoTo, D=Array([page.obj, Name.Fit]),
                                    Next=Array([Dictionary(S=Name.URI, URI=String("https://example.org/2"),
                                                           Next=launch), js])))
    parent = pdf.make_indirect(Dictionary(FT=Name.Tx, T=String("name"), AA=Dictionary(K=js), A=launch))
    widget = pdf.make_indirect(Dictionary(Type=Name.Annot, Subtype=Name.Widget, Rect=Array([0, 200, 100, 220]),
                                          Parent=parent, P=page.obj))
    parent.Kids = Array([widget])
    page.obj.Annots = Array([pdf.make_indirect(link), pdf.make_indirect(link2), widget])
    page.obj.AA = Dictionary(O=js)
    pdf.Root.AcroForm = Dictionary(Fields=Array([parent]))
    pdf.Root.OpenAction = js
    pdf.Root.Names = Dictionary(JavaScript=Dictionary(Names=Array([String("a"), js])))
    buf = io.BytesIO()
    pdf.save(buf)
    return buf.getvalue()


def test_active_content_chained_in_evidence_is_stripped_from_the_dossier(org, tmp_path):
    from pdf import pdfa

    w = Walker().walk_to("drafting")
    hostile = _hostile_pdf()
    with __import__("pikepdf").open(__import__("io").BytesIO(hostile)) as src:
        assert pdfa.active_content(src)  # the crafted file does carry it
    w.ev("draft", name="hostile.pdf", data=hostile, version="v2")
    out = tmp_path / "d.pdf"
    r = CliRunner().invoke(COMMAND, ["dossier", str(w.id), "-o", str(out), "--json"], catch_exceptions=False)
    code, text = r.exit_code, r.stdout
    assert code == 0, r.output
    data = out.read_bytes()
    assert pdfa.active_content(data) == []
    assert not [p for p in pdfa.check(data) if "forbidden" in p]
    assert any("removed" in x for x in json.loads(text)["warnings"]), text


def test_a_dossier_still_carrying_active_content_is_refused(org, tmp_path, monkeypatch):
    from pdf import pdfa

    w = Walker().walk_to("drafting")
    w.ev("draft", name="hostile.pdf", data=_hostile_pdf(), version="v2")
    monkeypatch.setattr(pdfa, "strip_actions", lambda *_a: 0)  # nothing stripped
    out = tmp_path / "d.pdf"
    code, text = cli("dossier", str(w.id), "-o", str(out))
    assert code == 6, text
    assert "active content" in text and "Traceback" not in text
    assert not out.exists()


def test_a_returned_decision_and_a_revised_one_verify_clean_and_their_stage_rows_are_checked(org):
    from decisions.procedure.sending_back import return_decision

    w = Walker().walk_to("legality_review")
    return_decision(w.id, to="drafting", reason="说明不完整（第27条第2项）", as_user="reviewer")
    w.walk_to("collective_discussion")
    w.meeting(outcome="revise", reason="需修改")
    r = integrity.verify()
    assert r["ok"], r["problems"]
    assert r["unchecked"] == []
    _sql("UPDATE stagestatus SET status = 'done' WHERE decision_id = :d AND stage = 'legality_review'", d=w.id)
    assert any("stage legality_review" in p and "status" in p for p in integrity.verify()["problems"])


def test_the_probe_prefilter_sees_actions_however_the_file_hides_them():
    """`pdfa.may_hold_actions` lets probing skip the page-by-page walk (`strip_actions`) of a file with nothing to
    strip: it must say yes to actions in object streams, behind an /S given by reference, under escaped names
    (/J#53) and for annotations — and no to a plain text PDF (else the walk is never skipped)."""
    import io

    import pikepdf
    from pikepdf import Dictionary, Name, String

    from pdf import pdfa
    from tests.test_dossier_helpers import pdf_pages

    def opened(data: bytes) -> pikepdf.Pdf:
        return pikepdf.open(io.BytesIO(data))

    assert not pdfa.may_hold_actions(opened(pdf_pages(3)))  # the /AAAAAA+ subset tag and /Trans are no action
    assert pdfa.may_hold_actions(opened(_hostile_pdf()))

    def hidden(**kw) -> bytes:  # a Launch reachable from the page's resources, in an object stream
        pdf = opened(pdf_pages(1))
        launch = Dictionary(Type=Name.Action, F=String("calc.exe"), **kw)
        pdf.pages[0].obj.Resources.Hide = pdf.make_indirect(launch)
        buf = io.BytesIO()
        pdf.save(buf, object_stream_mode=pikepdf.ObjectStreamMode.generate)
        return buf.getvalue()

    assert b"/ObjStm" in hidden(S=Name.Launch)
    assert pdfa.may_hold_actions(opened(hidden(S=Name.Launch)))
    with opened(hidden(S=Name.Launch)) as p:  # the /S given by reference
        p.pages[0].obj.Resources.Hide.S = p.make_indirect(Name.Launch)
        buf = io.BytesIO()
        p.save(buf, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    assert pdfa.may_hold_actions(opened(buf.getvalue()))
    raw = pdf_pages(1).replace(b"/Type /Page\n", b"/Type /Page /A#41 << /J#53 (app.alert(1)) >>\n", 1)
    if raw == pdf_pages(1):  # ReportLab's page dictionary written otherwise: escape a key it has
        raw = pdf_pages(1).replace(b"/Rotate", b"/A#41 << /J#53 (x) >> /Rotate", 1)
    assert raw != pdf_pages(1)
    assert pdfa.may_hold_actions(opened(raw))
    annotated = opened(pdf_pages(1))
    annotated.pages[0].obj.Annots = pikepdf.Array([annotated.make_indirect(Dictionary(
        Type=Name.Annot, Subtype=Name.Text, Rect=pikepdf.Array([0, 0, 10, 10]), F=2))])  # hidden: flags to fix
    assert pdfa.may_hold_actions(annotated)
