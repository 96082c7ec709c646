"""Atomic publishing: injected faults at every step, torn files, mismatched manifests, the writer lock
and garbage collection. After every failure the index must load the previous or the new generation."""

from __future__ import annotations

import json
import logging
import shutil

import pytest
from index_docs import write_news, write_small_corpus

from icgg.settings import Settings
from index.builder import ingest_paths, remove_documents
from index.errors import IndexCorruptError, IndexLockedError, IndexMismatchError, IndexNotFoundError
from index.generations import TMP_PREFIX, current_generation, generations_dir, list_generations
from index.lock import writer_lock
from index.publish import FAULT_POINTS
from index.reader import open_index
from index.stats import index_stats


@pytest.fixture(scope="module")
def template(tmp_path_factory, embedder):
    """An index with two generations (the second adds one news item), built once."""
    root = tmp_path_factory.mktemp("publish-template")
    docs = write_small_corpus(root / "docs", pdf=False)
    settings = Settings(_env_file=None, index_dir=root / "index")
    ingest_paths([docs], settings, embedder=embedder)
    write_news(
        root / "more",
        "2023-03-01-extra.md",
        "Extra item",
        "2023-03-01",
        "science",
        "Cobalt and nickel were mapped across the Philippines.",
    )
    ingest_paths([root / "more"], settings, embedder=embedder)
    write_news(
        root / "next",
        "2024-02-02-next.md",
        "Next item",
        "2024-02-02",
        "training",
        "A workshop on lithium exploration geochemistry was held in Chile.",
    )
    return root


@pytest.fixture
def copy(template, tmp_path):
    """A private copy of the template index (its documents stay where the template wrote them)."""
    shutil.copytree(template / "index", tmp_path / "index")
    return Settings(_env_file=None, index_dir=tmp_path / "index"), template


def _doc_titles(settings) -> set[str]:
    return {d.title for d in open_index(settings).documents()}


@pytest.mark.parametrize("point", FAULT_POINTS)
def test_publish_interrupted_at_each_fault_point_leaves_a_loadable_index(point, copy, embedder, monkeypatch):
    settings, template = copy
    before = _doc_titles(settings)
    live_before = current_generation(settings.index_dir)
    monkeypatch.setenv("ICGG_FAULT_POINT", point)

    if point == "before-gc":  # the new generation is already live; cleanup failure is only a warning
        report = ingest_paths([template / "next"], settings, embedder=embedder)
        assert any("could not delete old generations" in w for w in report.warnings)
    else:
        with pytest.raises(OSError, match=f"injected fault at {point}"):
            ingest_paths([template / "next"], settings, embedder=embedder)

    published = point in ("after-current-replace", "before-gc")
    titles = _doc_titles(settings)
    assert titles == (before | {"Next item"} if published else before)
    assert (current_generation(settings.index_dir) != live_before) == published

    monkeypatch.delenv("ICGG_FAULT_POINT")
    report = ingest_paths([template / "next"], settings, embedder=embedder)
    assert _doc_titles(settings) == before | {"Next item"}
    assert report.generation is not None or report.message == "index unchanged"
    gens = generations_dir(settings.index_dir)
    assert not [p for p in gens.iterdir() if p.name.startswith(TMP_PREFIX)]
    assert not list(settings.index_dir.glob("CURRENT.tmp-*"))
    assert len(list_generations(settings.index_dir)) <= 2


@pytest.mark.parametrize("point", ["after-store", "before-current-replace"])
def test_removal_interrupted_by_a_fault_keeps_the_documents(point, copy, monkeypatch):
    settings, template = copy
    before = _doc_titles(settings)
    monkeypatch.setenv("ICGG_FAULT_POINT", point)
    with pytest.raises(OSError):
        remove_documents([str(template / "more")], settings)
    assert _doc_titles(settings) == before


def test_second_writer_is_refused_while_the_first_holds_the_lock(copy, embedder):
    settings, template = copy
    with writer_lock(settings.index_dir):
        with pytest.raises(IndexLockedError, match=r"another ingest is running \(pid \d+\)"):
            ingest_paths([template / "next"], settings, embedder=embedder)
        with pytest.raises(IndexLockedError):
            remove_documents(["anything"], settings)
        assert open_index(settings)  # readers never wait for the lock
    assert ingest_paths([template / "next"], settings, embedder=embedder).generation is not None


