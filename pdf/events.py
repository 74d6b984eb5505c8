"""Audit events as Chinese prose, for the dossier's timeline and audit trail (no database access here).

`describe(action, detail, names)` turns one event's detail (the JSON stored in the audit chain) into a
sentence. Every action the engine records on a decision's chain has its own sentence; an action this
module does not know yet is still written as "字段：值；…" with the field names translated where known —
never as raw JSON. `names` turns the profile's keys (stages, triggers, evidence kinds) into their Chinese
names; `decisions.archive` builds it from the decision's profile.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pdf.description import articles_zh, plain_words, zh_date, zh_time

ACTION_ZH = {
    "create": "提出决策事项", "returned": "退回重新办理", "triggers": "适用性判定", "evidence": "提交材料", "advance": "进入下一阶段",
    "meeting": "集体讨论决定", "transition": "阶段变更", "exclude": "不属于重大行政决策", "withdraw": "撤回",
    "suspend": "中止执行", "resume": "恢复", "terminate": "终止执行", "dossier": "生成案卷",
    "feedback": "公众对执行的意见", "stale_flag": "久拖不决督办", "escalate": "逾期督办", "opinion": "登记公众意见",
    "consultation_open": "公开征求意见", "opinion_disposition": "意见处理", "opinion_hidden": "隐藏意见",
    "participation_feedback": "意见采纳情况说明", "post_evaluation_start": "启动决策后评估",
    "post_evaluation_report": "决策后评估报告", "minor_adjustment": "一般调整", "adjustment_of": "重大调整（新决策）",
    "adjusted_by": "决策被调整", "catalog_link": "列入决策事项目录", "archived": "归档",
    "urge": "催办", "instruction": "领导批示", "expert_assign": "确定论证专家", "assessor_assign": "委托风险评估",
    "evidence_void": "作废材料",
}
# what the audit trail adds to every event's detail (the channel it came through): not part of the event's prose
NOT_PROSE = {"via"}
MEETING_ZH = {"executive": "常务会议", "plenary": "全体会议", "office": "办公会议"}
OUTCOME_ZH = {"approve": "通过", "reject": "不予通过", "revise": "修改后再行讨论", "defer": "暂缓决策",
              "rediscuss": "再次讨论"}
POSITION_ZH = {"approve": "同意", "reject": "不同意", "abstain": "弃权"}
CHANNEL_ZH = {"web": "网上征求意见", "letter": "信函", "email": "电子邮件", "phone": "电话", "visit": "来访",
              "symposium": "座谈会", "hearing": "听证会", "expert": "专家意见", "questionnaire": "问卷调查",
              "other": "其他"}
FEEDBACK_CHANNEL_ZH = {"web": "网上", "letter": "信函", "phone": "电话", "email": "电子邮件", "visit": "来访"}
DISPOSITION_ZH = {"adopted": "采纳", "partially_adopted": "部分采纳", "not_adopted": "不予采纳", "": "待处理"}
SOURCE_ZH = {"leader": "决策机关领导人员提出", "department": "所属部门或下级政府提出",
             "npc_cppcc": "人大代表、政协委员提出", "public": "公众提出"}
EVAL_TRIGGER_ZH = {"missed_targets": "执行中未达到预期目标", "feedback_volume": "公众意见较多",
                   "organ_choice": "决策机关认为有必要"}
CONCLUSION_ZH = {"effective": "有效", "partially_effective": "部分有效", "ineffective": "无效"}
RECOMMENDATION_ZH = {"continue": "继续执行", "adjust": "调整", "terminate": "停止执行"}
COUNT_ZH = {"received": "收到", "adopted": "采纳", "partially_adopted": "部分采纳", "not_adopted": "不予采纳",
            "hidden": "隐藏"}
# field names for events this module has no sentence for (and for nested values)
FIELD_ZH = {
    "reason": "理由", "from": "原阶段", "to": "新阶段", "by": "依据", "deadline": "期限项", "due": "期限",
    "article": "条款", "channel": "渠道", "count": "累计", "feedback_id": "意见编号", "since_state": "停留阶段",
    "threshold_due": "期限", "title": "标题", "filename": "文件名", "sha256": "SHA-256", "size": "字节数",
    "receipt": "回执号", "opinion_id": "意见编号", "evidence_id": "材料编号", "kind": "种类", "stage": "阶段",
    "date": "日期", "type": "类型", "outcome": "决定", "members": "组成人员", "present": "出席", "head": "行政首长",
    "majority": "多数意见", "code": "决策编号", "parent": "原决策", "child": "调整后决策", "pages": "页数",
    "published": "已公开", "counts": "数量", "conclusion": "结论", "recommendation": "建议", "participants": "参加人员",
    "evaluator": "评估单位", "trigger": "触发情形", "to_users": "通知", "item_name": "目录事项", "year": "年度",
}


@dataclass(frozen=True)
class Names:
    """The profile's keys in Chinese; each defaults to the key itself."""

    stage: Callable[[object], str] = str
    trigger: Callable[[str], str] = str
    kind: Callable[[str], str] = str
    item: Callable[[object], str] = lambda i: f"材料 #{i}"   # an evidence id as the dossier numbers it (件号)
    office: Callable[[object], str] = str  # an office code as the office's name
    profile: Callable[[object], str] = str  # a procedure profile's key as its title
    person: Callable[[object], str] = str  # an account as the person's name


