"""Incremental ingest: what is read, what is embedded, what ends up in the published generation."""

from __future__ import annotations

import shutil

import pytest
from index_docs import NEWS, PDF_TITLE, CountingEmbedder, write_news, write_small_corpus

from icgg.settings import Settings
from index.builder import ingest_paths, remove_documents
from index.generations import current_generation
from index.reader import open_index
from ingest.files import doc_id_for


@pytest.fixture(scope="module")
def template(tmp_path_factory, embedder):
    """A small corpus ingested once; tests copy it so each starts from the same published index."""
    root = tmp_path_factory.mktemp("builder-template")
    docs = write_small_corpus(root / "docs")
    settings = Settings(_env_file=None, index_dir=root / "index", pdf_timeout_s=30)
    report = ingest_paths([docs], settings, embedder=embedder)
    assert report.totals["added"] == 5 and report.totals["failed"] == 0
    return root


@pytest.fixture
def workspace(template, tmp_path):
    """(settings, docs folder) of a private copy of the template; paths differ, so the copy's files get
    new doc ids and a fresh index is built from them (cheaply: the copied embedding cache has every text)."""
    shutil.copytree(template / "docs", tmp_path / "docs")
    (tmp_path / "index").mkdir()
    shutil.copy(template / "index" / "embedding_cache.sqlite", tmp_path / "index" / "embedding_cache.sqlite")
    settings = Settings(_env_file=None, index_dir=tmp_path / "index", pdf_timeout_s=30)
    return settings, tmp_path / "docs"


@pytest.fixture
def counting(embedder):
    return CountingEmbedder(embedder)


def _ingest(settings, docs, embedder, **kwargs):
    return ingest_paths([docs], settings, embedder=embedder, **kwargs)


def test_page_numbers_and_metadata_survive_into_chunk_records(template, embedder):
    settings = Settings(_env_file=None, index_dir=template / "index")
    index = open_index(settings, embedder.model_name)
    by_title = {d.title: d for d in index.documents()}

    report = by_title[PDF_TITLE]
    assert (report.doc_type, report.date, report.n_pages) == ("report", "2020-06-30", 2)
    vanadium = [c for c in index.chunks_of(report.doc_id) if "vanadium" in c.text]
    assert vanadium and vanadium[0].page_start == 2
    assert "vanadium anomaly near Baotou" in index.page_text(report.doc_id, 2)

    news = by_title["Thirty years since IGCP 259"]
    assert (news.doc_type, news.date, news.category, news.language) == ("news", "2021-09-16", "science", "en")
    assert news.source.startswith("https://www.globalgeochemistry.com/")
    assert news.doc_id == doc_id_for(news.path)
    chunk = index.chunks_of(news.doc_id)[0]
    assert chunk.page_start == chunk.page_end == 1
    assert chunk.chunk_id == f"{news.doc_id}:0"
    assert index.page_text(news.doc_id, 1)[chunk.char_start : chunk.char_end] == chunk.text


def test_reingest_of_unchanged_corpus_embeds_nothing(workspace, embedder, counting):
    settings, docs = workspace
    _ingest(settings, docs, embedder)
    live = current_generation(settings.index_dir)

    report = _ingest(settings, docs, counting)

    assert counting.calls == 0
    assert report.generation is None and report.message == "index unchanged"
    assert report.totals["unchanged"] == 5
    assert current_generation(settings.index_dir) == live
    assert report.timings["parse"] == 0.0


def test_first_ingest_into_empty_index_reuses_the_embedding_cache(workspace, counting):
    settings, docs = workspace
    report = _ingest(settings, docs, counting)
    assert report.totals["added"] == 5
    assert counting.calls == 0 and report.cache_hits == report.chunks > 0


def test_new_file_is_added_and_only_its_chunks_are_embedded(workspace, embedder, counting):
    settings, docs = workspace
    _ingest(settings, docs, embedder)
    write_news(
        docs / "news",
        "2022-01-05-new-map.md",
        "New map of Laos",
        "2022-01-05",
        "science",
        "A new geochemical atlas of Laos shows selenium deficiency in the northern provinces.",
    )

    report = _ingest(settings, docs, counting)

    assert report.totals == {**report.totals, "added": 1, "unchanged": 5}
    assert counting.texts and all("Laos" in t for t in counting.texts)
    index = open_index(settings)
    assert len(index.documents()) == 6
    assert index.keyword_search("selenium", 3)


