"""The dossier's electronic signature: PAdES baseline B-B with the deployment's certificate (pyHanko).

Why pyHanko: it is the maintained pure-Python PDF signer and validator (PAdES B-B to B-LTA, document
timestamps, certificate path validation with ``pyhanko-certvalidator``) and it signs by *incremental
update*: the signed file is the unsigned dossier byte for byte, followed by one revision that adds the
signature. The PDF/A-3b volume is therefore not rewritten, the unsigned dossier stays byte-reproducible
(`unsigned_original` gets it back from a signed file), and what the signature covers is exactly the
dossier plus its own revision.

Configuration (environment; PEM files):

- ``JUECE_SIGN_CERT`` — the deployment's signing certificate; ``JUECE_SIGN_KEY`` — its private key;
  ``JUECE_SIGN_KEY_PASSWORD`` — the key's password, if it is encrypted;
- ``JUECE_SIGN_CHAIN`` — optional intermediate CA certificates to embed (paths separated by ``:``);
- ``JUECE_TSA_URL`` — optional RFC 3161 time-stamping authority: when set, a document timestamp is added
  after the signature (a second incremental update; PAdES B-T by document time-stamp, ETSI EN 319 142-1
  §5.4). Nothing is fetched from outside unless this is set.

Neither cert nor key set: the dossier is not signed, and `SignResult.note` says so. Only one of them set,
an unreadable file or a wrong password: `SigningError` (a misconfiguration must not pass silently).

PDF/A: the signature field is an invisible widget with the print flag (pyHanko's default, as PDF/A asks);
the signature revision leaves the document information and XMP as they are. pyHanko would otherwise
append itself to Info /Producer but overwrite XMP pdf:Producer, and write ModDate and xmp:ModifyDate from
two separate clock readings — an Info/XMP mismatch that PDF/A forbids (ISO 19005-1 §6.7.3). The signing
time is in the signature itself.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

with warnings.catch_warnings():  # pyHanko imports cryptography's DSA module, deprecated there
    warnings.simplefilter("ignore")
    from asn1crypto import x509 as asn1_x509
    from pyhanko.keys import load_cert_from_pemder, load_certs_from_pemder
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import fields, signers, timestamps
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

ENV_CERT = "JUECE_SIGN_CERT"
ENV_KEY = "JUECE_SIGN_KEY"
ENV_KEY_PASSWORD = "JUECE_SIGN_KEY_PASSWORD"
ENV_CHAIN = "JUECE_SIGN_CHAIN"
ENV_TSA = "JUECE_TSA_URL"
SIGNATURE_FIELD = "JueceDossierSignature"
TIMESTAMP_FIELD = "JueceDocumentTimestamp"
REASON = "重大行政决策案卷（一事一档）归档签章 / archived decision dossier"
NOT_CONFIGURED = (f"未签章：未配置签章证书（{ENV_CERT}、{ENV_KEY}）/ not signed: no signing certificate configured")


class SigningError(ValueError):
    """The signing configuration is incomplete or unusable (file missing, wrong password, not a key)."""


@dataclass(frozen=True)
class SigningConfig:
    cert: Path
    key: Path
    key_password: bytes | None = None
    chain: tuple[Path, ...] = ()
    tsa_url: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SigningConfig | None:
        """The deployment's configuration; None when neither certificate nor key is set."""
        env = os.environ if environ is None else environ
        cert, key = env.get(ENV_CERT, "").strip(), env.get(ENV_KEY, "").strip()
        if not cert and not key:
            return None
        if not cert or not key:
            missing = ENV_CERT if not cert else ENV_KEY
            raise SigningError(f"签章配置不完整：缺少 {missing} / incomplete signing configuration: {missing} is not set")
        password = env.get(ENV_KEY_PASSWORD)
        chain = tuple(Path(p) for p in env.get(ENV_CHAIN, "").split(os.pathsep) if p.strip())
        return cls(Path(cert), Path(key), password.encode() if password else None, chain,
                   env.get(ENV_TSA, "").strip() or None)


@dataclass
class SignResult:
    """What signing did. ``data`` is the signed file, or the input unchanged when ``signed`` is False."""

    signed: bool
    data: bytes
    note: str
    signer: str = ""
    signing_time: str = ""
    timestamped: bool = False
    unsigned_sha256: str = ""
    sha256: str = ""

    def summary(self) -> dict[str, Any]:
        """The fields a use case adds to its result (and to its audit event)."""
        return {"signed": self.signed, "signature": self.note, "signer": self.signer,
                "signing_time": self.signing_time, "timestamped": self.timestamped,
                "unsigned_sha256": self.unsigned_sha256, "sha256": self.sha256}


