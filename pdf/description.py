"""What the volume's description says (DA/T 22): the cover, the 卷内目录's cells and the 卷内备考表's notes.

Text only — `pdf.dossier` lays it out. Kept apart from the layout so that the words a reader sees (Chinese
dates, names instead of keys, each document's 文号 and provenance) are decided in one place and tested
without rendering. Every input is the plain record `decisions.archive` builds; nothing here reads a database.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Protocol

CATEGORY_ZH = {
    1: "制定有关公共服务、市场监管、社会管理、环境保护等方面的重大公共政策和措施",
    2: "制定经济和社会发展等方面的重要规划",
    3: "制定开发利用、保护重要自然资源和文化资源的重大公共政策和措施",
    4: "决定在本行政区域实施的重大公共建设项目",
    5: "决定对经济社会发展有重大影响、涉及重大公共利益或者社会公众切身利益的其他重大事项",
}
SOURCE_ZH = {"leader": "决策机关领导人员提出", "department": "所属部门或下级政府提出",
             "npc_cppcc": "人大代表、政协委员提出", "public": "公众提出"}
CHANNEL_ZH = {"cli": "命令行", "web": "工作台", "public": "公众端", "worker": "定时任务"}


class DocumentPart(Protocol):
    """What the description reads of a document of the volume (`pdf.dossier.Part`)."""

    entry: dict
    pages: int
    reason: str
    notes: list[str]

    @property
    def merged(self) -> bool: ...


# ----------------------------------------------------------------- vocabulary (the profile's and the engine's
# keys as a reader names them; display only)
STATUS_ZH = {"done": "已完成", "current": "进行中", "skipped": "依法跳过", "pending": "未开始"}
POSITION_ZH = {"approve": "同意", "reject": "不同意", "abstain": "弃权"}
OUTCOME_ZH = {"approve": "通过", "reject": "不予通过", "revise": "修改后再行讨论", "defer": "暂缓决策",
              "rediscuss": "再次讨论"}
MEETING_ZH = {"executive": "常务会议", "plenary": "全体会议", "office": "办公会议"}
META_ZH = {
    "source": "来源", "date": "日期", "version": "版本", "alternative": "备选方案", "laws": "依据", "consensus": "协商一致",
    "units": "协商单位", "reference": "已有评估", "form": "形式", "start": "起", "end": "止", "shortened_reason": "缩短理由",
    "hearing_date": "听证日期", "materials_delivered": "材料送达", "participants": "参加人员", "received": "收到意见",
    "adopted": "采纳", "partially_adopted": "部分采纳", "not_adopted": "未采纳", "expert": "专家", "signed": "署名",
    "direct_interest": "直接利害关系", "institution": "单位", "conclusion": "结论", "level": "风险等级", "method": "方法",
    "submitted": "报送日期", "short_review_reason": "缩短审查理由", "adviser": "法律顾问", "authority": "权限",
    "procedure": "程序", "content": "内容", "reported": "报告日期", "channel": "公布渠道", "url": "网址",
    "executing_unit": "执行单位", "period": "期间", "type": "类型", "doc_number": "文号",
}
VALUE_ZH = {
    "yes": "是", "no": "否", "controllable": "可控", "uncontrollable": "不可控", "low": "低", "medium": "中", "high": "高",
    "pass": "通过", "fail": "未通过", "lawful": "合法", "lawful_with_amendments": "修改后合法", "unlawful": "不合法",
    "returned": "退回补充", "website": "政府网站", "gazette": "政府公报", "newspaper": "报刊", "open_comment": "公开征求意见",
    "hearing": "听证会", "symposium": "座谈会", "field_visit": "实地走访", "written": "书面征求意见",
    "questionnaire": "问卷调查", "poll": "民意调查", "group_consultation": "与特定群体沟通协商",
    "enterprise_consultation": "听取市场主体意见", "leader": "领导提出", "department": "部门提出",
    "npc_cppcc": "人大代表、政协委员", "public": "公众", "executive": "常务会议", "plenary": "全体会议",
}


def value_zh(v: Any, offices: dict[str, str] | None = None) -> str:
    """A metadata value as a reader reads it: dates as 2026年12月7日, half years as 2026年下半年, an office's code
    as its name, a profile's key as its word."""
    s = str(v)
    if len(s) == 10 and s[4] == "-" and s[7] == "-" and s.replace("-", "").isdigit():
        return zh_date(s)
    if len(s) == 6 and s[:4].isdigit() and s[4:] in ("H1", "H2"):
        return f"{s[:4]}年{'上' if s[5] == '1' else '下'}半年"
    if offices and s in offices:
        return offices[s]
    return VALUE_ZH.get(s, s)  # the name a reader knows, not the profile's key


