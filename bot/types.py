"""Records that ``bot`` hands to its callers (CLI, Streamlit app, evaluation).

Their ``to_json`` methods define the JSON shapes of ``icgg search --json`` and ``icgg ask --json``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from icgg.i18n import N_
from index.store import ChunkRecord, DocumentRecord

# English message ids: bot.answer.in_language gives them in the question's language.
ABSTAIN_TEXT = N_("The ICGG documents I have do not answer this.")
ENGLISH_SOURCES_TEXT = N_("The documents are in English; here are the passages that answer your question:")


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its document, in ranked order (rank starts at 1)."""

    rank: int
    score: float  # fused score in hybrid mode, cosine in dense mode, BM25 in bm25 mode
    chunk: ChunkRecord
    document: DocumentRecord
    dense_score: float | None = None  # cosine similarity to the question, when computed
    bm25_score: float | None = None
    reader_score: float | None = None  # the reader's probability for its best sentence, when read

    @property
    def page(self) -> int:
        return self.chunk.page_start

    def to_json(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "score": round(float(self.score), 6),
            "doc_id": self.document.doc_id,
            "title": self.document.title,
            "date": self.document.date,
            "doc_type": self.document.doc_type,
            "source": self.document.source,
            "page": self.chunk.page_start,
            "page_label": self.chunk.page_label,
            "heading": self.chunk.heading,
            "text": self.chunk.text,
            "from_scan": self.chunk.from_scan,
            "ocr_confidence": self.chunk.ocr_confidence,
            "dense_score": _rounded(self.dense_score),
            "bm25_score": _rounded(self.bm25_score),
            "reader_score": _rounded(self.reader_score),
        }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(float(value), 6)


@dataclass(frozen=True)
class Citation:
    """One [n] in an answer: the quoted sentence occurs verbatim in ``page``'s text of ``doc_id``."""

    n: int
    doc_id: str
    title: str
    date: str | None
    doc_type: str
    page: int
    page_label: str | None
    source: str
    quote: str
    passage_rank: int  # which retrieved passage the quote came from (or whose chunk its chunk is next to)
    # Set when the cited page's text was recognised from a scan: the engine and its mean confidence there.
    ocr_engine: str | None = None
    ocr_confidence: float | None = None

    @property
    def from_scan(self) -> bool:
        return self.ocr_engine is not None

    def to_json(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "doc_id": self.doc_id,
            "title": self.title,
            "date": self.date,
            "doc_type": self.doc_type,
            "page": self.page,
            "page_label": self.page_label,
            "source": self.source,
            "quote": self.quote,
            "from_scan": self.from_scan,
            "ocr_confidence": self.ocr_confidence,
        }


@dataclass
class Answer:
    """An answer with its evidence; ``abstained`` means the documents do not answer the question."""

    question: str
    text: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    resolved_question: str | None = None  # the question after follow-up resolution, if it changed
    nearest_documents: list[DocumentRecord] = field(default_factory=list)  # shown when abstaining
    notice: str | None = None  # e.g. "The language model was unavailable; showing an extractive answer."
    backend: str = "extractive"
    generation: str | None = None  # index generation that produced the answer
    abstain_reason: str | None = None  # why the documents were judged not to answer (when abstained)
    language: str = "en"  # the question's detected language (ISO 639-1); fixed text is given in it
    # Coarse kind of refusal (bot.refusal.CATEGORIES), and the plain-language sentence a reader sees (in
    # ``language``); ``abstain_reason`` keeps the technical detail.
    reason_category: str | None = None
    refusal: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "language": self.language,
            "resolved_question": self.resolved_question,
            "answer": self.text,
            "abstained": self.abstained,
            "abstain_reason": self.abstain_reason,
            "reason_category": self.reason_category,
            "refusal": self.refusal,
            "citations": [c.to_json() for c in self.citations],
            "passages": [p.to_json() for p in self.passages],
            "nearest_documents": [
                {"doc_id": d.doc_id, "title": d.title, "date": d.date, "doc_type": d.doc_type}
                for d in self.nearest_documents
            ],
            "notice": self.notice,
            "backend": self.backend,
            "generation": self.generation,
        }


def scan_of(index, doc_id: str, page: int) -> dict[str, Any]:
    """The ``ocr_engine``/``ocr_confidence`` fields of a citation of ``page`` (empty for a text layer)."""
    lookup = getattr(index, "page_ocr", None)  # indexes of other stores may not record OCR
    info = lookup(doc_id, page) if lookup is not None else None
    return {"ocr_engine": info.engine, "ocr_confidence": info.confidence} if info is not None else {}
