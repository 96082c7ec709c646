"""The Streamlit pages, run headless with ``AppTest`` against a real index of the shipped corpus."""

from __future__ import annotations

import re
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
    monkeypatch.setenv("ICGG_FEEDBACK_DB", str(tmp_path / "feedback.sqlite"))
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


def _read(elements) -> list[str]:
    """Texts as a reader sees them: without the Markdown escapes of untrusted text."""
    return [re.sub(r"\\(.)", r"\1", e.value) for e in elements]


# --- Ask ----------------------------------------------------------------------------------------------
def test_empty_chat_offers_starter_questions_and_a_starter_gets_an_answer(app_env):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    starters = [b for b in at.button if b.key and b.key.startswith("starter-")]
    assert len(starters) == 4
    starters[0].click().run()
    assert not at.exception
    assert [m.name for m in at.chat_message] == ["user", "assistant"]


def test_question_gets_an_answer_whose_markers_link_to_numbered_source_cards(app_env):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    _ask(at, "When was the ICGG agreement signed and the centre inaugurated?")
    reply = at.chat_message[-1]
    assert reply.name == "assistant"
    body = reply.markdown[0].value
    assert "2016" in body
    # Every [n] of the answer is a link to the anchor of its card, and each card carries that anchor.
    targets = re.findall(r"\[\\\[(\d+)\\\]\]\(#(cite-[A-Za-z0-9_-]+)\)", body)
    assert targets and targets[0][0] == "1"
    anchors = re.findall(r'id="(cite-[A-Za-z0-9_-]+)"', " ".join(h.value for h in reply.get("html")))
    assert [t for _, t in targets] == anchors[: len(targets)]
    titles = [m.value for m in reply.markdown if m.value.startswith("**\\[")]
    assert titles and titles[0].startswith("**\\[1\\]**")
    # The card shows the cited sentence highlighted inside its paragraph.
    assert any(":orange-background[**" in m.value for m in reply.markdown)
    assert not _texts(at.warning)


def test_unanswerable_question_says_why_in_plain_words_and_offers_the_nearest_passages(app_env):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    _ask(at, "What is the best recipe for chocolate cake with raspberries?")
    reply = at.chat_message[-1]
    warning = " ".join(_texts(reply.warning)).replace("\\", "")  # as read, without Markdown escapes
    assert "Not in the documents" in warning
    # Plain language naming the nearest document, not a threshold: no "<", no scores.
    assert "The documents found do not state it" in warning and "“" in warning
    assert "<" not in warning and not re.search(r"\d\.\d{3}", warning)
    assert any("rephrase the question" in m for m in _texts(reply.markdown))
    # The nearest passages are cards that open their document.
    assert any(m == "**The nearest passages**" for m in _texts(reply.markdown))
    openers = [b for b in reply.button if b.label == "Read the whole item" or b.label.startswith("Read page")]
    assert openers
    # The technical reason is still there, folded away.
    detail = next(e for e in reply.expander if e.label == "Technical detail")
    assert any("the reader's best" in c for c in _read(detail.caption))


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


def test_sorting_by_date_orders_every_matching_document_not_just_the_top_k(app_env):
    from bot.api import Assistant

    at = _search_page()
    at.text_input(key="search-query").set_value("training").run()
    at.number_input(key="search-k").set_value(5).run()
    at.selectbox(key="search-sort").set_value("date").run()
    assert not at.exception
    assistant = Assistant.open(get_settings())
    top_k = {p.document.doc_id for p in assistant.search("training", k=5)}
    everything = [p.document for p in assistant.matching("training")]
    newest = sorted(everything, key=lambda d: d.date or "", reverse=True)[:5]
    assert {d.doc_id for d in newest} - top_k  # the archive's newest are not all in the relevance top 5
    table = at.dataframe[0].value
    assert list(table["Doc id"]) == [d.doc_id for d in newest]
    assert "Rank" not in table.columns and "Score" not in table.columns  # no relevance ranks in date order
    assert not any(m.value.startswith("**1.**") for m in at.markdown)


def test_the_timeline_counts_every_matching_document_over_every_year(app_env):
    at = _search_page()
    at.text_input(key="search-query").set_value("training").run()
    at.number_input(key="search-k").set_value(5).run()
    captions = " ".join(_texts(at.caption))
    count = int(re.search(r"all (\d+) documents that contain every search word", captions).group(1))
    assert count > 5  # not only the top k
    from ui.charts import timeline_chart, year_span

    docs = [
        type("D", (), {"date": d, "doc_type": "news"})() for d in ("2012-03-30", "2016-05-12", "2016-07-02")
    ]
    spec = timeline_chart(docs, year_span([2012, 2018])).to_dict()
    assert spec["encoding"]["x"]["scale"]["domain"] == [str(y) for y in range(2012, 2019)]  # empty years kept
    assert (
        spec["encoding"]["y"]["axis"]["tickMinStep"] == 1 and spec["encoding"]["y"]["axis"]["format"] == "d"
    )


