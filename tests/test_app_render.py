"""Untrusted text reaches Streamlit Markdown only escaped; cited sentences are highlighted in place."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from bot.csv_export import csv_safe
from ui.render import (
    find_quote,
    highlight_quote,
    link_citations,
    md_code,
    md_escape,
    paragraph_around,
    plain_text,
    window_around,
)

MARKDOWN_SYNTAX = "\\`*_{}[]()#+-.!|<>~$:=&^\"'"


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


@given(st.text())
def test_escaping_is_lossless_and_leaves_no_bare_markdown_character(text):
    escaped = md_escape(text)
    printable = "".join(ch for ch in text if ch in "\n\t" or ch >= " ")
    assert _unescape(escaped) == printable
    bare = re.sub(r"\\.", "", escaped)
    assert not any(ch in MARKDOWN_SYNTAX for ch in bare)


@given(st.lists(st.text(max_size=20), max_size=10))
def test_escaping_stream_deltas_one_by_one_equals_escaping_the_whole_answer(deltas):
    assert "".join(md_escape(d) for d in deltas) == md_escape("".join(deltas))


def test_injected_html_links_images_and_directives_are_escaped():
    hostile = "<script>alert(1)</script> ![x](http://evil/x.png) [click](javascript:alert(1)) :red[big] $x$"
    escaped = md_escape(hostile)
    for raw in ("<script>", "![", "](", ":red[", "$x$"):
        assert raw not in escaped


def test_cited_sentence_is_highlighted_once_and_the_rest_stays_escaped():
    text = "ICGG was founded in 2016. The agreement (signed 12 May 2016) runs six years. Next."
    quote = "The agreement (signed 12 May 2016) runs six years."
    out = highlight_quote(text, quote)
    assert out.count(":orange-background[**") == 1
    assert ":orange-background[**The agreement \\(signed 12 May 2016\\) runs six years\\.**]" in out
    assert out.startswith("ICGG was founded in 2016\\.")


def test_quote_is_found_across_line_breaks_and_a_missing_quote_just_escapes():
    text = "The centre\nwas inaugurated on 12 May 2016."
    assert find_quote(text, "The centre was inaugurated on 12 May 2016.") == (0, len(text))
    assert highlight_quote(text, "not there") == md_escape(text)


def test_window_keeps_the_quote_of_a_long_page():
    page = "word " * 1000 + "THE QUOTED SENTENCE." + " tail" * 1000
    span = find_quote(page, "THE QUOTED SENTENCE.")
    window = window_around(page, span, 300)
    assert "THE QUOTED SENTENCE." in window and len(window) < 400


def test_csv_export_neutralises_spreadsheet_formulas():
    assert csv_safe('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert csv_safe("@SUM(A1)") == "'@SUM(A1)"
    assert csv_safe("Normal title") == "Normal title"
    assert csv_safe(2016) == 2016


TABLE_PAGE = (
    "The medians were measured in 2019.\n\n"
    "Element: Selenium | Median: 0.2 mg/kg\nElement: Gold <b>x</b> | Median: 0.79 ppb\n\n"
    "Values are dry weight."
)


def test_table_block_is_drawn_as_a_markdown_table_with_the_cited_row_highlighted():
    rendered = highlight_quote(TABLE_PAGE, "Element: Gold <b>x</b> | Median: 0.79 ppb")
    lines = rendered.split("\n")
    header = lines.index("| Element | Median |")
    assert lines[header + 1] == "| --- | --- |"
    assert lines[header + 2] == "| Selenium | 0\\.2 mg/kg |"
    gold = lines[header + 3]
    assert gold.count(":orange-background[**") == 2 and "\\<b\\>x\\</b\\>" in gold  # escaped, highlighted
    assert "The medians were measured in 2019\\." in rendered and "Values are dry weight\\." in rendered


def test_prose_quote_next_to_a_table_is_still_highlighted():
    rendered = highlight_quote(TABLE_PAGE, "Values are dry weight.")
    assert ":orange-background[**Values are dry weight\\.**]" in rendered
    assert "| Selenium | 0\\.2 mg/kg |" in rendered


def test_file_names_in_code_spans_show_no_escape_backslashes():
    # md_escape inside backticks rendered "altiplano\-field\-note\.pdf" literally.
    assert md_code("altiplano-field-note.pdf") == "`altiplano-field-note.pdf`"
    assert md_code("a`b") == "``a`b``" and md_code("`x`") == "`` `x` ``"
    assert md_code("two\nlines\x00") == "`two lines`"


def test_citation_markers_become_links_to_their_cards_and_nothing_else_does():
    escaped = md_escape("Opened in 2016 [1]. Signed [2]. A report's own [7].")
    linked = link_citations(escaped, {1: "cite-ab-1", 2: "cite-ab-2"})
    assert "[\\[1\\]](#cite-ab-1)" in linked and "[\\[2\\]](#cite-ab-2)" in linked
    assert "\\[7\\]" in linked and "(#cite-ab-7)" not in linked  # no card, no link
    hostile = link_citations(md_escape("x [1]"), {1: "x) [evil](javascript:alert(1)"})
    assert "javascript" not in hostile


def test_the_card_shows_the_quoted_sentence_inside_its_paragraph():
    page = (
        "Intro paragraph.\n\nThe plan had four missions. The first trained staff. It ended in 2021.\n\nNext."
    )
    quote = "The first trained staff."
    shown = paragraph_around(page, find_quote(page, quote))
    assert shown == "The plan had four missions. The first trained staff. It ended in 2021."


def test_exported_passages_lose_their_markdown_heading_marks():
    assert (
        plain_text("## Participants\nTwelve geologists.\n### Notes ##")
        == "Participants\nTwelve geologists.\nNotes"
    )
    assert plain_text("No #hashtag here") == "No #hashtag here"
