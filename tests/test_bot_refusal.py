"""Refusals that help: a plain sentence naming the nearest document, a category, and the technical reason
kept for staff and the JSON API."""

from __future__ import annotations

import json

import pytest
from bot_docs import build_bot_index

from bot.answer import NO_PASSAGES, NO_VERIFIED_QUOTE, abstention, not_answered
from bot.api import Assistant
from bot.checks.answer_type import AnswerTypeCheck
from bot.refusal import (
    CATEGORIES,
    LLM,
    MISSING_NUMBER,
    NO_RELEVANT_PASSAGE,
    READER,
    reason_category,
    refusal_text,
    rephrase_hint,
)
from icgg.i18n import LANGUAGES


@pytest.fixture(scope="module")
def assistant(tmp_path_factory, embedder):
    return Assistant.open(build_bot_index(tmp_path_factory.mktemp("refusal"), embedder), embedder)


# Every reason the reader, the answerer and the language model give, with the category a reader is told.
REASONS = {
    NO_PASSAGES: NO_RELEVANT_PASSAGE,
    "no quotable sentence in the retrieved passages": NO_RELEVANT_PASSAGE,
    "no sentence of the retrieved passages states the answer (the reader's best: 0.02 < 0.17)": READER,
    NO_VERIFIED_QUOTE: READER,
    "the language model said the passages do not answer": LLM,
    "the language model's reply cited no verifiable passage": LLM,
}


@pytest.mark.parametrize(("reason", "category"), sorted(REASONS.items()))
def test_every_reason_without_a_category_maps_to_one(reason, category):
    assert reason_category(reason) == category
    assert category in CATEGORIES


def test_an_answer_has_no_category():
    assert reason_category(None) is None


def test_the_answer_type_checks_categories_each_have_their_own_words():
    kinds = ("number", "date", "place", "person", "organisation")
    for kind in kinds:
        refusal = AnswerTypeCheck.judge(kind, ["The ceremony was addressed by video message."])
        assert refusal is not None and refusal.category in CATEGORIES
    assert len({refusal_text(_fake_passages(), f"missing_{k}") for k in kinds}) == len(kinds)


def test_the_readers_refusal_says_the_documents_found_do_not_state_it():
    reason = not_answered(_Reading(), 0.17)
    text = refusal_text(_fake_passages(), reason_category(reason))
    assert text.startswith("The documents found do not state it.") and "0.17" not in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_refusal_sentence_and_hint_is_translated(language):
    passages = _fake_passages()
    for category in (*CATEGORIES, None):
        text = refusal_text(passages, category, language)
        assert "Field note" in text and "{" not in text
        if language != "en":
            assert text != refusal_text(passages, category, "en"), (language, category)
            assert rephrase_hint(category, language) != rephrase_hint(category, "en")


class _Reading:
    passages = (object(),)
    sentences = (object(),)
    best_prob = 0.02


def _fake_passages():
    from bot.types import Passage
    from index.store import ChunkRecord, DocumentRecord

    doc = DocumentRecord(
        doc_id="d1", path="x.pdf", content_hash="h", doc_type="report", title="Field note",
        date="2021-09-16", source="x.pdf", category=None, language="en", n_pages=1, n_chunks=1,
    )  # fmt: skip
    chunk = ChunkRecord(
        row=0, chunk_id="d1:0", doc_id="d1", ordinal=0, text="Text.", heading="", page_start=1, page_end=1,
        page_label=None, char_start=0, char_end=5,
    )  # fmt: skip
    return [Passage(rank=1, score=1.0, chunk=chunk, document=doc)]


def test_refusal_sentences_name_the_nearest_document_in_plain_words(assistant):
    passages = assistant.search("training course for geologists from Cambodia", k=3)
    title = passages[0].document.title
    for category in CATEGORIES:
        text = refusal_text(passages, category)
        assert f"“{title}”" in text
        assert "<" not in text and "0." not in text  # no thresholds, no scores
    assert "give the number you asked for" in refusal_text(passages, MISSING_NUMBER)
    assert refusal_text([], NO_RELEVANT_PASSAGE) == "I found nothing in the ICGG documents about this."
    assert all(rephrase_hint(c) for c in (*CATEGORIES, None))


def test_a_refused_question_carries_plain_text_category_and_technical_reason_in_json(assistant):
    answer = assistant.ask("What is the best recipe for chocolate cake with raspberries?")
    assert answer.abstained
    assert answer.reason_category == READER
    assert answer.refusal.startswith("The documents found do not state it.")
    data = json.loads(json.dumps(answer.to_json()))
    assert data["refusal"] == answer.refusal and data["reason_category"] == READER
    assert data["abstain_reason"] == answer.abstain_reason and "<" in data["abstain_reason"]
    assert all({"dense_score", "bm25_score", "reader_score"} <= p.keys() for p in data["passages"])


def test_an_answered_question_has_no_refusal(assistant):
    answer = assistant.ask("When did the geochemistry centre in Langfang open its doors?")
    assert not answer.abstained
    assert answer.refusal is None and answer.reason_category is None


def test_abstention_records_the_category_of_its_reason():
    answer = abstention("q", [], "x", reason_category=MISSING_NUMBER)
    assert answer.reason_category == MISSING_NUMBER
