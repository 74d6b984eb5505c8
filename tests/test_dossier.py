"""The archived dossier of every demo decision (issue 5): it renders, passes the PDF/A checks we can
run, its text is extractable, its page count is the sum of its parts, every original is embedded with
its hash, two renders are byte-identical, and `verify --dossier` tells a true copy from a changed one.

The demo is loaded once for the module (with a cheap argon2 setting: password hashing is not under
test here) and each dossier rendered once; tests that change things work on copies of the bytes.

Visual check (done by hand when the renderer changes, not automated): render every page of a demo
dossier with ``pdftoppm -png -r 60 FILE.pdf /tmp/page`` and look at each PNG — Chinese text must show
as glyphs, never as empty boxes. `test_every_character_has_a_glyph` is the automated counterpart: every
character pdftotext extracts is covered by a font of the embedded chain (a character the font lacked
would have been drawn with glyph 0, the empty box).
"""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pikepdf
import pytest
from argon2 import PasswordHasher
from typer.testing import CliRunner

from decisions import demo
from decisions.accounts import service as directory
from decisions.archive import service as archive
from decisions.cli import app
from decisions.procedure import views
from pdf import dossier, fonts, pdfa
from tests.test_dossier_helpers import attachments, font_rows, outline_titles, page_count, text_of
from workflow import profiles

runner = CliRunner()
READER = {1: "hd_archivist", 2: "hd_head", 3: "hd_organ", 4: "hd_auditor", 5: "hd_archivist", 6: "yk_organ"}


