"""Role × action matrix (procedure.md §6): every acting use case tried as every role, and as a user of the
undertaking unit who holds the independent roles (legality reviewer, legal adviser, expert) — who must be
refused on the decision his own unit undertakes (separation of duties).

The expected table below is explicit data: a change of who may do what makes this test fail. Each refusal
must be NotPermitted (exit 4 by the CLI) and change nothing (row counts of every table, the evidence store);
each permitted combination must succeed.
"""

from __future__ import annotations

import importlib
import inspect as pyinspect
import itertools
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import inspect, text
from typer.main import get_command

from decisions.accounts import service as directory
from decisions.aftercare import service as aftercare
from decisions.catalog import service as catalog
from decisions.cli import app
from decisions.deadlines import calendar as work_calendar
from decisions.deadlines import service as deadlines
from decisions.errors import NotPermitted
from decisions.oa import service as oa
from decisions.participation import service as participation
from decisions.procedure import experts, registers, service, voiding
from decisions.storage.db import get_engine
from tests.helpers import COMMENT_PERIOD_OVER, PDF, Org, Walker, at_least

runner = CliRunner()
COMMAND = get_command(app)  # built once: typer's runner rebuilds it on every call

# ----------------------------------------------------------------- who plays which role (tests/helpers.Org)
USER = {
    "admin": "admin", "decision_organ": "organ", "head": "mayor", "drafter": "drafter",
    "legality_reviewer": "reviewer", "legal_adviser": "adviser", "expert": "expert1", "secretary": "secretary",
    "executor": "executor", "archivist": "archivist", "auditor": "auditor",
    "assessor": "assessor1",  # of a third-party firm, commissioned for the shared risk-assessment decision (Art 22, 23)
    # of the undertaking unit CITY-DRC, holding expert + legality_reviewer + legal_adviser: never on its own decision
    "undertaker_reviewer": "drc_expert",
}
ROLES = tuple(USER)

ORGAN_CATALOG = frozenset({"admin", "decision_organ", "head"})
ADMIN = frozenset({"admin"})
DRAFTER = frozenset({"drafter"})
ORGAN = frozenset({"decision_organ"})

