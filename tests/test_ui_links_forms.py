"""The workbench as civil servants expect it (items 4 and 5), in AppTest: an address opens a decision (after the
permission check), the page stays on the decision acted on, upload forms are emptied after a save and ask before
the same file twice, irreversible steps ask for a tick, the undertaking-unit picker offers the organ's own offices,
the opinion ledger starts every row afresh; and the server-side sessions behind the refresh."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from decisions import clock
from decisions.accounts import service as directory
from decisions.accounts import sessions
from decisions.procedure import views
from tests.apptest import APP, open_decision_tab, shown
from tests.helpers import PDF, Walker


def opened(user: str, query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["juece_user"] = user
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def click(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_an_address_opens_the_decision_and_its_file(org):
    w = Walker().new("地址打开的决策")
    w.do_proposed()
    other = Walker().new("另一项决策")
    proposal = [e for e in views.show(w.id)["evidence"] if e["kind"] == "proposal"][0]
    at = opened("organ", {"d": str(w.id), "file": str(proposal["id"])})
    assert at.header and "地址打开的决策" in at.header[0].value
    assert at.selectbox(key=f"dec_file_{w.id}").value == proposal["id"]
    assert at.query_params.get("d") in (str(w.id), [str(w.id)])
    assert other.id != w.id


def test_an_address_to_a_decision_out_of_scope_is_refused(org):
    directory.add_office("TOWN", "示例镇人民政府", "township")
    directory.add_user("towner", "镇干部", "TOWN", ["drafter"])
    w = Walker().new("不在本镇范围内的决策")
    at = opened("towner", {"d": str(w.id)})
    assert any("无权" in e.value for e in at.error)
    assert "不在本镇范围内的决策" not in shown(at)


def test_the_page_stays_on_the_decision_acted_on(org):
    first = Walker().new("先建的决策")
    second = Walker().new("后建的决策")
    second.do_proposed()
    at = opened("organ", {"d": str(first.id)})
    first.do_proposed()  # the first decision is changed: the list's order moves
    at.query_params.clear()
    at.run()
    click(at, "推进到下一阶段")
    assert any("已推进" in s.value for s in at.success)
    assert "先建的决策" in at.header[0].value, at.header[0].value
    assert views.show(second.id)["state"] == "proposed"


def _upload(at: AppTest, did: int, key_suffix: str = "") -> AppTest:
    at.selectbox(key=f"ev_kind_{did}").set_value("legal_basis")
    at.run()
    at.text_input(key=f"ev_{did}_legal_basis{key_suffix}_laws").input("《城乡规划法》")
    at.file_uploader(key=f"ev_file_{did}_legal_basis{key_suffix}").set_value(("依据.pdf", PDF, "application/pdf"))
    return click(at, "保存材料")


def test_upload_form_is_emptied_and_asks_before_the_same_file_again(org):
    w = Walker().new()
    w.do_proposed()
    w.advance("organ")
    at = open_decision_tab(opened("drafter", {"d": str(w.id)}), "材料")
    _upload(at, w.id)
    assert any("材料已保存" in s.value for s in at.success)
    count = lambda: [e["kind"] for e in views.show(w.id)["evidence"]].count("legal_basis")  # noqa: E731
    assert count() == 1
    # the form is a new, empty one: the saved file is not there to be stored a second time
    assert at.text_input(key=f"ev_{w.id}_legal_basis_1_laws").value == ""
    click(at, "保存材料")
    assert count() == 1
    _upload(at, w.id, "_1")  # the same bytes again
    assert any("此文件已上传过，仍要再次上传吗？" in x.value for x in at.warning)
    assert count() == 1
    click(at, "仍要上传")
    assert count() == 2


def test_void_from_the_page_needs_reason_and_tick(org):
    w = Walker().new()
    w.do_proposed()
    w.advance("organ")
    basis = w.ev("legal_basis", laws="《城乡规划法》")
    at = open_decision_tab(opened("drafter", {"d": str(w.id)}), "材料")
    at.text_input(key=f"void_reason_{w.id}_{basis['id']}").input("传错了")
    click(at, "作废")
    assert "此操作不可撤销：请先勾选确认。" in [e.value for e in at.error]
    assert not [e for e in views.show(w.id)["evidence"] if e["void"]]
    at.checkbox(key=f"void_sure_{w.id}_{basis['id']}").check()
    click(at, "作废")
    assert [e["void"] for e in views.show(w.id)["evidence"] if e["id"] == basis["id"]] == ["传错了"]


def test_new_decision_picker_offers_only_the_organs_offices(org):
    at = opened("organ")
    at.switch_page("pages/new.py")
    at.run()
    options = at.selectbox(key="new_undertaker").options
    assert any("发展和改革委员会" in o for o in options)
    assert not any("研究院" in o for o in options), options  # an expert pool is no office of the government


def test_sessions_resume_lapse_and_revoke(org):
    opened_ = sessions.open_session("drafter")
    assert sessions.resume_session("nonsense") is None
    cookie = sessions.claim_session(opened_["handoff"])
    with pytest.raises(Exception):  # noqa: B017 - the code is single-use
        sessions.claim_session(opened_["handoff"])
    assert sessions.resume_session(cookie) == {"id": opened_["id"], "username": "drafter"}
    sid, token, sig = cookie.split(".")
    assert sessions.resume_session(f"{sid}.{token}x.{sig}") is None  # a changed token: signature fails
    assert sessions.resume_session(f"{int(sid) + 1}.{token}.{sig}") is None
    later = clock.now() + timedelta(minutes=31)
    with clock.frozen(later):
        assert sessions.resume_session(cookie) is None  # idle longer than JUECE_SESSION_IDLE_MINUTES
    directory.set_password("drafter", "a-new-password-42")
    assert sessions.resume_session(cookie) is None  # a new password revokes every sign-in
    second = sessions.open_session("drafter")
    cookie2 = sessions.claim_session(second["handoff"])
    assert sessions.session_alive(second["id"])
    directory.disable_user("drafter", as_user="admin")
    assert sessions.resume_session(cookie2) is None and not sessions.session_alive(second["id"])
    assert isinstance(later, datetime)