class _KeepMetadataWriter(IncrementalPdfFileWriter):
    """An incremental writer that leaves the document information and the XMP packet as they are (see
    the module docstring: pyHanko's own update makes Info and XMP disagree, which PDF/A forbids).
    Overrides a private hook of pyHanko 0.38; `tests/test_dossier_signing.py` checks the metadata of a
    signed dossier is unchanged, so a pyHanko upgrade that renames the hook is noticed."""

    def _update_meta(self) -> None:
        return None


def _load_signer(config: SigningConfig) -> signers.SimpleSigner:
    for p in (config.cert, config.key, *config.chain):
        if not p.is_file():
            raise SigningError(f"签章文件不存在 / signing file does not exist: {str(p)!r}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        signer = signers.SimpleSigner.load(str(config.key), str(config.cert), ca_chain_files=[str(p) for p in config.chain]
                                           or None, key_passphrase=config.key_password)
    if signer is None:  # pyHanko logs the reason and returns None (wrong password, not a key, not a cert)
        raise SigningError(f"无法读取签章证书或私钥（密码错误或格式不符）/ cannot load the signing key or certificate "
                           f"({config.key}, {config.cert}): wrong password or not PEM/DER")
    return signer


def sign_bytes(data: bytes, config: SigningConfig | None = None, *, timestamper: timestamps.TimeStamper | None = None,
               reason: str = REASON, location: str | None = None) -> SignResult:
    """Sign a PDF (PAdES B-B, one incremental update); with a TSA (``config.tsa_url`` or ``timestamper``)
    add a document timestamp in a second incremental update. ``config=None`` reads the environment; when
    nothing is configured the data comes back unchanged with ``signed=False``."""
    unsigned_sha = hashlib.sha256(data).hexdigest()
    if config is None:
        config = SigningConfig.from_env()
    if config is None:
        return SignResult(False, data, NOT_CONFIGURED, unsigned_sha256=unsigned_sha, sha256=unsigned_sha)
    signer = _load_signer(config)
    if timestamper is None and config.tsa_url:
        timestamper = timestamps.HTTPTimeStamper(config.tsa_url)
    meta = signers.PdfSignatureMetadata(field_name=SIGNATURE_FIELD, md_algorithm="sha256",
                                        subfilter=fields.SigSeedSubFilter.PADES, reason=reason, location=location)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = signers.PdfSigner(meta, signer=signer).sign_pdf(_KeepMetadataWriter(io.BytesIO(data)))
        signed = out.getvalue()
        if timestamper is not None:
            ts = signers.PdfTimeStamper(timestamper, field_name=TIMESTAMP_FIELD)
            signed = ts.timestamp_pdf(_KeepMetadataWriter(io.BytesIO(signed)), "sha256").getvalue()
    subject = signer.signing_cert.subject.human_friendly
    when = _signing_time(signed)
    note = f"已签章 / signed (PAdES B-B) by {subject}" + ("，含文档时间戳 / with a document timestamp"
                                                         if timestamper is not None else "")
    return SignResult(True, signed, note, subject, when, timestamper is not None, unsigned_sha,
                      hashlib.sha256(signed).hexdigest())


def sign_pdf(path_in: str | Path, path_out: str | Path, config: SigningConfig | None = None, *,
             timestamper: timestamps.TimeStamper | None = None, reason: str = REASON,
             location: str | None = None) -> SignResult:
    """Sign the PDF at ``path_in`` into ``path_out`` (see `sign_bytes`); unsigned (a plain copy, and
    ``signed=False`` with the reason in ``note``) when no certificate is configured."""
    result = sign_bytes(Path(path_in).read_bytes(), config, timestamper=timestamper, reason=reason,
                        location=location)
    Path(path_out).write_bytes(result.data)
    return result


