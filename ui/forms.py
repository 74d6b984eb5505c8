"""Evidence forms built from a kind's metadata schema (the profile), validated before saving.

Every error is shown beside its field; nothing is sent to the service until the form is clean (the
service validates again and its refusal is shown too).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st

from decisions.records import filetypes
from decisions.storage.settings import get_settings
from ui import common
from ui.common import t
from ui.i18n import KEY_LABELS

ENUM_LABELS = {
    "zh": {
        "leader": "领导提出", "department": "部门提出", "npc_cppcc": "人大代表、政协委员建议", "public": "公众提出",
        "symposium": "座谈会", "hearing": "听证会", "field_visit": "实地走访", "written": "书面征求意见",
        "open_comment": "向社会公开征求意见", "questionnaire": "问卷调查", "poll": "民意调查",
        "group_consultation": "与特定群体沟通协商", "enterprise_consultation": "听取市场主体意见",
        "controllable": "可控", "uncontrollable": "不可控", "low": "低", "medium": "中", "high": "高",
        "pass": "通过", "fail": "不通过", "lawful": "合法", "lawful_with_amendments": "修改后合法",
        "unlawful": "不合法", "returned": "退回补充", "gazette": "政府公报", "website": "政府网站",
        "newspaper": "报刊", "problem": "执行问题", "major_change": "客观情况重大变化", "force_majeure": "不可抗力",
        "yes": "是", "no": "否", "terminate": "终止执行", "minor_adjustment": "一般调整",
    },
}


def enum_label(value: str) -> str:
    return ENUM_LABELS.get(common.lang(), {}).get(value, value)


def key_label(key: str) -> str:
    if common.lang() == "zh":
        return KEY_LABELS.get(key) or common.name(key)
    return key


def _conditional(schema: dict) -> dict[str, list[dict]]:
    """Keys shown only under a condition (required_when / a shortening reason of a where-limited interval)."""
    cond: dict[str, list[dict]] = {}
    for rw in schema["required_when"]:
        for k in rw["keys"]:
            cond.setdefault(k, []).append(rw["where"])
    for iv in schema["intervals"]:
        if iv["where"]:
            for k in (iv["from"], iv["to"], iv["unless"]):
                if k:
                    cond.setdefault(k, []).append(iv["where"])
    return cond


def _matches(where: dict, raw: dict) -> bool:
    return all(str(raw.get(k) or "") == v for k, v in where.items())


def meta_fields(schema: dict, prefix: str, offices: list[str] | None = None) -> tuple[dict, dict]:
    """Render the widgets of a kind's metadata (all of them, so the form works inside st.form);
    a field needed only in some cases says when. Returns (values, error slots beside each field)."""
    raw: dict[str, Any] = {}
    slots: dict[str, Any] = {}
    cond = _conditional(schema)
    for key, spec in schema["meta"].items():
        when = ""
        if key in cond:
            cases = "、".join(dict.fromkeys(enum_label(v) for w in cond[key] for v in w.values()))
            when = f"（{cases}时填写）" if common.lang() == "zh" else f" (when {cases})"
        label = key_label(key) + (" *" if spec["required"] else "") + when
        wkey = f"{prefix}_{key}"
        if spec["type"] == "enum":
            raw[key] = st.selectbox(label, spec["values"], index=None, format_func=enum_label, key=wkey)
        elif spec["type"] == "yesno":
            raw[key] = st.radio(label, ["yes", "no"], index=None, format_func=enum_label, horizontal=True, key=wkey)
        elif spec["type"] == "date":
            raw[key] = st.date_input(label, value=None, min_value=date(2000, 1, 1), max_value=date(2100, 12, 31),
                                     format="YYYY-MM-DD", key=wkey)
        elif spec["type"] == "int":
            raw[key] = st.number_input(label, min_value=0, step=1, value=None, key=wkey)
        elif spec["type"] == "office":
            raw[key] = st.selectbox(label, offices or [], index=None, format_func=common.name, key=wkey)
        else:
            raw[key] = st.text_input(label, key=wkey)
        slots[key] = st.empty()
    return raw, slots


def validate_meta(schema: dict, raw: dict) -> dict[str, str]:
    """Errors by field: required values, date order, counts that add up, minimum periods (with the article)."""
    errors: dict[str, str] = {}
    for key, spec in schema["meta"].items():
        required = spec["required"] or any(key in rw["keys"] and _matches(rw["where"], raw)
                                           for rw in schema["required_when"])
        value = raw.get(key)
        empty = value is None or (isinstance(value, str) and not value.strip())
        if required and empty:
            errors[key] = t("required")
        if spec["type"] == "int" and not empty and (int(value) != value or value < 0):
            errors[key] = t("must_be_int")
    for first, second in schema["order_keys"]:
        a, b = raw.get(first), raw.get(second)
        if isinstance(a, date) and isinstance(b, date) and a > b and second not in errors:
            errors[second] = t("date_order", other=key_label(first))
    sc = schema["sum_check"]
    if sc and all(raw.get(k) is not None for k in [sc["total"], *sc["parts"]]):
        parts = sum(int(raw[p]) for p in sc["parts"])
        if int(raw[sc["total"]]) != parts and sc["total"] not in errors:
            errors[sc["total"]] = t("sum_mismatch", parts=parts, total=int(raw[sc["total"]])) + f" [{common.art(sc['article'])}]"
    for iv in schema["intervals"]:
        if not _matches(iv["where"], raw):
            continue
        a, b = raw.get(iv["from"]), raw.get(iv["to"])
        if not (isinstance(a, date) and isinstance(b, date)) or a > b:
            continue
        days = (b - a).days
        reason = str(raw.get(iv["unless"]) or "").strip() if iv["unless"] else ""
        if days < iv["min_days"] and not reason:
            target = iv["unless"] if iv["unless"] in raw else iv["to"]
            errors.setdefault(target, t("period_short", days=days, min=iv["min_days"], article=common.art(iv["article"])))
    return errors


def clean_meta(raw: dict) -> dict[str, str]:
    out = {}
    for key, value in raw.items():
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if isinstance(value, date):
            out[key] = value.isoformat()
        elif isinstance(value, float | int) and not isinstance(value, bool):
            out[key] = str(int(value))
        else:
            out[key] = str(value).strip()
    return out


def check_file(uploaded: Any, required: bool = True) -> tuple[str, bytes, str]:
    """(filename, data, error) of an uploaded file: present, not empty, within the limit, of an allowed type."""
    if uploaded is None:
        return "", b"", t("file_required") if required else ""
    data = uploaded.getvalue()
    name = uploaded.name
    limit = get_settings().max_file_bytes
    if not data:
        return name, data, t("file_empty")
    if len(data) > limit:
        return name, data, t("file_too_big", size=len(data), limit=limit)
    ctype, problem = filetypes.check(name, data)
    if ctype is None:
        return name, data, common.escape(problem)
    return name, data, ""


def show_errors(errors: dict[str, str], slots: dict) -> None:
    for key, message in errors.items():
        if key in slots:
            slots[key].error(message, icon=":material/error:")
