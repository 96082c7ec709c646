"""Source cards and document views shared by the Ask and Search pages.

A card names its source (title, date, type, page) and expands to the passage with the cited sentence
highlighted; from there the PDF opens at the page, or a news item opens in full inside the app. All
document text goes through :mod:`ui.render`'s escaping; nothing here uses ``unsafe_allow_html``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import streamlit as st

from ui import served_files
from ui.render import (
    bullet_list,
    find_quote,
    highlight_quote,
    md_escape_inline,
    page_ref,
    pretty_type,
    safe_link,
    scan_note,
    source_line,
    window_around,
)
from ui.resources import app_settings, current_assistant

if TYPE_CHECKING:
    from bot.api import Assistant
    from bot.types import Answer, Passage
    from index.store import DocumentRecord


def is_pdf(doc: DocumentRecord) -> bool:
    return doc.path.lower().endswith(".pdf")


def pdf_link(doc: DocumentRecord, page: int) -> str | None:
    """Markdown link opening the PDF at ``page`` in the browser's viewer, if static serving is on."""
    if not is_pdf(doc) or not st.get_option("server.enableStaticServing"):
        return None
    url = served_files.pdf_page_url(doc.doc_id, doc.content_hash, doc.path, page, app_settings())
    return f"[Open the PDF at page {page} ↗]({url})" if url else None


def _excerpt(assistant: Assistant, doc_id: str, page: int, quote: str, passage: Passage | None) -> str:
    """The text to show under a card: the retrieved passage if it holds the quote, else the page around it."""
    if passage is not None and (not quote or find_quote(passage.chunk.text, quote)):
        return passage.chunk.text
    try:
        text = assistant.page_text(doc_id, page)
    except (KeyError, IndexError, ValueError):
        return passage.chunk.text if passage else ""
    return window_around(text, find_quote(text, quote))


def document_actions(doc: DocumentRecord, page: int, quote: str, key: str) -> None:
    """The links/buttons under a passage: open the PDF at the page, or read the news item / page in full."""
    link = pdf_link(doc, page)
    cols = st.columns([1, 1]) if link else [st.container()]
    if link:
        cols[0].markdown(link)
    target = cols[-1]
    if is_pdf(doc):
        if target.button(f"Read page {page} here", key=f"{key}-page", icon=":material/article:"):
            show_page(doc.doc_id, page, quote)
    elif target.button("Read the whole item", key=f"{key}-item", icon=":material/newspaper:"):
        show_document(doc.doc_id, quote)


def citation_cards(answer: Answer, assistant: Assistant, key: str) -> None:
    """One expandable card per citation, numbered like the [n] markers in the answer."""
    by_rank = {p.rank: p for p in answer.passages}
    for c in answer.citations:
        passage = by_rank.get(c.passage_rank)
        where = page_ref(c.page, c.page_label)
        label = f"**\\[{c.n}\\]** " + source_line(c.title, c.date, pretty_type(c.doc_type), where)
        with st.expander(label):
            st.markdown(highlight_quote(_excerpt(assistant, c.doc_id, c.page, c.quote, passage), c.quote))
            if c.from_scan:
                st.caption(scan_note(c.ocr_confidence))
            doc = passage.document if passage else _document(assistant, c.doc_id)
            if doc is not None:
                document_actions(doc, c.page, c.quote, key=f"{key}-c{c.n}")


def passage_card(passage: Passage, key: str, show_text: bool = True) -> None:
    """A search result: source line, heading, passage text, and the way to the full document."""
    doc, chunk = passage.document, passage.chunk
    with st.container(border=True):
        st.markdown(
            f"**{passage.rank}.** "
            + source_line(
                doc.title, doc.date, pretty_type(doc.doc_type), page_ref(chunk.page_start, chunk.page_label)
            )
        )
        if chunk.heading:
            st.caption(md_escape_inline(chunk.heading))
        if show_text:
            shown = window_around(strip_heading_line(chunk.text, chunk.heading), None, 700)
            st.markdown(highlight_quote(shown, None))  # escaped; table rows drawn as a table
        if chunk.from_scan:
            st.caption(scan_note(chunk.ocr_confidence))
        document_actions(doc, chunk.page_start, "", key=key)


def strip_heading_line(text: str, heading: str) -> str:
    """The chunk text without a leading copy of its heading (shown separately as a caption)."""
    first, _, rest = text.lstrip().partition("\n")
    if heading and first.lstrip("# ").strip() == heading.strip() and rest.strip():
        return rest.lstrip()
    return text


def nearest_documents(docs: Sequence[DocumentRecord]) -> str:
    """Escaped bullet list of documents, for the abstention message."""
    return bullet_list(source_line(d.title, d.date, pretty_type(d.doc_type)) for d in docs)


def _document(assistant: Assistant, doc_id: str) -> DocumentRecord | None:
    try:
        return assistant.document(doc_id)
    except KeyError:
        return None


@st.dialog("Source page", width="large")
def show_page(doc_id: str, page: int, quote: str = "") -> None:
    """One page of a PDF inside the app, cited sentence highlighted (works without static serving)."""
    assistant = current_assistant()
    doc = _document(assistant, doc_id) if assistant else None
    if doc is None:
        st.warning("This document is no longer in the index.")
        return
    st.markdown(source_line(doc.title, doc.date, pretty_type(doc.doc_type), f"page {page} of {doc.n_pages}"))
    ocr = assistant.index.page_ocr(doc_id, page) if hasattr(assistant.index, "page_ocr") else None
    if ocr is not None:
        st.caption(scan_note(ocr.confidence))
    st.markdown(highlight_quote(assistant.page_text(doc_id, page), quote))
    link = pdf_link(doc, page)
    if link:
        st.markdown(link)
    else:
        data = served_files.read_pdf_bytes(doc.path, app_settings())
        if data:
            st.download_button("Download the PDF", data, file_name=f"{doc_id}.pdf", mime="application/pdf")


@st.dialog("Document", width="large")
def show_document(doc_id: str, quote: str = "") -> None:
    """A whole document (a news item) inside the app, cited sentence highlighted."""
    assistant = current_assistant()
    doc = _document(assistant, doc_id) if assistant else None
    if doc is None:
        st.warning("This document is no longer in the index.")
        return
    st.markdown(f"### {md_escape_inline(doc.title)}")
    st.caption(
        md_escape_inline(" · ".join(x for x in (doc.date, pretty_type(doc.doc_type), doc.category) if x))
    )
    for _page, _label, text in assistant.document_pages(doc_id):
        st.markdown(highlight_quote(text, quote))
    link = safe_link(doc.source, "Original page ↗")
    if link:
        st.markdown(link)
