"""Evidence metadata, validated against the kind's schema in the profile before anything is stored."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from decisions.errors import BadInput
from workflow.profiles import Kind

#: the longest metadata value accepted (a list of laws, a reason); anything longer is refused, not truncated
MAX_VALUE_CHARS = 10_000


def shown(value: str, limit: int = 60) -> str:
    """A value as an error message names it: repr, cut to `limit` characters for huge values."""
    if len(value) <= limit:
        return repr(value)
    return f"{value[:limit]!r}…（共 {len(value)} 字符 / {len(value)} characters）"


def check_text(value: str, what: str, limit: int = MAX_VALUE_CHARS) -> str:
    """Text that can be stored as given: no NUL, valid Unicode (no undecodable bytes), at most `limit` characters."""
    if "\x00" in value:
        raise BadInput(f"{what} {shown(value)}: 不得包含 NUL 字符 / must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise BadInput(f"{what} {shown(value)}: 不是有效的 UTF-8 文本 / not valid UTF-8 text") from None
    if len(value) > limit:
        raise BadInput(f"{what} {shown(value)}: 过长，最多 {limit} 字符 / too long, at most {limit} characters")
    return value


_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def check_line(value: str, what: str, limit: int = MAX_VALUE_CHARS) -> str:
    """One line of text shown as a title or a file name: ``check_text``, and no control characters (newlines,
    tabs, escape sequences) nor bidirectional overrides (``合同\u202efdp.txt`` shows as 合同txt.pdf)."""
    check_text(value, what, limit)
    for ch in value:
        if ch in _BIDI:
            raise BadInput(f"{what} {shown(value)}: 不得包含双向文本控制字符 U+{ord(ch):04X} / must not contain the "
                           f"bidirectional control U+{ord(ch):04X}")
        if ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 or ch in "\u2028\u2029":
            raise BadInput(f"{what} {shown(value)}: 不得包含控制字符（换行、制表、转义序列等）U+{ord(ch):04X} / must not "
                           f"contain control characters (newlines, tabs, escape sequences) U+{ord(ch):04X}")
    return value


def validate(kind_name: str, kind: Kind, raw: dict[str, str], office_exists: Callable[[str], bool]) -> dict:
    """Normalised metadata, or BadInput naming the offending key or value."""
    unknown = [k for k in raw if k not in kind.meta]
    if unknown:
        allowed = ", ".join(kind.meta) or "（无 / none）"
        raise BadInput(f"「{kind.name_zh}」({kind_name}) 没有元数据项 {shown(unknown[0])} / unknown metadata key "
                       f"{shown(unknown[0])}; allowed: {allowed}")
    out: dict[str, object] = {}
    for key, value in raw.items():
        spec = kind.meta[key]
        value = check_text(str(value), f"--meta {key}=").strip()
        if spec.type == "enum" and value not in spec.values:
            raise BadInput(f"{key}={shown(value)} 不是允许的值 / not allowed; expected one of: {', '.join(spec.values)}")
        if spec.type == "yesno" and value not in ("yes", "no"):
            raise BadInput(f"{key}={shown(value)} 应为 yes 或 no / must be yes or no")
        if spec.type == "date":
            try:
                value = date.fromisoformat(value).isoformat()
            except ValueError:
                raise BadInput(f"{key}={shown(value)} 日期格式应为 YYYY-MM-DD / date must be YYYY-MM-DD") from None
        if spec.type == "int":
            if not (value.isascii() and value.isdigit()):
                raise BadInput(f"{key}={shown(value)} 应为非负整数 / must be a non-negative integer")
            out[key] = int(value)
            continue
        if spec.type == "office" and not office_exists(value):
            raise BadInput(f"{key}={shown(value)}: 未知单位 / unknown office code")
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
            raise BadInput(f"{what} {shown(pair)}: 应为 KEY=VALUE / expected KEY=VALUE")
        key, value = pair.split("=", 1)
        key = check_text(key.strip(), what, 100)
        check_text(value, f"{what} {key}=")
        if key in out:
            raise BadInput(f"{what} {key!r} 重复 / given twice")
        out[key] = value
    return out
