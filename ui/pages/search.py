"""Search: for evaluators. Query with type/year filters and a retrieval mode; results as cards, a table,
a per-year timeline and a CSV export. An empty query browses the archive (``Assistant.browse``).

Only renders what ``bot`` returns; document text is escaped by :mod:`ui.render`.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from index.store import Filters
from ui.cards import passage_card
from ui.pages.no_index import render_no_index
from ui.render import csv_safe, md_escape_inline, page_ref, pretty_type
from ui.resources import current_assistant

MODES = {
    "hybrid": "Hybrid (meaning + keywords)",
    "dense": "Meaning only (dense)",
    "bm25": "Keywords only (BM25)",
}
SORTS = {"relevance": "Relevance", "date": "Newest first"}
CARDS_SHOWN = 20


def render() -> None:
    st.title("Search the archive")
    assistant = current_assistant()
    if assistant is None:
        render_no_index()
        return
    all_docs = assistant.browse()
    types = sorted({d.doc_type for d in all_docs})
    years = sorted({int(d.date[:4]) for d in all_docs if d.date and d.date[:4].isdigit()})

    query = st.text_input(
        "Search", key="search-query", placeholder="e.g. training course in Laos — leave empty to browse"
    )
    cols = st.columns([3, 3, 3, 2, 2])
    chosen_types = cols[0].multiselect(
        "Document type", types, key="search-types", format_func=pretty_type, placeholder="All types"
    )
    year_range = None
    if len(years) > 1:
        year_range = cols[1].slider("Years", years[0], years[-1], (years[0], years[-1]), key="search-years")
    mode = cols[2].selectbox("Retrieval", list(MODES), format_func=MODES.get, key="search-mode")
    sort = cols[3].selectbox("Sort", list(SORTS), format_func=SORTS.get, key="search-sort")
    k = cols[4].number_input("Results", min_value=5, max_value=50, value=10, step=5, key="search-k")

    filters = Filters(
        doc_types=frozenset(chosen_types) or None,
        date_from=f"{year_range[0]:04d}-01-01" if year_range and year_range[0] != years[0] else None,
        date_to=f"{year_range[1]:04d}-12-31" if year_range and year_range[1] != years[-1] else None,
    )
    if query.strip():
        _search(assistant, query.strip(), filters, mode, sort, k)
    else:
        _browse(assistant, filters)


def _search(assistant, query: str, filters: Filters, mode: str, sort: str, k: int) -> None:
    try:
        passages = assistant.search(query, k=k, filters=None if filters.is_empty() else filters, mode=mode)
    except ValueError as exc:
        st.error(md_escape_inline(str(exc)), icon=":material/error:")
        return
    if not passages:
        st.info("No passage matches this query with these filters.", icon=":material/search_off:")
        return
    if sort == "date":
        passages = sorted(passages, key=lambda p: p.document.date or "", reverse=True)
    rows = [
        {
            "Rank": p.rank,
            "Score": round(float(p.score), 4),
            "Title": p.document.title,
            "Date": p.document.date,
            "Type": pretty_type(p.document.doc_type),
            "Page": page_ref(p.chunk.page_start, p.chunk.page_label),
            "Heading": p.chunk.heading,
            "Passage": p.chunk.text,
            "Doc id": p.document.doc_id,
        }
        for p in passages
    ]
    docs = {p.document.doc_id: p.document for p in passages}
    st.caption(f"{len(passages)} passages from {len(docs)} documents · mode: {mode}")
    cards, table, timeline = st.tabs(["Passages", "Table", "Timeline"])
    with cards:
        for i, p in enumerate(passages[:CARDS_SHOWN]):
            passage_card(p, key=f"search-{i}")
    with table:
        _table_and_export(rows, "icgg-search.csv")
    with timeline:
        _timeline(docs.values())


def _browse(assistant, filters: Filters) -> None:
    # Without a query there is no relevance: the archive is listed newest first.
    docs = assistant.browse(None if filters.is_empty() else filters, sort="date")
    st.caption(f"Browsing the archive: {len(docs)} documents. Type a query to search passages.")
    if not docs:
        st.info("No document matches these filters.", icon=":material/search_off:")
        return
    rows = [
        {
            "Title": d.title,
            "Date": d.date,
            "Type": pretty_type(d.doc_type),
            "Category": d.category,
            "Pages": d.n_pages,
            "Passages": d.n_chunks,
            "Doc id": d.doc_id,
        }
        for d in docs
    ]
    table, timeline = st.tabs(["Documents", "Timeline"])
    with table:
        _table_and_export(rows, "icgg-documents.csv")
    with timeline:
        _timeline(docs)


def _table_and_export(rows: list[dict[str, Any]], file_name: str) -> None:
    frame = pd.DataFrame(rows)
    st.dataframe(frame, hide_index=True, width="stretch")
    export = frame.map(csv_safe).to_csv(index=False)
    st.download_button(
        "Download CSV",
        export,
        file_name=file_name,
        mime="text/csv",
        icon=":material/download:",
        key=file_name,
    )


def _timeline(docs) -> None:
    frame = pd.DataFrame(
        [{"Year": (d.date or "")[:4], "Type": pretty_type(d.doc_type)} for d in docs if d.date]
    )
    if frame.empty:
        st.caption("None of these documents is dated.")
        return
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("Year:O", title="Year"),
            y=alt.Y("count():Q", title="Documents"),
            color=alt.Color("Type:N", title="Type"),
            tooltip=["Year:O", "Type:N", alt.Tooltip("count():Q", title="Documents")],
        )
    )
    st.altair_chart(chart, width="stretch")