def test_search_filters_are_folded_away_and_the_table_holds_no_markdown_headings(app_env):
    at = _search_page()
    panel = next(e for e in at.expander if e.label.startswith("Filters and sorting"))
    assert {w.key for w in panel.get("multiselect")} == {"search-types"}
    assert {w.key for w in panel.selectbox} == {"search-mode", "search-sort"}
    at.text_input(key="search-query").set_value("participants of the training").run()
    passages = list(at.dataframe[0].value["Passage"])
    assert passages and not any(line.lstrip().startswith("#") for p in passages for line in p.splitlines())
    at.multiselect(key="search-types").set_value(["report"]).run()
    assert any(e.label == "Filters and sorting: Report" for e in at.expander)


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
        "What users ask",
        "Retrieval test",
    ]
    assert [t.label for t in at.tabs] == ["Collection", "What users ask", "Retrieval test"]
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
    assert any('id="cite-' in h.value for h in at.get("html"))  # the extractive answer still cites sources


def _private_index(app_env, monkeypatch, tmp_path) -> Path:
    """A copy of the session's index, so a removal's new generation disturbs no other test."""
    index_dir = tmp_path / "index"
    shutil.copytree(app_env.index_dir, index_dir)
    monkeypatch.setenv("ICGG_INDEX_DIR", str(index_dir))
    return index_dir


def _documents_metric(at: AppTest) -> int:
    return int({m.label: m.value for m in at.metric}["Documents"])


def _arm_removal(at: AppTest, choice: str | None) -> AppTest:
    """Step 1 of a removal: pick ``choice`` (an option key, or nothing) and press "Remove…"."""
    if choice is not None:
        at.selectbox(key="library-remove-doc").set_value(choice)
    next(b for b in at.button if b.label == "Remove…").click().run()
    assert not at.exception
    return at


def _some_document(i: int) -> str:
    """The removal picker's option for the ``i``-th document by title."""
    from bot.api import Assistant

    return f"doc:{Assistant.open(get_settings()).browse(sort='title')[i].doc_id}"


def _button(at: AppTest, key: str):
    return next((b for b in at.button if b.key == key), None)


def test_removing_a_document_asks_to_confirm_it_by_name_and_publishes_an_index_without_it(
    app_env, monkeypatch, tmp_path
):
    from bot.api import Assistant
    from ui.render import md_escape

    _private_index(app_env, monkeypatch, tmp_path)
    at = _sign_in(_library(monkeypatch, PASSWORD), PASSWORD)
    before = _documents_metric(at)
    assert at.selectbox(key="library-remove-doc").value is None  # nothing is preselected
    doc = Assistant.open(get_settings()).browse(sort="title")[3]
    doc_id, title = doc.doc_id, md_escape(doc.title)  # as the page writes it in Markdown

    _arm_removal(at, f"doc:{doc_id}")
    assert any(title in w and "from the index?" in w for w in _texts(at.warning))
    assert title in _button(at, "library-remove-confirm").label
    assert _documents_metric(at) == before  # arming removes nothing

    _button(at, "library-remove-confirm").click().run()
    assert not at.exception
    assert any("Removed" in s and title in s for s in _texts(at.success))
    assert _documents_metric(at) == before - 1
    assert doc_id not in set(at.dataframe[-1].value["Doc id"])


def test_after_a_removal_nothing_is_armed_and_one_more_click_removes_nothing(app_env, monkeypatch, tmp_path):
    _private_index(app_env, monkeypatch, tmp_path)
    at = _sign_in(_library(monkeypatch, PASSWORD), PASSWORD)
    before = _documents_metric(at)
    _arm_removal(at, _some_document(0))
    _button(at, "library-remove-confirm").click().run()
    assert _documents_metric(at) == before - 1
    assert any(s.startswith("Removed") for s in _texts(at.success))

    # The confirmation is gone and the picker is empty again: it did not jump to another document.
    assert _button(at, "library-remove-confirm") is None
    assert at.selectbox(key="library-remove-doc").value is None
    _arm_removal(at, None)  # the click that used to delete an unrelated document
    assert any("Choose the document to remove first" in w for w in _texts(at.warning))
    assert not any(s.startswith("Removed") for s in _texts(at.success))  # the old result is gone
    assert _button(at, "library-remove-confirm") is None
    assert _documents_metric(at) == before - 1


