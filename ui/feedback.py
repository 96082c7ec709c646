"""Thumbs up/down with an optional comment under every answer, stored in the question log.

Readers rate what they saw; staff read it in the Library's "What users ask" view. Storing must never
cost a reader their answer: a failure to write the log is logged on the server and the page goes on.
"""

from __future__ import annotations

import logging
from typing import Any

import streamlit as st

from bot.feedback import MAX_COMMENT_CHARS, THUMBS_DOWN
from icgg.i18n import N_
from ui.language import _
from ui.resources import question_log

log = logging.getLogger(__name__)

COMMENT_HELP = N_("Read by the ICGG staff to improve the documents. Please do not include personal details.")
THANKS = N_("Thank you: the ICGG staff will read your comment.")


def record_question(answer) -> int | None:
    """Log an answered or refused question; its row id, or None when logging is off or failed."""
    store = question_log()
    if store is None:
        return None
    try:
        return store.record(answer)
    except Exception:
        log.exception("could not store the question in the question log")
        return None


def _store_rating(row_id: int, widget_key: str) -> None:
    store = question_log()
    if store is None:
        return
    try:
        store.rate(row_id, st.session_state.get(widget_key))
    except Exception:
        log.exception("could not store a rating")


def feedback_controls(message: dict[str, Any], key: str) -> None:
    """Thumbs for the answer in ``message`` (stored at once), then an optional comment."""
    row_id = message.get("log_id")
    if row_id is None:
        return
    widget_key = f"feedback-{key}"
    rating = st.feedback("thumbs", key=widget_key, on_change=_store_rating, args=(row_id, widget_key))
    if rating is None:
        return
    if message.get("comment_sent"):
        st.caption(_(THANKS))
        return
    label = (
        _("What is wrong or missing? (optional)")
        if rating == THUMBS_DOWN
        else _("Anything to add? (optional)")
    )
    with st.form(f"feedback-form-{key}", border=False, clear_on_submit=True):
        comment = st.text_input(
            label, key=f"feedback-comment-{key}", max_chars=MAX_COMMENT_CHARS, help=_(COMMENT_HELP)
        )
        sent = st.form_submit_button(_("Send comment"), icon=":material/send:")
    if sent and comment.strip():
        store = question_log()
        try:
            if store is not None:
                store.rate(row_id, rating, comment)
            message["comment_sent"] = True
            st.caption(_(THANKS))
        except Exception:
            log.exception("could not store a comment")
            st.error(_("Your comment could not be saved. Please try again later."), icon=":material/error:")
