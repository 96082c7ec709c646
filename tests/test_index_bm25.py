"""The keyword side: analysis (what becomes a term) and Okapi BM25 scoring over a sparse matrix."""

from __future__ import annotations

import math

import numpy as np
import pytest

from index.bm25 import K1, B, BM25Index, tokenize


def test_tokenize_keeps_numbers_and_codes_and_stems_words():
    tokens = tokenize("The IGCP-259 project mapped 76 elements over 5000 km2 of geochemical baselines.")
    assert tokens == ["igcp", "259", "project", "map", "76", "element", "5000", "km2", "geochem", "baselin"]


def test_tokenize_normalises_unicode_compatibility_forms():
    assert tokenize("ＩＧＣＰ km² Ｎo.５") == ["igcp", "km2", "5"]


def test_tokenize_drops_stopwords_but_not_digits():
    assert tokenize("it is in the 1990s and of a 2") == ["1990s", "2"]


def test_scores_match_the_okapi_formula_with_lucene_idf():
    texts = ["cobalt nickel", "cobalt cobalt copper zinc", "zinc lead silver gold tin"]
    index = BM25Index.build(texts)
    lengths = np.array([2, 4, 5])
    avgdl = lengths.mean()
    n, df = 3, 2  # "cobalt" occurs in two documents

    def weight(tf, dl):
        idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
        return idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * dl / avgdl))

    scores = index.scores("cobalt")
    assert scores[0] == pytest.approx(weight(1, 2), rel=1e-5)
    assert scores[1] == pytest.approx(weight(2, 4), rel=1e-5)
    assert scores[2] == 0


def test_rare_terms_outrank_common_ones():
    texts = ["soil survey of china", "soil survey of laos", "soil survey with selenium"]
    hits = BM25Index.build(texts).search("soil selenium", 3)
    assert hits[0].row == 2


def test_search_returns_only_matching_allowed_rows_up_to_k():
    index = BM25Index.build([f"stream sediment sample {i}" for i in range(10)] + ["floodplain"])
    mask = np.zeros(11, dtype=bool)
    mask[[1, 3, 10]] = True
    hits = index.search("sediment", 5, mask)
    assert [h.row for h in hits] == [1, 3]  # equal scores: ties broken by row
    assert len(index.search("sediment", 4)) == 4
    assert index.search("granite", 5) == []
    assert index.search("sediment", 0) == []


def test_save_and_load_round_trip_without_pickle(tmp_path):
    index = BM25Index.build(["geochemical atlas of europe", "atlas of china 2008", "baselines"])
    index.save(tmp_path / "bm25.npz", tmp_path / "bm25_vocab.json")
    with np.load(tmp_path / "bm25.npz", allow_pickle=False) as npz:  # raises if anything is pickled
        assert "data" in npz.files
    loaded = BM25Index.load(tmp_path / "bm25.npz", tmp_path / "bm25_vocab.json")
    for query in ("atlas", "china 2008", "nothing"):
        assert np.array_equal(loaded.scores(query), index.scores(query))
    assert loaded.params == index.params


def test_empty_collection_searches_to_nothing(tmp_path):
    index = BM25Index.build([])
    assert index.search("anything", 5) == []
    index.save(tmp_path / "m.npz", tmp_path / "v.json")
    assert BM25Index.load(tmp_path / "m.npz", tmp_path / "v.json").n_docs == 0
