"""Registers and authors (procedure.md §8): the meeting against the organ's register on its date, experts assigned
by the undertaking unit and filing by their own accounts (counted distinct), the legality opinion only from the
organ's registered reviewing office. Each test fails when its rule is removed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from decisions.accounts import service as directory
from decisions.cli import app
from decisions.errors import BadInput, Blocked, JueceError, NotPermitted
from decisions.procedure import experts, registers
from decisions.procedure.models import ReviewOffice
from decisions.procedure.views import show
from decisions.storage.unit_of_work import UnitOfWork
from tests.helpers import MEMBERS, PDF, Walker, at_least

runner = CliRunner()
FIVE = [("vm1", "approve"), ("vm2", "approve"), ("vm3", "approve"), ("vm4", "abstain"), ("mayor", "approve")]


def juece(*args: str, code: int = 0) -> dict | str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, f"juece {' '.join(args)} -> {result.exit_code}\n{result.stdout}\n{result.stderr}"
    return json.loads(result.stdout) if "--json" in args else result.stdout + result.stderr


def unmet(fn, *args, **kwargs) -> list:
    with pytest.raises(Blocked) as info:
        fn(*args, **kwargs)
    return info.value.unmet


def hit(items: list, fragment: str):
    found = [u for u in items if fragment in u.requirement]
    assert found, f"no unmet requirement containing {fragment!r} in {[u.requirement for u in items]}"
    return found[0]


def meeting_cli(did: int, tmp_path: Path, *extra: str, positions=FIVE, head: str = "mayor", code: int = 0):
    minutes = tmp_path / "minutes.pdf"
    minutes.write_bytes(PDF)
    args = ["meeting", str(did), "--type", "executive", "--date", "2026-05-20", "--minutes", str(minutes),
            "--head", head, "--outcome", "approve", "--as", "secretary", "--json", *extra]
    for user, pos in positions:
        args += ["--position", f"{user}={pos}"]
    return juece(*args, code=code)


def leave(*users: str, day: str = "2026-05-01") -> None:
    for u in users:
        registers.register_member("CITY", u, to_date=day, as_user="organ")


# ------------------------------------------------------------------ the register itself
def test_register_member_list_and_leave(org):
    r = registers.list_members("CITY", on="2026-05-20")
    assert r["size"] == len(MEMBERS) and r["review_office"] == "CITY-JUS"
    assert [m["user"] for m in r["members"] if m["head"]] == ["mayor"]
    leave("vm6", day="2026-04-30")
    assert registers.list_members("CITY", on="2026-04-30")["size"] == 7
    assert registers.list_members("CITY", on="2026-05-01")["size"] == 6
    out = juece("register", "list", "CITY", "--date", "2026-05-01", "--json")
    assert out["size"] == 6 and "vm6" not in {m["user"] for m in out["members"]}
    # a second head for an overlapping period, an overlapping entry: refused
    with pytest.raises(BadInput, match="行政首长"):
        registers.register_member("CITY", "secretary", from_date="2026-06-01", head=True, as_user="admin")
    with pytest.raises(BadInput, match="vm1"):
        registers.register_member("CITY", "vm1", from_date="2026-06-01", as_user="admin")
    # only admin or the organ keeps the register; only admin names the reviewing office
    juece("register", "member", "CITY", "secretary", "--from", "2026-06-01", "--as", "drafter", code=4)
    juece("register", "review-office", "CITY", "CITY-NR", "--as", "organ", code=4)
    with pytest.raises(NotPermitted):
        registers.set_review_office("CITY", "CITY-NR", as_user="reviewer")


# ------------------------------------------------------------------ the meeting (Art 30)
def test_a_position_by_a_non_member_is_refused(org):
    w = Walker().walk_to("collective_discussion")
    at_least("2026-05-20")  # the meetings below are held on 2026-05-20
    positions = [("vm1", "approve"), ("vm2", "approve"), ("organ", "approve"), ("vm3", "approve"), ("mayor", "approve")]
    u = hit(unmet(w.meeting, positions=positions), "member.organ")
    assert u.article == "Art 30" and "organ" in u.message and "第30条" in u.message
    assert w.state() == "collective_discussion"



def test_a_member_from_outside_the_organ_is_refused_by_the_register(org):
    """The register takes only whom the meeting would count: a user of another office is refused when entered
    (exit 3, Art 30, [meeting] members_from_organ), nothing written."""
    before = registers.list_members("CITY")["size"]
    u = hit(unmet(registers.register_member, "CITY", "executor", from_date="2026-01-01", as_user="admin"),
            "register.member")
    assert u.article == "Art 30" and "executor" in u.message and "示例市财政局" in u.message
    out = juece("register", "member", "CITY", "executor", "--from", "2026-01-01", "--as", "admin", code=3)
    assert "executor" in out and "Art 30" in out
    assert registers.list_members("CITY")["size"] == before


def test_an_outsider_in_an_older_register_is_refused_at_the_meeting(org):
    """A register row of another office (entered before the register checked it) still does not count at the
    meeting: its members are the organ's own (Art 30, [meeting] members_from_organ, a national floor)."""
    from decisions.accounts.models import Office, User
    from decisions.procedure.models import OrganMember

    w = Walker().walk_to("collective_discussion")
    at_least("2026-05-20")  # the meeting below is held on 2026-05-20
    with UnitOfWork() as uow:
        s = uow.session
        organ = s.exec(select(Office).where(Office.code == "CITY")).one()
        executor = s.exec(select(User).where(User.username == "executor")).one()
        s.add(OrganMember(organ_id=organ.id, user_id=executor.id, from_date="2026-01-01", title="组成人员",
                          at="2026-01-01T09:00:00+08:00"))
        uow.commit()
    positions = [("vm1", "approve"), ("vm2", "approve"), ("executor", "approve"), ("vm3", "approve"), ("mayor", "approve")]
    u = hit(unmet(w.meeting, positions=positions, members=8), "collective_discussion.members")
    assert u.article == "Art 30" and "executor" in u.message
    assert not [x for x in unmet(w.meeting, positions=positions, members=8) if ".member." in x.requirement]
    assert w.state() == "collective_discussion"


