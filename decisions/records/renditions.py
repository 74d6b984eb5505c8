"""Renditions of stored evidence for reading on screen and in the dossier; the original is never touched.

* Word, WPS and ODF files (.doc .docx .wps .odt .rtf) become a PDF with LibreOffice headless
  (``soffice --headless --convert-to pdf``, a subprocess with a timeout and its own temporary profile), cached
  beside the original in the evidence store as ``objects/ab/<sha256>.pdf`` (a rendition, not an object: the
  store's ``iter_objects`` skips it and ``sweep_orphans`` removes it with its original).
* PDF pages become PNG images with ``pdftoppm`` at a modest resolution, cached by the PDF's SHA-256 under
  ``<data dir>/previews/``.

Nothing is fetched from outside; the converters run on this machine. Permission and fixity checks are the
caller's (``decisions.procedure.views.evidence_file``): this module is handed bytes whose hash is already known.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from decisions.errors import BadInput
from decisions.records import evidence_store
from decisions.storage.settings import get_settings

#: the extensions LibreOffice converts for us (WPS: Kingsoft Writer, read by LibreOffice's WPS filter)
OFFICE = (".doc", ".docx", ".wps", ".odt", ".rtf")
IMAGES = (".png", ".jpg", ".jpeg")
TEXT = (".txt", ".md", ".csv")
RENDITION_SUFFIX = evidence_store.RENDITION_SUFFIX
CONVERT_TIMEOUT = float(os.environ.get("JUECE_CONVERT_TIMEOUT", "120"))
RENDER_TIMEOUT = 60.0
PREVIEW_DPI = 100


def extension(filename: str) -> str:
    return "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def mode_of(filename: str, content_type: str = "") -> str:
    """How the workbench shows a file: pdf, office (converted, then as a pdf), image, text, ofd or download."""
    ext = extension(filename)
    if ext == ".pdf" or content_type == "application/pdf":
        return "pdf"
    if ext in OFFICE:
        return "office"
    if ext in IMAGES:
        return "image"
    if ext in TEXT:
        return "text"
    if ext == ".ofd":
        return "ofd"
    return "download"


def rendition_path(sha256: str) -> Path:
    """Where the PDF rendition of the object `sha256` lives: beside it, with a .pdf suffix."""
    return evidence_store.path_for(sha256).with_name(sha256 + RENDITION_SUFFIX)


def _atomic_write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_pdf(data: bytes, filename: str, timeout: float = CONVERT_TIMEOUT) -> bytes:
    """The PDF LibreOffice makes of an office document (BadInput when it cannot: no LibreOffice, a timeout,
    an unreadable file). Runs in a temporary directory with its own user profile, so concurrent conversions
    and a desktop LibreOffice never share a lock."""
    exe = soffice()
    if exe is None:
        raise BadInput("本机未安装 LibreOffice，无法预览此文件，请下载原件 / LibreOffice is not installed")
    ext = extension(filename)
    with tempfile.TemporaryDirectory(prefix="juece-soffice-") as work:
        base = Path(work)
        src = base / f"source{ext}"
        src.write_bytes(data)
        profile = base / "profile"
        out = base / "out"
        command = [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", "--nologo",
                   "--nodefault", "--nolockcheck", "--convert-to", "pdf", "--outdir", str(out), str(src)]
        # its own session: on a timeout the whole group (the launcher and soffice.bin) is killed, nothing else
        proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, env={**os.environ, "HOME": str(base)},
                                start_new_session=True)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise BadInput(f"文件转换超时（{timeout:g} 秒），请下载原件查看 / conversion timed out") from None
        result = out / "source.pdf"
        if not result.is_file() or result.stat().st_size == 0:
            raise BadInput("LibreOffice 无法转换此文件，请下载原件查看 / LibreOffice could not convert this file")
        return result.read_bytes()


def pdf_rendition(sha256: str, filename: str, data: bytes | None = None) -> Path:
    """The cached PDF rendition of the office document stored under `sha256` (converted on first use).
    `data`: the original's bytes when the caller already read (and checked) them."""
    target = rendition_path(sha256)
    if target.is_file() and target.stat().st_size > 0:
        return target
    if data is None:
        data = evidence_store.read(sha256)
    _atomic_write(target, convert_to_pdf(data, filename))
    return target


def cached_rendition(sha256: str) -> Path | None:
    target = rendition_path(sha256)
    return target if target.is_file() and target.stat().st_size > 0 else None


# ----------------------------------------------------------------- PDF pages as images
def page_count(pdf: Path) -> int:
    import pikepdf

    try:
        with pikepdf.open(pdf) as doc:
            return len(doc.pages)
    except (pikepdf.PdfError, ValueError, RuntimeError) as exc:
        raise BadInput(f"PDF 无法读取，请下载原件查看 / unreadable PDF: {str(exc)[:120]}") from None


def previews_root() -> Path:
    return get_settings().data_dir / "previews"


def page_png(pdf: Path, page: int, dpi: int = PREVIEW_DPI, sha256: str | None = None) -> bytes:
    """Page `page` (1-based) of `pdf` as PNG, rendered with pdftoppm and cached by the PDF's SHA-256."""
    sha = sha256 or evidence_store.file_sha256(pdf)
    target = previews_root() / sha[:2] / sha / f"{dpi}-{page:04d}.png"
    if target.is_file() and target.stat().st_size > 0:
        return target.read_bytes()
    exe = shutil.which("pdftoppm")
    if exe is None:
        raise BadInput("本机未安装 pdftoppm（poppler-utils），无法预览 / pdftoppm is not installed")
    with tempfile.TemporaryDirectory(prefix="juece-pdftoppm-") as work:
        stem = Path(work) / "page"
        try:
            subprocess.run([exe, "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile",
                            str(pdf), str(stem)], stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=RENDER_TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            raise BadInput("页面渲染超时，请下载原件查看 / rendering the page timed out") from None
        png = stem.with_suffix(".png")
        if not png.is_file():
            raise BadInput("页面无法渲染，请下载原件查看 / the page could not be rendered")
        data = png.read_bytes()
    _atomic_write(target, data)
    return data


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
