"""The shipped corpus: provenance index, news front matter, PDF reports and their builder.

Everything here reads files inside the repository only (``corpus/``); the team fact sheet outside
the repository is mirrored as ``corpus/fact_ids.json`` so these tests never depend on it.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
NEWS = sorted((CORPUS / "news").glob("*.md"))
PDF_SOURCES = sorted((CORPUS / "pdf_src").glob("*.md"))
NEWS_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})-[a-z0-9]+(?:-[a-z0-9]+)*\.md$")
FACT_ID = re.compile(r"^F\d{3}$")


def _load(name: str):
    """Import a corpus script by path (corpus/ is a folder of scripts, not a package)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, CORPUS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


build_pdfs = _load("build_pdfs")
build_facts = _load("build_facts")


def _body(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    return text.split("\n---", 1)[1].split("\n", 1)[1] if text.startswith("---") else text


# ----------------------------------------------------------------------------- provenance


def test_facts_json_is_up_to_date_with_front_matter():
    committed = json.loads((CORPUS / "facts.json").read_text(encoding="utf-8"))
    assert committed == build_facts.collect_facts(CORPUS), "run: python corpus/build_facts.py"


def test_every_cited_fact_id_is_on_the_fact_sheet():
    known = json.loads((CORPUS / "fact_ids.json").read_text(encoding="utf-8"))
    cited = json.loads((CORPUS / "facts.json").read_text(encoding="utf-8"))
    assert sorted(set(cited) - set(known)) == []


def test_every_high_and_medium_fact_is_stated_by_an_existing_document():
    known = json.loads((CORPUS / "fact_ids.json").read_text(encoding="utf-8"))
    cited = json.loads((CORPUS / "facts.json").read_text(encoding="utf-8"))
    assert set(known.values()) <= {"high", "medium", "low"}
    uncovered = [f for f, conf in known.items() if conf in {"high", "medium"} and not cited.get(f)]
    assert uncovered == []
    missing_files = sorted({p for paths in cited.values() for p in paths if not (CORPUS / p).is_file()})
    assert missing_files == []


def test_fact_sheet_parser_reads_id_and_confidence(tmp_path):
    sheet = tmp_path / "facts.md"
    sheet.write_text(
        "## A\n\n- F001 | a fact | src: x.org | high\n- F002 | another | src: y.org; z.org | low\n"
        "- UNVERIFIED: not a fact\n",
        encoding="utf-8",
    )
    assert build_facts.parse_fact_sheet(sheet) == {"F001": "high", "F002": "low"}


# ----------------------------------------------------------------------------- news items


def test_there_are_at_least_45_news_items():
    assert len(NEWS) >= 45


@pytest.mark.parametrize("path", NEWS, ids=[p.name for p in NEWS])
def test_news_item_has_valid_front_matter_and_length(path):
    m = NEWS_NAME.match(path.name)
    assert m, f"{path.name} must be named YYYY-MM-DD-slug.md"
    meta = build_facts.front_matter(path)
    assert isinstance(meta.get("title"), str) and meta["title"].strip()
    assert isinstance(meta.get("date"), dt.date), "date must be an unquoted ISO date"
    assert meta["date"].isoformat() == m.group(1), "date must match the file name"
    assert isinstance(meta.get("category"), str) and re.fullmatch(r"[a-z][a-z-]*", meta["category"])
    assert isinstance(meta.get("source_url"), str) and meta["source_url"].startswith(("https://", "http://"))
    assert meta.get("language") == "en"
    facts = meta.get("facts")
    assert isinstance(facts, list) and facts and all(FACT_ID.match(str(f)) for f in facts)
    words = len(_body(path).split())
    assert 150 <= words <= 700, f"{words} words"


# ----------------------------------------------------------------------------- PDF reports


def test_there_are_at_least_8_pdf_reports_and_each_source_has_its_pdf():
    built = {p.stem for p in (CORPUS / "pdf").glob("*.pdf")}
    sources = {p.stem for p in PDF_SOURCES}
    assert len(sources) >= 8
    assert built == sources, "every pdf_src/<slug>.md has exactly one pdf/<slug>.pdf"


@pytest.fixture(scope="module")
def readers() -> dict[str, PdfReader]:
    return {p.stem: PdfReader(CORPUS / "pdf" / f"{p.stem}.pdf") for p in PDF_SOURCES}


def test_pdfs_have_between_3_and_30_pages_and_one_has_more_than_15(readers):
    pages = {slug: len(r.pages) for slug, r in readers.items()}
    assert all(3 <= n <= 30 for n in pages.values()), pages
    assert max(pages.values()) > 15, pages


@pytest.mark.parametrize("src", PDF_SOURCES, ids=[p.stem for p in PDF_SOURCES])
def test_pdf_has_text_on_every_page_headers_footers_and_metadata(src, readers):
    source = build_pdfs.load_source(src)
    reader = readers[src.stem]
    n = len(reader.pages)
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text() or ""
        assert len(text.split()) >= 5, f"page {number} has no text layer"
        if number > 1:
            assert f"Page {number} of {n}" in text
            assert build_pdfs.to_latin1(source.header) in text
    meta = reader.metadata
    assert meta.title == build_pdfs.to_latin1(source.title)
    assert meta.author == "ICGG"
    assert f"date:{source.date.isoformat()}" in meta["/Keywords"]
    assert f"type:{source.doc_type}" in meta["/Keywords"]
    assert meta.creation_date.date() == source.date
    assert source.doc_type == "report"


@pytest.mark.slow
def test_build_pdfs_reproduces_the_committed_pdfs(tmp_path, readers):
    assert build_pdfs.main(["--out", str(tmp_path)]) == 0
    for src in PDF_SOURCES:
        committed = CORPUS / "pdf" / f"{src.stem}.pdf"
        rebuilt = tmp_path / f"{src.stem}.pdf"
        old_pages = [p.extract_text() for p in readers[src.stem].pages]
        new_pages = [p.extract_text() for p in PdfReader(rebuilt).pages]
        assert new_pages == old_pages, f"{src.name}: rerun python corpus/build_pdfs.py"
        creator = str(readers[src.stem].metadata.get("/Creator", ""))
        if f"fpdf2 {build_pdfs.FPDF_VERSION}" in creator:
            assert rebuilt.read_bytes() == committed.read_bytes(), f"{src.name} is not byte-identical"


def test_build_is_byte_identical_across_runs(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "demo.md").write_text(
        "---\ntitle: Demo\ndate: 2020-01-02\ndoc_type: report\nfacts: [F001]\n---\n# 1 A\n\nText.\n",
        encoding="utf-8",
    )
    first = build_pdfs.build_one(src / "demo.md", tmp_path / "a").read_bytes()
    second = build_pdfs.build_one(src / "demo.md", tmp_path / "b").read_bytes()
    assert first == second


def test_check_mode_flags_a_pdf_whose_source_changed_and_writes_nothing(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    source = src / "demo.md"
    source.write_text(
        "---\ntitle: Demo\ndate: 2020-01-02\ndoc_type: report\nfacts: []\n---\nOld.\n", encoding="utf-8"
    )
    assert build_pdfs.main(["--src", str(src), "--out", str(out)]) == 0
    assert build_pdfs.main(["--src", str(src), "--out", str(out), "--check"]) == 0
    built = (out / "demo.pdf").read_bytes()
    source.write_text(source.read_text(encoding="utf-8").replace("Old.", "New."), encoding="utf-8")
    assert build_pdfs.main(["--src", str(src), "--out", str(out), "--check"]) == 1
    assert (out / "demo.pdf").read_bytes() == built


# ----------------------------------------------------------------------------- builder format


def test_source_parser_recognises_every_block_kind(tmp_path):
    lines = [
        "# 1 Heading",
        "A paragraph",
        "over two lines.",
        "",
        "- bullet one",
        "  continued",
        "- bullet two",
        "1. first",
        "> quoted",
        "",
        "| A | B |",
        "|---|--:|",
        "| x | 1 |",
        "<!-- pagebreak -->",
        "<!-- twocolumn -->",
        "## 2 Inside",
        "Column text.",
        "<!-- /twocolumn -->",
        "<!-- an ordinary comment -->",
    ]
    blocks = build_pdfs.parse_blocks(lines, tmp_path / "x.md")
    kinds = [type(b).__name__ for b in blocks]
    assert kinds == [
        "Heading",
        "Paragraph",
        "ListBlock",
        "ListBlock",
        "Paragraph",
        "Table",
        "PageBreak",
        "TwoColumn",
    ]
    assert blocks[1].text == "A paragraph over two lines."
    assert blocks[2].items == ["bullet one continued", "bullet two"] and not blocks[2].ordered
    assert blocks[3].ordered and blocks[4].quote
    assert (
        blocks[5].header == ["A", "B"]
        and blocks[5].rows == [["x", "1"]]
        and blocks[5].aligns == ["LEFT", "RIGHT"]
    )
    assert [type(b).__name__ for b in blocks[7].blocks] == ["Heading", "Paragraph"]


def test_unclosed_two_column_section_is_reported_with_the_file_name(tmp_path):
    with pytest.raises(build_pdfs.SourceError, match=r"x\.md"):
        build_pdfs.parse_blocks(["<!-- twocolumn -->", "text"], tmp_path / "x.md")


def test_source_without_required_front_matter_is_rejected(tmp_path):
    path = tmp_path / "bad.md"
    path.write_text("---\ntitle: No date\ndoc_type: report\nfacts: []\n---\nBody\n", encoding="utf-8")
    with pytest.raises(build_pdfs.SourceError, match="date"):
        build_pdfs.load_source(path)


def test_non_latin1_characters_are_transliterated_not_lost():
    assert build_pdfs.to_latin1("2016\u20132021 \u201cChemical Earth\u201d \u2265 5 \u00b5g/m\u00b2") == (
        '2016-2021 "Chemical Earth" >= 5 \u00b5g/m\u00b2'
    )
    assert build_pdfs.to_latin1("Bj\u00f6rklund \u0160") == "Bj\u00f6rklund S"


def test_inline_markup_keeps_literal_double_dashes_and_underscores():
    assert (
        build_pdfs.plain_text("**bold** and *it* and `code` and [t](https://x.org)")
        == "bold and it and code and t"
    )
    assert build_pdfs.fpdf_markdown("a -- b snake__case", "x") == "a \\-- b snake\\__case"
