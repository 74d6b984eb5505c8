"""A province on one database (issue 7): no office ever sees another office's drafts, except read-only by
the superior/auditor rule (decisions/scope.py), and superiors and auditors cannot act.

The province: 辽宁省 (Liaoning profile) with departments, an expert pool and two cities (state-council
profile), each with departments and a county. Users of every role sit in several offices; a draft
decision (marked 【KEY】 in its title) and a draft catalog item sit in every government. Every read entry
point is checked against one table of who may read what: the workbench read models, the service reads
the pages use, the CLI read commands with --as, and the Streamlit pages (AppTest). Runs on SQLite and, with
JUECE_TEST_DB=postgresql, on PostgreSQL.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import typer.main
import typer.testing
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from decisions.accounts import service as directory
from decisions.archive import service as archive
from decisions.catalog import service as catalog
from decisions.catalog import views as catalog_views
from decisions.cli import app as cli_app
from decisions.deadlines import scheduled
from decisions.deadlines import views as deadline_views
from decisions.errors import NotPermitted
from decisions.participation import service as participation
from decisions.procedure import service, views
from decisions.reporting import dashboard
from decisions.reporting import views as report
from decisions.workbench import views as workbench
from tests.apptest import open_app, shown
from tests.conftest import NOW
from tests.helpers import ALL_NO, COMMENT_PERIOD_OVER, PDF, at_least

runner = CliRunner()
SC, LN = "state-council-2019", "liaoning-2023"

OFFICES = [  # code, name, level, parent, profile
    ("LN", "辽宁省人民政府", "province", None, LN),
    ("LN-DRC", "辽宁省发展和改革委员会", "department", "LN", None),
    ("LN-SFT", "辽宁省司法厅", "department", "LN", None),
    ("LN-EXP", "辽宁省重大行政决策咨询论证专家库", "department", "LN", None),
    ("CA", "甲市人民政府", "city", "LN", SC),
    ("CA-DRC", "甲市发展和改革委员会", "department", "CA", None),
    ("CA-SFJ", "甲市司法局", "department", "CA", None),
    ("CA-C1", "甲市一县人民政府", "county", "CA", None),
    ("CA-C1-DRC", "甲市一县发展和改革局", "department", "CA-C1", None),
    ("CA-C1-SFJ", "甲市一县司法局", "department", "CA-C1", None),
    ("CB", "乙市人民政府", "city", "LN", SC),
    ("CB-DRC", "乙市发展和改革委员会", "department", "CB", None),
    ("CB-SFJ", "乙市司法局", "department", "CB", None),
    ("CB-EXP", "乙市决策论证专家库", "department", "CB", None),
    ("CB-C1", "乙市一县人民政府", "county", "CB", None),
    ("CB-C1-DRC", "乙市一县发展和改革局", "department", "CB-C1", None),
]
GOVS = {"ln": "LN", "ca": "CA", "ca_c1": "CA-C1", "cb": "CB", "cb_c1": "CB-C1"}
ORGAN_ROLES = ("organ", "head", "secretary", "archivist", "auditor")
ROLE = {"organ": "decision_organ", "head": "head", "secretary": "secretary", "archivist": "archivist",
        "auditor": "auditor"}
OTHER_USERS = [  # username, office, roles
    ("ln_admin", "LN", ["admin"]),
    ("ln_drafter", "LN-DRC", ["drafter"]), ("ln_reviewer", "LN-SFT", ["legality_reviewer"]),
    ("ln_adviser", "LN-SFT", ["legal_adviser"]),
    ("ca_drafter", "CA-DRC", ["drafter"]), ("ca_executor", "CA-DRC", ["executor"]),
    ("ca_reviewer", "CA-SFJ", ["legality_reviewer"]), ("ca_dept_auditor", "CA-DRC", ["auditor"]),
    ("ca_c1_drafter", "CA-C1-DRC", ["drafter"]), ("ca_c1_reviewer", "CA-C1-SFJ", ["legality_reviewer"]),
    ("ca_c1_adviser", "CA-C1-SFJ", ["legal_adviser"]),
    ("cb_drafter", "CB-DRC", ["drafter"]), ("cb_reviewer", "CB-SFJ", ["legality_reviewer"]),
    ("cb_c1_drafter", "CB-C1-DRC", ["drafter"]),
    *[(f"ln_expert{i}", "LN-EXP", ["expert"]) for i in range(1, 4)],
    *[(f"cb_expert{i}", "CB-EXP", ["expert"]) for i in range(1, 4)],
]
# the draft decision of each government: its organ, undertaking unit and where it stands
DECISIONS = {"ln": ("LN", "LN-DRC", "drafting"), "ca": ("CA", "CA-DRC", "expert_review"),
             "ca_c1": ("CA-C1", "CA-C1-DRC", "proposed"), "cb": ("CB", "CB-DRC", "expert_review"),
             "cb_c1": ("CB-C1", "CB-C1-DRC", "drafting")}
ALL = frozenset(DECISIONS)


def expected() -> dict[str, frozenset[str]]:
    """Who may read which government's draft: the rule of decisions/scope.py written out by hand."""
    subtree = {"ln": ALL, "ca": {"ca", "ca_c1"}, "ca_c1": {"ca_c1"}, "cb": {"cb", "cb_c1"}, "cb_c1": {"cb_c1"}}
    out = {f"{g}_{r}": frozenset(subtree[g]) for g in GOVS for r in ORGAN_ROLES}   # oversight, read-only below
    out.update({
        "ln_admin": ALL, "ca_dept_auditor": frozenset(),         # a department's auditor: its own subtree only
        "ln_drafter": frozenset({"ln"}), "ca_drafter": frozenset({"ca"}), "ca_c1_drafter": frozenset({"ca_c1"}),
        "cb_drafter": frozenset({"cb"}), "cb_c1_drafter": frozenset({"cb_c1"}), "ca_executor": frozenset({"ca"}),
        # reviewers and advisers serve their own government only, never the one above
        "ln_reviewer": frozenset({"ln"}), "ln_adviser": frozenset({"ln"}), "ca_reviewer": frozenset({"ca"}),
        "ca_c1_reviewer": frozenset({"ca_c1"}), "ca_c1_adviser": frozenset({"ca_c1"}), "cb_reviewer": frozenset({"cb"}),
    })
    # experts: decisions in expert review within their pool's government
    out.update({f"ln_expert{i}": frozenset({"ca", "cb"}) for i in range(1, 4)})
    out.update({f"cb_expert{i}": frozenset({"cb"}) for i in range(1, 4)})
    return out


