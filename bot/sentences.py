"""Sentences of retrieved passages, each pinned to the one page whose text contains it verbatim.

An extractive answer and every citation quote come from here, so this module guarantees one thing:
a :class:`SentenceSpan`'s ``text`` occurs verbatim in ``index.page_text(doc_id, page)``. Sentences that
cross a page break are trimmed to the part on one page (or dropped); sentences that cannot be found on
their page are dropped. It must never invent, normalise or repair the quoted text.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from bot.types import Passage
from index.store import ChunkRecord, SearchIndex

PAGE_SEPARATOR = "\n\n"  # ingest.documents.PAGE_SEPARATOR; bot must not import ingest

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


@dataclass(frozen=True)
class SentenceSpan:
    """One sentence of a passage, located on a page."""

    text: str  # verbatim slice of the page text
    passage_rank: int
    doc_id: str
    page: int
    chunk_start: int  # offset of the sentence inside the chunk text
    doc_start: int  # offset inside the document text (chunk.char_start + chunk_start)


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


class PageLocator:
    """Maps document offsets to pages, reading page texts lazily from one index generation."""

    def __init__(self, index: SearchIndex):
        self._index = index
        self._pages: dict[tuple[str, int], str] = {}
        self._starts: dict[str, list[int]] = {}  # doc_id -> doc offset of pages 1..n known so far

    def page_text(self, doc_id: str, page: int) -> str:
        key = (doc_id, page)
        if key not in self._pages:
            self._pages[key] = self._index.page_text(doc_id, page)
        return self._pages[key]

    def page_start(self, doc_id: str, page: int) -> int:
        """Offset of ``page`` inside the document text (pages joined by PAGE_SEPARATOR)."""
        starts = self._starts.setdefault(doc_id, [0])
        while len(starts) < page:
            n = len(starts)
            starts.append(starts[-1] + len(self.page_text(doc_id, n)) + len(PAGE_SEPARATOR))
        return starts[page - 1]


def _trim(text: str) -> tuple[int, int]:
    lead = len(text) - len(text.lstrip())
    return lead, len(text.rstrip())


def locate(chunk: ChunkRecord, start: int, end: int, pages: PageLocator) -> tuple[int, int, int] | None:
    """(page, start, end) of the part of ``chunk.text[start:end]`` that lies on one page, or None.

    Uses chunk offsets into the document text; a span crossing a page break keeps its longest
    one-page part. The result is checked against the page text, never assumed.
    """
    sentence = chunk.text[start:end]
    if chunk.page_start == chunk.page_end:
        on_page = sentence in pages.page_text(chunk.doc_id, chunk.page_start)
        return (chunk.page_start, start, end) if on_page else None
    d0, d1 = chunk.char_start + start, chunk.char_start + end
    best: tuple[int, int, int] | None = None
    for page in range(chunk.page_start, chunk.page_end + 1):
        p0 = pages.page_start(chunk.doc_id, page)
        p1 = p0 + len(pages.page_text(chunk.doc_id, page))
        a, b = max(d0, p0), min(d1, p1)
        if b <= a:
            continue
        part = chunk.text[a - chunk.char_start : b - chunk.char_start]
        lead, stop = _trim(part)
        a2, b2 = a - chunk.char_start + lead, a - chunk.char_start + stop
        if b2 > a2 and (best is None or b2 - a2 > best[2] - best[1]):
            best = (page, a2, b2)
    if best is not None and chunk.text[best[1] : best[2]] in pages.page_text(chunk.doc_id, best[0]):
        return best
    # Offsets disagree with the page texts (should not happen): fall back to a verbatim search.
    for page in range(chunk.page_start, chunk.page_end + 1):
        if sentence in pages.page_text(chunk.doc_id, page):
            return page, start, end
    return None


def passage_sentences(passage: Passage, pages: PageLocator) -> list[SentenceSpan]:
    """The sentences of one passage that can be quoted verbatim from a single page."""
    chunk = passage.chunk
    out = []
    for s0, s1 in split_sentences(chunk.text):
        placed = locate(chunk, s0, s1, pages)
        if placed is None:
            continue
        page, a, b = placed
        out.append(
            SentenceSpan(
                text=chunk.text[a:b],
                passage_rank=passage.rank,
                doc_id=chunk.doc_id,
                page=page,
                chunk_start=a,
                doc_start=chunk.char_start + a,
            )
        )
    return out
