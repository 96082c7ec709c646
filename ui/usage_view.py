"""The staff's "What users ask" view (Library tab): the question log as a content-gap report.

The most frequent refused questions say which documents to add; answers marked wrong, with the readers'
comments, say which answers to check; questions per week show use. Every table downloads as CSV (UTF-8
with BOM), like ``icgg feedback export``. Tables come from :mod:`bot.usage`; this module only renders.
"""

from __future__ import annotations

import logging

import pandas as pd
import streamlit as st

from bot.csv_export import csv_bytes
from bot.usage import all_questions, questions_per_week, refused_questions, wrong_answers
from icgg.settings import Settings
from ui.charts import weekly_chart
from ui.resources import question_log

log = logging.getLogger(__name__)

REFUSED_SHOWN = 50


def render_usage(settings: Settings) -> None:
    st.subheader("What users ask")
    store = question_log(settings)
    if store is None:
        st.info(
            "The question log is off (`ICGG_LOG_QUESTIONS=false`): questions are not stored.",
            icon=":material/info:",
        )
        return
    st.caption(
        f"Questions asked on the Ask page in the last {settings.feedback_retention_days} days, with the "
        "readers' thumbs and comments. Only the text typed is stored: no names, addresses or browsers."
    )
    try:
        store.prune()
        rows = store.rows()
    except Exception:
        log.exception("question log unreadable")
        st.warning("The question log cannot be read right now.", icon=":material/warning:")
        return
    if not rows:
        st.info("No questions have been asked yet.", icon=":material/info:")
        return
    refused, wrong = refused_questions(rows, REFUSED_SHOWN), wrong_answers(rows)
    cols = st.columns(4)
    cols[0].metric("Questions", len(rows))
    cols[1].metric("Refused", sum(r.abstained for r in rows))
    cols[2].metric("Marked helpful", sum(r.rating == 1 for r in rows))
    cols[3].metric("Marked wrong", len(wrong))

    st.markdown("**Most frequent refused questions**")
    st.caption("Questions the documents could not answer: each may name a document to add.")
    _table(refused, "icgg-refused-questions.csv", "No question was refused.")

    st.markdown("**Answers marked wrong**")
    _table(wrong, "icgg-answers-marked-wrong.csv", "No answer was marked wrong.")

    st.markdown("**Questions per week**")
    weeks = questions_per_week(rows)
    chart = weekly_chart(weeks)
    if chart is not None:
        st.altair_chart(chart, width="stretch")
    _table(weeks, "icgg-questions-per-week.csv", "")
    st.download_button(
        "Download every logged question (CSV)",
        csv_bytes(all_questions(rows)),
        file_name="icgg-questions.csv",
        mime="text/csv",
        icon=":material/download:",
        key="usage-all.csv",
    )


def _table(rows: list[dict], file_name: str, empty: str) -> None:
    if not rows:
        if empty:
            st.caption(empty)
        return
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    st.download_button(
        "Download CSV", csv_bytes(rows), file_name=file_name, mime="text/csv",
        icon=":material/download:", key=f"usage-{file_name}",
    )  # fmt: skip
