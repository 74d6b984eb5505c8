"""四性检测 of a transfer package (DA/T 70-2018 文书类电子档案检测一般要求): authenticity (真实性), integrity
(完整性), usability (可用性) and security (安全性), each check with its result and the evidence for it.

Reads nothing but the package (a directory or a ``.zip`` written by `decisions.archive.package`): the receiving
archive runs it without juece's database. A check that fails names the file; ``juece archive check`` exits 6.
"""

from __future__ import annotations

import hashlib
import io
import json
import stat
import tempfile
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath

import pikepdf
from lxml import etree

from decisions import clock
from decisions.archive.package import AUDIT_FILE, DESCRIPTION, FORMAT, NS, schema, sm3_of
from decisions.errors import BadInput
from decisions.records import audit, filetypes
from pdf import dossier, offline

CATEGORIES = {"authenticity": "真实性", "integrity": "完整性", "usability": "可用性", "security": "安全性"}
PASS, FAIL, WARN = "pass", "fail", "warn"
MAX_MEMBER = 2 * 1024 ** 3


@dataclass
class Check:
    category: str
    id: str
    name: str
    result: str = PASS
    evidence: list[str] = field(default_factory=list)

    def fail(self, text: str) -> None:
        self.result = FAIL
        self.evidence.append(text)

    def warn(self, text: str) -> None:
        if self.result == PASS:
            self.result = WARN
        self.evidence.append(text)


@dataclass
class Package:
    """The package's members (path -> bytes) and what was found about its form (links, unsafe names)."""

    source: str
    members: dict[str, bytes]
    unsafe: list[str]


def read_package(path: str | Path) -> Package:
    p = Path(path)
    members: dict[str, bytes] = {}
    unsafe: list[str] = []
    if p.is_file() and zipfile.is_zipfile(p):
        with zipfile.ZipFile(p) as z:
            for info in z.infolist():
                if info.is_dir():
                    continue
                name = info.filename
                if stat.S_ISLNK(info.external_attr >> 16):
                    unsafe.append(f"{name}: 符号链接 / a symbolic link")
                    continue
                if not _safe_path(name):
                    unsafe.append(f"{name}: 路径越出包目录 / a path outside the package")
                    continue
                if info.file_size > MAX_MEMBER:
                    unsafe.append(f"{name}: {info.file_size} 字节，超过上限 / too large")
                    continue
                members[name] = z.read(info)
    elif p.is_dir():
        for f in sorted(p.rglob("*")):
            rel = f.relative_to(p).as_posix()
            if f.is_symlink():
                unsafe.append(f"{rel}: 符号链接 / a symbolic link")
            elif f.is_file():
                members[rel] = f.read_bytes()
    else:
        raise BadInput(f"不是移交包（目录或 .zip）/ not a package (a directory or a .zip): {str(path)!r}")
    return Package(str(path), members, unsafe)


def _safe_path(name: str) -> bool:
    pp = PurePosixPath(name)
    return not pp.is_absolute() and ".." not in pp.parts and "\\" not in name and ":" not in pp.parts[0]


def check_package(path: str | Path) -> dict:
    """The 四性检测 report of the package at ``path``: ``ok`` and every check with its result and evidence."""
    pkg = read_package(path)
    checks = _run(pkg)
    failed = [c for c in checks if c.result == FAIL]
    summary = {CATEGORIES[k]: (FAIL if any(c.result == FAIL for c in checks if c.category == k) else PASS)
               for k in CATEGORIES}
    return {"format": "juece-aip-check/1", "standard": "DA/T 70-2018 四性检测", "package": pkg.source,
            "checked_at": clock.now().isoformat(timespec="seconds"), "ok": not failed, "summary": summary,
            "failed": [f"{CATEGORIES[c.category]} {c.id} {c.name}" for c in failed],
            "checks": [{**asdict(c), "category_zh": CATEGORIES[c.category]} for c in checks]}


