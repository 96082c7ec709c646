"""PDF reports: page numbers and printed labels, title/date/type from metadata with fallbacks, running
headers and footers removed, headings kept on their own lines."""

from __future__ import annotations

import datetime as dt

from fixtures.pdfs import LOREM, make_pdf, rewrite

from ingest.reader import read_file


def _read(path, settings):
    outcome = read_file(path, settings)
    assert outcome.ok, outcome.reason
    return outcome.document


def test_pages_are_numbered_from_one_in_order(tmp_path, settings):
    pdf = make_pdf(tmp_path / "r.pdf", [["Alpha page text."], ["Bravo page text."], ["Charlie page text."]])
    doc = _read(pdf, settings)
    assert [p.number for p in doc.pages] == [1, 2, 3]
    assert ["Alpha" in p.text for p in doc.pages] == [True, False, False]
    assert "Charlie" in doc.pages[2].text
    assert [p.label for p in doc.pages] == [None, None, None]  # no /PageLabels: no invented labels


def test_printed_page_labels_are_kept_when_the_pdf_defines_them(tmp_path, settings):
    plain = make_pdf(tmp_path / "plain.pdf", [["Preface text."], ["Contents text."], ["Chapter text."]])
    labelled = rewrite(plain, tmp_path / "labelled.pdf", labels=[(0, 1, "/r", 1), (2, 2, "/D", 1)])
    doc = _read(labelled, settings)
    assert [(p.number, p.label) for p in doc.pages] == [(1, "i"), (2, "ii"), (3, "1")]


def test_title_date_and_type_come_from_metadata(tmp_path, settings):
    pdf = make_pdf(
        tmp_path / "r.pdf",
        [["# Cover heading", LOREM]],
        title="Global Geochemical Baselines",
        keywords="date:2021-09-16 type:report ICGG",
        created=dt.datetime(2025, 1, 2, tzinfo=dt.UTC),
    )
    doc = _read(pdf, settings)
    assert doc.title == "Global Geochemical Baselines"
    assert doc.date == "2021-09-16"  # the keyword date wins over the file's creation time
    assert doc.doc_type == "report"
    assert doc.source == "r.pdf"


def test_creation_date_is_used_when_no_keyword_date(tmp_path, settings):
    pdf = make_pdf(tmp_path / "r.pdf", [[LOREM]], title="T", created=dt.datetime(2019, 5, 4, tzinfo=dt.UTC))
    assert _read(pdf, settings).date == "2019-05-04"


def test_without_metadata_title_is_the_first_line_and_date_is_found_on_page_one(tmp_path, settings):
    pdf = make_pdf(
        tmp_path / "annual-report.pdf",
        [["# Annual Report of the Centre", "Langfang, 16 September 2021", LOREM], [LOREM]],
    )
    doc = _read(pdf, settings)
    assert doc.title == "Annual Report of the Centre"
    assert doc.date == "2021-09-16"


def test_file_stem_is_the_last_resort_title(tmp_path, settings):
    pdf = make_pdf(tmp_path / "stem-title.pdf", [["12345 67890 . , ; 12 13 14 15 16 17 18 19 20 21 22"]])
    doc = _read(pdf, settings)
    assert doc.title == "stem-title"
    assert doc.date is None


def test_running_headers_and_page_footers_are_removed(tmp_path, settings):
    openings = ["Alpha", "Bravo", "Charlie", "Delta"]
    pages = [[f"{word} opens this page. {LOREM} {word} closes it."] for word in openings]
    pdf = make_pdf(tmp_path / "r.pdf", pages, header="ICGG Technical Report 2021", footer=True)
    doc = _read(pdf, settings)
    assert "ICGG Technical Report" not in doc.text
    assert "Page 2 of 4" not in doc.text and "of 4" not in doc.text
    assert [p.text.split()[0] for p in doc.pages] == openings
    assert all(p.text.endswith(f"{word} closes it.") for p, word in zip(doc.pages, openings, strict=True))


def test_headings_stand_on_their_own_lines_and_paragraphs_are_reflowed(tmp_path, settings):
    pdf = make_pdf(tmp_path / "r.pdf", [["# 2.1 Sampling media", LOREM, "# Quality Control", LOREM]])
    text = _read(pdf, settings).pages[0].text
    paragraphs = text.split("\n\n")
    assert paragraphs[0] == "2.1 Sampling media"
    assert paragraphs[1] == LOREM  # soft-wrapped lines joined back into one paragraph
    assert paragraphs[2] == "Quality Control"


def test_words_hyphenated_at_line_ends_are_joined(tmp_path, settings):
    pdf = make_pdf(tmp_path / "r.pdf", [["Stream sediment surveys are geo-"], ["chemical by nature."]])
    # Hyphenation only spans lines within a page; across pages the words stay apart.
    doc = _read(pdf, settings)
    assert doc.pages[0].text.endswith("geo-")


def test_an_uploaded_pdf_is_dated_by_its_cover_not_by_the_day_the_file_was_made(tmp_path, settings):
    # A report printed to PDF (or exported) today carries today's /CreationDate; its cover says when it is.
    made_today = dt.datetime.now(dt.UTC)
    pdf = make_pdf(
        tmp_path / "field-note.pdf",
        [["# Altiplano field note", "La Paz, 12 March 2019", LOREM]],
        created=made_today,
    )
    assert _read(pdf, settings).date == "2019-03-12"


def test_pdf_date_order_is_stated_then_cover_then_creation_date():
    from ingest.dates import pdf_document_date

    assert pdf_document_date("2021-09-16", "Cover, 12 March 2019", "D:20250102") == "2021-09-16"
    assert pdf_document_date(None, "Cover, 12 March 2019", "D:20250102") == "2019-03-12"
    assert pdf_document_date(None, "No date on this cover.", "D:20250102120000Z") == "2025-01-02"
    assert pdf_document_date(None, "", None) is None