#: action -> the roles that may take it (everyone else: NotPermitted)
EXPECTED: dict[str, frozenset[str]] = {
    # the decision procedure (service.py)
    "decision.new": frozenset({"decision_organ", "drafter"}),
    "decision.triggers": DRAFTER,
    "evidence.proposal": frozenset({"decision_organ", "drafter"}),
    "evidence.start_decision": ORGAN,
    "evidence.draft": DRAFTER,
    "evidence.legal_basis": DRAFTER,
    "evidence.interagency_consultation": DRAFTER,
    "evidence.dispute_statement": DRAFTER,
    "evidence.prior_risk_assessment": DRAFTER,
    "evidence.participation_activity": DRAFTER,
    "evidence.opinion_register": DRAFTER,
    "evidence.expert_opinion": frozenset({"expert"}),  # the assigned expert, by their own account (§8 Authors)
    "evidence.expert_adoption": DRAFTER,
    "evidence.risk_report": frozenset({"drafter", "assessor"}),  # or the assessor the unit commissioned (§8)
    "evidence.fair_competition_review": DRAFTER,
    "evidence.legality_submission": DRAFTER,
    "evidence.legal_adviser_opinion": frozenset({"legal_adviser"}),
    "evidence.legality_opinion": frozenset({"legality_reviewer"}),
    "evidence.amendment_note": DRAFTER,
    "evidence.legal_risk_disclosure": frozenset({"legality_reviewer"}),
    "evidence.party_committee_report": ORGAN,
    "evidence.npc_report": ORGAN,
    "evidence.execution_assignment": ORGAN,
    "evidence.publication_record": ORGAN,
    "evidence.adoption_explanation": frozenset({"decision_organ", "drafter"}),
    "evidence.execution_report": frozenset({"executor"}),
    "evidence.issue_report": frozenset({"executor"}),
    "void.evidence": DRAFTER,  # the uploader (the drafter here) or the undertaking unit's head (CITY-DRC has none)
    "evidence.organ_decision": frozenset({"decision_organ", "head", "secretary"}),
    "advance.proposed": ORGAN,
    "advance.drafting": DRAFTER,
    "advance.public_participation": DRAFTER,
    "advance.expert_review": DRAFTER,
    "advance.risk_assessment": DRAFTER,
    "advance.fair_competition_review": DRAFTER,
    "advance.legality_review": frozenset({"drafter", "legality_reviewer"}),
    "advance.party_report": ORGAN,
    "advance.publication": ORGAN,
    "advance.execution": ORGAN,  # closing (aftercare.close)
    "meeting": frozenset({"secretary"}),
    # the registers (procedure.md §8)
    "register.member": frozenset({"admin", "decision_organ"}),
    "register.review_office": ADMIN,
    "expert.assign": DRAFTER,
    "assessor.assign": DRAFTER,
    "side.exclude": ORGAN,
    "side.withdraw": ORGAN,
    "side.suspend": frozenset({"head"}),
    "side.resume": frozenset({"head", "decision_organ"}),
    "side.terminate": ORGAN | {"head"},  # on the organ's recorded decision (Art 37, profile [changes])
    # working like an OA (decisions/oa): urging and the head's instruction
    "oa.urge": frozenset({"decision_organ", "head"}),
    "oa.instruct": frozenset({"head"}),
    # after the decision (aftercare.py)
    "aftercare.start_evaluation": ORGAN,
    "aftercare.adjust": ORGAN | {"head"},  # the minor one, on the organ's recorded decision (Art 37)
    # the annual catalog (catalog.py)
    "catalog.add_item": ORGAN_CATALOG,
    "catalog.consent": ORGAN_CATALOG,
    "catalog.publish": ORGAN_CATALOG,
    "catalog.adjust": ORGAN_CATALOG,
    "catalog.remove_item": ORGAN_CATALOG,
    "catalog.close_year": ORGAN_CATALOG,
    "catalog.import_csv": ORGAN_CATALOG,
    "catalog.link": ORGAN,
    # the organisation and the calendar (directory.py, deadlines.py)
    "office.add": ADMIN,
    "user.add": ADMIN,
    "user.unlock": ADMIN,
    "user.passwd": ADMIN,
    "user.disable": ADMIN,
    "user.enable": ADMIN,
    "user.roles": ADMIN,
    "user.list": ADMIN,
    "user.link_sso": ADMIN,
    "calendar.set": ADMIN,
    "calendar.unset": ADMIN,
    "calendar.import": ADMIN,
    "inbox.email": ADMIN,
    # public participation (participation.py)
    "consultation.open": DRAFTER,
    "opinion.add": DRAFTER,
    "opinion.dispose": DRAFTER,
    "opinion.hide": frozenset({"drafter", "decision_organ"}),
    "opinion.register": DRAFTER,
    "opinion.feedback": frozenset({"drafter", "decision_organ"}),
    "opinion.ledger": frozenset({"drafter", "decision_organ", "head", "secretary", "legality_reviewer",
                                 "legal_adviser", "archivist", "auditor", "admin"}),
}

