"""About: what the assistant is, what it has read, how it answers, and where it stops."""

from __future__ import annotations

import logging

import streamlit as st

from ui.language import _
from ui.pages.no_index import render_no_index
from ui.render import md_escape_inline, pretty_type
from ui.resources import app_settings, current_assistant

log = logging.getLogger(__name__)


def render() -> None:
    st.title(_("About this assistant"))
    st.markdown(
        _(
            "The **ICGG knowledge assistant** answers questions about the UNESCO International Centre on "
            "Global-Scale Geochemistry (ICGG), hosted by the Institute of Geophysical and Geochemical "
            "Exploration (IGGE) in Langfang, China, from the centre's own reports and news items."
        )
    )
    assistant = current_assistant()
    st.subheader(_("What it has read"))
    if assistant is None:
        render_no_index()
    else:
        _corpus(assistant)
    st.subheader(_("How answers are made"))
    st.markdown(
        _(
            "1. **Retrieval.** Your question is matched against every passage of every document by meaning "
            "(sentence-embedding models running on this server, one of which reads French, Spanish, "
            "Portuguese, Arabic, Russian and Chinese as well as English) and by words (BM25 keyword "
            "ranking). The rankings are fused, and a document contributes at most a couple of passages, so "
            "one long report cannot crowd out the rest.\n"
            "2. **Reading.** A small model trained for this collection reads every sentence of the best "
            "passages and judges how likely each is to state the answer.\n"
            "3. **Answer.** The answer is *extractive*: the sentences the reader chose, quoted word for word "
            "in the documents' English, each followed by a numbered source. Open a source to see the "
            "passage with the quoted sentence highlighted, the PDF at that page, or the whole news item.\n"
            "4. **Abstention.** When no sentence is likely enough to state the answer, the assistant says "
            "that the documents do not answer, says in plain words why, and shows the nearest passages "
            "instead of guessing.\n"
            '5. **Follow-ups.** A short follow-up ("and when was that?") is read together with the previous '
            "question."
        )
    )
    st.subheader(_("Limits"))
    st.markdown(
        _(
            "- It knows only the documents listed above; anything else, including recent events, is outside "
            "its reach.\n"
            "- Quoted sentences are exact, but a quote can lose nuance out of context: check the source "
            "card.\n"
            "- It does not compute, compare across many documents or summarise a whole report; use "
            "**Search** to browse by year and type.\n"
            "- The documents are in English: questions in other languages are answered with English quotes, "
            "and are refused more often than English ones.\n"
            "- It does not learn from your questions: nothing you type trains a model."
        )
    )
    st.subheader(_("Your questions"))
    st.markdown(_privacy_text())


def _privacy_text() -> str:
    """Where the conversation and the question log live, as the settings say."""
    settings = app_settings()
    text = _(
        "Your conversation is kept in this app's server memory for as long as your browser tab stays open "
        "(it is tied to the tab's connection, not stored in your browser), and is gone when you close or "
        "reload the tab or press **Clear conversation**."
    )
    if settings.log_questions:
        text += " " + _(
            "Separately, each question, the answer or refusal and your optional thumbs and comment are "
            "kept on the server for {days} days, so the ICGG staff can see what the documents do not "
            "answer. Only the text you type is stored: no name, address, browser or session, so your "
            "questions cannot even be linked to each other."
        ).format(days=settings.feedback_retention_days)
    return text


def _corpus(assistant) -> None:
    try:
        stats = assistant.stats()
    except Exception:
        log.exception("index statistics unavailable")
        st.caption(_("Statistics are unavailable right now."))
        return
    cols = st.columns(3)
    cols[0].metric(_("Documents"), stats.get("documents", 0))
    cols[1].metric(_("Pages"), stats.get("pages", 0))
    cols[2].metric(_("Passages"), stats.get("chunks", 0))
    by_type = stats.get("by_type") or {}
    years = sorted(y for y in (stats.get("by_year") or {}) if str(y).isdigit())
    kinds = ", ".join(f"{pretty_type(t)}: {n}" for t, n in by_type.items())
    held = _("The collection holds {kinds}.").format(kinds=kinds)
    if years:
        held = _("The collection holds {kinds}, from {first} to {last}.").format(
            kinds=kinds, first=years[0], last=years[-1]
        )
    st.markdown(
        md_escape_inline(held)
        + " "
        + _(
            "Reports are PDF documents (plans, programme reports, methods, brochures); news items are the "
            "centre's announcements of visits, training courses, cooperation and governance meetings."
        )
    )
    st.caption(
        md_escape_inline(
            _("Index generation {generation}, built {built}.").format(
                generation=stats.get("generation"), built=stats.get("created_at")
            )
        )
    )