# metadata that names an account (an internal key): the person is named by the metadata beside it (专家)
META_HIDDEN = {"expert_account", "assessor_account"}


def meta_text(meta: dict, offices: dict[str, str] | None = None) -> str:
    return "；".join(f"{META_ZH.get(k, k)}：{value_zh(v, offices)}" for k, v in sorted(meta.items())
                    if v not in ("", None) and k not in META_HIDDEN)


def office_names(rec: dict) -> dict[str, str]:
    """The offices the record names, code -> name (a metadata value that is an office's code is shown by name)."""
    refs = [rec.get("organ"), rec.get("undertaker"), rec.get("executing_unit"), *(rec.get("co_undertakers") or [])]
    return {o["code"]: o["name"] for o in refs if o}


# ----------------------------------------------------------------- dates
def _parse(text: Any) -> datetime | None:
    s = str(text or "").strip()
    if len(s) < 10 or s[4] != "-":
        return None
    try:
        return datetime.fromisoformat(s if len(s) > 10 else s[:10])
    except ValueError:
        return None


def zh_date(text: Any) -> str:
    """'2026-12-07' or an ISO time -> '2026年12月7日' (text that is no date is returned as it is)."""
    t = _parse(text)
    return f"{t.year}年{t.month}月{t.day}日" if t else str(text or "")


def zh_time(text: Any) -> str:
    """An ISO time -> '2026年12月7日 10:00' (China time, as every time of the record); a bare date -> its date."""
    t = _parse(text)
    if t is None:
        return str(text or "")
    s = str(text)
    return zh_date(s) + (f" {t:%H:%M}" if len(s) > 10 and s[10] == "T" else "")


_DIGITS = "零一二三四五六七八九"
_KEY = re.compile(r"[（(][a-z][a-z0-9_]*(?:=[a-z0-9_]+)?[）)]")
_ART = re.compile(r"Art\s*(\d+)(?:¶(\d+))?(?:\((\d+)\))?((?:\s*[,、]\s*\d+(?:¶\d+)?)*)")


def numeral(n: int) -> str:
    """1..999 in Chinese numerals, as articles are cited (十, 十四, 二十五, 一百零二)."""
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _DIGITS[n // 10] + "十" + (_DIGITS[n % 10] if n % 10 else "")
    rest = n % 100
    return _DIGITS[n // 100] + "百" + ("" if not rest else ("零" + numeral(rest) if rest < 10 else
                                                           (numeral(rest) if rest >= 20 else "一" + numeral(rest))))


def _one_article(num: str, para: str | None = None, item: str | None = None) -> str:
    return (f"第{numeral(int(num))}条" + (f"第{numeral(int(para))}款" if para else "")
            + (f"第（{numeral(int(item))}）项" if item else ""))


def articles_zh(text: str) -> str:
    """The profile's citations in running text as a reader cites them: 'Art 25¶2' -> '条例第二十五条第二款',
    'Art 29(1)' -> '第二十九条第（一）项', 'Art 10, 11' -> '第十条、第十一条'."""
    def one(m: re.Match) -> str:
        out = [_one_article(m.group(1), m.group(2), m.group(3))]
        for more in re.findall(r"(\d+)(?:¶(\d+))?", m.group(4) or ""):
            out.append(_one_article(more[0], more[1] or None))
        return "条例" + "、".join(out)
    return _ART.sub(one, str(text or ""))