def test_changed_file_replaces_its_old_chunks(workspace, embedder, counting):
    settings, docs = workspace
    _ingest(settings, docs, embedder)
    path = docs / "news" / "2019-10-08-cambodia-training.md"
    title, date, category, _body = NEWS[path.name]
    write_news(
        docs / "news",
        path.name,
        title,
        date,
        category,
        "Eight hydrogeologists from Mongolia completed a course on groundwater geochemistry.",
    )

    report = _ingest(settings, docs, counting)

    rows = {r.path: r for r in report.files}
    assert rows[str(path.resolve())].status == "updated"
    assert report.totals["unchanged"] == 4
    assert counting.calls == 1
    index = open_index(settings)
    doc = index.document(doc_id_for(path))
    texts = " ".join(c.text for c in index.chunks_of(doc.doc_id))
    assert "hydrogeologists" in texts and "Cambodia" not in texts
    assert index.keyword_search("Cambodia", 5) == []
    assert len(index) == sum(d.n_chunks for d in index.documents())


def test_vanished_file_is_reported_missing_and_kept_until_prune(workspace, embedder):
    settings, docs = workspace
    _ingest(settings, docs, embedder)
    gone = docs / "news" / "2016-05-12-centre-inaugurated.md"
    gone_id = doc_id_for(gone)
    gone.unlink()

    kept = _ingest(settings, docs, embedder)
    assert kept.totals["missing"] == 1 and kept.generation is None
    assert gone_id in {d.doc_id for d in open_index(settings).documents()}

    pruned = _ingest(settings, docs, embedder, prune=True)
    assert pruned.totals["removed"] == 1 and pruned.generation is not None
    assert gone_id not in {d.doc_id for d in open_index(settings).documents()}


def test_files_outside_the_ingested_paths_are_left_alone(workspace, embedder):
    settings, docs = workspace
    _ingest(settings, docs, embedder)
    report = ingest_paths([docs / "news"], settings, embedder=embedder, prune=True)
    assert report.totals["removed"] == 0 and report.totals["unchanged"] == 3
    assert len(open_index(settings).documents()) == 5


def test_renamed_file_is_added_without_embedding_anything(workspace, embedder, counting):
    settings, docs = workspace
    _ingest(settings, docs, embedder)
    old = docs / "news" / "2021-09-16-igcp-259-anniversary.md"
    old.rename(docs / "news" / "2021-09-16-igcp-259.md")

    report = _ingest(settings, docs, counting, prune=True)

    assert (report.totals["added"], report.totals["removed"]) == (1, 1)
    assert counting.calls == 0


def test_failed_update_keeps_the_previous_version(workspace, embedder):
    settings, docs = workspace
    _ingest(settings, docs, embedder)
    path = docs / "news" / "2019-10-08-cambodia-training.md"
    path.write_bytes(b"---\ntitle: broken\n---\n\xff\xfe not utf-8 \xff")

    report = _ingest(settings, docs, embedder)

    row = next(r for r in report.files if r.path == str(path.resolve()))
    assert row.status == "failed" and "previous version kept" in row.reason
    index = open_index(settings)
    assert "Cambodia" in " ".join(c.text for c in index.chunks_of(doc_id_for(path)))


def test_rebuild_ignores_the_previous_generation_but_uses_the_cache(workspace, embedder, counting):
    settings, docs = workspace
    first = _ingest(settings, docs, embedder)

    report = ingest_paths([docs / "news"], settings, embedder=counting, rebuild=True)

    # Every file is re-read, but none is new or changed: the report says so instead of "added".
    assert report.totals["unchanged"] == 3 and report.totals["added"] == 0 and counting.calls == 0
    assert {r.reason for r in report.files} == {"re-read; content unchanged"}
    index = open_index(settings)
    assert len(index.documents()) == 3
    assert index.parent == first.generation