def test_cancelling_a_removal_keeps_the_document_and_disarms_it(app_env, monkeypatch, tmp_path):
    _private_index(app_env, monkeypatch, tmp_path)
    at = _sign_in(_library(monkeypatch, PASSWORD), PASSWORD)
    before = _documents_metric(at)
    _arm_removal(at, _some_document(1))
    _button(at, "library-remove-cancel").click().run()
    assert not at.exception
    assert _button(at, "library-remove-confirm") is None
    assert at.selectbox(key="library-remove-doc").value is None
    assert _documents_metric(at) == before


def test_the_delete_file_box_of_an_upload_starts_unticked_each_time_it_is_asked(
    app_env, monkeypatch, tmp_path, embedder
):
    from index.builder import ingest_paths

    _private_index(app_env, monkeypatch, tmp_path)
    uploads = tmp_path / "uploads"
    uploads.mkdir(exist_ok=True)
    upload = uploads / "2026-02-01-altiplano-note.md"
    upload.write_text(
        "---\ntitle: Altiplano field note\ndate: 2026-02-01\ncategory: news\nlanguage: en\n---\n"
        "A field team sampled stream sediments on the Altiplano in January 2026.\n",
        encoding="utf-8",
    )
    ingest_paths([uploads], settings=get_settings(), embedder=embedder)
    at = _sign_in(_library(monkeypatch, PASSWORD), PASSWORD)
    from ingest.files import doc_id_for

    option = f"doc:{doc_id_for(upload.resolve())}"
    _arm_removal(at, option)
    box = at.checkbox[-1]
    assert box.label == "Also delete its uploaded file" and box.value is False
    box.check().run()
    _button(at, "library-remove-cancel").click().run()
    _arm_removal(at, option)
    assert at.checkbox[-1].value is False  # the tick did not survive the cancelled confirmation
    at.checkbox[-1].check().run()
    _button(at, "library-remove-confirm").click().run()
    assert not at.exception
    assert not upload.exists()
    assert any("Removed “Altiplano field note”" in s for s in _texts(at.success))


def test_an_upload_that_is_not_indexed_can_be_deleted_from_the_library(app_env, monkeypatch, tmp_path):
    _private_index(app_env, monkeypatch, tmp_path)
    uploads = tmp_path / "uploads"
    uploads.mkdir(exist_ok=True)
    broken = uploads / "empty-report.pdf"
    broken.write_bytes(b"%PDF-1.7\n")  # a PDF header and nothing else: never indexable
    at = _sign_in(_library(monkeypatch, PASSWORD), PASSWORD)
    before = _documents_metric(at)
    _arm_removal(at, "upload:empty-report.pdf")
    assert any("empty\\-report\\.pdf" in w and "not in the index" in w for w in _texts(at.warning))
    assert broken.exists()
    _button(at, "library-remove-confirm").click().run()
    assert not at.exception
    assert not broken.exists()
    assert any("Deleted the uploaded file" in s for s in _texts(at.success))
    assert _documents_metric(at) == before


def test_a_reindex_report_disappears_at_the_next_staff_action(app_env, monkeypatch, tmp_path):
    from ui.pages.library import current_job

    _private_index(app_env, monkeypatch, tmp_path)
    monkeypatch.setenv("ICGG_CORPUS_DIR", str(tmp_path / "corpus"))
    (tmp_path / "corpus").mkdir()
    at = _sign_in(_library(monkeypatch, PASSWORD), PASSWORD)
    next(b for b in at.button if b.label == "Re-index").click().run()
    assert current_job(get_settings()).wait(TIMEOUT)
    at.run()
    assert any("Re-index finished" in m for m in _read(at.success) + _read(at.warning))
    _arm_removal(at, _some_document(0))
    _button(at, "library-remove-cancel").click().run()
    assert not any("Re-index finished" in m for m in _read(at.success) + _read(at.warning))
    assert any(c.startswith("Last re-index finished at") for c in _texts(at.caption))
    # Another staff session never saw this report as its own.
    other = _sign_in(_library(monkeypatch, PASSWORD), PASSWORD)
    assert not any("Re-index finished" in m for m in _read(other.success) + _read(other.warning))


def test_a_failed_upload_once_deleted_no_longer_fails_every_reindex(app_env, monkeypatch, tmp_path):
    from ui.pages.library import current_job

    _private_index(app_env, monkeypatch, tmp_path)
    monkeypatch.setenv("ICGG_CORPUS_DIR", str(tmp_path / "corpus"))
    (tmp_path / "corpus").mkdir()
    uploads = tmp_path / "uploads"
    uploads.mkdir(exist_ok=True)
    (uploads / "empty-report.pdf").write_bytes(b"%PDF-1.7\n")  # copied in by hand: never indexable
    at = _sign_in(_library(monkeypatch, PASSWORD), PASSWORD)
    for expected_failed in (1, 0):
        next(b for b in at.button if b.label == "Re-index").click().run()
        job = current_job(get_settings())
        assert job.wait(TIMEOUT)
        assert job.snapshot().report.totals["failed"] == expected_failed
        at.run()
        if expected_failed:
            assert any("1 failed" in w for w in _texts(at.warning))
            _arm_removal(at, "upload:empty-report.pdf")
            _button(at, "library-remove-confirm").click().run()
            assert not (uploads / "empty-report.pdf").exists()


