"""Engine benchmark: drive N decisions through the whole procedure on SQLite, through the service layer,
with 1,000 and with 20,000 decisions already in the database, in one run.

Prints actions per second and p50/p95 latency per action for both database sizes, and the ratio of
p95 at 20,000 to p95 at 1,000 (goal: within 1.5x — indexed access, no full scans).

    .venv/bin/python bench/engine.py                 # 2,000 decisions per size (the issue's figure)
    .venv/bin/python bench/engine.py --decisions 200 # quicker look
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def prepopulate(n: int) -> None:
    """Bulk-insert n realistic decisions (stages, triggers, evidence rows, audit rows) in a few seconds."""
    from sqlalchemy import insert

    from decisions.accounts.models import Office, User
    from decisions.procedure.models import Decision, Evidence, StageStatus, TriggerDetermination
    from decisions.records.models import AuditEvent
    from decisions.storage.db import get_engine
    from workflow import profiles

    profile = profiles.load("state-council-2019")
    order = profile.stage_order
    rng = random.Random(7)
    engine = get_engine()
    with engine.begin() as conn:
        offices = {r.code: r.id for r in conn.execute(Office.__table__.select())}
        user_id = next(iter(conn.execute(User.__table__.select()))).id
        start = (conn.execute(Decision.__table__.select().order_by(Decision.__table__.c.id.desc()).limit(1))
                 .first() or type("x", (), {"id": 0})).id
        stamp = "2025-06-01T09:00:00+08:00"
        decisions, stages, triggers, evidence, events = [], [], [], [], []
        for i in range(start + 1, start + n + 1):
            at = rng.randrange(len(order))
            decisions.append({"id": i, "code": f"BULK-{i:07d}", "title": f"批量决策事项{i}", "organ_id": offices["CITY"],
                              "undertaker_id": offices["CITY-DRC"], "category": rng.randint(1, 5), "source": "leader",
                              "profile_name": profile.name, "profile_version": profile.version, "state": order[at],
                              "round": 1, "created_at": stamp, "updated_at": stamp, "state_entered_at": stamp,
                              "version": 1})
            for pos, st in enumerate(order):
                stages.append({"decision_id": i, "stage": st, "position": pos,
                               "status": "done" if pos < at else ("current" if pos == at else "pending"),
                               "entered_at": stamp if pos <= at else "", "left_at": stamp if pos < at else "",
                               "note": ""})
            for name in profile.triggers:
                triggers.append({"decision_id": i, "name": name, "value": False, "reason": "r", "user_id": user_id,
                                 "at": stamp})
            for seq in range(1, 3 + at * 2):
                sha = f"{rng.getrandbits(256):064x}"
                evidence.append({"decision_id": i, "stage": order[min(at, seq // 2)], "round": 1, "kind": "draft",
                                 "filename": "d.pdf", "content_type": "application/pdf", "size": 100, "sha256": sha,
                                 "meta": {}, "user_id": user_id, "role": "drafter", "office_id": offices["CITY-DRC"],
                                 "at": stamp})
                events.append({"chain": i, "decision_id": i, "seq": seq, "at": stamp, "actor": "drafter",
                               "role": "drafter", "office": "CITY-DRC", "action": "evidence", "detail": {},
                               "prev_hash": "0" * 64, "hash": sha})
        for table, rows in ((Decision, decisions), (StageStatus, stages), (TriggerDetermination, triggers),
                            (Evidence, evidence), (AuditEvent, events)):
            for k in range(0, len(rows), 20_000):
                conn.execute(insert(table.__table__), rows[k:k + 20_000])


class Deployment:
    """One database + evidence store; `use()` points the process at it (settings are read per call)."""

    def __init__(self, base: int):
        self.base = base
        self.dir = tempfile.mkdtemp(prefix=f"juece-bench-{base}-")
        self.timings: dict[str, list[float]] = defaultdict(list)
        self.wall = 0.0

    def use(self) -> None:
        os.environ["JUECE_DATA_DIR"] = self.dir
        os.environ["JUECE_DATABASE_URL"] = f"sqlite:///{self.dir}/juece.db"

    def setup(self) -> None:
        from decisions.storage.db import migrate
        from tests.helpers import Org
        self.use()
        migrate()
        Org.create()
        t0 = time.perf_counter()
        prepopulate(self.base)
        self.fill = time.perf_counter() - t0


def run(sizes: list[int], n: int) -> list[Deployment]:
    """Fresh deployments with `sizes` decisions already stored; n decisions walked through every stage in
    each, interleaved decision by decision so that machine noise hits both sizes alike."""
    import tests.helpers as walker_module
    from decisions.procedure import service
    from tests.helpers import Walker

    os.environ["JUECE_NOW"] = "2026-03-02T09:00:00+08:00"
    deployments = [Deployment(b) for b in sizes]
    for d in deployments:
        d.setup()
    current: list[Deployment] = []
    originals = {}

    def timed(name):
        fn = originals[name]

        def wrapper(*args, **kwargs):
            label = f"{name}:{kwargs['kind']}" if name == "add_evidence" else name
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                current[0].timings[label].append(time.perf_counter() - start)
        return wrapper

    # the use cases the walker calls, where it looks them up (the meeting is imported into the walker's module)
    homes = {"new_decision": service, "set_triggers": service, "add_evidence": service, "advance": service,
             "record_meeting": walker_module}
    for name, home in homes.items():
        originals[name] = getattr(home, name)
        setattr(home, name, timed(name))
    try:
        for i in range(n):
            triggers = {"professional_technical": "yes"} if i % 3 == 0 else {}
            if i % 5 == 0:
                triggers["stability_risk"] = "yes"
            for d in deployments:
                current[:] = [d]
                d.use()
                t0 = time.perf_counter()
                Walker(triggers=dict(triggers)).walk_to("execution")
                d.wall += time.perf_counter() - t0
    finally:
        for name, fn in originals.items():
            setattr(homes[name], name, fn)
    return deployments


def summary(d: Deployment) -> dict:
    all_times = [t for v in d.timings.values() for t in v]
    return {"base": d.base, "fill_s": d.fill, "wall_s": d.wall, "actions": len(all_times),
            "aps": len(all_times) / d.wall, "p50": percentile(all_times, 50), "p95": percentile(all_times, 95),
            "per_action": {k: (len(v), percentile(v, 50), percentile(v, 95)) for k, v in sorted(d.timings.items())}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--decisions", type=int, default=2000)
    ap.add_argument("--small", type=int, default=1000)
    ap.add_argument("--large", type=int, default=20000)
    args = ap.parse_args()
    results = [summary(d) for d in run([args.small, args.large], args.decisions)]
    small, large = results
    print(f"\njuece engine benchmark — {args.decisions} decisions walked proposed→execution in each database, "
          "SQLite, one run, interleaved decision by decision\n")
    print(f"{'action':38} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} | {'p50 ms':>8} {'p95 ms':>8} {'p95 ratio':>9}")
    print(f"{'':38} {'':>6} {'@' + str(small['base']):>17} | {'@' + str(large['base']):>17}")
    for key in small["per_action"]:
        n, s50, s95 = small["per_action"][key]
        _, l50, l95 = large["per_action"].get(key, (0, float('nan'), float('nan')))
        print(f"{key:38} {n:>6} {s50 * 1e3:8.2f} {s95 * 1e3:8.2f} | {l50 * 1e3:8.2f} {l95 * 1e3:8.2f} {l95 / s95:9.2f}")
    for r in results:
        print(f"\n@{r['base']:>6} decisions already stored (bulk fill {r['fill_s']:.1f}s): {r['actions']} actions in "
              f"{r['wall_s']:.1f}s = {r['aps']:.0f} actions/s; p50 {r['p50'] * 1e3:.2f} ms, p95 {r['p95'] * 1e3:.2f} ms")
    ratio = large["p95"] / small["p95"]
    print(f"\np95 ratio {large['base']} / {small['base']}: {ratio:.2f}x (goal ≤ 1.5x) -> {'OK' if ratio <= 1.5 else 'OVER'}")
    print(f"p50 ratio: {large['p50'] / small['p50']:.2f}x; throughput ratio: {large['aps'] / small['aps']:.2f}x")


if __name__ == "__main__":
    main()
