"""juece against a BPMN engine: the five-stage procedure in SpiffWorkflow and in juece, same SQLite, same run
(issue 7 item 4c).

    .venv/bin/pip install -e '.[bench]'          # SpiffWorkflow (benchmark-only dependency)
    .venv/bin/python bench/spiff.py              # 300 decisions each side, interleaved
    .venv/bin/python bench/spiff.py --decisions 50 --profile   # quicker, with a cProfile of the juece side

The procedure: public participation, expert review, risk assessment, legality review, collective discussion,
each needing one document before the decision may go on.

- SpiffWorkflow 3: bench/five_stages.bpmn — a user task per stage, an exclusive gateway after it that lets the
  process go on only when `documents[stage]` is in the task data (else back to the task). Per step, two
  requests, each loading the workflow from its SQLite row, as a web application would between requests:
  (1) attach: store the document (content-addressed by SHA-256: temporary file, fsync, rename, directory fsync),
  put {sha256, filename, size} into the ready task's data, serialise the workflow (BpmnWorkflowSerializer →
  JSON), UPDATE its row with a version check, COMMIT; (2) complete: deserialise, run the task, do_engine_steps
  (the gateway evaluates its condition), serialise, UPDATE with the version check, COMMIT. Starting a decision:
  a new workflow, do_engine_steps, serialise, INSERT, COMMIT.
- juece: a procedure profile with the same five stages (bench-only, generated into a temporary profile
  folder), each stage's gate one `evidence` rule for its document. Per step the same two requests through the
  service layer: `add_evidence` (the filename and type checked, the metadata validated, permissions, the file
  stored exactly as above, the evidence row, the audit event with its SHA-256 and SM3 links, the version bump,
  COMMIT) and `advance` (permissions, the gate evaluated over the decision's evidence, stage rows, the state
  machine, the audit event, COMMIT). Starting a decision: `new_decision` (stage rows, audit event).

Both on one SQLite database file (WAL, synchronous=FULL, the pragmas juece sets), one process, one decision at
a time, alternating which side goes first. Prints decisions per second for each side and the ratio, and the CPU
time (process time, the kernel's work for the fsyncs included) per decision: the figure the shared machine's disk
noise moves least.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import json
import os
import pstats
import shutil
import sqlite3
import sys
import tempfile
import time
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BPMN = Path(__file__).resolve().parent / "five_stages.bpmn"
STAGES = [("public_participation", "公众参与", "Public participation", "Art 14"),
          ("expert_review", "专家论证", "Expert review", "Art 19"),
          ("risk_assessment", "风险评估", "Risk assessment", "Art 22"),
          ("legality_review", "合法性审查", "Legality review", "Art 25"),
          ("collective_discussion", "集体讨论决定", "Collective discussion", "Art 30")]
PROFILE = "bench-five-stages"


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def document(n: int, stage: str) -> bytes:
    """A small PDF, different for every decision and stage (nothing dedupes)."""
    return (f"%PDF-1.4\n% {stage} of decision {n}\n1 0 obj<<>>endobj\n" + "% " + "x" * 900 + "\ntrailer<<>>\n%%EOF\n"
            ).encode()


# ----------------------------------------------------------------- the juece profile with the same five stages
def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return "{ " + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + " }"


def _toml(d: dict[str, Any], prefix: str = "") -> list[str]:
    lines = [f"{k} = {_toml_value(v)}" for k, v in d.items() if not isinstance(v, dict)]
    for k, v in d.items():
        if isinstance(v, dict):
            lines += ["", f"[{prefix}{k}]", *_toml(v, f"{prefix}{k}.")]
    return lines


def profile_dir() -> Path:
    """A profile folder: the shipped profiles plus bench-five-stages (baseline params, triggers, meeting rules;
    five stages, each with one required document kind)."""
    out = Path(tempfile.mkdtemp(prefix="juece-profiles-"))
    for p in (ROOT / "data" / "procedures").glob("*.toml"):
        shutil.copy(p, out / p.name)
    with (ROOT / "data" / "procedures" / "state-council-2019.toml").open("rb") as fh:
        base = tomllib.load(fh)
    data: dict[str, Any] = {
        "name": PROFILE, "version": "1.0.0", "title_zh": "基准：五个法定程序", "title_en": "bench: five stages",
        "law_zh": base["law_zh"], "effective": base["effective"], "stage_order": [s for s, *_ in STAGES],
        "params": base["params"], "meeting": base["meeting"], "triggers": base["triggers"],
        "stages": {s: {"name_zh": zh, "name_en": en, "article": art, "advance_roles": ["drafter"],
                       "rules": [{"rule": "evidence", "kind": f"{s}_document", "article": art}]}
                   for s, zh, en, art in STAGES},
        "kinds": {f"{s}_document": {"name_zh": f"{zh}材料", "name_en": f"{en} document", "stages": [s],
                                    "roles": ["drafter"]} for s, zh, en, _art in STAGES},
    }
    (out / f"{PROFILE}.toml").write_text("\n".join(_toml(data)) + "\n", encoding="utf-8")
    return out


STATEMENTS = {"juece": 0}


def _count_statements() -> None:
    """Count the SQL statements juece sends: through SQLAlchemy (engine event) and on the cursor directly
    (decisions/statements.py keeps its own count). The Spiff side is plain sqlite3."""
    from sqlalchemy import event

    from decisions.storage import statements
    from decisions.storage.db import get_engine

    def before(*_args: Any) -> None:
        STATEMENTS["juece"] += 1

    event.listen(get_engine(), "before_cursor_execute", before)
    STATEMENTS["prepared_start"] = statements.EXECUTED[0]


def _statements_sent() -> int:
    from decisions.storage import statements

    return STATEMENTS["juece"] + statements.EXECUTED[0] - STATEMENTS["prepared_start"]


def _category(path: str, func: str) -> str:
    if "commit" in func and "sqlite3" in func:
        return "sqlite3 commit (WAL fsync)"
    if "sqlite3" in func:
        return "sqlite3 (executing statements)"
    if "fsync" in func:
        return "fsync of evidence files and directories"
    if "sqlalchemy" in path:
        return "SQLAlchemy (building, compiling, caching statements; ORM)"
    if "sqlmodel" in path or "pydantic" in path:
        return "SQLModel / pydantic (models, validation)"
    if "transitions" in path:
        return "transitions (state machine)"
    if "chinese_calendar" in path or "/workflow/calendar" in path:
        return "working-day calendar"
    if "/workflow/" in path:
        return "workflow (profiles, gates, machine)"
    if "/decisions/" in path:
        return "decisions (service layer, audit, store)"
    if "hashlib" in func or "_hashlib" in func:
        return "hashing (SHA-256, SM3)"
    if "json" in path:
        return "json"
    return "other (stdlib, interpreter)"


# ----------------------------------------------------------------- the SpiffWorkflow side
class Spiff:
    """SpiffWorkflow with its state in SQLite: one row per workflow, serialised JSON, a version column."""

    def __init__(self, db: Path, store: Path):
        from SpiffWorkflow.bpmn.parser import BpmnParser
        from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer

        parser = BpmnParser()
        parser.add_bpmn_file(str(BPMN))
        self.spec = parser.get_spec("five_stages")
        self.serializer = BpmnWorkflowSerializer()
        self.store = store
        self.conn = sqlite3.connect(db, timeout=10, isolation_level=None)
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=10000", "synchronous=FULL"):
            self.conn.execute(f"PRAGMA {pragma}")
        self.conn.execute("CREATE TABLE IF NOT EXISTS spiff_workflow (id INTEGER PRIMARY KEY, version INTEGER NOT NULL,"
                          " state TEXT NOT NULL, updated_at TEXT NOT NULL)")

    def put(self, data: bytes) -> str:
        """Content-addressed, atomic and durable, like decisions.records.evidence_store.put."""
        sha = hashlib.sha256(data).hexdigest()
        target = self.store / sha[:2] / sha
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        return sha

    def _load(self, wf_id: int) -> tuple[Any, int]:
        state, version = self.conn.execute("SELECT state, version FROM spiff_workflow WHERE id = ?", (wf_id,)).fetchone()
        return self.serializer.deserialize_json(state), version

    def _save(self, wf_id: int, wf: Any, version: int) -> None:
        cur = self.conn.execute("UPDATE spiff_workflow SET state = ?, version = version + 1, updated_at = ? "
                                "WHERE id = ? AND version = ?",
                                (self.serializer.serialize_json(wf), time.strftime("%Y-%m-%dT%H:%M:%S"), wf_id, version))
        if cur.rowcount != 1:
            raise RuntimeError(f"workflow {wf_id} changed concurrently")
        self.conn.execute("COMMIT")

    def _ready(self, wf: Any, stage: str) -> Any:
        from SpiffWorkflow.util.task import TaskState

        task = next((t for t in wf.get_tasks(state=TaskState.READY) if t.task_spec.name == stage), None)
        if task is None:
            raise RuntimeError(f"no ready task {stage}")
        return task

    def new(self) -> int:
        from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

        wf = BpmnWorkflow(self.spec)
        wf.do_engine_steps()
        self.conn.execute("BEGIN IMMEDIATE")
        cur = self.conn.execute("INSERT INTO spiff_workflow (version, state, updated_at) VALUES (1, ?, ?)",
                                (self.serializer.serialize_json(wf), time.strftime("%Y-%m-%dT%H:%M:%S")))
        self.conn.execute("COMMIT")
        return int(cur.lastrowid or 0)

    def attach(self, wf_id: int, stage: str, filename: str, data: bytes) -> None:
        self.conn.execute("BEGIN IMMEDIATE")
        wf, version = self._load(wf_id)
        task = self._ready(wf, stage)
        sha = self.put(data)
        task.data["documents"] = {**task.data.get("documents", {}),
                                  stage: {"sha256": sha, "filename": filename, "size": len(data)}}
        self._save(wf_id, wf, version)

    def complete(self, wf_id: int, stage: str) -> None:
        self.conn.execute("BEGIN IMMEDIATE")
        wf, version = self._load(wf_id)
        self._ready(wf, stage).run()
        wf.do_engine_steps()
        self._save(wf_id, wf, version)

    def done(self, wf_id: int) -> bool:
        wf, _ = self._load(wf_id)
        return bool(wf.is_completed())


# ----------------------------------------------------------------- the juece side
class Juece:
    def __init__(self) -> None:
        from decisions.accounts import service as directory
        from decisions.storage.db import migrate

        migrate()
        directory.add_office("CITY", "示例市人民政府", "city", profile=PROFILE)
        directory.add_office("CITY-DRC", "示例市发展和改革委员会", "department", parent="CITY")
        directory.add_user("organ", "organ", "CITY", ["decision_organ"])
        directory.add_user("drafter", "drafter", "CITY-DRC", ["drafter"])

    def new(self, n: int) -> int:
        from decisions.procedure import service

        return int(service.new_decision(title=f"基准决策 {n}", organ="CITY", undertaker="CITY-DRC", category=2,
                                        source="department", as_user="organ")["id"])

    def attach(self, d_id: int, stage: str, filename: str, data: bytes) -> None:
        from decisions.procedure import service

        service.add_evidence(d_id, kind=f"{stage}_document", filename=filename, data=data, meta={}, as_user="drafter")

    def complete(self, d_id: int, stage: str) -> None:
        from decisions.procedure import service

        service.advance(d_id, as_user="drafter")

    def done(self, d_id: int) -> bool:
        from decisions.procedure import views

        return views.show(d_id)["state"] == "closed"


def walk(side: Any, n: int, times: dict[str, list[float]]) -> float:
    t0 = time.perf_counter()
    c0 = time.process_time()
    t = time.perf_counter()
    ident = side.new() if isinstance(side, Spiff) else side.new(n)
    times.setdefault("new", []).append(time.perf_counter() - t)
    for stage, *_ in STAGES:
        data = document(n, stage)
        t = time.perf_counter()
        side.attach(ident, stage, f"{stage}.pdf", data)
        times.setdefault("attach", []).append(time.perf_counter() - t)
        t = time.perf_counter()
        side.complete(ident, stage)
        times.setdefault("complete", []).append(time.perf_counter() - t)
    elapsed = time.perf_counter() - t0
    times.setdefault("cpu", []).append(time.process_time() - c0)
    if not side.done(ident):
        raise SystemExit(f"{type(side).__name__}: decision {ident} did not finish the five stages")
    return elapsed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--decisions", type=int, default=300)
    ap.add_argument("--profile", action="store_true", help="cProfile the juece side and print where the time goes")
    args = ap.parse_args()
    try:
        import SpiffWorkflow  # noqa: F401
        from SpiffWorkflow.version import __version__ as spiff_version
    except ImportError:
        raise SystemExit("SpiffWorkflow is missing: .venv/bin/pip install -e '.[bench]'") from None
    base = Path(tempfile.mkdtemp(prefix="juece-spiff-"))
    os.environ.update(JUECE_DATA_DIR=str(base), JUECE_DATABASE_URL=f"sqlite:///{base}/juece.db",
                      JUECE_PROFILE_DIR=str(profile_dir()), JUECE_NOW="2026-03-02T09:00:00+08:00")
    juece = Juece()
    spiff = Spiff(base / "juece.db", base / "spiff-objects")
    walk(juece, 0, {})  # warm-up: imports, profile, machine, first plans
    walk(spiff, 0, {})
    _count_statements()
    sides: dict[str, dict[str, Any]] = {"SpiffWorkflow": {"side": spiff, "wall": 0.0, "times": {}},
                                        "juece": {"side": juece, "wall": 0.0, "times": {}}}
    prof = cProfile.Profile() if args.profile else None
    for n in range(1, args.decisions + 1):
        order = ["juece", "SpiffWorkflow"] if n % 2 else ["SpiffWorkflow", "juece"]
        for name in order:
            s = sides[name]
            if prof is not None and name == "juece":
                prof.enable()
            s["wall"] += walk(s["side"], n, s["times"])
            if prof is not None and name == "juece":
                prof.disable()
    print(f"\njuece vs SpiffWorkflow {spiff_version} — five stages, one document each, {args.decisions} decisions per "
          f"side, one SQLite file (WAL, synchronous=FULL), interleaved decision by decision\n")
    print(f"{'':14} {'decisions/s':>11} {'ms/decision':>11} {'CPU ms':>7} | {'p50/p95 ms new':>15} {'attach':>13} "
          f"{'complete':>13}")
    for name, s in sides.items():
        t = s["times"]

        def pp(key: str, times: dict[str, list[float]] = t) -> str:
            return f"{percentile(times[key], 50) * 1e3:6.1f}/{percentile(times[key], 95) * 1e3:6.1f}"
        print(f"{name:14} {args.decisions / s['wall']:11.1f} {s['wall'] / args.decisions * 1e3:11.1f} "
              f"{sum(t['cpu']) / args.decisions * 1e3:7.1f} | "
              f"{pp('new'):>15} {pp('attach'):>13} {pp('complete'):>13}")
    ratio = (args.decisions / sides["juece"]["wall"]) / (args.decisions / sides["SpiffWorkflow"]["wall"])
    state = sides["SpiffWorkflow"]["side"].conn.execute("SELECT AVG(LENGTH(state)) FROM spiff_workflow").fetchone()[0]
    print(f"\njuece / SpiffWorkflow throughput: {ratio:.2f}x ({'juece ahead' if ratio > 1 else 'juece BEHIND'}); "
          f"Spiff's serialised state averages {state / 1024:.1f} KiB per workflow")
    calls = len(sides["juece"]["times"]["new"]) + 2 * len(sides["juece"]["times"]["attach"])
    print(f"SQL statements per request: juece {_statements_sent() / calls:.1f} (new_decision, add_evidence, advance), "
          f"SpiffWorkflow 2 (SELECT the row, UPDATE it; INSERT to start)")
    if prof is not None:
        stats = pstats.Stats(prof)
        total = sum(v[2] for v in stats.stats.values())  # type: ignore[attr-defined]
        groups: dict[str, float] = {}
        for (path, _line, func), (_cc, _nc, tt, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
            groups[_category(path, func)] = groups.get(_category(path, func), 0.0) + tt
        print(f"\njuece side, cProfile: own time by where it is spent ({total:.1f} s profiled)")
        for name, tt in sorted(groups.items(), key=lambda kv: -kv[1]):
            print(f"  {name:58} {tt:6.2f} s  {tt / total:5.1%}")
        out = io.StringIO()
        stats.stream = out  # type: ignore[attr-defined]
        stats.sort_stats("cumulative").print_stats(r"decisions|workflow", 30)
        print("\njuece side, cProfile by cumulative time (juece's own functions):\n" + out.getvalue())
    return 0 if ratio > 1 else 1


if __name__ == "__main__":
    sys.exit(main())
