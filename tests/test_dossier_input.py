"""Dossier edge cases (issue 5, "Bad input"): encrypted, broken and non-PDF evidence, awkward page
geometry, scripts, no evidence at all, characters outside every font; who may generate a dossier;
`verify --dossier` after the evidence store or the record changed; the CLI."""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf
import pytest
from typer.testing import CliRunner

from decisions.accounts import service as directory
from decisions.archive import service as archive
from decisions.cli import app
from decisions.errors import IntegrityFailure, NotFound, NotPermitted
from decisions.procedure import service, views
from decisions.records import evidence_store
from pdf import dossier, fonts, pdfa
from tests.helpers import Walker
from tests.test_dossier_helpers import (
    BROKEN_PDF,
    PNG_1PX,
    attachments,
    awkward_pdf,
    encrypted_pdf,
    pdf_pages,
    scripted_pdf,
    text_of,
)

runner = CliRunner()


def flat(text: str) -> str:
    return "".join(text.split())


def manifest_of(data: bytes) -> dict:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        m = dossier.read_manifest(pdf)
    assert m is not None
    return m


def test_bad_evidence_is_listed_embedded_and_never_breaks_the_dossier(org, tmp_path: Path):
    w = Walker().new()
    w.ev("proposal", user="organ", name="建议（加密）.pdf", data=encrypted_pdf(), source="department")
    w.ev("start_decision", user="organ", name="启动决定（损坏）.pdf", data=BROKEN_PDF, date="2026-03-02")
    w.advance("organ")
    service.set_triggers(w.id, sets={"non_disclosable": "no", "interagency": "no"}, reasons={}, as_user="drafter")
    w.ev("draft", name="草案.txt", data="第一条 为了……（纯文本草案）".encode())
    w.ev("draft", name="草案（旋转、横向、偏移）.pdf", data=awkward_pdf(), version="v2")
    w.ev("draft", name="草案（含脚本）.pdf", data=scripted_pdf(), version="v3")
    w.ev("legal_basis", name="依据扫描件.png", data=PNG_1PX)
    w.ev("legal_basis", name="依据清单.pdf", data=pdf_pages(2, "依据清单"))

    r = archive.generate_dossier(w.id, as_user="archivist")
    path = tmp_path / r["filename"]
    path.write_bytes(r["data"])
    assert pdfa.check(r["data"]) == []
    m = manifest_of(r["data"])
    by_name = {e["filename"]: e for e in m["evidence"]}
    assert not by_name["建议（加密）.pdf"]["merged"] and "加密" in by_name["建议（加密）.pdf"]["reason"]
    assert not by_name["启动决定（损坏）.pdf"]["merged"] and "损坏" in by_name["启动决定（损坏）.pdf"]["reason"]
    assert not by_name["草案.txt"]["merged"] and "非 PDF" in by_name["草案.txt"]["reason"]
    assert not by_name["依据扫描件.png"]["merged"]
    assert by_name["草案（旋转、横向、偏移）.pdf"]["pages"][1] - by_name["草案（旋转、横向、偏移）.pdf"]["pages"][0] == 2
    assert by_name["草案（含脚本）.pdf"]["merged"]
    assert r["pages"] == m["front_pages"] + 3 + 1 + 2 + m["tail_pages"]  # only the mergeable PDFs add pages
    assert any("脚本" in warning for warning in r["warnings"])

    # every original embedded as it is, with its hash
    found = attachments(r["data"])
    for e in views.show(w.id)["evidence"]:
        no = next(x["no"] for x in m["evidence"] if x["id"] == e["id"])
        assert found[f"材料{no:03d}-{e['filename']}"] == e["sha256"]

    # the index says why each one was not merged
    text = flat(text_of(path))
    for needle in ("PDF已加密", "PDF已损坏", "非PDF文件（text/plain）", "非PDF文件（image/png）", "未并入"):
        assert needle in text, needle
    # ... in Chinese only (the English half of each note is in the warnings and the manifest, not on the pages)
    from tests.test_dossier import ENGLISH, ISO_DATE, KEY, generated_text

    pages = generated_text(path)
    assert "移除" in pages  # the script note is there, in Chinese
    for pattern in (ENGLISH, ISO_DATE, KEY):
        assert not pattern.findall(pages), (pattern.pattern, pattern.findall(pages)[:5])

    # the stamp is on every merged page, upright whatever the page's rotation or box origin
    a, b = by_name["草案（旋转、横向、偏移）.pdf"]["pages"]
    for n in range(a, b + 1):
        assert f"第{n}页共{r['pages']}页" in flat(text_of(path, n, n)), n
    with pikepdf.open(path) as pdf:
        rotated = pdf.pages[a - 1]
        assert int(rotated.obj.get("/Rotate", 0)) == 90  # inherited /Rotate kept on the copied page
        assert "/MediaBox" in rotated.obj and "/Resources" in rotated.obj
    # the stamp of the rotated page reads left to right at the bottom of the displayed page
    code = views.show(w.id)["code"]
    for n, (width, height) in zip(range(a, b + 1), ((842, 595), (842, 595), (595, 842)), strict=True):
        bbox = text_of_bbox(path, n)
        stamp = [word for word in bbox if word[4] == code]
        assert stamp, bbox
        x0, y0, x1, y1, _ = stamp[0]
        assert x1 - x0 > 3 * (y1 - y0), (n, stamp)  # horizontal, left to right
        assert x0 < width / 4 and height - 30 < y0 < height, (n, stamp)  # bottom left of the displayed page


