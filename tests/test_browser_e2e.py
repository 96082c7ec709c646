"""End to end in a real browser: ``streamlit run`` in a subprocess, driven by Debian's headless Chromium.

Never downloads a browser: Playwright launches the system ``chromium``. Locally a missing chromium skips
these tests; in CI (``ICGG_REQUIRE_BROWSER=1``) it fails them. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ANSWER_TIMEOUT_MS = 180_000
QUESTION = "Where is ICGG located?"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        message = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("ICGG_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def _serve(log_dir: Path, **settings_env: str):
    """Run ``streamlit run streamlit_app.py`` with ``ICGG_*`` overrides; yield its URL; always stop it."""
    port = _free_port()
    log_path = log_dir / "server.log"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", **settings_env}
    cmd = [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true"]  # fmt: skip
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 90
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                        if resp.status == 200:
                            break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"streamlit did not start:\n{log_path.read_text(errors='replace')[-3000:]}")
                time.sleep(0.5)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)


@pytest.fixture(scope="module")
def app_url(request, tmp_path_factory):
    """The app serving the session's corpus index (read-only), for the whole module."""
    _chromium()
    index = request.getfixturevalue("app_index")
    with _serve(
        tmp_path_factory.mktemp("streamlit"),
        ICGG_INDEX_DIR=str(index.index_dir),
        ICGG_UPLOAD_DIR=str(tmp_path_factory.mktemp("uploads")),
        ICGG_ADMIN_PASSWORD="",
    ) as url:
        yield url


@pytest.fixture(scope="session")
def app_index(corpus_index):
    """The session's read-only index of the shipped corpus (``corpus_index`` in conftest)."""
    return corpus_index


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def _ask(page, question: str) -> None:
    box = page.get_by_test_id("stChatInputTextArea")
    box.wait_for(timeout=ANSWER_TIMEOUT_MS)
    box.fill(question)
    box.press("Enter")


def _wait_until_idle(page) -> None:
    """Wait for the script run to end (Streamlit's running indicator disappears)."""
    page.get_by_test_id("stStatusWidget").wait_for(state="hidden", timeout=ANSWER_TIMEOUT_MS)


