"""AppTest tests of the two participation pages: the public consultation page (no login) and the staff
opinion ledger. User text never reaches the page as HTML or live markdown."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from decisions.participation import public
from decisions.participation import service as participation
from tests.apptest import APP, open_app
from tests.helpers import Walker, set_now

SCRIPT = "<script>alert(1)</script>**粗体** [链接](http://evil.example)"


@pytest.fixture(autouse=True)
def _client_address(monkeypatch):  # noqa: ANN001, ANN202
    """AppTest has no connection, so no client address: the page would refuse every opinion (it keys the rate
    limit on the address, never on the session); a served page has its peer (tests/test_browser_*)."""
    from ui import common

    monkeypatch.setattr(common, "client_address", lambda: "198.51.100.23")


def page(name: str, user: str | None = None, decision: int | None = None) -> AppTest:
    return open_app(user, name, decision)


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def button(at: AppTest, label: str):  # noqa: ANN201
    return next(b for b in at.button if b.label == label)


def click(at: AppTest, label: str) -> AppTest:
    button(at, label).click()
    return run(at)


def setup(org) -> tuple[int, dict]:  # noqa: ANN001
    w = Walker().new().walk_to("public_participation")
    c = participation.open_consultation(w.id, start="2026-03-03", end="2026-03-20", explanation="说明 <b>x</b>",
                                        shortened_reason="汛期前须完成", as_user="drafter")
    return w.id, c


def markdown_and_alerts(at: AppTest) -> str:
    return "\n".join(str(e.value) for kind in ("markdown", "success", "error", "info", "caption", "title")
                     for e in getattr(at, kind))


def test_public_page_takes_an_opinion_and_gives_a_receipt(org):
    did, c = setup(org)
    set_now("2026-03-05T10:00:00+08:00")
    at = page("public_consultation")
    texts = "\n".join(str(t.value) for t in at.text)
    assert "汛期前须完成" in texts and "2026-03-20" in texts
    at.text_area(key=f"op_text_{c['id']}").input(SCRIPT)
    click(at, "提交意见")
    ok = [s.value for s in at.success]
    assert ok and "回执号：YJ-" in ok[0]
    receipt = ok[0].split("回执号：")[1].split("（")[0]
    led = participation.ledger(did, as_user="drafter")
    assert led["opinions"][0]["receipt"] == receipt and led["opinions"][0]["content"] == SCRIPT
    assert "<script>" not in markdown_and_alerts(at)
    # an empty opinion is refused on the page, nothing stored
    click(at, "提交意见")
    assert at.error and "为空" in at.error[0].value
    assert len(participation.ledger(did, as_user="drafter")["opinions"]) == 1
    # look-up by receipt: shown as plain text
    at.text_input(key="lookup_receipt").input(receipt)
    click(at, "查询")
    assert any(SCRIPT in str(t.value) for t in at.text)


def test_public_page_form_closes_by_itself(org):
    did, c = setup(org)
    at = page("public_consultation")
    assert not at.text_area and "2026-03-03 起可提交意见" in markdown_and_alerts(at)
    set_now("2026-03-21T00:00:00+08:00")
    at = page("public_consultation")
    assert not at.text_area and "征求意见已于 2026-03-20 截止" in markdown_and_alerts(at)


def test_ledger_page_for_the_undertaking_unit(org):
    did, c = setup(org)
    set_now("2026-03-05T10:00:00+08:00")
    public.submit_opinion(c["id"], content=SCRIPT, client="ip:1")
    at = page("opinion_ledger", user="drafter", decision=did)
    assert {m.label: m.value for m in at.metric}["收到"] == "1"
    df = at.dataframe[0].value
    assert SCRIPT in list(df["意见"])
    assert "<script>" not in markdown_and_alerts(at)
    # enter a letter
    at.text_area(key="add_content").input("来信意见")
    at.selectbox(key="add_channel").set_value("letter")
    click(at, "登记")
    assert {m.label: m.value for m in at.metric}["收到"] == "2"
    # no disposition chosen: asked for, nothing defaulted (a default once overwrote a 部分采纳 with 采纳)
    at.checkbox(key="disp_all").check()
    at.text_area(key="disp_reason").input("已研究")
    click(at, "保存处理结果")
    assert at.error and "请选择处理结果" in at.error[0].value
    # disposition without a reason: refused on the page
    at.text_area(key="disp_reason").input("")
    at.selectbox(key="disp_value").set_value("adopted")
    click(at, "保存处理结果")
    assert at.error and "理由" in at.error[0].value
    at.checkbox(key="disp_all").check()
    at.text_area(key="disp_reason").input("已研究")
    at.selectbox(key="disp_value").set_value("partially_adopted")
    click(at, "保存处理结果")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["部分采纳"] == "2" and metrics["待处理"] == "0"
    # the next row starts empty: the last selection is not kept
    assert at.selectbox(key="disp_value").value is None and at.text_area(key="disp_reason").value == ""
    # the register is refused while the period runs (shown with its article)
    click(at, "生成并提交登记表")
    assert at.error and "第十五条" in at.error[0].value


def test_ledger_page_refuses_outsiders(org):
    did, _c = setup(org)
    at = page("opinion_ledger", user="drafter2", decision=did)
    assert at.error and "无权" in at.error[0].value
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    try:  # not registered without login: the navigation refuses the page, or the page asks for a login
        at.switch_page("pages/opinion_ledger.py")
        at.run()
        assert at.exception or at.warning
    except Exception:  # noqa: BLE001, S110
        pass
    assert not at.dataframe
