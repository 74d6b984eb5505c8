"""The dossier written to disk file by file (issue "The archive": scale): the same bytes as in memory, one
evidence file open at a time, originals copied in chunks (scans stored as they are), signed in place;
and the object writer underneath it (`pdf.stream_writer`)."""

from __future__ import annotations

import hashlib
import io
import random
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest

from decisions.archive import service as archive
from decisions.procedure import views
from decisions.records import evidence_store
from pdf import assemble, dossier, pdfa, signing
from pdf.stream_writer import Copier, StreamWriter, literal, number
from tests.helpers import Walker
from tests.test_dossier_helpers import attachments, page_count, pdf_pages, scripted_pdf


def scan_pdf(pages: int, seed: int) -> bytes:
    """Pages carrying an incompressible image stream (like a scanned JPEG)."""
    pdf = pikepdf.new()
    rnd = random.Random(seed)
    for p in range(pages):
        img = pikepdf.Stream(pdf, rnd.randbytes(64 * 64 * 3))
        img.Type, img.Subtype, img.Width, img.Height = pikepdf.Name.XObject, pikepdf.Name.Image, 64, 64
        img.ColorSpace, img.BitsPerComponent = pikepdf.Name.DeviceRGB, 8
        page = pdf.add_blank_page(page_size=(595, 842))
        page.obj.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=img))
        page.obj.Contents = pdf.make_stream(f"q 595 0 0 842 0 0 cm /Im0 Do Q % {p}".encode())
    buf = io.BytesIO()
    pdf.save(buf, deterministic_id=True, compress_streams=False)
    return buf.getvalue()


@pytest.fixture
def decision(org) -> Walker:
    w = Walker().new()
    w.ev("proposal", user="organ", name="建议.pdf", data=pdf_pages(3, "建议"), source="department")
    w.ev("start_decision", user="organ", name="扫描件.pdf", data=scan_pdf(2, 7), date="2026-03-02")
    w.ev("start_decision", user="organ", name="含脚本.pdf", data=scripted_pdf(), date="2026-03-02")
    return w


def test_the_volume_written_to_disk_is_the_volume_in_memory_and_checks_clean(decision, tmp_path: Path):
    on_disk = archive.generate_dossier(decision.id, as_user="archivist", to=tmp_path / "v.pdf")
    in_memory = archive.generate_dossier(decision.id, as_user="archivist")
    data = (tmp_path / "v.pdf").read_bytes()
    assert "data" not in on_disk and on_disk["path"] == tmp_path / "v.pdf"
    assert data == in_memory["data"]  # byte-reproducible, whichever way it is written
    assert on_disk["sha256"] == hashlib.sha256(data).hexdigest() and on_disk["bytes"] == len(data)
    assert not list(tmp_path.glob("juece-dossier-*"))  # the working directory beside it is gone
    assert pdfa.check(data) == []
    assert page_count(tmp_path / "v.pdf") == on_disk["pages"] == dossier_front(data) + 3 + 2 + 1 + 1  # the 卷内备考表 last
    assert archive.verify_dossier(tmp_path / "v.pdf")["ok"]
    found = attachments(data)
    for e in views.show(decision.id)["evidence"]:
        assert e["sha256"] in found.values()


def dossier_front(data: bytes) -> int:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        m = dossier.read_manifest(pdf)
    assert m is not None and m["renderer"]["assembly"] == assemble.ASSEMBLY
    return m["front_pages"]


def test_a_scan_is_embedded_as_it_is_and_a_compressible_file_deflated(decision, tmp_path: Path):
    r = archive.generate_dossier(decision.id, as_user="archivist", to=tmp_path / "v.pdf")
    with pikepdf.open(r["path"]) as pdf:
        filters = {name: spec.obj.EF.F.get("/Filter") for name, spec in pdf.attachments.items()}
        sizes = {name: int(spec.obj.EF.F.Params.Size) for name, spec in pdf.attachments.items()}
    assert filters["材料002-扫描件.pdf"] is None  # random image data: stored raw
    assert filters["材料001-建议.pdf"] == pikepdf.Name.FlateDecode
    assert filters[dossier.MANIFEST_NAME] == pikepdf.Name.FlateDecode
    assert sizes["材料002-扫描件.pdf"] == len(scan_pdf(2, 7))


def test_a_large_original_is_copied_in_chunks_to_the_same_bytes(decision, monkeypatch, tmp_path: Path):
    whole = archive.generate_dossier(decision.id, as_user="archivist", to=tmp_path / "whole.pdf")
    monkeypatch.setattr(assemble, "CHUNK", 4096)  # every original now larger than a chunk: the temporary-file path
    chunked = archive.generate_dossier(decision.id, as_user="archivist", to=tmp_path / "chunked.pdf")
    assert chunked["sha256"] == whole["sha256"]
    found = attachments((tmp_path / "chunked.pdf").read_bytes())
    assert sorted(e["sha256"] for e in views.show(decision.id)["evidence"]) == sorted(
        v for k, v in found.items() if k != dossier.MANIFEST_NAME)


