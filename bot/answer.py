"""Answers from what the reader read: the offline extractive answerer and the choice of answerer.

The extractive answerer quotes the sentences the reader (:mod:`bot.reader`) judged to state the answer:
the best one, and the next ones (up to ``answer_max_sentences``) whose calibrated probability is at least
``answer_min_sentence_prob`` and ``answer_relative_prob`` of the best, so a list spread over several
sentences is quoted whole while a single fact stays one or two sentences. Near-duplicates (one fact
reprinted in several documents) are quoted once. Each quote is followed by an inline citation ``[n]``
and occurs verbatim on the cited page (checked before emitting). When the best sentence's probability is
below the reader's calibrated ``answer_threshold``, it abstains with ``ABSTAIN_TEXT`` and says why. It
never writes a word that is not in the documents, apart from the citation markers.

Sentence order: grouped by passage, groups in the order of their best sentence, and inside a group in
document order (sentences of one passage read as they were written).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Protocol

from bot.reader import Reading, ScoredSentence
from bot.types import ABSTAIN_TEXT, ENGLISH_SOURCES_TEXT, Answer, Citation, Passage, scan_of
from icgg.i18n import translate
from icgg.settings import Settings
from index.store import DocumentRecord, SearchIndex

_TRAILING_PUNCT = re.compile(r"([.!?]['\")\]”’]*)$")
_WORD = re.compile(r"\w+")

NO_PASSAGES = "no passage was retrieved"
NO_VERIFIED_QUOTE = "no sentence could be quoted verbatim from its page"
DUPLICATE_COSINE = 0.95  # e5 vectors this close say the same thing
DUPLICATE_WORDS = 0.6  # or this share of words in common


class Answerer(Protocol):
    """Turns a question and what the reader made of its passages into a cited answer (or a refusal)."""

    def answer(self, question: str, reading: Reading, index: SearchIndex) -> Answer: ...

    def stream(self, question: str, reading: Reading, index: SearchIndex) -> Iterator[str | Answer]:
        """Text deltas as they are produced; the last item is the complete :class:`Answer`."""
        ...


def not_answered(reading: Reading, threshold: float) -> str | None:
    """Why the documents do not answer (None when they do): the reader's calibrated probability that the
    best sentence of the read passages states the answer is under the threshold fitted at training."""
    if not reading.passages:
        return NO_PASSAGES
    if not reading.sentences:
        return "no quotable sentence in the retrieved passages"
    if reading.best_prob < threshold:
        return (
            f"no sentence of the retrieved passages states the answer (the reader's best: "
            f"{reading.best_prob:.2f} < {threshold:.2f})"
        )
    return None


def _words(text: str) -> frozenset[str]:
    return frozenset(w.lower() for w in _WORD.findall(text))


def _same_statement(a: ScoredSentence, b: ScoredSentence) -> bool:
    if a.span.text == b.span.text or float(a.vector @ b.vector) >= DUPLICATE_COSINE:
        return True
    wa, wb = _words(a.span.text), _words(b.span.text)
    return bool(wa | wb) and len(wa & wb) / len(wa | wb) > DUPLICATE_WORDS


def pick(reading: Reading, settings: Settings) -> list[ScoredSentence]:
    """The sentences an answer quotes, best first (see the module docstring)."""
    quotable = {p.rank for p in reading.passages[: settings.answer_passages]}
    pool = [s for s in reading.sentences if s.span.passage_rank in quotable]
    if not pool:
        return []
    best = pool[0]
    floor = max(settings.answer_min_sentence_prob, settings.answer_relative_prob * best.prob)
    most = settings.answer_max_sentences
    if not reading.wants_list:
        most = min(most, settings.answer_max_sentences_one_fact)
    picked = [best]
    for s in pool[1:]:
        if len(picked) >= most or s.prob < floor:
            break
        if not any(_same_statement(s, p) for p in picked):
            picked.append(s)
    return picked


def cite_inline(sentence: str, n: int) -> str:
    """``"It opened in 2016."`` -> ``"It opened in 2016 [1]."`` (whitespace collapsed for display)."""
    flat = " ".join(sentence.split())
    m = _TRAILING_PUNCT.search(flat)
    if m:
        return f"{flat[: m.start()]} [{n}]{m.group(1)}"
    return f"{flat} [{n}]"


def make_citation(n: int, sentence: ScoredSentence, index: SearchIndex) -> Citation:
    """A citation whose quote is verified to occur verbatim on its page (ValueError otherwise)."""
    span, passage = sentence.span, sentence.passage
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


def reading_order(picked: Sequence[ScoredSentence]) -> list[ScoredSentence]:
    """Group by passage (groups ordered by their best sentence), document order inside a group."""
    group_rank: dict[int, int] = {}
    for c in picked:  # picked is best first
        group_rank.setdefault(c.span.passage_rank, len(group_rank))
    return sorted(picked, key=lambda c: (group_rank[c.span.passage_rank], c.span.doc_start))


def nearest_documents(passages: Sequence[Passage], limit: int = 5) -> list[DocumentRecord]:
    """Distinct documents of the top passages, in rank order: where a reader could look next."""
    seen: dict[str, DocumentRecord] = {}
    for p in passages:
        seen.setdefault(p.document.doc_id, p.document)
        if len(seen) >= limit:
            break
    return list(seen.values())


def abstention(
    question: str, passages: Sequence[Passage], reason: str, backend: str = "extractive", **extra
) -> Answer:
    """The refusal: fixed text, no citations, passages kept, nearest documents listed, and the reason
    (shown to staff and in ``--json``, so a refusal can be checked rather than guessed at)."""
    return Answer(
        question=question,
        text=ABSTAIN_TEXT,
        abstained=True,
        passages=list(passages),
        nearest_documents=nearest_documents(passages),
        backend=backend,
        abstain_reason=reason,
        **extra,
    )


class ExtractiveAnswerer:
    """Offline answerer: quotes and cites the reader's sentences, no language model involved."""

    backend = "extractive"

    def __init__(self, settings: Settings, threshold: float):
        from bot.checks import enabled_checks

        self.settings = settings
        self.threshold = threshold  # the reader's calibrated answer threshold
        self.checks = enabled_checks(settings)

    def answer(self, question: str, reading: Reading, index: SearchIndex) -> Answer:
        question = question[: self.settings.max_question_chars]
        passages = reading.passages
        if (reason := not_answered(reading, self.threshold)) is not None:
            return abstention(question, passages, reason)
        quoted = pick(reading, self.settings)
        for check in self.checks:
            if (refusal := check.refuse(reading, quoted)) is not None:
                return abstention(question, passages, refusal.reason, reason_category=refusal.category)
        citations: list[Citation] = []
        parts: list[str] = []
        for s in reading_order(quoted):
            try:
                citation = make_citation(len(citations) + 1, s, index)
            except ValueError:
                continue  # never emit a quote we cannot show on its page
            citations.append(citation)
            parts.append(cite_inline(s.span.text, citation.n))
        if not citations:
            return abstention(question, passages, NO_VERIFIED_QUOTE)
        return Answer(
            question=question,
            text=" ".join(parts),
            abstained=False,
            citations=citations,
            passages=list(passages),
            nearest_documents=nearest_documents(passages),
            backend=self.backend,
        )

    def stream(self, question: str, reading: Reading, index: SearchIndex) -> Iterator[str | Answer]:
        """The extractive answer is ready at once; it is streamed sentence by sentence for the UI."""
        answer = self.answer(question, reading, index)
        pieces = re.split(r"(?<=\]\.|\]!|\]\?) ", answer.text) if not answer.abstained else [answer.text]
        for i, piece in enumerate(pieces):
            yield piece if i == 0 else " " + piece
        yield answer


def in_language(answer: Answer, language: str) -> Answer:
    """The answer as a reader of ``language`` gets it: the one place the answer's own words are chosen.

    A refusal is said in that language; quotes stay verbatim English (they are what the documents say,
    and citations check them), introduced, for a question in another language, by one line saying so.
    """
    answer.language = language
    if answer.abstained:
        answer.text = translate(ABSTAIN_TEXT, language)
    elif language != "en":
        answer.text = f"{translate(ENGLISH_SOURCES_TEXT, language)}\n\n{answer.text}"
    return answer


def make_answerer(settings: Settings, threshold: float) -> Answerer:
    """The extractive answerer, or the LLM answerer (with extractive fallback) if a backend is set.

    ``threshold`` is the reader's calibrated answer threshold: both refuse under it."""
    extractive = ExtractiveAnswerer(settings, threshold)
    if settings.llm_backend == "none":
        return extractive
    from bot.llm import LLMAnswerer, make_chat_model

    return LLMAnswerer(settings, lambda: make_chat_model(settings), fallback=extractive, threshold=threshold)
