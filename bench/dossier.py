"""Benchmark: the archived dossier of a decision with many evidence PDFs vs a bare pypdf merge.

    .venv/bin/python bench/dossier.py                 # 500 and 2,000 pages (50 and 200 PDFs of 10 pages)
    .venv/bin/python bench/dossier.py --pages 2000 --per-file 10

For each size it builds a throwaway deployment (temp dir), walks one decision to drafting through the
service layer and attaches N evidence PDFs (each 10 pages of Chinese text with its own embedded font
subset). Then, each in a fresh child process so peak memory is the process's own:

* ``dossier``: `decisions.archive.generate_dossier` (record, fixity check of every file, rendering,
  merge, stamps, attachments, PDF/A finishing, audit event) — wall time and peak RSS;
* ``merge``: a bare `pypdf` merge of the same files (``PdfWriter.append`` + ``write``) — the baseline.

Prints wall and CPU time (CPU is the steadier figure on a shared machine), peak RSS, the dossier's CPU
by step, and the ratios measured in this run (aim: dossier ≤ 2× the bare merge, peak ≤ 400 MB,
flat as the page count grows).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _evidence_pdf(n: int, pages: int) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from pdf import fonts

    chain = fonts.chain()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1, initialFontName=chain.primary)
    for p in range(1, pages + 1):
        c.setFont(chain.primary, 15)
        c.drawString(72, 770, f"证据材料 {n} — 第 {p} 页")
        c.setFont(chain.primary, 10)
        y = 740
        for line in range(40):
            c.drawString(72, y, f"{line + 1:02d}. 依据《重大行政决策程序暂行条例》第{(line % 40) + 1}条，材料{n}的第{p}页正文，"
                                f"用于测量合并与盖章的开销。")
            y -= 16
        c.showPage()
    c.save()
    return buf.getvalue()


def setup(data_dir: Path, files: int, per_file: int) -> None:
    os.environ["JUECE_DATA_DIR"] = str(data_dir)
    os.environ["JUECE_DATABASE_URL"] = f"sqlite:///{data_dir / 'juece.db'}"
    os.environ["JUECE_NOW"] = "2026-03-02T09:00:00+08:00"
    from decisions.accounts import service as directory
    from decisions.procedure import service
    from decisions.storage import db

    db.migrate()
    directory.add_office("CITY", "示例市人民政府", "city")
    directory.add_office("CITY-DRC", "示例市发展和改革委员会", "department", parent="CITY")
    for name, office, roles in (("organ", "CITY", ["decision_organ"]), ("drafter", "CITY-DRC", ["drafter"]),
                                ("archivist", "CITY", ["archivist"])):
        directory.add_user(name, name, office, roles)
    d = service.new_decision(title="示例市城市更新专项规划（基准测试）", organ="CITY", undertaker="CITY-DRC", category=2,
                             source="department", as_user="organ")["id"]
    service.add_evidence(d, kind="proposal", filename="建议.pdf", data=_evidence_pdf(1, per_file),
                         meta={"source": "department"}, as_user="organ")
    service.add_evidence(d, kind="start_decision", filename="启动决定.pdf", data=_evidence_pdf(2, per_file), meta={},
                         as_user="organ")
    service.advance(d, as_user="organ")
    for n in range(3, files + 1):
        service.add_evidence(d, kind="draft", filename=f"草案第{n}稿.pdf", data=_evidence_pdf(n, per_file),
                             meta={"version": f"v{n}"}, as_user="drafter")


def child_dossier(data_dir: Path) -> dict:
    os.environ["JUECE_DATA_DIR"] = str(data_dir)
    os.environ["JUECE_DATABASE_URL"] = f"sqlite:///{data_dir / 'juece.db'}"
    from decisions.archive import service as archive
    from pdf import fonts

    fonts.chain()  # font loading is a per-process cost, not a per-dossier one
    base = _rss_mb()
    t, c = time.perf_counter(), time.process_time()
    r = archive.generate_dossier(1, as_user="archivist")
    elapsed, cpu = time.perf_counter() - t, time.process_time() - c
    return {"seconds": elapsed, "cpu": cpu, "peak_mb": _rss_mb(), "base_mb": base, "pages": r["pages"],
            "bytes": len(r["data"]), "steps": r["timings"]}


def child_merge(data_dir: Path) -> dict:
    os.environ["JUECE_DATA_DIR"] = str(data_dir)
    os.environ["JUECE_DATABASE_URL"] = f"sqlite:///{data_dir / 'juece.db'}"
    from pypdf import PdfWriter
    from sqlmodel import col, select

    from decisions.procedure.models import Evidence
    from decisions.records import evidence_store
    from decisions.storage.unit_of_work import UnitOfWork

    with UnitOfWork() as uow:
        shas = list(uow.session.exec(select(Evidence.sha256).order_by(col(Evidence.id))))
    base = _rss_mb()
    t, c = time.perf_counter(), time.process_time()
    w = PdfWriter()
    for sha in shas:
        w.append(str(evidence_store.path_for(sha)))
    out = io.BytesIO()
    w.write(out)
    elapsed, cpu = time.perf_counter() - t, time.process_time() - c
    return {"seconds": elapsed, "cpu": cpu, "peak_mb": _rss_mb(), "base_mb": base, "pages": len(w.pages),
            "bytes": len(out.getvalue())}


def run_child(kind: str, data_dir: Path) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", kind, "--data", str(data_dir)], capture_output=True,
                          text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", default="500,2000", help="total evidence pages, comma-separated")
    ap.add_argument("--per-file", type=int, default=10)
    ap.add_argument("--child", choices=["dossier", "merge"])
    ap.add_argument("--data", type=Path)
    args = ap.parse_args()
    if args.child:
        fn = child_dossier if args.child == "dossier" else child_merge
        print(json.dumps(fn(args.data)))
        return
    rows = []
    for total in (int(x) for x in args.pages.split(",")):
        files = max(3, total // args.per_file)
        with tempfile.TemporaryDirectory(prefix="juece-bench-") as tmp:
            data_dir = Path(tmp)
            t = time.perf_counter()
            subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {str(ROOT)!r}); "
                            f"from bench.dossier import setup; from pathlib import Path; "
                            f"setup(Path({tmp!r}), {files}, {args.per_file})"], check=True)
            setup_s = time.perf_counter() - t
            merge = run_child("merge", data_dir)
            dossier = run_child("dossier", data_dir)
            rows.append((total, files, setup_s, merge, dossier))
            print(f"{merge['pages']:>5} evidence pages in {files} PDFs (setup {setup_s:.1f} s)")
            print(f"  bare pypdf merge : {merge['seconds']:6.2f} s wall {merge['cpu']:6.2f} s CPU   peak RSS "
                  f"{merge['peak_mb']:6.1f} MB (before {merge['base_mb']:.1f})   {merge['bytes'] / 1e6:5.1f} MB out")
            print(f"  juece dossier    : {dossier['seconds']:6.2f} s wall {dossier['cpu']:6.2f} s CPU   peak RSS "
                  f"{dossier['peak_mb']:6.1f} MB (before {dossier['base_mb']:.1f})   {dossier['bytes'] / 1e6:5.1f} MB out, "
                  f"{dossier['pages']} pages")
            print("    CPU by step: " + ", ".join(f"{k} {v:.2f}" for k, v in dossier["steps"].items()))
            print(f"  dossier / bare merge: {dossier['seconds'] / merge['seconds']:.2f}× wall, "
                  f"{dossier['cpu'] / merge['cpu']:.2f}× CPU", flush=True)
    if len(rows) > 1:
        (p0, _, _, _, d0), (p1, _, _, _, d1) = rows[0], rows[-1]
        print(f"peak RSS {p0} → {p1} pages: {d0['peak_mb']:.1f} → {d1['peak_mb']:.1f} MB "
              f"({d1['peak_mb'] / d0['peak_mb']:.2f}× for {p1 / p0:.0f}× the pages)")


if __name__ == "__main__":
    main()
