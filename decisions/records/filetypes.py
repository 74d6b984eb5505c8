"""Does a file's content match the type its name claims? Checked by magic bytes, no guessing."""

from __future__ import annotations

import re
import zipfile
from io import BytesIO

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_PDF_HEADER = re.compile(rb"%PDF-[12]\.\d")
#: a zip container (docx, xlsx, ofd) whose members claim more than this many bytes, and this many times its
#: own size, is a decompression bomb: refused without ever inflating a member
ZIP_MAX_EXPANDED = 512 * 1024 * 1024
ZIP_MAX_RATIO = 100

CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".csv": "text/csv",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".doc": "application/msword",
    ".wps": "application/wps-office.wps",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".rtf": "application/rtf",
    ".xls": "application/vnd.ms-excel",
    ".ofd": "application/ofd",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
}


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            data.decode("gb18030")
        except UnicodeDecodeError:
            return False
    return True


def _zip_has(data: bytes, member_prefix: str) -> bool:
    try:
        with zipfile.ZipFile(BytesIO(data)) as zf:
            return any(n.startswith(member_prefix) for n in zf.namelist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return False


def _zip_expanded(data: bytes) -> int:
    """What the members of a zip container claim to expand to (read from its directory, nothing inflated)."""
    try:
        with zipfile.ZipFile(BytesIO(data)) as zf:
            return sum(max(0, i.file_size) for i in zf.infolist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return 0


def check(filename: str, data: bytes) -> tuple[str | None, str]:
    """(content_type, problem). content_type is None when the type is unsupported or content differs."""
    ext = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    ctype = CONTENT_TYPES.get(ext)
    if ctype is None:
        return None, f"不支持的文件类型 / unsupported file type {ext or '(none)'}; allowed: {', '.join(CONTENT_TYPES)}"
    ok = {
        ".pdf": _PDF_HEADER.match(data) is not None,
        ".png": data.startswith(b"\x89PNG\r\n\x1a\n"),
        ".jpg": data.startswith(b"\xff\xd8\xff"),
        ".jpeg": data.startswith(b"\xff\xd8\xff"),
        ".tif": data[:4] in (b"II*\x00", b"MM\x00*"),
        ".tiff": data[:4] in (b"II*\x00", b"MM\x00*"),
        ".doc": data.startswith(_OLE),
        ".wps": data.startswith(_OLE),  # WPS 文字 (Kingsoft Writer) is an OLE compound document, like .doc
        ".rtf": data.startswith(b"{\\rtf"),
        ".odt": data.startswith(b"PK") and _zip_has(data, "content.xml"),
        ".xls": data.startswith(_OLE),
        ".docx": data.startswith(b"PK") and _zip_has(data, "word/"),
        ".xlsx": data.startswith(b"PK") and _zip_has(data, "xl/"),
        ".ofd": data.startswith(b"PK") and _zip_has(data, "OFD.xml"),
    }.get(ext)
    if ok is None:
        ok = _is_text(data)
    if not ok:
        return None, f"文件内容与其类型 {ext} 不符 / content does not match its claimed type {ext}"
    if ext in (".docx", ".xlsx", ".ofd", ".odt"):
        expanded = _zip_expanded(data)
        if expanded > ZIP_MAX_EXPANDED and expanded > ZIP_MAX_RATIO * len(data):
            return None, (f"压缩包解压后达 {expanded} 字节（文件本身 {len(data)} 字节），疑似解压炸弹 / "
                          f"a decompression bomb: its members expand to {expanded} bytes from {len(data)}")
    return ctype, ""


#: the image types a scanned paper original comes as (a PDF must carry a scanned page image)
SCAN_IMAGES = ("image/png", "image/jpeg", "image/tiff")
_PDF_IMAGE = re.compile(rb"/Subtype\s*/Image\b")


def is_scan(content_type: str, data: bytes) -> bool:
    """Is this a scan of a paper original (代录, procedure.md §8 "Authors")? An image, or a PDF holding at least
    one image XObject (a scanned page). A PDF of typed text only is not a scan. An image's dictionary is a
    stream's, which PDF never compresses into an object stream, so it is read from the bytes as they are."""
    if content_type in SCAN_IMAGES:
        return True
    return content_type == "application/pdf" and _PDF_IMAGE.search(data) is not None
