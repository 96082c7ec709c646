"""LocalIndex (FAISS + BM25 + SQLite generation) passes the SearchIndex contract, is safe to share
between threads, and exposes the live generation cheaply."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from index_contract import SearchIndexContract
from index_docs import write_small_corpus

from icgg.settings import Settings
from index.builder import ingest_paths
from index.generations import CURRENT_NAME, current_generation
from index.reader import open_index
from index.store import Filters


@pytest.fixture(scope="module")
def built(tmp_path_factory, embedder) -> Settings:
    root = tmp_path_factory.mktemp("local-index")
    docs = write_small_corpus(root / "docs")
    settings = Settings(_env_file=None, index_dir=root / "index", pdf_timeout_s=30)
    report = ingest_paths([docs], settings, embedder=embedder)
    assert report.generation is not None
    return settings


@pytest.fixture(scope="module")
def search_index(built, embedder):
    return open_index(built, embedder.model_name)


class TestLocalIndexContract(SearchIndexContract):
    pass


@pytest.fixture(scope="module")
def hnsw_index(built, embedder, tmp_path_factory):
    root = tmp_path_factory.mktemp("hnsw-index")
    shutil.copy(built.index_dir / "embedding_cache.sqlite", root / "embedding_cache.sqlite")
    settings = built.model_copy(update={"index_dir": root, "hnsw_threshold": 2})
    docs = Path(open_index(built).documents()[0].path).parent.parent
    ingest_paths([docs], settings, embedder=embedder)
    index = open_index(settings, embedder.model_name)
    assert index.manifest["dense_index"] == "hnsw"
    return index


class TestLocalIndexHNSWContract(SearchIndexContract):
    """The same contract when the dense side is an HNSW graph (filters must still return k hits)."""

    @pytest.fixture
    def search_index(self, hnsw_index):
        return hnsw_index


def test_concurrent_searches_from_threads_match_serial_results(search_index, embedder):
    queries = ["training course", "vanadium anomaly", "IGCP 259", "laboratory quality control"]
    vectors = embedder.embed(queries)
    mask = search_index.allowed_rows(Filters(date_from="2016-01-01"))

    def run(i: int):
        q = i % len(queries)
        return (
            search_index.dense_search(vectors[q], 3, mask),
            search_index.keyword_search(queries[q], 3),
            search_index.page_text(search_index.chunk(0).doc_id, 1),
        )

    serial = [run(i) for i in range(len(queries))]
    with ThreadPoolExecutor(max_workers=8) as pool:
        parallel = list(pool.map(run, range(64)))
    for i, result in enumerate(parallel):
        assert result == serial[i % len(queries)]


def test_current_generation_names_the_live_folder(built, search_index):
    assert current_generation(built.index_dir) == search_index.generation
    assert (built.index_dir / "generations" / search_index.generation / "manifest.json").is_file()


def test_current_generation_rejects_names_that_are_not_generations(tmp_path):
    (tmp_path / CURRENT_NAME).write_text("../../etc\n")
    assert current_generation(tmp_path) is None
    assert current_generation(tmp_path / "absent") is None


def test_number_and_code_tokens_match_literally(search_index):
    hits = search_index.keyword_search("IGCP 259", 3)
    assert hits
    assert "IGCP 259" in search_index.chunk(hits[0].row).text


def test_partial_dates_match_ranges_they_overlap(search_index):
    year = search_index.allowed_rows(Filters(date_from="2019", date_to="2019"))
    docs = {search_index.document(search_index.chunk(int(r)).doc_id).date for r in np.flatnonzero(year)}
    assert docs == {"2019-10-08"}
