"""Evidence metadata, validated against the kind's schema in the profile before anything is stored."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from decisions.errors import BadInput
from workflow.profiles import Kind


def validate(kind_name: str, kind: Kind, raw: dict[str, str], office_exists: Callable[[str], bool]) -> dict:
    """Normalised metadata, or BadInput naming the offending key or value."""
    unknown = [k for k in raw if k not in kind.meta]
    if unknown:
        allowed = ", ".join(kind.meta) or "（无 / none）"
        raise BadInput(f"「{kind.name_zh}」({kind_name}) 没有元数据项 {unknown[0]!r} / unknown metadata key "
                       f"{unknown[0]!r}; allowed: {allowed}")
    out: dict[str, object] = {}
    for key, value in raw.items():
        spec = kind.meta[key]
        value = str(value).strip()
        if spec.type == "enum" and value not in spec.values:
            raise BadInput(f"{key}={value!r} 不是允许的值 / not allowed; expected one of: {', '.join(spec.values)}")
        if spec.type == "yesno" and value not in ("yes", "no"):
            raise BadInput(f"{key}={value!r} 应为 yes 或 no / must be yes or no")
        if spec.type == "date":
            try:
                value = date.fromisoformat(value).isoformat()
            except ValueError:
                raise BadInput(f"{key}={value!r} 日期格式应为 YYYY-MM-DD / date must be YYYY-MM-DD") from None
        if spec.type == "int":
            if not value.isdigit():
                raise BadInput(f"{key}={value!r} 应为非负整数 / must be a non-negative integer")
            out[key] = int(value)
            continue
        if spec.type == "office" and not office_exists(value):
            raise BadInput(f"{key}={value!r}: 未知单位 / unknown office code")
        out[key] = value
    required = [k for k, s in kind.meta.items() if s.required]
    for rw in kind.required_when:
        if all(str(out.get(k, "")) == v for k, v in rw.where.items()):
            required += rw.keys
    missing = [k for k in required if not str(out.get(k, "")).strip()]
    if missing:
        raise BadInput(f"「{kind.name_zh}」({kind_name}) 缺少必填元数据 / missing required metadata: "
                       + ", ".join(f"--meta {k}=..." for k in missing))
    for first, second in kind.order_keys:
        if first in out and second in out and str(out[first]) > str(out[second]):
            raise BadInput(f"{first}={out[first]} 晚于 {second}={out[second]} / {first} is after {second}")
    if kind.sum_check:
        sc = kind.sum_check
        total = int(out.get(sc.total, 0))  # type: ignore[arg-type]
        parts = sum(int(out.get(p, 0)) for p in sc.parts)  # type: ignore[arg-type]
        if total != parts:
            raise BadInput(f"意见数不相符（{sc.article}）：{sc.total}={total}，而 {'+'.join(sc.parts)}={parts} / "
                           "counts do not add up")
    return out


def parse_pairs(pairs: list[str], what: str) -> dict[str, str]:
    """KEY=VALUE strings from the command line; a malformed one is named."""
    out: dict[str, str] = {}
    for pair in pairs:
        if "=" not in pair or not pair.split("=", 1)[0].strip():
            raise BadInput(f"{what} {pair!r}: 应为 KEY=VALUE / expected KEY=VALUE")
        key, value = pair.split("=", 1)
        key = key.strip()
        if key in out:
            raise BadInput(f"{what} {key!r} 重复 / given twice")
        out[key] = value
    return out