def plain_words(text: str) -> str:
    """Running text for a reader: the internal keys a generated note carries in brackets — '（stability_risk）',
    '（market_entities=no）' — left out, the articles cited in Chinese."""
    return articles_zh(re.sub(r"\s*—\s*", " — ", _KEY.sub("", str(text or ""))))


# ----------------------------------------------------------------- cover
def cover_rows(rec: dict, until: str, backwards: int) -> list[tuple[str, str]]:
    """The cover's rows below the title: names and Chinese dates, no internal key."""
    d, prof, arc = rec["decision"], rec["profile"], rec.get("archive") or {}
    co = "、".join(o["name"] for o in rec["co_undertakers"])
    cat = rec.get("catalog")
    rows = [
        ("决策编号", d["code"]),
        ("决策机关", rec["organ"]["name"]),
        ("承办单位", rec["undertaker"]["name"] + (f"；协办：{co}" if co else "")),
        ("事项类别", f"第{d['category']}类：{CATEGORY_ZH.get(d['category'], '')}（条例第三条）"),
        ("决策来源", SOURCE_ZH.get(d["source"], d["source"])),
        ("目录事项", f"{cat['year']}年度目录第{cat['seq']}项：{cat['item_name']}" if cat else "（未列入目录）"),
        ("程序依据", f"{prof['title_zh']}（{prof['version']}）"),
        ("起止日期", f"{zh_date(d['created_at'])}至{zh_date(until)}"),
        ("当前阶段", f"{d['state_name']}，{zh_time(d['state_entered_at'])}起"),
        ("决策结果", d["outcome"]),
        ("记录截至", zh_time(until) + "（时间均为北京时间）" + (
            f"；审计记录中有 {backwards} 条事件的时间早于此前的事件，见“九、审计记录”" if backwards else "")),
    ]
    if arc:
        rows += [("立卷单位", arc.get("unit", "")),
                 ("归档日期", zh_date(arc["filed_at"]) if arc.get("filed") else "（尚未归档）")]
    return rows


# ----------------------------------------------------------------- 卷内目录
def doc_number(e: dict) -> str:
    """文号: the document's own number where its metadata has one (``doc_number``; older keys as well)."""
    m = e.get("meta") or {}
    return str(m.get("doc_number") or m.get("doc_no") or m.get("number") or m.get("reference") or "")


def responsible(e: dict) -> str:
    """责任者: who issued the document (an expert's or an institution's own opinion), else the submitting office."""
    m = e.get("meta") or {}
    return str(m.get("institution") or m.get("expert") or e.get("office_name") or "")


def doc_iso_date(e: dict) -> str:
    """The document's own date (its metadata's), else the day it was recorded: YYYY-MM-DD."""
    m = e.get("meta") or {}
    for k in ("date", "submitted", "reported", "hearing_date"):
        v = str(m.get(k) or "")
        if len(v) >= 10 and v[4] == "-":
            return v[:10]
    return str(e["at"])[:10]


def doc_date(e: dict) -> str:
    """The document's date as 2026年12月7日 (the 卷内目录's 日期)."""
    return zh_date(doc_iso_date(e))


def provenance_lines(e: dict) -> list[str]:
    """Who entered the document, for whom (代录, both names), whether late (补录), on which draft, through which
    channel — as the audit event sealed them (procedure.md §8; the fields of ``juece show --json``)."""
    lines = []
    who = e.get("author_name") or e.get("author") or e.get("uploader") or ""
    if e.get("on_behalf"):
        lines.append(f"代录：{e['on_behalf']}代{who}录入")
    elif who:
        lines.append(f"录入：{who}")
    if e.get("late_entry"):
        lines.append("补录")
    if e.get("draft_sha256"):
        lines.append(f"草案：{str(e['draft_sha256'])[:12]}")
    if e.get("channel"):
        lines.append(f"渠道：{CHANNEL_ZH.get(str(e['channel']), str(e['channel']))}")
    return lines