def text_of_bbox(path: Path, page: int) -> list[tuple[float, float, float, float, str]]:
    import re
    import subprocess

    out = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(path), "-"],
                         capture_output=True, check=True).stdout.decode()
    words = re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<', out)
    return [(float(a), float(b), float(c), float(d), t) for a, b, c, d, t in words]


def test_scripts_are_removed_from_merged_pages(org):
    w = Walker().new()
    w.ev("proposal", user="organ", name="含脚本.pdf", data=scripted_pdf(), source="department")
    r = archive.generate_dossier(w.id, as_user="organ")
    with pikepdf.open(io.BytesIO(r["data"])) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary):
                assert "/JS" not in obj and "/AA" not in obj
                assert obj.get("/S") != pikepdf.Name.JavaScript
        assert "/OpenAction" not in pdf.Root
    # ... while the original stays embedded bit for bit
    assert attachments(r["data"])["材料001-含脚本.pdf"] == views.show(w.id)["evidence"][0]["sha256"]


def test_a_decision_without_evidence_renders_as_an_interim_dossier(org, tmp_path: Path):
    w = Walker().new()
    r = archive.generate_dossier(w.id, as_user="mayor")
    path = tmp_path / "interim.pdf"
    path.write_bytes(r["data"])
    m = manifest_of(r["data"])
    assert m["evidence"] == [] and m["decision"]["interim"]
    assert r["pages"] == m["front_pages"] + m["tail_pages"]  # the 卷内备考表 closes even an empty volume
    text = flat(text_of(path))
    assert "阶段性案卷" in text and "决策程序尚未完成" in text and "尚无材料" in text
    assert "INTERIM" not in text  # the Chinese volume, no English mark
    assert pdfa.check(r["data"]) == []
    assert archive.verify_dossier(r["data"])["ok"]


def test_characters_outside_the_fonts_get_a_fallback_never_a_box(org, tmp_path: Path):
    title = "示例市𡈼村改造决策🙂（含扩展B区汉字）\u200b"
    w = Walker().new(title=title)
    r = archive.generate_dossier(w.id, as_user="archivist")
    path = tmp_path / "fallback.pdf"
    path.write_bytes(r["data"])
    text = flat(text_of(path))
    assert "𡈼" in text  # drawn with the fallback font (AR PL UMing) that has it
    assert "〔U+1F642〕" in text  # no font has the emoji: a visible placeholder instead of an empty box
    chain = fonts.chain()
    runs = chain.runs(title)
    assert ("〔U+1F642〕" in "".join(t for _f, t in runs))
    for font_name, piece in runs:
        font = next(f for f in chain.fonts if f.name == font_name)
        assert all(ord(ch) in font.chars or ch in "〔〕U+" or ch.isalnum() for ch in piece), piece
    assert all(row.split()[-5:-2] == ["yes", "yes", "yes"] for row in _fonts(path))


def _fonts(path: Path) -> list[str]:
    from tests.test_dossier_helpers import font_rows

    return font_rows(path)


