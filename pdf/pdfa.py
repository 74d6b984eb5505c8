"""PDF/A-3b finishing and the checks we can run without veraPDF.

Open-source ReportLab writes no XMP and no OutputIntent, and a merge drops catalog metadata, so the
finishing step runs last, with pikepdf, on the merged document (stack-notes §4): document info and
the same values as XMP with ``pdfaid:part=3, conformance=B``; an sRGB OutputIntent (``pdf/srgb.icc``,
generated once with Pillow/LittleCMS, its creation date fixed so the bytes never change); embedded
files with ``/AFRelationship``, MIME subtype and modification date, listed in the catalog's ``/AF``.

`check()` tests what can be tested mechanically (listed in README "Dossier"); it is not a validator.
"""

from __future__ import annotations

import io
import subprocess
import tempfile
import zlib
from dataclasses import dataclass
from datetime import datetime
from importlib.resources import files
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name, String

ICC_PROFILE = files(__package__) / "srgb.icc"  # package data (pyproject.toml [tool.setuptools.package-data])
OUTPUT_CONDITION = "sRGB IEC61966-2.1"
FORBIDDEN_ACTIONS = {"/JavaScript", "/Launch", "/ImportData", "/ResetForm", "/SubmitForm", "/Sound", "/Movie",
                     "/Rendition", "/Hide", "/SetOCGState", "/Trans", "/GoTo3DView"}


@dataclass(frozen=True)
class DocInfo:
    title: str
    author: str
    subject: str
    keywords: str
    created: datetime
    modified: datetime
    creator: str = "juece 决策 — 重大行政决策案卷"
    producer: str = "juece dossier (ReportLab, pikepdf/qpdf)"
    lang: str = "zh-CN"


def pdf_date(when: datetime) -> str:
    off = when.utcoffset()
    if off is None:
        return when.strftime("D:%Y%m%d%H%M%S")
    minutes = int(off.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return when.strftime("D:%Y%m%d%H%M%S") + f"{sign}{abs(minutes) // 60:02d}'{abs(minutes) % 60:02d}'"


def add_output_intent(pdf: pikepdf.Pdf) -> None:
    icc = pikepdf.Stream(pdf, ICC_PROFILE.read_bytes())
    icc.N = 3
    intent = Dictionary(Type=Name.OutputIntent, S=Name.GTS_PDFA1, OutputConditionIdentifier=String(OUTPUT_CONDITION),
                        Info=String(OUTPUT_CONDITION), RegistryName=String("http://www.color.org"),
                        DestOutputProfile=icc)
    pdf.Root.OutputIntents = Array([pdf.make_indirect(intent)])


def attach(pdf: pikepdf.Pdf, name: str, data: bytes, *, description: str, mime: str, modified: datetime,
           relationship: Name) -> pikepdf.Object:
    """Embed a file as PDF/A-3 requires it (F, UF, Desc, AFRelationship, Subtype, Params/ModDate)."""
    spec = pikepdf.AttachedFileSpec(pdf, data, description=description, filename=name, mime_type=mime,
                                    creation_date=pdf_date(modified), mod_date=pdf_date(modified),
                                    relationship=relationship)
    ef = spec.obj.EF.F
    # compressed here at a fast level (qpdf would use level 6 at save time); /Params keeps size and MD5
    ef.write(zlib.compress(data, 1), filter=Name.FlateDecode)
    pdf.attachments[name] = spec
    return spec.obj


def strip_actions(pdf: pikepdf.Pdf, page: pikepdf.Page) -> int:
    """Remove scripts and external actions a merged page may carry (PDF/A forbids them). Returns count."""
    removed = 0
    obj = page.obj
    if Name.AA in obj:
        del obj[Name.AA]
        removed += 1
    annots = obj.get(Name.Annots)
    if isinstance(annots, Array):
        for annot in annots:
            if not isinstance(annot, Dictionary):
                continue
            if Name.AA in annot:
                del annot[Name.AA]
                removed += 1
            action = annot.get(Name.A)
            if isinstance(action, Dictionary) and str(action.get(Name.S, "")) in FORBIDDEN_ACTIONS:
                del annot[Name.A]
                removed += 1
            if Name.F in annot:  # PDF/A: annotations printable, not hidden
                flags = int(annot.F)
                annot.F = (flags | 4) & ~(1 | 2 | 32)
            else:
                annot.F = 4
    return removed


def finish(pdf: pikepdf.Pdf, info: DocInfo, attached: list[pikepdf.Object]) -> None:
    """Document info, XMP (PDF/A-3B), OutputIntent, /AF, /Lang — the last step before saving."""
    for key in list(pdf.docinfo.keys()):
        del pdf.docinfo[key]
    pdf.docinfo[Name.Title] = String(info.title)
    pdf.docinfo[Name.Author] = String(info.author)
    pdf.docinfo[Name.Subject] = String(info.subject)
    pdf.docinfo[Name.Keywords] = String(info.keywords)
    pdf.docinfo[Name.Creator] = String(info.creator)
    pdf.docinfo[Name.Producer] = String(info.producer)
    pdf.docinfo[Name.CreationDate] = String(pdf_date(info.created))
    pdf.docinfo[Name.ModDate] = String(pdf_date(info.modified))
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        meta.load_from_docinfo(pdf.docinfo, delete_missing=True)
        meta["pdfaid:part"] = "3"
        meta["pdfaid:conformance"] = "B"
        meta["xmp:CreateDate"] = info.created.isoformat()
        meta["xmp:ModifyDate"] = info.modified.isoformat()
        meta["xmp:MetadataDate"] = info.modified.isoformat()
        meta["dc:language"] = [info.lang]
    add_output_intent(pdf)
    pdf.Root.Lang = String(info.lang)
    pdf.Root.ViewerPreferences = Dictionary(DisplayDocTitle=True)
    if attached:
        pdf.Root.AF = Array(attached)
    for key in (Name.OpenAction, Name.AA, Name.JavaScript):
        if key in pdf.Root:
            del pdf.Root[key]


def save(pdf: pikepdf.Pdf) -> bytes:
    """Deterministic bytes: the trailer /ID is derived from the content (qpdf ``deterministic_id``).

    Streams are copied as they are — no decoding, no recompression: ReportLab and the evidence compress
    their own and `attach` compresses attachments. Asking qpdf to compress would also make it rewrite
    every ASCII85-wrapped content stream of the merged evidence (ReportLab's default), which costs more
    than the whole merge. No object streams: a classic cross-reference table and readable object
    dictionaries (as PDF/A-1 required) are the easiest structure to recover in twenty years.
    """
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none,
             object_stream_mode=pikepdf.ObjectStreamMode.disable, linearize=False, min_version="1.7")
    return out.getvalue()


