"""Benchmark: the archived dossier of a decision with many evidence PDFs vs a bare pypdf merge.

    .venv/bin/python bench/dossier.py                          # 2,000 and 10,000 text pages + scan-like (~175 MB)
    .venv/bin/python bench/dossier.py --quick                  # 200 and 1,000 pages + ~20 MB of scans (a minute)
    .venv/bin/python bench/dossier.py --pages 2000 --scan-mb 0 # one size, no scan case

For each case it builds a throwaway deployment (temp dir), walks one decision to drafting through the
service layer and attaches the evidence:

* text: N pages in PDFs of ``--per-file`` pages of Chinese text, each PDF with its own embedded font subset;
* scan-like: PDFs of ``--per-file`` pages each carrying one large photographic JPEG (noise, so it does not
  compress; about 1.2 MB a page), ``--scan-mb`` megabytes of evidence in all.

Then, each in a fresh child process whose peak RSS is read from the kernel (``os.wait4``: the child's own
rusage, so nothing else of the benchmark counts):

* ``dossier``: `decisions.archive.generate_dossier` written to a file (record, fixity check of every file (as
  it is embedded), rendering, merge, stamps, attachments, PDF/A finishing, active-content check, audit event);
* ``merge``: a bare `pypdf` merge of the same files (``PdfWriter.append`` + ``write`` to a file) — the baseline.

Prints wall and CPU time (CPU is the steadier figure on a shared machine), peak RSS, the dossier's CPU
by step, and the ratios measured in this run (aim: dossier ≤ 2× the bare merge, peak ≤ 400 MB and flat
as the page count or the evidence size grows).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
MAX_FILE_MB = "200"


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


def _noise_jpegs(count: int) -> list[tuple[bytes, int, int]]:
    """Photographic-looking JPEGs that do not compress (noise over a gradient), ~1.2 MB each, A4 at 150 dpi."""
    from PIL import Image

    w, h = 1240, 1754
    out = []
    for k in range(count):
        rnd = random.Random(713 + k)
        im = Image.frombytes("RGB", (w, h), rnd.randbytes(w * h * 3))
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality=70)
        out.append((buf.getvalue(), w, h))
    return out


def _scan_pdf(n: int, pages: int, images: list[tuple[bytes, int, int]]) -> bytes:
    """A scanned document: one JPEG per page (DCTDecode, the bytes as they are), A4."""
    import pikepdf

    pdf = pikepdf.new()
    for p in range(pages):
        data, w, h = images[(n + p) % len(images)]
        img = pikepdf.Stream(pdf, data)
        img.Type, img.Subtype, img.Width, img.Height = pikepdf.Name.XObject, pikepdf.Name.Image, w, h
        img.ColorSpace, img.BitsPerComponent, img.Filter = pikepdf.Name.DeviceRGB, 8, pikepdf.Name.DCTDecode
        page = pdf.add_blank_page(page_size=(595.28, 841.89))
        page.obj.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=img))
        page.obj.Contents = pdf.make_stream(f"% scan {n}/{p}\nq 595.28 0 0 841.89 0 0 cm /Im0 Do Q".encode())
    buf = io.BytesIO()
    pdf.save(buf, deterministic_id=True)
    return buf.getvalue()


def setup(data_dir: Path, files: int, per_file: int, scan: bool = False) -> None:
    os.environ["JUECE_DATA_DIR"] = str(data_dir)
    os.environ["JUECE_DATABASE_URL"] = f"sqlite:///{data_dir / 'juece.db'}"
    os.environ["JUECE_NOW"] = "2026-03-02T09:00:00+08:00"
    os.environ["JUECE_MAX_FILE_MB"] = MAX_FILE_MB
    from decisions.accounts import service as directory
    from decisions.procedure import service
    from decisions.storage import db

    images = _noise_jpegs(7) if scan else []

    def evidence(n: int) -> bytes:
        return _scan_pdf(n, per_file, images) if scan else _evidence_pdf(n, per_file)

    db.migrate()
    directory.add_office("CITY", "示例市人民政府", "city")
    directory.add_office("CITY-DRC", "示例市发展和改革委员会", "department", parent="CITY")
    for name, office, roles in (("organ", "CITY", ["decision_organ"]), ("drafter", "CITY-DRC", ["drafter"]),
                                ("archivist", "CITY", ["archivist"])):
        directory.add_user(name, name, office, roles)
    d = service.new_decision(title="示例市城市更新专项规划（基准测试）", organ="CITY", undertaker="CITY-DRC", category=2,
                             source="department", as_user="organ")["id"]
    service.add_evidence(d, kind="proposal", filename="建议.pdf", data=evidence(1),
                         meta={"source": "department"}, as_user="organ")
    service.add_evidence(d, kind="start_decision", filename="启动决定.pdf", data=evidence(2), meta={},
                         as_user="organ")
    service.advance(d, as_user="organ")
    for n in range(3, files + 1):
        service.add_evidence(d, kind="draft", filename=f"草案第{n}稿.pdf", data=evidence(n),
                             meta={"version": f"v{n}"}, as_user="drafter")


def _env(data_dir: Path) -> None:
    os.environ["JUECE_DATA_DIR"] = str(data_dir)
    os.environ["JUECE_DATABASE_URL"] = f"sqlite:///{data_dir / 'juece.db'}"
    os.environ["JUECE_MAX_FILE_MB"] = MAX_FILE_MB


def child_dossier(data_dir: Path) -> dict:
    _env(data_dir)
    from decisions.archive import service as archive
    from pdf import fonts

    fonts.chain()  # font loading is a per-process cost, not a per-dossier one
    base = _rss_mb()
    target = data_dir / "dossier.pdf"
    t, c = time.perf_counter(), time.process_time()
    r = archive.generate_dossier(1, as_user="archivist", to=target)
    elapsed, cpu = time.perf_counter() - t, time.process_time() - c
    return {"seconds": elapsed, "cpu": cpu, "peak_mb": _rss_mb(), "base_mb": base, "pages": r["pages"],
            "bytes": target.stat().st_size, "steps": r["timings"]}


def child_merge(data_dir: Path) -> dict:
    _env(data_dir)
    from pypdf import PdfWriter
    from sqlmodel import col, select

    from decisions.procedure.models import Evidence
    from decisions.records import evidence_store
    from decisions.storage.unit_of_work import UnitOfWork

    with UnitOfWork() as uow:
        shas = list(uow.session.exec(select(Evidence.sha256).order_by(col(Evidence.id))))
    base = _rss_mb()
    target = data_dir / "merged.pdf"
    t, c = time.perf_counter(), time.process_time()
    w = PdfWriter()
    for sha in shas:
        w.append(str(evidence_store.path_for(sha)))
    with open(target, "wb") as f:
        w.write(f)
    elapsed, cpu = time.perf_counter() - t, time.process_time() - c
    return {"seconds": elapsed, "cpu": cpu, "peak_mb": _rss_mb(), "base_mb": base, "pages": len(w.pages),
            "bytes": target.stat().st_size}


def run_child(kind: str, data_dir: Path) -> dict:
    """Run one case in a fresh process; its peak RSS as the kernel reports it for that child (wait4)."""
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([sys.executable, __file__, "--child", kind, "--data", str(data_dir)],
                                stdout=subprocess.PIPE, stderr=err)
        assert proc.stdout is not None
        out = proc.stdout.read().decode()
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            err.seek(0)
            raise SystemExit(f"{kind} child failed:\n{err.read().decode(errors='replace')[-3000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    result["peak_mb"] = usage.ru_maxrss / 1024
    return result


def run_case(label: str, files: int, per_file: int, scan: bool) -> dict:
    with tempfile.TemporaryDirectory(prefix="juece-bench-") as tmp:
        data_dir = Path(tmp)
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {str(ROOT)!r}); "
                        f"from bench.dossier import setup; from pathlib import Path; "
                        f"setup(Path({tmp!r}), {files}, {per_file}, {scan})"], check=True)
        setup_s = time.perf_counter() - t
        evidence_mb = sum(f.stat().st_size for f in (data_dir / "objects").rglob("*") if f.is_file()) / 1e6
        merge = run_child("merge", data_dir)
        dossier = run_child("dossier", data_dir)
    print(f"{label}: {merge['pages']:,} evidence pages in {files} PDFs, {evidence_mb:.1f} MB of evidence "
          f"(setup {setup_s:.1f} s)")
    print(f"  bare pypdf merge : {merge['seconds']:6.2f} s wall {merge['cpu']:6.2f} s CPU   peak RSS "
          f"{merge['peak_mb']:6.1f} MB (before {merge['base_mb']:.1f})   {merge['bytes'] / 1e6:6.1f} MB out")
    print(f"  juece dossier    : {dossier['seconds']:6.2f} s wall {dossier['cpu']:6.2f} s CPU   peak RSS "
          f"{dossier['peak_mb']:6.1f} MB (before {dossier['base_mb']:.1f})   {dossier['bytes'] / 1e6:6.1f} MB out, "
          f"{dossier['pages']:,} pages")
    print("    CPU by step: " + ", ".join(f"{k} {v:.2f}" for k, v in dossier["steps"].items()))
    print(f"  dossier / bare merge: {dossier['seconds'] / merge['seconds']:.2f}× wall, "
          f"{dossier['cpu'] / merge['cpu']:.2f}× CPU", flush=True)
    return {"label": label, "pages": merge["pages"], "evidence_mb": evidence_mb, "merge": merge, "dossier": dossier}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", default="2000,10000", help="total text evidence pages, comma-separated")
    ap.add_argument("--per-file", type=int, default=10, help="pages per evidence PDF")
    ap.add_argument("--scan-mb", type=float, default=175, help="scan-like evidence, MB (0: no scan case)")
    ap.add_argument("--quick", action="store_true", help="200 and 1,000 pages, 20 MB of scans")
    ap.add_argument("--child", choices=["dossier", "merge"])
    ap.add_argument("--data", type=Path)
    args = ap.parse_args()
    if args.child:
        fn = child_dossier if args.child == "dossier" else child_merge
        print(json.dumps(fn(args.data)))
        return
    if args.quick:
        args.pages, args.scan_mb = "200,1000", 20
    rows = [run_case(f"text {int(total):,}", max(3, int(total) // args.per_file), args.per_file, False)
            for total in args.pages.split(",") if total.strip()]
    if args.scan_mb > 0:
        per_page_mb = 1.2  # the noise JPEGs of _noise_jpegs
        files = max(3, round(args.scan_mb / per_page_mb / args.per_file))
        rows.append(run_case("scan-like", files, args.per_file, True))
    print("\nsummary (goal: dossier ≤ 2× the bare merge, peak RSS ≤ 400 MB, flat):")
    print(f"  {'case':<12} {'pages':>7} {'evidence':>10} {'dossier s':>10} {'merge s':>8} {'× wall':>7} {'× CPU':>6} "
          f"{'dossier MB':>11} {'merge MB':>9}")
    for r in rows:
        d, m = r["dossier"], r["merge"]
        print(f"  {r['label']:<12} {r['pages']:>7,} {r['evidence_mb']:>8.1f}MB {d['seconds']:>10.2f} {m['seconds']:>8.2f} "
              f"{d['seconds'] / m['seconds']:>6.2f}× {d['cpu'] / m['cpu']:>5.2f}× {d['peak_mb']:>11.1f} "
              f"{m['peak_mb']:>9.1f}")
    text = [r for r in rows if r["label"].startswith("text")]
    if len(text) > 1:
        a, b = text[0], text[-1]
        print(f"  peak RSS {a['pages']:,} → {b['pages']:,} pages: {a['dossier']['peak_mb']:.1f} → "
              f"{b['dossier']['peak_mb']:.1f} MB ({b['dossier']['peak_mb'] / a['dossier']['peak_mb']:.2f}× for "
              f"{b['pages'] / a['pages']:.0f}× the pages)")


if __name__ == "__main__":
    main()
