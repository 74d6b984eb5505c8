"""Filing a decision (归档, Art 33) and the archival description of its dossier (DA/T 22): the 档号 by the
profile's rule and the deployment's 全宗号, 保管期限, 密级 and 开放/控制 from the ``non_disclosable``
determination, a 卷内目录 of documents by 件号, the 卷内备考表; an archived decision is read-only."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from typer.testing import CliRunner

from decisions.accounts import service as directory
from decisions.aftercare import service as aftercare
from decisions.archive import service as archive
from decisions.cli import app
from decisions.errors import BadInput, Blocked, NotPermitted
from decisions.procedure import service
from decisions.procedure.service import get_decision
from decisions.storage.unit_of_work import UnitOfWork
from pdf import dossier
from tests.helpers import Org, Walker
from tests.test_dossier_helpers import outline_titles, text_of

runner = CliRunner()


@pytest.fixture(scope="module")
def filed(module_deployment):  # noqa: ANN001
    with module_deployment() as d, pytest.MonkeyPatch.context() as mp:
        mp.setattr(directory, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
        mp.setenv("JUECE_FONDS", "J042")
        Org.create()
        directory.add_user("archivist2", "王审", "CITY", ["archivist"])
        w = Walker().walk_to("execution")
        w.ev("execution_report", user="executor", period="final")
        before_close = archive.generate_dossier(w.id, as_user="archivist")
        with pytest.raises(Blocked) as exc:  # not yet ended
            archive.file_decision(w.id, as_user="archivist", checker="archivist2")
        assert exc.value.unmet[0].article == "Art 33"
        aftercare.close(w.id, as_user="organ")
        unfiled = archive.generate_dossier(w.id, as_user="archivist")
        r = archive.file_decision(w.id, as_user="archivist", checker="archivist2")
        out = archive.generate_dossier(w.id, as_user="archivist")
        path = d.root / "filed.pdf"
        path.write_bytes(out["data"])
        with UnitOfWork() as uow:
            record = archive.build_record(uow.session, get_decision(uow.session, w.id))
        yield {"id": w.id, "filing": r, "data": out["data"], "path": path, "record": record, "unfiled": unfiled,
               "before_close": before_close, "walker": w, "env": dict(d.env), "root": d.root}


def test_the_code_follows_the_rule_and_the_description_is_derived(filed):
    r = filed["filing"]
    assert r["code"] == f"J042-{r['year']}-Y-0001"  # 全宗号-年度-保管期限代码-件号 (DA/T 22)
    assert (r["retention"], r["classification"], r["access"]) == ("永久", "公开", "开放")  # non_disclosable = no
    arc = filed["record"]["archive"]
    assert arc["filed"] and arc["code"] == r["code"] and arc["unit"] == "示例市人民政府"
    assert arc["filer"] == "archivist" and arc["checker"].startswith("王审")


def test_disclosure_follows_the_non_disclosable_determination():
    from workflow import profiles

    p = profiles.load("state-council-2019")

    class T:
        def __init__(self, value: bool) -> None:
            self.name, self.value, self.reason = "non_disclosable", value, "涉及国家秘密"

    assert archive.disclosure(p, [T(True)])[:2] == ("内部", "控制")
    assert "涉及国家秘密" in archive.disclosure(p, [T(True)])[2]
    assert archive.disclosure(p, [T(False)])[:2] == ("公开", "开放")
    assert archive.disclosure(p, [])[:2] == ("内部", "控制")


def test_the_dossier_shows_the_description_the_catalogue_and_the_notes(filed):
    text = "".join(text_of(filed["path"]).split())
    r = filed["filing"]
    for needle in (r["code"], "保管期限永久", "密级公开", "开放状态开放", "卷内目录", "卷内备考表", "立卷人",
                   "检查人", "本卷共有文件"):
        assert needle in text, needle
    assert "#" not in "".join(t for t in outline_titles(filed["data"]))
    titles = outline_titles(filed["data"])
    assert "卷内目录" in titles and "卷内备考表" in titles
    assert "原件为附件" in text  # the walker's PDFs have no pages: listed by 件号, embedded only
    # the unfiled dossier says the code is assigned on filing
    assert "（归档时编定）" in "".join(dossier_text(filed["unfiled"]["data"], filed["root"]).split())


def dossier_text(data: bytes, root) -> str:  # noqa: ANN001
    p = root / "tmp.pdf"
    p.write_bytes(data)
    return text_of(p)


def test_filed_dossier_is_reproducible_and_verifies(filed, monkeypatch):
    for k, v in filed["env"].items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("JUECE_FONDS", "J042")
    again = archive.generate_dossier(filed["id"], as_user="archivist")
    assert again["data"] == filed["data"]
    assert archive.verify_dossier(filed["data"])["ok"]
    # the dossier rendered before filing is authentic, but the record moved on (filed): superseded
    before = archive.verify_dossier(filed["unfiled"]["data"])
    assert before["ok"] and before["status"] == "superseded"


def test_an_archived_decision_is_read_only(filed, monkeypatch):
    for k, v in filed["env"].items():
        monkeypatch.setenv(k, v)
    did = filed["id"]
    attempts = [
        lambda: aftercare.close(did, as_user="organ"),
        lambda: service.add_evidence(did, kind="execution_report", filename="x.pdf", data=b"%PDF-1.4\n%%EOF\n",
                                     meta={"period": "late"}, as_user="executor"),
        lambda: service.side_transition(did, action="suspend", reason="x", as_user="organ"),
        lambda: service.set_triggers(did, sets={"non_disclosable": "yes"}, reasons={"non_disclosable": "x"},
                                     as_user="drafter"),
        lambda: archive.file_decision(did, as_user="archivist", checker="archivist2"),
    ]
    for attempt in attempts:
        with pytest.raises(Blocked) as exc:
            attempt()
        assert exc.value.unmet[0].article == "Art 33", exc.value
    res = runner.invoke(app, ["decision", "close", str(did), "--as", "organ"])
    assert res.exit_code == 3 and "Art 33" in res.output, res.output
    # reading still works
    assert archive.generate_dossier(did, as_user="archivist")["data"] == filed["data"]


def test_filing_needs_a_second_person_of_the_right_roles(org):
    w = Walker().walk_to("execution")
    w.ev("execution_report", user="executor", period="final")
    aftercare.close(w.id, as_user="organ")
    with pytest.raises(BadInput):
        archive.file_decision(w.id, as_user="archivist", checker=None)
    with pytest.raises(BadInput, match="第二人"):
        archive.file_decision(w.id, as_user="archivist", checker="archivist")
    with pytest.raises(NotPermitted):
        archive.file_decision(w.id, as_user="drafter", checker="organ")  # not an archivist
    with pytest.raises(NotPermitted):
        archive.file_decision(w.id, as_user="archivist", checker="drafter")  # the checker's role
    res = runner.invoke(app, ["archive", "file", str(w.id), "--as", "archivist", "--checker", "organ", "--json"])
    assert res.exit_code == 0, res.output
    assert '"code"' in res.output
    w2 = Walker().walk_to("execution")
    w2.ev("execution_report", user="executor", period="final")
    aftercare.close(w2.id, as_user="organ")
    second = archive.file_decision(w2.id, as_user="archivist", checker="organ")
    assert second["item"] == 2 and second["code"].endswith("-0002")


def test_a_code_rule_from_the_deployment(org, monkeypatch):
    monkeypatch.delenv("JUECE_FONDS", raising=False)
    monkeypatch.setenv("JUECE_ARCHIVE_CODE_RULE", "{fonds}·{year}-{retention_code}·{item:03d}")
    w = Walker().walk_to("execution")
    w.ev("execution_report", user="executor", period="final")
    aftercare.close(w.id, as_user="organ")
    r = archive.file_decision(w.id, as_user="archivist", checker="organ")
    assert r["code"] == f"CITY·{r['year']}-Y·001"  # 全宗号 unset: the organ's code
    with UnitOfWork() as uow:
        rec = archive.build_record(uow.session, get_decision(uow.session, w.id))
    assert dossier.volume_label(rec).startswith(r["code"])


def test_the_archive_page_offers_filing_to_a_filer_of_an_ended_decision_only(org):
    from decisions.archive import filing

    w = Walker().walk_to("execution")
    w.ev("execution_report", user="executor", period="final")
    before = filing.filing_choices(w.id, "archivist")
    assert not before["may"] and before["filed"] is None  # not ended yet
    aftercare.close(w.id, as_user="organ")
    assert not filing.filing_choices(w.id, "drafter")["may"]  # not a filer
    offer = filing.filing_choices(w.id, "archivist")
    names = {c["username"] for c in offer["checkers"]}
    assert offer["may"] and "organ" in names and "archivist" not in names and "drafter" not in names
    assert offer["article"] == "Art 33"
    r = archive.file_decision(w.id, as_user="archivist", checker="organ")
    after = filing.filing_choices(w.id, "archivist")
    assert not after["may"] and after["filed"] == r["code"]
