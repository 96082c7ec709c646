"""Reading a batch: every file ends ok or failed with a clear reason, good files survive bad neighbours,
outcomes keep the input order."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fixtures.pdfs import LOREM, make_image_only_pdf, make_pdf, rewrite

from ingest.files import doc_id_for, sha256_file
from ingest.reader import read_file, read_files


@pytest.fixture
def good_pdf(tmp_path) -> Path:
    return make_pdf(tmp_path / "good.pdf", [["# Overview", LOREM], [LOREM]], title="Good Report")


def _bad_batch(tmp_path: Path, good_pdf: Path) -> dict[str, Path]:
    files = {
        "good": good_pdf,
        "password": rewrite(good_pdf, tmp_path / "password.pdf", user_password="secret"),
        "empty_password": rewrite(good_pdf, tmp_path / "empty-password.pdf", user_password=""),
        "truncated": tmp_path / "truncated.pdf",
        "garbage": tmp_path / "garbage.pdf",
        "zero": tmp_path / "zero.pdf",
        "image_only": make_image_only_pdf(tmp_path / "scan.pdf"),
        "news": tmp_path / "2021-09-16-visit.md",
    }
    data = good_pdf.read_bytes()
    files["truncated"].write_bytes(data[: len(data) // 3])
    files["garbage"].write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40)
    files["zero"].write_bytes(b"")
    files["news"].write_text("---\ntitle: A visit\ndate: 2021-09-16\n---\nA delegation visited ICGG.\n")
    return files


def test_bad_pdfs_fail_with_clear_reasons_and_good_files_are_read(tmp_path, good_pdf, settings, caplog):
    files = _bad_batch(tmp_path, good_pdf)
    caplog.set_level(logging.WARNING, logger="ingest.reader")
    outcomes = read_files(list(files.values()), settings)
    by_name = dict(zip(files, outcomes, strict=True))

    assert [o.path for o in outcomes] == [str(p.resolve()) for p in files.values()]  # input order
    assert by_name["good"].ok and by_name["good"].document.title == "Good Report"
    assert by_name["empty_password"].ok
    assert "seventy elements" in by_name["empty_password"].document.text
    assert by_name["news"].ok and by_name["news"].document.date == "2021-09-16"

    assert by_name["password"].reason == "encrypted (password required)"
    assert by_name["truncated"].reason.startswith("damaged or unreadable PDF (")
    assert by_name["garbage"].reason.startswith("damaged or unreadable PDF (")
    assert by_name["zero"].reason == "empty file (0 bytes)"
    # A picture without text is read by OCR, which finds nothing to index.
    blank = "no text recognised on the scanned pages (blank or unreadable images)"
    assert by_name["image_only"].reason == blank
    for name in ("password", "truncated", "garbage", "zero", "image_only"):
        outcome = by_name[name]
        assert outcome.document is None
        assert "\n" not in outcome.reason
        assert any(outcome.reason in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)


def test_outcome_carries_ids_hash_and_timing(tmp_path, good_pdf, settings):
    outcome = read_file(good_pdf, settings)
    assert outcome.ok
    assert outcome.doc_id == doc_id_for(good_pdf) == outcome.document.doc_id
    assert outcome.content_hash == sha256_file(good_pdf) == outcome.document.content_hash
    assert outcome.seconds > 0
    assert outcome.document.path == str(good_pdf.resolve())


def test_on_done_is_called_once_per_file(tmp_path, good_pdf, settings):
    note = tmp_path / "note.txt"
    note.write_text("A note\n\nSome text.")
    seen = []
    outcomes = read_files([good_pdf, tmp_path / "missing.pdf", note], settings, on_done=seen.append)
    assert sorted(o.path for o in seen) == sorted(o.path for o in outcomes)
    assert outcomes[1].reason.startswith("cannot read file")


def test_files_over_the_size_cap_are_refused_before_parsing(tmp_path, good_pdf, settings):
    big = tmp_path / "big.md"
    big.write_text("# Big\n\n" + "word " * 300_000)
    small_cap = settings.model_copy(update={"max_file_mb": 1.0})
    outcome = read_file(big, small_cap)
    assert outcome.status == "failed"
    assert outcome.reason.startswith("file too large (1.4 MB > limit 1 MB)")


def test_pdfs_with_too_many_pages_are_refused(tmp_path, settings):
    pdf = make_pdf(tmp_path / "long.pdf", [[LOREM]] * 4)
    outcome = read_file(pdf, settings.model_copy(update={"max_pages": 3}))
    assert outcome.reason == "too many pages (4 > limit 3)"


def test_content_decides_the_parser_not_the_name(tmp_path, good_pdf, settings):
    disguised = tmp_path / "report.txt"
    disguised.write_bytes(good_pdf.read_bytes())
    png_as_pdf = tmp_path / "photo.pdf"
    png_as_pdf.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    binary_md = tmp_path / "notes.md"
    binary_md.write_bytes(b"\x1f\x8b\x08\x00" + bytes(range(200)))
    text_as_pdf = tmp_path / "letter.pdf"
    text_as_pdf.write_text("Dear colleagues, this is not a PDF.")

    read = read_files([disguised, png_as_pdf, binary_md, text_as_pdf], settings)
    assert read[0].ok and read[0].document.doc_type == "report"
    assert read[1].reason == "not a PDF: content is PNG"
    assert read[2].reason == "binary file, not a document (looks like GZIP)"
    assert read[3].reason == "not a PDF: content is plain text"


def test_a_parser_bug_costs_one_file_not_the_batch(tmp_path, settings, monkeypatch, caplog):
    import ingest.reader as reader

    def broken(*_args, **_kwargs):
        raise KeyError("unexpected")

    monkeypatch.setattr(reader, "read_html", broken)
    page = tmp_path / "page.html"
    page.write_text("<!doctype html><html><body><p>Hello</p></body></html>")
    note = tmp_path / "note.txt"
    note.write_text("Note title\n\nBody.")
    outcomes = read_files([page, note], settings)
    assert outcomes[0].reason == "parser error (KeyError: 'unexpected')"
    assert outcomes[1].ok


def test_hanging_pdf_parse_is_stopped_at_the_timeout(tmp_path, good_pdf, settings, monkeypatch):
    import time

    import ingest.reader as reader

    def hang(*_args, **_kwargs):
        time.sleep(60)

    monkeypatch.setattr(reader, "read_pdf", hang)  # the forked child inherits the patch
    started = time.monotonic()
    outcome = read_file(good_pdf, settings.model_copy(update={"pdf_timeout_s": 1.0}))
    assert outcome.reason == "timed out after 1 s"
    assert time.monotonic() - started < 10


def test_documents_with_more_text_than_the_limit_are_refused_naming_both_sizes(tmp_path, settings):
    elements = ["Cobalt", "Nickel", "Copper", "Zinc", "Lithium", "Boron"]
    pages = [[" ".join(f"{name} was found in sample {n}." for n in range(40))] for name in elements]
    long_pdf = make_pdf(tmp_path / "long.pdf", pages)
    note = tmp_path / "long-note.txt"
    note.write_text("Long note\n\n" + "Cobalt was measured again. " * 80)
    limited = settings.model_copy(update={"max_document_chars": 1000})

    note_outcome, pdf_outcome = read_files([note, long_pdf], limited)

    chars = len(read_file(note, settings).document.text)
    assert note_outcome.status == "failed"
    assert note_outcome.reason == (
        f"document text too long ({chars:,} characters > limit 1,000); split it into smaller files"
    )
    assert pdf_outcome.status == "failed"
    assert pdf_outcome.reason.startswith("document text too long (")
    assert read_file(long_pdf, settings).ok  # the default limit reads both


def test_refusing_an_over_long_update_keeps_the_indexed_version(tmp_path, settings, embedder):
    from index.builder import ingest_paths
    from index.reader import open_index

    docs = tmp_path / "docs"
    docs.mkdir()
    note = docs / "2022-06-01-cobalt.txt"
    note.write_text("Cobalt survey\n\nCobalt was mapped in the first survey.\n")
    limited = settings.model_copy(update={"max_document_chars": 1000})
    ingest_paths([docs], limited, embedder=embedder)
    note.write_text("Cobalt survey\n\n" + "Cobalt was mapped again in a second survey. " * 80)

    report = ingest_paths([docs], limited, embedder=embedder)

    (row,) = report.files
    assert row.status == "failed" and row.reason.startswith("document text too long (")
    index = open_index(limited, embedder.model_name)
    assert "first survey" in " ".join(c.text for c in index.chunks_of(doc_id_for(note)))