def test_who_may_generate_a_dossier(org):
    w = Walker().new()
    directory.add_office("OTHER", "另一市人民政府", "city")
    directory.add_user("other_auditor", "other_auditor", "OTHER", ["auditor"])
    directory.add_user("other_archivist", "other_archivist", "OTHER", ["archivist"])
    for user in ("archivist", "organ", "mayor", "auditor"):
        assert archive.generate_dossier(w.id, as_user=user)["pages"] >= 1, user
    for user in ("drafter", "reviewer", "secretary", "executor", "expert1", "admin", "other_auditor", "other_archivist"):
        with pytest.raises(NotPermitted):
            archive.generate_dossier(w.id, as_user=user)
    with pytest.raises(NotFound):
        archive.generate_dossier(w.id, as_user="nobody")
    with pytest.raises(NotFound):
        archive.generate_dossier(9999, as_user="archivist")
    dossier_events = [e for e in views.show(w.id)["audit"] if e["action"] == "dossier"]
    assert [e["actor"] for e in dossier_events] == ["archivist", "organ", "mayor", "auditor"]
    assert [e["role"] for e in dossier_events] == ["archivist", "decision_organ", "head", "auditor"]


def test_a_changed_evidence_file_fails_verify_and_blocks_a_new_dossier(org, tmp_path: Path):
    w = Walker().new()
    w.ev("proposal", user="organ", name="建议.pdf", data=pdf_pages(2, "建议"), source="department")
    w.ev("start_decision", user="organ", name="启动决定.pdf", data=pdf_pages(1, "启动"), date="2026-03-02")
    r = archive.generate_dossier(w.id, as_user="archivist")
    path = tmp_path / "d.pdf"
    path.write_bytes(r["data"])
    assert archive.verify_dossier(path)["ok"]

    victim = views.show(w.id)["evidence"][1]
    store = evidence_store.path_for(victim["sha256"])
    store.chmod(0o644)
    store.write_bytes(pdf_pages(1, "被替换的启动决定"))
    result = archive.verify_dossier(path)
    assert not result["ok"]
    assert result["evidence_differs"] == [victim["id"]]
    assert any(f"evidence #{victim['id']}" in p and "stored file changed" in p for p in result["problems"])
    cli = runner.invoke(app, ["verify", "--dossier", str(path)])
    assert cli.exit_code == 6
    assert f"evidence #{victim['id']}" in cli.stderr
    with pytest.raises(IntegrityFailure, match=f"evidence #{victim['id']} .*stored file changed"):
        archive.generate_dossier(w.id, as_user="archivist", to=tmp_path / "again.pdf")
    assert not (tmp_path / "again.pdf").exists()
    assert len([e for e in views.show(w.id)["audit"] if e["action"] == "dossier"]) == 1


def _incompressible_pdf(mb: float) -> bytes:
    """A one-page PDF carrying ``mb`` megabytes of noise (an image stream as a scan carries it): embedded as it
    is, copied in chunks (pdf.assemble: more than one chunk, not deflated)."""
    import random

    pdf = pikepdf.open(io.BytesIO(pdf_pages(1, "扫描")))
    noise = pikepdf.Stream(pdf, random.Random(16).randbytes(int(mb * 1024 * 1024)))
    pdf.pages[0].obj.Resources.XObject = pikepdf.Dictionary(Noise=noise)
    buf = io.BytesIO()
    pdf.save(buf, compress_streams=False)
    return buf.getvalue()


def test_a_large_original_changed_in_the_store_refuses_the_dossier_as_it_is_embedded(org, tmp_path: Path):
    """The fixity check is made on the bytes read to embed each original (no separate pass): a file larger than
    a chunk, copied straight into the volume, is hashed as it is copied — a byte changed deep inside is caught."""
    w = Walker().new()
    w.ev("proposal", user="organ", name="建议.pdf", data=pdf_pages(1, "建议"), source="department")
    w.ev("start_decision", user="organ", name="扫描件.pdf", data=_incompressible_pdf(2.5), date="2026-03-02")
    assert archive.generate_dossier(w.id, as_user="archivist", to=tmp_path / "ok.pdf")["pages"] >= 2
    victim = next(e for e in views.show(w.id)["evidence"] if e["filename"] == "扫描件.pdf")
    store = evidence_store.path_for(victim["sha256"])
    data = bytearray(store.read_bytes())
    data[2 * 1024 * 1024] ^= 0xFF  # in the third chunk, inside the noise: the PDF still opens
    store.chmod(0o644)
    store.write_bytes(bytes(data))
    with pytest.raises(IntegrityFailure, match=f"evidence #{victim['id']} .*stored file changed"):
        archive.generate_dossier(w.id, as_user="archivist", to=tmp_path / "again.pdf")
    assert not (tmp_path / "again.pdf").exists()