def test_a_head_who_is_not_the_head_on_the_meeting_date_is_refused(org):
    w = Walker().walk_to("collective_discussion")
    at_least("2026-05-20")  # the meetings below are held on 2026-05-20
    # from 16 May vm6 heads the body; the mayor stays a plain member
    leave("mayor", "vm6", day="2026-05-15")
    registers.register_member("CITY", "mayor", from_date="2026-05-16", title="组成人员", as_user="admin")
    registers.register_member("CITY", "vm6", from_date="2026-05-16", title="行政首长", head=True, as_user="admin")
    u = hit(unmet(w.meeting), "register_head")
    assert u.article == "Art 30" and "mayor" in u.message and "2026-05-20" in u.message
    assert not [x for x in unmet(w.meeting) if "member." in x.requirement]  # he is still a member
    assert w.state() == "collective_discussion"


def test_members_must_equal_the_register(org, tmp_path):
    w = Walker().walk_to("collective_discussion")
    at_least("2026-05-20")  # the meetings below are held on 2026-05-20
    leave("vm5", "vm6")  # five members on the meeting date
    out = meeting_cli(w.id, tmp_path, "--members", "1", positions=[("mayor", "approve")], code=2)
    assert out["error"] == "BadInput" and "--members 1" in out["message"] and "5" in out["message"]
    with pytest.raises(BadInput, match="--members 7"):
        w.meeting(positions=FIVE, members=7)
    # quorum is counted against the register: 3 of 5 present is more than half, 2 of 5 is not
    assert hit(unmet(w.meeting, positions=FIVE[3:], members=None), "quorum").article == "Art 30"
    r = meeting_cli(w.id, tmp_path, positions=FIVE[2:])
    assert r["present"] == 3 and r["state"] == "party_report"
    assert show(w.id)["meetings"][0]["members"] == 5


def test_an_organ_with_no_register_cannot_meet(org, tmp_path):
    w = Walker().walk_to("collective_discussion")
    at_least("2026-05-20")  # the meetings below are held on 2026-05-20
    leave(*MEMBERS)
    out = meeting_cli(w.id, tmp_path, code=3)
    assert [b["article"] for b in out["blocked"]] == ["Art 30"]
    assert "CITY" in out["blocked"][0]["message"] and "2026-05-20" in out["blocked"][0]["message"]
    assert w.state() == "collective_discussion"


