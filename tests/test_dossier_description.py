"""The volume's description as a reader sees it (DA/T 22): Chinese dates and no internal key on the cover,
each document's 文号 and provenance (录入, 代录, 补录, the pinned draft, the channel) in the 卷内目录, and the
卷内备考表 as the volume's physical last page with its counts and notes."""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf

from decisions.archive import service as archive
from pdf import description, dossier
from tests.helpers import Walker
from tests.test_dossier_helpers import page_count, pdf_pages, text_of


def flat(text: str) -> str:
    return "".join(text.split())


class _Doc:
    def __init__(self, entry: dict, merged: bool = True, pages: int = 1):
        self.entry, self._merged, self.pages, self.reason, self.notes = entry, merged, pages, "", []

    @property
    def merged(self) -> bool:
        return self._merged


def test_dates_articles_and_keys_in_reader_form():
    assert description.zh_date("2026-12-07") == "2026年12月7日"
    assert description.zh_time("2026-12-07T10:00:00+08:00") == "2026年12月7日 10:00"
    assert description.zh_time("2026-12-07") == "2026年12月7日"
    assert description.zh_date("（尚未归档）") == "（尚未归档）"
    assert [description.numeral(n) for n in (3, 10, 14, 25, 102, 110)] == ["三", "十", "十四", "二十五", "一百零二",
                                                                         "一百一十"]
    assert description.articles_zh("Art 25¶2") == "条例第二十五条第二款"
    assert description.articles_zh("（Art 29(1)）") == "（条例第二十九条第（一）项）"
    assert description.articles_zh("Art 10, 11") == "条例第十条、第十一条"
    note = "风险评估依法跳过：不适用（stability_risk）— 可能影响（stability_risk=no）：否（Art 22）"
    assert description.plain_words(note) == "风险评估依法跳过：不适用 — 可能影响：否（条例第二十二条）"


def test_provenance_names_both_people_of_a_proxy_entry_the_draft_and_the_channel():
    e = {"no": 4, "kind": "expert_opinion", "kind_name": "专家论证意见", "at": "2026-03-05T09:00:00+08:00",
         "author_name": "李专家", "on_behalf": "王秘书", "late_entry": True, "draft_sha256": "ab" * 32,
         "channel": "web", "meta": {"doc_number": "专家〔2026〕3号"}}
    assert description.provenance_lines(e) == ["代录：王秘书代李专家录入", "补录", f"草案：{'ab' * 6}", "渠道：工作台"]
    assert description.doc_number(e) == "专家〔2026〕3号"
    assert description.doc_number({"meta": {}}) == ""
    plain = {**e, "on_behalf": None, "late_entry": False, "draft_sha256": None, "channel": "cli"}
    assert description.provenance_lines(plain) == ["录入：李专家", "渠道：命令行"]

    rec = {"decision": {"interim": False}, "archive": {"late": [], "notes": []}}
    drafts = [_Doc({"no": 1, "kind": "draft", "kind_name": "决策草案", "at": "2026-03-01T09:00:00"}),
              _Doc({"no": 2, "kind": "draft", "kind_name": "决策草案", "at": "2026-03-02T09:00:00"})]
    notes = description.notes(rec, [*drafts, _Doc(e)], 0)
    assert any("第4件：王秘书代李专家录入" in n for n in notes)
    assert any("补录" in n and "第4件专家论证意见（2026年3月5日录入）" in n for n in notes)
    assert any("第1件由第2件取代" in n for n in notes)
    assert any(n.startswith("作废的上传：") for n in notes)


