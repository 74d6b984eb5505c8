"""Test helpers: a small city government with every role, and a walker that moves a decision
stage by stage through the service layer with compliant evidence (each gate test then breaks one)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from decisions.accounts import service as directory
from decisions.procedure import experts, registers, service
from decisions.procedure.meeting import MeetingInput, record_meeting

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
MEMBERS = ["mayor", "vm1", "vm2", "vm3", "vm4", "vm5", "vm6"]


def set_now(iso: str) -> None:
    os.environ["JUECE_NOW"] = iso


def at_least(day: str) -> None:
    """Move the clock forward to 09:00 of `day` (China time), never back: a walked decision records each stage's
    dates on or after them (procedure.md §8 "Time": no date lies after the day it is recorded)."""
    from decisions import clock
    if clock.today().isoformat() < day:
        set_now(f"{day}T09:00:00+08:00")


COMMENT_PERIOD_OVER = "2026-04-03"  # the day after the walked open comment period (2026-03-03 to 2026-04-02)
ANNOUNCED = {"participation_activity.start", "participation_activity.end", "participation_activity.hearing_date"}  # may lie ahead ([time] announced)


def today() -> str:
    """The clock's day as ISO text."""
    return _today()


def _today() -> str:
    from decisions import clock
    return clock.today().isoformat()


@dataclass
class Org:
    organ: str = "CITY"

    @classmethod
    def create(cls) -> Org:
        add = directory.add_office
        add("CITY", "示例市人民政府", "city")
        add("CITY-DRC", "示例市发展和改革委员会", "department", parent="CITY")
        add("CITY-JUS", "示例市司法局", "department", parent="CITY")
        add("CITY-FIN", "示例市财政局", "department", parent="CITY")
        add("CITY-NR", "示例市自然资源局", "department", parent="CITY")
        add("ACAD", "示例大学公共政策研究院", "department")
        users = [
            ("admin", "CITY", ["admin"]), ("organ", "CITY", ["decision_organ"]), ("mayor", "CITY", ["head"]),
            ("secretary", "CITY", ["secretary"]), ("drafter", "CITY-DRC", ["drafter"]),
            ("drafter2", "CITY-NR", ["drafter"]), ("reviewer", "CITY-JUS", ["legality_reviewer"]),
            ("adviser", "CITY-JUS", ["legal_adviser"]), ("executor", "CITY-FIN", ["executor"]),
            ("archivist", "CITY", ["archivist"]), ("auditor", "CITY", ["auditor"]),
            ("drc_expert", "CITY-DRC", ["expert", "legality_reviewer", "legal_adviser"]),
        ]
        users += [(f"vm{i}", "CITY", ["decision_organ"]) for i in range(1, 7)]
        users += [(f"expert{i}", "ACAD", ["expert"]) for i in range(1, 6)]
        for name, office, roles in users:
            directory.add_user(name, name, office, roles)
        cls.registers("CITY", "CITY-JUS", MEMBERS)
        return cls()

    @staticmethod
    def registers(organ: str, review_office: str, members: list[str], since: str = "2020-01-01") -> None:
        """The organ's register of members (the first its head) and its reviewing office (procedure.md §8)."""
        for i, user in enumerate(members):
            registers.register_member(organ, user, from_date=since, head=i == 0,
                                      title="行政首长" if i == 0 else "组成人员", as_user="admin")
        registers.set_review_office(organ, review_office, as_user="admin")


ALL_NO = {t: "no" for t in ("professional_technical", "stability_risk", "specific_groups", "market_entities",
                            "npc_scope", "high_public_concern", "interagency", "non_disclosable",
                            "exploratory_reform")}


