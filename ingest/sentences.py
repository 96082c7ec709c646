"""Sentences of chunk text, and which of them an extractive answer may quote: pure text, no index.

Lives in ``ingest`` so the index builder can embed, at ingest time, exactly the sentence texts the
answerer (``bot``) later scores; ``bot`` calls the same functions at answer time. The two must agree
character for character, or a precomputed vector is simply not found (and the sentence is embedded live),
so nothing here may depend on settings, the model or the index. It never changes the text it is given:
every result is a slice of its input.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence

# Abbreviations after which a full stop does not end a sentence.
_ABBREVIATION_WORDS = (
    "dr prof mr mrs ms st no nos vol fig figs eg ie etc al approx vs jan feb mar apr jun jul aug sep sept "
    "oct nov dec inc ltd co corp dept univ assoc acad sci est min max cf pp ed eds rev gen col lt"
)
_ABBREVIATIONS = frozenset(_ABBREVIATION_WORDS.split())
# A sentence ends at . ! ? (optionally followed by closing quotes/brackets) and whitespace.
_END = re.compile(r"[.!?]['\")\]”’]*(?=\s+|$)")
_BLOCK_BREAK = re.compile(r"\n[ \t]*\n\s*")
# Lines that start a new block even without a blank line before them: headings, bullets, table rows.
_LINE_START_BLOCK = re.compile(r"^\s*(#{1,6}\s|[-*•]\s|\d{1,3}[.)]\s|\|)")

# A quote starts at the words themselves, not at a markdown marker ("- ", "## ", "1. ", "> ").
LEADING_MARKUP = re.compile(r"^(#{1,6}\s+|[-*•]\s+|\d{1,3}[.)]\s+|>\s*)+")
# What counts as a quotable sentence.
MIN_WORDS = 5
MIN_CHARS = 25
MAX_CHARS = 600
TABLE_LINE_CHARS = 30


def _sentence_bounds(block: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each sentence in a block of prose, skipping abbreviations, initials, decimals."""
    start = 0
    for m in _END.finditer(block):
        end = m.end()
        if block[m.start()] == ".":
            word = re.search(r"([A-Za-z]+)\.?$", block[start : m.start() + 1])
            token = word.group(1) if word else ""
            if token.lower() in _ABBREVIATIONS or (len(token) == 1 and token.isupper()):
                continue  # "Dr. Wang", "D. B. Smith"
            nxt = block[end:].lstrip()[:1]
            if nxt and nxt.islower():
                continue  # "e.g. the ..." or a wrapped line: a sentence starts with a capital or digit
        yield start, end
        start = end
    if start < len(block):
        yield start, len(block)


