"""The one Python API of the assistant, used by the CLI and the Streamlit app alike.

An :class:`Assistant` holds the embedder, the answerer and one immutable index generation. Many threads
(Streamlit sessions) share one Assistant: every call reads the current generation reference once and
works on that snapshot, and :meth:`Assistant.refresh` swaps the reference in one assignment, so a call
never sees half of an old and half of a new index. This module never writes to the index.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from bot.retrieve import Retriever
from bot.types import Answer, Passage
from icgg.settings import Settings, get_settings
from index.store import DocumentRecord, Filters, SearchIndex

BROWSE_SORTS = ("date", "title")


@dataclass(frozen=True)
class _Generation:
    """Everything that belongs to one index generation; replaced as a whole."""

    index: SearchIndex
    retriever: Retriever


def _date_bounds(date: str | None) -> tuple[str, str] | None:
    """A partial ISO date as the inclusive day range it covers ("2016" → 2016-01-01..2016-12-31)."""
    if not date:
        return None
    year, *rest = date.split("-")
    lo = "-".join([year, *[*rest, "01", "01"][:2]])
    hi = "-".join([year, *[*rest, "12", "31"][:2]])
    return lo, hi


def document_passes(doc: DocumentRecord, filters: Filters | None) -> bool:
    """The document-level reading of :class:`Filters` (a partial date passes if its range overlaps)."""
    if filters is None or filters.is_empty():
        return True
    if filters.doc_types and doc.doc_type not in filters.doc_types:
        return False
    if filters.doc_ids and doc.doc_id not in filters.doc_ids:
        return False
    if filters.date_from or filters.date_to:
        bounds = _date_bounds(doc.date)
        if bounds is None:
            return False
        if filters.date_from and bounds[1] < filters.date_from:
            return False
        if filters.date_to and bounds[0] > filters.date_to:
            return False
    return True


class Assistant:
    """Search, browse and question answering over the current index generation."""

    def __init__(self, settings: Settings, embedder, index: SearchIndex, answerer=None, multilingual=None):
        self.settings = settings
        self.embedder = embedder
        self.multilingual = multilingual  # the e5 embedder of the multilingual ranking, or None
        self._answerer = answerer
        self._answerer_lock = threading.Lock()
        self._refresh_lock = threading.Lock()
        self._current = self._generation(index)

    @classmethod
    def open(cls, settings: Settings | None = None, embedder=None) -> Assistant:
        """Load the model (unless given) and the current index generation.

        Raises ``index.reader.IndexNotFoundError`` when nothing has been ingested yet, and
        ``IndexMismatchError``/``IndexCorruptError`` when the index cannot be used with this model.
        """
        from index.embeddings import load_embedder, load_multilingual_embedder
        from index.reader import open_index

        settings = settings or get_settings()
        embedder = embedder or load_embedder(settings)
        multilingual = load_multilingual_embedder(settings) if settings.multilingual_embeddings else None
        index = open_index(
            settings,
            expected_model=embedder.model_name,
            expected_multilingual=multilingual.model_name if multilingual else None,
        )
        return cls(settings, embedder, index, multilingual=multilingual)

    # --- generations -----------------------------------------------------------------------------
    @property
    def generation(self) -> str:
        return self._current.index.generation

    @property
    def index(self) -> SearchIndex:
        return self._current.index

    def refresh(self) -> bool:
        """Switch to a newer published generation, if there is one. True if the index was swapped."""
        from index.reader import current_generation, open_index

        with self._refresh_lock:
            latest = current_generation(self.settings.index_dir)
            if latest is None or latest == self._current.index.generation:
                return False
            index = open_index(
                self.settings,
                expected_model=self.embedder.model_name,
                expected_multilingual=self.multilingual.model_name if self.multilingual else None,
            )
            if index.generation == self._current.index.generation:
                return False
            self._current = self._generation(index)
            return True

    def _generation(self, index: SearchIndex) -> _Generation:
        return _Generation(index, Retriever(index, self.embedder, self.settings, self.multilingual))

    # --- search and browse -----------------------------------------------------------------------
    def search(
        self,
        query: str,
        *,
        k: int | None = None,
        filters: Filters | None = None,
        mode: str | None = None,
    ) -> list[Passage]:
        return self._current.retriever.search(query, k=k, filters=filters, mode=mode)

    def matching(self, query: str, filters: Filters | None = None) -> list[Passage]:
        """Every document containing all words of ``query``, each with its best passage (Search's
        timeline and date order cover the whole archive, not only the top k)."""
        from bot.archive import keyword_matches

        return keyword_matches(self._current.index, query, filters)

    def browse(self, filters: Filters | None = None, sort: str = "date") -> list[DocumentRecord]:
        """Documents passing ``filters``: newest first (undated last), or by title."""
        if sort not in BROWSE_SORTS:
            raise ValueError(f"unknown sort {sort!r} (use one of {', '.join(BROWSE_SORTS)})")
        docs = [d for d in self._current.index.documents() if document_passes(d, filters)]
        if sort == "title":
            return sorted(docs, key=lambda d: (d.title.casefold(), d.doc_id))
        dated = sorted((d for d in docs if d.date), key=lambda d: (d.date, d.doc_id), reverse=True)
        undated = sorted((d for d in docs if not d.date), key=lambda d: (d.title.casefold(), d.doc_id))
        return dated + undated

    def document(self, doc_id: str) -> DocumentRecord:
        """One document; KeyError if the current generation does not hold it."""
        return self._current.index.document(doc_id)

    def page_text(self, doc_id: str, page: int) -> str:
        return self._current.index.page_text(doc_id, page)

    def document_pages(self, doc_id: str) -> list[tuple[int, str | None, str]]:
        """(page, printed label, text) for every page of a document, in order."""
        index = self._current.index
        doc = index.document(doc_id)
        return [
            (p, index.page_label(doc_id, p), index.page_text(doc_id, p)) for p in range(1, doc.n_pages + 1)
        ]

    def stats(self) -> dict[str, Any]:
        """Index statistics plus which generation this Assistant is serving."""
        from index.stats import index_stats

        index = self._current.index
        out = dict(index_stats(self.settings))
        out["serving_generation"] = index.generation
        out["serving_documents"] = len(index.documents())
        out["serving_chunks"] = len(index)
        out["model_name"] = index.model_name
        return out

    # --- questions -------------------------------------------------------------------------------
    def ask(
        self,
        question: str,
        *,
        history: Sequence[tuple[str, str]] = (),
        filters: Filters | None = None,
    ) -> Answer:
        """Answer ``question`` from the documents, with citations, or abstain (in the question's language:
        ``Answer.language``)."""
        generation, resolved, reading = self._prepare(question, history, filters)
        answer = self.answerer.answer(resolved, reading, generation.index)
        return self._finish(answer, question, resolved, generation)

    def detect_language(self, question: str) -> str:
        """The question's language (``bot.language``), English when unsure."""
        from bot.language import detect_language

        return detect_language(question, self.settings)

    def ask_stream(
        self,
        question: str,
        *,
        history: Sequence[tuple[str, str]] = (),
        filters: Filters | None = None,
    ) -> Iterator[str | Answer]:
        """Text deltas as they are produced, then the final :class:`Answer`.

        For a question in another language than English the answer's first words depend on whether it
        abstains, so its text comes as one delta, when it is complete."""
        generation, resolved, reading = self._prepare(question, history, filters)
        english = self.detect_language(question) == "en"
        for item in self.answerer.stream(resolved, reading, generation.index):
            if isinstance(item, Answer):
                answer = self._finish(item, question, resolved, generation)
                if not english:
                    yield answer.text
                yield answer
            elif english:
                yield item

    @property
    def answerer(self):
        """Built on first use: an LLM backend may be slow to set up and search does not need it."""
        if self._answerer is None:
            with self._answerer_lock:
                if self._answerer is None:
                    from bot.answer import make_answerer

                    self._answerer = make_answerer(self.settings, self.reader.answer_threshold)
        return self._answerer

    @property
    def reader(self):
        """The trained reader (:mod:`bot.reader`), loaded on first use and shared by every caller."""
        from bot.reader import load_reader

        return load_reader(self.settings)

    @property
    def sentence_embedder(self):
        """The e5 embedder whose vectors the reader compares questions with (stored at ingest)."""
        if self.multilingual is not None:
            return self.multilingual
        from index.embeddings import load_multilingual_embedder

        return load_multilingual_embedder(self.settings)

    def read(self, question: str, passages: Sequence[Passage], generation: _Generation | None = None):
        """What the reader makes of ``passages``: reranked passages and scored sentences (``Reading``)."""
        from bot.reader import read

        index = (generation or self._current).index
        return read(
            question,
            passages,
            index,
            self.reader,
            self.sentence_embedder,
            self.settings.reader_depth,
            self.settings.reader_rerank_weight,
        )

    def passages_for(
        self, question: str, *, rerank: bool = True, filters: Filters | None = None
    ) -> list[Passage]:
        """The passages an answer to ``question`` is composed from, best first (reranked by the reader
        unless ``rerank`` is False): what ``ask`` uses, for benchmarks and the staff's retrieval view."""
        generation = self._current
        passages = generation.retriever.search(question, k=self._depth(), filters=filters)
        return self.read(question, passages, generation).passages if rerank else passages

    def _depth(self) -> int:
        s = self.settings
        return max(s.top_k, s.answer_passages, s.reader_depth)

    def validate_question(self, question: str) -> str:
        """The stripped question; ValueError with a user-facing message when it cannot be asked."""
        if not isinstance(question, str) or not question.strip():
            raise ValueError("question is empty: type a question about ICGG's documents")
        question = question.strip()
        limit = self.settings.max_question_chars
        if len(question) > limit:
            raise ValueError(f"question too long ({len(question)} chars; limit {limit})")
        return question

    def _prepare(self, question: str, history: Sequence[tuple[str, str]], filters: Filters | None):
        """(generation, resolved question, Reading): one index snapshot for retrieval and reading."""
        question = self.validate_question(question)
        resolved = question
        if history:
            from bot.followup import resolve_followup

            # With an LLM backend the model condenses follow-ups (bot.llm falls back to the heuristic).
            condense = None
            if self.settings.llm_backend != "none":
                condense = getattr(self.answerer, "condense", None)
            resolved = (condense or resolve_followup)(question, list(history))
        generation = self._current  # one snapshot for retrieval and answering
        passages = generation.retriever.search(resolved, k=self._depth(), filters=filters)
        return generation, resolved, self.read(resolved, passages, generation)

    def _finish(self, answer: Answer, question: str, resolved: str, generation: _Generation) -> Answer:
        from bot.answer import in_language

        answer.question = question
        if resolved != question:
            answer.resolved_question = resolved
        answer.generation = generation.index.generation
        language = self.detect_language(question)
        if answer.abstained:
            from bot.refusal import reason_category, refusal_text

            answer.reason_category = answer.reason_category or reason_category(answer.abstain_reason)
            if answer.refusal is None:
                answer.refusal = refusal_text(answer.passages, answer.reason_category, language)
        return in_language(answer, language)