def test_question_streams_an_answer_whose_source_card_opens_the_passage(app_url, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(app_url)
    _ask(page, QUESTION)
    assistant = page.get_by_test_id("stChatMessage").nth(1)
    card = assistant.get_by_test_id("stExpander").first
    card.wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert "Langfang" in assistant.inner_text()
    assert "[1]" in card.locator("summary").inner_text()
    card.locator("summary").click()
    details = card.get_by_test_id("stExpanderDetails")
    details.wait_for()
    # The cited sentence is highlighted inside the passage it came from.
    highlighted = details.locator(".stMarkdownColoredBackground").first
    assert len(highlighted.inner_text().strip()) > 20
    assert highlighted.inner_text().strip() in details.inner_text()
    _wait_until_idle(page)
    page.screenshot(path=ARTIFACTS / "ask-answer-desktop.png", full_page=True)
    assert page.get_by_test_id("stException").count() == 0


def test_a_cited_pdf_opens_at_the_cited_page(app_url, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(app_url)
    _ask(page, "What were the objectives of the first six-year plan of ICGG?")
    assistant = page.get_by_test_id("stChatMessage").nth(1)
    assistant.get_by_test_id("stExpander").first.wait_for(timeout=ANSWER_TIMEOUT_MS)
    report_card = assistant.get_by_test_id("stExpander").filter(has_text="Report").first
    report_card.locator("summary").click()
    link = report_card.locator("a[href*='app/static/docs/']").first
    link.wait_for()
    href = link.get_attribute("href")
    label = report_card.locator("summary").inner_text()
    page_no = href.rsplit("#page=", 1)[1]
    assert f"p. {page_no}" in label or f"sheet {page_no}" in label
    response = page.request.get(f"{app_url}/{href.split('#')[0].lstrip('/')}")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body()[:5] == b"%PDF-"
    # The same page can also be read inside the app, cited sentence highlighted.
    report_card.get_by_role("button", name=f"Read page {page_no} here").click()
    dialog = page.get_by_role("dialog")
    dialog.wait_for(timeout=30_000)
    # The dialog opens with its title first; its body (the page text) follows in the next render.
    dialog.get_by_text(f"page {page_no} of", exact=False).first.wait_for(timeout=30_000)
    assert f"page {page_no} of" in dialog.inner_text()
    dialog.locator(".stMarkdownColoredBackground").first.wait_for()
    page.screenshot(path=ARTIFACTS / "ask-source-page-dialog.png")


def test_phone_width_renders_the_chat_without_horizontal_scrolling(app_url, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(app_url)
    starter = page.get_by_role("button", name="What is the Mapping the Chemical Earth programme?")
    starter.wait_for(timeout=ANSWER_TIMEOUT_MS)
    _wait_until_idle(page)
    page.screenshot(path=ARTIFACTS / "ask-empty-phone.png", full_page=True)
    starter.click()
    page.get_by_test_id("stChatMessage").nth(1).get_by_test_id("stExpander").first.wait_for(
        timeout=ANSWER_TIMEOUT_MS
    )
    box = page.get_by_test_id("stChatInput").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    _wait_until_idle(page)
    page.screenshot(path=ARTIFACTS / "ask-answer-phone.png", full_page=True)
    assert page.get_by_test_id("stException").count() == 0
    context.close()


def test_search_page_shows_results_table_and_timeline(app_url, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(f"{app_url}/search")
    query = page.get_by_role("textbox", name="Search")
    query.wait_for(timeout=ANSWER_TIMEOUT_MS)
    query.fill("training course")
    query.press("Enter")
    page.get_by_text("passages from").wait_for(timeout=ANSWER_TIMEOUT_MS)
    _wait_until_idle(page)
    page.screenshot(path=ARTIFACTS / "search-results.png", full_page=True)
    assert page.get_by_test_id("stException").count() == 0


def test_staff_upload_and_reindex_make_a_new_document_answerable_without_restart(
    app_index, browser, tmp_path
):
    ARTIFACTS.mkdir(exist_ok=True)
    index_dir = tmp_path / "index"
    shutil.copytree(app_index.index_dir, index_dir)  # private copy: this test publishes a generation
    news = tmp_path / "2026-01-05-zeolite-visit.md"
    news.write_text(
        "---\ntitle: Delegation studies zeolite baselines at ICGG\ndate: 2026-01-05\ncategory: visit\n"
        "language: en\n---\nA delegation from the Republic of Quetzalia studied zeolite baselines "
        "in Langfang with ICGG staff on 5 January 2026.\n",
        encoding="utf-8",
    )
    (tmp_path / "corpus").mkdir()
    with _serve(
        tmp_path,
        ICGG_INDEX_DIR=str(index_dir),
        ICGG_UPLOAD_DIR=str(tmp_path / "uploads"),
        ICGG_CORPUS_DIR=str(tmp_path / "corpus"),
        ICGG_ADMIN_PASSWORD="staff-only-pass",
    ) as url:
        chat = browser.new_page(viewport={"width": 1280, "height": 900})
        chat.goto(url)  # a partner's session, open before the re-index
        chat.get_by_test_id("stChatInputTextArea").wait_for(timeout=ANSWER_TIMEOUT_MS)

        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(f"{url}/library")
        page.get_by_label("Staff password").fill("staff-only-pass")
        page.get_by_role("button", name="Sign in").click()
        page.get_by_text("Add documents").wait_for(timeout=ANSWER_TIMEOUT_MS)
        _wait_until_idle(page)
        page.locator("input[type=file]").set_input_files(str(news))
        page.get_by_test_id("stFileChipName").first.wait_for()
        page.get_by_role("button", name="Save uploads").click()
        page.get_by_text("Saved").wait_for(timeout=60_000)
        _wait_until_idle(page)
        page.get_by_role("button", name="Re-index").click()
        page.get_by_text("Re-index finished").wait_for(timeout=ANSWER_TIMEOUT_MS)
        assert "1 added" in page.get_by_text("Re-index finished").inner_text()
        page.get_by_role("button", name="Download the full report (JSON)").wait_for()
        page.get_by_test_id("stDataFrame").last.wait_for()  # the document list (a canvas grid)
        _wait_until_idle(page)
        page.screenshot(path=ARTIFACTS / "library-after-reindex.png", full_page=True)

        _ask(chat, "Which delegation studied zeolite baselines in Langfang?")
        reply = chat.get_by_test_id("stChatMessage").nth(1)
        reply.get_by_test_id("stExpander").first.wait_for(timeout=ANSWER_TIMEOUT_MS)
        assert "Quetzalia" in reply.inner_text()