@dataclass
class Walker:
    """Walks one decision through the procedure with compliant evidence."""

    triggers: dict[str, str] = field(default_factory=dict)
    id: int = 0

    def new(self, title: str = "示例市城市更新专项规划") -> Walker:
        r = service.new_decision(title=title, organ="CITY", undertaker="CITY-DRC", category=2, source="department",
                                 as_user="organ")
        self.id = r["id"]
        return self

    def ev(self, kind: str, user: str = "drafter", name: str | None = None, data: bytes = PDF, **meta: str) -> dict:
        days = [str(v) for k, v in meta.items() if re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(v))
                and f"{kind}.{k}" not in ANNOUNCED]
        if days:
            at_least(max(days))  # recorded on or after the dates it carries, as a real record is
        return service.add_evidence(self.id, kind=kind, filename=name or f"{kind}.pdf", data=data,
                                    meta={k: str(v) for k, v in meta.items()}, as_user=user)

    def advance(self, user: str = "drafter") -> dict:
        return service.advance(self.id, as_user=user)

    def state(self) -> str:
        from decisions.procedure.views import show
        return show(self.id)["state"]

    # --- compliant stage work
    def do_proposed(self) -> None:
        self.ev("proposal", user="organ", source="department")
        self.ev("start_decision", user="organ", date="2026-03-02")

    def do_drafting(self) -> None:
        values = {**ALL_NO, **self.triggers}
        reasons = {k: f"经研究，{k} 不适用" for k, v in values.items() if v == "no"}
        if values.get("non_disclosable") == "yes":
            reasons["non_disclosable"] = "《保守国家秘密法》第9条"
        service.set_triggers(self.id, sets=values, reasons=reasons, as_user="drafter")
        self.ev("draft", version="v1")
        self.ev("legal_basis", laws="《城乡规划法》")
        if values.get("interagency") == "yes":
            self.ev("interagency_consultation", consensus="yes")
        if values.get("professional_technical") == "yes" and not experts.assigned_experts(self.id):
            self.assign_experts([f"expert{i}" for i in range(1, 6)])  # the panel, picked by the undertaking unit

    def do_public_participation(self) -> None:
        self.ev("participation_activity", form="open_comment", start="2026-03-03", end="2026-04-02")
        if self.triggers.get("specific_groups") == "yes":
            self.ev("participation_activity", form="group_consultation")
        if self.triggers.get("market_entities") == "yes":
            self.ev("participation_activity", form="enterprise_consultation")
        self.ev("opinion_register", received=10, adopted=4, partially_adopted=3, not_adopted=3)
        at_least(COMMENT_PERIOD_OVER)  # the stage is left after the announced end (Art 15, procedure.md §8)

    def assign_experts(self, users: list[str] | None = None, user: str = "drafter") -> dict:
        """The undertaking unit picks the panel (Art 20); each expert then files by their own account."""
        return experts.assign_experts(self.id, users or [f"expert{i}" for i in range(1, 4)], as_user=user)

    def do_expert_review(self) -> None:
        if not experts.assigned_experts(self.id):
            self.assign_experts()
        for i in range(1, 4):
            self.ev("expert_opinion", user=f"expert{i}", expert=f"expert{i}", signed="yes", direct_interest="no")
        self.ev("expert_adoption")

    def do_risk_assessment(self) -> None:
        self.ev("risk_report", conclusion="controllable", level="low")

    def do_fair_competition_review(self) -> None:
        self.ev("fair_competition_review", conclusion="pass")

    def do_legality_review(self) -> None:
        # submitted before the clock's day, so that the meeting on that day is 7 working days later (Art 26¶2)
        self.ev("legality_submission", submitted="2026-02-10")
        self.ev("legal_adviser_opinion", user="adviser")
        self.ev("legality_opinion", user="reviewer", conclusion="lawful")

    def meeting(self, outcome: str = "approve", date: str | None = None, positions: list[tuple[str, str]] | None = None,
                members: int = 7, reason: str = "", type_: str = "executive", user: str = "secretary") -> dict:
        date = date or _today()  # held on the day it is recorded unless a test says otherwise
        at_least(date)
        positions = positions or [(m, "approve") for m in MEMBERS[1:]] + [("mayor", outcome if outcome in
                                                                            ("approve", "reject") else "approve")]
        return record_meeting(self.id, MeetingInput(type=type_, date=date, minutes_filename="纪要.pdf",
                                                            minutes=PDF, members=members, positions=positions,
                                                            head="mayor", outcome=outcome, reason=reason),
                                      as_user=user)

    def do_party_report(self) -> None:
        today = _today()  # on the day it is recorded, after the meeting (procedure.md §8 "Time")
        self.ev("party_committee_report", user="organ", reported=today)
        if self.triggers.get("npc_scope") == "yes":
            self.ev("npc_report", user="organ", reported=today)
        self.ev("execution_assignment", user="organ", executing_unit="CITY-FIN")

    def do_publication(self) -> None:
        self.ev("publication_record", user="organ", channel="website", date=_today())
        if "yes" in (self.triggers.get("high_public_concern"), self.triggers.get("professional_technical")):
            self.ev("adoption_explanation", user="organ")

    def do_execution(self) -> None:
        self.ev("execution_report", user="executor", period="2026H2")

    def walk_to(self, target: str) -> Walker:
        """Do the work of each stage and advance until the decision is in `target`."""
        if not self.id:
            self.new()
        advancer = {"proposed": "organ", "party_report": "organ", "publication": "organ", "execution": "organ"}
        st = self.state()
        while st != target:
            getattr(self, f"do_{st}")() if st != "collective_discussion" else None
            if st == "collective_discussion":
                self.meeting()
            else:
                self.advance(advancer.get(st, "drafter"))
            st = self.state()
        return self
