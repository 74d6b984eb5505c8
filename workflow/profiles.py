"""Procedure profiles: TOML files, validated on load, overlays merged on a base.

The shipped profiles are data/procedures/*.toml (installed as package data, `decisions.storage.locations`); a folder
named by JUECE_PROFILE_DIR is searched first, so a deployment adds a province's profile (or replaces one of
the same name) without touching the installation.

A malformed profile fails with the file, the key path and what is wrong (ProfileError).

National floor (procedure.md §8): an overlay may tighten its base but not remove or loosen what the base
marks as a floor — ``floor = true`` on a stage (the stage and every gate rule in it) or on a single rule, and
the ``[floor]`` table (parameters and meeting settings). ``load_file`` refuses such an overlay, one line per
violation naming the file, the rule and its article (see ``floor_violations``).
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from decisions.storage.settings import get_settings

ROLES = ("admin", "decision_organ", "head", "drafter", "legality_reviewer", "legal_adviser", "expert",
         "secretary", "executor", "archivist", "auditor", "assessor")
SIDE_STATES = ("excluded", "rejected", "deferred", "suspended", "withdrawn", "closed")
META_TYPES = ("text", "enum", "date", "yesno", "int", "office")


PARAM_TYPES: dict[str, type] = {
    "comment_period_days": int, "hearing_materials_days": int, "expert_panel_size": int,
    "legality_review_working_days": int, "meeting_types": list, "catalog_required": bool,
    "calendar_extra_holidays": list, "calendar_extra_workdays": list,
}


class ProfileError(Exception):
    """A profile file is malformed: names the file, the key and what is wrong."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MetaField(_Strict):
    type: Literal["text", "enum", "date", "yesno", "int", "office"]
    values: list[str] = []
    required: bool = False

    @model_validator(mode="after")
    def _enum_has_values(self) -> MetaField:
        if self.type == "enum" and not self.values:
            raise ValueError("an enum field needs 'values'")
        return self


class RequiredWhen(_Strict):
    where: dict[str, str]
    keys: list[str]


class SumCheck(_Strict):
    total: str
    parts: list[str]
    article: str


class OnBehalf(_Strict):
    """Who may enter a paper original for its author (代录, procedure.md §8 "Authors"), under which article."""

    roles: list[str]
    article: str


class Kind(_Strict):
    name_zh: str
    name_en: str
    stages: list[str]
    roles: list[str]
    meta: dict[str, MetaField] = {}
    required_when: list[RequiredWhen] = []
    order_keys: list[list[str]] = []
    sum_check: SumCheck | None = None
    via_meeting: bool = False
    pins_draft: bool = False   # §8 "Versions": the item records the SHA-256 of the draft current when it is recorded
    on_behalf: OnBehalf | None = None  # §8 "Authors": who may enter its signed paper original for the author (代录)


class KindRef(_Strict):
    kind: str
    where: dict[str, str] = {}


class Exception_(_Strict):
    trigger: str
    values: list[str]
    requires_kind: str


class Rule(_Strict):
    rule: Literal["evidence", "forbid", "interval", "newest", "revision", "triggers_determined",
                  "meeting_window", "meeting_approved", "ledger_complete", "reviewed_version", "period_over",
                  "from_ledger"]
    article: str
    kind: str | list[str] | None = None
    where: dict[str, str] = {}
    when: str | None = None
    min: int | str = 1
    distinct: str | None = None  # 'evidence': count distinct values of this metadata key, not files
    if_any: KindRef | None = None
    if_newest: KindRef | None = None
    key: str | None = None
    allowed: list[str] = []
    exception: Exception_ | None = None
    requires_newer: list[str] = []
    newer: str | None = None            # reviewed_version: the kind that may not be newer than the review
    then: KindRef | None = None
    from_: str | None = Field(default=None, alias="from")
    to: str | None = None
    min_days: int | str | None = None
    unit: Literal["calendar", "working"] = "calendar"
    unless: str | None = None
    message_zh: str | None = None
    message_en: str | None = None
    floor: bool = False  # a national floor: an overlay may not remove or loosen this rule

    @property
    def kinds(self) -> list[str]:
        if self.kind is None:
            return []
        return [self.kind] if isinstance(self.kind, str) else list(self.kind)

    @model_validator(mode="after")
    def _shape(self) -> Rule:
        needs_kind = {"evidence", "forbid", "interval", "newest", "revision", "meeting_window", "reviewed_version",
                      "period_over", "from_ledger"}
        if self.rule in needs_kind and not self.kinds:
            raise ValueError(f"rule '{self.rule}' needs 'kind'")
        if self.rule == "interval" and not (self.from_ and self.to and self.min_days is not None):
            raise ValueError("rule 'interval' needs 'from', 'to' and 'min_days'")
        if self.rule == "newest" and not (self.key and self.allowed):
            raise ValueError("rule 'newest' needs 'key' and 'allowed'")
        if self.rule == "revision" and not self.requires_newer:
            raise ValueError("rule 'revision' needs 'requires_newer'")
        if self.rule == "reviewed_version" and not self.newer:
            raise ValueError("rule 'reviewed_version' needs 'newer'")
        if self.rule == "period_over" and not self.key:
            raise ValueError("rule 'period_over' needs 'key' (the date the period ends)")
        if self.rule == "meeting_window" and not (self.key and self.min_days is not None):
            raise ValueError("rule 'meeting_window' needs 'key' and 'min_days'")
        return self


