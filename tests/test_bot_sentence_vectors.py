"""Answering with sentence vectors computed at ingest: one forward pass per question, same answers."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import bot.evidence as evidence
from bot.answer import ExtractiveAnswerer
from bot.api import Assistant
from bot.evidence import gather, is_quotable, trim_markup
from bot.sentences import PageLocator, passage_sentences
from bot.types import Passage
from bot.vectors import QUERY_VECTORS
from index.reader import open_index
from tests.answer_docs import IndexView, build_answer_index

QUESTIONS = (
    "When was the geochemistry centre inaugurated in Langfang?",
    "What does the Global Geochemical Reference Network divide the Earth into?",
    "Who presented the Chemical Earth programme at the ceremony?",
    "Where did the geologists from Laos take their course on stream sediment sampling?",
    "What did laboratory quality control use in every analytical batch?",
)


class WithoutSentenceVectors(IndexView):
    """The same generation, as one written without sentence vectors (or by an older release) looks."""

    def sentence_vectors(self, texts):
        return {}


@pytest.fixture(scope="module")
def index(tmp_path_factory, embedder):
    settings = build_answer_index(tmp_path_factory.mktemp("answer-vectors"), embedder)
    return settings, open_index(settings, expected_model=embedder.model_name)


@pytest.fixture
def cold():
    """Empty process-wide vector caches, as for a question nobody asked before."""
    evidence._SENTENCE_VECTORS.clear()
    QUERY_VECTORS.clear()
    yield
    evidence._SENTENCE_VECTORS.clear()
    QUERY_VECTORS.clear()


def _passes(embedder, fn):
    before = embedder.forward_passes
    result = fn()
    return result, embedder.forward_passes - before


def test_ask_makes_one_forward_pass_when_every_sentence_was_embedded_at_ingest(index, embedder, cold):
    settings, generation = index
    assistant = Assistant(settings, embedder, generation)
    for question in QUESTIONS:
        evidence._SENTENCE_VECTORS.clear()
        QUERY_VECTORS.clear()
        _answer, passes = _passes(embedder, lambda q=question: assistant.ask(q))
        assert passes == 1, (question, passes)  # the query; sentences and the question vector are reused


def test_without_stored_vectors_the_answerer_embeds_its_sentences_live(index, embedder, cold):
    settings, generation = index
    assistant = Assistant(settings, embedder, WithoutSentenceVectors(generation))
    answer, passes = _passes(embedder, lambda: assistant.ask(QUESTIONS[0]))
    assert not answer.abstained and "12 May 2016" in answer.text
    assert passes == 2  # the query, then the sentences (the question's vector is still reused)


def test_answers_and_quotes_are_the_same_with_and_without_stored_vectors(index, embedder, cold):
    settings, generation = index
    answerer = ExtractiveAnswerer(settings, embedder)
    with_stored = Assistant(settings, embedder, generation)
    live = Assistant(settings, embedder, WithoutSentenceVectors(generation))
    for question in QUESTIONS:
        passages = with_stored.search(question, k=5)
        evidence._SENTENCE_VECTORS.clear()
        a = answerer.answer(question, passages, with_stored.index)
        stored_evidence = gather(question, passages, with_stored.index, embedder, settings.answer_passages)
        evidence._SENTENCE_VECTORS.clear()
        b = answerer.answer(question, passages, live.index)
        live_evidence = gather(question, passages, live.index, embedder, settings.answer_passages)

        assert a.text == b.text and a.abstained == b.abstained, question
        assert [(c.doc_id, c.page, c.quote) for c in a.citations] == [
            (c.doc_id, c.page, c.quote) for c in b.citations
        ]
        assert [c.span for c in stored_evidence.candidates] == [c.span for c in live_evidence.candidates]
        for s, t in zip(stored_evidence.candidates, live_evidence.candidates, strict=True):
            assert float(s.vector @ t.vector) > 0.9999
            assert s.cosine == pytest.approx(t.cosine, abs=1e-4)


def test_every_sentence_the_answerer_can_score_in_the_corpus_was_embedded_at_ingest(corpus_index, embedder):
    """Ingest (ingest.sentences) and the answerer (bot.sentences + bot.evidence) agree on the exact texts."""
    generation = open_index(corpus_index, expected_model=embedder.model_name)
    pages = PageLocator(generation)
    scored: set[str] = set()
    for row in range(len(generation)):
        chunk = generation.chunk(row)
        passage = Passage(rank=1, score=0.0, chunk=chunk, document=generation.document(chunk.doc_id))
        for span in passage_sentences(passage, pages):
            span = trim_markup(span)
            if is_quotable(span.text):
                scored.add(span.text)
    assert len(scored) > 500
    found = generation.sentence_vectors(sorted(scored))
    assert sorted(scored - found.keys()) == []
    assert generation.n_sentence_vectors >= len(scored)  # parts of sentences cut by a page break, too


def test_concurrent_questions_get_the_answers_they_get_alone(index, embedder, cold):
    settings, generation = index
    assistant = Assistant(settings, embedder, generation)
    alone = {q: assistant.ask(q).text for q in QUESTIONS}
    evidence._SENTENCE_VECTORS.clear()
    QUERY_VECTORS.clear()
    results: dict[tuple[int, str], str] = {}
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for q in QUESTIONS[n % 2 :] + QUESTIONS[: n % 2]:
                results[(n, q)] = assistant.ask(q).text
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert all(text == alone[q] for (_n, q), text in results.items())
    assert len(results) == 4 * len(QUESTIONS)


def test_query_vector_cache_is_keyed_by_model(embedder):
    from bot.vectors import VectorLRU

    cache = VectorLRU(2)
    v = np.ones(3, dtype=np.float32)
    cache.put_many("model-a", ["q"], [v])
    assert cache.get("model-b", "q") is None
    stored = cache.get("model-a", "q")
    assert np.array_equal(stored, v) and not stored.flags.writeable
    cache.put_many("model-a", ["r", "s"], [v, v])
    assert len(cache) == 2 and cache.get("model-a", "q") is None  # least recently used went first
