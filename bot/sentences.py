"""Sentences of retrieved passages, each pinned to the one page whose text contains it verbatim.

An extractive answer and every citation quote come from here, so this module guarantees one thing:
a :class:`SentenceSpan`'s ``text`` occurs verbatim in ``index.page_text(doc_id, page)``. Sentences that
cross a page break are trimmed to the part on one page (or dropped); sentences that cannot be found on
their page are dropped. It must never invent, normalise or repair the quoted text.

Sentence boundaries come from :mod:`ingest.sentences`, the code the index builder also uses to embed
every quotable sentence at ingest time, so the answerer finds those vectors by exact text.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.types import Passage
from index.store import ChunkRecord, SearchIndex
from ingest.documents import PAGE_SEPARATOR
from ingest.sentences import one_page_parts, split_sentences

__all__ = ["PageLocator", "SentenceSpan", "locate", "passage_sentences", "split_sentences"]


@dataclass(frozen=True)
class SentenceSpan:
    """One sentence of a passage, located on a page."""

    text: str  # verbatim slice of the page text
    passage_rank: int
    doc_id: str
    page: int
    chunk_start: int  # offset of the sentence inside the chunk text
    doc_start: int  # offset inside the document text (chunk.char_start + chunk_start)


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


def locate(chunk: ChunkRecord, start: int, end: int, pages: PageLocator) -> tuple[int, int, int] | None:
    """(page, start, end) of the part of ``chunk.text[start:end]`` that lies on one page, or None.

    Uses chunk offsets into the document text; a span crossing a page break keeps its longest
    one-page part. The result is checked against the page text, never assumed.
    """
    sentence = chunk.text[start:end]
    if chunk.page_start == chunk.page_end:
        on_page = sentence in pages.page_text(chunk.doc_id, chunk.page_start)
        return (chunk.page_start, start, end) if on_page else None
    numbers = range(chunk.page_start, chunk.page_end + 1)
    bounds = []
    for page in numbers:
        p0 = pages.page_start(chunk.doc_id, page)
        bounds.append((p0, p0 + len(pages.page_text(chunk.doc_id, page))))
    parts = one_page_parts(chunk.text, chunk.char_start, start, end, bounds)
    if parts:
        i, a, b = max(parts, key=lambda part: part[2] - part[1])  # the longest; the first of equals
        if chunk.text[a:b] in pages.page_text(chunk.doc_id, numbers[i]):
            return numbers[i], a, b
    # Offsets disagree with the page texts (should not happen): fall back to a verbatim search.
    for page in numbers:
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
