"""The transfer package (juece archive export) and its 四性检测 (juece archive check, DA/T 70): the
description validates against the schema juece ships, the check passes on the package as exported and fails,
naming the file, on a package with one file changed."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from lxml import etree
from typer.testing import CliRunner

from decisions.accounts import service as directory
from decisions.aftercare import service as aftercare
from decisions.archive import checks, package
from decisions.archive import service as archive
from decisions.cli import app
from decisions.errors import Blocked
from decisions.records import audit
from decisions.storage.locations import archive_schema
from tests.helpers import Org, Walker
from tests.test_dossier_helpers import pdf_pages, text_of

runner = CliRunner()


@pytest.fixture(scope="module")
def exported(module_deployment):  # noqa: ANN001
    with module_deployment() as d, pytest.MonkeyPatch.context() as mp:
        mp.setattr(directory, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
        Org.create()
        w = Walker().new()
        w.ev("proposal", user="organ", name="建议.pdf", data=pdf_pages(2, "建议"), source="department")
        w.walk_to("execution")
        w.ev("execution_report", user="executor", period="final")
        aftercare.close(w.id, as_user="organ")
        with pytest.raises(Blocked):  # only a filed decision is transferred
            package.export(w.id, as_user="archivist", out=d.root / "early")
        archive.file_decision(w.id, as_user="archivist", checker="organ")
        res = runner.invoke(app, ["archive", "export", str(w.id), "-o", str(d.root / "pkg"), "--as", "archivist",
                                  "--json"])
        assert res.exit_code == 0, res.output
        z = package.export(w.id, as_user="archivist", out=d.root / "pkg.zip")
        yield {"id": w.id, "dir": d.root / "pkg", "zip": Path(z["package"]), "root": d.root, "env": dict(d.env)}


def test_the_description_validates_against_the_shipped_schema(exported):
    xsd = etree.XMLSchema(etree.parse(str(archive_schema())))
    doc = etree.parse(str(exported["dir"] / package.DESCRIPTION))
    assert xsd.validate(doc), xsd.error_log
    ns = {"a": package.NS}
    assert doc.findtext("a:volume/a:archivalCode", namespaces=ns).startswith("CITY-")
    docs = doc.findall("a:documents/a:document", ns)
    assert [d.findtext("a:itemNo", namespaces=ns) for d in docs] == [str(i) for i in range(1, len(docs) + 1)]
    files = doc.findall("a:files/a:file", ns)
    assert {f.get("role") for f in files} == {"volume", "original", "audit"}
    if audit.SM3_AVAILABLE:
        assert all(f.findtext("a:sm3", namespaces=ns) for f in files)
    # the schema refuses a description without its 档号
    code = doc.find("a:volume/a:archivalCode", ns)
    code.getparent().remove(code)
    assert not xsd.validate(doc)


def test_the_check_passes_on_the_package_as_exported(exported):
    for where in (exported["dir"], exported["zip"]):
        report = checks.check_package(where)
        assert report["ok"], report["failed"]
        assert set(report["summary"]) == {"真实性", "完整性", "可用性", "安全性"}
        assert all(c["evidence"] for c in report["checks"]), report["checks"]
    pdf_report = exported["root"] / "check.pdf"
    res = runner.invoke(app, ["archive", "check", str(exported["zip"]), "--json", "--pdf", str(pdf_report)])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["ok"]
    text = "".join(text_of(pdf_report).split())  # the report as a PDF: each category and check, in Chinese
    assert "四性检测报告" in text and "真实性" in text and "安全性" in text and "A2" in text


def test_the_check_fails_naming_a_changed_file(exported, tmp_path: Path):
    bad = tmp_path / "pkg"
    shutil.copytree(exported["dir"], bad)
    victim = sorted((bad / "originals").iterdir())[0]
    data = bytearray(victim.read_bytes())
    data[-3] ^= 0x01
    victim.write_bytes(bytes(data))
    rel = f"originals/{victim.name}"
    report = checks.check_package(bad)
    assert not report["ok"]
    a2 = next(c for c in report["checks"] if c["id"] == "A2")
    assert a2["result"] == "fail" and any(e.startswith(rel) for e in a2["evidence"]), a2
    res = runner.invoke(app, ["archive", "check", str(bad), "-o", str(tmp_path / "report.json")])
    assert res.exit_code == 6 and rel in res.output, res.output
    assert not json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["ok"]


def test_the_check_names_an_extra_or_missing_file_and_an_unsafe_member(exported, tmp_path: Path):
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(exported["zip"]) as src, zipfile.ZipFile(bad, "w") as out:
        names = src.namelist()
        dropped = next(n for n in names if n.startswith("originals/"))
        for n in names:
            if n != dropped:
                out.writestr(n, src.read(n))
        out.writestr("../evil.sh", b"#!/bin/sh\n")
        out.writestr("originals/extra.txt", b"x")
    report = checks.check_package(bad)
    by_id = {c["id"]: c for c in report["checks"]}
    assert by_id["I1"]["result"] == "fail" and any(dropped in e for e in by_id["I1"]["evidence"])
    assert by_id["I2"]["result"] == "fail" and any("originals/extra.txt" in e for e in by_id["I2"]["evidence"])
    assert by_id["S1"]["result"] == "fail" and any("../evil.sh" in e for e in by_id["S1"]["evidence"])