def _zh(table: Mapping[str, str], key: object) -> str:
    """A key as the name a reader knows (the key itself never shown beside it; an unknown key as it is)."""
    k = "" if key is None else str(key)
    return table[k] if k in table and k else (k or "—")


def _article(value: object, default: str) -> str:
    """An article cited by an event ('Art 38'), as a reader cites it (条例第三十八条)."""
    return articles_zh(str(value)) if value else default


def _people(value: object, n: Names) -> str:
    items = value if isinstance(value, list | tuple) else [value]
    return "、".join(n.person(x) for x in items if x) or "—"


def _short(h: object) -> str:
    h = str(h or "")
    return f"{h[:16]}…" if len(h) > 16 else (h or "—")


def _value(v: Any) -> str:
    """A value in a sentence: lists joined with 、, mappings as 名：值, booleans as 是/否 — never JSON."""
    if isinstance(v, bool):
        return "是" if v else "否"
    if v is None or v == "":
        return "—"
    if isinstance(v, Mapping):
        return "，".join(f"{FIELD_ZH.get(str(k), str(k))}：{_value(x)}" for k, x in sorted(v.items(), key=str))
    if isinstance(v, list | tuple | set):
        return "、".join(_value(x) for x in v) or "—"
    return str(v)


def _generic(detail: Mapping[str, Any]) -> str:
    return "；".join(f"{FIELD_ZH.get(str(k), str(k))}：{_value(v)}" for k, v in sorted(detail.items(), key=str)
                    if str(k) not in NOT_PROSE) or "—"


def _deadline(key: object, n: Names) -> str:
    """A deadline's internal key ('d2:stale:legality_review:2026-06-05T09:00:00+08:00', '1:legality') as the stage
    it runs in: '「合法性审查」的期限' (the key itself is the worker's, not a reader's)."""
    for part in str(key or "").split(":"):
        name = n.stage(part)
        if part and name != part:
            return f"「{name}」的期限"
    return "期限"


def _skips(detail: Mapping[str, Any], names: Names) -> str:
    return "".join(f"；依法跳过{names.stage(sk.get('stage'))}：{plain_words(sk.get('reason', ''))}"
                   for sk in detail.get("skipped") or [] if isinstance(sk, Mapping))


def describe(action: str, detail: Mapping[str, Any] | None, names: Names | None = None) -> str:
    """One audit event as a Chinese sentence."""
    d: Mapping[str, Any] = detail or {}
    n = names or Names()
    try:
        return _describe(action, d, n)
    except (AttributeError, TypeError, ValueError, KeyError):  # an older event of another shape
        return _generic(d)


