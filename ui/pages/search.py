"""Search: for evaluators. Query with type/year filters and a retrieval mode; results as cards, a table,
a per-year timeline and a CSV export. An empty query browses the archive (``Assistant.browse``).

Relevance order shows the top k passages. The timeline and "newest first" cover every document that
contains all the search words (``Assistant.matching``), plus the top k, not only the cards shown.
Filters sit in a collapsed panel, so on a phone the first screen holds the query and the results.
Only renders what ``bot`` returns; document text is escaped by :mod:`ui.render`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from bot.csv_export import csv_bytes
from icgg.i18n import N_
from index.store import Filters
from ui.cards import passage_card
from ui.charts import timeline_chart, year_span
from ui.language import _
from ui.pages.no_index import render_no_index
from ui.render import md_escape_inline, page_ref, plain_text, pretty_type
from ui.resources import current_assistant

MODES = {
    "hybrid": N_("Hybrid (meaning + keywords)"),
    "dense": N_("Meaning only (dense)"),
    "bm25": N_("Keywords only (BM25)"),
}
SORTS = {"relevance": N_("Relevance"), "date": N_("Newest first")}
CARDS_SHOWN = 20
DEFAULT_K = 10


def render() -> None:
    st.title(_("Search the archive"))
    assistant = current_assistant()
    if assistant is None:
        render_no_index()
        return
    all_docs = assistant.browse()
    types = sorted({d.doc_type for d in all_docs})
    years = sorted({int(d.date[:4]) for d in all_docs if d.date and d.date[:4].isdigit()})

    query = st.text_input(
        _("Search"), key="search-query", placeholder=_("e.g. training course in Laos — leave empty to browse")
    )
    with st.expander(_filters_label(years), key="search-filters", icon=":material/tune:"):
        left, right = st.columns(2)
        chosen_types = left.multiselect(
            _("Document type"), types, key="search-types", format_func=pretty_type, placeholder=_("All types")
        )
        year_range = None
        if len(years) > 1:
            year_range = right.slider(
                _("Years"), years[0], years[-1], (years[0], years[-1]), key="search-years"
            )
        cols = st.columns(3)
        mode = cols[0].selectbox(
            _("Retrieval"), list(MODES), format_func=lambda m: _label(MODES, m), key="search-mode"
        )
        sort = cols[1].selectbox(
            _("Sort"), list(SORTS), format_func=lambda s: _label(SORTS, s), key="search-sort"
        )
        k = cols[2].number_input(
            _("Results"), min_value=5, max_value=50, value=DEFAULT_K, step=5, key="search-k"
        )

    filters = Filters(
        doc_types=frozenset(chosen_types) or None,
        date_from=f"{year_range[0]:04d}-01-01" if year_range and year_range[0] != years[0] else None,
        date_to=f"{year_range[1]:04d}-12-31" if year_range and year_range[1] != years[-1] else None,
    )
    span = year_span(year_range) if year_range else year_span(years)
    if query.strip():
        _search(assistant, query.strip(), filters, mode, sort, int(k), span)
    else:
        _browse(assistant, filters, span)


def _label(labels: dict[str, str], key: str) -> str:
    """The label of option ``key`` in the interface's language."""
    return _(labels[key])


def _filters_label(years: list[int]) -> str:
    """The panel's title, naming the filters in force (read from the widgets' state of the last run)."""
    state = st.session_state
    parts = [", ".join(pretty_type(t) for t in state.get("search-types") or [])]
    chosen = state.get("search-years")
    if chosen and years and tuple(chosen) != (years[0], years[-1]):
        parts.append(f"{chosen[0]}–{chosen[1]}")
    if state.get("search-sort") == "date":
        parts.append(_label(SORTS, "date").lower())
    if state.get("search-mode") not in (None, "hybrid"):
        parts.append(_label(MODES, state["search-mode"]).lower())
    shown = " · ".join(p for p in parts if p)
    label = _("Filters and sorting")
    return f"{label}: {md_escape_inline(shown)}" if shown else label


