"""A PDF written object by object, straight to a file: what lets the dossier's volume be assembled from
thousands of evidence files with memory that does not grow with them.

qpdf (through pikepdf) writes a document it holds whole: every source file open and every object of every
merged page resolved until the save, and the output in memory when saved to a buffer — measured, 45 KB
of memory per merged page and the whole volume twice over at the end. Here each source file is opened,
its pages copied and closed before the next one is opened: only one file's objects are in memory, stream
data is read one stream at a time, and the bytes go to disk as they are made.

The file is a classic one (no object streams, a cross-reference table, as qpdf wrote the volume before: the easiest structure to
recover in twenty years, as PDF/A-1 required)
and reproducible: objects are numbered in the order they are first met, and the trailer ``/ID`` is the
SHA-256 of every byte before the cross-reference table.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

import pikepdf
from pikepdf import Name, ObjectType

from pdf.pdfa import FORBIDDEN_ACTIONS

HEADER = b"%PDF-1.7\n%\xbf\xf7\xa2\xfe\n"
CHUNK = 1 << 20
_KEYS: dict[str, bytes] = {}
_ACTIVE_KEYS = {"/JS": "/JS or /JavaScript", "/JavaScript": "/JS or /JavaScript", "/AA": "/AA (additional actions)"}
# what any active content shows in an object's syntax (a direct object carrying none is written as qpdf writes it)
_ACTIVE_MARKERS = (b"/JS", b"/JavaScript", b"/AA", *(a.encode() for a in FORBIDDEN_ACTIONS))


def key_bytes(key: str) -> bytes:
    """A dictionary key as written (cached: the same few dozen keys are written millions of times)."""
    out = _KEYS.get(key)
    if out is None:
        out = _KEYS[key] = Name(key).unparse()
    return out


def number(v: float | int | Decimal) -> bytes:
    """A PDF number: integers as they are, reals without exponent and without trailing zeros."""
    if isinstance(v, bool):
        return b"true" if v else b"false"
    if isinstance(v, int):
        return b"%d" % v
    text = format(Decimal(str(v)) if isinstance(v, float) else v, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return (text if text not in ("", "-", "-0") else "0").encode()


class StreamWriter:
    """Writes numbered objects to ``f`` as they come; `close` adds the cross-reference table and trailer."""

    def __init__(self, f: BinaryIO):
        self.f = f
        # active content met in the objects copied (named as `pdf.pdfa.active_content` names it): every object
        # of the volume passes through a Copier, so the file need not be parsed again to look for it
        self.active: set[str] = set()
        self.offsets: list[int] = [0]  # by object number; 0 is the free list head
        self.pos = 0
        self.hash = hashlib.sha256()
        self._write(HEADER)

    def _write(self, data: bytes) -> None:
        self.f.write(data)
        self.hash.update(data)
        self.pos += len(data)

    def reserve(self) -> int:
        """A number for an object written later (any order: the table gives each one's offset)."""
        self.offsets.append(-1)
        return len(self.offsets) - 1

    def put(self, num: int, body: bytes) -> None:
        self.offsets[num] = self.pos
        self._write(b"%d 0 obj\n%s\nendobj\n" % (num, body))

    def put_stream(self, num: int, entries: bytes, data: bytes) -> None:
        """A stream object: ``entries`` is its dictionary's content without ``/Length``."""
        self.offsets[num] = self.pos
        self._write(b"%d 0 obj\n<<%s /Length %d >>\nstream\n" % (num, entries, len(data)))
        self._write(data)
        self._write(b"\nendstream\nendobj\n")

    def put_stream_file(self, num: int, entries: bytes, path: Path, digest: hashlib._Hash | None = None) -> None:
        """A stream whose (already encoded) data is in a file, copied in chunks (``digest``: updated with them,
        so that the file read once is both copied and hashed)."""
        self.offsets[num] = self.pos
        self._write(b"%d 0 obj\n<<%s /Length %d >>\nstream\n" % (num, entries, path.stat().st_size))
        with path.open("rb") as src:
            while chunk := src.read(CHUNK):
                self._write(chunk)
                if digest is not None:
                    digest.update(chunk)
        self._write(b"\nendstream\nendobj\n")

    def close(self, root: int, info: int) -> str:
        """Cross-reference table and trailer; returns the file's /ID (hex)."""
        missing = [n for n, off in enumerate(self.offsets) if off < 0]
        if missing:
            raise ValueError(f"objects reserved but never written: {missing[:10]}")
        file_id = self.hash.hexdigest()[:32]
        xref = self.pos
        lines = [b"xref\n0 %d\n0000000000 65535 f \n" % len(self.offsets)]
        lines += [b"%010d 00000 n \n" % off for off in self.offsets[1:]]
        self._write(b"".join(lines))
        self._write(b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /ID [<%s><%s>] >>\nstartxref\n%d\n%%%%EOF\n"
                    % (len(self.offsets), root, info, file_id.encode(), file_id.encode(), xref))
        return file_id


class Copier:
    """Copies objects of one source `pikepdf.Pdf` into a `StreamWriter`, renumbered. ``fixed`` maps objects of the
    source to objects already in the output (the stamp's shared font and content streams); ``parent`` is the
    output's page tree node, given to the source's pages. The source's catalog and page tree nodes are never
    copied (a reference to them becomes ``null``), nor a page that is not one of `pages`."""

    def __init__(self, w: StreamWriter, parent: int, fixed: dict[tuple[int, int], int] | None = None):
        self.w = w
        self.parent = parent
        self.map: dict[tuple[int, int], int | None] = dict(fixed or {})
        self.queue: deque[tuple[int, pikepdf.Object]] = deque()

    def pages(self, pages: Iterable[pikepdf.Page]) -> list[int]:
        """Reserve the pages' numbers (so links between them resolve), then write them and all they reach."""
        nums = []
        for page in pages:
            n = self.w.reserve()
            self.map[page.obj.objgen] = n
            self.queue.append((n, page.obj))
            nums.append(n)
        self.drain()
        return nums

    def ref(self, obj: pikepdf.Object) -> bytes:
        key = obj.objgen
        if key in self.map:
            n = self.map[key]
        else:
            n = None
            if obj._type_code == ObjectType.dictionary and obj.get(Name.Type) in (Name.Catalog, Name.Pages, Name.Page):
                pass  # another document's structure, or a page not merged: not followed
            else:
                n = self.w.reserve()
                self.queue.append((n, obj))
            self.map[key] = n
        return b"null" if n is None else b"%d 0 R" % n

    def object(self, obj: pikepdf.Object) -> int:
        """Copy one object (and what it reaches); its number in the output."""
        self.ref(obj)
        self.drain()
        n = self.map[obj.objgen]
        if n is None:
            raise ValueError("not copyable")
        return n

    def drain(self) -> None:
        while self.queue:
            n, obj = self.queue.popleft()
            if obj._type_code == ObjectType.stream:
                self.w.put_stream(n, self.entries(obj.stream_dict, skip=("/Length",)), obj.read_raw_bytes())
            elif obj._type_code == ObjectType.dictionary and obj.get(Name.Type) == Name.Page:
                self.w.put(n, b"<<" + self.entries(obj, skip=("/Parent",)) + b" /Parent %d 0 R >>" % self.parent)
            else:
                self.w.put(n, self.direct(obj))

    def entries(self, d: pikepdf.Object, skip: tuple[str, ...] = ()) -> bytes:
        out = []
        for key, value in d.items():
            if key in skip:
                continue
            if key in _ACTIVE_KEYS:
                self.w.active.add(_ACTIVE_KEYS[key])
            elif key == "/S" and str(value) in FORBIDDEN_ACTIONS and d.get(Name.Type, Name.Action) == Name.Action:
                self.w.active.add(f"action {value}")
            out.append(b" " + key_bytes(key) + b" " + self.value(value))
        return b"".join(out)

    def direct(self, obj: pikepdf.Object) -> bytes:
        text = obj.unparse()  # qpdf's own syntax, when nothing in it refers to another object (font widths,
        if b" R" not in text and not any(m in text for m in _ACTIVE_MARKERS):  # boxes): a reference shows as "n g R"
            return text
        t = obj._type_code
        if t == ObjectType.dictionary:
            return b"<<" + self.entries(obj) + b" >>"
        if t == ObjectType.array:
            return b"[" + b" ".join(self.value(v) for v in obj) + b"]"
        return obj.unparse()

    def value(self, v: object) -> bytes:
        if isinstance(v, pikepdf.Object):
            if v.is_indirect:
                return self.ref(v)
            return self.direct(v)
        if v is None:
            return b"null"
        if isinstance(v, bool | int | float | Decimal):
            return number(v)
        raise TypeError(f"cannot write {type(v).__name__}")


def literal(value: object) -> bytes:
    """A direct value made here (names, strings, numbers, lists, dicts of them) as PDF syntax."""
    if isinstance(value, pikepdf.Object):
        return value.unparse()
    if isinstance(value, str):
        return pikepdf.String(value).unparse()
    if value is None:
        return b"null"
    if isinstance(value, bool | int | float | Decimal):
        return number(value)
    if isinstance(value, bytes):  # already PDF syntax (a reference)
        return value
    if isinstance(value, list | tuple):
        return b"[" + b" ".join(literal(v) for v in value) + b"]"
    if isinstance(value, dict):
        return b"<<" + b"".join(b" /" + k.encode() + b" " + literal(v) for k, v in value.items()) + b" >>"
    raise TypeError(f"cannot write {type(value).__name__}")


__all__ = ["StreamWriter", "Copier", "literal", "number"]
