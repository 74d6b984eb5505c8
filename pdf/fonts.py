"""CJK fonts for the dossier: embedded TrueType only, with a fallback chain and a visible placeholder.

ReportLab's built-in CID font (STSong-Light) is never embedded and Noto CJK (CFF outlines) cannot be
embedded by ReportLab (shared/spec/stack-notes.md §4), so the dossier uses the TrueType collections
packaged by Debian: WenQuanYi Zen Hei first, then AR PL UMing (it has some CJK Extension B), WenQuanYi
Micro Hei and DejaVu Sans for symbols. A character no font has is written as ``〔U+XXXXX〕`` in the
primary font: a reader sees which character it was, never an empty box.

``JUECE_DOSSIER_FONTS`` (``path[:index],path[:index],…``) replaces the chain, first entry primary.

Importing this module fixes one ReportLab 5.1 bug process-wide: the ToUnicode map of a TrueType subset
wrote characters beyond the BMP as five hex digits, so their extracted text was wrong (see
`_to_unicode_cmap`; output for BMP-only text is unchanged).
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont

DEFAULT_CHAIN = (
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 0),
)


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """ReportLab 5.1's ToUnicode writes a character beyond the BMP as five hex digits (``<2123C>``), which
    readers take for a different character (pdftotext extracts 𡈼 as ℣): write UTF-16 surrogate pairs
    instead. For BMP characters the output is byte-for-byte ReportLab's own."""
    if all(v <= 0xFFFF for v in subset):
        return _rl_to_unicode_cmap(fontname, subset)
    text = _rl_to_unicode_cmap(fontname, [v if v <= 0xFFFF else 0 for v in subset])
    for i, v in enumerate(subset):
        if v > 0xFFFF:
            text = text.replace(f"<{i:02X}> <0000>", f"<{i:02X}> <{_utf16_be(v)}>", 1)
    return text


def _utf16_be(cp: int) -> str:
    return chr(cp).encode("utf-16-be").hex().upper()


_rl_to_unicode_cmap = ttfonts.makeToUnicodeCMap
if getattr(ttfonts.makeToUnicodeCMap, "__module__", "") != __name__:
    ttfonts.makeToUnicodeCMap = _to_unicode_cmap


class FontUnavailable(RuntimeError):
    """No embeddable CJK TrueType font is installed."""


@dataclass(frozen=True)
class Font:
    name: str  # ReportLab registration name
    path: str
    index: int
    chars: frozenset[int]


class FontChain:
    """The primary font and its fallbacks, each parsed and registered only when a character needs it
    (a CJK TrueType collection costs ReportLab ~25 MB and a few hundred ms to parse)."""

    def __init__(self, specs: tuple[tuple[str, int], ...]):
        self.specs = tuple((p, i) for p, i in specs if Path(p).is_file())
        self._loaded: list[Font | None] = []
        first = self._load(0) if self.specs else None
        if first is None or 0x4E2D not in first.chars:  # 中
            raise FontUnavailable("找不到可嵌入的中文 TrueType 字体 / no embeddable CJK TrueType font: install "
                                  "fonts-wqy-zenhei (or set JUECE_DOSSIER_FONTS)")
        self._primary = first

    def _load(self, i: int) -> Font | None:
        while len(self._loaded) <= i:
            path, index = self.specs[len(self._loaded)]
            self._loaded.append(_register(len(self._loaded), path, index))
        return self._loaded[i]

    @property
    def fonts(self) -> tuple[Font, ...]:
        """Every usable font of the chain (loads them all)."""
        return tuple(f for i in range(len(self.specs)) if (f := self._load(i)) is not None)

    @property
    def primary(self) -> str:
        return self._primary.name

    @property
    def primary_chars(self) -> frozenset[int]:
        return self._primary.chars

    def font_for(self, ch: str) -> str | None:
        cp = ord(ch)
        if cp in self._primary.chars:
            return self._primary.name
        for i in range(1, len(self.specs)):
            f = self._load(i)
            if f is not None and cp in f.chars:
                return f.name
        return None

    def runs(self, text: str) -> list[tuple[str, str]]:
        """Split text into (font name, text) runs; unknown characters become a visible placeholder."""
        out: list[tuple[str, str]] = []
        for ch in clean(text):
            if ch == "\n":
                font, piece = self.primary, ch
            else:
                found = self.font_for(ch)
                font, piece = (found, ch) if found else (self.primary, f"〔U+{ord(ch):04X}〕")
            if out and out[-1][0] == font:
                out[-1] = (font, out[-1][1] + piece)
            else:
                out.append((font, piece))
        return out

    def markup(self, text: object) -> str:
        """Paragraph markup for untrusted text: escaped, each run in a font that has its glyphs."""
        parts = []
        for font, piece in self.runs("" if text is None else str(text)):
            body = escape(piece).replace("\n", "<br/>")
            parts.append(body if font == self.primary else f'<font name="{font}">{body}</font>')
        return "".join(parts)

    def plain(self, text: object) -> str:
        """One line for Canvas.drawString in the primary font (placeholders for what it lacks)."""
        primary = self._primary.chars
        return "".join(ch if ord(ch) in primary else f"〔U+{ord(ch):04X}〕"
                       for ch in clean(str(text)) if ch != "\n")

    def fingerprint(self) -> dict[str, str]:
        """Which font files the chain is made of (their content, not just their names)."""
        return {f"{i}": f"{Path(p).name}#{idx}:{_file_sha256(p)[:16]}" for i, (p, idx) in enumerate(self.specs)}