def sign_file(path: str | Path, config: SigningConfig | None = None, *,
              timestamper: timestamps.TimeStamper | None = None, reason: str = REASON,
              location: str | None = None, sha256: str | None = None) -> SignResult:
    """Sign the PDF at ``path`` in place, as `sign_bytes` does: the signature (and the document timestamp) are
    incremental updates appended to the file, which is read in chunks and never held whole — a volume of
    several hundred megabytes signs in constant memory. The result's ``data`` is empty (the file is at
    ``path``); unsigned and unchanged when nothing is configured. ``sha256``: the file's, when the caller
    knows it (it wrote the file), so that it is not read again."""
    path = Path(path)
    unsigned_sha = sha256 or _file_sha256(path)
    if config is None:
        config = SigningConfig.from_env()
    if config is None:
        return SignResult(False, b"", NOT_CONFIGURED, unsigned_sha256=unsigned_sha, sha256=unsigned_sha)
    signer = _load_signer(config)
    if timestamper is None and config.tsa_url:
        timestamper = timestamps.HTTPTimeStamper(config.tsa_url)
    meta = signers.PdfSignatureMetadata(field_name=SIGNATURE_FIELD, md_algorithm="sha256",
                                        subfilter=fields.SigSeedSubFilter.PADES, reason=reason, location=location)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with path.open("r+b") as f:
            signers.PdfSigner(meta, signer=signer).sign_pdf(_KeepMetadataWriter(f), in_place=True)
        if timestamper is not None:
            with path.open("r+b") as f:
                signers.PdfTimeStamper(timestamper, field_name=TIMESTAMP_FIELD).timestamp_pdf(
                    _KeepMetadataWriter(f), "sha256", in_place=True)
    subject = signer.signing_cert.subject.human_friendly
    with path.open("rb") as f:
        when = _signing_time(f)
    note = f"已签章 / signed (PAdES B-B) by {subject}" + ("，含文档时间戳 / with a document timestamp"
                                                         if timestamper is not None else "")
    return SignResult(True, b"", note, subject, when, timestamper is not None, unsigned_sha, _file_sha256(path))


def _file_sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def sign_dossier(data: bytes) -> SignResult:
    """The archive use case's call: sign with the deployment's configuration (environment), or not."""
    return sign_bytes(data)


def _signing_time(data: bytes | BinaryIO) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = PdfFileReader(io.BytesIO(data) if isinstance(data, bytes) else data, strict=False)
        for sig in r.embedded_signatures:
            if sig.field_name == SIGNATURE_FIELD and sig.self_reported_timestamp is not None:
                return sig.self_reported_timestamp.isoformat()
    return ""


# ----------------------------------------------------------------- reading signatures back
@dataclass
class SignatureInfo:
    """One signature or document timestamp of a file, as validated. ``problems`` name what is wrong."""

    field_name: str
    kind: str  # "signature" | "timestamp"
    intact: bool = False
    valid: bool = False
    trusted: bool | None = None  # None: no trust roots given, the chain was not checked
    coverage: str = ""
    modification: str = ""
    signer: str = ""
    signing_time: str = ""
    signed_bytes: int = 0  # the file's first N bytes are what this signature covers (its revision)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def load_certificates(items: Iterable[str | Path | bytes | asn1_x509.Certificate | Any]) -> list[asn1_x509.Certificate]:
    """Certificates from PEM/DER files or bytes, asn1crypto or `cryptography` certificate objects."""
    out: list[asn1_x509.Certificate] = []
    for item in items:
        if isinstance(item, asn1_x509.Certificate):
            out.append(item)
        elif isinstance(item, str | Path):
            out.extend(load_certs_from_pemder([str(item)]))
        elif isinstance(item, bytes | bytearray):
            out.append(_cert_from_bytes(bytes(item)))
        elif hasattr(item, "public_bytes"):  # cryptography.x509.Certificate
            from cryptography.hazmat.primitives.serialization import Encoding

            out.append(asn1_x509.Certificate.load(item.public_bytes(Encoding.DER)))
        else:
            raise TypeError(f"not a certificate: {type(item).__name__}")
    return out


def _cert_from_bytes(data: bytes) -> asn1_x509.Certificate:
    from asn1crypto import pem

    if pem.detect(data):
        _type, _headers, data = pem.unarmor(data)
    return asn1_x509.Certificate.load(data)


@contextlib.contextmanager
def _quiet_pyhanko() -> Iterator[None]:
    """pyHanko logs a traceback for every certificate path it cannot build (no trust roots, an untrusted
    signer); the result reports it, so the log is kept quiet while validating."""
    log = logging.getLogger("pyhanko")
    level = log.level
    log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        log.setLevel(level)


def _context(roots: list[asn1_x509.Certificate]) -> ValidationContext:
    """Offline: never fetch OCSP, CRLs or certificates; revocation is checked only where the file carries
    it (soft-fail). Without roots nothing is trusted, and `trusted` is reported as None."""
    return ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")