def test_evidence_added_after_the_dossier_is_named(org, tmp_path: Path):
    w = Walker().new()
    w.ev("proposal", user="organ", name="建议.pdf", data=pdf_pages(1, "建议"), source="department")
    r = archive.generate_dossier(w.id, as_user="archivist")
    added = w.ev("start_decision", user="organ", name="启动决定.pdf", data=pdf_pages(1, "启动"), date="2026-03-02")
    result = archive.verify_dossier(r["data"])
    # authentic, the record moved on: superseded (not a failure), the later document named
    assert result["ok"] and result["status"] == "superseded" and result["evidence_differs"] == []
    assert any(f"evidence #{added['id']} added after this dossier" in n for n in result["notes"])
    # the next dossier covers it, and matches
    r2 = archive.generate_dossier(w.id, as_user="archivist")
    assert r2["data"] != r["data"] and archive.verify_dossier(r2["data"])["status"] == "matches"


def test_a_procedure_change_without_new_evidence_is_reported(org):
    w = Walker().new()
    w.do_proposed()
    r = archive.generate_dossier(w.id, as_user="archivist")
    w.advance("organ")
    result = archive.verify_dossier(r["data"])
    assert result["ok"] and result["evidence_differs"] == []
    assert result["status"] == "superseded" and result["record_seq"] > result["dossier_seq"]


def test_cli_dossier_command(org, tmp_path: Path):
    w = Walker().new()
    w.ev("proposal", user="organ", name="建议.pdf", data=pdf_pages(1, "建议"), source="department")
    out = tmp_path / "out.pdf"
    res = runner.invoke(app, ["dossier", str(w.id), "-o", str(out), "--as", "archivist"])
    assert res.exit_code == 0, res.output
    assert out.is_file() and "sha256=" in res.stdout
    res = runner.invoke(app, ["--json", "dossier", str(w.id), "-o", str(out)])  # operator, no --as
    assert res.exit_code == 0, res.output
    assert res.stdout.count('"sha256"') == 1 and '"pages"' in res.stdout
    assert runner.invoke(app, ["verify", "--dossier", str(out)]).exit_code == 0
    assert runner.invoke(app, ["dossier", str(w.id), "-o", str(out), "--as", "drafter"]).exit_code == 4
    assert runner.invoke(app, ["dossier", "9999", "-o", str(out), "--as", "archivist"]).exit_code == 5
    assert runner.invoke(app, ["dossier", str(w.id), "-o", str(tmp_path / "no" / "x.pdf")]).exit_code == 2
    assert runner.invoke(app, ["verify", "--dossier", str(tmp_path / "missing.pdf")]).exit_code == 2
    actors = [e["actor"] for e in views.show(w.id)["audit"] if e["action"] == "dossier"]
    assert actors == ["archivist", "operator"]


def test_the_pdfa_checker_rejects_a_plain_reportlab_file():
    problems = pdfa.check(pdf_pages(1))
    assert any("pdfaid" in p for p in problems)
    assert any("OutputIntent" in p for p in problems)


def test_a_second_round_and_the_heads_reason_are_in_the_record(org, tmp_path: Path):
    w = Walker().walk_to("collective_discussion")
    w.meeting(outcome="revise", reason="组成人员多数同意，但区长认为需补充财政承受能力分析后再议")
    w.walk_to("execution")
    r = archive.generate_dossier(w.id, as_user="archivist")
    path = tmp_path / "rounds.pdf"
    path.write_bytes(r["data"])
    text = flat(text_of(path))
    assert "决定：修改后再行讨论；" in text  # the outcome by its name, not its key
    assert "行政首长决定与多数意见不一致的理由" in text and "需补充财政承受能力分析后再议" in text
    assert "（第2轮）" in text  # evidence of the second drafting round is grouped under its round
    assert "当前阶段决策执行" in text and "阶段性案卷" not in text  # decided: not an interim dossier
    assert pdfa.check(r["data"]) == []
    assert archive.verify_dossier(path)["ok"]


def test_concurrent_requests_give_the_same_bytes_and_each_is_recorded(org):
    from concurrent.futures import ThreadPoolExecutor

    w = Walker().new()
    w.ev("proposal", user="organ", name="建议.pdf", data=pdf_pages(3, "建议"), source="department")
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda u: archive.generate_dossier(w.id, as_user=u), ["archivist", "organ", "mayor"]))
    assert len({r["sha256"] for r in results}) == 1
    events = [e for e in views.show(w.id)["audit"] if e["action"] == "dossier"]
    assert sorted(e["actor"] for e in events) == ["archivist", "mayor", "organ"]
    assert archive.verify_dossier(results[0]["data"])["ok"]
