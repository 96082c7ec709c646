"""Text cleaning: Unicode normalisation, de-hyphenation, running header/footer removal, reflowing."""

from __future__ import annotations

import unicodedata

from ingest.clean import (
    clean_pdf_pages,
    clean_text,
    dehyphenate,
    normalize_unicode,
    reflow_pdf_lines,
    remove_page_numbers,
    remove_running_lines,
)


def test_text_is_nfc_with_ligatures_and_invisible_characters_resolved():
    decomposed = unicodedata.normalize("NFD", "Géochimie")
    raw = f"{decomposed} \ufb01eld\u00a0work, soft\u00adhyphen, zero\u200bwidth\r\n"
    cleaned = normalize_unicode(raw)
    assert cleaned == "Géochimie field work, softhyphen, zerowidth\n"
    assert unicodedata.is_normalized("NFC", cleaned)


def test_words_split_at_line_end_are_joined_when_the_next_line_starts_lowercase():
    assert dehyphenate("stream geo-\nchemical survey") == "stream geochemical survey"
    assert dehyphenate("the Sino-\nMongolian border") == "the Sino-\nMongolian border"
    assert dehyphenate("years 1990-\n2000") == "years 1990-\n2000"


def test_compounds_hyphenated_elsewhere_in_the_document_keep_their_hyphen():
    pages = ["A low-density survey of Laos.", "The low-\ndensity sampling and the geo-\nchemical maps."]
    assert clean_pdf_pages(pages)[1] == "The low-density sampling and the geochemical maps."


def test_reflow_joins_soft_wraps_and_keeps_real_hyphens():
    page = "The Sino-\nMongolian cooperation began in\n2014 with a pilot survey."
    assert clean_pdf_pages([page]) == ["The Sino-Mongolian cooperation began in 2014 with a pilot survey."]


def _pages(n: int) -> list[list[str]]:
    return [
        ["ICGG Annual Report 2021", f"Unique body line {chr(65 + i)} about sampling.", f"Page {i + 1} of {n}"]
        for i in range(n)
    ]


def test_lines_repeated_at_the_top_or_bottom_of_most_pages_are_dropped():
    cleaned = remove_running_lines(_pages(4))
    assert cleaned == [[f"Unique body line {chr(65 + i)} about sampling."] for i in range(4)]


def test_page_number_footers_in_several_styles_are_dropped():
    styles = [lambda i: str(i), lambda i: f"- {i} -", lambda i: f"{i} / 12", lambda i: f"Page {i}"]
    for style in styles:
        pages = [[f"Body {chr(65 + i)} text here.", style(i + 1)] for i in range(5)]
        assert remove_running_lines(pages) == [[f"Body {chr(65 + i)} text here."] for i in range(5)]


def test_page_numbers_are_dropped_even_in_short_documents():
    pages = [["Opening text.", "Page 1 of 2"], ["- 2 -", "Closing text.", "7"]]
    assert remove_page_numbers(pages) == [["Opening text."], ["Closing text.", "7"]]


def test_repeated_lines_are_kept_in_documents_of_fewer_than_three_pages():
    assert remove_running_lines(_pages(2)) == _pages(2)


def test_a_line_repeated_on_under_half_the_pages_is_kept():
    pages = [[f"Distinct opening {chr(75 + i)}.", f"Distinct closing {chr(65 + i)}."] for i in range(8)]
    pages[0].insert(0, "Special notice")
    pages[1].insert(0, "Special notice")
    pages[2].insert(0, "Special notice")
    assert remove_running_lines(pages) == pages


def test_reflow_separates_paragraphs_headings_and_table_rows():
    lines = [
        "1 Introduction",
        "The centre was founded in 2016 and coordinates sampling of the global reference network",
        "across all continents, working with national surveys.",
        "Element Detection limit",
        "Cu 0.5 mg/kg",
        "Zn 2 mg/kg",
        "Results",
        "The laboratory reported all values within their certified ranges for every batch, with",
        "duplicates agreeing.",
    ]
    assert reflow_pdf_lines(lines).split("\n\n") == [
        "1 Introduction",
        "The centre was founded in 2016 and coordinates sampling of the global reference network "
        "across all continents, working with national surveys.",
        "Element Detection limit\nCu 0.5 mg/kg\nZn 2 mg/kg",
        "Results",
        "The laboratory reported all values within their certified ranges for every batch, with "
        "duplicates agreeing.",
    ]


def test_clean_text_keeps_hyphens_of_hand_wrapped_compounds():
    assert clean_text("cooperation on low-\ndensity mapping") == "cooperation on low-density mapping"


def test_clean_text_joins_wrapped_lines_but_keeps_markdown_structure():
    raw = (
        "## Field   work\n"
        "The team sampled\nforty sites.\n\n\n\n"
        "- first item\n  continues here\n- second item\n"
        "| a | b |\n"
    )
    assert clean_text(raw) == (
        "## Field work\n\nThe team sampled forty sites.\n\n"
        "- first item continues here\n- second item\n| a | b |"
    )