#: use cases taking an acting user that the matrix does not drive, and why
NOT_IN_MATRIX = {  # every acting use case (a public function of decisions.* taking as_user), by module
    "procedure.meeting.record_meeting": "meeting",
    "procedure.registers.register_member": "register.member",
    "procedure.registers.set_review_office": "register.review_office",
    "procedure.experts.assign_experts": "expert.assign",
    "procedure.experts.assign_assessors": "assessor.assign",
    "procedure.experts.assign": "expert.assign and assessor.assign (the use case both call)",
    "procedure.service.add_evidence": "evidence.*", "procedure.service.advance": "advance.*",
    "procedure.service.set_triggers": "decision.triggers",
    "procedure.voiding.void_evidence": "void.evidence",
    "procedure.voiding.same_file": "a read within the read scope (tests/test_void_evidence.py)",
    "procedure.sending_back.return_decision": "legality reviewer or decision organ, by stage (tests/test_return.py)",
    "procedure.service.new_decision": "decision.new", "procedure.service.side_transition": "side.*",
    "aftercare.service.suspend": "side.suspend (same use case)", "aftercare.service.terminate": "side.terminate (same use case)",
    "aftercare.service.close": "advance.execution", "aftercare.service.start_evaluation": "aftercare.start_evaluation",
    "aftercare.service.adjust": "aftercare.adjust",
    "aftercare.service.add_feedback": "the public may write: no role",
    "aftercare.service.report_evaluation": "by the evaluating office named by the organ, not by a role",
    "deadlines.views.inbox": "one's own inbox", "deadlines.service.mark_read": "one's own notification",
    "deadlines.views.deadlines": "a read: --as limits it to the read scope (test_isolation)",
    "aftercare.service.feedback": "a read (test_isolation)", "aftercare.service.status": "a read (test_isolation)",
    "catalog.service.compare": "a read (test_isolation)",
    "deadlines.service.set_email": "inbox.email", "deadlines.calendar.set_override": "calendar.set",
    "deadlines.calendar.remove_override": "calendar.unset", "deadlines.calendar.import_overrides": "calendar.import",
    "accounts.service.add_office": "office.add", "accounts.service.add_user": "user.add",
    "accounts.service.unlock_user": "user.unlock",
    "accounts.service.set_password": "user.passwd", "accounts.service.disable_user": "user.disable",
    "accounts.service.link_identity": "user.link_sso",
    "accounts.service.enable_user": "user.enable", "accounts.service.set_roles": "user.roles",
    "accounts.service.list_users": "user.list",
    "participation.service.ledger_csv": "opinion.ledger (the same read, as a CSV file)",
    "catalog.service.add_item": "", "catalog.service.consent": "", "catalog.service.publish": "",
    "catalog.service.adjust": "", "catalog.service.remove_item": "", "catalog.service.close_year": "",
    "catalog.service.import_csv": "", "catalog.service.link": "",
    "catalog.service.items": "a read: drafts visible to the organ", "catalog.service.versions": "a read",
    "participation.service.open_consultation": "consultation.open", "participation.service.add_opinion": "opinion.add",
    "participation.service.dispose": "opinion.dispose", "participation.service.hide_opinion": "opinion.hide",
    "participation.service.generate_register": "opinion.register",
    "participation.service.generate_feedback": "opinion.feedback",
    "participation.service.ledger": "opinion.ledger",
    "procedure.views.show": "a read (test_isolation)", "procedure.views.list_decisions": "a read (test_isolation)",
    "reporting.views.yearly": "a read (test_isolation)", "integrity.service.verify": "a read (test_isolation)",
    "archive.service.generate_dossier": "a read of the whole record (test_isolation, test_dossier)",
    "archive.service.load_record": "a read of the whole record (the dossier roles, as generate_dossier)",
    "archive.package.export": "a read of the whole record (the dossier roles) into the transfer package",
    "archive.service.file_decision": "the archivist files, a second person checks (tests/test_archive_filing.py)",
    "deadlines.calendar.confirm_year": "calendar.confirm: admin only (operator_of)",
    "deadlines.calendar.unconfirm_year": "calendar.unconfirm: admin only (operator_of)",
    "procedure.views.evidence_file": "a read: the read scope (test_renditions)",
    "procedure.views.evidence_preview": "a read: the read scope (test_renditions)",
    "oa.service.urge": "oa.urge", "oa.service.instruct": "oa.instruct",
    "accounts.service.operator_of": "not a use case: who the acting user is, for the use cases above",
}


# ----------------------------------------------------------------- one deployment for the module
TRIGGERS = {"professional_technical": "yes", "stability_risk": "yes", "market_entities": "yes"}


@dataclass
class Ctx:
    data: Path
    env: dict[str, str]
    cached: dict[str, int] = field(default_factory=dict)
    counter: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    years: Iterator[int] = field(default_factory=lambda: itertools.count(2026))

    def at(self, stage: str) -> int:
        """A shared decision in `stage` (its stage work not done); evidence may pile up on it."""
        if stage not in self.cached:
            self.cached[stage] = self.fresh(stage, work=False)
        return self.cached[stage]

    def fresh(self, stage: str, work: bool = True) -> int:
        """A new decision walked to `stage`, with the stage's work done when `work`."""
        w = Walker(triggers=dict(TRIGGERS)).walk_to(stage)
        if work and stage != "collective_discussion":
            getattr(w, f"do_{stage}")()
        return w.id

    def n(self) -> int:
        return next(self.counter)


@pytest.fixture(scope="module")
def ctx(module_deployment: Callable[[], Any]) -> Iterator[Ctx]:
    with module_deployment() as d:
        c = Ctx(data=d.data, env=d.env)
        Org.create()
        directory.add_office("RISKCO", "示例社会稳定风险评估事务所", "department")
        directory.add_user("assessor1", "评估师", "RISKCO", ["assessor"])
        yield c


@pytest.fixture()
def world(ctx: Ctx, monkeypatch: pytest.MonkeyPatch) -> Ctx:
    for k, v in ctx.env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("JUECE_LANG", raising=False)
    return ctx


def snapshot(c: Ctx) -> tuple[dict[str, int], set[str]]:
    engine = get_engine()
    with engine.connect() as conn:
        counts = {t: conn.execute(text(f'SELECT COUNT(*) FROM "{t}"')).scalar_one()
                  for t in inspect(engine).get_table_names()}
    base = c.data / "objects"
    return counts, {p.name for p in base.rglob("*") if p.is_file()} if base.exists() else set()


