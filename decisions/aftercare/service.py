"""After the decision (Art 34–37): execution, public feedback, suspension, post-evaluation, adjustment.

Execution reports and issue reports are evidence kinds of the profile (`juece evidence add`), so the
gates refuse them outside execution; the worker watches their cadence. This module adds the public
feedback inbox of a published decision (Art 35¶2), suspension by the head with an urgency reason
(service.side_transition), the post-decision evaluation with its triggers and the independence rule
(Art 36), the major adjustment as a new decision linked to its parent (Art 37), and closing.
"""

from __future__ import annotations

import hashlib

from sqlmodel import Session, col, select

from decisions import clock
from decisions.accounts.models import Office
from decisions.accounts.permissions import authorize
from decisions.accounts.service import actor_for, office_by_code
from decisions.aftercare.models import PostEvaluation, PublicFeedback
from decisions.errors import BadInput, Blocked, NotPermitted, Unmet
from decisions.procedure import changes, scope
from decisions.procedure.models import Decision, Evidence, StageStatus, live_evidence
from decisions.procedure.service import (
    advance,
    get_decision,
    new_decision,
    profile_of,
    record_event,
    require_writable,
    scope_of,
    side_transition,
    touch,
)
from decisions.records import audit, evidence_store, filetypes
from decisions.storage.settings import get_settings
from decisions.storage.unit_of_work import UnitOfWork

CHANNELS = ("letter", "phone", "email", "web", "visit")
EVAL_TRIGGERS = {"missed_targets": "Art 36(1)", "feedback_volume": "Art 36(2)", "organ_choice": "Art 36(3)"}
CONCLUSIONS = ("effective", "partially_effective", "ineffective")
RECOMMENDATIONS = ("continue", "adjust", "terminate")
AFTER_STATES = ("execution", "suspended", "closed")
# evidence whose uploading unit did the main pre-decision review or assessment work (Art 36: may not evaluate)
ASSESSMENT_KINDS = ("risk_report", "prior_risk_assessment", "expert_opinion")
MAX_FEEDBACK = 5000


def _published(s: Session, d: Decision) -> bool:
    row = s.exec(select(StageStatus).where(StageStatus.decision_id == d.id,
                                           StageStatus.stage == "publication")).first()
    return row is not None and row.status == "done"


def _threshold(d: Decision) -> int | None:
    for rule in profile_of(d).deadlines.values():
        if rule.type == "post_evaluation" and rule.threshold:
            return rule.threshold
    return None


# ----------------------------------------------------------------- public feedback (Art 35¶2)
def add_feedback(ident: str | int, *, channel: str, content: str, contact: str = "",
                 as_user: str | None = None) -> dict:
    """Record an opinion from the public on a published decision (by letter, phone, e-mail, web, visit)."""
    if channel not in CHANNELS:
        raise BadInput(f"--channel {channel!r} 无效 / invalid; expected one of: {', '.join(CHANNELS)}")
    content = content.strip()
    if not content:
        raise BadInput("--text 意见内容不能为空 / the opinion must not be empty")
    if len(content) > MAX_FEEDBACK:
        raise BadInput(f"意见内容过长（最多{MAX_FEEDBACK}字）/ too long")
    with UnitOfWork() as uow:
        s = uow.session
        d = get_decision(s, ident)
        recorder = "public"
        if as_user is not None:
            recorder = actor_for(s, as_user).username
        if not _published(s, d):
            raise Blocked([Unmet("feedback.published", "Art 35¶2",
                                 "只有已向社会公布的决策才设公众意见箱（该决策尚未公布或依法不予公开）",
                                 "public feedback is taken only on a published decision")])
        fb = PublicFeedback(decision_id=d.id or 0, channel=channel, content=content, contact=contact.strip(),
                            received_at=clock.now().isoformat(timespec="seconds"), recorded_by=recorder)
        s.add(fb)
        s.flush()
        count = len(s.exec(select(PublicFeedback.id).where(PublicFeedback.decision_id == d.id)).all())
        touch(d)
        audit.record(s, decision_id=d.id, actor=recorder, role="public" if recorder == "public" else "",
                     office="", action="feedback", detail={
                         "feedback_id": fb.id, "channel": channel, "count": count, "received_at": fb.received_at,
                         "sha256": hashlib.sha256(content.encode()).hexdigest(), "chars": len(content)})
        uow.commit()
        threshold = _threshold(d)
        return {"id": fb.id, "decision_id": d.id, "channel": channel, "count": count, "threshold": threshold,
                "post_evaluation_suggested": bool(threshold and count >= threshold)}


