"""End to end in a real browser: ``streamlit run`` in a subprocess, driven by Debian's headless Chromium.

Never downloads a browser: Playwright launches the system ``chromium``. Locally a missing chromium skips
these tests; in CI (``ICGG_REQUIRE_BROWSER=1``) it fails them. One server serves the whole module (on a
private copy of the session's corpus index, with its own upload folder and question log), so tests that
change the collection add and remove only documents of their own. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest
from browser_support import (
    ANSWER_TIMEOUT_MS,
    CHROMIUM_ARGS,
    LAPTOP,
    PHONE,
    ROOT,
    ServerFailed,
    ask,
    chromium_path,
    is_local_request,
    serve,
    sign_in,
    wait_until_idle,
)

ARTIFACTS = ROOT / "test-artifacts"
QUESTION = "When was the ICGG agreement signed and the centre inaugurated?"
UNANSWERABLE = "What is the best recipe for chocolate cake with raspberries?"
PASSWORD = "staff-only-pass"
ACTION_TIMEOUT_MS = 120_000

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _chromium() -> str:
    path = chromium_path()
    if path is None:
        message = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("ICGG_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return path


@dataclass(frozen=True)
class App:
    url: str
    index_dir: Path
    upload_dir: Path
    feedback_db: Path


@pytest.fixture(scope="module")
def app(corpus_index, tmp_path_factory):
    """The app on a private copy of the session's corpus index, staff login on, for the whole module."""
    _chromium()
    root = tmp_path_factory.mktemp("browser-app")
    index_dir = root / "index"
    shutil.copytree(corpus_index.index_dir, index_dir)
    served = App("", index_dir, root / "uploads", root / "feedback.sqlite")
    try:
        with serve(
            root,
            ICGG_INDEX_DIR=str(index_dir),
            ICGG_UPLOAD_DIR=str(served.upload_dir),
            ICGG_CORPUS_DIR=str(ROOT / "corpus"),  # the PDFs it may serve are the corpus's and the uploads'
            ICGG_FEEDBACK_DB=str(served.feedback_db),
            ICGG_ADMIN_PASSWORD=PASSWORD,
        ) as url:
            yield App(url, index_dir, served.upload_dir, served.feedback_db)
    except ServerFailed as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def _context(browser, viewport=LAPTOP, **options):
    """A browser context whose actions wait as long as an answer may take on a busy 2-core machine."""
    context = browser.new_context(viewport=viewport, **options)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.set_default_navigation_timeout(ACTION_TIMEOUT_MS)
    return context


def _page_of_its_own(browser):
    """A page in a fresh context (its own cookies and session), closed after the test."""
    context = _context(browser)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def page(browser):
    yield from _page_of_its_own(browser)


@pytest.fixture
def second_page(browser):
    """Another person's browser (a staff member beside a partner), closed after the test."""
    yield from _page_of_its_own(browser)


def _reply(page, n: int = 1):
    """The ``n``-th assistant message (1 = the first answer)."""
    return page.get_by_test_id("stChatMessage").nth(2 * n - 1)


def _wait_for_answer(page, n: int = 1):
    """Wait until the ``n``-th answer is complete (its thumbs are shown last) and return its message."""
    reply = _reply(page, n)
    reply.get_by_test_id("stFeedback").wait_for(timeout=ANSWER_TIMEOUT_MS)
    wait_until_idle(page)
    return reply


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


# --- Ask ------------------------------------------------------------------------------------------------
def test_a_citation_marker_leads_to_its_source_card(app, page):
    page.goto(app.url)
    ask(page, QUESTION)
    reply = _wait_for_answer(page)
    assert "2016" in reply.inner_text()
    markers = reply.locator("a[href^='#cite-']")
    assert markers.count() >= 2
    last = markers.last
    target = last.get_attribute("href")[1:]
    assert re.fullmatch(r"\[\d+\]", last.inner_text().strip())
    last.click()
    page.wait_for_function(f"location.hash === '#{target}'")
    card = page.locator(f"div[class*='st-key-card-{target}']")
    page.wait_for_timeout(500)  # the scroll
    box, view = card.bounding_box(), page.viewport_size
    assert box is not None and 0 <= box["y"] < view["height"]  # scrolled into view
    assert card.evaluate("e => getComputedStyle(e).outlineStyle") == "solid"  # and marked
    number = last.inner_text().strip()
    assert card.inner_text().lstrip().startswith(number)
    # The card shows the cited sentence highlighted inside its paragraph.
    highlighted = card.locator(".stMarkdownColoredBackground").first
    assert len(highlighted.inner_text().strip()) > 20
    _shot(page, "ask-citation-followed")
    assert page.get_by_test_id("stException").count() == 0