class SkipIfEvidence(_Strict):
    kind: str
    reason_key: str
    article: str


class Stage(_Strict):
    name_zh: str
    name_en: str
    article: str
    applies: str = "always"
    advance_roles: list[str] = []
    rules: list[Rule] = []
    entry_rules: list[Rule] = []
    skip_if_evidence: SkipIfEvidence | None = None
    floor: bool = False  # a national floor: the stage stays, applies no less often, and keeps every gate rule


class MeetingRules(_Strict):
    """Art 30: who decides, who may sit, the quorum, the order of speaking, the articles cited."""

    types_article: str
    head_role: str = "head"
    head_article: str
    members_from_organ: bool = True
    members_article: str
    quorum_more_than: float = Field(ge=0, lt=1)
    quorum_article: str
    head_last_article: str
    head_reason_article: str


class Floor(_Strict):
    """What an overlay may not loosen besides the marked stages and rules: name -> article.

    A number may only grow, a list (allowed values) only shrink, any other value must stay as it is."""

    params: dict[str, str] = {}
    meeting: dict[str, str] = {}
    revise: dict[str, str] = {}   # "stale" = article: an overlay's [revise] stale keeps every stage the baseline names


class ReturnRole(_Strict):
    """Who may send a decision back (退回, procedure.md §8) and from which stages, on which article."""

    from_stages: list[str] = Field(alias="from")
    article: str


class ReturnRules(_Strict):
    """[return]: sending a decision back to an earlier stage of the main line, run again in a new round."""

    earliest: str = "drafting"           # no stage before this one can be a target
    roles: dict[str, ReturnRole] = {}


class ReviseRules(_Strict):
    """[revise]: a meeting outcome `revise` returns the decision to drafting in a new round; the later stages named
    `stale` are run again on the revised draft, those in `organ_may_rerun` when the meeting orders it, every other
    stage done before the meeting keeps its evidence and counts as done (procedure.md §8 "Sending back")."""

    article: str
    stale: list[str]
    organ_may_rerun: list[str] = []


class ChangeRule(_Strict):
    """[changes.NAME]: a change of a decision in execution (Art 37: termination, a minor adjustment) is taken only on
    the organ's recorded decision — an item of `requires` not cited by an earlier change — with a reason, by `roles`."""

    article: str
    roles: list[str]
    requires: KindRef


class Disclosure(_Strict):
    """密级 and 开放/控制 status of a volume for one outcome of the ``non_disclosable`` determination."""

    classification: str                   # 密级 (公开 / 内部 / …): a state secret is classified by 定密, not here
    access: Literal["开放", "控制"]        # 开放 (may be opened to the public on transfer) / 控制 (controlled use)
    basis: str                            # why, with the article