# ---------------------------------------------------------------- checks (no veraPDF here)
def _fonts_without_file(pdf: pikepdf.Pdf) -> list[str]:
    """Names of fonts (including descendants of Type0 fonts) that carry no embedded font program."""
    missing: set[str] = set()
    seen: set[tuple[int, int]] = set()

    def visit_font(font: pikepdf.Object) -> None:
        if not isinstance(font, Dictionary):
            return
        if font.is_indirect:
            if font.objgen in seen:
                return
            seen.add(font.objgen)
        subtype = str(font.get(Name.Subtype, ""))
        if subtype == "/Type0":
            for d in font.get(Name.DescendantFonts, Array()):
                visit_font(d)
            return
        if subtype == "/Type3":
            return
        desc = font.get(Name.FontDescriptor)
        if not isinstance(desc, Dictionary) or not any(k in desc for k in (Name.FontFile, Name.FontFile2,
                                                                            Name.FontFile3)):
            missing.add(str(font.get(Name.BaseFont, "?")))

    def visit_resources(res: pikepdf.Object, depth: int = 0) -> None:
        if not isinstance(res, Dictionary) or depth > 8:
            return
        for font in (res.get(Name.Font) or Dictionary()).values():
            visit_font(font)
        for xobj in (res.get(Name.XObject) or Dictionary()).values():
            if isinstance(xobj, pikepdf.Stream) and xobj.get(Name.Subtype) == Name.Form:
                if xobj.objgen in seen:
                    continue
                seen.add(xobj.objgen)
                visit_resources(xobj.get(Name.Resources), depth + 1)

    for page in pdf.pages:
        visit_resources(page.obj.get(Name.Resources))
        for annot in page.obj.get(Name.Annots, Array()):
            ap = annot.get(Name.AP) if isinstance(annot, Dictionary) else None
            normal = ap.get(Name.N) if isinstance(ap, Dictionary) else None
            if isinstance(normal, pikepdf.Stream):
                visit_resources(normal.get(Name.Resources), 1)
    return sorted(missing)