@pytest.fixture(scope="module")
def demo_dossiers(tmp_path_factory: pytest.TempPathFactory, new_deployment):
    data = tmp_path_factory.mktemp("dossier-demo")
    url = new_deployment(data)
    mp = pytest.MonkeyPatch()
    mp.setenv("JUECE_DATA_DIR", str(data))
    mp.setenv("JUECE_DATABASE_URL", url)
    mp.setenv("JUECE_NOW", "2026-03-02T09:00:00+08:00")
    mp.delenv("JUECE_LANG", raising=False)
    mp.setattr(directory, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
    try:
        assert demo.load()["decisions"][:6] == [1, 2, 3, 4, 5, 6]
        out = {}
        for did, user in READER.items():
            r = archive.generate_dossier(did, as_user=user)
            path = data / r["filename"]
            path.write_bytes(r["data"])
            out[did] = {**r, "path": path, "show": views.show(did), "url": url}
        yield out
    finally:
        mp.undo()


@pytest.fixture()
def demo_env(demo_dossiers, monkeypatch: pytest.MonkeyPatch):
    """Re-assert the module's deployment for a test (function fixtures of other tests may have run)."""
    path = next(iter(demo_dossiers.values()))["path"].parent
    monkeypatch.setenv("JUECE_DATA_DIR", str(path))
    monkeypatch.setenv("JUECE_DATABASE_URL", next(iter(demo_dossiers.values()))["url"])
    monkeypatch.setenv("JUECE_NOW", "2026-03-02T09:00:00+08:00")
    return demo_dossiers


def test_every_demo_dossier_renders_and_passes_the_pdfa_checks(demo_env):
    for did, r in demo_env.items():
        assert r["data"].startswith(b"%PDF-1.")
        assert r["pages"] == page_count(r["path"]), did
        assert pdfa.check(r["data"]) == [], did
        with pikepdf.open(io.BytesIO(r["data"])) as pdf:
            meta = pdf.open_metadata()
            assert meta.pdfa_status == "3B"
            assert meta["dc:title"] == r["show"]["title"]
            assert pdf.Root.OutputIntents[0].S == pikepdf.Name.GTS_PDFA1
            assert "/ID" in pdf.trailer and "/Encrypt" not in pdf.trailer
            assert str(pdf.docinfo["/CreationDate"]).startswith("D:" + r["show"]["created_at"][:10].replace("-", ""))


def test_key_texts_are_extractable(demo_env):
    profile = profiles.load("state-council-2019")
    for did, r in demo_env.items():
        show = r["show"]
        text = text_of(r["path"])
        flat = "".join(text.split())  # poppler drops the spaces between CJK characters and digits
        assert "".join(show["title"].split()) in flat, did
        assert show["code"] in text
        assert f"第1页共{r['pages']}页" in flat
        assert f"第{r['pages']}页共{r['pages']}页" in flat
        for key in profile.stage_order:
            assert profile.stages[key].name_zh in text, (did, key)
        for art in ("第十条", "第十二条", "第二十五条", "第三十条", "第三十二条", "第三十四条"):  # as cited, not "Art 10"
            assert art in flat, (did, art)
        for e in show["evidence"]:
            assert e["sha256"][:16] in text  # the index prints each SHA-256 in lines of 16
        if show["state"] not in ("execution", "closed"):
            assert "阶段性案卷" in text, did
    one = "".join(text_of(demo_env[1]["path"]).split())
    meeting = date.fromisoformat(demo.moved("2022-06-16"))  # the demo's meeting, moved to the clock's time line
    assert "hd_head" not in one  # people by name, not by account
    for expected in ("李建国（区长）（行政首长，最后发言）", "不同意", "行政首长，最后发言", "收到意见12条", "政府网站",
                     "依法跳过", "已完成", f"经{meeting.year}年{meeting.month}月{meeting.day}日集体讨论决定通过",
                     "意见采纳情况登记", "一事一档"):
        assert expected in one, expected


def test_page_count_is_the_sum_of_its_parts(demo_env):
    for did, r in demo_env.items():
        with pikepdf.open(io.BytesIO(r["data"])) as pdf:
            manifest = dossier.read_manifest(pdf)
        assert manifest is not None
        evidence_pages = 0
        for item in manifest["evidence"]:
            store = Path(demo_env[did]["path"].parent / "objects" / item["sha256"][:2] / item["sha256"])
            with pikepdf.open(store) as src:
                n = len(src.pages)
            assert item["merged"], item
            assert item["pages"] == [item["pages"][0], item["pages"][0] + n - 1]
            evidence_pages += n
        assert manifest["front_pages"] + evidence_pages + manifest["tail_pages"] == r["pages"] == manifest["pages"], did
        # every evidence page carries the stamp with its absolute number
        first = manifest["evidence"][0]["pages"][0] if manifest["evidence"] else None
        if first:
            assert f"第{first}页共{r['pages']}页" in "".join(text_of(r["path"], first, first).split())


def test_embedded_files_are_present_with_matching_hashes(demo_env):
    for did, r in demo_env.items():
        found = attachments(r["data"])
        evidence = r["show"]["evidence"]
        assert len(found) == len(evidence) + 1, did  # every original + the manifest
        assert dossier.MANIFEST_NAME in found
        for no, e in enumerate(evidence, start=1):
            name = f"材料{no:03d}-{e['filename']}"
            assert found[name] == e["sha256"], (did, name)
        with pikepdf.open(io.BytesIO(r["data"])) as pdf:
            af = {o.objgen for o in pdf.Root.AF}
            for spec in pdf.attachments.values():
                assert spec.obj.objgen in af
                assert spec.obj.AFRelationship in (pikepdf.Name.Source, pikepdf.Name.Data)


def test_two_renders_are_byte_identical_and_each_is_recorded(demo_env):
    first = demo_env[1]
    again = archive.generate_dossier(1, as_user="hd_auditor")
    assert again["data"] == first["data"]
    assert again["sha256"] == first["sha256"]
    events = [e for e in views.show(1)["audit"] if e["action"] == "dossier"]
    assert len(events) == 2
    assert {e["actor"] for e in events} == {"hd_archivist", "hd_auditor"}
    assert all(e["detail"]["sha256"] == first["sha256"] and e["detail"]["pages"] == first["pages"] for e in events)


def test_fonts_are_embedded_subsets_only(demo_env):
    for did, r in demo_env.items():
        rows = font_rows(r["path"])
        assert rows, did
        for row in rows:
            cols = row.split()
            assert cols[-5:-2] == ["yes", "yes", "yes"], row  # emb sub uni
            assert "Helvetica" not in row


def test_every_character_has_a_glyph(demo_env):
    chain = fonts.chain()
    for did, r in demo_env.items():
        text = text_of(r["path"])
        missing = {ch for ch in text if not ch.isspace() and ch != "\x0c" and chain.font_for(ch) is None}
        assert not missing, (did, sorted(missing))


def test_bookmarks_per_section_and_stage(demo_env):
    titles = outline_titles(demo_env[1]["data"])
    for expected in ("封面", "卷内目录", "一、程序时间线", "六、集体讨论决定", "八、材料清单", "卷内备考表", "十、材料原件", "决策建议", "集体讨论决定",
                     "决策执行"):
        assert expected in titles, expected
    assert any(t.startswith("第10件 会议纪要") for t in titles)  # one number per document: its 件号


def test_verify_accepts_the_file_and_names_what_differs(demo_env, tmp_path: Path):
    r = demo_env[2]
    ok = archive.verify_dossier(r["path"])
    assert ok["ok"], ok["problems"]
    assert ok["recorded"] and ok["decision"]["code"] == r["show"]["code"]
    result = runner.invoke(app, ["verify", "--dossier", str(r["path"])])
    assert result.exit_code == 0, result.output
    assert "dossier matches" in result.stdout

    # an embedded original replaced inside the dossier file
    victim = r["show"]["evidence"][3]
    with pikepdf.open(io.BytesIO(r["data"])) as pdf:
        name = f"材料004-{victim['filename']}"
        pdf.attachments[name] = pikepdf.AttachedFileSpec(pdf, b"%PDF-1.7 forged", filename=name)
        buf = io.BytesIO()
        pdf.save(buf)
    forged = tmp_path / "forged.pdf"
    forged.write_bytes(buf.getvalue())
    bad = archive.verify_dossier(forged)
    assert not bad["ok"]
    assert bad["evidence_differs"] == [victim["id"]]
    assert any(f"evidence #{victim['id']}" in p and "changed" in p for p in bad["problems"])
    result = runner.invoke(app, ["verify", "--dossier", str(forged)])
    assert result.exit_code == 6
    assert f"evidence #{victim['id']}" in result.stderr

    # the pages or metadata changed, evidence untouched
    with pikepdf.open(io.BytesIO(r["data"])) as pdf:
        pdf.docinfo["/Title"] = "另一个标题"
        buf = io.BytesIO()
        pdf.save(buf)
    bad = archive.verify_dossier(buf.getvalue())
    assert not bad["ok"] and bad["evidence_differs"] == []
    assert any("fresh rendering" in p for p in bad["problems"])

    # not a dossier at all
    assert not archive.verify_dossier(b"%PDF-1.4 nothing")["ok"]
    other = archive.verify_dossier(demo_env[3]["data"])
    assert other["ok"]
    result = runner.invoke(app, ["verify", "2", "--dossier", str(demo_env[3]["path"])])
    assert result.exit_code == 6  # a dossier of another decision than the one named


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ENGLISH_ARTICLE = re.compile(r"Art\s*\d")
KEY = re.compile(r"[（(][a-z][a-z0-9_]*(?:=[a-z0-9_]+)?[）)]")
SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")  # a profile's or an enum's key (professional_technical, hd_head)
# English a reader of the Chinese volume should not meet: the English halves of bilingual notes, enum values
ENGLISH = re.compile(r"\b(?:INTERIM|DOSSIER|embedded|encrypted|broken|damaged|removed|unembedded|approve|reject|"
                     r"abstain|revise|defer|letter|phone|web|verify|--\w+)\b")


def generated_text(path: Path) -> str:
    """The text of the volume's generated pages (record, 卷内目录, 卷内备考表), by pypdf: not the merged evidence
    pages (each document as it was filed, its own words) — the manifest says which pages are which."""
    from pypdf import PdfReader

    with pikepdf.open(path) as pdf:
        manifest = dossier.read_manifest(pdf)
    assert manifest is not None
    reader = PdfReader(path)
    total = len(reader.pages)
    assert total == manifest["pages"]
    ours = [*range(manifest["front_pages"]), *range(total - manifest["tail_pages"], total)]
    return "\n".join(reader.pages[i].extract_text() for i in ours)


def test_the_generated_pages_are_chinese_prose_without_iso_dates_english_articles_or_keys(demo_env):
    """Issue 16 item 4 and the standards: every date of the generated pages as 2026年12月7日 (times as
    2026年12月7日 10:00), every article as 第十条, every event as Chinese prose — no internal key in brackets,
    no key=value, no English. No section of the pages keeps ISO times: the machine-readable ones are the
    embedded manifest's (juece-dossier.json) and the XMP metadata's, which no reader of the pages sees; the
    hashes of the audit trail are hexadecimal, not dates. The merged evidence pages are the documents as filed."""
    for did, r in demo_env.items():
        text = generated_text(r["path"])
        assert "第1页" in "".join(text.split()) or "第 1 页" in text, did  # the extraction did read the pages
        for pattern in (ISO_DATE, ENGLISH_ARTICLE, KEY, SNAKE, ENGLISH):
            found = pattern.findall(text)
            assert not found, (did, pattern.pattern, found[:5])
    one = "".join(generated_text(demo_env[1]["path"]).split())
    assert "年" in one and "月" in one and "日" in one
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日\d{2}:\d{2}", one)  # a time of the timeline: date, then hh:mm
    assert "第十条" in one and "第二十五条" in one
    assert "通过" in one and "approve" not in one