def test_feedback_on_an_answer_is_stored_and_shown_to_staff(app_env, monkeypatch):
    from bot.feedback import QuestionLog

    ask = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    _ask(ask, "When was the ICGG agreement signed and the centre inaugurated?")
    _ask(ask, "What is the best recipe for chocolate cake with raspberries?")
    assert len(ask.feedback) == 2  # one per answer, refusals included
    ask.feedback[0].set_value(0).run()
    ask.text_input(
        key=next(t.key for t in ask.text_input if t.key.startswith("feedback-comment-"))
    ).set_value("It gives the inauguration, I asked about the signing")
    next(b for b in ask.button if b.label == "Send comment").click().run()
    assert not ask.exception
    assert any("staff will read your comment" in c for c in _texts(ask.caption))

    rows = QuestionLog.from_settings(get_settings()).rows()
    assert [r.abstained for r in rows] == [False, True]
    assert rows[0].rating == 0 and rows[0].comment == "It gives the inauguration, I asked about the signing"
    assert rows[0].generation and rows[1].reason_category == "reader"

    staff = _sign_in(_library(monkeypatch, PASSWORD), PASSWORD)
    tables = [d.value for d in staff.dataframe]
    refused = next(t for t in tables if "Times asked" in t.columns)
    assert list(refused["Question"]) == ["What is the best recipe for chocolate cake with raspberries?"]
    wrong = next(t for t in tables if "Comment" in t.columns and "Sources" in t.columns)
    assert list(wrong["Comment"]) == ["It gives the inauguration, I asked about the signing"]
    assert {"usage-icgg-refused-questions.csv", "usage-all.csv"} <= {
        b.key for b in staff.get("download_button")
    }


def test_with_the_question_log_off_nothing_is_stored_and_no_thumbs_are_shown(app_env, monkeypatch):
    monkeypatch.setenv("ICGG_LOG_QUESTIONS", "false")
    get_settings.cache_clear()
    ask = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    _ask(ask, "When was the ICGG agreement signed and the centre inaugurated?")
    assert not ask.feedback
    assert not get_settings().feedback_db.exists()


def test_the_retrieval_test_shows_reader_dense_bm25_and_fused_scores_and_why(app_env, monkeypatch):
    at = _sign_in(_library(monkeypatch, PASSWORD), PASSWORD)
    at.text_input(key="library-retrieval-question").set_value(
        "When was the ICGG agreement signed and the centre inaugurated?"
    )
    next(b for b in at.button if b.label == "Test retrieval").click().run()
    assert not at.exception
    assert any(s.startswith("**Answered**, quoting passage") for s in _texts(at.success))
    table = next(d.value for d in at.dataframe if "Fused (RRF)" in d.value.columns)
    assert {"Rank", "Quoted", "Dense (cosine)", "BM25"} <= set(table.columns)
    assert table["Quoted"].str.contains(r"\[1\]").any()
    assert (table["Dense (cosine)"].notna()).all() and (table["BM25"].notna()).all()
    # The reader's score beside them; rows in the order the answer read the passages (the reader's order
    # fused with retrieval's), as ask gives them.
    from bot.api import Assistant

    question = "When was the ICGG agreement signed and the centre inaugurated?"
    expected = [p.rank for p in Assistant.open(get_settings()).ask(question).passages]
    assert list(table["Rank"]) == expected[: len(table)]
    assert table["Reader (probability)"].notna().sum() >= 5

    at.text_input(key="library-retrieval-question").set_value("What is the best recipe for chocolate cake?")
    next(b for b in at.button if b.label == "Test retrieval").click().run()
    assert any(
        "Refused: the documents found do not state it" in w and "the reader's best" in w
        for w in _read(at.warning)
    )
    from bot.feedback import QuestionLog

    assert QuestionLog.from_settings(get_settings()).rows() == []  # staff tests are not logged as questions


def test_about_says_where_the_conversation_and_the_question_log_live(app_env):
    at = AppTest.from_function(_page, args=("about",), default_timeout=TIMEOUT).run()
    text = " ".join(_texts(at.markdown))
    assert "lives only in your browser" not in text
    assert "server memory" in text and "365 days" in text
