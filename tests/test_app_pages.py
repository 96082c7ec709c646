"""The Streamlit pages, run headless with ``AppTest`` against a real index of the shipped corpus."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from icgg.settings import Settings, get_settings

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "streamlit_app.py")
PASSWORD = "correct horse battery staple"
TIMEOUT = 180

pytestmark = pytest.mark.slow


def _page(name: str) -> None:
    """Script body for ``AppTest.from_function``: render one page as ``st.navigation`` would."""
    import importlib

    importlib.import_module(f"ui.pages.{name}").render()


@pytest.fixture(scope="session")
def app_index(corpus_index) -> Settings:
    """The session's read-only index of the shipped corpus (``corpus_index`` in conftest)."""
    return corpus_index


@pytest.fixture
def app_env(monkeypatch, app_index, tmp_path):
    """Point the app at the corpus index, with a private upload folder and no staff password."""
    monkeypatch.setenv("ICGG_INDEX_DIR", str(app_index.index_dir))
    monkeypatch.setenv("ICGG_UPLOAD_DIR", str(tmp_path / "uploads"))
    monkeypatch.setenv("ICGG_CORPUS_DIR", str(ROOT / "corpus"))
    monkeypatch.delenv("ICGG_ADMIN_PASSWORD", raising=False)
    get_settings.cache_clear()
    yield app_index
    get_settings.cache_clear()


def _ask(at: AppTest, question: str) -> AppTest:
    at.chat_input[0].set_value(question).run(timeout=TIMEOUT)
    assert not at.exception
    return at


def _texts(elements) -> list[str]:
    return [e.value for e in elements]


# --- Ask ----------------------------------------------------------------------------------------------
def test_empty_chat_offers_starter_questions_and_a_starter_gets_an_answer(app_env):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    starters = [b for b in at.button if b.key and b.key.startswith("starter-")]
    assert len(starters) == 4
    starters[0].click().run()
    assert not at.exception
    assert [m.name for m in at.chat_message] == ["user", "assistant"]


def test_question_gets_an_answer_with_numbered_source_cards(app_env):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    _ask(at, "When was the agreement establishing ICGG signed?")
    reply = at.chat_message[-1]
    assert reply.name == "assistant"
    assert "2016" in " ".join(_texts(reply.markdown))
    labels = [e.label for e in at.expander]
    assert labels and labels[0].startswith("**\\[1\\]**")
    # The card holds the passage with the cited sentence highlighted.
    card = at.expander[0]
    assert any(":orange-background[**" in m.value for m in card.markdown)
    assert not _texts(at.warning)


def test_unanswerable_question_says_not_in_the_documents_and_lists_nearest_documents(app_env):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    _ask(at, "What is the best recipe for chocolate cake with raspberries?")
    warnings = _texts(at.warning)
    assert any("Not in the documents" in w for w in warnings)
    assert any("nearest documents" in m for m in _texts(at.chat_message[-1].markdown))
    assert any(c.startswith("Why no answer: ") for c in _texts(at.chat_message[-1].caption))
    assert not at.expander  # no source cards for an abstention


def test_follow_up_question_is_answered_with_the_conversation_as_context(app_env):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    _ask(at, "When was the ICGG centre inaugurated?")
    _ask(at, "Who signed the agreement on that day?")
    assert [m.name for m in at.chat_message] == ["user", "assistant", "user", "assistant"]
    assert not at.error


def test_too_long_question_is_refused_with_a_clear_message(app_env):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    _ask(at, "Why? " * 400)
    assert any("too long" in e for e in _texts(at.error))


def test_clear_conversation_empties_the_chat(app_env):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    _ask(at, "What is the Mapping the Chemical Earth programme?")
    assert at.chat_message
    at.button(key="ask-clear").click().run()
    assert not at.exception and not at.chat_message
    assert any(b.key == "starter-0" for b in at.button)


def test_without_an_index_every_page_explains_how_to_build_one(monkeypatch, tmp_path):
    monkeypatch.setenv("ICGG_INDEX_DIR", str(tmp_path / "no-index"))
    get_settings.cache_clear()
    try:
        at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
        assert not at.exception
        assert any("No document index yet" in i and "icgg ingest corpus" in i for i in _texts(at.info))
        for page in ("search", "about"):
            at = AppTest.from_function(_page, args=(page,), default_timeout=TIMEOUT).run()
            assert not at.exception
            assert any("No document index yet" in i for i in _texts(at.info))
    finally:
        get_settings.cache_clear()


