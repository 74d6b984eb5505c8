"""Opinions under load (issue "Hold under attack"): a popular consultation must not lock staff out.

Builds a fresh SQLite deployment with 5 decisions in public participation, each with an open comment period,
then for --seconds (default 120) runs, against the one SQLite file:

- 200 simulated citizens (distinct client addresses) submitting opinions to the five consultations through the
  public page's use case, from a bounded pool of --threads worker threads;
- 5 staff members, one per decision, attaching evidence to it in a loop and trying to advance it (the stage's
  gate reads the opinion ledger: Blocked while opinions wait for a disposition, which is expected).

Prints: staff conflicts (exit 7) — with one staff member per decision only the opinions could cause them —
goal 0; opinions acknowledged with a receipt but not in the ledger (lost), goal 0; citizens told to retry
(busy); and whether `verify` is clean. Local only: nothing leaves the machine.

    .venv/bin/python bench/opinions_load.py [--seconds 120] [--citizens 200] [--threads 8]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STAFF = 5


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=120)
    ap.add_argument("--citizens", type=int, default=200)
    ap.add_argument("--threads", type=int, default=8)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="juece-bench-opinions-")
    os.environ.update({"JUECE_DATA_DIR": tmp, "JUECE_NOW": "2026-03-02T09:00:00+08:00",
                       "JUECE_OPINION_RATE": "1000000/600"})
    os.environ.pop("JUECE_DATABASE_URL", None)
    from sqlmodel import select

    from decisions.errors import Blocked, Conflict, JueceError
    from decisions.integrity import service as integrity
    from decisions.participation import public
    from decisions.participation import service as participation
    from decisions.participation.models import Opinion
    from decisions.procedure import service
    from decisions.storage import db
    from decisions.storage.unit_of_work import UnitOfWork
    from tests.helpers import PDF, Org, Walker, set_now

    db.migrate()
    Org.create()
    decisions, consultations = [], []
    for _ in range(STAFF):
        w = Walker().new().walk_to("public_participation")
        c = participation.open_consultation(w.id, start="2026-03-03", end="2026-04-02", explanation="起草说明",
                                            as_user="drafter")
        decisions.append(w.id)
        consultations.append(c["id"])
    set_now("2026-03-10T10:00:00+08:00")

    stop = time.monotonic() + args.seconds
    lock = threading.Lock()
    receipts: list[str] = []
    citizen = Counter()
    staff = Counter()
    latency: list[float] = []
    seq = iter(range(10**9))

    def citizen_loop(k: int) -> None:
        rng = random.Random(k)
        while time.monotonic() < stop:
            who = rng.randrange(args.citizens)
            n = next(seq)
            t0 = time.perf_counter()
            try:
                r = public.submit_opinion(rng.choice(consultations), content=f"市民{who}的第{n}条意见：建议增加停车位",
                                          client=f"ip:10.{who // 250}.{who % 250}.1")
            except Conflict:
                with lock:
                    citizen["busy, told to retry"] += 1
                continue
            except JueceError as exc:
                with lock:
                    citizen[f"refused: {type(exc).__name__}"] += 1
                continue
            with lock:
                receipts.append(r["receipt"])
                latency.append(time.perf_counter() - t0)
                citizen["accepted"] += 1

    def staff_loop(i: int) -> None:
        did, n = decisions[i], 0
        while time.monotonic() < stop:
            n += 1
            try:
                service.add_evidence(did, kind="participation_activity", filename=f"座谈会纪要{i}-{n}.pdf",
                                     data=PDF + f"\n% staff {i} {n}\n".encode(), meta={"form": "group_consultation"},
                                     as_user="drafter")
                with lock:
                    staff["attachments"] += 1
            except Conflict:
                with lock:
                    staff["conflicts"] += 1
            try:
                service.advance(did, as_user="drafter")
                with lock:
                    staff["advanced"] += 1
            except Blocked:
                with lock:
                    staff["advance blocked by its gate (expected)"] += 1
            except Conflict:
                with lock:
                    staff["conflicts"] += 1
            time.sleep(0.2)

    threads = [threading.Thread(target=citizen_loop, args=(k,)) for k in range(args.threads)]
    threads += [threading.Thread(target=staff_loop, args=(i,)) for i in range(STAFF)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0

    with UnitOfWork() as uow:
        stored = set(uow.session.exec(select(Opinion.receipt).where(Opinion.channel == "web")).all())
    lost = [r for r in receipts if r not in stored]
    result = integrity.verify()
    print(f"{wall:.0f} s, {args.citizens} citizens from {args.threads} threads, {STAFF} staff, one SQLite file")
    print(f"opinions accepted: {citizen['accepted']} ({citizen['accepted'] / wall:.1f}/s; "
          f"p50 {statistics.median(latency) * 1000:.0f} ms, "
          f"p95 {sorted(latency)[int(len(latency) * 0.95)] * 1000:.0f} ms)" if latency else "opinions accepted: 0")
    for k, v in sorted(citizen.items()):
        if k != "accepted":
            print(f"  citizens {k}: {v}")
    print(f"staff attachments: {staff['attachments']}, advance attempts blocked by the gate: "
          f"{staff['advance blocked by its gate (expected)']}, advanced: {staff['advanced']}")
    print(f"staff conflicts caused by opinions: {staff['conflicts']} (goal 0)")
    print(f"lost opinions (receipt given, not in the ledger): {len(lost)} (goal 0)")
    print(f"verify: {'clean' if result['ok'] else 'PROBLEMS: ' + '; '.join(result['problems'][:5])}")
    return 0 if not staff["conflicts"] and not lost and result["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
