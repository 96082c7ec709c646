"""Answers from retrieved passages: the offline extractive answerer and the choice of answerer.

The extractive answerer quotes 1..``answer_max_sentences`` sentences of the passages, each followed by
an inline citation ``[n]`` whose quote occurs verbatim on the cited page (checked before emitting). When
the evidence is weak it abstains with ``ABSTAIN_TEXT``. It must never write a word that is not in the
documents, apart from the citation markers.

Sentence order: the sentences are grouped by passage, groups in the order of their best sentence's score
(so the answer opens with the most relevant passage), and inside a group in document order (so sentences
of one passage read as they were written).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Protocol

from bot.abstain import NO_PASSAGES, NO_VERIFIED_QUOTE, abstention, nearest_documents, weak_evidence
from bot.evidence import Candidate, gather, quoted_sentences
from bot.types import Answer, Citation, Passage, scan_of
from icgg.settings import Settings
from index.embeddings import Embedder
from index.store import SearchIndex

_TRAILING_PUNCT = re.compile(r"([.!?]['\")\]”’]*)$")


class Answerer(Protocol):
    """Turns a question and its ranked passages into a cited answer (or an abstention)."""

    def answer(self, question: str, passages: Sequence[Passage], index: SearchIndex) -> Answer: ...

    def stream(
        self, question: str, passages: Sequence[Passage], index: SearchIndex
    ) -> Iterator[str | Answer]:
        """Text deltas as they are produced; the last item is the complete :class:`Answer`."""
        ...


def cite_inline(sentence: str, n: int) -> str:
    """``"It opened in 2016."`` -> ``"It opened in 2016 [1]."`` (whitespace collapsed for display)."""
    flat = " ".join(sentence.split())
    m = _TRAILING_PUNCT.search(flat)
    if m:
        return f"{flat[: m.start()]} [{n}]{m.group(1)}"
    return f"{flat} [{n}]"


def make_citation(n: int, candidate: Candidate, passage: Passage, index: SearchIndex) -> Citation:
    """A citation whose quote is verified to occur verbatim on its page (ValueError otherwise)."""
    span = candidate.span
    if span.text not in index.page_text(span.doc_id, span.page):
        raise ValueError(f"quote not found on page {span.page} of {span.doc_id}")
    doc = passage.document
    return Citation(
        n=n,
        doc_id=doc.doc_id,
        title=doc.title,
        date=doc.date,
        doc_type=doc.doc_type,
        page=span.page,
        page_label=index.page_label(span.doc_id, span.page),
        source=doc.source,
        quote=span.text,
        passage_rank=passage.rank,
        **scan_of(index, span.doc_id, span.page),
    )


def reading_order(picked: Sequence[Candidate]) -> list[Candidate]:
    """Group by passage (groups ordered by their best score), document order inside a group."""
    group_rank: dict[int, int] = {}
    for c in picked:  # picked is best first
        group_rank.setdefault(c.span.passage_rank, len(group_rank))
    return sorted(picked, key=lambda c: (group_rank[c.span.passage_rank], c.span.doc_start))


class ExtractiveAnswerer:
    """Offline answerer: selects and cites sentences, no language model involved."""

    backend = "extractive"

    def __init__(self, settings: Settings, embedder: Embedder):
        self.settings = settings
        self.embedder = embedder

    def answer(self, question: str, passages: Sequence[Passage], index: SearchIndex) -> Answer:
        question = question[: self.settings.max_question_chars]
        passages = list(passages)
        if not passages:
            return abstention(question, passages, NO_PASSAGES)
        evidence = gather(
            question,
            passages,
            index,
            self.embedder,
            self.settings.answer_passages,
            home_country=self.settings.home_country,
        )
        picked = quoted_sentences(evidence, self.settings.answer_max_sentences)
        if (reason := weak_evidence(evidence, self.settings, picked)) is not None:
            return abstention(question, passages, reason)
        picked = reading_order(picked)
        by_rank = {p.rank: p for p in passages}
        citations: list[Citation] = []
        parts: list[str] = []
        for c in picked:
            # a sentence from a chunk next to a retrieved passage is cited with that passage
            rank = c.span.passage_rank
            if rank not in by_rank:
                rank = min(evidence.next_to[rank])
            try:
                citation = make_citation(len(citations) + 1, c, by_rank[rank], index)
            except ValueError:
                continue  # never emit a quote we cannot show on its page
            citations.append(citation)
            parts.append(cite_inline(c.span.text, citation.n))
        if not citations:
            return abstention(question, passages, NO_VERIFIED_QUOTE)
        return Answer(
            question=question,
            text=" ".join(parts),
            abstained=False,
            citations=citations,
            passages=passages,
            nearest_documents=nearest_documents(passages),
            backend=self.backend,
        )

    def stream(
        self, question: str, passages: Sequence[Passage], index: SearchIndex
    ) -> Iterator[str | Answer]:
        """The extractive answer is ready at once; it is streamed sentence by sentence for the UI."""
        answer = self.answer(question, passages, index)
        pieces = re.split(r"(?<=\]\.|\]!|\]\?) ", answer.text) if not answer.abstained else [answer.text]
        for i, piece in enumerate(pieces):
            yield piece if i == 0 else " " + piece
        yield answer


def make_answerer(settings: Settings, embedder: Embedder) -> Answerer:
    """The extractive answerer, or the LLM answerer (with extractive fallback) if a backend is set."""
    extractive = ExtractiveAnswerer(settings, embedder)
    if settings.llm_backend == "none":
        return extractive
    from bot.llm import LLMAnswerer, make_chat_model

    return LLMAnswerer(settings, lambda: make_chat_model(settings), fallback=extractive, embedder=embedder)