def unembedded_fonts(path_or_pdf: Path | pikepdf.Pdf) -> list[str]:
    if isinstance(path_or_pdf, pikepdf.Pdf):
        return _fonts_without_file(path_or_pdf)
    with pikepdf.open(path_or_pdf) as pdf:
        return _fonts_without_file(pdf)


def check(data: bytes) -> list[str]:
    """Problems against the PDF/A-3b requirements we can test mechanically (empty list: all passed)."""
    problems: list[str] = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        if pdf.is_encrypted:
            problems.append("encrypted (PDF/A forbids /Encrypt)")
        if not (data.startswith(b"%PDF-1.") and data[8:9] in (b"\n", b"\r")):
            problems.append("header is not %PDF-1.n followed by an end of line")
        if b"%%EOF" not in data[-32:]:
            problems.append("data after the last %%EOF")
        meta = pdf.open_metadata()
        if meta.pdfa_status != "3B":
            problems.append(f"XMP pdfaid is {meta.pdfa_status!r}, expected '3B'")
        if Name.Metadata not in pdf.Root:
            problems.append("catalog has no /Metadata")
        elif Name.Filter in pdf.Root.Metadata:
            problems.append("XMP metadata stream is compressed (must stay readable)")
        intents = pdf.Root.get(Name.OutputIntents)
        if not isinstance(intents, Array) or not any(
                i.get(Name.S) == Name.GTS_PDFA1 and Name.DestOutputProfile in i for i in intents):
            problems.append("no GTS_PDFA1 OutputIntent with an ICC profile")
        if Name.ID not in pdf.trailer:
            problems.append("trailer has no /ID")
        for key, title in ((Name.Title, "dc:title"), (Name.Author, "dc:creator")):
            if key in pdf.docinfo and not meta.get(title):
                problems.append(f"document info {key} has no XMP {title}")
        missing = _fonts_without_file(pdf)
        if missing:
            problems.append("fonts not embedded: " + ", ".join(missing))
        forbidden = set()
        for obj in pdf.objects:
            if isinstance(obj, Dictionary | pikepdf.Stream):
                if Name.JS in obj or Name.JavaScript in obj:
                    forbidden.add("/JS or /JavaScript")
                if str(obj.get(Name.S, "")) in FORBIDDEN_ACTIONS and obj.get(Name.Type, Name.Action) == Name.Action:
                    forbidden.add(f"action {obj.get(Name.S)}")
        problems += [f"forbidden: {f}" for f in sorted(forbidden)]
        names = pdf.Root.get(Name.Names)
        if isinstance(names, Dictionary) and Name.EmbeddedFiles in names:
            af = {o.objgen for o in pdf.Root.get(Name.AF, Array())}
            for name, spec in pdf.attachments.items():
                obj = spec.obj
                if Name.AFRelationship not in obj:
                    problems.append(f"attachment {name}: no /AFRelationship")
                if Name.UF not in obj or Name.F not in obj:
                    problems.append(f"attachment {name}: /F and /UF required")
                ef = obj.EF.F
                if Name.Subtype not in ef:
                    problems.append(f"attachment {name}: no MIME /Subtype")
                if Name.Params not in ef or Name.ModDate not in ef.Params:
                    problems.append(f"attachment {name}: no /Params /ModDate")
                if obj.objgen not in af:
                    problems.append(f"attachment {name}: not listed in the catalog /AF")
        for page in pdf.pages:
            for annot in page.obj.get(Name.Annots, Array()):
                if isinstance(annot, Dictionary) and annot.get(Name.Subtype) != Name.Popup:
                    flags = int(annot.get(Name.F, 0))
                    if not flags & 4 or flags & 3:
                        problems.append("an annotation is hidden or not printable")
                        break
    problems += qpdf_check(data)
    return problems


def qpdf_check(data: bytes) -> list[str]:
    """`qpdf --check` (structure, xref, streams); empty when qpdf is not installed or the file is clean."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as tmp:
        tmp.write(data)
        tmp.flush()
        try:
            proc = subprocess.run(["qpdf", "--check", tmp.name], capture_output=True, timeout=300)
        except FileNotFoundError:
            return []
        except subprocess.TimeoutExpired:
            return ["qpdf --check timed out"]
    if proc.returncode not in (0,):
        return [f"qpdf --check (exit {proc.returncode}): " + proc.stdout.decode(errors="replace")[-500:]
                + proc.stderr.decode(errors="replace")[-500:]]
    return []