# ----------------------------------------------------------------- 卷内备考表
def counts_text(parts: list[DocumentPart], total_pages: int, front_pages: int, tail_pages: int) -> str:
    merged = [p for p in parts if p.merged]
    merged_pages = sum(p.pages for p in merged)
    return (f"本卷共有文件 {len(parts)} 件（并入本卷页面 {len(merged)} 件，共 {merged_pages} 页；原件作为附件嵌入 "
            f"{len(parts)} 件）；本卷共 {total_pages} 页，其中生成部分 {front_pages} 页、卷内备考表 {tail_pages} 页。")


def notes(rec: dict, parts: list[DocumentPart], backwards: int) -> list[str]:
    """The 备考表's notes: what a reader of the volume must know — documents not merged, late entries (补录,
    and documents filed after their stage), 代录, voided uploads, skipped stages, the renderer's notes."""
    arc = rec.get("archive") or {}
    out: list[str] = []
    unmerged = [p for p in parts if not p.merged]
    if unmerged:
        out.append("未并入本卷页面、原件作为附件嵌入的材料：" + "；".join(
            f"第{p.entry['no']}件（{zh_half(p.reason).split('：')[0]}）" for p in unmerged))
    late = [p.entry for p in parts if p.entry.get("late_entry")]
    if late:
        out.append("补录（所载日期早于录入之日）的材料：" + "；".join(
            f"第{e['no']}件{e['kind_name']}（{zh_date(e['at'])}录入）" for e in late))
    for entry in arc.get("late", []):
        out.append(f"第{entry['no']}件于{zh_time(entry['at'])}补充归入，晚于“{entry['stage_name']}”阶段完成"
                   f"（{zh_time(entry['left_at'])}）。")
    proxied = [p.entry for p in parts if p.entry.get("on_behalf")]
    if proxied:
        out.append("代录的材料（纸质原件经扫描、由他人代为录入）：" + "；".join(
            f"第{e['no']}件：{e['on_behalf']}代{e.get('author_name') or e.get('author')}录入" for e in proxied))
    drafts = [p.entry for p in parts if p.entry.get("kind") == "draft" and not p.entry.get("voided")]
    if len(drafts) > 1:
        out.append("被新稿取代的决策草案（仍在卷内）：" + "；".join(
            f"第{e['no']}件由第{drafts[i + 1]['no']}件取代" for i, e in enumerate(drafts[:-1])))
    voided = arc.get("voided") or []
    out.append("作废的上传（仍在卷内，不作为有效材料）：" + "；".join(voided_note(v) for v in voided) if voided else
               "作废的上传：无（材料只增不改，每件上传均在卷内）")
    out += [plain_words(n) for n in arc.get("notes", [])]
    for p in parts:
        for n in p.notes:
            out.append(f"第{p.entry['no']}件：{zh_half(n)}")
    if backwards:
        out.append(f"审计记录中有 {backwards} 条事件的时间早于此前的事件，见“九、审计记录”。")
    if rec["decision"]["interim"]:
        out.append("本卷为阶段性案卷，决策程序尚未完成。")
    return out


def voided_note(v: dict | str) -> str:
    """One voided upload in the 备考表: its 件号, what it was, who voided it, when and why."""
    if not isinstance(v, dict):
        return str(v)
    return (f"第{v['no']}件{v['kind_name']}「{v['filename']}」，{v['by']}于{zh_date(v['at'])}作废，"
            f"理由：{v['reason']}")


def zh_half(note: str) -> str:
    """The Chinese half of a bilingual renderer note ('含未嵌入字体…（原件已嵌入）/ unembedded fonts: …')."""
    return re.split(r"\s?/ (?=[A-Za-z])", note, maxsplit=1)[0]


def signoff_rows(rec: dict) -> list[tuple[str, str]]:
    """立卷单位, 立卷人, 检查人, 立卷时间 (from the filing; before it, what filing will fill in)."""
    arc = rec.get("archive") or {}
    filed = arc.get("filed")
    return [("立卷单位", arc.get("unit", "")),
            ("立卷人", arc.get("filer") or "（尚未归档）"),
            ("检查人", arc.get("checker") or "（尚未归档）"),
            ("立卷时间", zh_date(arc.get("filed_at")) if filed else "（尚未归档）")]
