"""The transfer package (移交, Art 33): an archival information package of one filed decision.

``juece archive export ID -o DIR|FILE.zip`` writes

* ``juece-aip.xml`` — the description (DA/T 46-style metadata of the volume and of each document, and every
  file of the package with its size, SHA-256 and SM3), valid against the schema juece ships
  (``juece_data/archive/juece-aip.xsd``);
* ``volume/<code>-dossier.pdf`` — the PDF/A-3 volume, signed when the deployment has a certificate;
* ``originals/<件号>-<file name>`` — every document as it was submitted, bit for bit;
* ``audit/audit-chain.json`` — the decision's audit chain (every event with its SHA-256 and SM3 chain values).

`decisions.archive.checks` reads such a package back (四性检测, DA/T 70) with nothing but the package.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from datetime import date
from pathlib import Path

import pikepdf
from lxml import etree
from sqlmodel import col, select

from decisions import clock
from decisions.archive import service
from decisions.errors import BadInput, Blocked, IntegrityFailure, Unmet
from decisions.procedure.service import get_decision
from decisions.records import audit, evidence_store
from decisions.records.models import AuditEvent
from decisions.storage.locations import archive_schema
from decisions.storage.unit_of_work import UnitOfWork
from pdf import description, dossier

FORMAT = "juece-aip/1"
NS = "urn:juece:aip:1"
DESCRIPTION = "juece-aip.xml"
AUDIT_FILE = "audit/audit-chain.json"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed member times: the same package gives the same zip


def sm3_of(data: bytes) -> str:
    """SM3 (GB/T 32905-2016) of a file, through what the audit trail uses; '' where the platform has none."""
    return audit.sm3_hex(data) if audit.sm3_hex is not None else ""


def safe_name(name: str) -> str:
    """A file name that is one path component: no separators, no control characters, not '.' or '..'."""
    clean = re.sub(r"[/\\\x00-\x1f\x7f]", "_", name).strip() or "file"
    return "_" + clean if clean in (".", "..") or clean.startswith(".") else clean


def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(archive_schema())))


def _date(text: str, fallback: str) -> str:
    try:
        return date.fromisoformat(str(text)[:10]).isoformat()
    except ValueError:
        return fallback[:10]


def _el(parent: etree._Element, tag: str, text: object = None, **attrs: object) -> etree._Element:
    e = etree.SubElement(parent, f"{{{NS}}}{tag}", {k: str(v) for k, v in attrs.items()})
    if text is not None:
        e.text = str(text)
    return e


def export(ident: str | int, *, as_user: str | None, out: Path) -> dict:
    """Write the transfer package of a filed decision to ``out`` (a new directory, or a ``.zip`` file)."""
    out = Path(out)
    zipped = out.suffix.lower() == ".zip"
    if zipped and out.exists():
        raise BadInput(f"-o {str(out)!r} 已存在 / already exists")
    if not zipped and out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BadInput(f"-o {str(out)!r} 须为新目录或空目录 / must be a new or empty directory")
    if not out.parent.is_dir():
        raise BadInput(f"-o {str(out)!r}: 目录不存在 / directory does not exist")
    record, _actor, _role = service.load_record(ident, as_user)
    arc, dec = record["archive"], record["decision"]
    if not arc["filed"]:
        raise Blocked([Unmet("archive.filed", arc["article"], f"决策 {dec['code']} 尚未归档，不能移交：先 juece archive file",
                             f"{dec['code']} is not archived: file it first (juece archive file)")])
    problems = service.fixity_problems(record)
    if problems:
        raise IntegrityFailure("材料与记录不符，不能移交 / evidence does not match the record: " + "；".join(problems))
    volume = service.generate_dossier(ident, as_user=as_user)  # records its SHA-256 in the audit trail
    with pikepdf.open(io.BytesIO(volume["data"])) as pdf:
        manifest = dossier.read_manifest(pdf) or {"evidence": []}
    pages = {m["id"]: m.get("pages") for m in manifest["evidence"]}
    with UnitOfWork() as uow:
        s = uow.session
        d = get_decision(s, dec["id"])
        rows = s.exec(select(AuditEvent).where(AuditEvent.chain == d.id).order_by(col(AuditEvent.seq))).all()
        sm3 = dict(s.exec(select(audit.AuditSm3.seq, audit.AuditSm3.sm3).where(audit.AuditSm3.chain == d.id)).all())
        events = [{**{k: getattr(e, k) for k in (*audit.FIELDS, "id", "hash")}, "sm3": sm3.get(e.seq, "")}
                  for e in rows]
    files: dict[str, tuple[bytes, str, str]] = {}  # path -> (bytes, role, mime)
    volume_path = f"volume/{safe_name(volume['filename'])}"
    files[volume_path] = (volume["data"], "volume", "application/pdf")
    doc_paths = {}
    for e in record["evidence"]:
        path = f"originals/{e['no']:03d}-{safe_name(e['filename'])}"
        doc_paths[e["id"]] = path
        files[path] = (evidence_store.path_for(e["sha256"]).read_bytes(), "original", e["content_type"])
    chain_doc = {"format": "juece-audit-chain/1", "chain": d.id, "decision": dec["code"], "events": events}
    files[AUDIT_FILE] = (json.dumps(chain_doc, ensure_ascii=False, indent=1, default=str).encode("utf-8"), "audit",
                         "application/json")

    root = etree.Element(f"{{{NS}}}aip", nsmap={None: NS}, version="1")
    pkg = _el(root, "package")
    _el(pkg, "format", FORMAT)
    _el(pkg, "creator", "juece")
    _el(pkg, "created", clock.now().isoformat(timespec="seconds"))
    _el(pkg, "createdBy", as_user or "operator")
    v = _el(root, "volume")
    _el(v, "aggregationLevel", "卷")
    for tag, key in (("archivalCode", "code"), ("fonds", "fonds"), ("year", "year"), ("retention", "retention"),
                     ("retentionCode", "retention_code"), ("itemNumber", "item"),
                     ("classification", "classification"), ("access", "access"), ("accessBasis", "access_basis"),
                     ("filingUnit", "unit"), ("filedAt", "filed_at"), ("filer", "filer"), ("checker", "checker")):
        _el(v, tag, arc[key])
    _el(v, "title", dec["title"])
    _el(v, "responsible", record["organ"]["name"])
    _el(v, "undertaker", record["undertaker"]["name"])
    _el(v, "decisionCode", dec["code"])
    _el(v, "state", dec["state"])
    _el(v, "outcome", dec["outcome"])
    _el(v, "dateStart", dec["created_at"][:10])
    _el(v, "dateEnd", dossier.as_of(record)[:10])
    _el(v, "documentCount", len(record["evidence"]))
    _el(v, "pageCount", volume["pages"])
    _el(v, "procedure", name=record["profile"]["name"], version=record["profile"]["version"])
    _el(v, "volumeFile", path=volume_path)
    docs = _el(root, "documents")
    for e in record["evidence"]:
        x = _el(docs, "document")
        _el(x, "itemNo", e["no"])
        _el(x, "docNumber", description.doc_number(e))
        _el(x, "responsible", description.responsible(e) or record["organ"]["name"])
        _el(x, "title", f"{e['kind_name']}：{e['filename']}")
        _el(x, "date", _date(description.doc_iso_date(e), e["at"]))
        _el(x, "kind", e["kind_name"], code=e["kind"])
        _el(x, "stage", e["stage"])
        _el(x, "round", e["round"])
        _el(x, "submittedBy", f"{e['uploader']}（{e['role_name']}，{e['office_name']}）"
            + (f"，由 {e['on_behalf']} 代录" if e.get("on_behalf") else ""))
        _el(x, "submittedAt", e["at"])
        p = pages.get(e["id"])
        _el(x, "pages", f"{p[0]}-{p[1]}" if p else "")
        _el(x, "fileRef", path=doc_paths[e["id"]])
    fl = _el(root, "files")
    for path, (data, role, mime) in files.items():
        f = _el(fl, "file", path=path, role=role, size=len(data), mimeType=mime)
        _el(f, "sha256", hashlib.sha256(data).hexdigest())
        if (h := sm3_of(data)):
            _el(f, "sm3", h)
    au = _el(root, "audit")
    _el(au, "chain", d.id)
    _el(au, "events", len(events))
    _el(au, "headSha256", events[-1]["hash"])
    if events[-1]["sm3"]:
        _el(au, "headSm3", events[-1]["sm3"])
    _el(au, "auditFile", path=AUDIT_FILE)
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    xsd = schema()
    if not xsd.validate(etree.fromstring(xml)):
        raise IntegrityFailure("移交包描述不符合 juece-aip.xsd / the description does not validate: "
                               + "; ".join(str(err) for err in xsd.error_log))
    members = {DESCRIPTION: xml, **{p: t[0] for p, t in files.items()}}
    if zipped:
        tmp = out.with_name(out.name + ".part")
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in members.items():
                info = zipfile.ZipInfo(name, ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                z.writestr(info, data)
        tmp.replace(out)
    else:
        for name, data in members.items():
            target = out / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    return {"package": str(out), "decision": dec["code"], "code": arc["code"], "files": len(members),
            "documents": len(record["evidence"]), "pages": volume["pages"], "volume_sha256": volume["sha256"],
            "signed": volume.get("signed", False), "description_sha256": hashlib.sha256(xml).hexdigest()}