# ------------------------------------------------------------------ experts (Art 19, 20)
def test_opinions_naming_one_expert_by_the_drafter_are_refused_and_one_expert_counts_once(org):
    w = Walker(triggers={"professional_technical": "yes"}).walk_to("expert_review")
    for _ in range(3):
        with pytest.raises(JueceError) as info:
            w.ev("expert_opinion", user="drafter", expert="expert1", signed="yes", direct_interest="no")
        assert info.value.exit_code in (3, 4)
    assert not [e for e in show(w.id)["evidence"] if e["kind"] == "expert_opinion"]
    # three files by one assigned expert are one expert of the panel
    for i in range(3):
        w.ev("expert_opinion", user="expert1", name=f"意见{i}.pdf", expert="expert1", signed="yes",
             direct_interest="no")
    w.ev("expert_adoption")
    with pytest.raises(Blocked) as info:
        w.advance()
    panel = hit(info.value.unmet, "expert_review.expert_opinion")
    assert panel.article == "Art 19, 20" and "现有1名" in panel.message
    for i in (2, 3):
        w.ev("expert_opinion", user=f"expert{i}", expert=f"expert{i}", signed="yes", direct_interest="no")
    assert w.advance()["from"] == "expert_review"


def test_an_unassigned_expert_is_refused(org):
    directory.add_user("expert9", "expert9", "ACAD", ["expert"])
    w = Walker(triggers={"professional_technical": "yes"}).walk_to("expert_review")
    u = hit(unmet(w.ev, "expert_opinion", user="expert9", expert="expert9", signed="yes", direct_interest="no"),
            "expert_assigned")
    assert u.article == "Art 20" and "expert9" in u.message
    w.assign_experts(["expert9"])
    w.ev("expert_opinion", user="expert9", expert="expert9", signed="yes", direct_interest="no")


def test_a_conflicted_expert_is_refused_at_assignment(org):
    directory.add_user("expert9", "expert9", "ACAD", ["expert"])
    w = Walker().new()
    u = hit(unmet(experts.assign_experts, w.id, ["expert9"], interest=["expert9"], as_user="drafter"),
            "direct_interest")
    assert u.article == "Art 20" and "expert9" in u.message
    out = juece("expert", "assign", str(w.id), "expert9", "--interest", "expert9", "--as", "drafter", "--json", code=3)
    assert out["blocked"][0]["article"] == "Art 20"
    assert experts.assigned_experts(w.id) == []
    # a user of the undertaking unit is never the expert on its own decision (separation of duties)
    assert hit(unmet(experts.assign_experts, w.id, ["drc_expert"], as_user="drafter"), "separation").article == "Art 20"
    assert juece("expert", "assign", str(w.id), "expert9", "--as", "drafter", "--json")["assigned"] == ["expert9"]


# ------------------------------------------------------------------ the legality opinion (Art 25)
def test_a_legality_opinion_from_another_office_is_refused(org):
    directory.add_office("CITY-LAW", "示例市政府法律顾问室", "department", parent="CITY")
    directory.add_user("reviewer2", "reviewer2", "CITY-LAW", ["legality_reviewer"])
    w = Walker().walk_to("legality_review")
    w.ev("legality_submission", submitted="2026-05-06")
    u = hit(unmet(w.ev, "legality_opinion", user="reviewer2", conclusion="lawful"), "review_office")
    assert u.article == "Art 25" and "reviewer2" in u.message and "CITY-JUS" in u.message
    w.ev("legality_opinion", user="reviewer", conclusion="lawful")
    # an organ without a registered reviewing office cannot have its legality opinion filed
    with UnitOfWork() as uow:
        row = uow.session.exec(select(ReviewOffice)).one()
        uow.session.delete(row)
        uow.commit()
    u = hit(unmet(w.ev, "legality_opinion", user="reviewer", conclusion="lawful"), "review_office")
    assert u.article == "Art 25" and "register review-office" in u.message
