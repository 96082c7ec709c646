"""Heading recognition is conservative: section lines yes, dates, table rows and wrapped sentences no."""

from __future__ import annotations

import pytest

from ingest.headings import heading_text, is_heading_in_context, is_heading_line, is_numbered_heading


@pytest.mark.parametrize(
    "line",
    [
        "## Field work",
        "2.1 Sampling media",
        "2.1 The ceremony of 12 May 2016",
        "6 International cooperation 2016-2017",
        "Annex A Glossary",
        "IV. Results",
        "Executive Summary",
        "QUALITY CONTROL",
    ],
)
def test_section_lines_are_headings(line):
    assert is_heading_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "29 September 2017",
        "12 May 2016 Agreement signed",
        "2016 Annual Report",
        "2 500 samples were analysed",
        "The samples were dried and sieved.",
        "Results:",
        "- Field sampling",
        "the catchment principle",
        "Sino-",
        "Sampling media and methods",  # sentence case needs its neighbours to confirm it
    ],
)
def test_dates_sentences_list_items_and_fragments_are_not_headings(line):
    assert not is_heading_line(line)


def test_numbered_headings_reject_large_numbers_and_months():
    assert is_numbered_heading("10 Lessons for partner surveys")
    assert not is_numbered_heading("45 Samples from Laos")
    assert not is_numbered_heading("7 July field campaign")


def test_sentence_case_headings_are_accepted_only_between_finished_text_and_a_capitalised_line():
    line = "Sampling media and methods"
    assert is_heading_in_context(line, "The survey ended in 2017.", "Stream sediment was taken at each site.")
    assert is_heading_in_context(line, None, "Stream sediment was taken at each site.")
    assert not is_heading_in_context(line, "The survey covered the", "Stream sediment was taken.")
    assert not is_heading_in_context(line, "The survey ended.", "were used in every cell.")
    assert not is_heading_in_context("Samples were taken in", None, "Laos and Cambodia.")
    assert is_heading_in_context(line, "Cu 0.5 mg/kg", "Stream sediment.", previous_is_short=True)


def test_heading_text_drops_markdown_hashes():
    assert heading_text("### 3.2 Cell labels ##") == "3.2 Cell labels"
    assert heading_text("  Executive Summary ") == "Executive Summary"