def _describe(action: str, d: Mapping[str, Any], n: Names) -> str:
    get = d.get
    if action == "create":
        text = f"{get('code', '')}「{get('title', '')}」"
        extra = []
        if get("organ"):
            extra.append(f"决策机关 {n.office(get('organ'))}")
        if get("undertaker"):
            co = get("co_undertakers") or []
            co = co if isinstance(co, list | tuple) else [co]
            extra.append(f"承办单位 {n.office(get('undertaker'))}"
                         + (f"，协办 {'、'.join(n.office(c) for c in co)}" if co else ""))
        if get("category"):
            extra.append(f"第{get('category')}类事项")
        if get("source"):
            extra.append(SOURCE_ZH.get(str(get("source")), str(get("source"))))
        if get("profile"):
            extra.append(f"程序依据 {n.profile(get('profile'))}"
                         + (f"（{get('profile_version')}）" if get("profile_version") else ""))
        return text + (f"：{'，'.join(extra)}" if extra else "")
    if action == "triggers":
        parts = []
        for k, v in sorted(d.items(), key=str):
            if not isinstance(v, Mapping):
                continue
            yes = str(v.get("value")) in ("yes", "True", "true")
            parts.append(f"{n.trigger(str(k))}：{'是' if yes else '否'}" + (f"（{v['reason']}）" if v.get("reason") else ""))
        return "判定：" + "；".join(parts) if parts else "判定（无变更）"
    if action == "archived":
        return (f"归档：档号 {get('code', '')}，保管期限 {get('retention', '')}，密级 {get('classification', '')}，"
                f"{get('access', '')}；立卷单位 {get('unit', '')}；立卷人 {get('filer', '')}，检查人 {get('checker', '')}")
    if action == "evidence":
        text = f"{n.item(get('evidence_id'))}（{n.kind(str(get('kind', '')))}）{get('filename', '')}"
        if get("size") is not None:
            text += f"，{get('size')} 字节"
        return text + f"，SHA-256 {_short(get('sha256'))}"
    if action in ("advance", "transition"):
        text = f"{n.stage(get('from'))} → {n.stage(get('to'))}"
        by = str(get("by") or "")
        if by.startswith("meeting:"):
            text += f"（依集体讨论决定：{_zh(OUTCOME_ZH, by.split(':', 1)[1])}）"
        elif by:
            text += f"（{by}）"
        return text + _skips(d, n)
    if action == "meeting":
        text = (f"{zh_date(get('date', ''))} {MEETING_ZH.get(str(get('type')), str(get('type', '')))}：组成人员 {get('members')} 人，"
                f"出席 {get('present')} 人，决定：{_zh(OUTCOME_ZH, get('outcome'))}")
        if get("majority"):
            text += f"；多数意见：{_zh(POSITION_ZH, get('majority'))}"
        if get("reason"):
            text += f"；理由：{get('reason')}"
        return text
    if action in ("exclude", "withdraw", "suspend", "resume", "terminate"):
        return f"{n.stage(get('from'))} → {n.stage(get('to'))}；理由：{get('reason') or '—'}"
    if action == "feedback":
        return (f"收到公众对决策执行的意见（意见编号 #{get('feedback_id')}，渠道：{_zh(FEEDBACK_CHANNEL_ZH, get('channel'))}），"
                f"累计 {get('count')} 条（条例第三十五条）")
    if action == "stale_flag":
        text = f"久拖不决：决策停留在「{n.stage(get('since_state'))}」，超过期限 {zh_time(get('threshold_due')) or '—'}"
        return text + f"，已督办（{_article(get('article'), '条例第三十八条')}）"
    if action == "escalate":
        to = get("to") or []
        return (f"逾期督办：{_deadline(get('deadline'), n)}于 {zh_time(get('due', ''))} 到期未办，已报告"
                f"{_people(to, n)}（{_article(get('article'), '—')}）")
    if action == "opinion":
        text = f"登记公众意见：回执 {get('receipt', '')}，渠道：{_zh(CHANNEL_ZH, get('channel'))}"
        if get("received"):
            text += f"，收到日期 {zh_date(get('received'))}"
        return text + f"，{get('chars', '—')} 字，内容 SHA-256 {_short(get('sha256'))}"
    if action == "consultation_open":
        text = f"公开征求意见：{zh_date(get('start', ''))}至{zh_date(get('end', ''))}"
        if get("days") is not None:
            text += f"（{get('days')} 日）"
        if get("shortened_reason"):
            text += f"，缩短期限理由：{get('shortened_reason')}"
        text += f"；草案为{n.item(get('draft_evidence_id'))}，公告为{n.item(get('notice_evidence_id'))}"
        return text + ("；须留联系方式" if get("contact_required") else "")
    if action == "opinion_disposition":
        ids = get("opinions") or []
        text = f"意见处理：{len(ids)} 条意见（{_value(['#' + str(i) for i in ids])}）{_zh(DISPOSITION_ZH, get('disposition'))}"
        if get("group"):
            text += f"，归类：{get('group')}"
        if get("reason"):
            text += f"；理由：{get('reason')}"
        if get("draft_evidence_id"):
            text += f"；体现于草案{n.item(get('draft_evidence_id'))}"
        return text
    if action == "opinion_hidden":
        return f"隐藏意见（回执 {get('receipt', '')}，意见编号 #{get('opinion_id')}）；理由：{get('reason') or '—'}"
    if action == "participation_feedback":
        counts = get("counts") or {}
        figures = "，".join(f"{COUNT_ZH.get(str(k), str(k))} {v} 条" for k, v in counts.items())
        return (f"生成意见采纳情况说明（{figures or '—'}）" + ("，已向社会公开" if get("published") else "，未公开")
                + f"；SHA-256 {_short(get('sha256'))}")
    if action == "post_evaluation_start":
        return (f"启动决策后评估（{_article(get('article'), '条例第三十六条')}）：{_zh(EVAL_TRIGGER_ZH, get('trigger'))}；"
                f"评估单位 {n.office(get('evaluator', ''))}；理由：{get('reason') or '—'}")
    if action == "post_evaluation_report":
        text = (f"提交决策后评估报告 {get('filename', '')}：结论 {_zh(CONCLUSION_ZH, get('conclusion'))}，"
                f"建议 {_zh(RECOMMENDATION_ZH, get('recommendation'))}")
        if get("participants"):
            text += f"；参加人员：{get('participants')}"
        return text + f"；SHA-256 {_short(get('sha256'))}"
    if action == "minor_adjustment":
        return "一般调整" + (f"「{get('title')}」" if get("title") else "") + f"；理由：{get('reason') or '—'}"
    if action == "adjustment_of":
        return (f"对决策 {get('parent', '')} 的重大调整，重新履行决策程序（{_article(get('article'), '条例第三十七条')}）；"
                f"理由：{get('reason') or '—'}")
    if action == "adjusted_by":
        return (f"本决策由 {get('child', '')} 作重大调整（{_article(get('article'), '条例第三十七条')}）；"
                f"理由：{get('reason') or '—'}")
    if action == "catalog_link":
        text = f"列入 {get('year', '')} 年度决策事项目录：{get('item_name', '')}（目录事项 #{get('catalog_item')}"
        return text + (f"，原为 #{get('previous')}）" if get("previous") else "）")
    if action == "urge":
        to = get("to") or []
        return f"催办：{get('message') or '—'}" + (f"（送 {_people(to, n)}）" if to else "")
    if action == "instruction":
        return f"批示：{get('text') or '—'}"
    if action in ("expert_assign", "assessor_assign"):
        who = _people(get("experts") or get("assessors") or [], n)
        if action == "expert_assign":
            return f"确定论证专家：{who}（均声明与决策事项无直接利害关系，条例第二十条）"
        return f"委托风险评估：{who}（条例第二十二条、第二十三条）"
    if action == "evidence_void":
        return (f"作废{n.item(get('evidence_id'))}（{n.kind(str(get('kind', '')))}）{get('filename', '')}；"
                f"理由：{get('reason') or '—'}（原件仍在卷内）")
    if action == "dossier":
        return f"生成案卷 {get('filename', '')}，{get('pages', '—')} 页，SHA-256 {_short(get('sha256'))}"
    if "from" in d and "to" in d:
        return f"{n.stage(get('from'))} → {n.stage(get('to'))}；理由：{get('reason') or '—'}"
    return _generic(d)


def action_name(action: str) -> str:
    return ACTION_ZH.get(action, action)


__all__ = ["describe", "Names", "ACTION_ZH", "action_name"]