def test_rebuild_reports_new_changed_and_unchanged_files_for_what_they_are(workspace, embedder):
    settings, docs = workspace
    _ingest(settings, docs, embedder)
    changed = next((docs / "news").iterdir())
    changed.write_text(changed.read_text(encoding="utf-8") + "\nA correction was added.\n", encoding="utf-8")
    write_news(docs / "news", "2022-01-05-new-map.md", "New map of Laos", "2022-01-05", "science",
               "A new geochemical atlas of Laos shows selenium deficiency.")  # fmt: skip

    report = ingest_paths([docs], settings, embedder=embedder, rebuild=True)

    status = {r.path: r.status for r in report.files}
    assert status[str(changed.resolve())] == "updated"
    assert status[str((docs / "news" / "2022-01-05-new-map.md").resolve())] == "added"
    assert (report.totals["added"], report.totals["updated"], report.totals["unchanged"]) == (1, 1, 4)
    assert report.generation is not None


def test_changed_chunk_settings_rechunk_every_document(workspace, embedder):
    settings, docs = workspace
    _ingest(settings, docs, embedder)
    smaller = settings.model_copy(update={"chunk_tokens": 40, "chunk_overlap_tokens": 0})

    report = _ingest(smaller, docs, embedder)

    assert report.totals["unchanged"] == 5 and report.totals["updated"] == 0  # re-read, same content
    assert report.generation is not None
    assert any("re-chunked" in w for w in report.warnings)
    assert open_index(smaller).manifest["chunking"]["chunk_tokens"] == 40


def test_nothing_ingested_when_every_file_fails(tmp_path, embedder):
    (tmp_path / "docs").mkdir()
    # Not UTF-8 and no byte-order mark (FF FE would announce UTF-16, which ingest reads).
    (tmp_path / "docs" / "bad.md").write_bytes(b"\x80\x81\xfa not text")
    settings = Settings(_env_file=None, index_dir=tmp_path / "index")

    report = ingest_paths([tmp_path / "docs", tmp_path / "absent"], settings, embedder=embedder)

    assert report.nothing_ingested and report.generation is None
    assert report.totals["failed"] == 2
    assert current_generation(settings.index_dir) is None


def test_remove_documents_by_id_and_by_path(workspace, embedder):
    settings, docs = workspace
    _ingest(settings, docs, embedder)
    by_path = docs / "pdf" / "field-report.pdf"
    by_id = doc_id_for(docs / "pages" / "about-the-laboratory.md")

    report = remove_documents([str(by_path), by_id, "0000000000000000"], settings)

    assert report.totals["removed"] == 2 and report.totals["failed"] == 1
    remaining = {d.doc_id for d in open_index(settings).documents()}
    assert by_id not in remaining and doc_id_for(by_path) not in remaining
    assert len(remaining) == 3


def test_report_serialises_to_json(workspace, embedder):
    import json

    settings, docs = workspace
    data = json.loads(_ingest(settings, docs, embedder).to_json())
    assert data["totals"]["added"] == 5
    assert {"path", "doc_id", "status", "reason", "chunks", "pages"} <= set(data["files"][0])
    assert {"parse", "chunk", "embed", "write"} <= set(data["timings"])


def test_unchanged_reingest_and_pruning_never_load_the_model(workspace, embedder, monkeypatch):
    settings, docs = workspace
    _ingest(settings, docs, embedder)
    (docs / "news" / "broken.md").write_bytes(b"\xff\xfe\xfa")  # re-read every time, fails before chunking

    def no_model(_settings):
        raise AssertionError("the model was loaded")

    monkeypatch.setattr("index.builder.load_embedder", no_model)
    unchanged = ingest_paths([docs], settings)
    assert unchanged.message == "index unchanged" and unchanged.totals["failed"] == 1

    (docs / "pages" / "about-the-laboratory.md").unlink()
    pruned = ingest_paths([docs], settings, prune=True)
    assert pruned.totals["removed"] == 1 and pruned.generation is not None
    assert open_index(settings, embedder.model_name).dimension == embedder.dimension