def feedback(ident: str | int, *, as_user: str | None = None) -> list[dict]:
    """The public opinions received on a decision (`juece feedback list`). `as_user`: read as that user
    (decisions.procedure.scope; NotPermitted, exit 4, outside their scope); None is the server operator."""
    with UnitOfWork() as uow:
        s = uow.session
        d = get_decision(s, ident)
        if as_user is not None:
            scope.require_read(s, scope.reader(s, as_user), d, "查看公众意见 / read the public feedback of")
        return [{"id": f.id, "channel": f.channel, "content": f.content, "received_at": f.received_at,
                 "recorded_by": f.recorded_by}
                for f in s.exec(select(PublicFeedback).where(PublicFeedback.decision_id == d.id)
                                .order_by(col(PublicFeedback.id)))]


# ----------------------------------------------------------------- suspension (Art 37)
def suspend(ident: str | int, *, urgency: str, as_user: str) -> dict:
    """The head suspends execution first, in an urgent Art 35 situation, stating the urgency."""
    if len(urgency.strip()) < 4:
        raise BadInput("--reason 须说明情况紧急的理由 / an urgency reason is required (Art 37)")
    return side_transition(ident, action="suspend", reason=urgency, as_user=as_user)


# ----------------------------------------------------------------- post-evaluation (Art 36)
def assessors(s: Session, d: Decision) -> dict[int, list[str]]:
    """Offices that did the main pre-decision review or assessment work, with what they did."""
    out: dict[int, list[str]] = {}
    for e in s.exec(select(Evidence).where(Evidence.decision_id == d.id, col(Evidence.kind).in_(ASSESSMENT_KINDS),
                                           live_evidence())):  # a voided upload is no work done
        out.setdefault(e.office_id, [])
        if e.kind not in out[e.office_id]:
            out[e.office_id].append(e.kind)
    return out


def start_evaluation(ident: str | int, *, trigger: str, evaluator: str, reason: str, as_user: str) -> dict:
    """The decision organ orders a post-decision evaluation and names the evaluating unit."""
    if trigger not in EVAL_TRIGGERS:
        raise BadInput(f"--trigger {trigger!r} 无效 / invalid; expected one of: {', '.join(EVAL_TRIGGERS)}")
    if not reason.strip():
        raise BadInput("--reason 须说明评估理由 / a reason is required")
    with UnitOfWork() as uow:
        s = uow.session
        d = get_decision(s, ident)
        actor = actor_for(s, as_user)
        role = authorize(actor, scope_of(s, d, actor), ["decision_organ"], "组织决策后评估 / order a post-evaluation")
        office = office_by_code(s, evaluator)
        unmet: list[Unmet] = []
        if d.state not in AFTER_STATES:
            unmet.append(Unmet("post_evaluation.state", "Art 36",
                               f"决策尚未进入执行（当前 {d.state}），不能组织决策后评估",
                               f"a decision in {d.state} is not in execution yet"))
        if trigger == "feedback_volume":
            count = len(s.exec(select(PublicFeedback.id).where(PublicFeedback.decision_id == d.id)).all())
            threshold = _threshold(d) or 1
            if count < threshold:
                unmet.append(Unmet("post_evaluation.feedback_volume", "Art 36(2)",
                                   f"公众意见 {count} 条，未达到「较多意见」的 {threshold} 条",
                                   f"{count} public opinions, fewer than the threshold {threshold}"))
        if trigger == "missed_targets":
            reports = s.exec(select(Evidence.id).where(Evidence.decision_id == d.id,
                                                       col(Evidence.kind).in_(["execution_report", "issue_report"]),
                                                       live_evidence())).first()
            if reports is None:
                unmet.append(Unmet("post_evaluation.missed_targets", "Art 36(1)",
                                   "「明显未达到预期效果」须有执行情况报告或问题报告为据",
                                   "missed targets must rest on an execution or issue report"))
        did = assessors(s, d).get(office.id or 0)
        if did:
            unmet.append(Unmet("post_evaluation.independence", "Art 36",
                               f"{office.name}在决策作出前承担了主要论证评估工作（{', '.join(did)}），不得承担决策后评估",
                               f"{office.code} did the main pre-decision assessment ({', '.join(did)}) and may "
                               "not evaluate"))
        if s.exec(select(PostEvaluation.id).where(PostEvaluation.decision_id == d.id,
                                                  PostEvaluation.status == "started")).first():
            unmet.append(Unmet("post_evaluation.open", "Art 36", "已有一项进行中的决策后评估",
                               "a post-evaluation is already under way"))
        if unmet:
            raise Blocked(unmet)
        ev = PostEvaluation(decision_id=d.id or 0, trigger=trigger, reason=reason.strip(),
                            evaluator_office_id=office.id or 0, started_at=clock.now().isoformat(timespec="seconds"),
                            started_by=actor.username)
        s.add(ev)
        s.flush()
        touch(d)
        record_event(s, d, actor, role, "post_evaluation_start",
                {"evaluation_id": ev.id, "trigger": trigger, "article": EVAL_TRIGGERS[trigger],
                 "evaluator": office.code, "reason": reason.strip()})
        uow.commit()
        return evaluation_view(ev, office)