def test_a_cited_pdf_opens_at_the_cited_page_where_the_sentence_can_be_found(app, page):
    from pypdf import PdfReader

    page.goto(app.url)
    ask(page, "Which training courses has ICGG run for developing countries?")
    reply = _wait_for_answer(page)
    pdf_link = "a[href*='app/static/docs/']"
    card = reply.locator("div[class*='st-key-card-cite-']").filter(has=page.locator(pdf_link)).first
    href = card.locator(pdf_link).first.get_attribute("href")
    page_no = int(re.search(r"#page=(\d+)", href).group(1))
    label = card.inner_text()
    assert f"p. {page_no}" in label or f"sheet {page_no}" in label
    assert "&search=" in href  # viewers that read it (pdf.js, Acrobat) highlight the sentence
    response = page.request.get(f"{app.url}/{href.split('#')[0].lstrip('/')}")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    quote = card.locator(".stMarkdownColoredBackground").first.inner_text().strip()
    pdf_page = PdfReader(io.BytesIO(response.body())).pages[page_no - 1].extract_text()
    flat = " ".join(pdf_page.split())
    assert " ".join(quote.split()[:6]) in flat  # the sentence is on the page the link opens
    # The same page can also be read inside the app, cited sentence highlighted.
    card.get_by_role("button", name=f"Read page {page_no} here").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text(f"page {page_no} of", exact=False).first.wait_for(timeout=30_000)
    dialog.locator(".stMarkdownColoredBackground").first.wait_for()
    _shot(page, "ask-source-page-dialog")


def test_a_refusal_says_why_in_plain_words_and_its_nearest_documents_open(app, page):
    page.goto(app.url)
    ask(page, UNANSWERABLE)
    reply = _wait_for_answer(page)
    warning = reply.get_by_test_id("stAlertContentWarning").inner_text()
    assert "Not in the documents" in warning and "The documents found do not state it" in warning
    assert "<" not in warning and not re.search(r"\d\.\d{3}", warning)
    assert "rephrase the question" in reply.inner_text()
    detail = reply.get_by_test_id("stExpander").filter(has_text="Technical detail")
    assert not detail.get_by_test_id("stExpanderDetails").is_visible()  # folded away
    opener = reply.get_by_role("button", name=re.compile(r"^(Read the whole item|Read page \d+ here)$")).first
    opener.click()
    dialog = page.get_by_role("dialog")
    dialog.wait_for(timeout=30_000)
    dialog.get_by_test_id("stMarkdown").first.wait_for(timeout=30_000)
    assert len(dialog.inner_text()) > 200
    _shot(page, "ask-refusal")


def test_feedback_is_stored_and_shown_in_the_staff_view(app, page, second_page):
    page.goto(app.url)
    question = "Who signed the agreement that established the ICGG centre?"
    ask(page, question)
    reply = _wait_for_answer(page)
    reply.get_by_role("radio", name="Thumbs down").click()
    comment = reply.get_by_role("textbox", name="What is wrong or missing? (optional)")
    comment.wait_for(timeout=30_000)
    comment.fill("Names the inauguration guests, not who signed")
    reply.get_by_role("button", name="Send comment").click()
    reply.get_by_text("staff will read your comment").wait_for(timeout=30_000)

    with sqlite3.connect(app.feedback_db) as con:
        stored = con.execute(
            "SELECT question, rating, comment FROM questions WHERE question = ?", (question,)
        )
        assert stored.fetchall() == [(question, 0, "Names the inauguration guests, not who signed")]

    staff = second_page
    sign_in(staff, app.url, PASSWORD)
    staff.get_by_role("tab", name="What users ask").click()
    panel = staff.get_by_role("tabpanel", name="What users ask")
    panel.get_by_text("Answers marked wrong").wait_for()
    wrong = panel.get_by_test_id("stMetric").filter(has_text="Marked wrong")
    assert int(wrong.get_by_test_id("stMetricValue").inner_text()) >= 1
    # The grid draws its cells on a canvas: read the table through its CSV download.
    with staff.expect_download() as download:
        panel.locator("div[class*='st-key-usage-icgg-answers-marked-wrong']").get_by_role("button").click()
    exported = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert question in exported and "Names the inauguration guests, not who signed" in exported
    _shot(staff, "library-what-users-ask")


