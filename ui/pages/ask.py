"""Ask: the public chat. Questions go to ``Assistant.ask_stream``; answers stream in with source cards.

The conversation lives in this browser tab's server session (``st.session_state``); follow-ups pass it
as ``history``. Every answer's ``[n]`` links to its source card; a refusal says why in plain words and
shows the nearest passages. Each answer and refusal is stored in the question log with the reader's
thumbs (:mod:`ui.feedback`). All model and document text is escaped before rendering (:mod:`ui.render`).
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import streamlit as st

from bot.refusal import refusal_text, rephrase_hint
from icgg.i18n import N_
from ui.cards import citation_anchor, citation_cards, nearest_passages, page_style, passage_card
from ui.feedback import feedback_controls, record_question
from ui.language import _, current_language
from ui.pages.no_index import render_no_index
from ui.render import link_citations, md_escape, md_escape_inline
from ui.resources import app_settings, current_assistant

log = logging.getLogger(__name__)

# Starters per language: each is asked as written, in the reader's language (the reader and the
# multilingual ranking read all seven languages; quotes stay in the documents' English).
STARTER_QUESTIONS = (
    N_("When was the ICGG agreement signed and the centre inaugurated?"),
    N_("What were the goals of ICGG's first six-year plan?"),
    N_("What is the Mapping the Chemical Earth programme?"),
    N_("Which training courses has ICGG run for developing countries?"),
)
HISTORY_TURNS = 6  # earlier messages passed to the assistant for follow-up resolution
MESSAGES = "ask_messages"
NEAREST_SHOWN = 3


def render() -> None:
    st.title(_("Ask the ICGG documents"))
    assistant = current_assistant()
    if assistant is None:
        render_no_index()
        return
    page_style()
    messages: list[dict[str, Any]] = st.session_state.setdefault(MESSAGES, [])
    if messages and messages[-1]["role"] == "user":
        messages.pop()  # its run was interrupted by a newer question before the answer arrived

    if not messages:
        st.caption(
            _(
                "Answers quote the centre's reports and news items word for word, with numbered sources. "
                "If the documents do not say, the assistant tells you so."
            )
        )

    for message in messages:
        _render_message(message, assistant)

    starters = st.empty()
    question = st.chat_input(_("Ask a question about ICGG…"), key="ask-input")
    if not messages and not question:
        with starters.container():
            st.markdown("**" + _("Try one of these:") + "**")
            for j, text in enumerate(_(q) for q in STARTER_QUESTIONS):
                if st.button(text, key=f"starter-{j}", width="stretch"):
                    question = text
    if question:
        starters.empty()
        _answer(question.strip(), messages, assistant)
    if messages:  # below the last answer, so it appears as soon as there is something to clear
        st.button(
            _("Clear conversation"), icon=":material/delete_sweep:", on_click=messages.clear, key="ask-clear"
        )


def _render_message(message: dict[str, Any], assistant) -> None:
    with st.chat_message(message["role"]):
        answer = message.get("answer")
        if answer is None:
            st.markdown(md_escape(message["text"]))
            return
        _render_answer_body(answer, message["id"])
        _render_answer_extras(answer, assistant, message["id"])
        feedback_controls(message, message["id"])


def _render_answer_body(answer, key: str) -> None:
    if answer.abstained:
        language = refusal_language(answer)
        st.warning(
            "**" + _("Not in the documents.") + "** "
            + md_escape(refusal_text(answer.passages, answer.reason_category, language)),
            icon=":material/search_off:",
        )  # fmt: skip
        st.markdown(md_escape(rephrase_hint(answer.reason_category, language)))
    else:
        anchors = {c.n: citation_anchor(key, c.n) for c in answer.citations}
        st.markdown(link_citations(md_escape(answer.text), anchors))


def refusal_language(answer) -> str:
    """A refusal is worded in the question's language when it is not English (the reader wrote in it),
    else in the interface's language."""
    return answer.language if answer.language != "en" else current_language()


def _render_answer_extras(answer, assistant, key: str) -> None:
    if answer.notice:
        st.info(md_escape(answer.notice), icon=":material/info:")
    if answer.resolved_question:
        st.caption(_("Understood as:") + " " + md_escape(answer.resolved_question))
    if answer.abstained:
        nearest = nearest_passages(answer, NEAREST_SHOWN)
        if nearest:
            st.markdown("**" + _("The nearest passages") + "**")
            for i, passage in enumerate(nearest):
                passage_card(passage, key=f"{key}-near{i}", numbered=False, chars=320)
        if answer.abstain_reason:
            with st.expander(_("Technical detail")):
                st.caption(
                    md_escape_inline(
                        f"Reason: {answer.abstain_reason} · category: {answer.reason_category} · "
                        f"index generation: {answer.generation}"
                    )
                )
        return
    if answer.citations:
        st.markdown("**" + _("Sources") + "**")
        citation_cards(answer, assistant, key=key)


def _answer(question: str, messages: list[dict[str, Any]], assistant) -> None:
    settings = app_settings()
    with st.chat_message("user"):
        st.markdown(md_escape(question))
    try:
        question = assistant.validate_question(question)
    except ValueError as exc:
        with st.chat_message("assistant"):
            st.error(
                _(
                    "Your question could not be asked: {reason}. Please keep questions under {limit} "
                    "characters."
                ).format(reason=md_escape(str(exc)), limit=settings.max_question_chars),
                icon=":material/error:",
            )
        return
    history = [(m["role"], m["text"]) for m in messages][-HISTORY_TURNS:]
    messages.append({"role": "user", "text": question})
    final: dict[str, Any] = {}

    def deltas():
        for item in assistant.ask_stream(question, history=history):
            if isinstance(item, str):
                yield md_escape(item)
            else:
                final["answer"] = item

    with st.chat_message("assistant"):
        body = st.empty()
        try:
            with body.container():
                st.write_stream(deltas())
        except ValueError as exc:  # the assistant refuses malformed input with a readable message
            body.error(md_escape(str(exc)), icon=":material/error:")
            messages.pop()
            return
        except Exception:
            log.exception("answering failed")
            body.error(_("Something went wrong while answering. Please try again."), icon=":material/error:")
            messages.pop()
            return
        answer = final.get("answer")
        if answer is None:
            body.error(_("No answer came back. Please try again."), icon=":material/error:")
            messages.pop()
            return
        message = {
            "role": "assistant",
            "text": answer.text,
            "answer": answer,
            "id": uuid.uuid4().hex[:12],  # widget keys and card anchors: unique across cleared chats
            "log_id": record_question(answer),
        }
        with body.container():
            _render_answer_body(answer, message["id"])
        _render_answer_extras(answer, assistant, message["id"])
        feedback_controls(message, message["id"])
    messages.append(message)