class ArchiveRules(_Strict):
    """[archive]: the archival description of the dossier (Art 33 一事一档; DA/T 22, DA/T 46).

    What is the deployment's own (全宗号, 立卷单位) comes from its settings (JUECE_FONDS, JUECE_ARCHIVE_UNIT)."""

    article: str = "Art 33"
    code_rule: str = "{fonds}-{year}-{retention_code}-{item:04d}"   # 档号 (DA/T 22: 全宗号-年度-保管期限代码-件号)
    retention: str = "永久"                                          # 保管期限 of a major decision's volume
    retention_codes: dict[str, str] = {"永久": "Y", "定期30年": "D30", "定期10年": "D10"}
    fileable: list[str] = ["closed", "rejected", "withdrawn", "excluded"]   # 归档 only once the procedure ended
    filer_roles: list[str] = ["archivist"]                                 # 立卷人
    checker_roles: list[str] = ["archivist", "decision_organ", "head"]     # 检查人: a second person
    non_disclosable: Disclosure = Disclosure(classification="内部", access="控制",
                                             basis="依法不予公开（条例第14条第1款）")
    disclosable: Disclosure = Disclosure(classification="公开", access="开放", basis="可以公开（条例第14条第1款）")
    undetermined: Disclosure = Disclosure(classification="内部", access="控制",
                                          basis="尚未作出是否公开的判定，暂按控制使用")

    @model_validator(mode="after")
    def _known(self) -> ArchiveRules:
        if self.retention not in self.retention_codes:
            raise ValueError(f"archive.retention {self.retention!r} has no code in archive.retention_codes")
        try:
            self.code_rule.format(fonds="X", year=2000, retention_code="Y", item=1, organ="X", decision="X")
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"archive.code_rule {self.code_rule!r}: {exc}") from None
        return self


class Trigger(_Strict):
    name_zh: str
    name_en: str
    article: str
    yes_needs_reason: bool = False


TIME_RULE_TYPES = ("comment_period_end", "hearing_materials", "legality_window", "execution_report",
                   "issue_report", "post_evaluation", "stale", "catalog_target")


class TimeRule(_Strict):
    """One time rule the worker watches ([deadlines.NAME]); offsets are counted on the working-day calendar."""

    type: Literal["comment_period_end", "hearing_materials", "legality_window", "execution_report", "issue_report",
                  "post_evaluation", "stale", "catalog_target"]
    name_zh: str
    name_en: str
    article: str
    days: int | str | None = None         # the rule's own length (number or a [params] name), in `unit`
    unit: Literal["calendar", "working"] = "working"
    months: int | str | None = None       # cadence or delay in calendar months (number or a [params] name)
    remind_before: int = Field(default=0, ge=0)          # working days before the due date
    escalate_after: int | None = Field(default=None, ge=0)  # working days after the due date; none = no escalation
    notify: list[str] = []                # roles reminded (escalation goes to the undertaking unit's head and the organ)
    threshold: int | None = Field(default=None, ge=1)   # post_evaluation: public feedback count that suggests it

    @model_validator(mode="after")
    def _shape(self) -> TimeRule:
        if self.type in ("hearing_materials", "legality_window", "stale") and self.days is None:
            raise ValueError(f"time rule '{self.type}' needs 'days'")
        if self.type in ("execution_report", "post_evaluation") and self.months is None:
            raise ValueError(f"time rule '{self.type}' needs 'months'")
        return self


class OrderRule(_Strict):
    """procedure.md §8 "Time": the date `date` ("KIND.KEY") may not be earlier than `not_before` ("KIND.KEY").
    KIND is an evidence kind or "meeting" (key "date"); KEY "@recorded" is the day the item was recorded."""

    date: str
    not_before: str
    article: str
    message_zh: str = ""
    message_en: str = ""

    @staticmethod
    def split(ref: str) -> tuple[str, str]:
        kind, _, key = ref.partition(".")
        return kind, key


class TimeRules(_Strict):
    """[time]: the order of the procedure's dates (every date-typed metadata key is never after its recording day)."""

    order: list[OrderRule] = []
    announced: list[str] = []   # "KIND.KEY" dates that announce what is to come (a comment period's end): may be future


