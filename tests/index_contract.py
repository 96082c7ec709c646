"""Contract tests for :class:`index.store.SearchIndex`, written once and inherited by every
implementation's test class.

A subclass provides two fixtures: ``search_index`` (a populated index with at least two document types,
one undated document and one document with several pages) and ``embedder`` (conftest's real model).
Expectations are derived from the index's own records, so any backend can be plugged in.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from index.store import Filters, MultilingualSearchIndex, SearchIndex


class SearchIndexContract:
    # --- records ---------------------------------------------------------------------------------------
    def test_implements_the_protocol(self, search_index):
        assert isinstance(search_index, SearchIndex)
        assert search_index.generation and search_index.model_name and search_index.dimension > 0

    def test_rows_are_numbered_densely_and_point_to_known_documents(self, search_index):
        ids = {d.doc_id for d in search_index.documents()}
        assert len(search_index) > 0
        for row in range(len(search_index)):
            chunk = search_index.chunk(row)
            assert chunk.row == row
            assert chunk.doc_id in ids
            assert 1 <= chunk.page_start <= chunk.page_end
        per_doc = {d.doc_id: d.n_chunks for d in search_index.documents()}
        assert sum(per_doc.values()) == len(search_index)

    def test_document_lookup_and_unknown_id(self, search_index):
        first = search_index.documents()[0]
        assert search_index.document(first.doc_id) == first
        with pytest.raises(KeyError):
            search_index.document("no-such-document")

    def test_page_text_round_trip_contains_each_chunk_start(self, search_index):
        for row in range(len(search_index)):
            chunk = search_index.chunk(row)
            page = search_index.page_text(chunk.doc_id, chunk.page_start)
            head = chunk.text.strip().split("\n")[0][:40]
            assert head in page, (row, head)
        with pytest.raises(KeyError):
            search_index.page_text(search_index.documents()[0].doc_id, 9999)

    # --- filters ---------------------------------------------------------------------------------------
    def test_no_filters_means_no_mask(self, search_index):
        assert search_index.allowed_rows(None) is None
        assert search_index.allowed_rows(Filters()) is None

    def test_doc_type_filter_returns_k_dense_hits_when_k_rows_exist(self, search_index, embedder):
        query = embedder.embed(["geochemistry"])[0]
        for doc_type in {d.doc_type for d in search_index.documents()}:
            mask = search_index.allowed_rows(Filters(doc_types=frozenset({doc_type})))
            n_allowed = int(mask.sum())
            assert n_allowed > 0
            hits = search_index.dense_search(query, n_allowed, mask)
            assert len(hits) == n_allowed
            assert all(mask[h.row] for h in hits)
            types = {search_index.document(search_index.chunk(h.row).doc_id).doc_type for h in hits}
            assert types == {doc_type}
            more = search_index.dense_search(query, n_allowed + 5, mask)
            assert len(more) == n_allowed

    def test_dense_hits_are_sorted_and_unfiltered_search_fills_k(self, search_index, embedder):
        query = embedder.embed(["sampling campaign"])[0]
        k = min(3, len(search_index))
        hits = search_index.dense_search(query, k)
        assert len(hits) == k
        scores = [h.score for h in hits]
        assert scores == sorted(scores, reverse=True)
        assert len({h.row for h in hits}) == k

    def test_date_filter_excludes_undated_documents(self, search_index):
        undated = {d.doc_id for d in search_index.documents() if not d.date}
        assert undated, "the contract needs one undated document"
        mask = search_index.allowed_rows(Filters(date_from="1900-01-01"))
        rows = np.flatnonzero(mask)
        assert not {search_index.chunk(int(r)).doc_id for r in rows} & undated
        assert len(rows) == sum(d.n_chunks for d in search_index.documents() if d.date)

    def test_date_range_is_inclusive_on_both_ends(self, search_index):
        dated = [d for d in search_index.documents() if d.date and len(d.date) == 10]
        target = dated[0]
        mask = search_index.allowed_rows(Filters(date_from=target.date, date_to=target.date))
        docs = {search_index.chunk(int(r)).doc_id for r in np.flatnonzero(mask)}
        assert target.doc_id in docs
        assert all(search_index.document(d).date == target.date for d in docs)

    def test_filter_that_matches_nothing_gives_no_hits(self, search_index, embedder):
        mask = search_index.allowed_rows(Filters(date_from="2999-01-01"))
        assert not mask.any()
        assert search_index.dense_search(embedder.embed(["anything"])[0], 5, mask) == []
        assert search_index.keyword_search("geochemistry", 5, mask) == []

    def test_doc_id_filter_restricts_dense_and_keyword_hits(self, search_index, embedder):
        doc = max(search_index.documents(), key=lambda d: d.n_chunks)
        mask = search_index.allowed_rows(Filters(doc_ids=frozenset({doc.doc_id})))
        assert int(mask.sum()) == doc.n_chunks
        dense = search_index.dense_search(embedder.embed(["report"])[0], 10, mask)
        assert len(dense) == doc.n_chunks
        assert {search_index.chunk(h.row).doc_id for h in dense} == {doc.doc_id}
        word = _longest_word(search_index.chunk(dense[0].row).text)
        keyword = search_index.keyword_search(word, 10, mask)
        assert keyword and all(search_index.chunk(h.row).doc_id == doc.doc_id for h in keyword)

    # --- keyword ---------------------------------------------------------------------------------------
    def test_keyword_search_finds_the_chunk_holding_a_rare_word(self, search_index):
        chunk = search_index.chunk(len(search_index) - 1)
        word = _longest_word(chunk.text)
        hits = search_index.keyword_search(word, 5)
        assert chunk.row in [h.row for h in hits]
        scores = [h.score for h in hits]
        assert scores == sorted(scores, reverse=True) and all(s > 0 for s in scores)

    def test_keyword_search_respects_the_mask(self, search_index):
        chunk = search_index.chunk(0)
        word = _longest_word(chunk.text)
        mask = np.ones(len(search_index), dtype=bool)
        mask[chunk.row] = False
        assert chunk.row not in [h.row for h in search_index.keyword_search(word, 50, mask)]


def _longest_word(text: str) -> str:
    return max(re.findall(r"[A-Za-z]{4,}", text), key=len)


class MultilingualIndexContract:
    """The multilingual (e5) side of an index, for implementations of
    :class:`index.store.MultilingualSearchIndex`.

    A subclass provides ``search_index`` (populated as above, with a multilingual side) and
    ``multilingual`` (conftest's real e5 embedder).
    """

    def test_declares_its_multilingual_model_and_dimension(self, search_index, multilingual):
        assert isinstance(search_index, MultilingualSearchIndex)
        assert search_index.multilingual_model_name == multilingual.model_name
        assert search_index.multilingual_dimension == multilingual.dimension

    def test_multilingual_hits_are_sorted_and_fill_k(self, search_index, multilingual):
        query = multilingual.embed_queries(["sampling campaign"])[0]
        k = min(3, len(search_index))
        hits = search_index.multilingual_search(query, k)
        assert len(hits) == k and len({h.row for h in hits}) == k
        scores = [h.score for h in hits]
        assert scores == sorted(scores, reverse=True)

    def test_multilingual_search_respects_filters_and_returns_every_allowed_row(
        self, search_index, multilingual
    ):
        query = multilingual.embed_queries(["géochimie"])[0]
        for doc_type in {d.doc_type for d in search_index.documents()}:
            mask = search_index.allowed_rows(Filters(doc_types=frozenset({doc_type})))
            n_allowed = int(mask.sum())
            hits = search_index.multilingual_search(query, n_allowed + 5, mask)
            assert len(hits) == n_allowed and all(mask[h.row] for h in hits)
        nothing = search_index.allowed_rows(Filters(date_from="2999-01-01"))
        assert search_index.multilingual_search(query, 5, nothing) == []

    def test_each_row_holds_the_e5_vector_of_its_own_chunk(self, search_index, multilingual):
        """Row i of the multilingual side is chunk i: the chunk's own text, asked as a question, finds it
        (first, or scored as high as the first)."""
        from ingest.documents import embedding_text

        for row in range(len(search_index)):
            chunk = search_index.chunk(row)
            title = search_index.document(chunk.doc_id).title
            query = multilingual.embed_queries([embedding_text(title, chunk.heading, chunk.text)])[0]
            hits = search_index.multilingual_search(query, len(search_index))
            mine = next(h.score for h in hits if h.row == row)
            assert mine >= hits[0].score - 1e-4, (row, hits[:3])

    def test_stored_sentence_vectors_are_e5_passage_vectors_of_the_exact_text(
        self, search_index, multilingual
    ):
        from index.builder import sentence_texts_of

        doc = max(search_index.documents(), key=lambda d: d.n_chunks)
        chunks = [search_index.chunk(r) for r in range(len(search_index))]
        chunks = [c for c in chunks if c.doc_id == doc.doc_id]
        pages = [(p, len(search_index.page_text(doc.doc_id, p))) for p in range(1, doc.n_pages + 1)]
        texts = sentence_texts_of(chunks, pages)[:6]
        stored = search_index.multilingual_sentence_vectors(texts)
        assert stored.keys() == set(texts)
        for text, vector in zip(texts, multilingual.embed(texts), strict=True):
            assert stored[text].shape == (multilingual.dimension,)
            assert float(stored[text] @ vector) > 0.999, text
        assert search_index.multilingual_sentence_vectors(["Nothing any document says, anywhere."]) == {}
