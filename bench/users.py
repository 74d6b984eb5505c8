"""Concurrent users benchmark: 50 simulated users walking decisions through the whole procedure for 5 minutes
(issue 7 item 4b), through the service layer, on PostgreSQL (default) or SQLite.

    .venv/bin/python bench/users.py                      # PostgreSQL, 50 users (5 processes x 10 threads), 300 s
    .venv/bin/python bench/users.py --seconds 60 --db sqlite

Each simulated user is a thread; the threads are spread over processes (the service layer is Python: processes
avoid the GIL). A user walks one decision after another from proposal to execution with tests/helpers.py's
Walker (compliant evidence: every file really stored, every action its own transaction); between stages, half
the time, a user also looks at the list of decisions in an early stage and lends a hand on one of them
(attaches a revised draft to it: a real race with its owner). A Conflict (exit 7: the optimistic lock) is
expected when two users write the same decision at the same moment; the loser's transaction leaves nothing
behind and the Walker's action is retried, as a user would. A refusal because the decision moved on between
the user's read and write (exit 3 naming the state) is counted as expected too. Anything else is an error.

Afterwards, checked against the database:
- every successful action appears in the decision's audit chain exactly once, and every event of a chain was a
  successful action (no lost update, nothing from a rolled-back attempt);
- each decision's stage rows agree with its state (exactly one current stage, the one it is in);
- `decisions.integrity.verify()` over everything (files, chains, links) is clean.
Prints actions per second, p50/p95 per action and overall, conflicts, refusals and errors (goal: zero errors,
zero lost updates, verify clean).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

NOW = "2026-03-02T09:00:00+08:00"
HELP_STATES = ("drafting", "public_participation", "expert_review", "risk_assessment")


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] if values else float("nan")


def success_keys(name: str, kwargs: dict[str, Any], result: Any) -> list[tuple[int, str, str]]:
    """The audit events a successful use case must have written: (chain, action, key)."""
    if name == "new_decision":
        return [(result["id"], "create", result["code"])]
    if name == "add_evidence":
        return [(kwargs["_decision"], "evidence", str(result["id"]))]
    if name == "set_triggers":
        return [(result["id"], "triggers", "")]
    if name == "advance":
        return [(result["id"], "advance", f"{result['from']}>{result['to']}")]
    if name == "record_meeting":
        return [(result["id"], "evidence", "minutes"), (result["id"], "meeting", str(result["meeting_id"])),
                (result["id"], "transition", "")]
    return []


def db_keys() -> Counter:
    """The same keys read back from every decision chain of the audit trail."""
    from sqlalchemy import select

    from decisions.records.models import AuditEvent
    from decisions.storage.unit_of_work import UnitOfWork

    ae = AuditEvent.__table__  # type: ignore[attr-defined]
    out: Counter = Counter()
    with UnitOfWork() as uow:
        for chain, action, detail in uow.session.connection().execute(
                select(ae.c.chain, ae.c.action, ae.c.detail).where(ae.c.chain != 0)):
            if action == "create":
                key = detail["code"]
            elif action == "evidence":
                key = "minutes" if detail.get("kind") == "meeting_minutes" else str(detail["evidence_id"])
            elif action == "advance":
                key = f"{detail['from']}>{detail['to']}"
            elif action == "meeting":
                key = str(detail["meeting_id"])
            else:
                key = ""
            out[(chain, action, key)] += 1
    return out


# ----------------------------------------------------------------- the worker processes
def worker(proc: int, threads: int, seconds: float, env: dict[str, str], start_at: float, out_path: str) -> None:
    """One process: `threads` simulated users until the deadline; writes its log as JSON lines."""
    os.environ.update(env)
    from decisions.errors import Blocked, Conflict, JueceError
    from decisions.procedure import service, views
    from tests.helpers import Walker

    lock = threading.Lock()
    log: list[dict[str, Any]] = []
    local = threading.local()
    originals = {n: getattr(service, n) for n in ("new_decision", "set_triggers", "add_evidence", "advance",
                                                  "record_meeting")}

    def note(**rec: Any) -> None:
        with lock:
            log.append(rec)

    def wrapped(name: str):  # noqa: ANN202
        fn = originals[name]

        def call(*args: Any, **kwargs: Any) -> Any:
            ident = args[0] if args else None
            label = f"add_evidence:{kwargs['kind']}" if name == "add_evidence" else name
            retry = not getattr(local, "helping", False)
            for _attempt in range(20):
                t0 = time.perf_counter()
                try:
                    result = fn(*args, **kwargs)
                except Conflict:
                    note(kind="conflict", action=label, ms=(time.perf_counter() - t0) * 1e3, user=local.user)
                    if not retry:
                        raise
                    time.sleep(random.uniform(0.005, 0.05))
                    continue
                except Blocked as exc:
                    stale = all(u.requirement.endswith(".state") for u in exc.unmet)
                    note(kind="stale" if stale and not retry else "error", action=label,
                         ms=(time.perf_counter() - t0) * 1e3, user=local.user, error=f"Blocked: {exc.message}"[:300])
                    raise
                except JueceError as exc:
                    note(kind="error", action=label, ms=(time.perf_counter() - t0) * 1e3, user=local.user,
                         error=f"{type(exc).__name__}: {exc.message}"[:300])
                    raise
                keys = success_keys(name, {**kwargs, "_decision": int(ident) if ident is not None else 0}, result)
                note(kind="ok", action=label, ms=(time.perf_counter() - t0) * 1e3, user=local.user, keys=keys)
                return result
            raise Conflict("gave up after 20 conflicts")
        return call

    for n in originals:
        setattr(service, n, wrapped(n))

    deadline = start_at + seconds

    def helper(rng: random.Random) -> None:
        """Someone else's decision in flight: look at the list, attach a revised draft (no retry on conflict)."""
        state = rng.choice(HELP_STATES)
        t0 = time.perf_counter()
        rows = views.list_decisions(state=state, limit=50)
        note(kind="read", action="list_decisions", ms=(time.perf_counter() - t0) * 1e3, user=local.user)
        if not rows:
            return
        target = rng.choice(rows)["id"]
        local.helping = True
        try:
            service.add_evidence(target, kind="draft", filename="修改稿.pdf",
                                 data=b"%PDF-1.4\n% revised " + str(rng.random()).encode() + b"\n%%EOF\n",
                                 meta={"version": "helper"}, as_user="drafter")
        except (Conflict, Blocked):
            pass
        finally:
            local.helping = False

    def user(k: int) -> None:
        rng = random.Random(proc * 1000 + k)
        local.user = f"p{proc}u{k}"
        local.helping = False
        while time.time() < start_at:
            time.sleep(0.01)
        try:
            while time.time() < deadline:
                w = Walker(triggers={"professional_technical": "yes"} if rng.random() < 0.3 else {})
                w.new(f"并发基准决策 {local.user} {rng.randrange(10**6)}")
                note(kind="decision", id=w.id, user=local.user)
                # walk stage by stage; between stages, sometimes help on another decision
                for target in ("drafting", "public_participation", "legality_review", "collective_discussion",
                               "party_report", "execution"):
                    if time.time() >= deadline:
                        break
                    w.walk_to(target)
                    if rng.random() < 0.5:
                        helper(rng)
        except Exception as exc:  # noqa: BLE001 - every unexpected failure is reported, not hidden
            note(kind="crash", user=local.user, error=f"{type(exc).__name__}: {exc}"[:500],
                 trace=traceback.format_exc()[-1500:])

    ts = [threading.Thread(target=user, args=(k,)) for k in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    with open(out_path, "w", encoding="utf-8") as fh:
        for rec in log:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")


# ----------------------------------------------------------------- checks
def stage_problems() -> list[str]:
    """Each decision: stage rows agree with the state (one current row, the one it is in)."""
    from sqlalchemy import select

    from decisions.procedure.models import Decision, StageStatus
    from decisions.storage.unit_of_work import UnitOfWork

    d_t, s_t = Decision.__table__, StageStatus.__table__  # type: ignore[attr-defined]
    problems = []
    with UnitOfWork() as uow:
        conn = uow.session.connection()
        states = dict(conn.execute(select(d_t.c.id, d_t.c.state)).all())
        current: dict[int, list[str]] = {}
        for did, stage, status in conn.execute(select(s_t.c.decision_id, s_t.c.stage, s_t.c.status)):
            if status == "current":
                current.setdefault(did, []).append(stage)
    for did, state in states.items():
        if current.get(did, []) != [state]:
            problems.append(f"decision {did}: state {state}, current stage rows {current.get(did, [])}")
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=300)
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--procs", type=int, default=5)
    ap.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    args = ap.parse_args()
    data_dir = tempfile.mkdtemp(prefix="juece-users-")
    cluster = None
    if args.db == "postgresql":
        import pgcluster

        cluster = pgcluster.start(durable=True)
        cluster.admin('CREATE DATABASE "users"')
        url = cluster.url("users")
        db_name = f"PostgreSQL {pgcluster.version(cluster)} (fsync on)"
    else:
        url = f"sqlite:///{data_dir}/juece.db"
        db_name = "SQLite (WAL, synchronous=FULL)"
    env = {"JUECE_DATA_DIR": data_dir, "JUECE_DATABASE_URL": url, "JUECE_NOW": NOW}
    os.environ.update(env)
    from decisions.integrity import service as integrity
    from decisions.storage.db import migrate
    from tests.helpers import Org

    migrate()
    Org.create()
    procs = max(1, min(args.procs, args.users))
    per = [args.users // procs + (1 if i < args.users % procs else 0) for i in range(procs)]
    ctx = mp.get_context("spawn")
    start_at = time.time() + 8 + procs  # every process imported and waiting before the clock starts
    logs = [os.path.join(data_dir, f"log-{i}.jsonl") for i in range(procs)]
    ps = [ctx.Process(target=worker, args=(i, per[i], args.seconds, env, start_at, logs[i])) for i in range(procs)]
    for p in ps:
        p.start()
    for p in ps:
        p.join()
    wall = time.time() - start_at
    recs = [json.loads(line) for path in logs if os.path.exists(path) for line in open(path, encoding="utf-8")]
    exit_codes = [p.exitcode for p in ps]

    kinds = Counter(r["kind"] for r in recs)
    ok = [r for r in recs if r["kind"] == "ok"]
    by_action: dict[str, list[float]] = {}
    for r in ok:
        by_action.setdefault(r["action"], []).append(r["ms"])
    reads = [r["ms"] for r in recs if r["kind"] == "read"]
    errors = [r for r in recs if r["kind"] in ("error", "crash")]

    # lost updates: every successful action in the trail exactly once, and nothing else there
    logged: Counter = Counter()
    for r in ok:
        for chain, action, key in r["keys"]:
            logged[(chain, action, key)] += 1
    in_db = db_keys()
    missing = logged - in_db
    extra = in_db - logged
    duplicated = [k for k, v in in_db.items() if v > 1 and k[1] not in ("triggers", "transition")]
    stages = stage_problems()
    t0 = time.perf_counter()
    v = integrity.verify()
    verify_s = time.perf_counter() - t0

    print(f"\njuece concurrent users benchmark — {args.users} simulated users ({procs} processes x threads) on "
          f"{db_name}, {args.seconds:.0f} s, service layer, Walker with compliant evidence\n")
    print(f"{'action':38} {'n':>7} {'p50 ms':>8} {'p95 ms':>8}")
    for name in sorted(by_action):
        ms = by_action[name]
        print(f"{name:38} {len(ms):7} {percentile(ms, 50):8.1f} {percentile(ms, 95):8.1f}")
    print(f"{'list_decisions (read, helpers)':38} {len(reads):7} {percentile(reads, 50):8.1f} {percentile(reads, 95):8.1f}")
    all_ms = [r["ms"] for r in ok]
    decisions = kinds["decision"]
    finished = sum(1 for r in ok if r["action"] == "advance" and r["keys"][0][2].endswith(">execution"))
    print(f"\nwrite actions: {len(ok):,} in {wall:.0f} s = {len(ok) / wall:.1f} actions/s; p50 "
          f"{percentile(all_ms, 50):.1f} ms, p95 {percentile(all_ms, 95):.1f} ms")
    print(f"decisions started {decisions:,}, walked to execution {finished:,} ({finished / wall * 60:.1f} per minute)")
    print(f"expected conflicts (exit 7, retried): {kinds['conflict']:,}; expected refusals (decision moved on, "
          f"exit 3): {kinds['stale']:,}")
    print(f"other errors: {len(errors)}" + "".join(f"\n  {e.get('user')}: {e.get('action', '')} {e['error']}"
                                                     for e in errors[:10]))
    print(f"lost updates: {sum(missing.values())} successful actions missing from the audit trail"
          + "".join(f"\n  {k}" for k in list(missing)[:5]))
    print(f"phantom events: {sum(extra.values())} audit events without a successful action"
          + "".join(f"\n  {k}" for k in list(extra)[:5]))
    print(f"duplicated events: {len(duplicated)}; stage rows disagreeing with the state: {len(stages)}"
          + "".join(f"\n  {p}" for p in stages[:5]))
    print(f"integrity.verify(): {'clean' if v['ok'] else 'PROBLEMS'} — {v['evidence_checked']:,} files, "
          f"{v['events_checked']:,} events, {v['chains_checked']:,} chains in {verify_s:.1f} s"
          + "".join(f"\n  {p}" for p in v["problems"][:5]))
    if any(c != 0 for c in exit_codes):
        print(f"worker exit codes: {exit_codes}")
    good = (not errors and not missing and not extra and not duplicated and not stages and v["ok"]
            and all(c == 0 for c in exit_codes))
    print(f"\nresult: {'OK' if good else 'FAILED'}")
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
