"""Verifying a dossier file on its own: no database, no evidence store, no network.

What an archive can check years later with nothing but the file (and, for the signature, the trust roots
it accepts): `verify_offline(path, trust_roots)` returns an `OfflineReport` whose ``problems`` each name
what is wrong —

- the signature(s), if any (`pdf.signing.signature_status`): intact, covering the whole file except later
  incremental updates that only add validation data or a document timestamp, and chaining to the given
  roots; an unsigned file that has incremental updates after the dossier was written;
- the manifest ``juece-dossier.json`` (embedded, ``/AFRelationship /Data``): present, of this format, and
  its page count;
- every embedded original (``/AFRelationship /Source``) against the SHA-256 and size in the manifest, and
  any embedded file the manifest does not list;
- the document information against the XMP metadata (title, author, subject, keywords, creator,
  producer, creation and modification dates; `pdf.pdfa.metadata_differences`), the manifest's title and
  "as of" time against them, and the other PDF/A-3b checks of `pdf.pdfa.check`.

Without a signature the manifest is only as trustworthy as the file: a forger who rewrites an original
and its manifest entry together is caught by `decisions.archive.verify_dossier` (the record and the audit
trail), not here. `cli` is what ``juece verify --dossier FILE --offline`` calls.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pikepdf
from pikepdf import Name

from pdf import dossier, pdfa, signing

ENV_TRUST_ROOTS = "JUECE_TRUST_ROOTS"  # default trust roots for `cli`: PEM paths separated by ':'
EXIT_OK, EXIT_BAD_INPUT, EXIT_INTEGRITY = 0, 2, 6


@dataclass
class OfflineReport:
    path: str
    sha256: str
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    signatures: list[signing.SignatureInfo] = field(default_factory=list)
    decision: dict | None = None  # the manifest's decision (id, code, title, state, as_of, interim)
    unsigned_sha256: str = ""  # SHA-256 of the dossier as rendered (before any signature)
    embedded_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def signed(self) -> bool:
        return any(s.kind == "signature" for s in self.signatures)

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "path": self.path, "sha256": self.sha256, "unsigned_sha256": self.unsigned_sha256,
                "signed": self.signed, "decision": self.decision, "embedded_checked": self.embedded_checked,
                "problems": self.problems, "notes": self.notes, "signatures": [asdict(s) for s in self.signatures]}


def verify_offline(path: str | Path, trust_roots: Sequence[Any] | None = None, *, require_signature: bool = False,
                   pdfa_checks: bool = True) -> OfflineReport:
    """Check the dossier file at ``path`` with nothing but the file (see the module docstring).
    ``trust_roots``: PEM/DER paths or certificates the signature must chain to (None: the chain is not
    checked, and a note says so). ``require_signature``: an unsigned file is a problem, not a note."""
    data = Path(path).read_bytes()
    report = OfflineReport(str(path), hashlib.sha256(data).hexdigest())
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except (pikepdf.PdfError, ValueError) as exc:
        report.problems.append(f"not a readable PDF / 不是可读的 PDF: {exc}")
        return report
    with pdf:
        _signatures(report, data, trust_roots, require_signature)
        manifest = dossier.read_manifest(pdf)
        if manifest is None or manifest.get("format") != dossier.FORMAT:
            report.problems.append(f"manifest {dossier.MANIFEST_NAME}: missing or not of format {dossier.FORMAT} — "
                                   "not a juece dossier / 缺少案卷清单")
        else:
            report.decision = manifest.get("decision")
            _embedded(report, pdf, manifest)
            if manifest.get("pages") != len(pdf.pages):
                report.problems.append(f"pages: the manifest says {manifest.get('pages')}, the file has "
                                       f"{len(pdf.pages)} / 页数与清单不符")
        metadata = pdfa.metadata_differences(pdf)
        report.problems += metadata
        if report.decision:
            _manifest_vs_metadata(report, pdf, report.decision)
    if pdfa_checks:
        report.problems += [f"PDF/A: {p}" for p in pdfa.check(data) if p not in metadata]
    return report


def _signatures(report: OfflineReport, data: bytes, trust_roots: Sequence[Any] | None,
                require_signature: bool) -> None:
    report.signatures = signing.signature_status(data, trust_roots)
    for s in report.signatures:
        report.problems += s.problems
    original = signing.unsigned_original(data)
    report.unsigned_sha256 = hashlib.sha256(original).hexdigest()
    if not report.signed:
        if require_signature:
            report.problems.append("signature: the file is not signed / 案卷未签章")
        else:
            report.notes.append("未签章：完整性仅由清单与文件自身保证 / not signed: integrity rests on the manifest")
        revisions = _revisions(data)
        if revisions > 1:
            report.problems.append(f"the file has {revisions - 1} incremental update(s) after the dossier was "
                                   "written, and no signature covers them / 案卷生成后被增量修改")
    elif trust_roots is None:
        report.notes.append("签章证书链未核验（未给出根证书）/ signature chain not checked: no trust roots given")


def _revisions(data: bytes) -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            from pyhanko.pdf_utils.reader import PdfFileReader

            return PdfFileReader(io.BytesIO(data), strict=False).xrefs.total_revisions
        except Exception:  # noqa: BLE001 - a damaged file: pikepdf's checks report it
            return 1


def _embedded(report: OfflineReport, pdf: pikepdf.Pdf, manifest: dict) -> None:
    files = pdf.attachments
    listed = {dossier.MANIFEST_NAME}
    for item in manifest.get("evidence", []):
        name = item.get("attachment", "")
        listed.add(name)
        label = f"embedded file 材料{item.get('no')} {item.get('filename')}"
        spec = files.get(name)
        if spec is None:
            report.problems.append(f"{label}: missing from the dossier (attachment {name!r}) / 原件附件缺失")
            continue
        try:
            blob = spec.get_file().read_bytes()
        except (pikepdf.PdfError, ValueError, KeyError, AttributeError) as exc:
            report.problems.append(f"{label}: unreadable ({exc}) / 原件附件无法读取")
            continue
        report.embedded_checked += 1
        got = hashlib.sha256(blob).hexdigest()
        if got != item.get("sha256"):
            report.problems.append(f"{label}: SHA-256 differs from the manifest (manifest {item.get('sha256')}, "
                                   f"file {got}) / 原件摘要与清单不符")
        elif item.get("size") is not None and len(blob) != item["size"]:
            report.problems.append(f"{label}: size differs from the manifest ({item['size']} vs {len(blob)} bytes)")
        rel = spec.obj.get(Name.AFRelationship)
        if rel != Name.Source:
            report.problems.append(f"{label}: /AFRelationship is {rel}, expected /Source")
    for name in files.keys():
        if name not in listed:
            report.problems.append(f"embedded file {name}: not listed in the manifest / 清单外的附件")


def _manifest_vs_metadata(report: OfflineReport, pdf: pikepdf.Pdf, decision: dict) -> None:
    info = pdf.docinfo
    title = decision.get("title")
    if title is not None and Name.Title in info and str(info[Name.Title]) != title:
        report.problems.append(f"Info Title differs from the manifest's title ({str(info[Name.Title])!r} vs {title!r})")
    until = decision.get("as_of")
    meta = pdf.open_metadata()
    modify = meta.get("xmp:ModifyDate")
    if until and modify and not pdfa.same_instant(pdfa.parse_xmp_date(str(modify)), pdfa.parse_xmp_date(until)):
        report.problems.append(f"XMP xmp:ModifyDate differs from the manifest's as_of (XMP {modify}, manifest {until})")


def cli(path: str | Path, trust_roots: Sequence[str | Path] = (), *, as_json: bool = False,
        out: Callable[[str], None] = print, err: Callable[[str], None] | None = None) -> int:
    """``juece verify --dossier FILE --offline [--trust-root PEM ...]``: print the report, return the exit code
    (0 verified, 2 no such file, 6 any problem). No roots given: those of ``JUECE_TRUST_ROOTS``, if set."""
    err = err or out
    if not Path(path).is_file():
        err(f"错误 / error: --dossier: 文件不存在 / file does not exist: {str(path)!r}")
        return EXIT_BAD_INPUT
    roots = list(trust_roots) or [p for p in os.environ.get(ENV_TRUST_ROOTS, "").split(os.pathsep) if p] or None
    try:
        r = verify_offline(path, roots)
    except (OSError, ValueError, TypeError) as exc:  # an unreadable trust root file
        err(f"错误 / error: --trust-root: {exc}")
        return EXIT_BAD_INPUT
    if as_json:
        out(json.dumps(r.to_json(), ensure_ascii=False, indent=2))
    elif r.ok:
        code = (r.decision or {}).get("code", "")
        out("\n".join([f"案卷离线核验通过 / dossier verified offline: {code} sha256={r.sha256}",
                       *(f"  签章 / {s.kind}: {s.field_name} — {s.signer or '?'} {s.signing_time}" for s in r.signatures),
                       *(f"  {n}" for n in r.notes)]))
    else:
        err("\n".join([f"案卷离线核验失败 / dossier fails offline verification: {path}", *(f"  - {p}" for p in r.problems)]))
    return EXIT_OK if r.ok else EXIT_INTEGRITY


__all__ = ["verify_offline", "OfflineReport", "cli", "ENV_TRUST_ROOTS"]