EXPECTED = expected()
USERS = sorted(EXPECTED)
OVERSIGHT = {u for u in USERS if u.split("_")[-1] in ORGAN_ROLES}


def title(key: str) -> str:
    return f"【{key.upper()}】草案：{dict(OFFICES_BY_CODE)[DECISIONS[key][0]]}重大事项"


OFFICES_BY_CODE = [(o[0], o[1]) for o in OFFICES]


@dataclass
class Province:
    ids: dict[str, int]
    codes: dict[str, str]

    def key_of(self, ident: int | str) -> str:
        for k, i in self.ids.items():
            if ident in (i, self.codes[k]):
                return k
        raise KeyError(ident)


def _ev(did: int, kind: str, user: str, **meta: str) -> None:
    service.add_evidence(did, kind=kind, filename=f"{kind}.pdf", data=PDF, meta=meta, as_user=user)


def _walk(key: str) -> int:
    organ, undertaker, target = DECISIONS[key]
    organ_user, drafter = f"{key}_organ", f"{key}_drafter"
    did = service.new_decision(title=title(key), organ=organ, undertaker=undertaker, category=2, source="department",
                               as_user=organ_user)["id"]
    _ev(did, "proposal", organ_user, source="department")
    _ev(did, "start_decision", organ_user, date="2026-03-02")
    if target == "proposed":
        return did
    service.advance(did, as_user=organ_user)
    values = {**ALL_NO, "professional_technical": "yes"}
    service.set_triggers(did, sets=values, reasons={k: "经研究不适用" for k, v in values.items() if v == "no"},
                         as_user=drafter)
    _ev(did, "draft", drafter, version="v1")
    _ev(did, "legal_basis", drafter, laws="《城乡规划法》")
    if target == "drafting":
        return did
    service.advance(did, as_user=drafter)
    _ev(did, "participation_activity", drafter, form="open_comment", start="2026-03-03", end="2026-04-02")
    _ev(did, "opinion_register", drafter, received="0", adopted="0", partially_adopted="0", not_adopted="0")
    at_least(COMMENT_PERIOD_OVER)  # the stage is left after its comment period (Art 15)
    service.advance(did, as_user=drafter)
    assert views.show(did)["state"] == target
    return did