class Profile(_Strict):
    name: str
    version: str
    title_zh: str
    title_en: str
    law_zh: str
    effective: str
    extends: str | None = None
    stage_order: list[str]
    params: dict[str, Any]
    triggers: dict[str, Trigger]
    stages: dict[str, Stage]
    kinds: dict[str, Kind]
    meeting: MeetingRules
    deadlines: dict[str, TimeRule] = {}
    floor: Floor = Floor()
    sending_back: ReturnRules | None = Field(default=None, alias="return")
    time: TimeRules = TimeRules()
    archive: ArchiveRules = ArchiveRules()
    changes: dict[str, ChangeRule] = {}
    revise: ReviseRules | None = None

    @field_validator("params")
    @classmethod
    def _param_types(cls, v: dict[str, Any]) -> dict[str, Any]:
        """Known parameters must have their type; a province may add its own."""
        for key, kind in PARAM_TYPES.items():
            if key not in v:
                raise ValueError(f"missing parameter {key!r}")
            value = v[key]
            ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
            if kind is list:
                ok = ok and all(isinstance(x, str) for x in value)
            if not ok or (kind is int and value < 0):
                raise ValueError(f"parameter {key!r} must be a {'non-negative integer' if kind is int else kind.__name__}"
                                 f", got {value!r}")
        return v

    @field_validator("version")
    @classmethod
    def _semver(cls, v: str) -> str:
        if not re.fullmatch(r"\d+\.\d+(\.\d+)?", v):
            raise ValueError(f"version must look like 1.0.0, got {v!r}")
        return v

    @model_validator(mode="after")
    def _cross_refs(self) -> Profile:
        """Every name a rule uses must exist: stages, kinds, triggers, params, roles."""
        errors: list[str] = []
        if set(self.stage_order) != set(self.stages):
            errors.append(f"stage_order and [stages] differ: {sorted(set(self.stage_order) ^ set(self.stages))}")
        for name, st in self.stages.items():
            where = f"stages.{name}"
            _check_expr(st.applies, self.triggers, f"{where}.applies", errors)
            for role in st.advance_roles:
                if role not in ROLES:
                    errors.append(f"{where}.advance_roles: unknown role {role!r}")
            if st.skip_if_evidence and st.skip_if_evidence.kind not in self.kinds:
                errors.append(f"{where}.skip_if_evidence.kind: unknown kind {st.skip_if_evidence.kind!r}")
            for group in ("rules", "entry_rules"):
                for i, r in enumerate(getattr(st, group)):
                    _check_rule(self, r, f"{where}.{group}[{i}]", errors)
        for key in self.floor.params:
            if key not in self.params:
                errors.append(f"floor.params: unknown parameter {key!r} (not in [params])")
        for key in self.floor.meeting:
            if key not in MeetingRules.model_fields:
                errors.append(f"floor.meeting: unknown meeting setting {key!r}")
        for name, k in self.kinds.items():
            for s in k.stages:
                if s not in self.stages and s not in SIDE_STATES:
                    errors.append(f"kinds.{name}.stages: unknown stage {s!r}")
            for role in k.roles:
                if role not in ROLES:
                    errors.append(f"kinds.{name}.roles: unknown role {role!r}")
            for role in k.on_behalf.roles if k.on_behalf else []:
                if role not in ROLES:
                    errors.append(f"kinds.{name}.on_behalf.roles: unknown role {role!r}")
            for rw in k.required_when:
                for key in [*rw.where, *rw.keys]:
                    if key not in k.meta:
                        errors.append(f"kinds.{name}.required_when: unknown meta key {key!r}")
        if self.sending_back is not None:
            if self.sending_back.earliest not in self.stages:
                errors.append(f"return.earliest: unknown stage {self.sending_back.earliest!r}")
            for role, spec in self.sending_back.roles.items():
                if role not in ROLES:
                    errors.append(f"return.roles: unknown role {role!r}")
                for st in spec.from_stages:
                    if st not in self.stages:
                        errors.append(f"return.roles.{role}.from: unknown stage {st!r}")
        for i, o in enumerate(self.time.order):
            for ref in (o.date, o.not_before):
                kind, key = OrderRule.split(ref)
                if kind == "meeting":
                    ok = key == "date"
                else:
                    spec = self.kinds.get(kind)
                    ok = spec is not None and (key == "@recorded" or (key in spec.meta and spec.meta[key].type == "date"))
                if not ok:
                    errors.append(f"time.order[{i}]: {ref!r} is not KIND.KEY with a date key, KIND.@recorded or "
                                  "meeting.date")
        if self.revise is not None and "drafting" in self.stage_order and "collective_discussion" in self.stage_order:
            between = self.stage_order[self.stage_order.index("drafting") + 1:
                                       self.stage_order.index("collective_discussion")]
            for group in ("stale", "organ_may_rerun"):
                for st in getattr(self.revise, group):
                    if st not in between:
                        errors.append(f"revise.{group}: {st!r} is not a stage between drafting and the meeting")
        for name, ch in self.changes.items():
            if ch.requires.kind not in self.kinds:
                errors.append(f"changes.{name}.requires: unknown kind {ch.requires.kind!r}")
            else:
                for key in ch.requires.where:
                    if key not in self.kinds[ch.requires.kind].meta:
                        errors.append(f"changes.{name}.requires: kind {ch.requires.kind!r} has no metadata key {key!r}")
            for role in ch.roles:
                if role not in ROLES:
                    errors.append(f"changes.{name}.roles: unknown role {role!r}")
        for group in ("filer_roles", "checker_roles"):
            for role in getattr(self.archive, group):
                if role not in ROLES:
                    errors.append(f"archive.{group}: unknown role {role!r}")
        for st in self.archive.fileable:
            if st not in self.stages and st not in SIDE_STATES:
                errors.append(f"archive.fileable: unknown state {st!r}")
        if errors:
            raise ValueError("; ".join(errors))
        return self

    @model_validator(mode="after")
    def _check_deadlines(self) -> Profile:
        errors = []
        for name, rule in self.deadlines.items():
            for value in (rule.days, rule.months):
                if isinstance(value, str) and value not in self.params:
                    errors.append(f"deadlines.{name}: unknown parameter {value!r} (not in [params])")
            for role in rule.notify:
                if role not in ROLES:
                    errors.append(f"deadlines.{name}.notify: unknown role {role!r}")
        if errors:
            raise ValueError("; ".join(errors))
        return self

    # ---- helpers used by the engine
    def param(self, value: int | str) -> int:
        if isinstance(value, int):
            return value
        return int(self.params[value])

    def date_keys(self, kind: str) -> list[str]:
        """The metadata keys of `kind` the profile declares as dates (never after their recording day)."""
        spec = self.kinds.get(kind)
        return [k for k, m in spec.meta.items() if m.type == "date"] if spec else []

    def stage_index(self, stage: str) -> int:
        return self.stage_order.index(stage)

    def meeting_types_for(self, level: str) -> list[str]:
        by_level = self.params.get("meeting_types_by_level", {})
        return list(by_level.get(level, self.params["meeting_types"]))


