"""Public participation online (issue 8): the comment period by its dates, one ledger for the public page
and staff, dispositions gating the stage (Art 18), the generated register and feedback, moderation,
bad input refused with nothing stored, HTML kept as text."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from decisions.cli import app as cli_app
from decisions.errors import BadInput, Blocked, IntegrityFailure, NotFound, NotPermitted
from decisions.participation import public
from decisions.participation import service as participation
from decisions.participation.models import Opinion
from decisions.procedure import service, views
from decisions.records import evidence_store
from decisions.records.models import AuditEvent
from decisions.storage.unit_of_work import UnitOfWork
from tests.helpers import Walker, set_now

SCRIPT = "<script>alert('x')</script><b>粗体</b> & <i>"
runner = CliRunner()


def pdftext(data: bytes, tmp: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    p = tmp / "doc.pdf"
    p.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(p), "-"], capture_output=True, text=True, check=True).stdout


def in_participation(org) -> Walker:  # noqa: ANN001
    return Walker().new().walk_to("public_participation")


def opened(org, start: str = "2026-03-03", end: str = "2026-04-02", **kw) -> tuple[Walker, dict]:  # noqa: ANN001
    w = in_participation(org)
    c = participation.open_consultation(w.id, start=start, end=end, explanation="草案起草说明：" + SCRIPT,
                                        as_user="drafter", **kw)
    return w, c


def count_opinions() -> int:
    with UnitOfWork() as uow:
        return len(uow.session.exec(select(Opinion)).all())


def test_consultation_opens_and_closes_by_its_dates(org):
    w, c = opened(org)
    assert c["status"] == "upcoming"
    with pytest.raises(BadInput, match="尚未开始"):
        public.submit_opinion(c["id"], content="太早了", client="ip:1")
    assert count_opinions() == 0
    set_now("2026-03-03T00:00:01+08:00")
    assert public.public_consultations()[0]["status"] == "open"
    r = public.submit_opinion(c["id"], content="第一天的意见", client="ip:1")
    assert r["receipt"].startswith("YJ-")
    set_now("2026-04-02T23:59:00+08:00")
    public.submit_opinion(c["id"], content="最后一天的意见", client="ip:2")
    set_now("2026-04-03T00:00:00+08:00")
    assert public.public_consultations()[0]["status"] == "closed"
    with pytest.raises(BadInput, match="已于2026-04-02截止"):
        public.submit_opinion(c["id"], content="晚了", client="ip:3")
    assert count_opinions() == 2
    # the notice is the stage's participation_activity with the dates
    ev = [e for e in views.show(w.id)["evidence"] if e["kind"] == "participation_activity"]
    assert ev[-1]["meta"] == {"form": "open_comment", "start": "2026-03-03", "end": "2026-04-02"}


def test_thirty_day_rule_and_the_shortening_reason_in_the_notice(org, tmp_path):
    w = in_participation(org)
    with pytest.raises(Blocked) as exc:
        participation.open_consultation(w.id, start="2026-03-03", end="2026-03-13", explanation="说明",
                                        as_user="drafter")
    assert exc.value.unmet[0].article == "Art 15" and "30日" in exc.value.unmet[0].message
    with pytest.raises(BadInput, match="早于今天"):
        participation.open_consultation(w.id, start="2026-03-01", end="2026-04-30", explanation="说明",
                                        as_user="drafter")
    c = participation.open_consultation(w.id, start="2026-03-03", end="2026-03-13", explanation="说明",
                                        shortened_reason="防汛工作紧急", as_user="drafter")
    assert public.public_consultations()[0]["shortened_reason"] == "防汛工作紧急"
    notice = next(e for e in views.show(w.id)["evidence"] if e["id"] == c["notice_evidence_id"])
    assert notice["meta"]["shortened_reason"] == "防汛工作紧急"
    text = pdftext(evidence_store.read(notice["sha256"]), tmp_path)
    assert "防汛工作紧急" in text and "2026-03-13" in text


def test_only_the_undertaking_unit_opens_and_disposes(org):
    w = in_participation(org)
    with pytest.raises(NotPermitted):
        participation.open_consultation(w.id, start="2026-03-03", end="2026-04-02", explanation="说明",
                                        as_user="reviewer")
    with pytest.raises(NotPermitted):
        participation.add_opinion(w.id, channel="letter", content="x", as_user="executor")


def test_public_and_staff_opinions_land_in_one_ledger(org):
    w, c = opened(org)
    set_now("2026-03-10T10:00:00+08:00")
    web = public.submit_opinion(c["id"], content="建议增加停车位", name="张三", contact="13800000000",
                                       client="ip:10.0.0.1")
    letter = participation.add_opinion(w.id, channel="letter", content="来信：建议保留老街巷", name="李四",
                                       received="2026-03-08", as_user="drafter")
    hearing = participation.add_opinion(w.id, channel="hearing", content="听证会：多数代表支持", as_user="drafter")
    led = participation.ledger(w.id, as_user="drafter")
    assert [(o["receipt"], o["channel"]) for o in led["opinions"]] == [
        (web["receipt"], "web"), (letter["receipt"], "letter"), (hearing["receipt"], "hearing")]
    assert led["counts"]["received"] == 3 and led["counts"]["pending"] == 3
    assert led["opinions"][1]["entered_by"] == "drafter" and led["opinions"][0]["entered_by"] == ""
    with pytest.raises(BadInput, match="channel"):
        participation.add_opinion(w.id, channel="web", content="x", as_user="drafter")
    # the reviewer may read the ledger, an unrelated drafter may not
    assert participation.ledger(w.id, as_user="reviewer")["counts"]["received"] == 3
    with pytest.raises(NotPermitted):
        participation.ledger(w.id, as_user="drafter2")
    actions = [e["action"] for e in views.show(w.id)["audit"]]
    assert actions.count("opinion") == 3


def _walk_with_ledger(org) -> tuple[Walker, dict, list[int]]:  # noqa: ANN001
    w, c = opened(org)
    set_now("2026-03-10T10:00:00+08:00")
    for i in range(3):
        public.submit_opinion(c["id"], content=f"网上意见{i}", client=f"ip:{i}")
    participation.add_opinion(w.id, channel="symposium", content="座谈会意见", as_user="drafter")
    ids = [o["id"] for o in participation.ledger(w.id, as_user="drafter")["opinions"]]
    return w, c, ids


def test_stage_refuses_to_end_with_undispositioned_opinions(org):
    w, c, ids = _walk_with_ledger(org)
    set_now("2026-04-03T09:00:00+08:00")
    w.ev("opinion_register", received=4, adopted=4, partially_adopted=0, not_adopted=0)  # typed by hand
    with pytest.raises(Blocked) as exc:
        w.advance()
    pending = [u for u in exc.value.unmet if u.requirement == "public_participation.ledger.pending"]
    assert pending and pending[0].article == "Art 18" and "4条意见未作出采纳处理" in pending[0].message
    with pytest.raises(Blocked, match="未作出采纳处理"):
        participation.generate_register(w.id, as_user="drafter")
    # the CLI says the same with exit 3
    r = runner.invoke(cli_app, ["advance", str(w.id), "--as", "drafter", "--json"])
    assert r.exit_code == 3
    assert any(u["article"] == "Art 18" and u["requirement"].endswith("ledger.pending")
               for u in json.loads(r.stdout)["blocked"])
    participation.dispose(w.id, ids[:2], disposition="adopted", reason="合理，已吸收", as_user="drafter")
    participation.dispose(w.id, ids[2:], disposition="not_adopted", reason="与上位法不符", as_user="drafter")
    # every opinion has a disposition, but the hand-typed register does not match the ledger
    with pytest.raises(Blocked) as exc:
        w.advance()
    assert [u.requirement for u in exc.value.unmet] == ["public_participation.opinion_register.from_ledger",
                                                         "public_participation.ledger.register"]
    participation.generate_register(w.id, as_user="drafter")
    assert w.advance()["from"] == "public_participation"


def test_register_only_after_the_period_and_disposition_needs_reason(org):
    w, c, ids = _walk_with_ledger(org)
    with pytest.raises(Blocked) as exc:
        participation.generate_register(w.id, as_user="drafter")
    assert exc.value.unmet[0].article == "Art 15"
    with pytest.raises(BadInput, match="理由"):
        participation.dispose(w.id, ids, disposition="adopted", reason=" ", as_user="drafter")
    with pytest.raises(BadInput, match="disposition"):
        participation.dispose(w.id, ids, disposition="maybe", reason="x", as_user="drafter")
    with pytest.raises(NotFound):
        participation.dispose(w.id, [999], disposition="adopted", reason="x", as_user="drafter")


def test_generated_summary_counts_match_the_ledger(org, tmp_path):
    w, c, ids = _walk_with_ledger(org)
    draft2 = w.ev("draft", version="修改稿")["id"]
    participation.dispose(w.id, ids[:1], disposition="adopted", reason="已吸收", group="停车", draft_evidence_id=draft2,
                          as_user="drafter")
    participation.dispose(w.id, ids[1:3], disposition="partially_adopted", reason="部分吸收", group="停车",
                          draft_evidence_id=draft2, as_user="drafter")
    participation.dispose(w.id, ids[3:], disposition="not_adopted", reason="超出本决策范围", as_user="drafter")
    set_now("2026-04-03T09:00:00+08:00")
    with pytest.raises(Blocked, match="阶段结束后"):
        participation.generate_feedback(w.id, as_user="drafter")
    reg = participation.generate_register(w.id, as_user="drafter")
    led = participation.ledger(w.id, as_user="drafter")
    n = led["counts"]
    assert reg["meta"] == {"received": n["received"], "adopted": n["adopted"],
                           "partially_adopted": n["partially_adopted"], "not_adopted": n["not_adopted"],
                           "generated_from": "ledger"}
    assert reg["meta"] == {"received": 4, "adopted": 1, "partially_adopted": 2, "not_adopted": 1,
                           "generated_from": "ledger"}
    assert led["register_current"] and led["opinions"][0]["draft_evidence_id"] == draft2
    ev = next(e for e in views.show(w.id)["evidence"] if e["id"] == reg["evidence_id"])
    assert ev["kind"] == "opinion_register" and ev["stage"] == "public_participation"
    text = pdftext(evidence_store.read(ev["sha256"]), tmp_path)
    assert "收到意见 4 条：采纳 1 条，部分采纳 2 条，不予采纳 1 条" in text
    assert "修改稿" in text and "超出本决策范围" in text
    w.advance()
    fb = participation.generate_feedback(w.id, as_user="drafter")
    counts = {k: v for k, v in reg["meta"].items() if k != "generated_from"}
    assert fb["published"] and fb["counts"] == {**counts, "hidden": 0}
    pub = public.public_feedback()
    assert pub[0]["counts"]["received"] == 4 and len(pub[0]["opinions"]) == 4
    _name, data = public.public_feedback_file(fb["id"])
    assert "共收到意见 4 条，其中采纳 1 条，部分采纳 2 条" in pdftext(data, tmp_path)
    # contributors look up their opinion by receipt once the feedback is published
    got = public.lookup(led["opinions"][0]["receipt"].lower())
    assert got["status"] == "answered" and got["disposition"] == "adopted" and got["reason"] == "已吸收"
    with pytest.raises(NotFound):
        public.lookup("YJ-AAAAAAAAAA")
    with pytest.raises(BadInput):
        public.lookup("<script>")


def test_hidden_opinion_never_public_but_stays_in_the_record(org, tmp_path):
    w, c = opened(org)
    set_now("2026-03-10T10:00:00+08:00")
    bad = public.submit_opinion(c["id"], content="辱骂内容 XYZ-ABUSE", client="ip:9")
    public.submit_opinion(c["id"], content="正常意见", client="ip:8")
    led = participation.ledger(w.id, as_user="drafter")
    bad_id = next(o["id"] for o in led["opinions"] if o["receipt"] == bad["receipt"])
    with pytest.raises(NotPermitted):
        participation.hide_opinion(bad_id, reason="辱骂", as_user="reviewer")
    with pytest.raises(BadInput, match="理由"):
        participation.hide_opinion(bad_id, reason="", as_user="drafter")
    participation.hide_opinion(bad_id, reason="含辱骂内容", as_user="drafter")
    with pytest.raises(BadInput, match="已屏蔽"):
        participation.hide_opinion(bad_id, reason="again", as_user="drafter")
    led = participation.ledger(w.id, as_user="drafter")
    row = next(o for o in led["opinions"] if o["id"] == bad_id)
    assert row["hidden"] and row["content"] == "辱骂内容 XYZ-ABUSE" and row["hidden_reason"] == "含辱骂内容"
    looked = public.lookup(bad["receipt"])
    assert looked["hidden"] and looked["content"] == "" and "XYZ-ABUSE" not in json.dumps(looked, ensure_ascii=False)
    ids = [o["id"] for o in led["opinions"]]
    participation.dispose(w.id, ids, disposition="not_adopted", reason="不属于本事项", as_user="drafter")
    set_now("2026-04-03T09:00:00+08:00")
    reg = participation.generate_register(w.id, as_user="drafter")
    assert reg["meta"]["received"] == 2 and reg["hidden"] == 1
    reg_text = pdftext(evidence_store.read(reg["sha256"]), tmp_path)
    assert "XYZ-ABUSE" in reg_text and "已屏蔽" in reg_text  # the dossier's record keeps it, marked
    w.advance()
    participation.generate_feedback(w.id, as_user="drafter")
    pub = public.public_feedback()
    assert "XYZ-ABUSE" not in json.dumps(pub, ensure_ascii=False)
    assert pub[0]["counts"]["received"] == 2 and pub[0]["counts"]["hidden"] == 1
    fb_text = pdftext(public.public_feedback_file(pub[0]["id"])[1], tmp_path)
    assert "XYZ-ABUSE" not in fb_text and "1 条意见因含有不当内容未予公开" in fb_text
    # the trail keeps the submission and the moderation; the row cannot be deleted
    with UnitOfWork() as uow:
        events = uow.session.exec(select(AuditEvent).where(AuditEvent.chain == w.id)).all()
        assert any(e.action == "opinion_hidden" and e.detail["receipt"] == bad["receipt"] for e in events)
        assert any(e.action == "opinion" and e.detail["receipt"] == bad["receipt"] for e in events)
    with pytest.raises(IntegrityFailure), UnitOfWork() as uow:
        uow.session.delete(uow.session.get(Opinion, bad_id))
        uow.commit()
    assert count_opinions() == 2


@pytest.mark.parametrize("content, fragment", [
    ("", "为空"),
    ("长" * 5001, "过长"),
    ("看 http://a.example http://b.example www.c.example https://d.example", "链接过多"),
])
def test_bad_submissions_refused_and_nothing_stored(org, content, fragment):
    w, c = opened(org)
    set_now("2026-03-10T10:00:00+08:00")
    with pytest.raises(BadInput, match=fragment):
        public.submit_opinion(c["id"], content=content, client="ip:1")
    assert count_opinions() == 0


def test_flood_duplicate_and_non_public_refused(org, monkeypatch):
    w, c = opened(org)
    set_now("2026-03-10T10:00:00+08:00")
    monkeypatch.setenv("JUECE_OPINION_RATE", "3/600")
    for i in range(3):
        public.submit_opinion(c["id"], content=f"意见{i}", client="ip:flood")
    with pytest.raises(BadInput, match="过于频繁"):
        public.submit_opinion(c["id"], content="第四条", client="ip:flood")
    public.submit_opinion(c["id"], content="另一来源", client="ip:other")  # another client is not limited
    set_now("2026-03-10T10:11:00+08:00")  # the window has passed
    public.submit_opinion(c["id"], content="稍后再提", client="ip:flood")
    with pytest.raises(BadInput, match="已经提交过"):
        public.submit_opinion(c["id"], content="稍后再提", client="ip:flood")
    assert count_opinions() == 5
    with pytest.raises(NotFound):
        public.submit_opinion(999, content="x", client="ip:1")
    # after the stage the decision is no longer open for comment, whatever the dates say
    participation.dispose(w.id, [o["id"] for o in participation.ledger(w.id, as_user="drafter")["opinions"]],
                          disposition="not_adopted", reason="x", as_user="drafter")
    w.ev("participation_activity", form="symposium")
    set_now("2026-04-03T09:00:00+08:00")
    participation.generate_register(w.id, as_user="drafter")
    w.advance()
    set_now("2026-03-20T09:00:00+08:00")
    with pytest.raises(BadInput, match="不在公开征求意见"):
        public.submit_opinion(c["id"], content="阶段后", client="ip:late")
    assert count_opinions() == 5
    assert public.public_consultations() == []


def test_contact_required_when_the_profile_says_so(env, tmp_path, monkeypatch):
    src = Path(__file__).resolve().parent.parent / "data" / "procedures"
    prof = tmp_path / "profiles"
    shutil.copytree(src, prof)
    p = prof / "state-council-2019.toml"
    p.write_text(p.read_text(encoding="utf-8").replace("opinion_contact_required = false",
                                                       "opinion_contact_required = true"), encoding="utf-8")
    monkeypatch.setenv("JUECE_PROFILE_DIR", str(prof))
    from tests.helpers import Org

    org = Org.create()
    w, c = opened(org)
    assert c["contact_required"]
    set_now("2026-03-10T10:00:00+08:00")
    with pytest.raises(BadInput, match="姓名和联系方式"):
        public.submit_opinion(c["id"], content="匿名意见", client="ip:1")
    assert count_opinions() == 0
    assert public.submit_opinion(c["id"], content="实名意见", name="王五", contact="wang@example.cn",
                                        client="ip:1")["receipt"]


def test_html_in_opinions_is_text_everywhere(org, tmp_path):
    w, c = opened(org)
    set_now("2026-03-10T10:00:00+08:00")
    r = public.submit_opinion(c["id"], content=SCRIPT, name="<img src=x onerror=alert(1)>", client="ip:1")
    led = participation.ledger(w.id, as_user="drafter")
    assert led["opinions"][0]["content"] == SCRIPT  # stored as typed
    participation.dispose(w.id, [led["opinions"][0]["id"]], disposition="not_adopted", reason="<b>无关</b>",
                          as_user="drafter")
    set_now("2026-04-03T09:00:00+08:00")
    reg = participation.generate_register(w.id, as_user="drafter")  # ReportLab would choke on unescaped markup
    text = pdftext(evidence_store.read(reg["sha256"]), tmp_path)
    assert "<script>alert('x')</script><b>粗体" in text and "</b> & <i>" in text and "<b>无关</b>" in text
    assert public.lookup(r["receipt"])["content"] == SCRIPT


def test_cli_commands(org):
    w = in_participation(org)

    def juece(*args: str, code: int = 0) -> dict:
        res = runner.invoke(cli_app, [*args, "--json"])
        assert res.exit_code == code, res.stdout + res.stderr
        return json.loads(res.stdout)

    c = juece("consultation", "open", str(w.id), "--start", "2026-03-03", "--end", "2026-03-10", "--explanation",
              "说明", "--as", "drafter", code=3)
    assert c["blocked"][0]["article"] == "Art 15"
    c = juece("consultation", "open", str(w.id), "--start", "2026-03-03", "--end", "2026-04-02", "--explanation",
              "说明", "--as", "drafter")
    set_now("2026-03-05T09:00:00+08:00")
    sub = juece("opinion", "submit", str(c["id"]), "--text", "网上意见", "--client", "t1")
    juece("opinion", "add", str(w.id), "--channel", "letter", "--text", "来信", "--as", "drafter")
    led = juece("opinion", "list", str(w.id), "--as", "drafter")
    ids = [str(o["id"]) for o in led["opinions"]]
    juece("opinion", "dispose", str(w.id), *ids, "--disposition", "adopted", "--reason", "合理", "--as", "drafter")
    juece("opinion", "hide", ids[1], "--reason", "测试", "--as", "drafter")
    juece("opinion", "register", str(w.id), "--as", "drafter", code=3)  # the period is still running
    set_now("2026-04-03T09:00:00+08:00")
    reg = juece("opinion", "register", str(w.id), "--as", "drafter")
    assert reg["meta"] == {"received": 2, "adopted": 2, "partially_adopted": 0, "not_adopted": 0,
                           "generated_from": "ledger"}
    service.advance(w.id, as_user="drafter")
    fb = juece("opinion", "feedback", str(w.id), "--as", "drafter")
    assert fb["published"]
    assert juece("opinion", "lookup", sub["receipt"])["status"] == "answered"
    assert juece("consultation", "list") == []
