"""The keyword side: analysis (what becomes a term) and Okapi BM25 scoring over a sparse matrix."""

from __future__ import annotations

import math

import numpy as np
import pytest

from icgg.settings import Settings
from index.bm25 import K1, B, BM25Index, tokenize
from index.publish import GenerationContent, publish
from index.reader import open_index
from index.sqlite_store import PageRow
from index.store import ChunkRecord, DocumentRecord


def test_tokenize_keeps_numbers_and_codes_and_stems_words():
    tokens = tokenize("The IGCP-259 project mapped 76 elements over 5000 km2 of geochemical baselines.")
    assert tokens == ["igcp", "259", "project", "map", "76", "element", "5000", "km2", "geochem", "baselin"]


def test_tokenize_normalises_unicode_compatibility_forms():
    assert tokenize("ＩＧＣＰ km² Ｎo.５") == ["igcp", "km2", "5"]


def test_tokenize_reads_thousands_separators_as_one_number():
    assert tokenize("5,000 samples over 1,000,000 km2") == ["5000", "sampl", "1000000", "km2"]
    assert tokenize("about 5000 samples") == ["5000", "sampl"]


def test_tokenize_keeps_lists_and_years_apart():
    assert tokenize("1,2,3 and 2016,2017 and 12,34") == ["1", "2", "3", "2016", "2017", "12", "34"]


def test_a_generation_analysed_by_an_older_release_gets_its_keyword_index_rebuilt(tmp_path, caplog):
    text = "The pilot proposed about 5,000 composite samples for the land surface."
    doc = DocumentRecord("d1", "news/d1.md", "h", "news", "Pilot", "2020-01-01", "src", None, "en", 1, 1)
    chunk = ChunkRecord(0, "d1:0", "d1", 0, text, "", 1, 1, None, 0, len(text))
    old = BM25Index.build([f"Pilot\n\n{text}".replace("5,000", "5 000")])  # "5" and "000", as before
    old.params.pop("analyzer")  # written before the analysis had a name
    vector = np.ones((1, 4), np.float32) / 2.0
    content = GenerationContent(
        documents=[doc],
        extras={"d1": {}},
        pages=[PageRow("d1", 1, None, text)],
        chunks=[chunk],
        vectors=vector,
        bm25=old,
        model_name="m",
        dimension=4,
        chunking={},
    )
    publish(tmp_path, content, parent=None, hnsw_threshold=1000)

    with caplog.at_level("WARNING", logger="index.reader"):
        index = open_index(Settings(_env_file=None, index_dir=tmp_path), expected_model="m")
    assert "rebuilding it in memory" in caplog.text
    assert [h.row for h in index.keyword_search("5000", k=1)] == [0]  # the old terms had no "5000"


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
