"""Changes of a decision in execution (Art 37, procedure.md §8 "Periods"): 依法作出的重大行政决策，未经法定程序不得随意
变更或者停止执行. Termination and a minor adjustment are taken only on the organ's recorded decision (the profile's
``[changes.NAME]``: the evidence kind and filter it requires, the roles, the article) with a reason; each recorded
decision serves one change."""

from __future__ import annotations

from sqlmodel import Session, col, select

from decisions.errors import Blocked, Unmet
from decisions.procedure.models import Decision, Evidence, live_evidence
from decisions.records.models import AuditEvent
from workflow import gates
from workflow.profiles import ChangeRule, Profile

#: the audit detail key naming the organ's decision a change rests on
CITES = "organ_decision_id"


def rule_for(profile: Profile, change: str) -> ChangeRule | None:
    """The profile's rule for `change` ('terminate', 'minor_adjustment'); None when the profile sets none."""
    return profile.changes.get(change)


def organ_decision(s: Session, d: Decision, profile: Profile, change: str) -> dict | None:
    """The organ's recorded decision `change` rests on — the newest item of the rule's kind and filter that no
    earlier change cites — as {"organ_decision_id", "date", "filename"}; Blocked naming the article without one.
    None when the profile has no rule for `change` (nothing required)."""
    rule = rule_for(profile, change)
    if rule is None:
        return None
    items = s.exec(select(Evidence).where(Evidence.decision_id == d.id, Evidence.kind == rule.requires.kind,
                                         live_evidence())
                   .order_by(col(Evidence.id))).all()
    fits = [e for e in items if all(str((e.meta or {}).get(k, "")) == v for k, v in rule.requires.where.items())]
    cited = {int(e.detail[CITES]) for e in s.exec(select(AuditEvent).where(AuditEvent.chain == d.id))
             if isinstance(e.detail, dict) and str(e.detail.get(CITES, "")).isdigit()}
    free = [e for e in fits if e.id not in cited]
    if not free:
        kind = profile.kinds[rule.requires.kind]
        what, what_en = {"terminate": ("终止执行", "termination"),
                         "minor_adjustment": ("一般调整", "a minor adjustment")}.get(change, (change, change))
        used = "（已有的决定已用于此前的变更）" if fits else ""
        raise Blocked([Unmet(
            f"{d.state}.{change}.{rule.requires.kind}", rule.article,
            f"依法作出的重大行政决策，未经法定程序不得随意变更或者停止执行：{what}须有决策机关的决定记录"
            f"（「{kind.name_zh}」，决定事项为「{what}」，写明日期）{used}，"
            f"仅有理由不够（{gates.cite(profile, rule.article)}）",
            f"{what_en} needs the organ's recorded decision (“{kind.name_en}” deciding {what_en}, with its date), "
            f"not a reason alone{' (each decision serves one change)' if fits else ''}")])
    e = free[-1]
    return {CITES: e.id, "date": str((e.meta or {}).get("date", "")), "filename": e.filename}
