"""Deciding, page by page, what the text of a PDF page is: the text layer, its columns, its tables, or OCR.

Pure decisions on text and :class:`ingest.pdf_layout.PageFacts`; the reading itself happens in
``ingest.pdf`` (text layer) and ``ingest.pdf_layout`` (PDFium, pdfplumber). A born-digital page without
tables or columns keeps exactly the text pypdf extracted.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from difflib import SequenceMatcher

from ingest.clean import normalize_unicode
from ingest.pdf_layout import FoundTable, PageFacts, expected_chars
from ingest.tables import format_table

GARBLED_SHARE = 0.3  # above this share of unreadable characters, the text layer is not usable
SCAN_IMAGE_SHARE = 0.5  # a page mostly covered by images, with little text, is a scan
DRAWN_IMAGE_SHARE = 0.05  # a page without text is worth OCR when images cover this much of it ...
DRAWN_PATHS = 10  # ... or it draws this many paths (text drawn as outlines)
MIN_TABLE_WORD_SHARE = 0.7  # the text-layer lines replaced by a table must hold this share of its words
COLUMN_ORDER_AGREEMENT = 0.9  # below this word-order agreement with its columns, pypdf's order is wrong
_PLACEHOLDER = re.compile("\ue000([a-z]+)\ue001")
_WORD = re.compile(r"\w+")


def is_garbled(text: str) -> bool:
    """Text whose characters are mostly replacement characters, private-use code points or stray
    Latin-1 symbols: the font has no usable Unicode mapping, and indexing it would only add noise."""
    chars = [c for c in text if not c.isspace()]
    if len(chars) < 20:
        return False
    bad = 0
    for c in chars:
        cat = unicodedata.category(c)
        if c == "\ufffd" or cat in ("Co", "Cn", "Cc") or ("\u0080" <= c <= "\u00bf"):
            bad += 1
    return bad / len(chars) > GARBLED_SHARE


def needs_ocr(raw_text: str, facts: PageFacts | None) -> bool:
    """Whether a page has no usable text layer and something drawn that OCR could read: no text (or
    unreadable text) on a page with images or many paths, or far too little text for its size on a page
    mostly covered by images (a scan with a stamped page number)."""
    if facts is None:
        return False  # PDFium cannot render it either
    text = normalize_unicode(raw_text)
    chars = sum(1 for c in text if not c.isspace())
    drawn = facts.image_share >= DRAWN_IMAGE_SHARE or facts.paths >= DRAWN_PATHS
    if chars == 0 or is_garbled(text):
        return drawn
    return chars < expected_chars(facts) and facts.image_share >= SCAN_IMAGE_SHARE


def placeholder(key: str) -> str:
    """A line standing for a table while the page text is cleaned (private-use brackets, letters only:
    no cleaning step touches it, and no two placeholders of a document are alike)."""
    return f"\ue000{key}\ue001"


def table_key(n: int) -> str:
    """0 -> "a", 25 -> "z", 26 -> "ba": letters only (running-line removal treats digits as one)."""
    letters = ""
    while True:
        n, r = divmod(n, 26)
        letters = chr(ord("a") + r) + letters
        if n == 0:
            return letters


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def place_table(text: str, table: FoundTable, key: str) -> str | None:
    """``text`` with the lines that hold ``table`` (as the text layer ran its cells together) replaced by
    the table's placeholder line; None when no run of lines holds enough of its words."""
    cells = [*(table.table.header or ()), *(c for row in table.table.rows for c in row)]
    wanted = Counter(w for cell in cells for w in _words(cell))
    total = sum(wanted.values())
    if not total:
        return None
    lines = text.split("\n")
    best: tuple[int, int, int] | None = None  # (words consumed, first line, last line)
    for first in range(len(lines)):
        if not _words(lines[first]):
            continue
        left = wanted.copy()
        consumed, last = 0, None
        for j in range(first, len(lines)):
            words = _words(lines[j])
            if not words:
                continue
            counts = Counter(words)
            if any(left[w] < n for w, n in counts.items()):
                break
            left.subtract(counts)
            consumed += len(words)
            last = j
        if last is not None and (best is None or consumed > best[0]):
            best = (consumed, first, last)
    if best is None or best[0] < MIN_TABLE_WORD_SHARE * total:
        return None
    _consumed, first, last = best
    return "\n".join([*lines[:first], "", placeholder(key), "", *lines[last + 1 :]])


def fill_tables(text: str, tables: dict[str, str]) -> str:
    """Cleaned page text with each placeholder replaced by its table block."""
    return _PLACEHOLDER.sub(lambda m: tables.get(m.group(1), ""), text)


def table_text(table: FoundTable) -> str:
    return normalize_unicode(format_table(table.table))


def word_order_agreement(reference: Sequence[str], candidate: Sequence[str]) -> float:
    """Share of ``reference`` words found in the same order in ``candidate`` (a matching-blocks
    approximation of the longest common subsequence, which is exact for texts that differ by moved
    blocks, as interleaved columns do)."""
    if not reference:
        return 1.0
    matcher = SequenceMatcher(None, list(reference), list(candidate), autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()) / len(reference)


def choose_column_text(layer_text: str, columns: str | None) -> str:
    """The text layer, unless the page has columns and the layer reads them in another order."""
    if not columns:
        return layer_text
    agreement = word_order_agreement(_words(columns), _words(layer_text))
    return layer_text if agreement >= COLUMN_ORDER_AGREEMENT else columns