def _search(assistant, query: str, filters: Filters, mode: str, sort: str, k: int, span: list[int]) -> None:
    scoped = None if filters.is_empty() else filters
    try:
        ranked = assistant.search(query, k=k, filters=scoped, mode=mode)
        matching = assistant.matching(query, scoped)
    except ValueError as exc:
        st.error(md_escape_inline(str(exc)), icon=":material/error:")
        return
    if not ranked and not matching:
        st.info(_("No passage matches this query with these filters."), icon=":material/search_off:")
        return
    # Every document the search found: those holding all the words, and those the ranking put in the top k.
    found = {p.document.doc_id: p for p in matching}
    for p in ranked:
        found.setdefault(p.document.doc_id, p)
    if sort == "date":
        shown = _newest_first(list(found.values()))[:k]
        st.caption(
            _(
                "{found} documents contain every search word or rank in the top {k}; the {shown} newest are "
                "shown, newest first · mode: {mode}"
            ).format(found=len(found), k=k, shown=len(shown), mode=mode)
        )
    else:
        shown = ranked
        st.caption(
            _(
                "{passages} passages from {documents} documents · mode: {mode} · {matching} documents "
                "contain every search word"
            ).format(
                passages=len(ranked),
                documents=len({p.document.doc_id for p in ranked}),
                mode=mode,
                matching=len(matching),
            )
        )
    by_date = sort == "date"
    cards, table, timeline = st.tabs([_("Passages"), _("Table"), _("Timeline")])
    with cards:
        for i, p in enumerate(shown[:CARDS_SHOWN]):
            passage_card(p, key=f"search-{i}", numbered=not by_date)
    with table:
        _table_and_export([_passage_row(p, ranked=not by_date) for p in shown], "icgg-search.csv")
    with timeline:
        st.caption(
            _(
                "Documents per year: all {found} documents that contain every search word or rank in the top "
                "results, not only the cards shown."
            ).format(found=len(found))
        )
        _timeline([p.document for p in found.values()], span)


def _newest_first(passages: list) -> list:
    dated = sorted((p for p in passages if p.document.date), key=lambda p: p.document.date, reverse=True)
    return dated + [p for p in passages if not p.document.date]


def _passage_row(p, *, ranked: bool) -> dict[str, Any]:
    row: dict[str, Any] = {"Rank": p.rank, "Score": round(float(p.score), 4)} if ranked else {}
    row.update(
        {
            "Title": p.document.title,
            "Date": p.document.date,
            "Type": pretty_type(p.document.doc_type),
            "Page": page_ref(p.chunk.page_start, p.chunk.page_label),
            "Heading": p.chunk.heading,
            "Passage": plain_text(p.chunk.text),
            "Doc id": p.document.doc_id,
        }
    )
    return row


def _browse(assistant, filters: Filters, span: list[int]) -> None:
    # Without a query there is no relevance: the archive is listed newest first.
    docs = assistant.browse(None if filters.is_empty() else filters, sort="date")
    st.caption(
        _("Browsing the archive: {documents} documents. Type a query to search passages.").format(
            documents=len(docs)
        )
    )
    if not docs:
        st.info(_("No document matches these filters."), icon=":material/search_off:")
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
    table, timeline = st.tabs([_("Documents"), _("Timeline")])
    with table:
        _table_and_export(rows, "icgg-documents.csv")
    with timeline:
        _timeline(docs, span)


def _table_and_export(rows: list[dict[str, Any]], file_name: str) -> None:
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    st.download_button(
        _("Download CSV"),
        csv_bytes(rows),
        file_name=file_name,
        mime="text/csv",
        icon=":material/download:",
        key=file_name,
    )


def _timeline(docs, span: list[int]) -> None:
    chart = timeline_chart(docs, span)
    if chart is None:
        st.caption(_("None of these documents is dated."))
        return
    undated = sum(1 for d in docs if not d.date)
    if undated:
        st.caption(_("{undated} undated documents are not shown.").format(undated=undated))
    st.altair_chart(chart, width="stretch")
