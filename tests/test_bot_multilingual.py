"""Questions in other languages: the multilingual ranking finds English passages, the question's language
is detected, and the answer's own words (refusal, introduction of English quotes) are given in it, in the
API, its JSON and the CLI."""

from __future__ import annotations

import json

import pytest
from bot_docs import build_bot_index
from click.testing import CliRunner
from index_docs import CountingEmbedder

from bot.answer import in_language
from bot.api import Assistant
from bot.language import detect_language
from bot.retrieve import Retriever
from bot.types import ABSTAIN_TEXT, ENGLISH_SOURCES_TEXT, Answer
from bot.vectors import (
    MULTILINGUAL_SENTENCE_VECTORS,
    multilingual_query_vector,
    multilingual_sentence_vectors,
)
from icgg.cli import _register, cli
from icgg.i18n import translate
from icgg.settings import Settings, get_settings
from index.reader import open_index

CAMBODIA = "Training course for Cambodian geologists"
# Written for these tests (not taken from any evaluation set): the Cambodia item in six languages.
CAMBODIA_QUESTIONS = {
    "fr": "Combien de géologues cambodgiens ont suivi le stage de formation ?",
    "es": "¿Cuántos geólogos de Camboya terminaron el curso de formación?",
    "pt": "Quantos geólogos do Camboja concluíram o curso de formação?",
    "ar": "كم عدد الجيولوجيين الكمبوديين الذين أكملوا الدورة التدريبية؟",
    "ru": "Сколько геологов из Камбоджи прошли учебный курс?",
    "zh": "有多少名柬埔寨地质学家完成了培训课程？",
}


@pytest.fixture(scope="module")
def bot_settings(tmp_path_factory, embedder):
    return build_bot_index(
        tmp_path_factory.mktemp("bot-multilingual"), embedder, multilingual_sentence_vectors=True
    )


@pytest.fixture(scope="module")
def assistant(bot_settings, embedder, multilingual):
    index = open_index(bot_settings, embedder.model_name, expected_multilingual=multilingual.model_name)
    return Assistant(bot_settings, embedder, index, multilingual=multilingual)


# --- retrieval ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", sorted(CAMBODIA_QUESTIONS))
def test_a_question_in_another_language_finds_the_english_passage_first(assistant, lang):
    passages = assistant.search(CAMBODIA_QUESTIONS[lang], k=3)
    assert passages[0].document.title == CAMBODIA, [p.document.title for p in passages]


def test_the_multilingual_ranking_is_what_finds_it(assistant, embedder, multilingual):
    """Dense MiniLM alone does not put the Cambodia item first for the Chinese or Arabic question; the e5
    ranking alone does."""
    index = assistant.index
    minilm = Retriever(index, embedder, assistant.settings)
    e5_only = Retriever(
        index,
        embedder,
        assistant.settings.model_copy(
            update={"dense_weight": 0.0, "bm25_weight": 0.0, "exact_match_weight": 0.0}
        ),
        multilingual,
    )
    for lang in ("zh", "ar"):
        question = CAMBODIA_QUESTIONS[lang]
        assert minilm.search(question, k=1, mode="dense")[0].document.title != CAMBODIA
        assert e5_only.search(question, k=1)[0].document.title == CAMBODIA


def test_a_retriever_ignores_a_multilingual_model_the_index_was_not_built_with(assistant, embedder):
    class OtherModel:
        model_name = "some-other-multilingual-model"

    retriever = Retriever(assistant.index, embedder, assistant.settings, OtherModel())
    assert retriever.multilingual is None
    assert retriever.search(CAMBODIA_QUESTIONS["fr"], k=3)  # MiniLM and BM25 still answer


# --- e5 vectors for a reader ----------------------------------------------------------------------------
def test_a_reader_gets_stored_e5_sentence_vectors_without_running_the_model(assistant, multilingual):
    from index.builder import sentence_texts_of

    index = assistant.index
    doc = next(d for d in index.documents() if d.title == CAMBODIA)
    pages = [(p, len(t)) for p, _label, t in index.pages_of(doc.doc_id)]
    sentences = sentence_texts_of(index.chunks_of(doc.doc_id), pages)
    counting = CountingEmbedder(multilingual)
    MULTILINGUAL_SENTENCE_VECTORS.clear()

    vectors = multilingual_sentence_vectors(counting, index, sentences)

    assert counting.calls == 0 and vectors.shape == (len(sentences), multilingual.dimension)
    question = multilingual_query_vector(multilingual, CAMBODIA_QUESTIONS["zh"])
    unrelated = multilingual.embed(["The laboratory keeps certified reference materials."])[0]
    assert float(vectors[0] @ question) > float(unrelated @ question)  # the answer is nearer the question