def test_one_evidence_file_is_open_at_a_time_and_scripts_are_still_stripped(decision, monkeypatch, tmp_path: Path):
    real_open, open_now, most = pikepdf.open, [], [0]

    class Tracked:
        def __init__(self, pdf: pikepdf.Pdf):
            self.pdf = pdf

        def __enter__(self) -> pikepdf.Pdf:
            open_now.append(self.pdf)
            most[0] = max(most[0], len(open_now))
            return self.pdf

        def __exit__(self, *exc: object) -> None:
            open_now.remove(self.pdf)
            self.pdf.close()


    def tracked(source, *a, **k):  # noqa: ANN001, ANN002, ANN003, ANN202
        pdf = real_open(source, *a, **k)  # evidence files opened while the volume is written are tracked
        return Tracked(pdf) if sys._getframe(1).f_globals["__name__"] == "pdf.assemble" and isinstance(source, Path) \
            else pdf

    monkeypatch.setattr(assemble.pikepdf, "open", tracked)
    r = archive.generate_dossier(decision.id, as_user="archivist", to=tmp_path / "v.pdf")
    monkeypatch.setattr(assemble.pikepdf, "open", real_open)
    assert most[0] == 1 and not open_now
    assert pdfa.active_content(tmp_path / "v.pdf") == []
    assert any("脚本" in w for w in r["warnings"])


def test_probing_leaves_no_evidence_file_open(decision):
    record, _actor, _role = archive.load_record(decision.id, None)
    parts = [dossier.probe(e, evidence_store.path_for(e["sha256"])) for e in record["evidence"]]
    assert [p.pdf for p in parts] == [None, None, None]
    assert [p.pages for p in parts] == [3, 2, 1] and all(p.merged for p in parts)
    assert [p.cleaned for p in parts] == [False, False, True]  # the scripted one is cleaned again when copied


def test_signing_in_place_appends_one_revision_to_the_rendered_file(decision, tmp_path: Path):
    from tests.test_dossier_archive import make_pki

    pki = make_pki(tmp_path / "pki")
    r = archive.generate_dossier(decision.id, as_user="archivist", to=tmp_path / "v.pdf")
    unsigned = (tmp_path / "v.pdf").read_bytes()
    result = signing.sign_file(tmp_path / "v.pdf", pki.config(), sha256=r["sha256"])
    signed = (tmp_path / "v.pdf").read_bytes()
    assert result.signed and result.data == b"" and signed.startswith(unsigned)
    assert result.sha256 == hashlib.sha256(signed).hexdigest() and result.unsigned_sha256 == r["sha256"]
    assert signing.unsigned_original(signed) == unsigned
    assert [s.ok for s in signing.signature_status(signed, [pki.ca])] == [True]
    assert pdfa.check(signed) == []


def test_the_writer_numbers_objects_as_met_and_never_copies_another_documents_structure(tmp_path: Path):
    src = pikepdf.open(io.BytesIO(pdf_pages(2, "源")))
    page = src.pages[0]
    page.obj.Link = src.Root  # a reference to the source's catalog must not pull the source in
    page.obj.Other = src.pages[1].obj  # nor a page that is not copied
    out = tmp_path / "w.pdf"
    with out.open("wb") as f:
        w = StreamWriter(f)
        root, tree = w.reserve(), w.reserve()
        kids = Copier(w, tree).pages([page])
        w.put(tree, b"<< /Type /Pages /Count 1 /Kids [%d 0 R] >>" % kids[0])
        w.put(root, b"<< /Type /Catalog /Pages %d 0 R >>" % tree)
        info = w.reserve()
        w.put(info, literal({"Title": "标题", "Size": 1.50, "Flag": True, "None": None}))
        file_id = w.close(root, info)
    assert subprocess.run(["qpdf", "--check", str(out)], capture_output=True).returncode == 0
    with pikepdf.open(out) as pdf:
        assert len(pdf.pages) == 1 and pdf.pages[0].obj.get("/Link") is None and pdf.pages[0].obj.get("/Other") is None
        assert str(pdf.docinfo.Title) == "标题" and bytes(pdf.trailer.ID[0]) == bytes.fromhex(file_id)
        assert len(list(pdf.objects)) < 12
    unfinished = StreamWriter(io.BytesIO())
    unfinished.reserve()
    with pytest.raises(ValueError, match="never written"):
        unfinished.close(1, 1)


@pytest.mark.parametrize(("value", "text"), [(1, b"1"), (1.5, b"1.5"), (0.1 + 0.2, b"0.30000000000000004"),
                                             (-0.0, b"0"), (1e-7, b"0.0000001"), (True, b"true"), (100.0, b"100")])
def test_numbers_are_written_without_exponents(value: float, text: bytes):
    assert number(value) == text


def test_the_writer_names_active_content_in_any_object_it_copies():
    src = pikepdf.new()
    page = src.add_blank_page()
    page.obj.Annots = pikepdf.Array([pikepdf.Dictionary(Subtype=pikepdf.Name.Link, A=pikepdf.Dictionary(
        S=pikepdf.Name.Launch, F=pikepdf.String("calc.exe")))])  # direct, no reference in it
    page.obj.Extra = src.make_indirect(pikepdf.Dictionary(JS=pikepdf.String("app.alert(1)")))
    w = StreamWriter(io.BytesIO())
    Copier(w, w.reserve()).pages([page])
    assert w.active == {"action /Launch", "/JS or /JavaScript"}
    clean = StreamWriter(io.BytesIO())
    plain = pikepdf.open(io.BytesIO(pdf_pages(1)))
    Copier(clean, clean.reserve()).pages([plain.pages[0]])
    assert clean.active == set()
