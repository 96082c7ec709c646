"""The interface in the reader's language: every page renders in each of the seven languages with its main
strings translated (none left in English), the picker switches it, the browser's Accept-Language sets the
default, and Arabic pages are laid out right to left."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from icgg.i18n import LANGUAGES, translate
from icgg.settings import get_settings
from ui.language import LANGUAGE_KEY, language_from_header

pytestmark = pytest.mark.slow

TIMEOUT = 180
APP = str(Path(__file__).resolve().parents[1] / "streamlit_app.py")
OTHER_LANGUAGES = [lang for lang in LANGUAGES if lang != "en"]

# The main strings of each page as a reader first sees it (before asking or searching).
MAIN_STRINGS = {
    "ask": [
        "Ask the ICGG documents",
        "Answers quote the centre's reports and news items word for word, with numbered sources. "
        "If the documents do not say, the assistant tells you so.",
        "Try one of these:",
        "What is the Mapping the Chemical Earth programme?",
        "Ask a question about ICGG…",
    ],
    "search": ["Search the archive", "Search", "Filters and sorting", "Document type", "Timeline"],
    "about": [
        "About this assistant",
        "What it has read",
        "How answers are made",
        "Limits",
        "Your questions",
        "Documents",
        "Passages",
    ],
    "library": [
        "Library",
        "Staff only: sign in to manage the document collection.",
        "Staff password",
        "Sign in",
    ],
}


def _page(name: str) -> None:
    import importlib

    importlib.import_module(f"ui.pages.{name}").render()


@pytest.fixture
def app_env(monkeypatch, corpus_index, tmp_path):
    monkeypatch.setenv("ICGG_INDEX_DIR", str(corpus_index.index_dir))
    monkeypatch.setenv("ICGG_UPLOAD_DIR", str(tmp_path / "uploads"))
    monkeypatch.setenv("ICGG_FEEDBACK_DB", str(tmp_path / "feedback.sqlite"))
    monkeypatch.setenv("ICGG_ADMIN_PASSWORD", "a password")
    get_settings.cache_clear()
    yield corpus_index
    get_settings.cache_clear()


def _shown(at: AppTest) -> list[str]:
    """Every text a reader sees on the page, labels and placeholders included."""
    texts: list[str] = []
    for kind in ("title", "subheader", "markdown", "caption", "info", "warning", "text", "expander"):
        for e in getattr(at, kind):
            texts.append(str(getattr(e, "label", None) or e.value))
    for kind in ("button", "text_input", "multiselect", "selectbox", "tabs", "metric"):
        texts.extend(str(e.label) for e in at.get(kind) if getattr(e, "label", None))
    texts.extend(str(e.proto.label) for e in at.get("tab"))
    texts.extend(e.placeholder for e in at.chat_input)
    texts.extend(str(e.proto.label) for e in at.get("form_submit_button") if hasattr(e, "proto"))
    return texts


def _render(name: str, language: str) -> AppTest:
    at = AppTest.from_function(_page, args=(name,), default_timeout=TIMEOUT)
    at.session_state[LANGUAGE_KEY] = language
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
@pytest.mark.parametrize("name", sorted(MAIN_STRINGS))
def test_every_page_renders_its_main_strings_in_each_language(app_env, name, language):
    lines = _shown(_render(name, language))
    shown = "\n".join(lines)
    for msgid in MAIN_STRINGS[name]:
        translated = translate(msgid, language)
        assert translated in shown, f"{language}/{name}: {translated!r} not shown"
        if translated != msgid:  # the same word in both languages ("Documents" in French) may stay
            assert msgid not in lines, f"{language}/{name}: {msgid!r} left in English"


def test_the_picker_switches_the_whole_app_and_remembers_the_choice(app_env):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert at.title[0].value == "Ask the ICGG documents"  # no browser header here: English
    picker = at.selectbox(key=LANGUAGE_KEY)
    assert picker.options == ["English", "Français", "Español", "Português", "العربية", "Русский", "中文"]
    picker.set_value("fr").run()
    assert at.title[0].value == translate("Ask the ICGG documents", "fr")
    at.run()  # another run of the same session keeps the choice
    assert at.title[0].value == translate("Ask the ICGG documents", "fr")
    assert at.session_state[LANGUAGE_KEY] == "fr"


def test_arabic_pages_are_laid_out_right_to_left(app_env):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not any("direction: rtl" in h.value for h in at.get("html"))
    at.selectbox(key=LANGUAGE_KEY).set_value("ar").run()
    assert any("direction: rtl" in h.value for h in at.get("html"))
    assert at.title[0].value == translate("Ask the ICGG documents", "ar")


def test_a_refusal_is_worded_in_the_interface_language(app_env):
    at = AppTest.from_function(_page, args=("ask",), default_timeout=TIMEOUT)
    at.session_state[LANGUAGE_KEY] = "es"
    at.run()
    at.chat_input[0].set_value("What is the best recipe for chocolate cake with raspberries?").run()
    assert not at.exception
    warning = " ".join(w.value for w in at.chat_message[-1].warning)
    assert translate("Not in the documents.", "es") in warning
    assert "Los documentos encontrados" in warning or "No encontré nada" in warning


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_the_page_titles_of_the_navigation_are_translated(language):
    from ui.pages import TITLES

    same_word = {("fr", "Index")}
    for title in TITLES.values():
        assert (language, title) in same_word or translate(title, language) != title, (language, title)


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("fr-FR,fr;q=0.9,en-US;q=0.8,en;q=0.7", "fr"),
        ("de-DE,de;q=0.9,es;q=0.8", "es"),
        ("en-GB,ar;q=0.9", "en"),
        ("zh-CN", "zh"),
        ("pt-BR;q=0.5,ru;q=0.8", "ru"),
        ("ar;q=0", "en"),
        ("*", "en"),
        ("", "en"),
        (None, "en"),
        ("garbage;;q=x,,", "en"),
    ],
)
def test_the_default_language_comes_from_the_browsers_accept_language(header, language):
    assert language_from_header(header) == language


def test_the_browser_header_sets_the_first_runs_language(app_env, monkeypatch):
    import ui.language

    monkeypatch.setattr(ui.language, "_browser_header", lambda: "ru-RU,ru;q=0.9,en;q=0.5")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert at.session_state[LANGUAGE_KEY] == "ru"
    assert at.title[0].value == translate("Ask the ICGG documents", "ru")
