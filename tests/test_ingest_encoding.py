"""Text files saved as UTF-16 or UTF-32 (Windows "Unicode" text) are read like UTF-8 ones; binary files
with NUL bytes are still refused with a one-line reason, whatever their name."""

from __future__ import annotations

import codecs

import pytest

from ingest.encoding import head_encoding
from ingest.reader import read_file
from ingest.sniff import HEAD_BYTES, Kind, sniff

NEWS = """---
title: "Géochimie mondiale: ICGG hosts a delegation"
date: 2021-09-16
category: visit
language: en
---
A delegation visited the International Centre on Global-Scale Geochemistry (国际全球尺度地球化学中心)
in Langfang.

## Talks

Both sides discussed low-density geochemical mapping.
"""
NEWS_TEXT = (
    "A delegation visited the International Centre on Global-Scale Geochemistry (国际全球尺度地球化学中心) "
    "in Langfang.\n\n## Talks\n\nBoth sides discussed low-density geochemical mapping."
)

ENCODINGS = {
    "utf-16-le-bom": codecs.BOM_UTF16_LE + NEWS.encode("utf-16-le"),
    "utf-16-be-bom": codecs.BOM_UTF16_BE + NEWS.encode("utf-16-be"),
    "utf-8-bom": codecs.BOM_UTF8 + NEWS.encode("utf-8"),
    "utf-32-le-bom": codecs.BOM_UTF32_LE + NEWS.encode("utf-32-le"),
    "utf-32-be-bom": codecs.BOM_UTF32_BE + NEWS.encode("utf-32-be"),
    "utf-16-le-no-bom": NEWS.encode("utf-16-le"),
    "utf-16-be-no-bom": NEWS.encode("utf-16-be"),
}


@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
def test_markdown_news_in_any_unicode_encoding_gives_the_same_title_date_and_text(
    tmp_path, settings, encoding
):
    path = tmp_path / "2021-09-16-delegation.md"
    path.write_bytes(ENCODINGS[encoding])
    outcome = read_file(path, settings)
    assert outcome.ok, outcome.reason
    doc = outcome.document
    assert doc.title == "Géochimie mondiale: ICGG hosts a delegation"
    assert doc.date == "2021-09-16"
    assert doc.category == "visit"
    assert doc.doc_type == "news"
    assert doc.text == NEWS_TEXT  # no BOM, no NUL, nothing mangled


def test_utf16_text_note_and_html_page_are_read(tmp_path, settings):
    note = tmp_path / "2022-06-01-minutes.txt"
    note.write_bytes("Minutes of the board\n\nThe board approved the plan.\n".encode("utf-16"))
    page = tmp_path / "page.html"
    html = (
        "<!doctype html><html lang='en'><head><title>Visit to Langfang</title></head><body><article>"
        "<p>Delegates toured the sample archive in Langfang.</p></article></body></html>"
    )
    page.write_bytes(html.encode("utf-16"))
    note_doc = read_file(note, settings).document
    assert (note_doc.title, note_doc.date) == ("Minutes of the board", "2022-06-01")
    assert note_doc.text == "Minutes of the board\n\nThe board approved the plan."
    page_doc = read_file(page, settings).document
    assert page_doc.title == "Visit to Langfang"
    assert page_doc.text == "Delegates toured the sample archive in Langfang."


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("random.md", bytes(range(256)) * 8),  # NUL bytes in no text pattern
        ("nul.md", b"# Title\n\nText with a NUL \x00 byte in the middle.\n"),
        ("controls.md", b"\x01\x00\x02\x00\x03\x00" * 100),  # UTF-16 layout, but control characters
        ("bom-then-binary.md", codecs.BOM_UTF16_LE + bytes(range(256)) * 8),  # decodes to NULs
    ],
)
def test_binary_files_named_md_are_still_refused_with_a_one_line_reason(tmp_path, settings, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    assert sniff(path) is Kind.BINARY
    outcome = read_file(path, settings)
    assert outcome.status == "failed"
    assert outcome.reason == "binary file, not a document (looks like binary data with NUL bytes)"


def test_utf16_cut_in_half_is_refused_naming_the_encoding(tmp_path, settings):
    # A lone high surrogate at the end: the head decodes, the whole file does not.
    path = tmp_path / "cut.md"
    path.write_bytes("# Notes\n\nSome text 🧪".encode("utf-16")[:-2])
    outcome = read_file(path, settings)
    assert outcome.status == "failed"
    assert outcome.reason.startswith("not valid UTF-16 text (bad byte at offset ")


def test_utf16_split_at_the_sniff_window_is_still_text(tmp_path):
    # The 4-byte surrogate pair of the emoji straddles the end of the sniffed head.
    data = codecs.BOM_UTF16_LE + ("a" * ((HEAD_BYTES - 2) // 2 - 1) + "🧪 and more").encode("utf-16-le")
    assert data[:HEAD_BYTES].endswith("🧪".encode("utf-16-le")[:2])
    path = tmp_path / "long.txt"
    path.write_bytes(data)
    assert sniff(path) is Kind.TEXT


def test_short_or_mixed_nul_patterns_are_not_guessed_as_utf16():
    assert head_encoding("hi".encode("utf-16-le")) is None  # too short to judge without a BOM
    assert head_encoding("ASCII text".encode("utf-32-le")) is None  # UTF-32 needs its BOM
    assert head_encoding(b"plain ASCII text, no NUL") == "utf-8-sig"
