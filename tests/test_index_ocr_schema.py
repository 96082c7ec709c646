"""The index records which pages were recognised from a scan; an index written before that (schema 1)
opens as one whose pages all had a text layer, and is re-read by the next ingest; an unknown schema is
refused with the way out."""

from __future__ import annotations

import json
import sqlite3

import pytest
from fixtures.pdfs import make_pdf, make_scanned_pdf

from index.builder import REREAD, ingest_paths
from index.errors import IndexMismatchError
from index.generations import MANIFEST_NAME, STORE_NAME, current_generation, generation_path, sha256_path
from index.reader import open_index


@pytest.mark.slow
@pytest.mark.timeout(900)  # a hang guard: OCR on a busy 2-core machine
def test_scanned_pages_and_their_chunks_carry_the_ocr_confidence(tmp_path, settings, embedder):
    folder = tmp_path / "docs"
    folder.mkdir()
    make_scanned_pdf(folder / "scan.pdf", [["The survey collected 146 samples in Laos during the campaign."]])
    make_pdf(folder / "text.pdf", [["The laboratory analysed 76 elements in every sample of the survey."]])
    report = ingest_paths([folder], settings, embedder=embedder)
    index = open_index(settings)
    docs = {d.source: d for d in index.documents()}
    scan, text = docs["scan.pdf"], docs["text.pdf"]
    info = index.page_ocr(scan.doc_id, 1)
    assert info.engine == "rapidocr" and 0.8 < info.confidence <= 1
    assert index.page_ocr(text.doc_id, 1) is None
    # a chunk holds the lowest confidence of its pages, stored to 4 decimals
    scan_chunks = index.chunks_of(scan.doc_id)
    assert all(c.from_scan and c.ocr_confidence <= info.confidence + 5e-5 for c in scan_chunks)
    assert not any(c.from_scan for c in index.chunks_of(text.doc_id))
    assert any("recognised from a scan by rapidocr" in row.notes for row in report.files)


def _downgrade_to_schema_1(settings) -> None:
    """Rewrite the live generation as the previous release wrote it: no OCR columns, schema 1."""
    gen = generation_path(settings.index_dir, current_generation(settings.index_dir))
    con = sqlite3.connect(gen / STORE_NAME)
    con.execute("ALTER TABLE pages DROP COLUMN ocr_engine")
    con.execute("ALTER TABLE pages DROP COLUMN ocr_confidence")
    con.execute("ALTER TABLE chunks DROP COLUMN ocr_confidence")
    con.commit()
    con.close()
    manifest = json.loads((gen / MANIFEST_NAME).read_text())
    manifest["schema_version"] = 1
    manifest["chunking"].pop("reader", None)
    store = manifest["files"][STORE_NAME]
    store["size"], store["sha256"] = (gen / STORE_NAME).stat().st_size, sha256_path(gen / STORE_NAME)
    (gen / MANIFEST_NAME).write_text(json.dumps(manifest))


def test_schema_1_index_opens_as_text_layer_and_is_re_read_by_the_next_ingest(tmp_path, settings, embedder):
    folder = tmp_path / "docs"
    folder.mkdir()
    make_pdf(folder / "text.pdf", [["The laboratory analysed 76 elements in every sample of the survey."]])
    ingest_paths([folder], settings, embedder=embedder)
    _downgrade_to_schema_1(settings)
    old = open_index(settings)
    assert old.manifest["schema_version"] == 1
    assert all(c.ocr_confidence is None for c in old.chunks_of(old.documents()[0].doc_id))
    report = ingest_paths([folder], settings, embedder=embedder)
    # re-read though its file did not change (the reader changed): reported unchanged, with the reason
    assert [(row.status, row.reason) for row in report.files] == [("unchanged", REREAD)]
    assert open_index(settings).manifest["schema_version"] == 2


def test_unknown_schema_version_is_refused_with_the_way_out(tmp_path, settings, embedder):
    folder = tmp_path / "docs"
    folder.mkdir()
    make_pdf(folder / "text.pdf", [["The laboratory analysed 76 elements in every sample of the survey."]])
    ingest_paths([folder], settings, embedder=embedder)
    gen = generation_path(settings.index_dir, current_generation(settings.index_dir))
    manifest = json.loads((gen / MANIFEST_NAME).read_text())
    manifest["schema_version"] = 3
    (gen / MANIFEST_NAME).write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatchError, match="rebuild with `icgg ingest --rebuild`"):
        open_index(settings)
