"""Source cards and document views shared by the Ask and Search pages.

A citation card names its source (title, date, type, page), shows the quoted sentence highlighted inside
its paragraph, and leads on: the PDF opens at the page (asking the viewer to find the sentence), or the
page / news item opens in full inside the app. Each card carries an anchor the answer's ``[n]`` links
to; the anchor and the highlight of a followed link are the only HTML this app writes (:func:`anchor`,
:func:`page_style`), and they never hold document text. All document text goes through
:mod:`ui.render`'s escaping; nothing here uses ``unsafe_allow_html``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import streamlit as st

from ui import served_files
from ui.language import _
from ui.render import (
    find_quote,
    highlight_quote,
    md_escape_inline,
    page_ref,
    paragraph_around,
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

ANCHOR_CLASS = "icgg-anchor"
CARD_KEY_PREFIX = "card-"
# Our own CSS, no document text: an anchor sits below the sticky header when followed, and the card
# holding the followed anchor is outlined, so a reader who clicked [n] sees which card it is.
_STYLE = f"""<style>
.{ANCHOR_CLASS} {{ display: block; scroll-margin-top: 4.5rem; }}
div[class*="st-key-{CARD_KEY_PREFIX}"]:has(.{ANCHOR_CLASS}:target) {{
  outline: 3px solid #0b6e8a; outline-offset: 2px; background: rgba(11, 110, 138, 0.07);
}}
</style>"""
_SAFE_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,80}$")


def page_style() -> None:
    """The CSS of citation anchors (once per page run)."""
    st.html(_STYLE)


def anchor(anchor_id: str) -> None:
    """An empty element with ``id=anchor_id`` that ``#anchor_id`` links scroll to."""
    if not _SAFE_ID.match(anchor_id):
        raise ValueError(f"unsafe anchor id {anchor_id!r}")
    st.html(f'<span id="{anchor_id}" class="{ANCHOR_CLASS}"></span>')


def citation_anchor(key: str, n: int) -> str:
    """The anchor id of citation ``n`` of the answer rendered under ``key``."""
    return f"cite-{key}-{n}"


def is_pdf(doc: DocumentRecord) -> bool:
    return doc.path.lower().endswith(".pdf")


def pdf_link(doc: DocumentRecord, page: int, quote: str = "") -> str | None:
    """Markdown link opening the PDF at ``page`` in the browser's viewer, if static serving is on."""
    if not is_pdf(doc) or not st.get_option("server.enableStaticServing"):
        return None
    url = served_files.pdf_page_url(
        doc.doc_id, doc.content_hash, doc.path, page, app_settings(), find=quote or None
    )
    if not url:
        return None
    return "[" + _("Open the PDF at page {page}").format(page=page) + f" ↗]({url})"


def find_hint(quote: str) -> str:
    """Escaped caption telling how to find the cited sentence in the PDF."""
    words = quote.split()
    start = " ".join(words[: served_files.FIND_WORDS]) + (
        " …" if len(words) > served_files.FIND_WORDS else ""
    )
    return _("In the PDF, search (Ctrl+F) for: “{words}”").format(words=md_escape_inline(start))


def _page_or_passage(assistant: Assistant, doc_id: str, page: int, passage: Passage | None) -> str:
    try:
        return assistant.page_text(doc_id, page)
    except (KeyError, IndexError, ValueError):
        return passage.chunk.text if passage else ""


def document_actions(doc: DocumentRecord, page: int, quote: str, key: str) -> None:
    """The links/buttons under a passage: open the PDF at the page, or read the news item / page in full."""
    link = pdf_link(doc, page, quote)
    cols = st.columns([1, 1]) if link else [st.container()]
    if link:
        cols[0].markdown(link)
    target = cols[-1]
    if is_pdf(doc):
        if target.button(
            _("Read page {page} here").format(page=page), key=f"{key}-page", icon=":material/article:"
        ):
            show_page(doc.doc_id, page, quote)
    elif target.button(_("Read the whole item"), key=f"{key}-item", icon=":material/newspaper:"):
        show_document(doc.doc_id, quote)
    if link and quote:
        st.caption(find_hint(quote))