def _build() -> Province:
    for code, name, level, parent, profile in OFFICES:
        directory.add_office(code, name, level, parent, profile)
    for g, code in GOVS.items():
        for r in ORGAN_ROLES:
            directory.add_user(f"{g}_{r}", f"{g}_{r}", code, [ROLE[r]])
    for username, office, roles in OTHER_USERS:
        directory.add_user(username, username, office, roles)
    ids = {k: _walk(k) for k in DECISIONS}
    for g, code in GOVS.items():   # a draft catalog item in every government, and one published in 乙市
        catalog.add_item(code, 2026, item_name=f"【{g.upper()}】目录草稿事项", as_user=f"{g}_organ")
    catalog.add_item("CB", 2027, item_name="【CB】已公布目录事项", as_user="cb_organ", target_date="2027-06-30")
    catalog.consent("CB", 2027, day="2026-02-20", ref="市委常委会会议纪要", as_user="cb_organ")
    catalog.publish("CB", 2027, day="2026-02-25", as_user="cb_organ")
    os.environ["JUECE_NOW"] = "2026-11-20T09:00:00+08:00"   # months later: stale drafts, reminders, escalations
    try:
        assert scheduled.run_once()["notifications"] > 0
    finally:
        os.environ["JUECE_NOW"] = NOW
    return Province(ids, {k: views.show(i)["code"] for k, i in ids.items()})


@pytest.fixture(scope="module")
def province(module_deployment) -> Iterator[Province]:  # noqa: ANN001
    with module_deployment():
        yield _build()


def keys_in(p: Province, text: str) -> set[str]:
    """The governments whose draft decision (by its 【KEY】 marker or code) appears in `text`."""
    return {k for k in DECISIONS if f"【{k.upper()}】草案" in text or p.codes[k] in text}


_COMMAND: list[Any] = []   # the click command of `juece`


def cli(*args: str, code: int = 0) -> str:
    """`juece ARGS` in-process. Typer's runner rebuilds the whole click command tree on every call (about 0.2 s,
    most of this module's thousand-odd calls); it is built once here and the runner handed that."""
    if not _COMMAND:
        _COMMAND.append(typer.main.get_command(cli_app))
    with pytest.MonkeyPatch.context() as mp:
        if hasattr(typer.testing, "_get_command"):
            mp.setattr(typer.testing, "_get_command", lambda _app: _COMMAND[0])
        result = runner.invoke(cli_app, list(args))
    assert result.exit_code == code, f"juece {' '.join(args)} -> {result.exit_code}\n{result.output}"
    return result.output


# ----------------------------------------------------------------- the read models of the workbench
def test_the_hand_written_table_covers_every_user(province):
    assert len(USERS) == len(GOVS) * len(ORGAN_ROLES) + len(OTHER_USERS)


