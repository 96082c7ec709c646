"""The read side of the index, as ``bot`` sees it: a small protocol plus the records it returns.

``bot`` codes against :class:`SearchIndex` only, so a server-based vector store (OpenSearch, Qdrant) can be
added later by implementing this protocol, without touching ``bot``. An instance is one immutable
generation: it never changes under a reader.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np


@dataclass(frozen=True)
class DocumentRecord:
    """A document as stored in the index."""

    doc_id: str
    path: str
    content_hash: str
    doc_type: str
    title: str
    date: str | None
    source: str
    category: str | None
    language: str | None
    n_pages: int
    n_chunks: int


@dataclass(frozen=True)
class ChunkRecord:
    """A chunk as stored in the index; ``row`` is its position in the dense and keyword indexes."""

    row: int
    chunk_id: str
    doc_id: str
    ordinal: int
    text: str
    heading: str
    page_start: int
    page_end: int
    page_label: str | None  # printed label of page_start, if the PDF has labels
    char_start: int
    char_end: int


@dataclass(frozen=True)
class Filters:
    """Restrictions applied *before* the ranking is cut, so k results come back when k exist."""

    doc_types: frozenset[str] | None = None
    date_from: str | None = None  # inclusive ISO date "YYYY-MM-DD"
    date_to: str | None = None  # inclusive ISO date
    doc_ids: frozenset[str] | None = None

    def is_empty(self) -> bool:
        return not (self.doc_types or self.date_from or self.date_to or self.doc_ids)


@dataclass(frozen=True)
class Hit:
    row: int
    score: float


@runtime_checkable
class SearchIndex(Protocol):
    """One published, immutable index generation."""

    generation: str  # name of the generation folder
    model_name: str  # embedding model recorded in the manifest
    dimension: int

    def __len__(self) -> int:
        """Number of chunks."""

    def documents(self) -> Sequence[DocumentRecord]:
        """All documents, in a stable order."""

    def document(self, doc_id: str) -> DocumentRecord:
        """One document; KeyError if unknown."""

    def chunk(self, row: int) -> ChunkRecord:
        """One chunk by row."""

    def page_text(self, doc_id: str, page: int) -> str:
        """The cleaned text of one page; citations quote it verbatim."""

    def page_label(self, doc_id: str, page: int) -> str | None:
        """The printed label of one page, if the PDF has labels."""

    def allowed_rows(self, filters: Filters | None) -> np.ndarray | None:
        """Boolean mask over rows that pass the filters; None when nothing is filtered."""

    def dense_search(self, vector: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[Hit]:
        """Inner-product search with a normalised query vector, restricted to ``allowed`` rows."""

    def keyword_search(self, query: str, k: int, allowed: np.ndarray | None = None) -> list[Hit]:
        """BM25 search, restricted to ``allowed`` rows."""

    def sentence_vectors(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """Vectors computed at ingest for these exact sentence texts, found ones only (may be empty).

        Lets the answerer score sentences without running the model; whatever is missing, it embeds.
        """


@runtime_checkable
class MultilingualSearchIndex(SearchIndex, Protocol):
    """A generation that also holds multilingual (e5) vectors of its chunks and, optionally, sentences.

    ``multilingual_model_name`` is None when this generation has no multilingual side.
    """

    multilingual_model_name: str | None
    multilingual_dimension: int

    def multilingual_search(self, vector: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[Hit]:
        """Inner-product search of the e5 chunk vectors with a normalised e5 query vector."""

    def multilingual_sentence_vectors(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """e5 passage vectors computed at ingest for these exact sentence texts, found ones only."""