def test_truncated_vectors_of_newest_generation_fall_back_to_its_parent(copy, embedder, caplog):
    settings, template = copy
    newest = current_generation(settings.index_dir)
    parent = open_index(settings).parent
    vectors = generations_dir(settings.index_dir) / newest / "vectors.faiss"
    vectors.write_bytes(vectors.read_bytes()[:1000])

    with caplog.at_level(logging.WARNING, logger="index.reader"):
        index = open_index(settings, embedder.model_name)

    assert index.generation == parent and index.fallback_from == newest
    assert "Extra item" not in {d.title for d in index.documents()}
    assert "vectors.faiss" in caplog.text
    stats = index_stats(settings)
    assert stats["fallback_from"] == newest and "vectors.faiss" in stats["fallback_reason"]

    report = ingest_paths([template / "more"], settings, embedder=embedder)  # the next ingest repairs
    assert report.generation is not None
    repaired = open_index(settings)
    assert repaired.fallback_from is None and "Extra item" in {d.title for d in repaired.documents()}


def test_damaged_generation_without_a_usable_parent_fails_naming_the_file(copy):
    settings, _ = copy
    for name in list_generations(settings.index_dir):
        store = generations_dir(settings.index_dir) / name / "store.sqlite"
        data = bytearray(store.read_bytes())
        data[len(data) // 2] ^= 0xFF  # same size: only the checksum can tell
        store.write_bytes(bytes(data))
    with pytest.raises(IndexCorruptError, match=r"store\.sqlite does not match its sha256"):
        open_index(settings)


def test_index_built_with_another_model_is_refused_with_a_rebuild_hint(copy, embedder):
    settings, _ = copy
    with pytest.raises(IndexMismatchError) as err:
        open_index(settings, expected_model="multilingual-e5-small")
    message = str(err.value)
    assert f"index built with model {embedder.model_name} (dim 384)" in message
    assert "configured for multilingual-e5-small" in message and "icgg ingest --rebuild" in message


def test_manifest_dimension_that_disagrees_with_the_vectors_is_refused(copy):
    settings, _ = copy
    manifest = generations_dir(settings.index_dir) / current_generation(settings.index_dir) / "manifest.json"
    data = json.loads(manifest.read_text())
    data["dimension"] = 768
    manifest.write_text(json.dumps(data))
    with pytest.raises(IndexMismatchError, match="768"):
        open_index(settings)
    with pytest.raises(IndexMismatchError, match="dimension 768"):
        open_index(settings, expected_dimension=384)


def test_missing_index_raises_not_found_with_a_hint(tmp_path):
    with pytest.raises(IndexNotFoundError, match="icgg ingest corpus"):
        open_index(Settings(_env_file=None, index_dir=tmp_path / "nothing"))


def test_garbage_collection_keeps_only_current_and_its_parent(copy, embedder):
    settings, template = copy
    orphan = generations_dir(settings.index_dir) / f"{TMP_PREFIX}g-20000101T000000000000Z-dead00"
    orphan.mkdir()
    ingest_paths([template / "next"], settings, embedder=embedder)
    remove_documents([str(template / "next")], settings)

    live = open_index(settings)
    assert set(list_generations(settings.index_dir)) == {live.generation, live.parent}
    assert not orphan.exists()


def test_removing_every_document_publishes_an_empty_searchable_index(copy, embedder):
    settings, template = copy
    remove_documents([str(template / "docs"), str(template / "more")], settings)
    index = open_index(settings)
    assert len(index) == 0 and index.documents() == ()
    assert index.dense_search(embedder.embed(["x"])[0], 5) == []
    assert index.keyword_search("cobalt", 5) == []


def test_generations_without_current_are_not_an_index_and_the_next_ingest_replaces_them(copy, embedder):
    settings, template = copy
    (settings.index_dir / "CURRENT").unlink()
    with pytest.raises(IndexNotFoundError, match="CURRENT is missing"):
        open_index(settings)
    report = ingest_paths([template / "next"], settings, embedder=embedder)
    assert report.generation is not None and report.previous_generation is None
    assert list_generations(settings.index_dir) == [report.generation]
    assert {d.title for d in open_index(settings).documents()} == {"Next item"}