@pytest.mark.parametrize("user", USERS)
def test_lists_search_and_decision_page(province, user):
    want = EXPECTED[user]
    rows = workbench.decisions(user, limit=100)
    assert {province.key_of(r["id"]) for r in rows["rows"]} == want and rows["total"] == len(want)
    assert {province.key_of(r["id"]) for r in workbench.decisions(user, query="草案")["rows"]} == want
    for key, did in province.ids.items():
        code = province.codes[key]
        assert workbench.decisions(user, query=code)["total"] == (key in want)
        assert workbench.can_view(user, did) == (key in want)
        if key in want:
            page = workbench.decision_page(did, user)
            assert page["title"] == title(key)
        else:
            with pytest.raises(NotPermitted) as exc:
                workbench.decision_page(did, user)
            # the refusal names the user, never the foreign decision's code (organ, year and count: issue 18)
            assert user in exc.value.message and code not in exc.value.message
            with pytest.raises(NotPermitted):
                workbench.meeting_context(did, user)
            with pytest.raises(NotPermitted):
                workbench.legality_package(did, user)


@pytest.mark.parametrize("user", USERS)
def test_tasks_inbox_and_ledger(province, user):
    want = EXPECTED[user]
    tasks = workbench.my_tasks(user, limit=100)
    assert {province.key_of(t["id"]) for t in tasks["tasks"]} <= want
    for t in tasks["tasks"]:   # a task is where the user acts, never by oversight alone
        assert t["roles"], t
    notes = deadline_views.inbox(user)
    for n in notes:
        if n["decision_id"]:
            assert province.key_of(n["decision_id"]) in want, (user, n["subject"])
        assert not keys_in(province, n["subject"] + n["body"]) - want, (user, n["subject"])
    for key, did in province.ids.items():
        staff = set(participation.VIEW_ROLES) | {"auditor", "admin"}
        roles = set(workbench.whoami(user)["roles"])
        if key in want and staff & roles:
            assert participation.ledger(did, as_user=user)["decision"]["code"] == province.codes[key]
        else:
            with pytest.raises(NotPermitted):
                participation.ledger(did, as_user=user)


def test_notifications_reach_only_those_who_may_read(province):
    from sqlmodel import select

    from decisions.accounts.models import User
    from decisions.deadlines.models import Notification
    from decisions.storage.unit_of_work import UnitOfWork

    with UnitOfWork() as uow:
        rows = uow.session.exec(select(Notification.user_id, Notification.decision_id, Notification.subject)).all()
        users = dict(uow.session.exec(select(User.id, User.username)).all())
    assert rows
    for user_id, decision_id, subject in rows:
        if decision_id:
            assert province.key_of(decision_id) in EXPECTED[users[user_id]], (users[user_id], subject)


@pytest.mark.parametrize("user", USERS)
def test_dashboard_report_and_catalog(province, user):
    want = EXPECTED[user]
    if user in OVERSIGHT or user == "ln_admin":
        dash = dashboard.dashboard(user)
        assert dash["total"] == len(want)
        assert not keys_in(province, json.dumps(dash["overdue"], ensure_ascii=False)) - want
        figures = report.yearly(2026, as_user=user)
        assert figures["decisions"] == len(want)
        assert not keys_in(province, json.dumps(figures, ensure_ascii=False)) - want
    else:
        with pytest.raises(NotPermitted):
            dashboard.dashboard(user)
        with pytest.raises(NotPermitted):
            report.yearly(2026, as_user=user)
    # catalog drafts: of the organs the user oversees or works for; published items of every organ
    overview = catalog_views.catalog_overview(user)
    names = {i["item_name"] for i in overview["items"]}
    drafts = {n[1:n.index("】")].lower() for n in names if "目录草稿" in n}
    assert "【CB】已公布目录事项" in names
    if user == "ln_admin":
        assert drafts == set(GOVS)
    else:   # the subtree one oversees, and the government one's office works for
        assert drafts == (set(want) if user in OVERSIGHT else set()) | _served(user), drafts
    listed = {i["item_name"] for i in catalog.items(as_user=user)}
    assert listed == names