def _run(pkg: Package) -> list[Check]:  # noqa: C901 - one list of checks, in the standard's order
    m = pkg.members
    out: list[Check] = []

    # ---------------------------------------------------------------- usability: can the description be read
    u1 = Check("usability", "U1", "说明文件可解析（XML 格式良好）/ the description is well-formed XML")
    out.append(u1)
    root = None
    if DESCRIPTION not in m:
        u1.fail(f"{DESCRIPTION}: 缺少说明文件 / missing")
    else:
        try:
            root = etree.fromstring(m[DESCRIPTION], etree.XMLParser(resolve_entities=False, no_network=True))
            u1.evidence.append(f"{DESCRIPTION}: {len(m[DESCRIPTION])} 字节, sha256 {hashlib.sha256(m[DESCRIPTION]).hexdigest()}")
        except etree.XMLSyntaxError as exc:
            u1.fail(f"{DESCRIPTION}: {exc}")

    a1 = Check("authenticity", "A1", "元数据符合规范（juece-aip.xsd）/ the metadata validate against the schema")
    out.append(a1)
    listed: dict[str, dict] = {}
    if root is not None:
        xsd = schema()
        if xsd.validate(root):
            a1.evidence.append(f"{DESCRIPTION}: valid against juece-aip.xsd ({FORMAT})")
        else:
            for err in list(xsd.error_log)[:20]:
                a1.fail(f"{DESCRIPTION} line {err.line}: {err.message}")
        for f in root.iterfind(f"{{{NS}}}files/{{{NS}}}file"):
            listed[f.get("path", "")] = {"role": f.get("role"), "size": f.get("size"), "mime": f.get("mimeType"),
                                         "sha256": f.findtext(f"{{{NS}}}sha256") or "",
                                         "sm3": f.findtext(f"{{{NS}}}sm3") or ""}
    else:
        a1.fail("说明文件不可读，无法校验 / no readable description")

    def text(xpath: str) -> str:
        if root is None:
            return ""
        return root.findtext("/".join(f"{{{NS}}}{p}" for p in xpath.split("/"))) or ""

    # ---------------------------------------------------------------- authenticity: fixity of every file
    a2 = Check("authenticity", "A2", "文件固定性：SHA-256 与说明一致 / every file's SHA-256 matches the description")
    a3 = Check("authenticity", "A3", "文件固定性：SM3 与说明一致（GB/T 32905）/ every file's SM3 matches the description")
    out += [a2, a3]
    for path, want in listed.items():
        data = m.get(path)
        if data is None:
            continue  # integrity I1 names it
        got = hashlib.sha256(data).hexdigest()
        if got != want["sha256"]:
            a2.fail(f"{path}: 说明中 sha256 {want['sha256']}，实际 {got} / the file changed")
        else:
            a2.evidence.append(f"{path}: sha256 {got}")
        if want["sm3"]:
            got3 = sm3_of(data)
            if not got3:
                a3.warn(f"{path}: 本机不支持 SM3，未核验 / SM3 unavailable here")
            elif got3 != want["sm3"]:
                a3.fail(f"{path}: 说明中 sm3 {want['sm3']}，实际 {got3} / the file changed")
            else:
                a3.evidence.append(f"{path}: sm3 {got3}")
        else:
            a3.warn(f"{path}: 说明中无 SM3 / no SM3 recorded")
    if not listed:
        a2.fail("说明中没有文件清单 / the description lists no files")

    # ---------------------------------------------------------------- authenticity: the audit chain
    a4 = Check("authenticity", "A4", "审计链可复算（SHA-256 与 SM3 双链）/ the audit chain recomputes")
    out.append(a4)
    events: list[dict] = []
    if AUDIT_FILE in m:
        try:
            chain_doc = json.loads(m[AUDIT_FILE].decode("utf-8"))
            events = list(chain_doc["events"])
            sm3 = {e["seq"]: e["sm3"] for e in events if e.get("sm3")}
            problems = audit.verify_chain(events, sm3 or None)
            for p in problems:
                a4.fail(f"{AUDIT_FILE}: {p}")
            if not problems:
                a4.evidence.append(f"{AUDIT_FILE}: {len(events)} 条事件，链值逐条复算一致；链头 sha256 "
                                   f"{events[-1]['hash'] if events else '—'}")
            if events and text("audit/headSha256") != events[-1]["hash"]:
                a4.fail(f"{AUDIT_FILE}: 链头 {events[-1]['hash']} 与说明 {text('audit/headSha256')} 不符 / the head "
                        "differs from the description")
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            a4.fail(f"{AUDIT_FILE}: 不可读 / unreadable: {exc}")
    else:
        a4.fail(f"{AUDIT_FILE}: 缺少审计链 / missing")

    # ---------------------------------------------------------------- authenticity: the volume
    a5 = Check("authenticity", "A5", "案卷：签名、内嵌原件、清单与元数据 / the volume: signature, embedded originals, "
                                     "manifest, metadata")
    u2 = Check("usability", "U2", "案卷可打开且为 PDF/A / the volume opens and is PDF/A")
    s2 = Check("security", "S2", "案卷未加密、无脚本或外部动作 / the volume is not encrypted and has no scripts")
    out += [a5, u2, s2]
    volume_path = root.find(f"{{{NS}}}volume/{{{NS}}}volumeFile").get("path") if root is not None and root.find(
        f"{{{NS}}}volume/{{{NS}}}volumeFile") is not None else ""
    vdata = m.get(volume_path)
    manifest: dict | None = None
    if vdata is None:
        for c in (a5, u2, s2):
            c.fail(f"{volume_path or 'volume/'}: 缺少案卷文件 / the volume is missing")
    else:
        with tempfile.TemporaryDirectory() as tmp:
            vf = Path(tmp) / "volume.pdf"
            vf.write_bytes(vdata)
            report = offline.verify_offline(vf)
        for p in report.problems:
            (u2 if p.startswith("PDF/A") else a5).fail(f"{volume_path}: {p}")
        a5.evidence.append(f"{volume_path}: {'已签名' if report.signed else '未签名（部署未配置证书）'}；内嵌原件核验 "
                           f"{report.embedded_checked} 件")
        if not report.signed:
            a5.warn(f"{volume_path}: 案卷未签名 / the volume is not signed")
        try:
            with pikepdf.open(io.BytesIO(vdata)) as pdf:
                manifest = dossier.read_manifest(pdf)
                u2.evidence.append(f"{volume_path}: {len(pdf.pages)} 页，PDF/A {pdf.open_metadata().pdfa_status or '—'}")
                if pdf.is_encrypted:
                    s2.fail(f"{volume_path}: 已加密 / encrypted")
                names = pdf.Root.get("/Names")
                if pdf.Root.get("/OpenAction") is not None or (names is not None and "/JavaScript" in names):
                    s2.fail(f"{volume_path}: 含打开动作或 JavaScript / has an open action or JavaScript")
                else:
                    s2.evidence.append(f"{volume_path}: 未加密，无 JavaScript 与打开动作")
        except pikepdf.PdfError as exc:
            u2.fail(f"{volume_path}: 不是可读的 PDF / not a readable PDF: {exc}")
            s2.fail(f"{volume_path}: 无法检查 / cannot be checked")
        if manifest is not None:
            by_no = {str(e["no"]): e for e in manifest.get("evidence", [])}
            for d in root.iterfind(f"{{{NS}}}documents/{{{NS}}}document") if root is not None else []:
                no = d.findtext(f"{{{NS}}}itemNo") or ""
                ref = d.find(f"{{{NS}}}fileRef").get("path", "")
                inside = by_no.get(no)
                want = listed.get(ref, {}).get("sha256")
                if inside is None:
                    a5.fail(f"{ref}: 第{no}件不在案卷清单中 / not in the volume's manifest")
                elif inside["sha256"] != want:
                    a5.fail(f"{ref}: 案卷内第{no}件 sha256 {inside['sha256']}，说明中 {want} / the volume and the "
                            "package disagree")
            if manifest.get("decision", {}).get("code") != text("volume/decisionCode"):
                a5.fail(f"{volume_path}: 案卷属于 {manifest.get('decision', {}).get('code')}，说明为 "
                        f"{text('volume/decisionCode')} / another decision")

    # ---------------------------------------------------------------- authenticity: filed with this code
    a6 = Check("authenticity", "A6", "归档记录：审计链中有以此档号归档的事件 / the audit chain files the volume under "
                                     "this 档号")
    out.append(a6)
    code = text("volume/archivalCode")
    filed = [e for e in events if e.get("action") == "archived" and (e.get("detail") or {}).get("code") == code]
    if filed:
        a6.evidence.append(f"{AUDIT_FILE}: 第 {filed[0]['seq']} 条事件（{filed[0]['at']}，{filed[0]['actor']}）归档，"
                           f"档号 {code}")
    else:
        a6.fail(f"{AUDIT_FILE}: 没有以档号 {code or '—'} 归档的事件 / no 'archived' event with this code")

    # ---------------------------------------------------------------- integrity
    i1 = Check("integrity", "I1", "说明所列文件齐全 / every file the description lists is present")
    i2 = Check("integrity", "I2", "包内无说明以外的文件 / no file outside the description")
    i3 = Check("integrity", "I3", "件数一致：说明、原件与案卷清单 / the document counts agree")
    i4 = Check("integrity", "I4", "必备元数据项齐全 / the required metadata are present")
    out += [i1, i2, i3, i4]
    for path, want in listed.items():
        if path not in m:
            i1.fail(f"{path}: 缺少 / missing")
        elif str(len(m[path])) != want["size"]:
            i1.fail(f"{path}: 说明中 {want['size']} 字节，实际 {len(m[path])} 字节 / size differs")
    if listed and i1.result == PASS:
        i1.evidence.append(f"{len(listed)} 个文件均在包内，大小一致")
    extra = sorted(set(m) - set(listed) - {DESCRIPTION})
    for path in extra:
        i2.fail(f"{path}: 说明中未列出 / not in the description")
    if not extra:
        i2.evidence.append(f"包内 {len(m)} 个文件：说明文件及其所列文件")
    docs = root.findall(f"{{{NS}}}documents/{{{NS}}}document") if root is not None else []
    originals = [p for p, w in listed.items() if w["role"] == "original"]
    count = text("volume/documentCount")
    in_manifest = len(manifest.get("evidence", [])) if manifest else None
    counts = {"documentCount": count, "documents": str(len(docs)), "originals": str(len(originals)),
              "volume manifest": str(in_manifest)}
    if len(set(counts.values())) != 1:
        i3.fail("件数不一致 / counts differ: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    else:
        i3.evidence.append(f"共 {count} 件：说明、原件与案卷清单一致")
    for tag in ("archivalCode", "fonds", "year", "retention", "classification", "access", "filingUnit", "filedAt",
                "filer", "checker", "title", "responsible"):
        if not text(f"volume/{tag}").strip():
            i4.fail(f"{DESCRIPTION}: volume/{tag} 为空 / empty")
    if i4.result == PASS:
        i4.evidence.append(f"档号 {code}；保管期限 {text('volume/retention')}；密级 {text('volume/classification')}；"
                           f"{text('volume/access')}；立卷人 {text('volume/filer')}，检查人 {text('volume/checker')}")

    # ---------------------------------------------------------------- usability: the originals
    u3 = Check("usability", "U3", "原件格式可识别且与登记类型相符 / each original is of the format recorded")
    out.append(u3)
    for path in originals:
        data = m.get(path)
        if data is None:
            continue
        ctype, problem = filetypes.check(path, data)
        if ctype is None:
            u3.fail(f"{path}: {problem}")
        elif ctype != listed[path]["mime"]:
            u3.fail(f"{path}: 内容为 {ctype}，说明登记为 {listed[path]['mime']} / the type differs")
        else:
            u3.evidence.append(f"{path}: {ctype}")

    # ---------------------------------------------------------------- security
    s1 = Check("security", "S1", "包结构安全：无符号链接、无越界路径 / no links, no paths outside the package")
    s3 = Check("security", "S3", "密级与开放状态已著录 / classification and access are recorded")
    out += [s1, s3]
    for u in pkg.unsafe:
        s1.fail(u)
    for path in listed:
        if not _safe_path(path):
            s1.fail(f"{path}: 说明中的路径越出包目录 / a path outside the package")
    if s1.result == PASS:
        s1.evidence.append("所有成员均为包内普通文件")
    cls, acc = text("volume/classification"), text("volume/access")
    if not cls or not acc:
        s3.fail(f"{DESCRIPTION}: 密级或开放状态未著录 / not recorded")
    else:
        s3.evidence.append(f"密级 {cls}，{acc}（{text('volume/accessBasis')}）")
        if acc == "控制":
            s3.warn("控制使用：移交后须按控制范围提供利用 / controlled access")
    order = list(CATEGORIES)
    return sorted(out, key=lambda c: (order.index(c.category), c.id))


def human(report: dict) -> str:
    lines = [f"四性检测 / DA/T 70 check: {report['package']} — {'通过 / passed' if report['ok'] else '未通过 / FAILED'}"]
    for zh, result in report["summary"].items():
        lines.append(f"  {zh}: {result}")
    for c in report["checks"]:
        lines.append(f"  [{c['result']}] {c['category_zh']} {c['id']} {c['name']}")
        if c["result"] != PASS:
            lines += [f"      - {e}" for e in c["evidence"]]
    return "\n".join(lines)
