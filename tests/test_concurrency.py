"""Optimistic locking: 8 processes act on the same decision at the same moment; exactly one wins,
every other one gets Conflict (exit 7) and changes nothing. Runs on SQLite and on PostgreSQL.

Each worker is a forked process. A barrier right after it has loaded the decision makes all eight
hold the same version before any of them writes — the worst case for a lost update.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections import Counter
from collections.abc import Callable

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from decisions.cli import app
from decisions.errors import JueceError
from decisions.integrity import service as integrity
from decisions.procedure import service
from decisions.storage import db
from tests.helpers import PDF
from tests.tamper import scalar
from tests.test_integrity import UniqueWalker

WORKERS = 8
STATS: Counter = Counter()


def _worker(barrier, action: Callable[[int], object], i: int) -> None:  # pragma: no cover - child
    db.dispose_engines(close=False)
    original = service.get_decision

    def loaded_then_wait(session, ident):  # noqa: ANN001, ANN202
        d = original(session, ident)
        d.version  # noqa: B018 - loaded: the version this worker will write against
        barrier.wait(timeout=60)
        return d

    service.get_decision = loaded_then_wait
    try:
        action(i)
        code = 0
    except JueceError as exc:
        code = exc.exit_code
    except BaseException:  # noqa: BLE001
        import traceback

        traceback.print_exc()
        code = 1
    os._exit(code)


def race(actions: list[Callable[[int], object]]) -> list[int]:
    """Run the actions in parallel processes, all released together; their exit codes."""
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(len(actions))
    db.dispose_engines()
    procs = [ctx.Process(target=_worker, args=(barrier, a, i)) for i, a in enumerate(actions)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    return [p.exitcode for p in procs]  # type: ignore[misc]


def counts() -> dict[str, int]:
    return {t: scalar(f"SELECT count(*) FROM {t}") for t in  # type: ignore[misc]
            ("auditevent", "auditsm3", "evidence", "stagestatus", "triggerdetermination", "meeting")}


def version(d: int) -> int:
    return scalar("SELECT version FROM decision WHERE id = :d", d=d)  # type: ignore[return-value]


def check_round(name: str, decisions: list[int], codes: list[int], before: dict, after: dict,
                winners_per_decision: int = 1) -> None:
    STATS["attempts"] += len(codes)
    STATS["wins"] += codes.count(0)
    STATS["conflicts"] += codes.count(7)
    assert codes.count(0) == winners_per_decision * len(decisions), (name, codes)
    assert codes.count(7) == len(codes) - codes.count(0), (name, codes)
    assert integrity.verify()["ok"], integrity.verify()["problems"]


def pdf(tag: str) -> bytes:
    return PDF.replace(b"%%EOF", f"% {tag}\n%%EOF".encode())


def test_eight_advances_at_once_exactly_one_wins(org):
    w = UniqueWalker().new()
    w.do_proposed()
    before, v = counts(), version(w.id)
    codes = race([lambda i: service.advance(w.id, as_user="organ")] * WORKERS)
    after = counts()
    check_round("advance", [w.id], codes, before, after)
    assert w.state() == "drafting"
    assert version(w.id) == v + 1
    assert after["auditevent"] == before["auditevent"] + 1  # one advance event, nobody else's
    assert scalar("SELECT count(*) FROM stagestatus WHERE decision_id = :d AND status = 'current'", d=w.id) == 1


def test_eight_attachments_at_once_exactly_one_lands(org, env):
    w = UniqueWalker().new()
    before, v = counts(), version(w.id)

    def attach(i: int) -> object:
        return service.add_evidence(w.id, kind="proposal", filename=f"p{i}.pdf", data=pdf(f"worker {i}"),
                                    meta={"source": "department"}, as_user="organ")

    codes = race([attach] * WORKERS)
    after = counts()
    check_round("attach", [w.id], codes, before, after)
    assert after["evidence"] == before["evidence"] + 1 and after["auditevent"] == before["auditevent"] + 1
    assert after["auditsm3"] == before["auditsm3"] + 1
    assert version(w.id) == v + 1
    # the losers' files are orphans in the store, never referenced; the sweep removes them
    assert len(integrity.sweep(min_age=0)) == WORKERS - 1
    assert integrity.verify()["ok"]


def test_mixed_actions_on_two_decisions(org):
    """Advance, attach, determine triggers, withdraw — four processes on each of two decisions."""
    a, b = UniqueWalker().new("甲"), UniqueWalker().new("乙")
    for w in (a, b):
        w.do_proposed()
        w.advance("organ")
    before = counts()

    def actions(w: UniqueWalker) -> list[Callable[[int], object]]:
        return [
            lambda i: service.set_triggers(w.id, sets={"stability_risk": "yes"}, reasons={}, as_user="drafter"),
            lambda i: service.add_evidence(w.id, kind="draft", filename="d.pdf", data=pdf(f"{w.id}-{i}"),
                                           meta={"version": "v1"}, as_user="drafter"),
            lambda i: service.set_triggers(w.id, sets={"stability_risk": "no"}, reasons={"stability_risk": "x"},
                                           as_user="drafter"),
            lambda i: service.side_transition(w.id, action="withdraw", reason="撤回", as_user="organ"),
        ]

    codes = race(actions(a) + actions(b))
    check_round("mixed", [a.id, b.id], codes, before, counts())
    assert codes[:4].count(0) == 1 and codes[4:].count(0) == 1
    assert counts()["auditevent"] == before["auditevent"] + 2


def test_repeated_rounds_and_the_cli_exit_code(org):
    """More rounds of eight advances racing through the early stages; then exit 7 through the CLI."""
    w = UniqueWalker().new()
    rounds = 0
    for stage in ("proposed", "drafting"):
        getattr(w, f"do_{stage}")()
        advancer = "organ" if stage == "proposed" else "drafter"
        before = counts()
        codes = race([lambda i, u=advancer: service.advance(w.id, as_user=u)] * WORKERS)
        check_round(stage, [w.id], codes, before, counts())
        assert counts()["auditevent"] == before["auditevent"] + 1
        rounds += 1
    assert rounds == 2

    # through the CLI: a stale write is reported as exit 7 with its message. Another writer bumps the version
    # after the request has loaded the decision and before it writes (while the file goes into the store).
    from decisions.records import evidence_store

    seen = {}
    put = evidence_store.put

    def bump_behind(data: bytes) -> str:
        if not seen:
            seen["done"] = True
            with db.get_engine().begin() as conn:
                conn.execute(text("UPDATE decision SET version = version + 1 WHERE id = :d"), {"d": w.id})
        return put(data)

    evidence_store.put = bump_behind
    try:
        r = CliRunner().invoke(app, ["evidence", "add", str(w.id), "--kind", "participation_activity",
                                     str(_pdf_file(w)), "--meta", "form=open_comment", "--meta", "start=2026-03-03",
                                     "--meta", "end=2026-04-02", "--as", "drafter"])
    finally:
        evidence_store.put = put
    assert seen, "the concurrent writer never ran"
    assert r.exit_code == 7, r.output
    assert "changed concurrently" in r.output or "concurrent" in r.output


def _pdf_file(w: UniqueWalker):  # noqa: ANN202
    import tempfile
    from pathlib import Path

    p = Path(tempfile.mkdtemp()) / "basis.pdf"
    p.write_bytes(pdf("cli"))
    return p


@pytest.fixture(autouse=True, scope="module")
def _report():
    yield
    if STATS:
        print(f"\nconcurrency: {STATS['attempts']} concurrent attempts, {STATS['wins']} won, "
              f"{STATS['conflicts']} conflicts (exit 7)")