def _served(user: str) -> set[str]:
    office = workbench.whoami(user)["office"]
    gov = {"LN-DRC": "ln", "LN-SFT": "ln", "LN-EXP": "ln", "CA-DRC": "ca", "CA-SFJ": "ca", "CA-C1-DRC": "ca_c1",
           "CA-C1-SFJ": "ca_c1", "CB-DRC": "cb", "CB-SFJ": "cb", "CB-EXP": "cb", "CB-C1-DRC": "cb_c1"}
    return {gov[office]} if office in gov else {k for k, v in GOVS.items() if v == office}


def test_dossier_follows_the_read_scope(province):
    ids = province.ids
    assert archive.generate_dossier(ids["cb_c1"], as_user="ln_auditor")["pages"] >= 1      # the whole province
    assert archive.generate_dossier(ids["ca_c1"], as_user="ca_archivist")["pages"] >= 1    # a subordinate's, read-only
    for user, key in [("cb_auditor", "ca"), ("ca_c1_archivist", "ca"), ("ca_c1_organ", "ln"), ("cb_head", "ca_c1"),
                      ("ca_dept_auditor", "ca"), ("ca_drafter", "ca"), ("ln_admin", "ln")]:
        with pytest.raises(NotPermitted) as exc:
            archive.generate_dossier(ids[key], as_user=user)
        assert user in exc.value.message


# ----------------------------------------------------------------- superiors and auditors read, never act
@pytest.mark.parametrize(("user", "key"), [("ln_organ", "ca"), ("ln_head", "cb_c1"), ("ca_organ", "ca_c1"),
                                           ("ca_secretary", "ca_c1"), ("ln_auditor", "ln"), ("ca_auditor", "ca"),
                                           ("ln_archivist", "cb"), ("cb_head", "cb_c1")])
def test_superiors_and_auditors_cannot_act(province, user, key):
    did = province.ids[key]
    before = views.show(did)
    assert workbench.decision_page(did, user)["actions"] == {"roles": [], "can_advance": False,
                                                             "can_set_triggers": False, "kinds": [], "side": [],
                                                             "meeting": False}
    with pytest.raises(NotPermitted):
        service.advance(did, as_user=user)
    with pytest.raises(NotPermitted):
        service.add_evidence(did, kind="draft", filename="d.pdf", data=PDF, meta={"version": "v9"}, as_user=user)
    with pytest.raises(NotPermitted):
        service.side_transition(did, action="withdraw", reason="越权撤回", as_user=user)
    cli("advance", str(did), "--as", user, code=4)
    after = views.show(did)
    assert (after["state"], after["version"], len(after["audit"])) == (before["state"], before["version"],
                                                                       len(before["audit"]))


@pytest.mark.parametrize(("user", "key", "applies"), [
    ("ca_reviewer", "ca", True), ("ca_c1_reviewer", "ca", False), ("ln_reviewer", "ca", False),
    ("ca_reviewer", "ca_c1", False), ("ca_c1_reviewer", "ca_c1", True), ("ca_c1_adviser", "ca", False),
    ("ca_archivist", "ca_c1", False), ("ca_c1_archivist", "ca_c1", True)])
def test_acting_scope_stops_at_a_subordinate_government(province, user, key, applies):
    """A reviewer, adviser or archivist acts for the government its office serves: a county's justice bureau
    never reviews a city decision, a city's never a county's (service.scope_of = scope.decision_scope)."""
    from decisions.accounts.permissions import role_applies
    from decisions.accounts.service import actor_for
    from decisions.storage.unit_of_work import UnitOfWork

    with UnitOfWork() as uow:
        actor = actor_for(uow.session, user)
        scope = service.scope_of(uow.session, service.get_decision(uow.session, province.ids[key]))
        assert [role_applies(r, actor, scope) for r in actor.roles] == [applies]


# ----------------------------------------------------------------- the CLI read commands with --as
@pytest.mark.parametrize("user", ["ln_auditor", "ca_organ", "ca_c1_head", "cb_drafter", "ca_c1_reviewer",
                                  "ln_expert1", "cb_expert1", "ca_dept_auditor", "ln_admin"])
