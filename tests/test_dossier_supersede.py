"""Online `verify --dossier`: an authentic dossier whose record has moved on is *superseded* (exit 0, named
with the later record's seq); an altered one is exit 6 naming what differs; a dossier made by an earlier
version (a manifest of layout 3, without the chain anchor, over the earlier record format) still verifies
online against the audit trail that recorded it."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pikepdf
from typer.testing import CliRunner

from decisions.archive import service as archive
from decisions.archive import supersede
from decisions.cli import app
from decisions.records import audit
from decisions.storage.unit_of_work import UnitOfWork
from pdf import dossier
from tests.helpers import Walker
from tests.test_dossier_helpers import pdf_pages

runner = CliRunner()


def _manifest(data: bytes) -> dict:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        m = dossier.read_manifest(pdf)
    assert m is not None
    return m


def _rewrite(data: bytes, *, manifest: dict | None = None, title: str | None = None) -> bytes:
    """The same file with its manifest or its document title replaced (what an older version wrote, or a forger)."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        if manifest is not None:
            pdf.attachments[dossier.MANIFEST_NAME] = pikepdf.AttachedFileSpec(
                pdf, dossier.canonical(manifest), filename=dossier.MANIFEST_NAME, mime_type="application/json")
        if title is not None:
            pdf.docinfo["/Title"] = title
        buf = io.BytesIO()
        pdf.save(buf)
    return buf.getvalue()


def _record_as_made(decision_id: int, data: bytes, manifest: dict) -> None:
    """The ``dossier`` audit event an earlier version wrote when it made this file."""
    with UnitOfWork() as uow:
        audit.record(uow.session, decision_id=decision_id, actor="archivist", role="archivist", office="",
                     action="dossier", detail={"sha256": hashlib.sha256(data).hexdigest(),
                                               "record_sha256": manifest["record_sha256"],
                                               "as_of": manifest["decision"]["as_of"]})
        uow.commit()


def _walker() -> Walker:
    w = Walker().new()
    w.do_proposed()
    return w


def test_a_dossier_whose_record_moved_on_is_superseded_not_altered(org, tmp_path: Path):
    w = _walker()
    r = archive.generate_dossier(w.id, as_user="archivist")
    path = tmp_path / "d.pdf"
    path.write_bytes(r["data"])
    anchor = _manifest(r["data"])["chain"]["seq"]
    assert archive.verify_dossier(path)["status"] == "matches"

    added = w.ev("start_decision", user="organ", name="启动决定.pdf", data=pdf_pages(1, "启动"), date="2026-03-02")
    result = archive.verify_dossier(path)
    assert result["ok"] and result["status"] == "superseded", result["problems"]
    assert result["dossier_seq"] == anchor and result["record_seq"] > anchor and result["later_events"] >= 1
    assert result["evidence_differs"] == []
    assert any(f"evidence #{added['id']} added after this dossier" in n for n in result["notes"])

    cli = runner.invoke(app, ["verify", "--dossier", str(path)])
    assert cli.exit_code == 0, cli.output
    assert "superseded" in cli.stdout and f"record now at seq {result['record_seq']}" in cli.stdout
    out = runner.invoke(app, ["verify", "--dossier", str(path), "--json"])
    assert out.exit_code == 0
    assert json.loads(out.stdout)["status"] == "superseded"


def test_an_altered_dossier_of_a_record_that_moved_on_is_exit_6(org, tmp_path: Path):
    w = _walker()
    r = archive.generate_dossier(w.id, as_user="archivist")
    w.advance("organ")
    # the pages or metadata changed: not the file juece made (its SHA-256 is not in the audit trail)
    forged = tmp_path / "title.pdf"
    forged.write_bytes(_rewrite(r["data"], title="另一个标题"))
    bad = archive.verify_dossier(forged)
    assert not bad["ok"] and bad["status"] == "altered"
    assert any("not in the audit trail" in p for p in bad["problems"])
    cli = runner.invoke(app, ["verify", "--dossier", str(forged)])
    assert cli.exit_code == 6 and "not in the audit trail" in cli.stderr

    # an embedded original replaced: named, whatever the record did since
    m = _manifest(r["data"])
    item = m["evidence"][0]
    with pikepdf.open(io.BytesIO(r["data"])) as pdf:
        pdf.attachments[item["attachment"]] = pikepdf.AttachedFileSpec(pdf, b"%PDF-1.7 forged",
                                                                       filename=item["attachment"])
        buf = io.BytesIO()
        pdf.save(buf)
    bad = archive.verify_dossier(buf.getvalue())
    assert not bad["ok"] and bad["evidence_differs"] == [item["id"]]

    # a manifest whose anchor names a chain value the record never had (the record before it was rewritten)
    m["chain"]["sha256"] = "0" * 64
    bad = archive.verify_dossier(_rewrite(r["data"], manifest=m))
    assert not bad["ok"] and any(f"event seq {m['chain']['seq']} differs" in p for p in bad["problems"])


