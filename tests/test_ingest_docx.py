"""Word files: headings, paragraphs, lists and tables in document order, page breaks, metadata; a zip
that only claims to be a Word file is refused with the reason."""

from __future__ import annotations

import datetime as dt
import zipfile

import docx

from ingest.files import discover
from ingest.reader import read_file
from ingest.sniff import Kind, sniff


def _make(path):
    document = docx.Document()
    document.core_properties.title = "Survey notes"
    document.core_properties.keywords = "date:2019-03-04 type:report"
    document.core_properties.created = dt.datetime(2020, 1, 1)
    document.add_heading("Survey notes", level=0)
    document.add_heading("Results", level=1)
    document.add_paragraph("The campaign collected 146 samples.")
    document.add_paragraph("Laos", style="List Bullet")
    table = document.add_table(rows=3, cols=2)
    for r, (a, b) in enumerate([("Element", "Median"), ("Selenium", "0.2 mg/kg"), ("Gold", "0.79 ppb")]):
        table.cell(r, 0).text, table.cell(r, 1).text = a, b
    document.add_page_break()
    document.add_paragraph("A second page about the field team.")
    document.save(path)
    return path


def test_word_file_is_read_with_headings_paragraphs_tables_and_pages(tmp_path, settings):
    path = _make(tmp_path / "notes.docx")
    assert sniff(path) is Kind.DOCX and discover([tmp_path])[0] == [path.resolve()]
    outcome = read_file(path, settings)
    assert outcome.ok, outcome.reason
    doc = outcome.document
    assert (doc.title, doc.date, doc.doc_type) == ("Survey notes", "2019-03-04", "report")
    first = doc.pages[0].text
    assert first.index("# Results") < first.index("146 samples") < first.index("- Laos")
    assert "Element: Selenium | Median: 0.2 mg/kg\nElement: Gold | Median: 0.79 ppb" in first
    assert len(doc.pages) == 2 and "second page" in doc.pages[1].text


def test_zip_named_docx_without_a_word_body_is_refused(tmp_path, settings):
    path = tmp_path / "fake.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/other.xml", "<x/>")
    outcome = read_file(path, settings)
    assert outcome.reason == "not a Word document (a zip file without word/document.xml)"
