"""The interface's language: the app's own words in the reader's language, chosen in the sidebar.

The choice is remembered in the session (``st.session_state``); before one is made it comes from the
browser's ``Accept-Language`` header (``st.context.headers``), else English. Pages mark their fixed
strings with :func:`_` (extracted into the gettext catalogues by ``python -m icgg.i18n extract``); the
catalogues and the fallback to English live in :mod:`icgg.i18n`. Arabic pages are laid out right to
left by our own fixed CSS: no document text or model output ever goes into HTML here.
"""

from __future__ import annotations

import re

import streamlit as st

from icgg.i18n import LANGUAGES, N_, text_direction, translate

LANGUAGE_KEY = "ui-language"
# Each language named in itself, so a reader finds theirs whatever the interface's language is.
NATIVE_NAMES = {
    "en": "English",
    "fr": "Français",
    "es": "Español",
    "pt": "Português",
    "ar": "العربية",
    "ru": "Русский",
    "zh": "中文",
}
PICKER_LABEL = N_("Language")
_TAG = re.compile(r"^\s*([A-Za-z]{1,8})(?:[-_][A-Za-z0-9]{1,8})*\s*(?:;\s*q\s*=\s*([0-9.]+))?\s*$")

# Right to left for the whole page: the main column, the sidebar and the chat input. Fixed CSS only.
_RTL_STYLE = """<style>
.stMain, [data-testid="stSidebar"], [data-testid="stBottom"], [role="dialog"] {
  direction: rtl; text-align: right;
}
.stMain [data-testid="stMarkdownContainer"], [role="dialog"] [data-testid="stMarkdownContainer"] {
  text-align: start;
}
/* Each paragraph takes the direction of its own first letter: the documents' English quotes read left
   to right (their full stop stays at their end) inside the right-to-left page. */
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li {
  unicode-bidi: plaintext;
}
</style>"""


def language_from_header(accept_language: str | None) -> str:
    """The first of :data:`LANGUAGES` in an ``Accept-Language`` header by preference (q), else English."""
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate((accept_language or "").split(",")):
        m = _TAG.match(part)
        if not m:
            continue
        try:
            q = float(m.group(2)) if m.group(2) else 1.0
        except ValueError:
            continue
        primary = m.group(1).lower()
        if primary in LANGUAGES and q > 0:
            ranked.append((-q, i, primary))
    return min(ranked)[2] if ranked else "en"


def _browser_header() -> str | None:
    try:
        return st.context.headers.get("Accept-Language")
    except Exception:  # no browser behind this run (AppTest, bare script)
        return None


def current_language() -> str:
    """The session's interface language (set on first use from the browser, else English)."""
    state = st.session_state
    if state.get(LANGUAGE_KEY) not in LANGUAGES:
        state[LANGUAGE_KEY] = language_from_header(_browser_header())
    return state[LANGUAGE_KEY]


def _(msgid: str) -> str:
    """``msgid`` (English) in the session's interface language."""
    return translate(msgid, current_language())


def language_picker() -> str:
    """The sidebar's language picker; returns the language in force for this run."""
    current_language()  # seeds the widget's state from the browser before it is drawn
    st.sidebar.selectbox(
        translate(PICKER_LABEL, st.session_state[LANGUAGE_KEY]),
        LANGUAGES,
        format_func=NATIVE_NAMES.get,
        key=LANGUAGE_KEY,
    )
    language = current_language()
    if text_direction(language) == "rtl":
        st.html(_RTL_STYLE)
    return language