def signature_status(path_or_data: str | Path | bytes, trust_roots: Sequence[Any] | None = None) -> list[SignatureInfo]:
    """Every signature and document timestamp in the file, validated offline against ``trust_roots`` (PEM or
    DER paths or bytes, or certificate objects). An empty list: the file is not signed."""
    data = path_or_data if isinstance(path_or_data, bytes | bytearray) else Path(path_or_data).read_bytes()
    roots = load_certificates(trust_roots or [])
    out: list[SignatureInfo] = []
    with warnings.catch_warnings(), _quiet_pyhanko():
        warnings.simplefilter("ignore")
        try:
            reader = PdfFileReader(io.BytesIO(bytes(data)), strict=False)
            embedded = list(reader.embedded_signatures)
        except Exception as exc:  # noqa: BLE001 - pyHanko raises many kinds on a damaged file
            return [SignatureInfo("?", "signature", problems=[f"signatures unreadable: {_brief(exc)}"])]
        for sig in embedded:
            out.append(_status_of(sig, roots))
    return out


def _status_of(sig: Any, roots: list[asn1_x509.Certificate]) -> SignatureInfo:
    is_ts = str(sig.sig_object_type) == "/DocTimeStamp"
    what = "document timestamp" if is_ts else "signature"
    info = SignatureInfo(str(sig.field_name), "timestamp" if is_ts else "signature")
    label = f"{what} {info.field_name}"
    try:
        info.signed_bytes = int(sig.byte_range[2] + sig.byte_range[3])
        vc = _context(roots)
        status = validate_pdf_timestamp(sig, vc) if is_ts else validate_pdf_signature(sig, vc, vc)
    except Exception as exc:  # noqa: BLE001
        info.problems.append(f"{label}: cannot be validated ({_brief(exc)})")
        return info
    info.intact, info.valid = bool(status.intact), bool(status.valid)
    info.coverage = status.coverage.name if status.coverage is not None else ""
    level = getattr(status, "modification_level", None)
    info.modification = level.name if level is not None else ""
    cert = getattr(status, "signing_cert", None)
    info.signer = cert.subject.human_friendly if cert is not None else ""
    when = getattr(status, "signer_reported_dt", None) or getattr(status, "timestamp", None)
    info.signing_time = when.isoformat() if isinstance(when, datetime) else ""
    if not info.intact:
        info.problems.append(f"{label}: the signed bytes changed (digest mismatch) — the file was altered "
                             "after signing / 签章后文件被改动")
    elif not info.valid:
        info.problems.append(f"{label}: the signature value does not verify / 签名值无效")
    if status.coverage is None or status.coverage < SignatureCoverageLevel.ENTIRE_REVISION:
        info.problems.append(f"{label}: does not cover its whole revision (coverage "
                             f"{info.coverage or 'unknown'}) / 签章未覆盖整个文件版本")
    elif status.coverage < SignatureCoverageLevel.ENTIRE_FILE and (
            level is None or level > ModificationLevel.LTA_UPDATES):
        info.problems.append(f"{label}: the file was changed by an incremental update after signing "
                             f"({info.modification or 'unknown change'}) / 签章后有增量修改")
    if roots:
        info.trusted = bool(status.trusted)
        if not info.trusted:
            info.problems.append(f"{label}: the signer's certificate does not chain to the given trust roots "
                                 f"({info.signer or 'unknown signer'}) / 证书链不能追溯到给定的根证书")
    return info


def unsigned_original(data: bytes) -> bytes:
    """The file as it was before its first signature: the bytes before the revision that added the
    earliest signature (for a juece dossier, the byte-reproducible rendering). Unsigned files: ``data``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            reader = PdfFileReader(io.BytesIO(data), strict=False)
            sigs = list(reader.embedded_signatures)
        except Exception:  # noqa: BLE001
            return data
        if not sigs:
            return data
        first = min(sigs, key=lambda s: s.signed_revision)
        revision = first.signed_revision
        if revision == 0:
            return data
        xref_end = reader.xrefs.get_xref_container_info(revision - 1).end_location
    # the revision ends with the %%EOF after its cross-reference data (and trailer), with its end of line
    end = data.find(b"%%EOF", xref_end)
    if end < 0:
        return data
    end += 5
    for eol in (b"\r\n", b"\n", b"\r"):
        if data[end:end + len(eol)] == eol:
            return data[:end + len(eol)]
    return data[:end]


def _brief(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip()
    return text[:200] + ("…" if len(text) > 200 else "")


__all__ = ["SigningConfig", "SigningError", "SignResult", "SignatureInfo", "sign_pdf", "sign_file", "sign_bytes", "sign_dossier",
           "signature_status", "unsigned_original", "load_certificates", "load_cert_from_pemder"]
