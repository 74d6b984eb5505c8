"""代录 (procedure.md §8 "Authors"): someone else enters an author's signed paper original only with
`--on-behalf USER` and its scan, is recorded with both names, and the author's own permission rules apply.
Each refusal is asserted with its exit code and article, and writes nothing; each test fails when its rule goes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, text
from sqlmodel import select
from typer.testing import CliRunner

from decisions.accounts import service as directory
from decisions.accounts.models import User
from decisions.cli import app
from decisions.errors import BadInput, NotFound, NotPermitted
from decisions.procedure import service
from decisions.procedure.models import Evidence
from decisions.records import filetypes
from decisions.storage.db import get_engine
from decisions.storage.unit_of_work import UnitOfWork
from tests.helpers import PDF, Walker

runner = CliRunner()

#: a one-page scan: a PDF whose page is an image XObject (what a scanner produces)
SCAN = (b"%PDF-1.4\n1 0 obj<</Type/XObject/Subtype /Image/Width 1/Height 1/ColorSpace/DeviceGray"
        b"/BitsPerComponent 8/Length 1>>stream\n\x00\nendstream\nendobj\ntrailer<<>>\n%%EOF\n")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def juece(*args: str, code: int = 0) -> dict | str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, f"juece {' '.join(args)} -> {result.exit_code}\n{result.stdout}\n{result.stderr}"
    return json.loads(result.stdout) if "--json" in args and code == 0 else result.stdout + result.stderr


def written(data: Path) -> tuple[int, int, int]:
    """Evidence rows, audit events and stored files: what a refusal must leave unchanged."""
    with get_engine().connect() as conn:
        ev = conn.execute(text("SELECT COUNT(*) FROM evidence")).scalar_one()
        ae = conn.execute(text("SELECT COUNT(*) FROM auditevent")).scalar_one()
    base = data / "objects"
    return ev, ae, sum(1 for p in base.rglob("*") if p.is_file()) if base.exists() else 0


def file(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


EXPERT_META = ["--meta", "expert=专家一", "--meta", "signed=yes", "--meta", "direct_interest=no"]


@pytest.fixture()
def review(org, env: Path) -> Walker:  # noqa: ANN001
    """A decision in expert review, experts 1–5 assigned by the undertaking unit."""
    return Walker(triggers={"professional_technical": "yes"}).walk_to("expert_review")


# ------------------------------------------------------------------ the scan
def test_is_scan_needs_an_image() -> None:
    assert filetypes.is_scan("application/pdf", SCAN)
    assert filetypes.is_scan("image/png", PNG)
    assert not filetypes.is_scan("application/pdf", PDF)  # typed text only
    assert not filetypes.is_scan("text/plain", b"/Subtype /Image")


# ------------------------------------------------------------------ the happy path, both names
def test_expert_opinion_entered_on_behalf_carries_both_names(review: Walker, tmp_path: Path, env: Path) -> None:
    out = juece("evidence", "add", str(review.id), file(tmp_path, "专家意见原件.pdf", SCAN), "--kind", "expert_opinion",
                *EXPERT_META, "--on-behalf", "expert1", "--as", "drafter", "--json")
    assert out["author"] == "expert1" and out["on_behalf"] == "drafter" and out["role"] == "expert"
    shown = juece("show", str(review.id), "--json")
    item = next(e for e in shown["evidence"] if e["id"] == out["id"])
    assert (item["author"], item["on_behalf"], item["role"], item["channel"]) == ("expert1", "drafter", "expert", "cli")
    assert item["meta"]["expert_account"] == "expert1"  # the panel counts the author, not the clerk
    assert item["draft_sha256"]
    event = next(a for a in shown["audit"] if a["action"] == "evidence" and a["detail"]["evidence_id"] == out["id"])
    assert event["actor"] == "drafter" and event["role"] == "drafter"  # who acted
    assert (event["detail"]["author"], event["detail"]["author_role"], event["detail"]["on_behalf"]) == \
        ("expert1", "expert", "drafter")
    with UnitOfWork() as uow:
        row = uow.session.get(Evidence, out["id"])
        assert row is not None and row.on_behalf_id is not None and row.on_behalf_id != row.user_id
    # the CLI's plain show says it too; the record still verifies
    assert "代录" in juece("show", str(review.id))
    report = juece("verify", "--json")
    assert report["ok"], report["problems"]


def test_self_filed_items_carry_no_on_behalf(review: Walker) -> None:
    own = review.ev("expert_opinion", user="expert2", expert="专家二", signed="yes", direct_interest="no")
    assert own["on_behalf"] is None and own["author"] == "expert2"


def test_an_image_scan_is_accepted(review: Walker) -> None:
    out = service.add_evidence(review.id, kind="expert_opinion", filename="原件.png", data=PNG,
                               meta={"expert": "专家三", "signed": "yes", "direct_interest": "no"},
                               as_user="drafter", on_behalf="expert3")
    assert (out["author"], out["on_behalf"]) == ("expert3", "drafter")


# ------------------------------------------------------------------ refusals: code, article, nothing written
def test_without_a_scanned_original_exit_2(review: Walker, tmp_path: Path, env: Path) -> None:
    before = written(env)
    for name, data in (("typed.pdf", PDF), ("typed.txt", "专家意见".encode())):
        msg = juece("evidence", "add", str(review.id), file(tmp_path, name, data), "--kind", "expert_opinion",
                    *EXPERT_META, "--on-behalf", "expert1", "--as", "drafter", code=2)
        assert "扫描件" in msg and name in msg
    assert written(env) == before


def test_unknown_author_exit_5(review: Walker, tmp_path: Path, env: Path) -> None:
    before = written(env)
    msg = juece("evidence", "add", str(review.id), file(tmp_path, "scan.pdf", SCAN), "--kind", "expert_opinion",
                *EXPERT_META, "--on-behalf", "nobody", "--as", "drafter", code=5)
    assert "nobody" in msg
    assert written(env) == before


def test_author_who_could_not_file_it_exit_4_names_the_article(review: Walker, tmp_path: Path, env: Path) -> None:
    directory.add_user("expert9", "专家九", "ACAD", ["expert"])  # an expert, but not on this decision's panel
    before = written(env)
    msg = juece("evidence", "add", str(review.id), file(tmp_path, "scan.pdf", SCAN), "--kind", "expert_opinion",
                *EXPERT_META, "--on-behalf", "expert9", "--as", "drafter", code=4)
    assert "expert9" in msg and "第20条" in msg
    # not an expert at all (the role rule): exit 4 naming the stage's article
    msg = juece("evidence", "add", str(review.id), file(tmp_path, "scan.pdf", SCAN), "--kind", "expert_opinion",
                *EXPERT_META, "--on-behalf", "secretary", "--as", "drafter", code=4)
    assert "secretary" in msg and "第19条" in msg
    assert written(env) == before


def test_entering_user_must_be_the_undertaking_unit_exit_4(review: Walker, tmp_path: Path, env: Path) -> None:
    before = written(env)
    for clerk in ("secretary", "drafter2", "reviewer"):
        msg = juece("evidence", "add", str(review.id), file(tmp_path, "scan.pdf", SCAN), "--kind", "expert_opinion",
                    *EXPERT_META, "--on-behalf", "expert1", "--as", clerk, code=4)
        assert "代录" in msg and "第19条" in msg, msg
    assert written(env) == before


def test_kind_without_on_behalf_and_oneself_exit_2(review: Walker, env: Path) -> None:
    before = written(env)
    with pytest.raises(BadInput, match="不接受代录"):
        service.add_evidence(review.id, kind="expert_adoption", filename="scan.pdf", data=SCAN, meta={},
                             as_user="drafter", on_behalf="expert1")
    with pytest.raises(BadInput, match="本人"):
        service.add_evidence(review.id, kind="expert_opinion", filename="scan.pdf", data=SCAN,
                             meta={"expert": "专家一", "signed": "yes", "direct_interest": "no"},
                             as_user="expert1", on_behalf="expert1")
    assert written(env) == before


# ------------------------------------------------------------------ the legality review
@pytest.fixture()
def legality(org, env: Path) -> Walker:  # noqa: ANN001
    directory.add_user("jus_clerk", "司法局内勤", "CITY-JUS", ["legality_reviewer"])
    w = Walker().walk_to("legality_review")
    w.ev("legality_submission", submitted="2026-02-10")
    return w


def test_legality_opinion_on_behalf_within_the_reviewing_office(legality: Walker, env: Path) -> None:
    meta = {"conclusion": "lawful"}
    before = written(env)
    # the author is no legality reviewer of the reviewing office: the author's own rule (Art 25), exit 4
    with pytest.raises(NotPermitted, match="第25条"):
        service.add_evidence(legality.id, kind="legality_opinion", filename="scan.pdf", data=SCAN, meta=meta,
                             as_user="jus_clerk", on_behalf="adviser")
    # the undertaking unit may not enter the reviewer's opinion (Art 25, 28)
    with pytest.raises(NotPermitted, match="第28条"):
        service.add_evidence(legality.id, kind="legality_opinion", filename="scan.pdf", data=SCAN, meta=meta,
                             as_user="drafter", on_behalf="reviewer")
    assert written(env) == before
    out = service.add_evidence(legality.id, kind="legality_opinion", filename="scan.pdf", data=SCAN, meta=meta,
                               as_user="jus_clerk", on_behalf="reviewer")
    assert (out["author"], out["on_behalf"], out["role"]) == ("reviewer", "jus_clerk", "legality_reviewer")
    adv = service.add_evidence(legality.id, kind="legal_adviser_opinion", filename="scan.pdf", data=SCAN, meta={},
                               as_user="jus_clerk", on_behalf="adviser")
    assert (adv["author"], adv["on_behalf"], adv["role"]) == ("adviser", "jus_clerk", "legal_adviser")


def test_unknown_author_is_not_found_in_the_service(legality: Walker) -> None:
    with pytest.raises(NotFound):
        service.add_evidence(legality.id, kind="legality_opinion", filename="scan.pdf", data=SCAN,
                             meta={"conclusion": "lawful"}, as_user="jus_clerk", on_behalf="ghost")
    with UnitOfWork() as uow:
        assert uow.session.exec(select(func.count()).select_from(Evidence)
                                .where(Evidence.kind == "legality_opinion")).one() == 0


# ------------------------------------------------------------------ the workbench: 代录 offered and shown
def test_decision_page_offers_on_behalf_and_shows_both_names(review: Walker) -> None:
    from tests.apptest import open_app, shown

    at = open_app("drafter", page="decision", decision=review.id, tab="材料")
    at.selectbox(key=f"ev_kind_{review.id}").set_value("expert_opinion")  # the drafter may only enter it (代录)
    at.run()
    prefix = f"ev_{review.id}_expert_opinion"
    assert "本类材料由作者本人提交" in shown(at) and "代录：作者账号" in shown(at)
    at.text_input(key=f"{prefix}_expert").set_value("专家一")
    at.radio(key=f"{prefix}_signed").set_value("yes")
    at.radio(key=f"{prefix}_direct_interest").set_value("no")
    at.file_uploader(key=f"ev_file_{review.id}_expert_opinion").set_value(("意见.pdf", PDF, "application/pdf"))
    next(b for b in at.button if b.label == "保存材料").click()
    at.run()
    errors = [e.value for e in at.error]
    assert any("代录须填写作者账号" in e for e in errors), errors
    at.text_input(key=f"{prefix}_on_behalf_author").set_value("expert1")
    next(b for b in at.button if b.label == "保存材料").click()
    at.run()
    assert any("扫描件" in e.value for e in at.error), [e.value for e in at.error]  # a typed PDF is no scan
    at.file_uploader(key=f"ev_file_{review.id}_expert_opinion").set_value(("意见.pdf", SCAN, "application/pdf"))
    next(b for b in at.button if b.label == "保存材料").click()
    at.run()
    assert not at.exception and any("材料已保存" in s.value for s in at.success), [e.value for e in at.error]
    item = [e for e in service_show(review.id) if e["kind"] == "expert_opinion"][-1]
    assert (item["author"], item["on_behalf"]) == ("expert1", "drafter")
    at.run()
    assert "drafter 代 expert1 录入签名原件扫描件" in shown(at)


def service_show(did: int) -> list[dict]:
    from decisions.procedure.views import show

    return show(did)["evidence"]


def test_dossier_names_the_entering_account(review: Walker) -> None:
    from io import BytesIO

    from pypdf import PdfReader

    from decisions.archive import service as archive

    out = service.add_evidence(review.id, kind="expert_opinion", filename="原件.pdf", data=SCAN,
                               meta={"expert": "专家一", "signed": "yes", "direct_interest": "no"},
                               as_user="drafter", on_behalf="expert1")
    record, _actor, _role = archive.load_record(review.id, None)
    entry = next(e for e in record["evidence"] if e["id"] == out["id"])
    assert entry["uploader"] == "expert1" and entry["on_behalf"] == "drafter"
    assert all(e["on_behalf"] is None for e in record["evidence"] if e["id"] != out["id"])
    pdf = archive.generate_dossier(review.id, as_user=None)["data"]
    text = "".join(page.extract_text() or "" for page in PdfReader(BytesIO(pdf)).pages)
    assert "代录" in text


def test_dossier_record_names_both_for_an_entry_on_behalf(review: Walker, tmp_path: Path) -> None:
    """The dossier's 卷内目录 and 备考表 read the same record: the clerk entered it for the expert (both names)."""
    from decisions.archive.service import build_record
    from decisions.procedure.service import get_decision
    from pdf import description

    out = juece("evidence", "add", str(review.id), file(tmp_path, "专家意见原件.pdf", SCAN), "--kind", "expert_opinion",
                *EXPERT_META, "--on-behalf", "expert1", "--as", "drafter", "--json")
    with UnitOfWork() as uow:
        record = build_record(uow.session, get_decision(uow.session, review.id))
        names = {u.username: u.name for u in uow.session.exec(select(User))}
    entry = next(e for e in record["evidence"] if e["id"] == out["id"])
    assert (entry["author_name"], entry["on_behalf"]) == (names["expert1"], names["drafter"])
    assert f"代录：{names['drafter']}代{names['expert1']}录入" in description.provenance_lines(entry)
    own = next(e for e in record["evidence"] if e["kind"] == "draft")
    assert own["on_behalf"] is None and not any(x.startswith("代录") for x in description.provenance_lines(own))