RECORD_ROLES = {"auditor", "admin", "archivist"}


def report_evaluation(ident: str | int, *, filename: str, data: bytes, conclusion: str, recommendation: str,
                      participants: str, as_user: str) -> dict:
    """The evaluating unit files its report; the public's and representatives' participation is listed."""
    if conclusion not in CONCLUSIONS:
        raise BadInput(f"--conclusion {conclusion!r} 无效 / invalid; expected one of: {', '.join(CONCLUSIONS)}")
    if recommendation not in RECOMMENDATIONS:
        raise BadInput(f"--recommendation {recommendation!r} 无效 / invalid; expected one of: "
                       f"{', '.join(RECOMMENDATIONS)}")
    if not participants.strip():
        raise BadInput("--participants 须列明参与评估的公众、人大代表、政协委员等 / list the participants (Art 36)")
    limit = get_settings().max_file_bytes
    if len(data) > limit:
        raise BadInput(f"{filename!r}: 文件过大，超过 {limit} 字节 / file larger than {limit} bytes (JUECE_MAX_FILE_MB)")
    ctype, problem = filetypes.check(filename, data)
    if not data or ctype is None:
        raise BadInput(f"{filename!r}: {problem or '文件为空 / file is empty'}")
    with UnitOfWork() as uow:
        s = uow.session
        d = get_decision(s, ident)
        actor = actor_for(s, as_user)
        if not set(actor.roles) - RECORD_ROLES:  # auditors, admins and archivists keep the record, never write it
            raise NotPermitted(f"{as_user} 仅有审计、管理或归档角色，不能提交评估报告 / {as_user} holds only auditor, admin "
                               "or archivist roles and may not file an evaluation report (Art 36)")
        ev = s.exec(select(PostEvaluation).where(PostEvaluation.decision_id == d.id,
                                                 PostEvaluation.status == "started")).first()
        if ev is None:
            raise Blocked([Unmet("post_evaluation.none", "Art 36", "没有进行中的决策后评估",
                                 "no post-evaluation is under way")])
        if actor.office_id != ev.evaluator_office_id:
            raise NotPermitted(f"只有承担评估工作的单位可以提交评估报告 / only the evaluating unit may file the report "
                               f"({as_user} is in {actor.office_code})")
        sha = evidence_store.put(data)
        ev.status, ev.report_filename, ev.report_sha256 = "reported", filename, sha
        ev.report_at, ev.conclusion, ev.recommendation = clock.now().isoformat(timespec="seconds"), conclusion, \
            recommendation
        ev.participants = participants.strip()
        touch(d)
        record_event(s, d, actor, "evaluator", "post_evaluation_report",
                {"evaluation_id": ev.id, "filename": filename, "sha256": sha, "conclusion": conclusion,
                 "recommendation": recommendation, "participants": ev.participants})
        uow.commit()
        return evaluation_view(ev, s.get(Office, ev.evaluator_office_id))


def evaluation_view(ev: PostEvaluation, office: Office | None) -> dict:
    return {"id": ev.id, "decision_id": ev.decision_id, "trigger": ev.trigger, "reason": ev.reason,
            "evaluator": office.code if office else None, "status": ev.status, "started_at": ev.started_at,
            "report_sha256": ev.report_sha256, "conclusion": ev.conclusion, "recommendation": ev.recommendation}