# --- Search -------------------------------------------------------------------------------------------
def _search_page() -> AppTest:
    at = AppTest.from_function(_page, args=("search",), default_timeout=TIMEOUT).run()
    assert not at.exception
    return at


def test_type_filter_changes_search_results(app_env):
    at = _search_page()
    at.text_input(key="search-query").set_value("training course").run()
    unfiltered = at.dataframe[0].value
    assert {"Report", "News item"} <= set(unfiltered["Type"])
    at.multiselect(key="search-types").set_value(["report"]).run()
    assert not at.exception
    filtered = at.dataframe[0].value
    assert set(filtered["Type"]) == {"Report"}


def test_year_range_restricts_results_and_sorting_by_date_puts_newest_first(app_env):
    at = _search_page()
    at.text_input(key="search-query").set_value("geochemical mapping").run()
    at.slider(key="search-years").set_value((2017, 2018)).run()
    at.selectbox(key="search-sort").set_value("date").run()
    assert not at.exception
    dates = list(at.dataframe[0].value["Date"])
    assert dates and all("2017-01-01" <= d <= "2018-12-31" for d in dates)
    assert dates == sorted(dates, reverse=True)


def test_retrieval_mode_selector_reaches_the_retriever(app_env):
    at = _search_page()
    at.text_input(key="search-query").set_value("Langfang").run()
    at.selectbox(key="search-mode").set_value("bm25").run()
    assert not at.exception
    assert any("mode: bm25" in c for c in _texts(at.caption))
    assert all(
        "langfang" in (row["Passage"] + row["Title"]).lower() for _, row in at.dataframe[0].value.iterrows()
    )


def test_empty_query_browses_the_archive_by_year_with_csv_export(app_env):
    at = _search_page()
    everything = at.dataframe[0].value
    at.slider(key="search-years").set_value((2016, 2016)).run()
    only_2016 = at.dataframe[0].value
    assert 0 < len(only_2016) < len(everything)
    assert all(str(d).startswith("2016") for d in only_2016["Date"])
    assert any(b.label == "Download CSV" for b in at.get("download_button"))


# --- Library ------------------------------------------------------------------------------------------
def _library(monkeypatch, password: str | None) -> AppTest:
    if password is None:
        monkeypatch.delenv("ICGG_ADMIN_PASSWORD", raising=False)
    else:
        monkeypatch.setenv("ICGG_ADMIN_PASSWORD", password)
    get_settings.cache_clear()
    at = AppTest.from_function(_page, args=("library",), default_timeout=TIMEOUT).run()
    assert not at.exception
    return at


def _sign_in(at: AppTest, password: str) -> AppTest:
    at.text_input(key="library-password").set_value(password)
    at.button[0].click().run()
    assert not at.exception
    return at


def test_library_says_staff_login_is_disabled_without_a_configured_password(app_env, monkeypatch):
    at = _library(monkeypatch, None)
    assert any("Staff login is disabled" in w for w in _texts(at.warning))
    assert not at.text_input and not at.metric


def test_library_refuses_a_wrong_password_and_shows_nothing(app_env, monkeypatch):
    at = _sign_in(_library(monkeypatch, PASSWORD), "correct horse battery stapler")
    assert "Wrong password." in _texts(at.error)
    assert not at.metric and not at.dataframe
    assert all(PASSWORD not in m for m in _texts(at.markdown) + _texts(at.error))


def test_library_with_the_password_shows_statistics_documents_and_staff_tools(app_env, monkeypatch):
    at = _sign_in(_library(monkeypatch, PASSWORD), PASSWORD)
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["Documents"]) > 0 and int(metrics["Passages (chunks)"]) > 0
    assert [s.value for s in at.subheader] == [
        "Index",
        "Re-index",
        "Add documents",
        "Documents",
        "Remove a document",
    ]
    documents = at.dataframe[-1].value
    assert len(documents) == int(metrics["Documents"]) and set(documents["Status"]) == {"indexed"}