def test_cli_read_commands_with_as(province, user, tmp_path):
    want = EXPECTED[user]
    listed = json.loads(cli("list", "--as", user, "--json"))
    assert {province.key_of(r["id"]) for r in listed} == want
    for key, did in province.ids.items():
        if key in want:
            assert json.loads(cli("show", str(did), "--as", user, "--json"))["title"] == title(key)
        else:
            out = cli("show", province.codes[key], "--as", user, code=4)
            assert user in out and f"#{did}" in out and "/" in out   # 中文 / English, naming both
            assert title(key) not in out
            out = cli("dossier", str(did), "-o", str(tmp_path / "x.pdf"), "--as", user, code=4)
            assert user in out and f"#{did}" in out and province.codes[key] not in out
            assert not (tmp_path / "x.pdf").exists()
    if user in OVERSIGHT or user == "ln_admin":
        assert json.loads(cli("report", "--year", "2026", "--as", user, "--json"))["decisions"] == len(want)
    else:
        assert user in cli("report", "--year", "2026", "--as", user, code=4)
    items = json.loads(cli("catalog", "list", "CA", "2026", "--as", user, "--json"))
    assert bool(items) == (user in ("ln_auditor", "ca_organ", "ln_admin", "ca_dept_auditor"))  # CA-DRC serves CA
    versions = json.loads(cli("catalog", "versions", "CA", "2026", "--as", user, "--json"))
    assert bool(versions) == bool(items)


def test_cli_without_as_is_the_operator(province):
    assert {province.key_of(r["id"]) for r in json.loads(cli("list", "--json"))} == ALL
    for did in province.ids.values():
        assert json.loads(cli("show", str(did), "--json"))["id"] == did
    assert json.loads(cli("report", "--year", "2026", "--json"))["decisions"] == len(ALL)
    assert json.loads(cli("report", "--year", "2026", "--organ", "CA", "--json"))["decisions"] == 2
    assert "ca_organ" in cli("report", "--year", "2026", "--organ", "CB", "--as", "ca_organ", code=4)
    assert json.loads(cli("report", "--year", "2026", "--organ", "CA-C1", "--as", "ca_organ", "--json"))[
        "decisions"] == 1
    assert len(json.loads(cli("catalog", "list", "CA", "2026", "--json"))) == 1
    rows = json.loads(cli("deadlines", "--json"))
    assert {province.key_of(r["decision_id"]) for r in rows if r["decision_id"]} == ALL
    assert {r["catalog_item_id"] for r in rows if r["catalog_item_id"]} == {_published_item()}
    verified = json.loads(cli("verify", "--json"))
    assert verified["ok"] and "0" in verified["heads"] and "scope" not in verified
    assert {province.key_of(int(c)) for c in verified["heads"] if c != "0"} == ALL
    for key, did in province.ids.items():
        assert {r["decision"] for r in json.loads(cli("deadlines", str(did), "--json"))} == {province.codes[key]}
        assert json.loads(cli("decision", "after", str(did), "--json"))["id"] == did
        assert json.loads(cli("feedback", "list", str(did), "--json")) == []
        assert json.loads(cli("catalog", "compare", str(did), "--json"))["title"] == title(key)
        assert json.loads(cli("verify", str(did), "--json"))["ok"]


# ----------------------------------------------------------------- deadlines, after, feedback, compare, verify
def _published_item() -> int:
    return catalog.items("CB", 2027)[0]["id"]


def _drafts_read(user: str) -> set[str]:
    """The governments whose catalog drafts the user reads (the rule `catalog list --as` follows)."""
    if user == "ln_admin":
        return set(GOVS)
    return (set(EXPECTED[user]) if user in OVERSIGHT else set()) | _served(user)


def _refused(p: Province, out: str, user: str, key: str) -> None:
    """Exit 4 names the user and the decision's number (中文 / English) and prints nothing of the decision."""
    assert user in out and f"#{p.ids[key]}" in out and "/" in out, out
    assert title(key) not in out and f"【{key.upper()}】" not in out, out


