"""About: what the assistant is, what it has read, how it answers, and where it stops."""

from __future__ import annotations

import logging

import streamlit as st

from ui.pages.no_index import render_no_index
from ui.render import md_escape_inline, pretty_type
from ui.resources import app_settings, current_assistant

log = logging.getLogger(__name__)


def render() -> None:
    st.title("About this assistant")
    st.markdown(
        "The **ICGG knowledge assistant** answers questions about the UNESCO International Centre on "
        "Global-Scale Geochemistry (ICGG), hosted by the Institute of Geophysical and Geochemical "
        "Exploration (IGGE) in Langfang, China, from the centre's own reports and news items."
    )
    assistant = current_assistant()
    st.subheader("What it has read")
    if assistant is None:
        render_no_index()
    else:
        _corpus(assistant)
    st.subheader("How answers are made")
    st.markdown(
        "1. **Retrieval.** Your question is matched against every passage of every document in two ways: "
        "by meaning (a sentence-embedding model, all-MiniLM-L6-v2, running on this server) and by words "
        "(BM25 keyword ranking). The two rankings are fused, and a document contributes at most a couple "
        "of passages, so one long report cannot crowd out the rest.\n"
        "2. **Answer.** The answer is *extractive*: it is made of sentences quoted word for word from the "
        "retrieved passages, each followed by a numbered source. Open a source to see the passage with the "
        "quoted sentence highlighted, the PDF at that page, or the whole news item.\n"
        "3. **Abstention.** When no passage is close enough to the question, the assistant says the "
        "documents do not answer it, says in plain words why, and shows the nearest passages instead of "
        "guessing.\n"
        '4. **Follow-ups.** A short follow-up ("and when was that?") is read together with the previous '
        "question."
    )
    st.subheader("Limits")
    st.markdown(
        "- It knows only the documents listed above; anything else, including recent events, is outside "
        "its reach.\n"
        "- Quoted sentences are exact, but a quote can lose nuance out of context: check the source card.\n"
        "- It does not compute, compare across many documents or summarise a whole report; use **Search** "
        "to browse by year and type.\n"
        "- It does not learn from your questions: nothing you type trains a model."
    )
    st.subheader("Your questions")
    st.markdown(_privacy_text())


def _privacy_text() -> str:
    """Where the conversation and the question log live, as the settings say."""
    settings = app_settings()
    text = (
        "Your conversation is kept in this app's server memory for as long as your browser tab stays open "
        "(it is tied to the tab's connection, not stored in your browser), and is gone when you close or "
        "reload the tab or press **Clear conversation**."
    )
    if settings.log_questions:
        text += (
            f" Separately, each question, the answer or refusal and your optional thumbs and comment are "
            f"kept on the server for {settings.feedback_retention_days} days, so the ICGG staff can see what "
            "the documents do not answer. Only the text you type is stored: no name, address, browser or "
            "session, so your questions cannot even be linked to each other."
        )
    return text


def _corpus(assistant) -> None:
    try:
        stats = assistant.stats()
    except Exception:
        log.exception("index statistics unavailable")
        st.caption("Statistics are unavailable right now.")
        return
    cols = st.columns(3)
    cols[0].metric("Documents", stats.get("documents", 0))
    cols[1].metric("Pages", stats.get("pages", 0))
    cols[2].metric("Passages", stats.get("chunks", 0))
    by_type = stats.get("by_type") or {}
    years = sorted(y for y in (stats.get("by_year") or {}) if str(y).isdigit())
    kinds = ", ".join(f"{n} {pretty_type(t).lower()}{'' if n == 1 else 's'}" for t, n in by_type.items())
    span = f" from {years[0]} to {years[-1]}" if years else ""
    st.markdown(
        md_escape_inline(f"The collection holds {kinds}{span}.")
        + " Reports are PDF documents (plans, programme reports, methods, brochures); news items are the "
        "centre's announcements of visits, training courses, cooperation and governance meetings."
    )
    st.caption(
        md_escape_inline(f"Index generation {stats.get('generation')}, built {stats.get('created_at')}.")
    )
