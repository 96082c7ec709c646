"""Tables: a ruled table in a PDF becomes one line per row that carries its header, a chunk of its own,
and its header row is never taken for a section heading."""

from __future__ import annotations

from fixtures.pdfs import make_table_pages, make_table_pdf

from ingest.chunking import Chunker
from ingest.reader import read_file
from ingest.tables import format_table, is_table_block, make_table, parse_table_block

HEADER = ["Element", "Medium", "Median"]
ROWS = [
    ["Selenium", "topsoil", "0.2 mg/kg"],
    ["Cadmium", "topsoil", "0.14 mg/kg"],
    ["Gold", "stream sediment", "0.79 ppb"],
]


def test_rows_carry_their_header_and_read_back_as_the_same_table():
    table = make_table([HEADER, *ROWS])
    assert table.header == tuple(HEADER)
    block = format_table(table)
    assert block.split("\n")[0] == "Element: Selenium | Medium: topsoil | Median: 0.2 mg/kg"
    assert is_table_block(block)
    assert parse_table_block(block) == table


def test_first_row_of_numbers_is_not_a_header_and_prose_is_not_a_table():
    table = make_table([["2016", "12"], ["2017", "64"]])
    assert table.header is None
    assert format_table(table) == "2016 | 12\n2017 | 64"
    assert not is_table_block("A sentence with a | in it.\nAnd another line.")  # lines without the separator
    assert not is_table_block("One line | of prose")


def test_pdf_table_is_read_as_header_carrying_rows_in_a_chunk_of_its_own(tmp_path, settings, embedder):
    intro = "Results of the topsoil survey. The medians below were measured in 2019 by the laboratory."
    path = make_table_pdf(tmp_path / "survey.pdf", HEADER, ROWS, intro)
    outcome = read_file(path, settings)
    assert outcome.ok, outcome.reason
    text = outcome.document.pages[0].text
    assert "Element: Selenium | Medium: topsoil | Median: 0.2 mg/kg" in text
    assert "Element: Gold | Medium: stream sediment | Median: 0.79 ppb" in text
    assert "Element Medium Median" not in text  # the run-on header line is gone
    assert outcome.document.extra["tables"] == "1"

    chunks = Chunker.for_tokenizer(settings, embedder.tokenizer).chunk(outcome.document)
    table_chunks = [c for c in chunks if "Median: 0.2 mg/kg" in c.text]
    assert len(table_chunks) == 1
    assert table_chunks[0].text.startswith("Element: Selenium")  # no prose, no overlap, in the table chunk
    assert "laboratory" not in table_chunks[0].text
    assert all(c.heading != "Element Medium Median" for c in chunks)


def test_table_reading_can_be_turned_off(tmp_path, settings):
    path = make_table_pdf(tmp_path / "survey.pdf", HEADER, ROWS, "Results of the survey.")
    outcome = read_file(path, settings.model_copy(update={"read_tables": False}))
    assert outcome.ok and "Element: Selenium" not in outcome.document.text
    assert "Selenium" in outcome.document.text


def test_table_search_holds_one_page_at_a_time_and_finds_every_table(tmp_path, monkeypatch):
    """pdfplumber keeps each page's parsed layout until the page is closed; a 350-page book kept whole
    outgrew the parser's memory cap. While a page is searched, no page searched before it holds any."""
    import pdfplumber

    from ingest import pdf_layout

    pages = [
        [["Selenium", "topsoil", f"0.{n} mg/kg"], ["Gold", "stream sediment", f"{n} ppb"]]
        for n in range(1, 13)
    ]
    path = make_table_pages(tmp_path / "book.pdf", HEADER, pages)
    still_parsed: list[list[int]] = []
    search = pdfplumber.page.Page.find_tables

    def watched(page, *args, **kwargs):
        others = [p for p in page.pdf.pages if p is not page]
        still_parsed.append(
            [p.page_number for p in others if any(hasattr(p, name) for name in p.cached_properties)]
        )
        return search(page, *args, **kwargs)

    monkeypatch.setattr(pdfplumber.page.Page, "find_tables", watched)
    found = pdf_layout.find_tables(path, list(range(1, 13)))

    assert still_parsed == [[]] * 12
    assert sorted(found) == list(range(1, 13))
    for number, tables in found.items():
        assert [t.table.header for t in tables] == [tuple(HEADER)]
        assert tables[0].table.rows[1] == ("Gold", "stream sediment", f"{number} ppb")