@pytest.mark.parametrize("user", USERS)
def test_cli_deadlines_after_feedback_compare_verify_with_as(province, user):
    """`deadlines ID`, `decision after ID`, `feedback list ID`, `catalog compare ID` and `verify ID` with --as:
    every draft in the user's scope is shown, every other refused with exit 4; `deadlines` and `verify` without
    an ID cover exactly the decisions in scope (verify also says how many it left out)."""
    want = EXPECTED[user]
    for key, did in province.ids.items():
        code = province.codes[key]
        if key in want:
            rows = json.loads(cli("deadlines", str(did), "--as", user, "--json"))
            assert rows and {(r["decision"], r["decision_id"]) for r in rows} == {(code, did)}
            assert code in cli("deadlines", code, "--as", user)
            after = json.loads(cli("decision", "after", code, "--as", user, "--json"))
            assert (after["id"], after["code"], after["state"]) == (did, code, DECISIONS[key][2])
            assert json.loads(cli("feedback", "list", str(did), "--as", user, "--json")) == []
            compared = json.loads(cli("catalog", "compare", code, "--as", user, "--json"))
            assert (compared["id"], compared["title"], compared["in_catalog"]) == (did, title(key), False)
            checked = json.loads(cli("verify", str(did), "--as", user, "--json"))
            assert checked["ok"] and set(checked["heads"]) == {str(did)}, checked
        else:
            for args in (("deadlines", str(did)), ("deadlines", code), ("decision", "after", str(did)),
                         ("feedback", "list", code), ("catalog", "compare", str(did)), ("verify", code),
                         ("verify", str(did), "--json")):
                _refused(province, cli(*args, "--as", user, code=4), user, key)

    rows = json.loads(cli("deadlines", "--as", user, "--json"))
    assert {province.key_of(r["decision_id"]) for r in rows if r["decision_id"]} == want
    assert {r["catalog_item_id"] for r in rows if r["catalog_item_id"]} == {_published_item()}  # public
    assert not keys_in(province, json.dumps(rows, ensure_ascii=False)) - want
    assert keys_in(province, cli("deadlines", "--as", user)) == want

    verified = json.loads(cli("verify", "--as", user, "--json"))
    assert verified["ok"], verified["problems"]
    assert {province.key_of(int(c)) for c in verified["heads"] if c != "0"} == want
    assert verified["evidence_checked"] == sum(len(views.show(province.ids[k])["evidence"]) for k in want)
    if user == "ln_admin":   # admin reads everything: the system chain too
        assert "0" in verified["heads"]
        assert verified["scope"] == {"user": user, "decisions_checked": len(ALL), "decisions_out_of_scope": 0,
                                     "system_chain_checked": True}
    else:
        assert "0" not in verified["heads"]
        assert verified["scope"] == {"user": user, "decisions_checked": len(want),
                                     "decisions_out_of_scope": len(ALL) - len(want), "system_chain_checked": False}
        human = cli("verify", "--as", user)
        assert f"另有 {len(ALL) - len(want)} 项决策" in human and f"{len(ALL) - len(want)} decisions" in human


