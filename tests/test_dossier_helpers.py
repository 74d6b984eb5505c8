"""Helpers for the dossier tests (no tests here): evidence PDFs of every awkward shape, text extraction, attachments."""

from __future__ import annotations

import hashlib
import io
import subprocess
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen import canvas

from pdf import fonts


def pdf_pages(n: int, label: str = "证据", size: tuple[float, float] = A4) -> bytes:
    """An n-page PDF with Chinese text and an embedded font subset (byte-reproducible)."""
    chain = fonts.chain()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=size, invariant=1, initialFontName=chain.primary)
    for i in range(1, n + 1):
        c.setFont(chain.primary, 14)
        c.drawString(60, size[1] - 80, f"{label} 第{i}页（共{n}页）")
        c.showPage()
    c.save()
    return buf.getvalue()


def awkward_pdf() -> bytes:
    """Three pages: a /Rotate 90 page with MediaBox, Resources and Rotate inherited from the page tree,
    a landscape page, and a page whose MediaBox does not start at the origin."""
    src = pikepdf.open(io.BytesIO(pdf_pages(1, "旋转页")))
    land = pikepdf.open(io.BytesIO(pdf_pages(1, "横向页", landscape(A4))))
    off = pikepdf.open(io.BytesIO(pdf_pages(1, "偏移页")))
    out = pikepdf.new()
    out.pages.extend(src.pages)
    out.pages.extend(land.pages)
    out.pages.extend(off.pages)
    first = out.pages[0].obj
    root = out.Root.Pages
    root.MediaBox = first.MediaBox
    root.Rotate = 90
    root.Resources = first.Resources
    for key in ("/MediaBox", "/Resources", "/Rotate"):
        if key in first:
            del first[key]
    out.pages[1].obj.Rotate = 0
    out.pages[2].obj.Rotate = 0
    out.pages[2].obj.MediaBox = Array([100, 200, 100 + 595.28, 200 + 841.89])
    # shift the third page's drawing into its box
    out.pages[2].contents_add(b"1 0 0 1 100 200 cm\n", prepend=True)
    buf = io.BytesIO()
    out.save(buf, deterministic_id=True)
    return buf.getvalue()


def scripted_pdf() -> bytes:
    """A PDF whose page runs JavaScript on open and carries a JavaScript link and an OpenAction."""
    pdf = pikepdf.open(io.BytesIO(pdf_pages(1, "含脚本")))
    js = Dictionary(S=Name.JavaScript, JS=pikepdf.String("app.alert('x')"))
    page = pdf.pages[0].obj
    page.AA = Dictionary(O=js)
    page.Annots = Array([pdf.make_indirect(Dictionary(Type=Name.Annot, Subtype=Name.Link,
                                                      Rect=Array([0, 0, 100, 100]), A=js))])
    pdf.Root.OpenAction = js
    buf = io.BytesIO()
    pdf.save(buf, deterministic_id=True)
    return buf.getvalue()


def encrypted_pdf() -> bytes:
    pdf = pikepdf.open(io.BytesIO(pdf_pages(2, "加密")))
    buf = io.BytesIO()
    pdf.save(buf, encryption=pikepdf.Encryption(owner="owner-secret", user="user-secret"))
    return buf.getvalue()


BROKEN_PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog /Pages 2 0 R >> garbage \x00\x01 stream\n" * 3
PNG_1PX = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d7"
                        "63f8cfc000000301010018dd8db40000000049454e44ae426082")


def text_of(path: Path, first: int | None = None, last: int | None = None) -> str:
    args = ["pdftotext", "-enc", "UTF-8"]
    if first:
        args += ["-f", str(first)]
    if last:
        args += ["-l", str(last)]
    return subprocess.run([*args, str(path), "-"], capture_output=True, check=True).stdout.decode("utf-8")


def page_count(path: Path) -> int:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True).stdout
    return int(next(line.split()[-1] for line in out.splitlines() if line.startswith("Pages:")))


def font_rows(path: Path) -> list[str]:
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout
    return out.splitlines()[2:]


def attachments(data: bytes) -> dict[str, str]:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return {name: hashlib.sha256(spec.get_file().read_bytes()).hexdigest()
                for name, spec in pdf.attachments.items()}


def outline_titles(data: bytes) -> list[str]:
    titles: list[str] = []
    with pikepdf.open(io.BytesIO(data)) as pdf, pdf.open_outline() as ol:
        stack = list(ol.root)
        while stack:
            item = stack.pop(0)
            titles.append(item.title)
            stack[:0] = list(item.children)
    return titles
