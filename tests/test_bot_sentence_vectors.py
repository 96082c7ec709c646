"""Reading with the e5 sentence vectors stored at ingest: no model run on sentences, the same answers."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from bot.api import Assistant
from bot.reader import quotable_sentences
from bot.sentences import PageLocator
from bot.types import Passage
from bot.vectors import clear_vector_caches
from index.reader import open_index
from tests.answer_docs import IndexView, build_answer_index

pytestmark = pytest.mark.slow

QUESTIONS = (
    "When was the geochemistry centre inaugurated in Langfang?",
    "What does the Global Geochemical Reference Network divide the Earth into?",
    "Who presented the Chemical Earth programme at the ceremony?",
    "Where did the geologists from Laos take their course on stream sediment sampling?",
    "What did laboratory quality control use in every analytical batch?",
)


class WithoutSentenceVectors(IndexView):
    """The same generation, as one written without e5 sentence vectors (or by an older release) looks."""

    def multilingual_sentence_vectors(self, texts):
        return {}


@pytest.fixture(scope="module")
def assistant(tmp_path_factory, embedder):
    settings = build_answer_index(tmp_path_factory.mktemp("answer-vectors"), embedder)
    return Assistant.open(settings, embedder=embedder)


@pytest.fixture
def cold():
    """Empty process-wide vector caches, as for a question nobody asked before."""
    clear_vector_caches()
    yield
    clear_vector_caches()


def _passage_runs(assistant) -> int:
    return assistant.sentence_embedder._passages.calls


def test_reading_runs_no_model_on_sentences_when_they_were_embedded_at_ingest(assistant, cold):
    before = _passage_runs(assistant)
    for q in QUESTIONS:
        assistant.ask(q)
    assert _passage_runs(assistant) == before


def test_without_stored_vectors_the_sentences_are_embedded_when_asked_and_answers_are_the_same(
    assistant, cold
):
    stored = {q: assistant.ask(q) for q in QUESTIONS}
    live = Assistant(
        assistant.settings,
        assistant.embedder,
        WithoutSentenceVectors(assistant.index),
        multilingual=assistant.multilingual,
    )
    clear_vector_caches()
    before = _passage_runs(assistant)
    for q in QUESTIONS:
        answer = live.ask(q)
        assert answer.abstained == stored[q].abstained
        assert [c.quote for c in answer.citations] == [c.quote for c in stored[q].citations]
    assert _passage_runs(assistant) > before


def test_every_sentence_the_reader_can_score_in_the_corpus_was_embedded_at_ingest(corpus_index, embedder):
    """Ingest (ingest.sentences) and the reader (bot.sentences + bot.reader) agree on the exact texts."""
    from index.embeddings import load_multilingual_embedder

    generation = open_index(
        corpus_index,
        expected_model=embedder.model_name,
        expected_multilingual=load_multilingual_embedder(corpus_index).model_name,
    )
    pages = PageLocator(generation)
    scored: set[str] = set()
    for row in range(len(generation)):
        chunk = generation.chunk(row)
        passage = Passage(rank=1, score=0.0, chunk=chunk, document=generation.document(chunk.doc_id))
        scored |= {span.text for _, span in quotable_sentences([passage], pages)}
    assert len(scored) > 500
    found = generation.multilingual_sentence_vectors(sorted(scored))
    assert sorted(scored - found.keys()) == []


def test_concurrent_questions_get_the_answers_they_get_alone(assistant, cold):
    alone = {q: assistant.ask(q).text for q in QUESTIONS}
    clear_vector_caches()
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


def test_query_vector_cache_is_keyed_by_model():
    from bot.vectors import VectorLRU

    cache = VectorLRU(2)
    v = np.ones(3, dtype=np.float32)
    cache.put_many("model-a", ["q"], [v])
    assert cache.get("model-b", "q") is None
    stored = cache.get("model-a", "q")
    assert np.array_equal(stored, v) and not stored.flags.writeable
    cache.put_many("model-a", ["r", "s"], [v, v])
    assert len(cache) == 2 and cache.get("model-a", "q") is None  # least recently used went first