# ----------------------------------------------------------------- the actions
@dataclass(frozen=True)
class Action:
    setup: Callable[[Ctx], object]
    run: Callable[[Ctx, object, str], object]
    fresh: bool = False   # success changes the target: every permitted user gets a new one


def _evidence(kind: str, stage: str, **meta: str) -> Action:
    def run(c: Ctx, did: object, u: str) -> object:
        if COMMENT_PERIOD_OVER in meta.values():
            at_least(COMMENT_PERIOD_OVER)  # dated after the walked meeting: recorded on or after that day (§8)
        return service.add_evidence(did, kind=kind, filename=f"{kind}.pdf", data=PDF, meta=meta,  # type: ignore[arg-type]
                                    as_user=u)

    return Action(lambda c: c.at(stage), run)


def _uploaded(c: Ctx) -> tuple[int, int]:
    did = c.at("drafting")
    ev = service.add_evidence(did, kind="legal_basis", filename=f"void{c.n()}.pdf", data=PDF + str(c.n()).encode(),
                              meta={}, as_user="drafter")
    return did, ev["id"]


def _advance(stage: str) -> Action:
    return Action(lambda c: c.fresh(stage), lambda c, did, u: service.advance(did, as_user=u), fresh=True)


def _side(action: str, setup: Callable[[Ctx], object]) -> Action:
    return Action(setup, lambda c, did, u: service.side_transition(did, action=action, reason="依法处理", as_user=u),
                  fresh=True)


def _suspendable(c: Ctx) -> int:
    did = c.fresh("execution", work=False)
    service.add_evidence(did, kind="issue_report", filename="issue.pdf", data=PDF, meta={}, as_user="executor")
    return did


def _suspended(c: Ctx) -> int:
    did = _suspendable(c)
    service.side_transition(did, action="suspend", reason="情况紧急，先行中止", as_user="mayor")
    return did


def _assessed(c: Ctx) -> int:
    """The shared risk-assessment decision with assessor1 commissioned for it (once)."""
    did = c.at("risk_assessment")
    if "assessor1" not in experts.assigned_experts(did, "assessor"):
        experts.assign_assessors(did, ["assessor1"], as_user="drafter")
    return did


def _decided(did: int, change: str) -> int:
    """The organ's recorded decision on a change in execution (Art 37), which the change rests on."""
    from decisions import clock
    service.add_evidence(did, kind="organ_decision", filename="决定.pdf", data=PDF,
                         meta={"change": change, "date": clock.today().isoformat()}, as_user="organ")
    return did


def _member(c: Ctx, u: str) -> object:
    """A one-day entry in 2031 (a new day each time: entries of one user may not overlap)."""
    day = (date(2031, 1, 1) + timedelta(days=c.n())).isoformat()
    return registers.register_member("CITY", "archivist", from_date=day, to_date=day, as_user=u)


def _meeting(c: Ctx, did: object, u: str) -> object:
    w = Walker(id=int(did))  # type: ignore[arg-type]
    return w.meeting(user=u)


def _catalog_draft(c: Ctx, items: int = 1) -> int:
    year = next(c.years)
    for i in range(items):
        catalog.add_item("CITY", year, item_name=f"事项{year}-{i}", as_user=None)
    return year


def _catalog_consented(c: Ctx) -> int:
    year = _catalog_draft(c)
    catalog.consent("CITY", year, day="2026-03-01", ref="党委常委会议", as_user=None)
    return year


def _catalog_published(c: Ctx) -> int:
    year = _catalog_consented(c)
    catalog.publish("CITY", year, day="2026-03-02", as_user=None)
    return year


def _catalog_adjusting(c: Ctx) -> tuple[int, int]:
    year = _catalog_published(c)
    catalog.adjust("CITY", year, reason="年中调整", as_user=None)
    item = catalog.items("CITY", year)[0]["id"]
    return year, item


def _link_setup(c: Ctx) -> tuple[int, int]:
    year = _catalog_published(c)
    return Walker().new(f"目录事项决策{year}").id, catalog.items("CITY", year)[0]["id"]


def _csv(c: Ctx, body: str) -> Path:
    path = c.data / f"table-{c.n()}.csv"
    path.write_text(body, encoding="utf-8")
    return path


def _catalog_csv(c: Ctx) -> tuple[int, Path]:
    from decisions.catalog.service import COLUMNS
    year = next(c.years)
    row = {k: "" for k in COLUMNS}
    row.update({COLUMNS[0]: "1", COLUMNS[1]: f"导入事项{year}"})
    return year, _csv(c, ",".join(COLUMNS) + "\n" + ",".join(row[k] for k in COLUMNS) + "\n")