# --- phones ---------------------------------------------------------------------------------------------
def test_phone_width_ask_and_search_fit_without_horizontal_scrolling(app, browser):
    context = _context(browser, PHONE, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(app.url)
        starter = page.get_by_role("button", name="What is the Mapping the Chemical Earth programme?")
        starter.wait_for(timeout=ANSWER_TIMEOUT_MS)
        starter.click()
        _wait_for_answer(page)
        box = page.get_by_test_id("stChatInput").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        _shot(page, "ask-answer-phone")

        page.goto(f"{app.url}/search")
        query = page.get_by_role("textbox", name="Search")
        query.wait_for(timeout=ANSWER_TIMEOUT_MS)
        query.fill("training course")
        query.press("Enter")
        first = page.locator("div[class*='st-key-passage-search-0']")
        first.wait_for(timeout=ANSWER_TIMEOUT_MS)
        wait_until_idle(page)
        # The filters are folded away: the first result starts on the first screen.
        assert not page.locator(".stMain").get_by_role("combobox").first.is_visible()
        assert first.bounding_box()["y"] < PHONE["height"]
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        _shot(page, "search-phone")
        assert page.get_by_test_id("stException").count() == 0
    finally:
        context.close()


def test_search_page_shows_results_table_and_timeline(app, page):
    page.goto(f"{app.url}/search")
    query = page.get_by_role("textbox", name="Search")
    query.wait_for(timeout=ANSWER_TIMEOUT_MS)
    query.fill("training course")
    query.press("Enter")
    page.get_by_text("passages from").wait_for(timeout=ANSWER_TIMEOUT_MS)
    page.get_by_role("tab", name="Timeline").click()
    page.get_by_text("Documents per year: all").wait_for()
    wait_until_idle(page)
    _shot(page, "search-timeline")
    assert page.get_by_test_id("stException").count() == 0


# --- staff ----------------------------------------------------------------------------------------------
def _report_pdf(path: Path) -> Path:
    from fixtures.pdfs import LOREM, make_pdf

    # Made today, dated on its cover: the index must take the cover's date.
    body = "A field team sampled stream sediments for zeolite baselines on the Altiplano of Quetzalia."
    cover = ["# Altiplano field note", "La Paz, 12 March 2019", body, LOREM]
    return make_pdf(path, [cover], created=dt.datetime.now(dt.UTC))


def test_staff_uploads_are_checked_named_plainly_and_answerable_after_a_reindex(
    app, page, second_page, tmp_path
):
    good = _report_pdf(tmp_path / "altiplano-field-note.pdf")
    empty = tmp_path / "empty-report.pdf"
    empty.write_bytes(b"%PDF-1.7\n")  # a PDF header and nothing else

    chat = second_page
    chat.goto(app.url)  # a partner's session, open before the re-index
    chat.get_by_test_id("stChatInputTextArea").wait_for(timeout=ANSWER_TIMEOUT_MS)

    sign_in(page, app.url, PASSWORD)
    page.locator("input[type=file]").set_input_files([str(good), str(empty)])
    page.get_by_test_id("stFileChipName").nth(1).wait_for()
    page.get_by_role("button", name="Save uploads").click()
    saved = page.get_by_test_id("stAlertContentSuccess").filter(has_text="Saved")
    saved.wait_for(timeout=60_000)
    # The file name as it is on disk, no Markdown backslashes; the title and the cover's date.
    assert "altiplano-field-note.pdf (“Altiplano field note”, dated 2019-03-12)" in saved.inner_text()
    refused = page.get_by_test_id("stAlertContentError").filter(has_text="Refused")
    assert "empty-report.pdf" in refused.inner_text() and "\\" not in refused.inner_text()
    assert sorted(p.name for p in app.upload_dir.iterdir()) == ["altiplano-field-note.pdf"]
    wait_until_idle(page)

    page.get_by_role("button", name="Re-index").click()
    finished = page.get_by_text("Re-index finished")
    finished.wait_for(timeout=ANSWER_TIMEOUT_MS)
    # The session's index holds corpus/news and corpus/pdf; the Library re-indexes the whole corpus folder,
    # so the archive documents are added with the upload, and the documents it held are not re-added.
    archives = len([f for f in (ROOT / "corpus" / "archives").iterdir() if f.suffix in (".pdf", ".docx")])
    report = finished.inner_text()
    assert f" {1 + archives} added, " in report and " unchanged" in report and "failed" not in report
    wait_until_idle(page)
    _shot(page, "library-after-reindex")

    ask(chat, "Where did a field team sample stream sediments for zeolite baselines?")
    reply = _wait_for_answer(chat)
    assert "Altiplano" in reply.inner_text()


def _pick(page, label: str) -> None:
    """Choose the option containing ``label`` in the removal picker."""
    picker = page.get_by_test_id("stSelectbox").filter(has_text="Document")
    picker.click()
    page.keyboard.type(label)  # the option list is virtualised: filter it down to the one document
    page.get_by_role("option", name=re.compile(re.escape(label))).wait_for()
    page.keyboard.press("Enter")  # the one option left is focused (a click can land mid-redraw)


def _documents_metric(page) -> int:
    metric = page.get_by_test_id("stMetric").filter(has_text="Documents").first
    return int(metric.get_by_test_id("stMetricValue").inner_text())


def test_removal_names_its_document_and_one_more_click_removes_nothing(app, corpus_index, embedder, page):
    from index.builder import ingest_paths
    from index.reader import open_index

    note = app.upload_dir / "2026-02-01-removal-note.md"
    app.upload_dir.mkdir(parents=True, exist_ok=True)
    note.write_text(
        "---\ntitle: Removal drill note\ndate: 2026-02-01\ncategory: news\nlanguage: en\n---\n"
        "A note staff add and remove again in the removal drill.\n",
        encoding="utf-8",
    )
    settings = corpus_index.model_copy(update={"index_dir": app.index_dir, "upload_dir": app.upload_dir})
    assert ingest_paths([note], settings, embedder=embedder).totals["added"] == 1
    before = len(open_index(settings).documents())

    sign_in(page, app.url, PASSWORD)
    assert _documents_metric(page) == before
    _pick(page, "Removal drill note")
    page.get_by_role("button", name="Remove…").click()
    confirm = page.get_by_role("button", name="Yes, remove “Removal drill note”")
    confirm.wait_for()
    assert "Removal drill note" in page.get_by_test_id("stAlertContentWarning").first.inner_text()
    box = page.get_by_role("checkbox", name="Also delete its uploaded file")
    assert not box.is_checked()
    page.get_by_text("Also delete its uploaded file").click()  # the styled label takes the click
    page.wait_for_function(
        "() => document.querySelector('input[aria-label=\"Also delete its uploaded file\"]').checked"
    )
    wait_until_idle(page)
    confirm.click()
    page.get_by_text("Removed “Removal drill note”").wait_for(timeout=60_000)
    wait_until_idle(page)
    assert _documents_metric(page) == before - 1 and not note.exists()

    # Disarmed: the confirmation goes with the run that used it, and pressing Remove… again removes nothing.
    page.get_by_role("button", name=re.compile("^Yes, remove")).wait_for(state="detached", timeout=30_000)
    page.get_by_role("button", name="Remove…").click()
    page.get_by_text("Choose the document to remove first.").wait_for()
    wait_until_idle(page)
    assert page.get_by_role("button", name=re.compile("^Yes, remove")).count() == 0
    assert _documents_metric(page) == before - 1
    assert len(open_index(settings).documents()) == before - 1
    _shot(page, "library-after-removal")


# --- offline --------------------------------------------------------------------------------------------
def test_no_request_leaves_127_0_0_1_during_a_whole_session(app, browser):
    context = _context(browser)
    requests: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    context.on("page", lambda p: p.on("websocket", lambda ws: requests.append(ws.url)))
    try:
        page = context.new_page()
        page.goto(app.url)
        ask(page, QUESTION)
        reply = _wait_for_answer(page)
        reply.locator("a[href^='#cite-']").first.click()
        reply.locator("a[href*='app/static/docs/']").count()
        reply.get_by_role("radio", name="Thumbs up").click()
        wait_until_idle(page)
        ask(page, UNANSWERABLE)
        _wait_for_answer(page, 2)

        page.goto(f"{app.url}/search")
        query = page.get_by_role("textbox", name="Search")
        query.wait_for(timeout=ANSWER_TIMEOUT_MS)
        query.fill("geochemical mapping")
        query.press("Enter")
        page.get_by_text("passages from").wait_for(timeout=ANSWER_TIMEOUT_MS)
        page.get_by_role("tab", name="Timeline").click()
        wait_until_idle(page)

        sign_in(page, app.url, PASSWORD)
        for tab in ("What users ask", "Retrieval test"):
            page.get_by_role("tab", name=tab).click()
            wait_until_idle(page)
        page.goto(f"{app.url}/about")
        page.get_by_text("How answers are made").wait_for(timeout=ANSWER_TIMEOUT_MS)
        wait_until_idle(page)
    finally:
        context.close()
    assert any("/_stcore/stream" in u for u in requests)  # the recording saw the app's own traffic
    leaving = sorted({u for u in requests if not is_local_request(u)})
    assert leaving == [], leaving


# --- the interface in the reader's language ---------------------------------------------------------------
def test_an_arabic_browser_gets_a_right_to_left_arabic_interface_and_a_cited_answer(app, browser):
    from icgg.i18n import translate
    from ui.pages.ask import STARTER_QUESTIONS

    context = _context(browser, locale="ar")  # Accept-Language: ar
    try:
        page = context.new_page()
        page.goto(app.url)
        title = translate("Ask the ICGG documents", "ar")
        page.get_by_role("heading", name=title).wait_for(timeout=ANSWER_TIMEOUT_MS)
        # The page's own right-to-left CSS applies once the first run has drawn it.
        page.wait_for_function(
            "() => getComputedStyle(document.querySelector('.stMain')).direction === 'rtl'", timeout=30_000
        )
        sidebar = page.get_by_test_id("stSidebar")
        assert sidebar.evaluate("e => getComputedStyle(e).direction") == "rtl"
        picked = sidebar.get_by_test_id("stSelectbox").evaluate(
            "e => e.innerText + ' ' + Array.from(e.querySelectorAll('input')).map(i => i.value).join(' ')"
        )
        assert "العربية" in picked
        assert (
            translate("Ask", "ar") != "Ask" and translate("Ask", "ar") in sidebar.inner_text()
        )  # titles too
        page.get_by_role("button", name=translate(STARTER_QUESTIONS[0], "ar")).click()
        reply = _wait_for_answer(page)
        text = reply.inner_text()
        assert (
            translate("The documents are in English; here are the passages that answer your question:", "ar")
            in text
        )
        assert "2016" in text  # the English quote, verbatim
        assert reply.locator("a[href^='#cite-']").count() >= 1
        assert translate("Sources", "ar") in text
        box, chat = reply.bounding_box(), page.get_by_test_id("stChatInput").bounding_box()
        assert box is not None and chat is not None
        # Right to left: the message's text starts at the right edge of its column.
        para = reply.get_by_test_id("stMarkdownContainer").first
        assert para.evaluate("e => getComputedStyle(e).direction") == "rtl"
        assert para.evaluate("e => getComputedStyle(e).textAlign") in ("right", "start")
        _shot(page, "ask-arabic")
        assert page.get_by_test_id("stException").count() == 0
    finally:
        context.close()


def test_the_language_picker_switches_to_french_and_a_french_question_is_answered(app, page):
    from icgg.i18n import translate

    page.goto(app.url)  # Chromium's default Accept-Language: English
    page.get_by_role("heading", name="Ask the ICGG documents").wait_for(timeout=ANSWER_TIMEOUT_MS)
    picker = page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox")
    picker.click()
    page.get_by_role("option", name="Français").click()
    page.get_by_role("heading", name=translate("Ask the ICGG documents", "fr")).wait_for()
    wait_until_idle(page)
    ask(page, "Quand l’accord de l’ICGG a-t-il été signé et le centre inauguré ?")
    reply = _wait_for_answer(page)
    text = reply.inner_text()
    assert (
        translate("The documents are in English; here are the passages that answer your question:", "fr")
        in text
    )
    assert "2016" in text and reply.locator("a[href^='#cite-']").count() >= 1
    assert page.locator(".stMain").evaluate("e => getComputedStyle(e).direction") == "ltr"
    # The choice holds on the next page of the same session.
    page.get_by_test_id("stSidebarNav").get_by_text(translate("About", "fr")).click()
    page.get_by_role("heading", name=translate("About this assistant", "fr")).wait_for()
    _shot(page, "about-french")
