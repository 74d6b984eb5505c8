"""Benchmark `juece verify` over 10,000 evidence files against plain `sha256sum` over the same files.

    .venv/bin/python bench/verify.py [--files 10000] [--mean-kb 64] [--repeat 3]

Builds a throw-away deployment (SQLite in a temporary directory, or JUECE_DATABASE_URL when given with
--database-url) holding N evidence files of random sizes (uniform in [mean/4, 7·mean/4]) spread over
100 decisions, each with its audit event, then times — in the same run, page cache warm for both —
the full `integrity.verify()` (files, both hash chains, all links) and `sha256sum` over exactly the
files the store holds, and prints both times and their ratio (aim: ≤ 1.5×).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _put_fast(data: bytes) -> str:
    """Like evidence_store.put without the fsyncs: building the bench data is not what is measured."""
    from decisions.records import evidence_store

    sha = evidence_store.digest(data)
    path = evidence_store.path_for(sha)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return sha


def build(n_files: int, mean_kb: int, seed: int) -> None:
    from decisions.accounts import service as directory
    from decisions.procedure import service
    from decisions.procedure.models import Evidence
    from decisions.records import audit
    from decisions.storage.db import migrate
    from decisions.storage.unit_of_work import UnitOfWork

    migrate()
    directory.add_office("CITY", "示例市人民政府", "city")
    directory.add_office("CITY-DRC", "示例市发展和改革委员会", "department", parent="CITY")
    directory.add_user("organ", "organ", "CITY", ["decision_organ"])
    rnd = random.Random(seed)
    n_dec = 100
    ids = [service.new_decision(title=f"基准决策 {i}", organ="CITY", undertaker="CITY-DRC", category=2,
                                source="department", as_user="organ")["id"] for i in range(n_dec)]
    per = n_files // n_dec
    lo, hi = mean_kb * 1024 // 4, mean_kb * 1024 * 7 // 4
    made = 0
    for k, d_id in enumerate(ids):
        count = per if k < n_dec - 1 else n_files - per * (n_dec - 1)
        with UnitOfWork() as uow:
            s = uow.session
            d = service.get_decision(s, d_id)
            actor = directory.actor_for(s, "organ")
            for _ in range(count):
                made += 1
                body = rnd.randbytes(rnd.randint(lo, hi))
                data = b"%PDF-1.4\n" + body + f"\n% {made}\n%%EOF\n".encode()
                sha = _put_fast(data)
                ev = Evidence(decision_id=d.id or 0, stage=d.state, round=1, kind="proposal",
                              filename=f"file{made}.pdf", content_type="application/pdf", size=len(data), sha256=sha,
                              meta={"source": "department"}, user_id=actor.user_id, role="decision_organ",
                              office_id=actor.office_id, at=service.now_iso())
                s.add(ev)
                s.flush()
                audit.record(s, decision_id=d.id, actor="organ", role="decision_organ", office="CITY",
                             action="evidence", detail={"evidence_id": ev.id, "kind": "proposal",
                                                        "filename": ev.filename, "sha256": sha, "size": len(data),
                                                        "stage": d.state, "meta": ev.meta})
            uow.commit()


def time_verify() -> tuple[float, dict]:
    from decisions.integrity import service as integrity
    from decisions.storage.db import dispose_engines

    dispose_engines()
    t = time.perf_counter()
    result = integrity.verify()
    return time.perf_counter() - t, result


def time_sha256sum(listfile: Path) -> float:
    t = time.perf_counter()
    subprocess.run(f"xargs -0 -a {listfile} sha256sum > /dev/null", shell=True, check=True)
    return time.perf_counter() - t


def _sha256sum_slow() -> bool:
    """Is coreutils' sha256sum much slower than hashlib (OpenSSL) on 64 MB? Said in the output."""
    blob = Path(tempfile.mkdtemp(prefix="juece-bench-hash-")) / "blob"
    try:
        blob.write_bytes(os.urandom(64 << 20))
        t = time.perf_counter()
        subprocess.run(["sha256sum", str(blob)], check=True, capture_output=True)
        coreutils = time.perf_counter() - t
        import hashlib

        t = time.perf_counter()
        with blob.open("rb") as fh:
            hashlib.file_digest(fh, "sha256")
        return coreutils > 2 * (time.perf_counter() - t)
    finally:
        shutil.rmtree(blob.parent, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=10_000)
    ap.add_argument("--mean-kb", type=int, default=64)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=38)
    ap.add_argument("--database-url", default=None, help="an empty database to use instead of SQLite")
    ap.add_argument("--keep", action="store_true", help="keep the temporary deployment")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="juece-bench-verify-"))
    os.environ["JUECE_DATA_DIR"] = str(work)
    os.environ["JUECE_NOW"] = "2026-03-02T09:00:00+08:00"
    if args.database_url:
        os.environ["JUECE_DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("JUECE_DATABASE_URL", None)
    try:
        t = time.perf_counter()
        build(args.files, args.mean_kb, args.seed)
        built = time.perf_counter() - t
        from decisions.records import evidence_store

        files = [p for p in evidence_store.iter_objects() if not p.name.startswith(".tmp-")]
        total = sum(p.stat().st_size for p in files)
        listfile = work / "files.lst"
        listfile.write_bytes(b"\0".join(str(p).encode() for p in files))
        # warm the page cache for both contenders
        time_sha256sum(listfile)
        _, first = time_verify()
        assert first["ok"], first["problems"][:5]
        v_times, s_times = [], []
        for _ in range(args.repeat):
            s_times.append(time_sha256sum(listfile))
            dt, result = time_verify()
            assert result["ok"]
            v_times.append(dt)
        from decisions.integrity import service as integrity

        integrity.THREADS = 1
        one_thread = statistics.median([time_verify()[0] for _ in range(args.repeat)])
        integrity.THREADS = None
        v, s = statistics.median(v_times), statistics.median(s_times)
        print(f"juece verify benchmark ({os.cpu_count()} CPUs, {'SQLite' if not args.database_url else 'PostgreSQL'})")
        print(f"  evidence files:   {len(files)} ({total / 1e6:.1f} MB, mean {total / len(files) / 1024:.1f} KiB); "
              f"audit events checked: {first['events_checked']}; built in {built:.1f} s")
        print(f"  juece verify:     {v:.3f} s  (median of {args.repeat}: {', '.join(f'{x:.3f}' for x in v_times)})")
        print(f"  sha256sum:        {s:.3f} s  (median of {args.repeat}: {', '.join(f'{x:.3f}' for x in s_times)})")
        print(f"  ratio verify / sha256sum: {v / s:.2f}x  (aim <= 1.5x)")
        print(f"  (verify hashing on one thread: {one_thread:.3f} s, {one_thread / s:.2f}x; this sha256sum runs "
              f"{'without' if _sha256sum_slow() else 'with'} SHA extensions, OpenSSL in Python uses them when present)")
    finally:
        from decisions.storage.db import dispose_engines

        dispose_engines()
        if args.keep:
            print(f"  kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
