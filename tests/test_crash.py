"""Crash safety: processes are killed with SIGKILL at random points while they attach evidence and
move decisions through stages (≥ 50 kills, plus kills at chosen points inside the critical
sections); afterwards `juece verify` is clean, no stage is half done, and the orphan sweep leaves
only referenced files.

Workers are forked from the test process (no interpreter start-up per kill), each resuming the
walk of the newest unfinished decision, so kills land in every kind of step: file writes,
flushes, commits, meetings, transitions.
"""

from __future__ import annotations

import os
import random
import signal
import time

from sqlalchemy import text

from decisions.integrity import service as integrity
from decisions.procedure.views import show
from decisions.records import evidence_store
from decisions.storage import db
from tests.helpers import COMMENT_PERIOD_OVER, at_least
from tests.tamper import rows
from tests.test_integrity import UniqueWalker

RANDOM_KILLS = 52
TARGET = "party_report"
HOOKS = ("put:before_rename", "put:after_rename", "flush:before", "commit:before", "commit:after")


def _walk_forever(seed: int, hook: str | None) -> None:  # pragma: no cover - runs in the child
    db.dispose_engines(close=False)
    at_least(COMMENT_PERIOD_OVER)  # a resumed walk may be past public participation, which ends after it (Art 15)
    rnd = random.Random(seed)
    if hook:
        _arm(hook, rnd.randint(1, 6))
    UniqueWalker.n = seed * 1000
    while True:
        open_ = rows("SELECT id FROM decision WHERE state != :t ORDER BY id DESC", t=TARGET)
        w = UniqueWalker()
        if open_:
            w.id = open_[0][0]
        else:
            w.new(f"决策 {seed}")
        w.walk_to(TARGET)


def _arm(hook: str, nth: int) -> None:  # pragma: no cover - runs in the child
    """SIGKILL this process the nth time it reaches the hook."""
    count = {"n": 0}

    def hit() -> None:
        count["n"] += 1
        if count["n"] >= nth:
            os.kill(os.getpid(), signal.SIGKILL)

    if hook.startswith("put:"):
        real_replace = os.replace

        def replace(src, dst):  # noqa: ANN001, ANN202
            if hook == "put:before_rename":
                hit()
            real_replace(src, dst)
            if hook == "put:after_rename":
                hit()

        evidence_store.os.replace = replace  # type: ignore[attr-defined]
    else:
        from sqlalchemy import event
        from sqlalchemy.orm import Session

        if hook == "flush:before":
            event.listen(Session, "after_flush", lambda *_a: hit())
        elif hook == "commit:before":
            event.listen(Session, "before_commit", lambda *_a: hit())
        else:
            event.listen(Session, "after_commit", lambda *_a: hit())


def _spawn(seed: int, hook: str | None) -> int:
    db.dispose_engines()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        try:
            _walk_forever(seed, hook)
        finally:
            os._exit(3)
    return pid


def _no_half_done_stage() -> list[str]:
    """Each decision: one current stage, its own state; earlier stages done or skipped, later pending."""
    bad = []
    for (d_id,) in rows("SELECT id FROM decision ORDER BY id"):
        r = show(d_id)
        current = [s for s in r["stages"] if s["status"] == "current"]
        if r["state"] in {s["key"] for s in r["stages"]}:
            if [s["key"] for s in current] != [r["state"]]:
                bad.append(f"decision {d_id}: state {r['state']} but current stages {current}")
                continue
            keys = [s["key"] for s in r["stages"]]
            pos = keys.index(r["state"])
            for s in r["stages"][:pos]:
                if s["status"] not in ("done", "skipped"):
                    bad.append(f"decision {d_id}: {s['key']} before the current stage is {s['status']}")
            for s in r["stages"][pos + 1:]:
                if s["status"] != "pending":
                    bad.append(f"decision {d_id}: {s['key']} after the current stage is {s['status']}")
    return bad


def _check() -> None:
    db.dispose_engines()
    result = integrity.verify()
    assert result["ok"], result["problems"]
    assert _no_half_done_stage() == []


def test_sigkill_at_random_points_leaves_a_clean_record(org):
    rnd = random.Random(int(os.environ.get("JUECE_CRASH_SEED", "713")))
    kills = exits = 0
    hooked = {h: 0 for h in HOOKS}
    plan: list[str | None] = [None] * RANDOM_KILLS + [h for h in HOOKS for _ in range(2)]
    rnd.shuffle(plan)
    for i, hook in enumerate(plan):
        pid = _spawn(i + 1, hook)
        if hook is None:
            time.sleep(rnd.uniform(0.01, 0.6))
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL:
            kills += 1
            if hook:
                hooked[hook] += 1
        else:
            exits += 1
        if i % 10 == 9:
            _check()
    assert kills >= 50, (kills, exits)
    assert all(hooked.values()), hooked
    _check()
    # the crashes left files without rows (killed between rename and commit) and temp files (killed
    # before the rename); the sweep removes exactly those, and the record is still clean
    tmp_left = [p for p in evidence_store.iter_objects() if p.name.startswith(".tmp-")]
    removed = integrity.sweep(min_age=0)
    referenced = {r[0] for r in rows("SELECT DISTINCT sha256 FROM evidence")}
    assert {p.name for p in evidence_store.iter_objects()} == referenced
    assert all(p in removed for p in tmp_left)
    _check()
    with db.get_engine().connect() as conn:
        n_dec = conn.execute(text("SELECT count(*) FROM decision")).scalar()
        n_ev = conn.execute(text("SELECT count(*) FROM evidence")).scalar()
        moves = conn.execute(text("SELECT count(*) FROM auditevent WHERE action IN ('advance', 'transition')")).scalar()
    print(f"\ncrash: {kills} SIGKILLs survived ({RANDOM_KILLS} at random times, "
          f"{sum(hooked.values())} at chosen points {hooked}); {n_dec} decisions, {n_ev} evidence rows, "
          f"{moves} transitions; sweep removed {len(removed)} orphans ({len(tmp_left)} temp files); verify clean")
    assert n_ev and moves