def _blocks(text: str) -> Iterator[tuple[int, int]]:
    """Paragraph-like blocks: split at blank lines and before headings, bullets and table rows."""
    pos = 0
    for piece in _BLOCK_BREAK.split(text):
        if not piece:
            continue
        begin = text.index(piece, pos)
        pos = begin + len(piece)
        line_starts = [0] + [m.end() for m in re.finditer(r"\n", piece)]
        cuts = [0] + [s for s in line_starts[1:] if _LINE_START_BLOCK.match(piece[s:])]
        # a markdown line (heading, bullet) also ends at its own newline
        for s in list(cuts):
            if _LINE_START_BLOCK.match(piece[s:]):
                nl = piece.find("\n", s)
                if nl != -1:
                    cuts.append(nl + 1)
        cuts = [*sorted(set(cuts)), len(piece)]
        for a, b in itertools.pairwise(cuts):
            if piece[a:b].strip():
                yield begin + a, begin + b


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences of ``text``, whitespace trimmed; never crosses a blank line."""
    spans = []
    for b0, b1 in _blocks(text):
        block = text[b0:b1]
        for s0, s1 in _sentence_bounds(block):
            raw = block[s0:s1]
            lead = len(raw) - len(raw.lstrip())
            trail = len(raw) - len(raw.rstrip())
            if s1 - trail > s0 + lead:
                spans.append((b0 + s0 + lead, b0 + s1 - trail))
    return spans


def markup_prefix(text: str) -> int:
    """Length of the leading markdown marker of ``text`` ("- ", "## "), 0 when there is none."""
    m = LEADING_MARKUP.match(text)
    return m.end() if m else 0


def is_quotable(text: str) -> bool:
    """A full sentence worth quoting: not a heading, table row, caption fragment or a few words."""
    if len(text) < MIN_CHARS or len(text.split()) < MIN_WORDS:
        return False
    if text[0].islower() or text[0] in ",;:)]":
        return False  # the tail of a sentence cut by a page break or a chunk boundary
    if "|" in text or text.rstrip().endswith(":") or len(text) > MAX_CHARS:
        return False
    lines = text.splitlines()
    if len(lines) >= 3 and sum(len(line) for line in lines) / len(lines) < TABLE_LINE_CHARS:
        return False  # cells of a table or a timeline run together by PDF extraction
    letters = sum(c.isalpha() for c in text)
    if letters < 0.5 * len(text):
        return False
    # Prose sentences end with a full stop; headings, captions and table rows run together don't.
    if not re.search(r"[.!?]['\")\]”’]*$", text):
        return False
    return any(c.islower() for c in text)


def strip_whitespace_bounds(text: str) -> tuple[int, int]:
    """(start, end) of ``text`` without its leading and trailing whitespace."""
    lead = len(text) - len(text.lstrip())
    return lead, len(text.rstrip())


def one_page_parts(
    text: str, text_start: int, start: int, end: int, page_bounds: Sequence[tuple[int, int]]
) -> list[tuple[int, int, int]]:
    """The parts of ``text[start:end]`` that lie on one page each: (index into ``page_bounds``, start, end),
    offsets into ``text``, whitespace trimmed, empty parts left out.

    ``text_start`` is the document offset of ``text``; ``page_bounds`` are (start, end) document offsets
    of the pages to consider. A quote must come from one page, so a sentence crossing a page break is
    quoted by one of these parts.
    """
    d0, d1 = text_start + start, text_start + end
    parts = []
    for i, (p0, p1) in enumerate(page_bounds):
        a, b = max(d0, p0), min(d1, p1)
        if b <= a:
            continue
        lead, stop = strip_whitespace_bounds(text[a - text_start : b - text_start])
        if stop > lead:
            parts.append((i, a - text_start + lead, a - text_start + stop))
    return parts


def quotable_sentences(
    chunk_text: str, chunk_start: int = 0, page_bounds: Sequence[tuple[int, int]] = ()
) -> list[str]:
    """The sentence texts of a chunk that the answerer may quote (markup trimmed, quotable), in order.

    ``page_bounds`` are the (start, end) document offsets of the pages the chunk touches and
    ``chunk_start`` is the chunk's document offset. The answerer quotes from one page only, so a
    sentence crossing a page break stands for its one-page parts (all of them: the answerer keeps the
    longest, which is among them). Without ``page_bounds`` every sentence counts as on one page.
    """
    out: dict[str, None] = {}
    for s0, s1 in split_sentences(chunk_text):
        d0, d1 = chunk_start + s0, chunk_start + s1
        parts = [(s0, s1)]
        if len(page_bounds) > 1 and not any(p0 <= d0 and d1 <= p1 for p0, p1 in page_bounds):
            parts = [(a, b) for _, a, b in one_page_parts(chunk_text, chunk_start, s0, s1, page_bounds)]
        for a, b in parts:
            text = chunk_text[a:b]
            text = text[markup_prefix(text) :]
            if is_quotable(text):
                out.setdefault(text, None)
    return list(out)


def page_bounds(page_lengths: Sequence[int], separator: int) -> list[tuple[int, int]]:
    """(start, end) document offsets of pages 1..n, given their text lengths and the separator length."""
    bounds, pos = [], 0
    for n in page_lengths:
        bounds.append((pos, pos + n))
        pos += n + separator
    return bounds
