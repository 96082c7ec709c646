"""The staff's retrieval test (Library tab): a question, the passages the assistant read in the order the
reader ranked them, with their dense, BM25 and fused retrieval scores and the reader's score (its
calibrated probability for the passage's best sentence, ``Passage.reader_score``), which of them the
answer quoted, and why it answered or refused. It calls the same ``Assistant.ask`` as the Ask page and
stores nothing in the question log.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from bot.refusal import CATEGORY_LABELS
from icgg.settings import Settings
from ui.render import md_escape, md_escape_inline, page_ref, plain_text, window_around

READER_COLUMN = "Reader (probability)"
PASSAGE_CHARS = 300


def score_column(mode: str) -> str:
    """What ``Passage.score`` is in ``mode``: the fused RRF score, or the one ranking's own score."""
    return {"hybrid": "Fused (RRF)", "dense": "Dense (ranking)", "bm25": "BM25 (ranking)"}.get(mode, "Score")


def passage_rows(answer, mode: str) -> list[dict[str, Any]]:
    """One row per passage, in the order the answer reads them (the reader's order fused with retrieval's;
    passages beyond the reader's depth follow in retrieval order with no reader score). ``Rank`` is the
    retrieval rank."""
    quoted: dict[int, list[str]] = {}
    for c in answer.citations:
        quoted.setdefault(c.passage_rank, []).append(f"[{c.n}]")
    rows = []
    for p in answer.passages:
        row: dict[str, Any] = {
            "Rank": p.rank,
            "Quoted": " ".join(quoted.get(p.rank, [])),
            READER_COLUMN: _round(p.reader_score),
            score_column(mode): _round(p.score),
            "Dense (cosine)": _round(p.dense_score),
            "BM25": _round(p.bm25_score),
        }
        row.update(
            {
                "Title": p.document.title,
                "Date": p.document.date,
                "Page": page_ref(p.chunk.page_start, p.chunk.page_label),
                "Heading": p.chunk.heading,
                "Passage": window_around(plain_text(p.chunk.text), None, PASSAGE_CHARS),
            }
        )
        rows.append(row)
    return rows


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 4)


def verdict(answer) -> tuple[str, str]:
    """("answered" | "refused", escaped Markdown saying why) for the top of the test's result."""
    if not answer.abstained:
        quoted = sorted({c.passage_rank for c in answer.citations})
        ranks = ", ".join(str(r) for r in quoted)
        return "answered", f"**Answered**, quoting passage{'s' if len(quoted) != 1 else ''} {ranks}."
    label = CATEGORY_LABELS.get(answer.reason_category or "", answer.reason_category or "unknown")
    return "refused", (
        f"**Refused: {md_escape_inline(label)}.** {md_escape(answer.refusal or '')}\n\n"
        f"Technical reason: {md_escape_inline(answer.abstain_reason or 'none given')}"
    )


def settings_line(settings: Settings) -> str:
    """The retrieval settings the result depends on, for the caption."""
    return (
        f"Mode {settings.retrieval_mode} · passages retrieved "
        f"{max(settings.top_k, settings.answer_passages, settings.reader_depth)} · read by the reader "
        f"{settings.reader_depth} · quoted from the first {settings.answer_passages} · "
        f"RRF k {settings.rrf_k} · weights dense {settings.dense_weight:g} / BM25 {settings.bm25_weight:g} / "
        f"exact match {settings.exact_match_weight:g} · at most {settings.max_passages_per_doc} passages per "
        "document"
    )


def render_retrieval_test(assistant, settings: Settings) -> None:
    st.subheader("Retrieval test")
    st.caption(
        "Type a question to see the passages the assistant reads, their scores, and why it answers or "
        "refuses. Nothing typed here is stored."
    )
    if assistant is None:
        st.info("There is no index to test yet.", icon=":material/info:")
        return
    with st.form("library-retrieval"):
        question = st.text_input("Question", key="library-retrieval-question")
        go = st.form_submit_button("Test retrieval", icon=":material/troubleshoot:")
    if not go or not question.strip():
        return
    try:
        answer = assistant.ask(question.strip())
    except ValueError as exc:
        st.error(md_escape_inline(str(exc)), icon=":material/error:")
        return
    kind, why = verdict(answer)
    (st.success if kind == "answered" else st.warning)(why)
    if not answer.abstained:
        st.markdown(md_escape(answer.text))
    _passage_table(passage_rows(answer, settings.retrieval_mode))
    st.caption(md_escape_inline(settings_line(settings) + f" · generation {answer.generation}"))


def _passage_table(rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        st.info("No passage was retrieved.", icon=":material/search_off:")
        return
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