_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}")
_EXPR_TOKEN = re.compile(r"\s+(?:and|or)\s+")


def _check_expr(expr: str | None, triggers: dict[str, Trigger], where: str, errors: list[str]) -> None:
    if expr is None or expr == "always":
        return
    for term in _EXPR_TOKEN.split(expr.strip()):
        name = term.removeprefix("not ").strip()
        if name not in triggers:
            errors.append(f"{where}: unknown trigger {name!r} in {expr!r}")


def _check_rule(p: Profile, r: Rule, where: str, errors: list[str]) -> None:
    for k in r.kinds + r.requires_newer + ([r.newer] if r.newer else []):
        if k not in p.kinds:
            errors.append(f"{where}.kind: unknown kind {k!r}")
    for ref in (r.if_any, r.if_newest, r.then):
        if ref and ref.kind not in p.kinds:
            errors.append(f"{where}: unknown kind {ref.kind!r}")
    if r.exception:
        if r.exception.trigger not in p.triggers:
            errors.append(f"{where}.exception.trigger: unknown trigger {r.exception.trigger!r}")
        if r.exception.requires_kind not in p.kinds:
            errors.append(f"{where}.exception.requires_kind: unknown kind {r.exception.requires_kind!r}")
    _check_expr(r.when, p.triggers, f"{where}.when", errors)
    for value in (r.min, r.min_days):
        if isinstance(value, str) and value not in p.params:
            errors.append(f"{where}: unknown parameter {value!r} (not in [params])")
    for k in r.kinds:
        kind = p.kinds.get(k)
        if kind is None:
            continue
        for key in [*r.where, *(x for x in (r.key, r.from_, r.to, r.unless) if x)]:
            if key not in kind.meta:
                errors.append(f"{where}: kind {k!r} has no metadata key {key!r}")


def eval_expr(expr: str | None, values: dict[str, bool]) -> bool:
    """Evaluate an applicability expression ('always', 'x', 'not x', 'x or y', 'x and y')."""
    if expr is None or expr == "always":
        return True
    if " or " in expr:
        return any(eval_expr(part, values) for part in expr.split(" or "))
    if " and " in expr:
        return all(eval_expr(part, values) for part in expr.split(" and "))
    expr = expr.strip()
    if expr.startswith("not "):
        return not values.get(expr[4:].strip(), False)
    return bool(values.get(expr, False))