# no line of a cell starts with these (they close what is before them), as in Chinese typesetting (避头点)
NO_LINE_START = set("，。、；：？！）》」』】〕…—,.;:?!)]}%")
_WIDTHS: dict[tuple[str, float], dict[str, float]] = {}


def wrap(text: str, font: str, size: float, room: float) -> list[str]:
    """`text`'s lines broken to fit `room` points in `font` at `size`: any character may end a line (CJK), except
    inside a run of Latin letters and digits (a word, a number — unless it is longer than a line) and before a
    closing punctuation mark."""
    widths = _WIDTHS.setdefault((font, size), {})
    out: list[str] = []
    for para in text.split("\n"):
        line_start, used = 0, 0.0
        i = 0
        while i < len(para):
            ch = para[i]
            w = widths.get(ch)
            if w is None:
                w = widths[ch] = pdfmetrics.stringWidth(ch, font, size)
            if used + w <= room or i == line_start:
                used += w
                i += 1
                continue
            cut = i
            while cut > line_start + 1 and para[cut] in NO_LINE_START:
                cut -= 1
            if _word(para[cut]) and _word(para[cut - 1]):
                start = cut
                while start > line_start and _word(para[start - 1]):
                    start -= 1
                if start > line_start:
                    cut = start
            out.append(para[line_start:cut])
            line_start, i = cut, cut
            used = 0.0
        out.append(para[line_start:])
    return out


def _word(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def clean(text: str) -> str:
    """Drop control and format characters (they would render as boxes); keep newlines as line breaks."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    if text.replace("\n", "").isprintable():  # no Cc/Cf/Cs/Co (nor Cn) character: nothing to drop, not walked
        return text
    return "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co"))


def _configured() -> tuple[tuple[str, int], ...]:
    raw = os.environ.get("JUECE_DOSSIER_FONTS", "").strip()
    if not raw:
        return DEFAULT_CHAIN
    chain = []
    for item in raw.split(","):
        path, _, idx = item.strip().partition(":")
        chain.append((path, int(idx or 0)))
    return tuple(chain)


@lru_cache(maxsize=16)
def _file_sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def _register(i: int, path: str, index: int) -> Font | None:
    name = f"JZ{i}-{hashlib.sha1(f'{path}#{index}'.encode()).hexdigest()[:8]}"
    if name in pdfmetrics.getRegisteredFontNames():
        tt = pdfmetrics.getFont(name)
    else:
        try:
            tt = TTFont(name, path, subfontIndex=index)
        except Exception:  # noqa: BLE001 - a font ReportLab cannot embed (e.g. CFF outlines) is skipped
            return None
        pdfmetrics.registerFont(tt)
    return Font(name, path, index, frozenset(tt.face.charToGlyph))


@lru_cache(maxsize=4)
def _chain_for(spec: tuple[tuple[str, int], ...]) -> FontChain:
    return FontChain(spec)


def chain() -> FontChain:
    """The font chain of this process (fonts registered with ReportLab once, fallbacks on demand)."""
    return _chain_for(_configured())
