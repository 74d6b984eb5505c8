"""The archive to national standards: the dossier's signature (pdf/signing.py), verifying a dossier file
with nothing but the file (pdf/offline.py), and the content fixes — unique font subset tags, the stamp
on dark scans, Info/XMP consistency in the PDF/A check, "记录截至" as the latest time (with backwards
times noted), the SM3 chain value beside SHA-256, every audit event as Chinese prose.

One decision is walked to execution once for the module (with public feedback, a stale flag and a
timestamp that runs backwards) and its dossier rendered once; each test works on copies of the bytes.
The PKI (a CA, a signing certificate, a TSA certificate, another CA) is made here with `cryptography`,
in a temporary directory; nothing is fetched from outside (the TSA is pyHanko's in-process dummy).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pytest
from argon2 import PasswordHasher
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas
from sqlmodel import select

from decisions.accounts import service as directory
from decisions.aftercare import service as aftercare
from decisions.archive import service as archive
from decisions.deadlines import scheduled
from decisions.procedure.service import get_decision
from decisions.records import audit
from decisions.records.models import AuditSm3
from decisions.storage.unit_of_work import UnitOfWork
from pdf import dossier, events, fonts, offline, pdfa, signing
from tests.helpers import Org, Walker
from tests.test_dossier_helpers import font_rows, text_of

PASSWORD = "签章口令-2026"


# ----------------------------------------------------------------- a PKI of our own
@dataclass
class Pki:
    dir: Path
    ca: Path
    cert: Path
    key: Path  # encrypted with PASSWORD
    other_ca: Path
    tsa_cert: Path
    tsa_key: Path  # not encrypted

    def config(self, **kw) -> signing.SigningConfig:
        return signing.SigningConfig(self.cert, self.key, PASSWORD.encode(), **kw)

    def timestamper(self):
        from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder
        from pyhanko.sign.timestamps import DummyTimeStamper

        return DummyTimeStamper(load_cert_from_pemder(str(self.tsa_cert)),
                                load_private_key_from_pemder(str(self.tsa_key), None))


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "示例市人民政府"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _usage(**on: bool) -> x509.KeyUsage:
    names = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment", "key_agreement",
             "key_cert_sign", "crl_sign", "encipher_only", "decipher_only")
    return x509.KeyUsage(**{n: on.get(n, False) for n in names})


def _cert(subject: str, key, issuer: x509.Certificate | None, issuer_key, *, ca: bool = False,
          tsa: bool = False) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    b = (x509.CertificateBuilder().subject_name(_name(subject))
         .issuer_name(issuer.subject if issuer else _name(subject)).public_key(key.public_key())
         .serial_number(x509.random_serial_number())
         .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False))
    if ca:
        b = b.add_extension(_usage(key_cert_sign=True, crl_sign=True, digital_signature=True), critical=True)
    else:
        b = b.add_extension(_usage(digital_signature=True, content_commitment=not tsa), critical=True)
        b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                            critical=False)
    if tsa:
        b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    return b.sign(issuer_key, hashes.SHA256())


def make_pki(d: Path) -> Pki:
    d.mkdir(parents=True, exist_ok=True)
    pem = serialization.Encoding.PEM

    def write(name: str, data: bytes) -> Path:
        (d / name).write_bytes(data)
        return d / name

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _cert("测试根证书 Test Root CA", ca_key, None, ca_key, ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = _cert("示例市人民政府档案签章", key, ca, ca_key)
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # pyHanko's dummy TSA is RSA-only
    tsa = _cert("测试时间戳 Test TSA", tsa_key, ca, ca_key, tsa=True)
    other_key = ec.generate_private_key(ec.SECP256R1())
    other = _cert("另一个根证书 Other CA", other_key, None, other_key, ca=True)
    pkcs8 = serialization.PrivateFormat.PKCS8
    return Pki(d, write("ca.pem", ca.public_bytes(pem)), write("sign.pem", leaf.public_bytes(pem)),
               write("sign.key", key.private_bytes(pem, pkcs8, serialization.BestAvailableEncryption(PASSWORD.encode()))),
               write("other-ca.pem", other.public_bytes(pem)), write("tsa.pem", tsa.public_bytes(pem)),
               write("tsa.key", tsa_key.private_bytes(pem, pkcs8, serialization.NoEncryption())))


def dark_scan(label: str = "暗色扫描件") -> bytes:
    """A 'scan' that is black to its edges, with white text in the middle (byte-reproducible)."""
    chain = fonts.chain()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1, initialFontName=chain.primary)
    c.setFillGray(0.05)
    c.rect(0, 0, A4[0], A4[1], stroke=0, fill=1)
    c.setFillGray(1)
    c.setFont(chain.primary, 18)
    c.drawString(80, A4[1] / 2, label)
    c.showPage()
    c.save()
    return buf.getvalue()


# ----------------------------------------------------------------- the module's decision and dossier
@pytest.fixture(scope="module")
def case(module_deployment):  # noqa: ANN001
    with module_deployment() as d, pytest.MonkeyPatch.context() as mp:
        for var in (signing.ENV_CERT, signing.ENV_KEY, signing.ENV_KEY_PASSWORD, signing.ENV_TSA, signing.ENV_CHAIN):
            mp.delenv(var, raising=False)
        mp.setattr(directory, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
        Org.create()
        w = Walker().new()
        w.ev("proposal", user="organ", name="建议（暗色扫描件）.pdf", data=dark_scan(), source="department")
        w.walk_to("execution")
        mp.setenv("JUECE_NOW", "2026-07-01T10:00:00+08:00")
        aftercare.add_feedback(w.id, channel="letter", content="建议公布执行进度")
        mp.setenv("JUECE_NOW", "2026-06-15T08:00:00+08:00")  # the clock set back: the next event is earlier
        with UnitOfWork() as uow:
            scheduled.decision_event(uow.session, get_decision(uow.session, w.id), "stale_flag",
                                     {"deadline": f"{w.id}:stale", "since_state": "execution",
                                      "threshold_due": "2026-06-01", "article": "Art 38¶2"})
            uow.commit()
        r = archive.generate_dossier(w.id, as_user="archivist")
        path = d.root / r["filename"]
        path.write_bytes(r["data"])
        with UnitOfWork() as uow:
            record = archive.build_record(uow.session, get_decision(uow.session, w.id))
            sm3 = dict(uow.session.exec(select(AuditSm3.seq, AuditSm3.sm3).where(AuditSm3.chain == w.id)).all())
        yield {"id": w.id, "data": r["data"], "path": path, "record": record, "sm3": sm3,
               "pki": make_pki(d.root / "pki"), "dir": d.root, "url": d.url}


def test_cli_verifies_a_dossier_offline_and_names_a_flipped_byte(case, tmp_path: Path):
    """`juece verify --dossier FILE --offline`: exit 0 on the file as made, 6 naming the problem after one byte
    of an embedded original is changed."""
    from typer.testing import CliRunner

    from decisions.cli import app

    good = CliRunner().invoke(app, ["verify", "--dossier", str(case["path"]), "--offline", "--json"])
    assert good.exit_code == 0, good.output
    bad_bytes = bytearray(case["data"])
    stream = bad_bytes.find(b"stream", len(bad_bytes) // 2)
    bad_bytes[stream + 20] ^= 0xFF
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(bytes(bad_bytes))
    res = CliRunner().invoke(app, ["verify", "--dossier", str(bad), "--offline"])
    assert res.exit_code == 6, res.output


@pytest.fixture()
def signed(case, tmp_path: Path) -> Path:
    out = tmp_path / "signed.pdf"
    result = signing.sign_pdf(case["path"], out, case["pki"].config())
    assert result.signed, result.note
    return out


def _save(pdf: pikepdf.Pdf, path: Path) -> Path:
    pdf.save(path)
    return path


def _has(problems: list[str], *needles: str) -> bool:
    return any(all(n in p for n in needles) for p in problems)


# ----------------------------------------------------------------- 1. the signature
def test_the_signed_dossier_validates_against_its_ca_and_keeps_pdfa(case, signed: Path):
    pki = case["pki"]
    data = signed.read_bytes()
    [sig] = signing.signature_status(signed, [pki.ca])
    assert sig.kind == "signature" and sig.field_name == signing.SIGNATURE_FIELD
    assert sig.intact and sig.valid and sig.trusted and sig.ok, sig.problems
    assert sig.coverage == "ENTIRE_FILE" and sig.signed_bytes == len(data)
    assert "示例市人民政府档案签章" in sig.signer and sig.signing_time

    # an incremental update: the dossier as rendered is the file's first bytes, unchanged
    assert data.startswith(case["data"]) and signing.unsigned_original(data) == case["data"]
    # the signature revision leaves Info and XMP alone (pyHanko's own update would make them disagree)
    with pikepdf.open(io.BytesIO(case["data"])) as before, pikepdf.open(signed) as after:
        assert dict(after.docinfo.items()) == dict(before.docinfo.items())
        assert str(after.open_metadata()) == str(before.open_metadata())
        assert pdfa.metadata_differences(after) == []
        widget = after.Root.AcroForm.Fields[0]
        assert int(widget.F) & 4 and not int(widget.F) & 3  # printable, not hidden (PDF/A)
    assert pdfa.check(data) == []

    # another CA: intact, but not trusted — and the problem says so
    [other] = signing.signature_status(signed, [pki.other_ca])
    assert other.intact and other.trusted is False
    assert _has(other.problems, "does not chain to the given trust roots")
    # no roots: integrity checked, the chain not (trusted None, no problem)
    [bare] = signing.signature_status(data)
    assert bare.intact and bare.trusted is None and bare.ok


def test_unsigned_when_not_configured_and_misconfiguration_is_an_error(case, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch):
    pki = case["pki"]
    out = tmp_path / "out.pdf"
    r = signing.sign_pdf(case["path"], out)  # nothing in the environment
    assert not r.signed and "not signed" in r.note and "JUECE_SIGN_CERT" in r.note
    assert out.read_bytes() == case["data"] and r.sha256 == r.unsigned_sha256
    assert r.summary()["signed"] is False
    assert signing.signature_status(out) == []

    monkeypatch.setenv(signing.ENV_CERT, str(pki.cert))
    with pytest.raises(signing.SigningError, match="JUECE_SIGN_KEY"):
        signing.sign_dossier(case["data"])
    monkeypatch.setenv(signing.ENV_KEY, str(pki.key))
    monkeypatch.setenv(signing.ENV_KEY_PASSWORD, "wrong")
    with pytest.raises(signing.SigningError, match="password"):
        signing.sign_dossier(case["data"])
    monkeypatch.setenv(signing.ENV_KEY_PASSWORD, PASSWORD)
    monkeypatch.setenv(signing.ENV_TSA, "http://127.0.0.1:9/tsa")
    cfg = signing.SigningConfig.from_env()
    assert cfg is not None and cfg.tsa_url == "http://127.0.0.1:9/tsa" and cfg.key_password == PASSWORD.encode()
    monkeypatch.delenv(signing.ENV_TSA)
    r = signing.sign_dossier(case["data"])  # configured by the environment, no TSA: B-B only
    assert r.signed and not r.timestamped and r.unsigned_sha256 != r.sha256
    assert [s.kind for s in signing.signature_status(r.data, [pki.ca])] == ["signature"]


def test_a_document_timestamp_is_added_when_a_tsa_is_given(case):
    pki = case["pki"]
    r = signing.sign_bytes(case["data"], pki.config(), timestamper=pki.timestamper())
    assert r.signed and r.timestamped
    sigs = signing.signature_status(r.data, [pki.ca])
    assert [s.kind for s in sigs] == ["signature", "timestamp"]
    sig, ts = sigs
    assert sig.ok and ts.ok, (sig.problems, ts.problems)
    assert sig.coverage == "ENTIRE_REVISION" and sig.modification == "LTA_UPDATES"  # the timestamp came after
    assert ts.coverage == "ENTIRE_FILE"
    assert signing.unsigned_original(r.data) == case["data"]
    assert pdfa.check(r.data) == []
    report = offline.verify_offline(_tmp(case, r.data, "timestamped.pdf"), [pki.ca])
    assert report.ok, report.problems


def _tmp(case, data: bytes, name: str = "tmp.pdf") -> Path:
    p = case["dir"] / name
    p.write_bytes(data)
    return p


# ----------------------------------------------------------------- 2. offline verification
def test_an_untouched_dossier_passes_offline_signed_or_not(case, signed: Path):
    plain = offline.verify_offline(case["path"])
    assert plain.ok, plain.problems
    assert not plain.signed and any("not signed" in n for n in plain.notes)
    assert plain.decision["code"] and plain.embedded_checked == len(case["record"]["evidence"])
    assert plain.unsigned_sha256 == plain.sha256

    report = offline.verify_offline(signed, [case["pki"].ca])
    assert report.ok, report.problems
    assert report.signed and report.unsigned_sha256 == plain.sha256 != report.sha256
    assert offline.verify_offline(signed, require_signature=True).ok
    assert not offline.verify_offline(case["path"], require_signature=True).ok


def test_one_flipped_byte_in_the_signed_file_is_named(case, signed: Path, tmp_path: Path):
    data = bytearray(signed.read_bytes())
    # a byte of the generated part's first content stream: the PDF still opens, the pages still count
    at = data.index(b"stream", data.index(b"/Contents")) + 40
    data[at] ^= 0x01
    bad = tmp_path / "flipped.pdf"
    bad.write_bytes(bytes(data))
    report = offline.verify_offline(bad, [case["pki"].ca])
    assert not report.ok
    assert _has(report.problems, f"signature {signing.SIGNATURE_FIELD}", "signed bytes changed"), report.problems
    assert offline.cli(bad, [case["pki"].ca], out=lambda s: None) == offline.EXIT_INTEGRITY


def test_a_removed_embedded_original_is_named(case, signed: Path, tmp_path: Path):
    item = next(e for e in _manifest(case["data"])["evidence"] if e["no"] == 2)
    with pikepdf.open(case["path"]) as pdf:
        del pdf.attachments[item["attachment"]]
        pdf.Root.AF = pikepdf.Array([o for o in pdf.Root.AF if str(o.get("/UF", "")) != item["attachment"]])
        bad = _save(pdf, tmp_path / "removed.pdf")
    report = offline.verify_offline(bad)
    assert not report.ok
    assert _has(report.problems, f"embedded file 材料2 {item['filename']}", "missing"), report.problems

    # the same on the signed file: the rewrite also breaks the signature, and both are named
    with pikepdf.open(signed) as pdf:
        del pdf.attachments[item["attachment"]]
        bad = _save(pdf, tmp_path / "removed-signed.pdf")
    report = offline.verify_offline(bad, [case["pki"].ca])
    assert _has(report.problems, f"embedded file 材料2 {item['filename']}", "missing")
    assert _has(report.problems, f"signature {signing.SIGNATURE_FIELD}"), report.problems


def test_a_replaced_embedded_original_and_an_unlisted_one_are_named(case, tmp_path: Path):
    item = next(e for e in _manifest(case["data"])["evidence"] if e["no"] == 3)
    with pikepdf.open(case["path"]) as pdf:
        pdf.attachments[item["attachment"]] = pikepdf.AttachedFileSpec(pdf, b"%PDF-1.7 forged", filename=item["attachment"],
                                                                       relationship=pikepdf.Name.Source)
        pdf.attachments["extra.txt"] = pikepdf.AttachedFileSpec(pdf, b"smuggled", filename="extra.txt")
        bad = _save(pdf, tmp_path / "replaced.pdf")
    report = offline.verify_offline(bad)
    assert _has(report.problems, f"embedded file 材料3 {item['filename']}", "SHA-256 differs"), report.problems
    assert _has(report.problems, "embedded file extra.txt", "not listed in the manifest")


def test_a_changed_xmp_date_or_title_is_named(case, tmp_path: Path):
    with pikepdf.open(case["path"]) as pdf:
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            meta["xmp:ModifyDate"] = "2030-01-01T00:00:00+08:00"
        bad = _save(pdf, tmp_path / "xmp-date.pdf")
    report = offline.verify_offline(bad)
    assert _has(report.problems, "XMP xmp:ModifyDate differs from Info ModDate"), report.problems
    assert pdfa.check(bad.read_bytes()) != []  # the PDF/A check compares them too now

    with pikepdf.open(case["path"]) as pdf:
        pdf.docinfo["/Title"] = "另一个标题"
        bad = _save(pdf, tmp_path / "title.pdf")
    assert _has(pdfa.check(bad.read_bytes()), "XMP dc:title differs from Info Title")
    report = offline.verify_offline(bad)
    assert _has(report.problems, "Info Title differs from the manifest's title")


def test_incremental_updates_after_the_dossier_or_after_signing_are_named(case, signed: Path, tmp_path: Path):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    def append_update(src: bytes) -> bytes:
        w = IncrementalPdfFileWriter(io.BytesIO(src))
        w.root["/Lang"] = generic.TextStringObject("en")
        w.update_root()
        out = io.BytesIO()
        w.write(out)
        return out.getvalue()

    unsigned = tmp_path / "updated.pdf"
    unsigned.write_bytes(append_update(case["data"]))
    assert _has(offline.verify_offline(unsigned).problems, "incremental update")
    after = tmp_path / "updated-signed.pdf"
    after.write_bytes(append_update(signed.read_bytes()))
    report = offline.verify_offline(after, [case["pki"].ca])
    assert _has(report.problems, f"signature {signing.SIGNATURE_FIELD}", "after signing"), report.problems


def test_the_cli_function_prints_and_returns_the_exit_code(case, signed: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch):
    lines: list[str] = []
    assert offline.cli(signed, [case["pki"].ca], out=lines.append) == 0
    assert "verified offline" in lines[-1] and signing.SIGNATURE_FIELD in lines[-1]
    lines.clear()
    assert offline.cli(signed, [case["pki"].other_ca], out=lines.append) == 6
    assert "does not chain" in lines[-1]
    monkeypatch.setenv(offline.ENV_TRUST_ROOTS, str(case["pki"].ca))  # the deployment's default roots
    assert offline.cli(signed, out=lines.append) == 0
    lines.clear()
    assert offline.cli(signed, as_json=True, out=lines.append) == 0
    doc = json.loads(lines[-1])
    assert doc["ok"] and doc["signed"] and doc["signatures"][0]["trusted"] is True
    assert offline.cli(tmp_path / "missing.pdf", out=lines.append) == 2
    assert offline.cli(signed, [tmp_path / "no-root.pem"], out=lines.append) == 2


# ----------------------------------------------------------------- 3. content
def _manifest(data: bytes) -> dict:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        m = dossier.read_manifest(pdf)
    assert m is not None
    return m


def test_font_subset_tags_are_unique_and_derived_from_the_subset(case):
    rows = font_rows(case["path"])
    names = [row.split()[0] for row in rows]
    assert len(names) >= 3
    assert all(re.fullmatch(r"[A-Z]{6}\+.+", n) for n in names), names
    assert len({n.split("+")[0] for n in names}) == len(names), names  # no two subsets share a tag
    assert not any(n.startswith(("AAAAAA+", "JZSTMP+")) for n in names)
    again = archive.generate_dossier(case["id"], as_user="auditor")
    assert again["data"] == case["data"]  # still byte-reproducible


def test_the_stamp_stays_readable_on_a_dark_scan(case, tmp_path: Path):
    item = next(e for e in _manifest(case["data"])["evidence"] if e["filename"] == "建议（暗色扫描件）.pdf")
    page = item["pages"][0]
    assert f"第{page}页" in "".join(text_of(case["path"], page, page).split())
    base = tmp_path / "p"
    subprocess.run(["pdftoppm", "-r", "72", "-gray", "-f", str(page), "-l", str(page), str(case["path"]), str(base)],
                   check=True)
    width, height, pixels = _pgm(next(tmp_path.glob("p*.pgm")).read_bytes())

    def mean(x0: float, y0: float, x1: float, y1: float) -> float:  # points from the bottom left
        rows = range(int(height - y1), int(height - y0))
        vals = [pixels[r * width + c] for r in rows for c in range(int(x0), int(x1))]
        return sum(vals) / len(vals)

    assert mean(100, 300, 500, 700) < 40  # the scan is dark
    x = min(12 * 72 / 25.4, width * 0.05)
    y = 4.5 * 72 / 25.4
    # the stamp's backing box (text height ~7.5 pt): bright, with the grey text on it
    band = mean(x, y - 1, x + 60, y + 6)
    assert band > 150, band
    right = mean(width - x - 40, y - 1, width - x, y + 6)
    assert right > 150, right


def _pgm(data: bytes) -> tuple[int, int, bytes]:
    m = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    assert m is not None
    w, h = int(m.group(1)), int(m.group(2))
    return w, h, data[m.end():m.end() + w * h]


def test_as_of_is_the_latest_time_and_a_backwards_time_is_noted(case):
    rec = case["record"]
    times = [e["at"] for e in rec["events"]]
    assert "2026-07-01T10:00:00+08:00" in times and times[-1] == "2026-06-15T08:00:00+08:00"  # stale flag last
    assert rec["decision"]["as_of"] == "2026-07-01T10:00:00+08:00"  # the latest, not the last by seq
    assert dossier.as_of(rec) == rec["decision"]["as_of"]
    assert [e["seq"] for e, _ in dossier.backwards(rec["events"])] == [rec["events"][-1]["seq"]]
    with pikepdf.open(case["path"]) as pdf:
        assert pdf.open_metadata()["xmp:ModifyDate"] == "2026-07-01T10:00:00+08:00"
        assert str(pdf.docinfo["/ModDate"]) == "D:20260701100000+08'00'"
    assert _manifest(case["data"])["decision"]["as_of"] == "2026-07-01T10:00:00+08:00"
    text = "".join(text_of(case["path"]).split())
    assert "记录截至2026年7月1日10:00" in text
    assert f"第{rec['events'][-1]['seq']}条事件的时间（2026年6月15日08:00）早于此前事件的时间（2026年7月1日10:00）" in text

    # a record whose as_of is its last event by sequence (built elsewhere) is corrected by the renderer
    old = {**rec, "decision": {**rec["decision"], "as_of": rec["events"][-1]["at"]}}
    assert dossier.as_of(old) == "2026-07-01T10:00:00+08:00"


def test_the_sm3_chain_value_is_printed_beside_sha256(case):
    if not audit.SM3_AVAILABLE:
        pytest.skip("no SM3 on this platform")
    rec = case["record"]
    assert all(e["sm3"] == case["sm3"][e["seq"]] for e in rec["events"])
    text = "".join(text_of(case["path"]).split())
    assert "链值（SHA-256/SM3）" in text
    for e in rec["events"]:
        for h in (e["hash"], e["sm3"]):
            for i in range(0, 64, 22):
                assert h[i:i + 22] in text, (e["seq"], h)


def test_every_audit_event_is_chinese_prose(case):
    rec = case["record"]
    by_action = {e["action"]: e["summary"] for e in rec["events"]}
    assert {"feedback", "stale_flag", "create", "triggers", "evidence", "advance", "meeting", "transition"} <= set(by_action)
    for e in rec["events"]:
        assert "{" not in e["summary"] and '":' not in e["summary"], e
        assert re.search(r"[\u4e00-\u9fff]", e["summary"]), e
    assert "收到公众对决策执行的意见" in by_action["feedback"] and "信函" in by_action["feedback"]
    assert "letter" not in by_action["feedback"]  # the channel by its name, its key not beside it
    assert "久拖不决" in by_action["stale_flag"] and "决策执行" in by_action["stale_flag"]
    assert "决定：通过" in by_action["meeting"] and "approve" not in by_action["meeting"]
    text = "".join(text_of(case["path"]).split())
    assert "久拖不决督办" in text and "公众对执行的意见" in text

    # every action the engine records, and an unknown one, without JSON
    samples = {
        "escalate": {"deadline": "1:legality", "due": "2026-05-01", "to": ["mayor", "organ"], "article": "Art 38"},
        "opinion": {"opinion_id": 3, "receipt": "AB12", "channel": "web", "sha256": "ab" * 32, "chars": 40},
        "consultation_open": {"consultation_id": 1, "start": "2026-03-03", "end": "2026-04-02", "days": 30,
                              "shortened_reason": "", "draft_evidence_id": 4, "notice_evidence_id": 5,
                              "contact_required": True},
        "opinion_disposition": {"opinions": [1, 2], "disposition": "adopted", "reason": "合理", "group": "交通",
                                "draft_evidence_id": 7},
        "opinion_hidden": {"opinion_id": 2, "receipt": "CD34", "reason": "含个人信息"},
        "participation_feedback": {"feedback_id": 1, "sha256": "cd" * 32, "size": 10, "published": True,
                                   "counts": {"received": 3, "adopted": 1, "partially_adopted": 1,
                                              "not_adopted": 1, "hidden": 0}},
        "post_evaluation_start": {"evaluation_id": 1, "trigger": "feedback_volume", "article": "Art 36(2)",
                                  "evaluator": "ACAD", "reason": "意见较多"},
        "post_evaluation_report": {"evaluation_id": 1, "filename": "评估.pdf", "sha256": "ef" * 32,
                                   "conclusion": "effective", "recommendation": "continue", "participants": "甲"},
        "minor_adjustment": {"reason": "文字修改", "title": "修订"},
        "adjustment_of": {"parent": "CITY-2026-00001", "reason": "目标调整", "article": "Art 37"},
        "adjusted_by": {"child": "CITY-2026-00002", "reason": "目标调整", "article": "Art 37"},
        "catalog_link": {"catalog_item": 3, "previous": None, "item_name": "城市更新", "year": 2026},
        "suspend": {"from": "execution", "to": "suspended", "reason": "紧急情况"},
        "urge": {"message": "请尽快报送", "to": ["drafter"], "to_roles": ["drafter"], "state": "drafting"},
        "instruction": {"text": "同意，抓紧办理", "state": "drafting", "to": ["drafter"]},
        "something_new": {"a": {"b": [1, 2]}, "reason": "原因"},
    }
    for action, detail in samples.items():
        text = events.describe(action, detail)
        assert "{" not in text and '":' not in text and re.search(r"[\u4e00-\u9fff]", text), (action, text)
        # dates as 2026年5月1日, articles as 第三十八条, no key beside its name (issue 16 item 4)
        assert not re.search(r"\d{4}-\d{2}-\d{2}|Art\s*\d|（[a-z_]+）", text), (action, text)
    assert "2026年5月1日" in events.describe("escalate", samples["escalate"])
    assert "条例第三十八条" in events.describe("escalate", samples["escalate"])
    assert "1:legality" not in events.describe("escalate", samples["escalate"])  # the worker's key for the deadline
    assert "2026年3月3日至2026年4月2日" in events.describe("consultation_open", samples["consultation_open"])
    assert events.describe("something_new", samples["something_new"]) == "a：b：1、2；理由：原因"
