"""Sentence vectors computed at ingest: what a generation stores, how it is verified, what is carried."""

from __future__ import annotations

import json
import shutil
import sqlite3

import numpy as np
import pytest
from index_docs import CountingEmbedder, write_news

from icgg.settings import Settings
from index.builder import ingest_paths, sentence_texts_of
from index.errors import IndexCorruptError
from index.generations import MANIFEST_NAME, STORE_NAME, current_generation, generation_path, sha256_path
from index.reader import open_index
from tests.answer_docs import write_answer_corpus


def _all_sentence_texts(index) -> set[str]:
    texts: set[str] = set()
    for doc in index.documents():
        pages = [(p, len(text)) for p, _label, text in index.pages_of(doc.doc_id)]
        texts.update(sentence_texts_of(index.chunks_of(doc.doc_id), pages))
    return texts


@pytest.fixture(scope="module")
def built(tmp_path_factory, embedder):
    """(settings, report) of the answer corpus ingested once with MiniLM sentence vectors (an option,
    off by default since the reader reads e5's: tests/test_bot_sentence_vectors.py)."""
    root = tmp_path_factory.mktemp("sentence-vectors")
    settings = Settings(
        _env_file=None, index_dir=root / "index", pdf_timeout_s=30, index_sentence_vectors=True
    )
    report = ingest_paths([write_answer_corpus(root / "docs")], settings, embedder=embedder)
    assert report.totals["failed"] == 0
    return settings, report


@pytest.fixture
def private_copy(built, tmp_path):
    """Settings of a copy of the built index folder that a test may damage or change."""
    settings, _ = built
    shutil.copytree(settings.index_dir, tmp_path / "index")
    return settings.model_copy(update={"index_dir": tmp_path / "index"})


def _rewrite_manifest(settings: Settings, change) -> None:
    live = generation_path(settings.index_dir, current_generation(settings.index_dir))
    path = live / MANIFEST_NAME
    manifest = json.loads(path.read_text(encoding="utf-8"))
    change(manifest)
    store = live / STORE_NAME
    manifest["files"][STORE_NAME] = {"size": store.stat().st_size, "sha256": sha256_path(store)}
    path.write_text(json.dumps(manifest), encoding="utf-8")


def test_every_quotable_sentence_is_stored_once_and_counted_in_the_manifest(built, embedder):
    settings, report = built
    index = open_index(settings, embedder.model_name)
    texts = _all_sentence_texts(index)

    assert len(texts) > 10
    assert report.sentence_vectors == index.n_sentence_vectors == len(texts)
    assert index.manifest["counts"]["sentence_vectors"] == len(texts)
    assert index.manifest["sentence_vectors"] is True
    found = index.sentence_vectors(sorted(texts))
    assert found.keys() == texts
    laos = (
        "Fourteen geologists from Laos completed a three-week course on stream sediment sampling and "
        "sample preparation in Vientiane."
    )
    assert laos in found


def test_stored_vectors_are_the_model_embedding_of_the_exact_text(built, embedder):
    settings, _ = built
    index = open_index(settings, embedder.model_name)
    texts = sorted(_all_sentence_texts(index))[:12]
    stored = index.sentence_vectors(texts)
    live = embedder.embed(texts)
    for text, vector in zip(texts, live, strict=True):
        assert stored[text].dtype == np.float32 and stored[text].shape == (embedder.dimension,)
        assert float(stored[text] @ vector) > 0.9999, text
    assert index.sentence_vectors(["A sentence that no document holds, so nothing is stored."]) == {}


def test_a_sentence_across_a_page_break_is_stored_as_its_one_page_parts():
    from ingest.sentences import page_bounds, quotable_sentences

    # Pages joined by a blank line never share a sentence; with a one-character join they can.
    page1 = "Intro line here. The survey team sampled all rivers of the northern region and the"
    page2 = "Western hills were sampled in the following spring by a second team of geologists."
    text = page1 + " " + page2
    bounds = page_bounds([len(page1), len(page2)], 1)
    chunk_text = text[5:]  # the chunk starts 5 characters into the document: offsets are document offsets
    assert quotable_sentences(chunk_text, 5, bounds) == [page2]  # page 1's part ends no sentence
    assert quotable_sentences(chunk_text) == [text[text.index("The survey") :]]


