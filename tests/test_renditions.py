"""Read what you act on: every reader of a decision opens its attached files in the page (PDF pages as images,
Word/WPS/ODF converted with LibreOffice, cached beside the original) and downloads the original; the view checks
the read scope (NotPermitted) and the record's SHA-256 (IntegrityFailure); the dossier merges the converted pages.

LibreOffice runs for real (a few seconds per conversion). No real WPS file can be produced here: the .wps test is
a .doc written by LibreOffice and renamed .wps (what WPS 文字 itself writes is the same OLE compound format), so it
tests the dispatch by extension and that LibreOffice's import reads it."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import pikepdf
import pytest

from decisions.archive import service as archive
from decisions.errors import IntegrityFailure, NotPermitted
from decisions.procedure import views
from decisions.records import evidence_store, renditions
from tests.apptest import open_app, shown
from tests.helpers import Walker
from tests.test_dossier_helpers import text_of

pytestmark = pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftoppm") is None,
                                reason="LibreOffice and poppler-utils are needed")

DRAFT_TEXT = "示例市城市更新专项规划（征求意见稿）\n第一条 为了规范城市更新活动，制定本规划。\n第二条 本规划适用于示例市中心城区。"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def docx_bytes(text: str) -> bytes:
    """A minimal Word document (python-docx is not installed): content types, the package relation, the body."""
    ct = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
          '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="xml" ContentType="application/xml"/>'
          '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
          'wordprocessingml.document.main+xml"/></Types>')
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="word/document.xml"/></Relationships>')
    body = "".join(f'<w:p><w:r><w:t xml:space="preserve">{line}</w:t></w:r></w:p>' for line in text.split("\n"))
    doc = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
           f'<w:body>{body}</w:body></w:document>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", ct)
        z.writestr("_rels/.rels", rels)
        z.writestr("word/document.xml", doc)
    return buf.getvalue()


def three_page_pdf() -> bytes:
    pdf = pikepdf.new()
    for _ in range(3):
        pdf.add_blank_page(page_size=(595, 842))
    buf = io.BytesIO()
    pdf.save(buf)
    return buf.getvalue()


@pytest.fixture()
def drafting(org):  # noqa: ANN001, ANN201
    w = Walker()
    w.new()
    w.walk_to("drafting")
    return w


def test_docx_converts_previews_and_is_cached(drafting: Walker) -> None:
    data = docx_bytes(DRAFT_TEXT)
    ev = drafting.ev("draft", name="规划草案.docx", data=data, version="v2")
    pv = views.evidence_preview(drafting.id, ev["id"], as_user="drafter")
    assert pv["mode"] == "office" and pv["pages"] >= 1 and pv["page"] == 1
    assert pv["png"].startswith(PNG_MAGIC)
    assert pv["original"] == data
    rendition = renditions.rendition_path(ev["sha256"])
    assert rendition.is_file() and rendition.parent == evidence_store.path_for(ev["sha256"]).parent
    assert "第一条" in text_of(rendition)
    assert evidence_store.file_sha256(evidence_store.path_for(ev["sha256"])) == ev["sha256"]  # original untouched
    # the second reading converts nothing: the same cached rendition
    stamp = rendition.stat().st_mtime_ns
    again = views.evidence_preview(drafting.id, ev["id"], as_user="auditor")  # an oversight reader
    assert again["png"] == pv["png"] and rendition.stat().st_mtime_ns == stamp
    # a rendition is not an object: the store's listing skips it, the orphan sweep keeps it with its original
    assert rendition not in list(evidence_store.iter_objects())
    assert rendition not in evidence_store.sweep_orphans([ev["sha256"]], min_age=0) and rendition.is_file()


def test_wps_dispatch_by_extension(drafting: Walker, tmp_path: Path) -> None:
    """A .doc made by LibreOffice, renamed .wps (see the module docstring)."""
    src = tmp_path / "draft.docx"
    src.write_bytes(docx_bytes(DRAFT_TEXT))
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", "doc", "--outdir", str(tmp_path / "out"), str(src)],
                   capture_output=True, timeout=120, check=True)
    doc = (tmp_path / "out" / "draft.doc").read_bytes()
    ev = drafting.ev("draft", name="规划草案.wps", data=doc, version="v2")
    assert ev.get("content_type", "application/wps-office.wps") == "application/wps-office.wps"
    pv = views.evidence_preview(drafting.id, ev["id"], as_user="drafter")
    assert pv["mode"] == "office" and pv["pages"] >= 1 and pv["png"].startswith(PNG_MAGIC)
    assert "第二条" in text_of(renditions.rendition_path(ev["sha256"]))


def test_pdf_pages_and_images(drafting: Walker) -> None:
    ev = drafting.ev("draft", name="草案.pdf", data=three_page_pdf(), version="v2")
    pv = views.evidence_preview(drafting.id, ev["id"], as_user="drafter", page=2)
    assert (pv["mode"], pv["pages"], pv["page"]) == ("pdf", 3, 2) and pv["png"].startswith(PNG_MAGIC)
    assert views.evidence_preview(drafting.id, ev["id"], as_user="drafter", page=99)["page"] == 3
    cached = list((renditions.previews_root() / ev["sha256"][:2] / ev["sha256"]).glob("*.png"))
    assert len(cached) == 2
    png = views.evidence_preview(drafting.id, ev["id"], as_user="drafter")["png"]
    img = drafting.ev("legal_basis", name="依据.png", data=png, laws="《城乡规划法》")
    shown_img = views.evidence_preview(drafting.id, img["id"], as_user="drafter")
    assert shown_img["mode"] == "image" and shown_img["data"] == png


def test_outsider_is_refused(drafting: Walker) -> None:
    data = three_page_pdf()
    ev = drafting.ev("draft", name="草案.pdf", data=data, version="v2")
    for fn in (views.evidence_file, views.evidence_preview):
        with pytest.raises(NotPermitted) as exc:
            fn(drafting.id, ev["id"], as_user="drafter2")  # a drafter of another unit
        assert exc.value.exit_code == 4
    assert views.evidence_file(drafting.id, ev["id"], as_user="organ")["data"] == data


def test_tampered_store_file_is_refused(drafting: Walker) -> None:
    ev = drafting.ev("draft", name="草案.docx", data=docx_bytes(DRAFT_TEXT), version="v2")
    path = evidence_store.path_for(ev["sha256"])
    path.write_bytes(docx_bytes(DRAFT_TEXT + "\n第三条 被篡改的条文。"))
    for fn in (views.evidence_file, views.evidence_preview):
        with pytest.raises(IntegrityFailure) as exc:
            fn(drafting.id, ev["id"], as_user="drafter")
        assert exc.value.exit_code == 6
    assert not renditions.rendition_path(ev["sha256"]).exists()  # nothing converted from the tampered file


def test_dossier_merges_the_docx_draft(drafting: Walker, tmp_path: Path) -> None:
    ev = drafting.ev("draft", name="规划草案.docx", data=docx_bytes(DRAFT_TEXT), version="v2")
    r = archive.generate_dossier(drafting.id, as_user="organ")
    out = tmp_path / "dossier.pdf"
    out.write_bytes(r["data"])
    text = text_of(out)
    assert "第一条 为了规范城市更新活动" in text and "第二条 本规划适用于示例市中心城区" in text
    with pikepdf.open(out) as pdf:
        manifest = next(e for e in archive.dossier.read_manifest(pdf)["evidence"] if e["id"] == ev["id"])
    assert manifest["merged"] and manifest["rendition_sha256"]
    assert manifest["sha256"] == ev["sha256"]  # the original is what is embedded and hashed
    verified = archive.verify_dossier(r["data"])
    assert verified["ok"], verified["problems"]


def test_decision_page_shows_the_draft(drafting: Walker) -> None:
    ev = drafting.ev("draft", name="规划草案.docx", data=docx_bytes(DRAFT_TEXT), version="v2")
    at = open_app("drafter", "decision", decision=drafting.id, tab="材料")
    text = shown(at)
    assert "查看材料" in text and "第 1 页，共 1 页" in text
    assert [b.label for b in at.get("download_button")] == ["下载原件"]
    assert at.get("image"), "the page image is shown"
    assert ev["sha256"][:16] in text
    en = open_app("drafter", "decision", decision=drafting.id, lang="en", tab="Evidence")
    assert "Page 1 of 1" in shown(en)


def test_legality_page_shows_the_submission(org) -> None:  # noqa: ANN001
    w = Walker()
    w.new()
    w.walk_to("legality_review")
    w.ev("legality_submission", name="送审报告.docx", data=docx_bytes(DRAFT_TEXT), submitted="2026-05-06")
    at = open_app("reviewer", "legality", decision=w.id)
    assert "第 1 页，共 1 页" in shown(at) and at.get("image")
    assert [b.label for b in at.get("download_button")] == ["下载原件"]
    with pytest.raises(NotPermitted):  # a legality reviewer reads only for the organs their office serves
        views.evidence_preview(w.id, 1, as_user="drafter2")