def test_sentences_the_index_lacks_are_embedded_in_one_call(assistant, multilingual):
    MULTILINGUAL_SENTENCE_VECTORS.clear()
    counting = CountingEmbedder(multilingual)
    texts = ["A sentence no document holds.", "Another sentence no document holds."]
    vectors = multilingual_sentence_vectors(counting, assistant.index, texts)
    assert counting.calls == 1 and counting.texts == texts
    assert float(vectors[0] @ multilingual.embed(texts[:1])[0]) > 0.999
    multilingual_sentence_vectors(counting, assistant.index, texts)
    assert counting.calls == 1  # recently read sentences are remembered


# --- language -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("lang", "question"), sorted(CAMBODIA_QUESTIONS.items()))
def test_the_language_of_a_question_is_detected(lang, question):
    assert detect_language(question, Settings(_env_file=None)) == lang


@pytest.mark.parametrize(
    "question", ["2016?", "ICGG", "IGCP 259", "", "   ", "Shahbaz Khan", "When was the centre inaugurated?"]
)
def test_short_ambiguous_or_english_questions_are_english(question):
    assert detect_language(question, Settings(_env_file=None)) == "en"


def test_the_confidence_threshold_decides_between_a_guess_and_english():
    question = "Centre inauguré"
    assert detect_language(question, Settings(_env_file=None, language_min_confidence=0.0)) == "fr"
    assert detect_language(question, Settings(_env_file=None, language_min_confidence=1.0)) == "en"


# --- the answer's own words ----------------------------------------------------------------------------
def _answer(abstained: bool) -> Answer:
    text = ABSTAIN_TEXT if abstained else "Twelve geologists completed the course [1]."
    return Answer(question="q", text=text, abstained=abstained)


@pytest.mark.parametrize("lang", ["fr", "es", "pt", "ar", "ru", "zh"])
def test_a_refusal_is_given_in_the_question_language(lang):
    answer = in_language(_answer(abstained=True), lang)
    assert answer.language == lang and answer.to_json()["language"] == lang
    assert answer.text == translate(ABSTAIN_TEXT, lang) != ABSTAIN_TEXT


@pytest.mark.parametrize("lang", ["fr", "es", "pt", "ar", "ru", "zh"])
def test_english_quotes_are_introduced_in_the_question_language_and_kept_verbatim(lang):
    answer = in_language(_answer(abstained=False), lang)
    intro, quotes = answer.text.split("\n\n")
    assert intro == translate(ENGLISH_SOURCES_TEXT, lang) != ENGLISH_SOURCES_TEXT
    assert quotes == "Twelve geologists completed the course [1]."


def test_an_english_answer_is_unchanged():
    assert in_language(_answer(abstained=False), "en").text == "Twelve geologists completed the course [1]."
    assert in_language(_answer(abstained=True), "en").text == ABSTAIN_TEXT


def test_ask_names_the_language_and_answers_in_it(assistant):
    french = assistant.ask(CAMBODIA_QUESTIONS["fr"])
    assert french.language == "fr" and french.to_json()["language"] == "fr"
    expected = (
        translate(ABSTAIN_TEXT, "fr") if french.abstained else translate(ENGLISH_SOURCES_TEXT, "fr") + "\n\n"
    )
    assert french.text.startswith(expected)
    english = assistant.ask("How many geologists from Cambodia completed the training course?")
    assert english.language == "en" and not english.abstained and "Twelve geologists" in english.text


def test_ask_stream_ends_with_the_same_localised_text(assistant):
    items = list(assistant.ask_stream(CAMBODIA_QUESTIONS["es"]))
    final = items[-1]
    assert isinstance(final, Answer) and final.language == "es"
    assert "".join(items[:-1]) == final.text


# --- the CLI ----------------------------------------------------------------------------------------------
@pytest.fixture
def run(bot_settings, monkeypatch):
    monkeypatch.setenv("ICGG_INDEX_DIR", str(bot_settings.index_dir))
    monkeypatch.chdir(bot_settings.index_dir.parent)
    get_settings.cache_clear()
    _register()
    yield lambda *args: CliRunner().invoke(cli, list(args), catch_exceptions=False)
    get_settings.cache_clear()


def test_cli_ask_names_the_detected_language_in_text_json_and_batch(run, tmp_path):
    text = run("ask", CAMBODIA_QUESTIONS["ru"])
    assert text.exit_code == 0 and text.output.startswith("(language: ru)\n")
    as_json = json.loads(run("ask", "--json", CAMBODIA_QUESTIONS["zh"]).output)
    assert as_json["language"] == "zh"
    batch = tmp_path / "questions.txt"
    batch.write_text(
        CAMBODIA_QUESTIONS["pt"] + "\n" + json.dumps({"id": "x", "q": CAMBODIA_QUESTIONS["ar"]}) + "\n"
        "How many geologists from Cambodia completed the course?\n",
        encoding="utf-8",
    )
    lines = [json.loads(line) for line in run("ask", "--questions", str(batch)).output.splitlines()]
    assert [line["language"] for line in lines] == ["pt", "ar", "en"]