def citation_cards(answer: Answer, assistant: Assistant, key: str) -> None:
    """One card per citation, numbered like the [n] markers in the answer and anchored for them."""
    by_rank = {p.rank: p for p in answer.passages}
    for c in answer.citations:
        passage = by_rank.get(c.passage_rank)
        anchor_id = citation_anchor(key, c.n)
        with st.container(border=True, key=f"{CARD_KEY_PREFIX}{anchor_id}"):
            anchor(anchor_id)
            where = page_ref(c.page, c.page_label)
            st.markdown(f"**\\[{c.n}\\]** " + source_line(c.title, c.date, pretty_type(c.doc_type), where))
            text = _page_or_passage(assistant, c.doc_id, c.page, passage)
            st.markdown(highlight_quote(paragraph_around(text, find_quote(text, c.quote)), c.quote))
            if c.from_scan:
                st.caption(scan_note(c.ocr_confidence))
            doc = passage.document if passage else _document(assistant, c.doc_id)
            if doc is not None:
                document_actions(doc, c.page, c.quote, key=f"{key}-c{c.n}")


def passage_card(passage: Passage, key: str, show_text: bool = True, numbered: bool = True,
                 chars: int = 700) -> None:  # fmt: skip
    """A search result or a nearest passage: source line, heading, passage text, the way to the document."""
    doc, chunk = passage.document, passage.chunk
    with st.container(border=True, key=f"passage-{key}"):
        st.markdown(
            (f"**{passage.rank}.** " if numbered else "")
            + source_line(
                doc.title, doc.date, pretty_type(doc.doc_type), page_ref(chunk.page_start, chunk.page_label)
            )
        )
        if chunk.heading:
            st.caption(md_escape_inline(chunk.heading))
        if show_text:
            shown = window_around(strip_heading_line(chunk.text, chunk.heading), None, chars)
            st.markdown(highlight_quote(shown, None))  # escaped; table rows drawn as a table
        if chunk.from_scan:
            st.caption(scan_note(chunk.ocr_confidence))
        document_actions(doc, chunk.page_start, "", key=key)


def nearest_passages(answer: Answer, limit: int = 3) -> list[Passage]:
    """The best passage of each of the first ``limit`` documents a refused question retrieved."""
    seen: dict[str, Passage] = {}
    for p in sorted(answer.passages, key=lambda p: p.rank):
        seen.setdefault(p.document.doc_id, p)
        if len(seen) >= limit:
            break
    return list(seen.values())


def strip_heading_line(text: str, heading: str) -> str:
    """The chunk text without a leading copy of its heading (shown separately as a caption)."""
    first, _sep, rest = text.lstrip().partition("\n")
    if heading and first.lstrip("# ").strip() == heading.strip() and rest.strip():
        return rest.lstrip()
    return text


def _document(assistant: Assistant, doc_id: str) -> DocumentRecord | None:
    try:
        return assistant.document(doc_id)
    except KeyError:
        return None


def show_page(doc_id: str, page: int, quote: str = "") -> None:
    """One page of a PDF inside the app, cited sentence highlighted (works without static serving)."""
    st.dialog(_("Source page"), width="large")(_page_dialog)(doc_id, page, quote)


def _page_dialog(doc_id: str, page: int, quote: str = "") -> None:
    assistant = current_assistant()
    doc = _document(assistant, doc_id) if assistant else None
    if doc is None:
        st.warning(_("This document is no longer in the index."))
        return
    where = _("page {page} of {pages}").format(page=page, pages=doc.n_pages)
    st.markdown(source_line(doc.title, doc.date, pretty_type(doc.doc_type), where))
    ocr = assistant.index.page_ocr(doc_id, page) if hasattr(assistant.index, "page_ocr") else None
    if ocr is not None:
        st.caption(scan_note(ocr.confidence))
    st.markdown(highlight_quote(assistant.page_text(doc_id, page), quote))
    link = pdf_link(doc, page, quote)
    if link:
        st.markdown(link)
    else:
        data = served_files.read_pdf_bytes(doc.path, app_settings())
        if data:
            st.download_button(_("Download the PDF"), data, file_name=f"{doc_id}.pdf", mime="application/pdf")


def show_document(doc_id: str, quote: str = "") -> None:
    """A whole document (a news item) inside the app, cited sentence highlighted."""
    st.dialog(_("Document"), width="large")(_document_dialog)(doc_id, quote)


def _document_dialog(doc_id: str, quote: str = "") -> None:
    assistant = current_assistant()
    doc = _document(assistant, doc_id) if assistant else None
    if doc is None:
        st.warning(_("This document is no longer in the index."))
        return
    st.markdown(f"### {md_escape_inline(doc.title)}")
    st.caption(
        md_escape_inline(" · ".join(x for x in (doc.date, pretty_type(doc.doc_type), doc.category) if x))
    )
    for _page, _label, text in assistant.document_pages(doc_id):
        st.markdown(highlight_quote(text, quote))
    link = safe_link(doc.source, _("Original page") + " ↗")
    if link:
        st.markdown(link)