def test_reindex_from_the_library_publishes_a_generation_the_ask_page_picks_up(
    app_env, monkeypatch, tmp_path
):
    from bot.api import Assistant
    from ui.pages.library import current_job

    # A private copy of the index, so publishing does not disturb other tests.
    index_dir = tmp_path / "index"
    shutil.copytree(app_env.index_dir, index_dir)
    uploads = tmp_path / "uploads"
    uploads.mkdir(exist_ok=True)
    (uploads / "2026-01-05-zeolite-visit.md").write_text(
        "---\ntitle: Delegation studies zeolite baselines at ICGG\ndate: 2026-01-05\ncategory: visit\n"
        "language: en\n---\nA delegation from the Republic of Quetzalia studied zeolite baselines "
        "in Langfang with ICGG staff on 5 January 2026.\n",
        encoding="utf-8",
    )
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    monkeypatch.setenv("ICGG_INDEX_DIR", str(index_dir))
    monkeypatch.setenv("ICGG_CORPUS_DIR", str(corpus))
    monkeypatch.setenv("ICGG_UPLOAD_DIR", str(uploads))
    at = _sign_in(_library(monkeypatch, PASSWORD), PASSWORD)
    before = Assistant.open(get_settings()).generation
    ask = AppTest.from_file(APP, default_timeout=TIMEOUT).run()  # the shared Assistant opens `before`
    assert not ask.exception

    reindex = next(b for b in at.button if b.label == "Re-index")
    reindex.click().run()
    assert not at.exception
    job = current_job(get_settings())
    assert job is not None and job.wait(TIMEOUT)
    snap = job.snapshot()
    assert snap.error is None and snap.report.generation not in (None, before)
    assert snap.report.totals["added"] == 1

    at.run()
    assert not at.exception
    assert any("index finished" in s and "1 added" in s for s in _texts(at.success))
    _ask(ask, "Which delegation studied zeolite baselines?")
    assert "Quetzalia" in " ".join(_texts(ask.chat_message[-1].markdown))


def test_library_sign_in_is_throttled_after_repeated_failures(app_env, monkeypatch):
    at = _library(monkeypatch, PASSWORD)
    for _ in range(5):
        _sign_in(at, "guess")
    _sign_in(at, PASSWORD)
    assert any("Too many failed attempts" in e for e in _texts(at.error))
    assert not at.metric


def test_llm_fallback_notice_is_shown_above_the_extractive_answer(app_env, monkeypatch):
    # An LLM backend configured without a model cannot answer: the extractive answer comes with a notice.
    monkeypatch.setenv("ICGG_LLM_BACKEND", "ollama")
    monkeypatch.setenv("ICGG_LLM_MODEL", "")
    get_settings.cache_clear()
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    _ask(at, "When was the ICGG centre inaugurated?")
    notices = _texts(at.chat_message[-1].info)
    assert len(notices) == 1 and "language model" in notices[0].lower()
    assert at.expander  # the extractive answer still cites its sources


def test_removing_a_document_needs_confirmation_and_publishes_an_index_without_it(
    app_env, monkeypatch, tmp_path
):
    index_dir = tmp_path / "index"
    shutil.copytree(app_env.index_dir, index_dir)  # private copy: removal publishes a generation
    monkeypatch.setenv("ICGG_INDEX_DIR", str(index_dir))
    at = _sign_in(_library(monkeypatch, PASSWORD), PASSWORD)
    before = int({m.label: m.value for m in at.metric}["Documents"])
    doc_id = at.selectbox(key="library-remove-doc").value
    remove = next(b for b in at.button if b.label == "Remove")

    remove.click().run()
    assert any("Tick the confirmation box" in w for w in _texts(at.warning))
    assert int({m.label: m.value for m in at.metric}["Documents"]) == before

    at.checkbox(key="library-remove-confirm").check()
    next(b for b in at.button if b.label == "Remove").click().run()
    assert not at.exception
    assert any("Removed" in s for s in _texts(at.success))
    assert int({m.label: m.value for m in at.metric}["Documents"]) == before - 1
    assert doc_id not in set(at.dataframe[-1].value["Doc id"])