def test_catalog_drafts_stay_hidden_in_compare_and_deadlines(province, tmp_path):
    """`catalog compare` and `deadlines` follow `catalog list --as` for catalog items: a decision linked to an
    unpublished item of an organ whose drafts the user may not read is refused (exit 4, naming the user and the
    item), and the deadline rows of such items are left out. For the test only, the 甲市 draft decision is
    linked to the 甲市 draft item and every draft item gets a deadline row (the worker watches published items
    only); both are undone afterwards."""
    from sqlalchemy import delete, update
    from sqlmodel import col

    from decisions.deadlines.models import Deadline
    from decisions.procedure.models import Decision
    from decisions.storage.unit_of_work import UnitOfWork

    drafts = {i["item_name"][1:i["item_name"].index("】")].lower(): i["id"] for i in catalog.items(year=2026)}
    assert set(drafts) == set(GOVS)
    with UnitOfWork() as uow:
        uow.session.execute(update(Decision).where(Decision.id == province.ids["ca"])
                            .values(catalog_item_id=drafts["ca"]))
        for g, item in drafts.items():
            uow.session.add(Deadline(key=f"test-draft:{item}", rule="catalog_target", type="catalog_target",
                                     catalog_item_id=item, title=f"【{g.upper()}】目录草稿事项 计划决策日期",
                                     article="Art 3¶3", due="2026-06-30", remind_on="2026-06-01",
                                     created_at="2026-03-02T09:00:00+08:00"))
        uow.commit()
    try:
        assert json.loads(cli("catalog", "compare", str(province.ids["ca"]), "--json"))["catalog_item"]["id"]             == drafts["ca"]
        for user in USERS:
            seen = _drafts_read(user)
            rows = json.loads(cli("deadlines", "--as", user, "--json"))
            assert {r["catalog_item_id"] for r in rows if r["catalog_item_id"]} ==                 {drafts[g] for g in seen} | {_published_item()}, user
            if "ca" not in EXPECTED[user]:
                _refused(province, cli("catalog", "compare", "--as", user, str(province.ids["ca"]), code=4), user,
                         "ca")
            elif "ca" in seen:
                compared = json.loads(cli("catalog", "compare", str(province.ids["ca"]), "--as", user, "--json"))
                assert compared["catalog_item"]["item_name"] == "【CA】目录草稿事项"
            else:   # the experts of the province's pool: the decision in expert review, not 甲市's catalog draft
                out = cli("catalog", "compare", str(province.ids["ca"]), "--as", user, code=4)
                assert user in out and f"#{drafts['ca']}" in out and "CA" in out and "目录草稿事项" not in out
        assert {u for u in USERS if "ca" in EXPECTED[u] and "ca" not in _drafts_read(u)} == \
            {"ln_expert1", "ln_expert2", "ln_expert3"}
        assert "--dossier" in cli("verify", "--dossier", str(tmp_path / "x.pdf"), "--as", "ca_organ", code=2)
    finally:
        with UnitOfWork() as uow:
            uow.session.execute(update(Decision).where(Decision.id == province.ids["ca"]).values(catalog_item_id=None))
            uow.session.execute(delete(Deadline).where(col(Deadline.key).like("test-draft:%")))
            uow.commit()


# ----------------------------------------------------------------- the Streamlit pages
def page(user: str, name: str, decision: int | None = None) -> AppTest:
    return open_app(user, name, decision, timeout=120)


@pytest.mark.parametrize("user", ["cb_drafter", "ca_organ", "ln_auditor", "ca_c1_reviewer", "ln_expert1"])
def test_pages_show_only_what_the_user_may_read(province, user):
    want = EXPECTED[user]
    for name in ("inbox", "decisions", "catalog", "opinion_ledger"):
        text = shown(page(user, name))
        assert not keys_in(province, text) - want, (name, keys_in(province, text) - want)
    listing = shown(page(user, "decisions"))
    assert keys_in(province, listing) == want and f"合计: {len(want)}" in listing
    for key, did in province.ids.items():   # a decision id in the session (a bookmark, a shared link)
        text = shown(page(user, "decision", decision=did))
        if key in want:
            assert title(key) in text
        else:
            assert title(key) not in text and "无权" in text
    if user in OVERSIGHT:
        dash = shown(page(user, "dashboard"))
        assert f"决策总数 {len(want)}" in dash and not keys_in(province, dash) - want
        archive_page = shown(page(user, "archive"))
        assert not keys_in(province, archive_page) - want


def test_superior_sees_the_subordinate_decision_read_only_in_the_page(province):
    at = page("ca_organ", "decision", decision=province.ids["ca_c1"])
    assert title("ca_c1") in shown(at)
    assert "advance" not in {b.key for b in at.button}
    assert not [f for f in at.get("file_uploader")] and not at.get("form")