def _pp(c: Ctx) -> int:
    """A fresh decision in public participation (drafting done by the walker: a draft exists)."""
    return Walker().walk_to("public_participation").id


def _with_opinion(c: Ctx) -> tuple[int, int]:
    did = c.at("public_participation")
    op = participation.add_opinion(did, channel="letter", content=f"意见 {c.n()}", as_user="drafter")
    return did, op["id"]


def _register_ready(c: Ctx) -> int:
    did = _pp(c)
    op = participation.add_opinion(did, channel="letter", content="同意", as_user="drafter")
    participation.dispose(did, [op["id"]], disposition="adopted", reason="已吸收", as_user="drafter")
    return did


def _feedback_ready(c: Ctx) -> int:
    did = _register_ready(c)
    participation.generate_register(did, as_user="drafter")
    w = Walker(id=did)
    w.ev("participation_activity", form="symposium")
    w.advance("drafter")
    return did


def _run_catalog(fn: Callable[..., object], **kw: object) -> Callable[[Ctx, object, str], object]:
    return lambda c, year, u: fn("CITY", year, as_user=u, **kw)


ACTIONS: dict[str, Action] = {
    "decision.new": Action(lambda c: None, lambda c, _t, u: service.new_decision(
        title="矩阵测试决策", organ="CITY", undertaker="CITY-DRC", category=1, source="leader", as_user=u)),
    "decision.triggers": Action(lambda c: c.at("drafting"), lambda c, did, u: service.set_triggers(
        did, sets={"npc_scope": "no"}, reasons={"npc_scope": "不涉及"}, as_user=u)),
    "evidence.proposal": _evidence("proposal", "proposed", source="leader"),
    "evidence.start_decision": _evidence("start_decision", "proposed", date="2026-03-02"),
    "void.evidence": Action(_uploaded, lambda c, t, u: voiding.void_evidence(t[0], t[1], "误传", as_user=u),
                            fresh=True),  # type: ignore[index]
    "evidence.draft": _evidence("draft", "drafting", version="v9"),
    "evidence.legal_basis": _evidence("legal_basis", "drafting", laws="《城乡规划法》"),
    "evidence.interagency_consultation": _evidence("interagency_consultation", "drafting", consensus="yes"),
    "evidence.dispute_statement": _evidence("dispute_statement", "drafting"),
    "evidence.prior_risk_assessment": _evidence("prior_risk_assessment", "drafting", reference="评估〔2025〕1号"),
    "evidence.participation_activity": _evidence("participation_activity", "public_participation", form="symposium"),
    "evidence.opinion_register": _evidence("opinion_register", "public_participation", received="1", adopted="1",
                                           partially_adopted="0", not_adopted="0"),
    "evidence.expert_opinion": _evidence("expert_opinion", "expert_review", expert="某专家", signed="yes",
                                         direct_interest="no"),
    "evidence.expert_adoption": _evidence("expert_adoption", "expert_review"),
    "evidence.risk_report": Action(_assessed, lambda c, did, u: service.add_evidence(
        did, kind="risk_report", filename="risk_report.pdf", data=PDF, meta={"conclusion": "controllable",
                                                                             "level": "low"}, as_user=u)),
    "evidence.fair_competition_review": _evidence("fair_competition_review", "fair_competition_review",
                                                  conclusion="pass"),
    "evidence.legality_submission": _evidence("legality_submission", "legality_review", submitted="2026-02-10"),
    "evidence.legal_adviser_opinion": _evidence("legal_adviser_opinion", "legality_review"),
    "evidence.legality_opinion": _evidence("legality_opinion", "legality_review", conclusion="lawful"),
    "evidence.amendment_note": _evidence("amendment_note", "legality_review"),
    "evidence.legal_risk_disclosure": _evidence("legal_risk_disclosure", "legality_review"),
    "evidence.party_committee_report": _evidence("party_committee_report", "party_report", reported=COMMENT_PERIOD_OVER),
    "evidence.npc_report": _evidence("npc_report", "party_report", reported=COMMENT_PERIOD_OVER),
    "evidence.execution_assignment": _evidence("execution_assignment", "party_report", executing_unit="CITY-FIN"),
    "evidence.publication_record": _evidence("publication_record", "publication", channel="website",
                                             date=COMMENT_PERIOD_OVER),
    "evidence.adoption_explanation": _evidence("adoption_explanation", "publication"),
    "evidence.execution_report": _evidence("execution_report", "execution", period="2026H2"),
    "evidence.issue_report": _evidence("issue_report", "execution"),
    "evidence.organ_decision": _evidence("organ_decision", "execution", change="terminate", date="2026-03-02"),
    **{f"advance.{st}": _advance(st) for st in ("proposed", "drafting", "public_participation", "expert_review",
                                                "risk_assessment", "fair_competition_review", "legality_review",
                                                "party_report", "publication")},
    "advance.execution": Action(lambda c: c.fresh("execution"), lambda c, did, u: aftercare.close(did, as_user=u),
                                fresh=True),
    "meeting": Action(lambda c: c.fresh("collective_discussion"), _meeting, fresh=True),
    "register.member": Action(lambda c: None, lambda c, _t, u: _member(c, u)),
    "register.review_office": Action(lambda c: None, lambda c, _t, u: registers.set_review_office(
        "CITY", "CITY-JUS", as_user=u)),
    "expert.assign": Action(lambda c: Walker().new("选定论证专家").id,
                            lambda c, did, u: experts.assign_experts(did, ["expert1"], as_user=u)),
    "assessor.assign": Action(lambda c: Walker().new("委托风险评估").id,
                              lambda c, did, u: experts.assign_assessors(did, ["assessor1"], as_user=u)),
    "side.exclude": _side("exclude", lambda c: Walker().new("拟排除事项").id),
    "side.withdraw": _side("withdraw", lambda c: Walker().new("拟撤回事项").id),
    "side.suspend": _side("suspend", _suspendable),
    "side.resume": _side("resume", _suspended),
    "side.terminate": _side("terminate", lambda c: _decided(_suspended(c), "terminate")),
    "oa.urge": Action(lambda c: c.at("drafting"), lambda c, did, u: oa.urge(did, message="请尽快办理", as_user=u)),
    "oa.instruct": Action(lambda c: c.at("drafting"), lambda c, did, u: oa.instruct(did, text="抓紧办理", as_user=u)),
    "aftercare.start_evaluation": Action(
        lambda c: c.fresh("execution", work=False),
        lambda c, did, u: aftercare.start_evaluation(did, trigger="organ_choice", evaluator="CITY-NR",
                                                     reason="组织评估", as_user=u), fresh=True),
    "aftercare.adjust": Action(lambda c: _decided(c.fresh("execution", work=False), "minor_adjustment"),
                               fresh=True, run=lambda c, did, u: aftercare.adjust(
        did, title="", reason="一般调整：文字修改", as_user=u, minor=True)),
    "catalog.add_item": Action(_catalog_draft, lambda c, year, u: catalog.add_item(
        "CITY", year, item_name=f"新增事项{c.n()}", as_user=u)),
    "catalog.consent": Action(_catalog_draft, _run_catalog(catalog.consent, day="2026-03-01", ref="党委同意"),
                              fresh=True),
    "catalog.publish": Action(_catalog_consented, _run_catalog(catalog.publish, day="2026-03-02"), fresh=True),
    "catalog.adjust": Action(_catalog_published, _run_catalog(catalog.adjust, reason="调整"), fresh=True),
    "catalog.remove_item": Action(_catalog_adjusting, lambda c, t, u: catalog.remove_item(
        t[1], reason="不再列入", as_user=u), fresh=True),  # type: ignore[index]
    "catalog.close_year": Action(_catalog_published, _run_catalog(catalog.close_year, summary="办结"), fresh=True),
    "catalog.import_csv": Action(_catalog_csv, lambda c, t, u: catalog.import_csv(
        "CITY", t[0], t[1], as_user=u), fresh=True),  # type: ignore[index]
    "catalog.link": Action(_link_setup, lambda c, t, u: catalog.link(t[0], t[1], as_user=u),  # type: ignore[index]
                           fresh=True),
    "office.add": Action(lambda c: None, lambda c, _t, u: directory.add_office(
        f"M-{c.n()}", "矩阵测试单位", "department", parent="CITY", as_user=u)),
    "user.add": Action(lambda c: None, lambda c, _t, u: directory.add_user(
        f"m{c.n()}", "矩阵测试用户", "CITY", ["drafter"], as_user=u)),
    "user.unlock": Action(lambda c: None, lambda c, _t, u: directory.unlock_user("drafter", as_user=u)),
    "user.passwd": Action(lambda c: None, lambda c, _t, u: directory.set_password(
        "drafter", f"matrix-password-{c.n()}", as_user=u)),
    "user.disable": Action(lambda c: directory.add_user(f"dis{c.n()}", "矩阵停用", "CITY", ["drafter"])["username"],
                           lambda c, t, u: directory.disable_user(t, as_user=u), fresh=True),  # type: ignore[arg-type]
    "user.enable": Action(lambda c: directory.add_user(f"en{c.n()}", "矩阵启用", "CITY", ["drafter"])["username"],
                          lambda c, t, u: directory.enable_user(t, as_user=u), fresh=True),  # type: ignore[arg-type]
    "user.roles": Action(lambda c: directory.add_user(f"ro{c.n()}", "矩阵角色", "CITY", ["drafter"])["username"],
                         lambda c, t, u: directory.set_roles(t, ["admin"], as_user=u), fresh=True),  # type: ignore[arg-type]
    "user.list": Action(lambda c: None, lambda c, _t, u: directory.list_users(as_user=u)),
    "user.link_sso": Action(lambda c: None, lambda c, _t, u: directory.link_identity(
        "drafter", "https://sso.example.gov.cn", f"matrix-{c.n()}", as_user=u)),
    "calendar.set": Action(lambda c: None, lambda c, _t, u: work_calendar.set_override(
        f"2027-01-{c.n() % 28 + 1:02d}", False, "矩阵", as_user=u)),
    "calendar.unset": Action(lambda c: work_calendar.set_override(f"2027-02-{c.n() % 28 + 1:02d}", False, "x")["day"],
                             lambda c, day, u: work_calendar.remove_override(day, as_user=u), fresh=True),  # type: ignore[arg-type]
    "calendar.import": Action(lambda c: _csv(c, "day,workday,note\n2027-03-01,0,矩阵\n"),
                              lambda c, path, u: work_calendar.import_overrides(path, as_user=u)),  # type: ignore[arg-type]
    "inbox.email": Action(lambda c: None, lambda c, _t, u: deadlines.set_email("drafter", "d@example.gov.cn",
                                                                               as_user=u)),
    "consultation.open": Action(_pp, lambda c, did, u: participation.open_consultation(
        did, start="2026-03-02", end="2026-04-02", explanation="草案说明", as_user=u), fresh=True),
    "opinion.add": Action(lambda c: c.at("public_participation"), lambda c, did, u: participation.add_opinion(
        did, channel="letter", content="来信意见", as_user=u)),
    "opinion.dispose": Action(_with_opinion, lambda c, t, u: participation.dispose(
        t[0], [t[1]], disposition="not_adopted", reason="与上位法不符", as_user=u)),  # type: ignore[index]
    "opinion.hide": Action(_with_opinion, lambda c, t, u: participation.hide_opinion(
        t[1], reason="含人身攻击", as_user=u), fresh=True),  # type: ignore[index]
    "opinion.register": Action(_register_ready, lambda c, did, u: participation.generate_register(did, as_user=u),
                               fresh=True),
    "opinion.feedback": Action(_feedback_ready, lambda c, did, u: participation.generate_feedback(did, as_user=u),
                               fresh=True),
    "opinion.ledger": Action(lambda c: c.at("public_participation"),
                             lambda c, did, u: participation.ledger(did, as_user=u)),
}