def test_a_dossier_made_before_the_record_format_changed_still_verifies_online(org, tmp_path: Path):
    """Layout 3 (git 486c0d6): no ``chain`` in the manifest, ``renderer.layout`` "3", ``record_sha256`` over the
    record as it was then (no per-document provenance). Its file SHA-256 was recorded when it was made."""
    w = _walker()
    r = archive.generate_dossier(w.id, as_user="archivist")
    old = _manifest(r["data"])
    del old["chain"]
    old["renderer"]["layout"] = "3"
    old["record_sha256"] = dossier.record_digest({"format": "layout 3 record", "decision": old["decision"]})
    data = _rewrite(r["data"], manifest=old)
    _record_as_made(w.id, data, old)
    path = tmp_path / "old.pdf"
    path.write_bytes(data)

    result = archive.verify_dossier(path)
    assert result["ok"] and result["status"] == "matches", result["problems"]
    assert any("earlier version" in n for n in result["notes"])
    cli = runner.invoke(app, ["verify", "--dossier", str(path)])
    assert cli.exit_code == 0, cli.output
    assert "earlier version" in cli.stdout

    w.advance("organ")
    result = archive.verify_dossier(path)
    assert result["ok"] and result["status"] == "superseded", result["problems"]

    # the same old-format file with its title changed was never recorded: altered, exit 6
    forged = tmp_path / "old-forged.pdf"
    forged.write_bytes(_rewrite(data, title="另一个标题"))
    bad = runner.invoke(app, ["verify", "--dossier", str(forged)])
    assert bad.exit_code == 6 and "not in the audit trail" in bad.stderr


def test_an_unrecorded_earlier_version_dossier_is_not_taken_on_trust(org):
    """An old-format manifest whose record digest equals the record's now must not skip the comparison."""
    w = _walker()
    r = archive.generate_dossier(w.id, as_user="archivist")
    old = _manifest(r["data"])
    del old["chain"]
    old["renderer"]["layout"] = "3"
    bad = archive.verify_dossier(_rewrite(r["data"], manifest=old, title="另一个标题"))
    assert not bad["ok"] and any("earlier version" in p for p in bad["problems"])


def test_the_anchor_rules_without_a_database():
    events = [{"seq": 1, "action": "created", "detail": {}, "hash": "a", "at": "t1"},
              {"seq": 2, "action": "evidence", "detail": {"evidence_id": 7}, "hash": "b", "at": "t2"},
              {"seq": 3, "action": "dossier", "detail": {"sha256": "f"}, "hash": "c", "at": "t3"},
              {"seq": 4, "action": "evidence", "detail": {"evidence_id": 8}, "hash": "d", "at": "t4"}]
    new = {"chain": {"seq": 2, "sha256": "b"}, "renderer": {"layout": dossier.LAYOUT}}
    assert supersede.anchor(new, events, "x").seq == 2 and not supersede.anchor(new, events, "x").problems
    assert supersede.anchor({"chain": {"seq": 2, "sha256": "z"}}, events, "x").problems
    old = {"renderer": {"layout": "3"}}
    assert supersede.earlier_version(old) and supersede.layout_of({}) == "1"
    assert supersede.anchor(old, events, "f").seq == 2  # the events before the one that recorded the file
    assert supersede.anchor(old, events, "unknown").seq is None
    assert [e["seq"] for e in supersede.later_events(events, 2)] == [4]
    assert supersede.evidence_added_after(events, 2) == {8}
    assert supersede.summary(events, 2)["record_seq"] == 4
    timed = [{**e, "at": f"2026-03-0{e['seq']}T10:00:00+08:00"} for e in events]
    ok = {**new, "decision": {"as_of": "2026-03-02T10:00:00+08:00"}}
    assert supersede.as_of_problems(ok, timed, 2, "2026-03-01T09:00:00+08:00") == []
    moved = {**new, "decision": {"as_of": "2026-03-04T10:00:00+08:00"}}  # claims a later state than its anchor
    assert supersede.as_of_problems(moved, timed, 2, "2026-03-01T09:00:00+08:00")
    assert supersede.as_of_problems({**moved, "renderer": {"layout": "3"}}, timed, 2, "2026-03-01") == []


def test_a_recorded_file_another_build_made_is_authentic_an_unrecorded_one_is_not(org):
    """Same layout, same record, other bytes (a font or library update since): the audit trail decides."""
    w = _walker()
    r = archive.generate_dossier(w.id, as_user="archivist")
    other = _rewrite(r["data"], title="同一记录，另一版本生成")
    bad = archive.verify_dossier(other)
    assert not bad["ok"] and any("fresh rendering" in p for p in bad["problems"])
    _record_as_made(w.id, other, _manifest(other))
    good = archive.verify_dossier(other)
    assert good["ok"] and good["status"] == "matches", good["problems"]
    assert any("not byte-identical to a fresh rendering" in n for n in good["notes"])