def test_setting_off_writes_no_table_and_records_zero(tmp_path, embedder):
    settings = Settings(_env_file=None, index_dir=tmp_path / "index", index_sentence_vectors=False)
    report = ingest_paths([write_answer_corpus(tmp_path / "docs")], settings, embedder=embedder)

    index = open_index(settings, embedder.model_name)
    assert report.sentence_vectors == report.sentences_embedded == 0
    assert index.n_sentence_vectors == 0 and "sentence_vectors" not in index.manifest["counts"]
    assert index.manifest["sentence_vectors"] is False
    assert index.sentence_vectors(sorted(_all_sentence_texts(index))) == {}
    store = generation_path(settings.index_dir, index.generation) / STORE_NAME
    with sqlite3.connect(store) as con:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "sentence_vectors" not in tables and "chunks" in tables


def test_a_manifest_that_disagrees_with_the_stored_sentence_vectors_is_refused(private_copy):
    def undercount(manifest):
        manifest["counts"]["sentence_vectors"] -= 1

    _rewrite_manifest(private_copy, undercount)
    with pytest.raises(IndexCorruptError, match="sentence vector counts disagree"):
        open_index(private_copy)


def _make_pre_sentence_vector_generation(settings: Settings) -> None:
    """Turn the live generation into what a release before sentence vectors wrote: no table, no counts."""
    index = open_index(settings)
    store = generation_path(settings.index_dir, index.generation) / STORE_NAME
    with sqlite3.connect(store) as con:
        con.execute("DROP TABLE sentence_vectors")
    with sqlite3.connect(store) as con:
        con.execute("VACUUM")

    def strip(manifest):
        del manifest["counts"]["sentence_vectors"]
        del manifest["sentence_vectors"]

    _rewrite_manifest(settings, strip)


def test_a_generation_written_before_sentence_vectors_opens_and_answers_without_them(private_copy, embedder):
    from bot.api import Assistant

    _make_pre_sentence_vector_generation(private_copy)

    index = open_index(private_copy, embedder.model_name)
    assert index.n_sentence_vectors == 0
    assert index.sentence_vectors(sorted(_all_sentence_texts(index))) == {}
    answer = Assistant(private_copy, embedder, index).ask("When was the geochemistry centre inaugurated?")
    assert not answer.abstained and "12 May 2016" in answer.text  # its sentences were embedded live


def test_ingest_over_an_older_generation_adds_sentence_vectors_from_the_cache(private_copy, embedder):
    _make_pre_sentence_vector_generation(private_copy)
    docs = open_index(private_copy).documents()
    counting = CountingEmbedder(embedder)

    report = ingest_paths(sorted({d.path for d in docs}), private_copy, embedder=counting)

    assert report.generation is not None and report.totals["unchanged"] == len(docs)
    assert counting.calls == 0 and report.sentences_embedded == 0 and report.sentence_cache_hits > 0
    index = open_index(private_copy)
    assert index.n_sentence_vectors == len(_all_sentence_texts(index)) == report.sentence_vectors


def test_carried_documents_keep_their_vectors_and_only_new_sentences_are_embedded(
    private_copy, embedder, tmp_path
):
    before = open_index(private_copy)
    sentence = "A new geochemical atlas of Laos shows selenium deficiency in the northern provinces."
    write_news(
        tmp_path / "more", "2022-01-05-new-map.md", "New map of Laos", "2022-01-05", "science", sentence
    )
    counting = CountingEmbedder(embedder)

    report = ingest_paths([tmp_path / "more"], private_copy, embedder=counting)

    assert report.totals["added"] == 1 and len(report.files) == 1
    assert sentence in counting.texts and report.sentences_embedded == 1
    after = open_index(private_copy)
    carried = _all_sentence_texts(before)
    assert after.n_sentence_vectors == len(carried) + 1
    assert after.sentence_vectors(sorted(carried)).keys() == carried


def test_unchanged_reingest_embeds_no_sentence_either(private_copy, embedder):
    docs = sorted({d.path for d in open_index(private_copy).documents()})
    counting = CountingEmbedder(embedder)
    report = ingest_paths(docs, private_copy, embedder=counting)
    assert report.generation is None and counting.calls == 0