# ----------------------------------------------------------------- the tests
def test_the_table_covers_every_action_and_every_acting_use_case():
    assert set(ACTIONS) == set(EXPECTED)
    assert all(allowed <= set(ROLES) for allowed in EXPECTED.values())
    assert all("undertaker_reviewer" not in allowed for allowed in EXPECTED.values())
    from workflow import profiles
    kinds = {k for k, v in profiles.load("state-council-2019").kinds.items() if not v.via_meeting}
    assert {a.removeprefix("evidence.") for a in EXPECTED if a.startswith("evidence.")} == kinds
    acting = set()
    import decisions

    for info in pkgutil.walk_packages(decisions.__path__, "decisions."):
        if info.name.startswith(("decisions.cli", "decisions.storage.migrations")):
            continue
        mod = importlib.import_module(info.name)
        for name, fn in vars(mod).items():
            if (pyinspect.isfunction(fn) and fn.__module__ == mod.__name__ and not name.startswith("_")
                    and "as_user" in pyinspect.signature(fn).parameters):
                acting.add(f"{mod.__name__.removeprefix('decisions.')}.{name}")
    assert acting <= set(NOT_IN_MATRIX), f"new acting use cases, add them to the matrix: {acting - set(NOT_IN_MATRIX)}"


@pytest.mark.parametrize("name", list(EXPECTED))
def test_role_matrix(world: Ctx, name: str) -> None:
    action, allowed = ACTIONS[name], EXPECTED[name]
    target = action.setup(world)
    for role in ROLES:
        if role in allowed:
            continue
        before = snapshot(world)
        with pytest.raises(NotPermitted) as info:
            action.run(world, target, USER[role])
        assert USER[role] in info.value.message, info.value.message
        if role == "undertaker_reviewer" and name in ("evidence.legality_opinion", "evidence.legal_adviser_opinion",
                                                      "evidence.expert_opinion", "evidence.legal_risk_disclosure"):
            assert "separation of duties" in info.value.message
        assert snapshot(world) == before, f"{name} refused for {role} but changed something"
    for i, role in enumerate(sorted(allowed)):
        if action.fresh and i:
            target = action.setup(world)
        try:
            result = action.run(world, target, USER[role])
        except NotPermitted as exc:  # pragma: no cover - the failure message
            pytest.fail(f"{name} should be permitted for {role} ({USER[role]}): {exc.message}")
        assert result is not None