# ----------------------------------------------------------------- adjustment (Art 37) and closing
def adjust(ident: str | int, *, title: str, reason: str, as_user: str, minor: bool = False) -> dict:
    """A major adjustment starts a new decision linked to its parent that runs the whole procedure again;
    a minor one is recorded on the decision with the classification's rationale."""
    if not reason.strip():
        raise BadInput("--reason 须说明调整理由及重大/一般的判断依据 / a reason and its classification are required")
    with UnitOfWork() as uow:
        s = uow.session
        parent = get_decision(s, ident)
        actor = actor_for(s, as_user)
        profile = profile_of(parent)
        rule = changes.rule_for(profile, "minor_adjustment") if minor else None
        role = authorize(actor, scope_of(s, parent, actor), rule.roles if rule else ["decision_organ"],
                         "调整决策 / adjust a decision")
        if parent.state not in AFTER_STATES:
            raise Blocked([Unmet("adjust.state", "Art 37", f"决策尚未作出并执行（当前 {parent.state}），无需调整程序",
                                 f"a decision in {parent.state} has not been made yet")])
        organ = s.get(Office, parent.organ_id)
        undertaker = s.get(Office, parent.undertaker_id)
        assert organ is not None and undertaker is not None
        if minor:
            cited = changes.organ_decision(s, parent, profile, "minor_adjustment")  # Art 37: the organ's decision
            touch(parent)
            record_event(s, parent, actor, role, "minor_adjustment",
                         {"reason": reason.strip(), "title": title.strip(),
                          **({**cited, "article": rule.article} if cited and rule else {})})
            uow.commit()
            return {"id": parent.id, "minor": True, "reason": reason.strip(), **(cited or {})}
        spec = {"organ": organ.code, "undertaker": undertaker.code, "category": parent.category,
                "source": parent.source, "catalog": parent.catalog_item_id, "parent_code": parent.code}
    child = new_decision(title=title or f"{spec['parent_code']} 调整", organ=spec["organ"],
                         undertaker=spec["undertaker"], category=spec["category"], source=spec["source"],
                         as_user=as_user, catalog=spec["catalog"])
    with UnitOfWork() as uow:
        s = uow.session
        parent = get_decision(s, ident)
        kid = get_decision(s, child["id"])
        actor = actor_for(s, as_user)
        kid.parent_id = parent.id
        touch(kid)
        touch(parent)
        record_event(s, kid, actor, role, "adjustment_of", {"parent": parent.code, "reason": reason.strip(),
                                                        "article": "Art 37"})
        record_event(s, parent, actor, role, "adjusted_by", {"child": kid.code, "reason": reason.strip(),
                                                         "article": "Art 37"})
        uow.commit()
        return {**child, "parent_id": parent.id, "parent": parent.code, "minor": False}


def close(ident: str | int, *, as_user: str) -> dict:
    """Execution finished: the decision leaves execution for `closed` (the execution gates apply)."""
    with UnitOfWork() as uow:
        d = get_decision(uow.session, ident)
        require_writable(d)
        if d.state != "execution":
            raise Blocked([Unmet("close.state", "Art 34", f"只有执行中的决策可以办结（当前 {d.state}）",
                                 f"only a decision in execution can be closed ({d.state})")])
    return advance(ident, as_user=as_user)


def terminate(ident: str | int, *, reason: str, as_user: str) -> dict:
    return side_transition(ident, action="terminate", reason=reason, as_user=as_user)


def status(ident: str | int, *, as_user: str | None = None) -> dict:
    """The life of a decision after it was made: executing unit, reports, feedback, evaluations, family.
    `as_user`: read as that user (decisions.procedure.scope; NotPermitted, exit 4, outside their scope); the parent and
    the adjustments are named only where that user may read them too."""
    with UnitOfWork() as uow:
        s = uow.session
        d = get_decision(s, ident)
        r = scope.reader(s, as_user) if as_user is not None else None
        if r is not None:
            scope.require_read(s, r, d, "查看决策作出后的情况 / read the life after the decision of")
        ex = s.get(Office, d.executing_unit_id) if d.executing_unit_id else None
        ev = list(s.exec(select(Evidence).where(Evidence.decision_id == d.id,
                                                col(Evidence.kind).in_(["execution_report", "issue_report"]),
                                                live_evidence())  # a voided report is no report
                         .order_by(col(Evidence.id))))
        parent = s.get(Decision, d.parent_id) if d.parent_id else None
        children = s.exec(select(Decision).where(Decision.parent_id == d.id)).all()
        if r is not None:   # the family, only as far as the reader may open it
            parent = parent if parent is not None and scope.can_read(s, r, parent.id or 0) else None
            children = [c for c in children if scope.can_read(s, r, c.id or 0)]
        evals = s.exec(select(PostEvaluation).where(PostEvaluation.decision_id == d.id)).all()
        count = len(s.exec(select(PublicFeedback.id).where(PublicFeedback.decision_id == d.id)).all())
        return {"id": d.id, "code": d.code, "state": d.state,
                "executing_unit": {"code": ex.code, "name": ex.name} if ex else None,
                "execution_reports": [{"id": e.id, "at": e.at, "period": e.meta.get("period", "")}
                                      for e in ev if e.kind == "execution_report"],
                "issue_reports": [{"id": e.id, "at": e.at, "nature": e.meta.get("nature", "")}
                                  for e in ev if e.kind == "issue_report"],
                "feedback": count, "feedback_threshold": _threshold(d),
                "evaluations": [evaluation_view(x, s.get(Office, x.evaluator_office_id)) for x in evals],
                "parent": parent.code if parent else None, "adjustments": [c.code for c in children]}