def test_the_volume_has_numbers_provenance_and_its_notes_sheet_last(org, tmp_path: Path):
    w = Walker().new()
    w.ev("proposal", user="organ", source="department", data=pdf_pages(1, "建议"))
    w.ev("start_decision", user="organ", date="2026-03-02", doc_number="市府办函〔2026〕7号", data=pdf_pages(2, "启动"))
    late = w.ev("start_decision", user="organ", date="2026-01-05", data=pdf_pages(1, "补录的决定"))  # 补录
    r = archive.generate_dossier(w.id, as_user="archivist")
    path = tmp_path / "d.pdf"
    path.write_bytes(r["data"])
    with pikepdf.open(io.BytesIO(r["data"])) as pdf:
        m = dossier.read_manifest(pdf)
        last_outline = list(pdf.open_outline().root)[-1].title
    assert m is not None and m["renderer"]["layout"] == dossier.LAYOUT and m["chain"]["seq"] > 0
    n = page_count(path)
    assert m["tail_pages"] == 1 and n == m["front_pages"] + 1 + 2 + 1 + m["tail_pages"] == m["pages"]
    assert last_outline == "卷内备考表"

    cover = flat(text_of(path, 1, 1))
    assert "（proposed）" not in cover and "proposed" not in cover
    assert "当前阶段" in cover and "2026年3月2日" in cover
    catalogue = flat(text_of(path, 2, 2))
    assert "市府办函〔2026〕" in catalogue  # the 文号 (its cell wraps before 7号)
    assert "补录" in catalogue and "渠道：命令行" in catalogue and "录入：" in catalogue
    assert "2026年1月5日" in catalogue and "2026-01-05" not in catalogue
    assert "卷内备考表" in catalogue and str(n) in catalogue

    notes = flat(text_of(path, n, n))
    assert "卷内备考表" in notes and f"第{n}页共{n}页" in notes
    assert "本卷共有文件3件" in notes and f"本卷共{n}页" in notes
    assert late["late_entry"] and "第3件启动决定" in notes  # the late entry named by its 件号
    assert "立卷人" in notes and "检查人" in notes
    assert "卷内备考表" not in flat(text_of(path, n - 1, n - 1))  # the last document's page comes before it


def test_a_renderer_note_keeps_its_chinese_half_only():
    rec = {"decision": {"interim": False}, "archive": {}}
    doc = _Doc({"no": 16, "kind": "execution_report", "kind_name": "执行情况报告", "at": "2023-01-05T10:00:00"})
    doc.notes = ["含未嵌入字体，合并页不符合 PDF/A（原件已嵌入）/ unembedded fonts: /Helvetica"]
    notes = description.notes(rec, [doc], 0)
    assert "第16件：含未嵌入字体，合并页不符合 PDF/A（原件已嵌入）" in notes
    assert not any("unembedded" in n for n in notes)


def test_a_cell_is_broken_into_lines_that_fit_its_column():
    """`pdf.fonts.wrap` replaces ReportLab's CJK Paragraph in the tables: every line fits, nothing is lost or
    added, no line starts with closing punctuation, a Latin word or number is not split unless longer than a line."""
    from reportlab.pdfbase import pdfmetrics

    from pdf import fonts

    font = fonts.chain().primary
    text = "花都区“十四五”时期财政改革发展规划，决策机关广州市花都区人民政府；文号：花司法审〔2022〕12号。\n第二行"
    for room in (40.0, 60.0, 95.0, 200.0):
        lines = fonts.wrap(text, font, 8, room)
        assert "".join(lines) == text.replace("\n", "")
        assert all(pdfmetrics.stringWidth(line, font, 8) <= room for line in lines if len(line) > 1), (room, lines)
        assert not any(line[:1] in fonts.NO_LINE_START for line in lines), (room, lines)
    assert fonts.wrap(text, font, 8, 1000) == text.split("\n")  # a line that fits is left as it is
    words = fonts.wrap("决策机关 abcdefghij 合法", font, 8, 70)
    assert any("abcdefghij" in line for line in words), words  # the word moved whole to the next line
    digest = "0123456789abcdef" * 4
    long = fonts.wrap(digest, font, 8, 60)
    assert len(long) > 1 and "".join(long) == digest  # longer than a line: split where it must be