# ----------------------------------------------------------------- the same by the command line: exit 4
def cli(*args: str) -> tuple[int, str]:
    r = runner.invoke(COMMAND, list(args))
    return r.exit_code, r.stdout + r.stderr


def test_cli_refusals_exit_4_and_change_nothing(world: Ctx) -> None:
    pdf = world.data / "m.pdf"
    pdf.write_bytes(PDF)
    proposed = str(Walker().new("命令行矩阵").id)
    drafting = str(world.at("drafting"))
    legality = str(world.at("legality_review"))
    execution = str(world.at("execution"))
    meeting = str(world.at("collective_discussion"))
    members = ["--position", "vm1=approve", "--position", "vm2=approve", "--position", "vm3=approve",
               "--position", "vm4=approve", "--position", "mayor=approve"]
    cases: list[tuple[list[str], set[str]]] = [
        (["decision", "new", "--title", "T", "--organ", "CITY", "--undertaker", "CITY-DRC", "--category", "1",
          "--source", "leader"], {"decision_organ", "drafter"}),
        (["evidence", "add", proposed, "--kind", "start_decision", str(pdf)], {"decision_organ"}),
        (["advance", proposed], {"decision_organ"}),
        (["decision", "triggers", drafting, "--set", "npc_scope=no", "--reason", "npc_scope=不涉及"], {"drafter"}),
        (["evidence", "add", legality, "--kind", "legality_opinion", str(pdf), "--meta", "conclusion=lawful"],
         {"legality_reviewer"}),
        (["evidence", "add", legality, "--kind", "legal_adviser_opinion", str(pdf)], {"legal_adviser"}),
        (["meeting", meeting, "--type", "executive", "--date", "2026-03-02", "--minutes", str(pdf), "--members", "7",
          *members, "--head", "mayor", "--outcome", "approve"], {"secretary"}),
        (["decision", "withdraw", proposed, "--reason", "撤回"], {"decision_organ"}),
        (["decision", "suspend", execution, "--reason", "情况紧急"], {"head"}),
        (["urge", drafting, "--message", "请尽快办理"], {"decision_organ", "head"}),
        (["instruct", drafting, "--text", "抓紧办理"], {"head"}),
        (["evidence", "void", *map(str, _uploaded(world)), "--reason", "误传"], {"drafter"}),
        (["office", "add", "CLI-X", "--name", "X", "--level", "department"], {"admin"}),
        (["user", "add", "clix", "--name", "X", "--office", "CITY", "--role", "drafter"], {"admin"}),
        (["user", "unlock", "drafter"], {"admin"}),
        (["calendar", "set", "2027-05-05", "--rest"], {"admin"}),
        (["catalog", "add", "CITY", "2031", "--name", "命令行事项"], {"admin", "decision_organ", "head"}),
    ]
    tried = 0
    for args, allowed in cases:
        for role in ROLES:
            if role in allowed:
                continue
            before = snapshot(world)
            code, out = cli(*args, "--as", USER[role])
            assert code == 4, f"juece {' '.join(args)} --as {USER[role]} -> {code}: {out}"
            assert USER[role] in out
            assert snapshot(world) == before
            tried += 1
    assert tried >= 100
    # the undertaking unit's own 'reviewer' by the CLI: exit 4 with the separation-of-duties reason
    code, out = cli("evidence", "add", legality, "--kind", "legality_opinion", str(pdf), "--meta", "conclusion=lawful",
                    "--as", "drc_expert")
    assert code == 4 and "separation of duties" in out
