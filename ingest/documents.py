"""The records that cross from ``ingest`` into ``index``: a parsed document, its pages, its chunks.

Plain frozen dataclasses with documented fields, so no layer relies on loose dict keys. Offsets are into
``ParsedDocument.text``, which is the document's pages joined by ``PAGE_SEPARATOR``; that single
coordinate system lets a cited sentence be mapped back to the page whose text contains it verbatim.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PAGE_SEPARATOR = "\n\n"

# Document types used in metadata and filters.
DOC_TYPE_NEWS = "news"
DOC_TYPE_REPORT = "report"
DOC_TYPE_PAGE = "page"  # saved HTML pages and plain-text notes that are not dated news
DOC_TYPES = (DOC_TYPE_NEWS, DOC_TYPE_REPORT, DOC_TYPE_PAGE)


@dataclass(frozen=True)
class Page:
    """One page of cleaned text. News items and web pages are a single page numbered 1."""

    number: int  # 1-based physical page number
    text: str  # cleaned text of the page (NFC, de-hyphenated, no running headers/footers)
    label: str | None = None  # printed page label when the PDF defines one ("iv", "12")


@dataclass(frozen=True)
class ParsedDocument:
    """A document read from one file, before chunking."""

    doc_id: str  # stable id: derived from the resolved path (see ingest.files.doc_id_for)
    path: str  # resolved absolute path of the source file
    content_hash: str  # sha256 hex of the file bytes
    doc_type: str  # one of DOC_TYPES
    title: str
    date: str | None  # ISO date "YYYY-MM-DD" (or "YYYY-MM"/"YYYY" when only that is known)
    source: str  # source_url for news, the file name for files without one
    pages: tuple[Page, ...]
    category: str | None = None  # visit / training / cooperation / governance / science ...
    language: str | None = None  # ISO 639-1 code when known
    extra: dict[str, str] = field(default_factory=dict)  # other front-matter scalars, kept as text

    @property
    def text(self) -> str:
        """All pages joined; chunk and sentence offsets refer to this string."""
        return PAGE_SEPARATOR.join(p.text for p in self.pages)

    def page_spans(self) -> list[tuple[int, int, int]]:
        """(page number, start, end) offsets of each page inside :attr:`text`."""
        spans, pos = [], 0
        for p in self.pages:
            spans.append((p.number, pos, pos + len(p.text)))
            pos += len(p.text) + len(PAGE_SEPARATOR)
        return spans


@dataclass(frozen=True)
class Chunk:
    """A passage of one document; the unit that is embedded, searched and cited."""

    chunk_id: str  # f"{doc_id}:{ordinal}"
    doc_id: str
    ordinal: int  # position of the chunk inside its document, from 0
    text: str  # exactly ParsedDocument.text[char_start:char_end]
    heading: str  # nearest section heading above the chunk ("" if none)
    page_start: int  # first page the chunk touches (1-based)
    page_end: int  # last page the chunk touches
    char_start: int
    char_end: int

    def embedding_text(self, title: str) -> str:
        """What gets embedded: title and section heading give the passage its context."""
        return embedding_text(title, self.heading, self.text)


def embedding_text(title: str, heading: str, text: str) -> str:
    """A chunk's embedded text from its document title, section heading and text (also rebuilt from
    stored chunk records, to embed them with another model)."""
    parts = [title.strip()]
    if heading and heading.strip() != title.strip():
        parts.append(heading.strip())
    parts.append(text)
    return "\n".join(p for p in parts if p)