def _deep_merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _read(path: Path) -> dict:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ProfileError(f"{path}: not valid TOML: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise ProfileError(f"{path}: cannot read: {exc.strerror}") from None


def _search_path() -> tuple[Path, ...]:
    """Where profiles are looked for, first match wins: JUECE_PROFILE_DIR (local profiles), then the shipped ones."""
    return get_settings().profile_dirs


def _find(name: str, dirs: tuple[Path, ...]) -> Path | None:
    for d in dirs:
        path = d / f"{name}.toml"
        if path.is_file():
            return path
    return None


def _raw(name: str, dirs: tuple[Path, ...], seen: tuple[str, ...] = ()) -> tuple[dict, Path]:
    path = _find(name, dirs)
    if path is None:
        raise ProfileError(f"{dirs[0] / f'{name}.toml'}: profile {name!r} not found "
                           f"(available: {', '.join(available(dirs))})")
    data = _read(path)
    if data.get("name") != name:
        raise ProfileError(f"{path}: key 'name': must equal the file name {name!r}, got {data.get('name')!r}")
    parent = data.get("extends")
    if parent:
        if not isinstance(parent, str) or not _NAME.fullmatch(parent):
            raise ProfileError(f"{path}: key 'extends': must be the name of a profile file in the same folder "
                               f"or a shipped profile (letters, digits, - _ .), got {parent!r}")
        if parent in seen or parent == name:
            raise ProfileError(f"{path}: key 'extends': circular reference via {parent!r}")
        base, _ = _raw(parent, dirs, (*seen, name))
        base.pop("extends", None)
        data = _deep_merge(base, data)
    return data, path


def load_file(path: Path) -> Profile:
    """Validate one profile file (its overlay base from the same folder, else from the profile search path); an
    overlay must keep the national floor of every profile it extends."""
    profile = _validate(path)
    problems = [f"{path}: {v}" for base in _ancestors(path) for v in floor_violations(base, profile)]
    if problems:
        raise ProfileError("\n".join(dict.fromkeys(problems)))
    return profile


def _ancestors(path: Path) -> list[Profile]:
    """The profiles `path` extends, nearest first (each validated; a cycle was refused by ``_raw``)."""
    out, data, seen = [], _read(path), {path.stem}
    dirs = (path.parent, *_search_path())
    while isinstance(parent := data.get("extends"), str) and parent not in seen:
        seen.add(parent)
        parent_path = next((d / f"{parent}.toml" for d in dirs if (d / f"{parent}.toml").is_file()),
                           path.parent / f"{parent}.toml")
        out.append(_validate(parent_path))
        data = _read(parent_path)
    return out


def _validate(path: Path) -> Profile:
    data, path = _raw(path.stem, (path.parent, *_search_path()))
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = "".join(f"[{x}]" if isinstance(x, int) else f".{x}" for x in err["loc"]).lstrip(".") or "(top level)"
            msg = err["msg"].removeprefix("Value error, ")
            bad = err.get("input")
            if isinstance(bad, str | int | float) and err["type"] != "value_error":
                msg += f" (got {bad!r})"
            problems.append(f"{path}: key '{key}': {msg}")
        raise ProfileError("\n".join(problems)) from None


def available(directory: Path | tuple[Path, ...] | None = None) -> list[str]:
    """The profile names found in one folder, or on the search path (local and shipped profiles)."""
    dirs = _search_path() if directory is None else (directory,) if isinstance(directory, Path) else directory
    return sorted({p.stem for d in dirs for p in d.glob("*.toml")})


@lru_cache(maxsize=32)
def _load_cached(name: str, dirs: tuple[Path, ...]) -> Profile:
    path = _find(name, dirs)
    if path is None:
        _raw(name, dirs)  # raises the ProfileError naming what is available
    return load_file(path)  # type: ignore[arg-type]


def load(name: str) -> Profile:
    """The profile by name: from JUECE_PROFILE_DIR when it has one of that name, else the shipped one."""
    return _load_cached(name, _search_path())


def load_version(name: str, version: str) -> Profile:
    """The profile a decision started under. A changed file version is refused, never silently applied."""
    profile = load(name)
    if profile.version != version:
        archived = _find(f"{name}-{version}", tuple(d / "archive" for d in _search_path()))
        if archived is not None:
            return _archived_cached(archived, name, _search_path())
        raise ProfileError(
            f"profile {name!r} is now version {profile.version}, the decision started under {version}: "
            f"keep the old file as archive/{name}-{version}.toml in JUECE_PROFILE_DIR or data/procedures")
    return profile


@lru_cache(maxsize=32)
def _archived_cached(path: Path, name: str, dirs: tuple[Path, ...]) -> Profile:
    """Archived versions never change (their header says so): read once per process and search path."""
    return load_file_archived(path, name)


def load_file_archived(path: Path, name: str) -> Profile:
    """An archived profile version (``archive/<name>-<version>.toml``). An archived overlay names the baseline
    version it was written against (``extends_version``): it is merged with that version, archived too when the
    shipped baseline has moved on, so a decision keeps the whole set of rules it started under."""
    data = _read(path)
    parent = data.get("extends")
    parent_version = data.pop("extends_version", None)
    if parent:
        base, _ = _raw(parent, _search_path())
        if parent_version and base.get("version") != parent_version:
            old = _find(f"{parent}-{parent_version}", tuple(d / "archive" for d in _search_path()))
            if old is None:
                raise ProfileError(f"{path}: extends {parent} {parent_version}, which is neither the current "
                                   f"{parent} nor kept as archive/{parent}-{parent_version}.toml")
            base = _read(old)
        base.pop("extends", None)
        data = _deep_merge(base, data)
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        raise ProfileError(f"{path}: {exc}") from None


# ---------------------------------------------------------------- national floor (procedure.md §8)
_FLOOR_TAIL = "an overlay may tighten {base}, not remove or loosen it"


def _rule_label(r: Rule) -> str:
    kinds = "/".join(r.kinds)
    where = ",".join(f"{k}={v}" for k, v in sorted(r.where.items()))
    return f"{r.rule}{' ' + kinds if kinds else ''}{f'[{where}]' if where else ''}"


def _rule_identity(r: Rule) -> tuple:
    return r.rule, tuple(r.kinds), tuple(sorted(r.where.items())), r.key, r.from_, r.to


def _norm_expr(expr: str | None) -> str:
    return "always" if expr in (None, "", "always") else " ".join(expr.split())


def _resolve(p: Profile, value: int | str | None) -> int | None:
    """A rule's number (literal or [params] name), or None when it is not a number."""
    try:
        return None if value is None else p.param(value)
    except (KeyError, TypeError, ValueError):
        return None


def _looser(base: Profile, base_rule: Rule, over: Profile, rule: Rule) -> str:
    """Why `rule` (in the overlay) is looser than `base_rule`, or '' if it is as strict or stricter."""
    for attr in ("min", "min_days"):
        b, o = getattr(base_rule, attr), getattr(rule, attr)
        if b is None:
            continue
        if isinstance(b, str) and b == o and b in base.floor.params:
            continue  # the parameter's own floor check names it
        bv, ov = _resolve(base, b), _resolve(over, o)
        if bv is not None and (ov is None or ov < bv):
            return f"{attr} {o if ov is None else ov} is below the baseline's {bv}"
    if base_rule.unit == "working" and rule.unit != "working":
        return "working days counted as calendar days"
    if _norm_expr(rule.when) not in ("always", _norm_expr(base_rule.when)):
        return f"applies only when {rule.when!r} (baseline: {_norm_expr(base_rule.when)!r})"
    if base_rule.distinct and rule.distinct != base_rule.distinct:
        return f"counts files instead of distinct '{base_rule.distinct}'"
    if rule.unless and rule.unless != base_rule.unless:
        return f"new way out 'unless = {rule.unless}'"
    if rule.exception and rule.exception != base_rule.exception:
        return f"new exception for {rule.exception.trigger!r}"
    if extra := sorted(set(rule.allowed) - set(base_rule.allowed)):
        return f"allows {extra}"
    if missing := sorted(set(base_rule.requires_newer) - set(rule.requires_newer)):
        return f"no longer requires a newer {missing}"
    for attr in ("if_any", "if_newest", "then"):
        if getattr(rule, attr) != getattr(base_rule, attr):
            return f"'{attr}' changed"
    return ""


def _floor_rules(base: Profile) -> list[tuple[str, str, Rule]]:
    out = []
    for name in base.stage_order:
        st = base.stages[name]
        for group in ("entry_rules", "rules"):
            out += [(name, group, r) for r in getattr(st, group) if st.floor or r.floor]
    return out


def floor_violations(base: Profile, over: Profile) -> list[str]:
    """Every way `over` removes or loosens a national floor of `base`, one line each (file name not included)."""
    tail = _FLOOR_TAIL.format(base=base.name)
    out: list[str] = []
    floor_stages = [s for s in base.stage_order if base.stages[s].floor]
    for name in floor_stages:
        st, art = base.stages[name], base.stages[name].article
        if name not in over.stages or name not in over.stage_order:
            out.append(f"national floor: stage {name!r} ({art}) removed — {tail}")
            continue
        ost = over.stages[name]
        if _norm_expr(ost.applies) not in ("always", _norm_expr(st.applies)):
            out.append(f"national floor: stage {name!r} ({art}) made skippable: applies = {ost.applies!r} "
                       f"(baseline: {st.applies!r}) — {tail}")
        if ost.skip_if_evidence and ost.skip_if_evidence != st.skip_if_evidence:
            out.append(f"national floor: stage {name!r} ({art}) made skippable by evidence "
                       f"{ost.skip_if_evidence.kind!r} — {tail}")
    kept = [s for s in over.stage_order if s in floor_stages]
    if kept != [s for s in floor_stages if s in kept]:
        out.append(f"national floor: stage order {kept} differs from the baseline's {floor_stages} — {tail}")
    read_by: dict[str, Rule] = {}
    for stage, group, r in _floor_rules(base):
        if stage not in over.stages:
            continue  # reported with the stage
        where = f"stages.{stage}.{group}"
        reasons = [_looser(base, r, over, o) for o in getattr(over.stages[stage], group)
                   if _rule_identity(o) == _rule_identity(r)]
        if not reasons:
            out.append(f"national floor: {where}: rule '{_rule_label(r)}' ({r.article}) removed — {tail}")
        elif all(reasons):
            out.append(f"national floor: {where}: rule '{_rule_label(r)}' ({r.article}) loosened: "
                       f"{reasons[0]} — {tail}")
        for k in r.kinds:
            read_by.setdefault(k, r)
    for k, r in read_by.items():  # who may file the evidence a floor rule reads, and its required metadata
        bk, ok = base.kinds.get(k), over.kinds.get(k)
        if bk is None or ok is None:
            continue
        if extra := sorted(set(ok.roles) - set(bk.roles)):
            out.append(f"national floor: kinds.{k}.roles: {extra} may now file '{k}', read by rule "
                       f"'{_rule_label(r)}' ({r.article}) — {tail}")
        for key, m in bk.meta.items():
            if m.required and not (key in ok.meta and ok.meta[key].required):
                out.append(f"national floor: kinds.{k}.meta.{key} no longer required, read by rule "
                           f"'{_rule_label(r)}' ({r.article}) — {tail}")
    if base.revise is not None and base.floor.revise.get("stale"):
        kept = set(over.revise.stale) if over.revise is not None else set()
        if missing := [st for st in base.revise.stale if st not in kept]:
            out.append(f"national floor: revise.stale no longer names {missing} ({base.floor.revise['stale']}): a revised "
                       f"draft must be reviewed again — {tail}")
    for key, art in base.floor.params.items():
        b, o = base.params[key], over.params.get(key)
        why = _loosened_value(b, o)
        if why:
            out.append(f"national floor: params.{key} = {o!r} {why} ({art}) — {tail}")
    for key, art in base.floor.meeting.items():
        b, o = getattr(base.meeting, key), getattr(over.meeting, key)
        why = _loosened_value(b, o)
        if why:
            out.append(f"national floor: meeting.{key} = {o!r} {why} ({art}) — {tail}")
    return list(dict.fromkeys(out))


def _loosened_value(b: Any, o: Any) -> str:
    if isinstance(b, bool) or isinstance(b, str):
        return "" if o == b else f"differs from the baseline's {b!r}"
    if isinstance(b, int | float):
        ok = isinstance(o, int | float) and not isinstance(o, bool) and o >= b
        return "" if ok else f"is below the baseline's {b!r}"
    if isinstance(b, list):
        if not isinstance(o, list):
            return f"differs from the baseline's {b!r}"
        extra = [x for x in o if x not in b]
        return f"adds {extra} to the baseline's {b!r}" if extra else ""
    return "" if o == b else f"differs from the baseline's {b!r}"
