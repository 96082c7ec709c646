"""Two-column pages are read column by column when the content stream interleaves the columns, and
single-column pages keep pypdf's text unchanged."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from fixtures.pdfs import LOREM, make_pdf
from pypdf import PdfReader

from ingest.layout import find_gutters
from ingest.pdf import read_pdf
from ingest.pdf_pages import word_order_agreement

ROOT = Path(__file__).resolve().parent.parent


def _two_column_pdf(tmp_path: Path) -> Path:
    spec = importlib.util.spec_from_file_location("build_archives", ROOT / "corpus" / "build_archives.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    path = tmp_path / "paper.pdf"
    path.write_bytes(
        module.build_two_column(ROOT / "corpus" / "archives_src" / "baselines-history-two-column.md")
    )
    return path


def _words(text: str) -> list[str]:
    return text.replace("-", " ").split()


def test_interleaved_columns_are_read_one_after_the_other(tmp_path):
    path = _two_column_pdf(tmp_path)
    expected = "IGCP 259, International Geochemical Mapping, ran from 1988 to 1992."
    layer = PdfReader(path).pages[0].extract_text()
    assert expected not in " ".join(layer.split())  # the stream order interleaves the columns
    text = read_pdf(path, doc_id="p", content_hash="h", max_pages=5).pages[0].text
    assert expected in text
    assert "IGCP 259 in Fennoscandia sampled overbank sediment in 49 large catchments" in text
    assert text.index("1 The first idea") < text.index("4 Overbank sediment") < text.index("5 From 5,000")


def test_single_column_page_keeps_the_text_layer_order(tmp_path):
    path = make_pdf(tmp_path / "plain.pdf", [["# Overview", LOREM, LOREM]])
    text = read_pdf(path, doc_id="p", content_hash="h", max_pages=5).pages[0].text
    assert word_order_agreement(_words(LOREM), _words(text)) == 1.0


def test_gutter_is_found_between_prose_columns_but_not_between_table_cells():
    left = [(50, 100 + 12 * k, 280, 110 + 12 * k) for k in range(20)]
    right = [(310, 100 + 12 * k, 540, 110 + 12 * k) for k in range(20)]
    assert len(find_gutters(left + right)) == 1
    keys = [(50, 100 + 12 * k, 90, 110 + 12 * k) for k in range(20)]  # a narrow key column
    assert find_gutters(keys + right) == []
