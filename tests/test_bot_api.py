"""The Assistant API on a real index: search, browse, pages, refresh to a new generation, ask."""

from __future__ import annotations

import threading

import pytest
from bot_docs import build_bot_index, news_text

from bot.api import Assistant
from bot.types import Answer
from index.builder import ingest_paths
from index.errors import IndexNotFoundError
from index.store import Filters


@pytest.fixture(scope="module")
def built(tmp_path_factory, embedder):
    root = tmp_path_factory.mktemp("bot-api")
    return root, build_bot_index(root, embedder)


@pytest.fixture(scope="module")
def assistant(built, embedder):
    return Assistant.open(built[1], embedder)


def test_open_without_an_index_raises_index_not_found(settings, embedder):
    with pytest.raises(IndexNotFoundError):
        Assistant.open(settings, embedder)


def test_search_returns_passages_from_the_current_generation(assistant):
    passages = assistant.search("traverse length in Laos", k=3)
    assert passages[0].document.title == "Fieldwork in Laos completes baseline sampling"
    assert len(passages) == 3


def test_browse_lists_newest_first_with_undated_last(assistant):
    docs = assistant.browse()
    dates = [d.date for d in docs]
    dated = [d for d in dates if d]
    assert dated == sorted(dated, reverse=True)
    assert dates[-1] is None


def test_browse_filters_by_type_and_date_and_sorts_by_title(assistant):
    news_2016_2019 = assistant.browse(Filters(doc_types=frozenset({"news"}), date_from="2016-01-01",
                                              date_to="2019-12-31"))  # fmt: skip
    assert [d.date for d in news_2016_2019] == ["2019-10-08", "2017-09-29", "2016-05-12"]
    titles = [d.title for d in assistant.browse(sort="title")]
    assert titles == sorted(titles, key=str.casefold)
    with pytest.raises(ValueError, match="unknown sort"):
        assistant.browse(sort="size")


def test_document_pages_and_page_text_show_a_news_item_in_full(assistant):
    doc = next(d for d in assistant.browse() if d.title == "Thirty years since IGCP 259")
    assert assistant.document(doc.doc_id) == doc
    pages = assistant.document_pages(doc.doc_id)
    assert [p for p, _, _ in pages] == list(range(1, doc.n_pages + 1))
    assert "160 km by 160 km" in pages[0][2]
    assert assistant.page_text(doc.doc_id, 1) == pages[0][2]
    with pytest.raises(KeyError):
        assistant.document("no-such-doc")


def test_stats_report_the_serving_generation(assistant):
    stats = assistant.stats()
    assert stats["serving_generation"] == assistant.generation
    assert stats["serving_chunks"] == len(assistant.index)
    assert stats["serving_documents"] == len(assistant.browse())


def test_questions_that_are_empty_or_too_long_are_refused_with_a_clear_message(assistant):
    with pytest.raises(ValueError, match="question is empty"):
        assistant.ask("   ")
    limit = assistant.settings.max_question_chars
    with pytest.raises(ValueError, match=rf"question too long \({limit + 1} chars; limit {limit}\)"):
        assistant.ask("x" * (limit + 1))


def test_refresh_swaps_to_a_newly_published_generation(tmp_path, embedder):
    settings = build_bot_index(tmp_path, embedder)
    assistant = Assistant.open(settings, embedder)
    first = assistant.generation
    assert assistant.refresh() is False
    extra = tmp_path / "more" / "2023-05-05-ruthenium-survey.md"
    extra.parent.mkdir()
    extra.write_text(
        news_text("Ruthenium survey in Mongolia", "2023-05-05", "science",
                  "A ruthenium survey of Mongolian steppe soils was completed by the centre."),
        encoding="utf-8",
    )  # fmt: skip
    ingest_paths([tmp_path / "docs", extra.parent], settings, embedder=embedder)
    before = assistant.search("ruthenium survey Mongolia", k=1)
    assert before[0].document.title != "Ruthenium survey in Mongolia"
    assert assistant.refresh() is True
    assert assistant.generation != first
    assert (
        assistant.search("ruthenium survey Mongolia", k=1)[0].document.title == "Ruthenium survey in Mongolia"
    )
    assert assistant.refresh() is False


def test_concurrent_searches_during_refresh_always_see_a_whole_generation(tmp_path, embedder):
    settings = build_bot_index(tmp_path, embedder)
    assistant = Assistant.open(settings, embedder)
    errors: list[BaseException] = []
    stop = threading.Event()

    def searcher():
        while not stop.is_set():
            try:
                passages = assistant.search("training course", k=3)
                assert len(passages) == 3
            except BaseException as exc:  # collected, reported by the main thread
                errors.append(exc)
                return

    threads = [threading.Thread(target=searcher) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        extra = tmp_path / "more"
        extra.mkdir()
        (extra / "2023-01-01-note.md").write_text(
            news_text("New year note", "2023-01-01", "governance", "A short new year note."), encoding="utf-8"
        )
        ingest_paths([tmp_path / "docs", extra], settings, embedder=embedder)
        assert assistant.refresh() is True
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not errors, errors


# --- asking (the answerer is bot-answer's; these check the API's part) --------------------------
def test_ask_returns_a_cited_answer_tagged_with_the_generation(assistant):
    answer = assistant.ask("When was the centre inaugurated in Langfang?")
    assert isinstance(answer, Answer)
    assert answer.generation == assistant.generation
    assert not answer.abstained
    assert "12 May 2016" in answer.text
    assert answer.passages and answer.passages[0].rank == 1
    for c in answer.citations:
        assert c.quote in assistant.page_text(c.doc_id, c.page)


def test_ask_stream_yields_text_then_the_same_answer(assistant):
    items = list(
        assistant.ask_stream("How long was the traverse along which samples were collected in Laos?")
    )
    *deltas, final = items
    assert isinstance(final, Answer) and final.generation == assistant.generation
    assert deltas and all(isinstance(d, str) for d in deltas)
    assert "".join(deltas).strip() == final.text.strip()


def test_ask_resolves_a_follow_up_with_the_history(assistant):
    history = [("user", "Tell me about the fieldwork in Laos."),
               ("assistant", "Geologists from Laos and China completed a joint field season.")]  # fmt: skip
    answer = assistant.ask("How long was its traverse?", history=history)
    assert answer.question == "How long was its traverse?"
    assert answer.resolved_question == "How long was the traverse of the fieldwork in Laos?"
    # read as resolved: the Laos fieldwork is among the passages the answer is composed from
    assert "Fieldwork in Laos completes baseline sampling" in [p.document.title for p in answer.passages[:5]]
