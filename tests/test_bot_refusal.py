"""Refusals that help: a plain sentence naming the nearest document, a category, and the technical reason
kept for staff and the JSON API."""

from __future__ import annotations

import json

import pytest
from bot_docs import build_bot_index

from bot.abstain import abstention, reason_category
from bot.api import Assistant
from bot.refusal import (
    CATEGORIES,
    DISCLAIMED,
    NO_RELEVANT_PASSAGE,
    NOT_STATED,
    asked_for,
    refusal_text,
    rephrase_hint,
)


@pytest.fixture(scope="module")
def assistant(tmp_path_factory, embedder):
    return Assistant.open(build_bot_index(tmp_path_factory.mktemp("refusal"), embedder), embedder)


# Every reason today's checks give (bot/abstain.py), with the category a reader is told.
TODAYS_REASONS = {
    "no passage was retrieved": NO_RELEVANT_PASSAGE,
    "no quotable sentence in the retrieved passages": NO_RELEVANT_PASSAGE,
    "best sentence score 0.474 < 0.5": NO_RELEVANT_PASSAGE,
    "best sentence cosine 0.310 < 0.4": NO_RELEVANT_PASSAGE,
    "numbers of the question found 0.000 < 1.0": NO_RELEVANT_PASSAGE,
    "question terms covered 0.057 < 0.35": NO_RELEVANT_PASSAGE,
    "names/numbers covered 0.500 < 0.6": NO_RELEVANT_PASSAGE,
    "a matching passage says the documents do not cover this": DISCLAIMED,
    "asked-about words in the quoted sentences 0.000 < 0.1": NOT_STATED,
    "the question asks for a count and the quoted sentences give none": NOT_STATED,
    "the quoted sentences hold numbers, but none counts what the question asks about": NOT_STATED,
    "the question asks whether a step was taken and none of the quoted sentences states it": NOT_STATED,
    "no sentence could be quoted verbatim from its page": NOT_STATED,
    "the language model said the passages do not answer": NOT_STATED,
}


@pytest.mark.parametrize(("reason", "category"), sorted(TODAYS_REASONS.items()))
def test_todays_reasons_map_to_a_category(reason, category):
    assert reason_category(reason) == category
    assert category in CATEGORIES


def test_an_answer_has_no_category():
    assert reason_category(None) is None


def test_what_a_question_asks_for_is_worded_for_the_refusal():
    assert asked_for("How many people took part in the 2021 training?") == "give the number you asked for"
    assert asked_for("When was the office in Lima opened?") == "give the date you asked for"
    assert asked_for("In which year did the survey end?") == "give the date you asked for"
    assert asked_for("Who led the mission to Peru?") == "name the person you asked about"
    assert asked_for("Why was the workshop postponed?") == "give the reason you asked for"
    assert asked_for("Describe the sampling grid") == "say what you asked"


def test_refusal_sentences_name_the_nearest_document_in_plain_words(assistant):
    passages = assistant.search("training course for geologists from Cambodia", k=3)
    title = passages[0].document.title
    for category in CATEGORIES:
        text = refusal_text("How many trainers came from Laos?", passages, category)
        assert f"“{title}”" in text
        assert "<" not in text and "0." not in text  # no thresholds, no scores
    assert "give the number you asked for" in refusal_text("How many trainers?", passages, NOT_STATED)
    assert (
        refusal_text("anything", [], NO_RELEVANT_PASSAGE)
        == "I found nothing in the ICGG documents about this."
    )
    assert all(rephrase_hint(c) for c in (*CATEGORIES, None))


def test_a_refused_question_carries_plain_text_category_and_technical_reason_in_json(assistant):
    answer = assistant.ask("What is the best recipe for chocolate cake with raspberries?")
    assert answer.abstained
    assert answer.reason_category == NO_RELEVANT_PASSAGE
    assert answer.refusal.startswith("I found nothing in the ICGG documents about this")
    data = json.loads(json.dumps(answer.to_json()))
    assert data["refusal"] == answer.refusal and data["reason_category"] == NO_RELEVANT_PASSAGE
    assert data["abstain_reason"] == answer.abstain_reason and "<" in data["abstain_reason"]
    assert all({"dense_score", "bm25_score", "reader_score"} <= p.keys() for p in data["passages"])


def test_an_answered_question_has_no_refusal(assistant):
    answer = assistant.ask("How long was the traverse in Laos?")
    assert not answer.abstained
    assert answer.refusal is None and answer.reason_category is None


def test_abstention_records_the_category_of_its_reason():
    answer = abstention("q", [], "best sentence score 0.1 < 0.5")
    assert answer.reason_category == NO_RELEVANT_PASSAGE
