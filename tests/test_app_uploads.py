"""Upload names and contents: nothing a browser sends can write outside the upload folder."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from ui.uploads import MAX_NAME_CHARS, safe_upload_path, sanitise_filename, store_upload

SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@settings(max_examples=300, deadline=None)
@given(name=st.text(min_size=0, max_size=400))
def test_safe_upload_path_stays_directly_inside_upload_dir_for_any_name(tmp_path_factory, name):
    upload_dir = tmp_path_factory.mktemp("up")
    path = safe_upload_path(upload_dir, name)
    assert path.parent == upload_dir.resolve()
    assert SAFE_NAME.match(path.name), path.name
    assert len(path.name) <= MAX_NAME_CHARS
    assert not path.exists()


def test_traversal_and_windows_paths_lose_their_directories(tmp_path):
    assert safe_upload_path(tmp_path, "../../etc/passwd") == tmp_path.resolve() / "passwd"
    assert safe_upload_path(tmp_path, "C:\\Users\\me\\Report 2021.PDF").name == "Report_2021.pdf"
    assert safe_upload_path(tmp_path, "/abs/.hidden.md").name == "hidden.md"
    assert safe_upload_path(tmp_path, "..").name == "upload"
    assert safe_upload_path(tmp_path, "re\x00port.pdf").name == "report.pdf"
    assert safe_upload_path(tmp_path, "CON.pdf").name == "CON_file.pdf"


def test_long_names_are_capped_but_keep_their_extension():
    name = sanitise_filename("a" * 500 + ".pdf")
    assert len(name) == MAX_NAME_CHARS and name.endswith(".pdf")


def test_clashing_names_are_deduplicated_instead_of_overwritten(tmp_path):
    first = store_upload(MINIMAL_PDF, "report.pdf", tmp_path, 10_000)
    second = store_upload(MINIMAL_PDF + b"v2", "report.pdf", tmp_path, 10_000)
    assert first.path.name == "report.pdf" and second.path.name == "report-2.pdf"
    assert first.path.read_bytes() == MINIMAL_PDF


def test_upload_type_comes_from_content_not_from_the_name(tmp_path):
    pdf_named_txt = store_upload(MINIMAL_PDF, "scan.txt", tmp_path, 10_000)
    assert pdf_named_txt.kind == "pdf" and pdf_named_txt.path.suffix == ".pdf"
    png_named_pdf = store_upload(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "report.pdf", tmp_path, 10_000)
    assert png_named_pdf.path is None and "PNG" in png_named_pdf.reason
    news = store_upload(b"---\ntitle: Visit\ndate: 2024-01-02\n---\nBody.\n", "visit", tmp_path, 10_000)
    assert news.kind == "markdown" and news.path.name == "visit.md"


def test_oversized_and_empty_uploads_are_refused_and_nothing_is_written(tmp_path):
    big = store_upload(MINIMAL_PDF + b"x" * 2000, "big.pdf", tmp_path, 1000)
    empty = store_upload(b"", "empty.md", tmp_path, 1000)
    assert big.path is None and "limit" in big.reason
    assert empty.path is None and "empty" in empty.reason
    assert list(Path(tmp_path).iterdir()) == []


def _check(settings):
    from ui.uploads import readable_document_check

    return readable_document_check(settings)


def test_a_file_with_a_pdf_header_and_no_content_is_refused_at_upload(tmp_path, settings):
    uploads = tmp_path / "up"
    outcome = store_upload(b"%PDF-1.7\n", "empty-report.pdf", uploads, 10_000, check=_check(settings))
    assert outcome.path is None and outcome.reason  # refused now, not at the next re-index
    assert list(uploads.iterdir()) == []  # neither the file nor its hidden copy is left behind
    scanned = store_upload(MINIMAL_PDF, "scan.pdf", uploads, 10_000, check=_check(settings))
    assert scanned.path is None and "no" in scanned.reason.lower()


def test_a_readable_upload_is_kept_with_the_title_and_date_it_will_be_indexed_with(tmp_path, settings):
    import datetime as dt

    from fixtures.pdfs import LOREM, make_pdf

    pdf = make_pdf(tmp_path / "note.pdf", [["# Altiplano field note", "La Paz, 12 March 2019", LOREM]],
                   created=dt.datetime.now(dt.UTC))  # fmt: skip
    uploads = tmp_path / "up"
    outcome = store_upload(
        pdf.read_bytes(), "altiplano-field-note.pdf", uploads, 10**6, check=_check(settings)
    )
    assert outcome.path == uploads.resolve() / "altiplano-field-note.pdf"
    assert (outcome.title, outcome.date) == ("Altiplano field note", "2019-03-12")
    assert sorted(p.name for p in uploads.iterdir()) == ["altiplano-field-note.pdf"]
    news = b"---\ntitle: Visit\ndate: 2024-01-02\n---\nA delegation visited the laboratory.\n"
    kept = store_upload(news, "visit.md", uploads, 10_000, check=_check(settings))
    assert (kept.path.name, kept.title, kept.date) == ("visit.md", "Visit", "2024-01-02")
