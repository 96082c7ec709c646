"""Cleaning extracted text so that what is indexed, and quoted in citations, reads like the document.

Unicode NFC, ligatures and invisible characters, words hyphenated across line ends, soft-wrapped lines
joined into paragraphs (blank lines between paragraphs), and running page headers/footers removed.
Pure functions on strings: never reads files, never drops a line that is not provably layout debris.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence

from ingest.headings import (
    is_heading_in_context,
    is_list_item,
    is_numbered_heading,
    markdown_heading,
)

_LIGATURES = str.maketrans(
    {
        "\ufb00": "ff",
        "\ufb01": "fi",
        "\ufb02": "fl",
        "\ufb03": "ffi",
        "\ufb04": "ffl",
        "\ufb05": "st",
        "\ufb06": "st",
    }
)
# Soft hyphen, zero-width space, word joiner, BOM: invisible, and they break search and quoting.
_INVISIBLE = re.compile("[\u00ad\u200b\u2060\ufeff]")
_SPACES = re.compile("[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_RUNS_OF_SPACES = re.compile(r" {2,}")
_HYPHEN_BREAK = re.compile(r"([^\W\d_]+)-[ \t]*\n[ \t]*(?=([a-z]\w*))")
_HYPHENATED_WORD = re.compile(r"[^\W\d_]+-[^\W\d_]+")
_DIGITS = re.compile(r"\d+")
_ROMAN_PAGE = re.compile(r"^[ivxlc]{1,6}$")
_TABLE_PLACEHOLDER = re.compile("^\ue000[a-z]+\ue001$")
# A line between two regions of a page read column by column (ingest.pdf_layout.column_text): each
# region is reflowed on its own, since a column's lines are half as wide as the page's.
REGION_BREAK = "\ue002"
_SENTENCE_END = (".", "!", "?", ":", '."', ".”", ".)", "?”", "!”")

RUNNING_LINE_ZONE = 2  # lines inspected at the top and at the bottom of each page
RUNNING_LINE_SHARE = 0.5  # a line repeated on at least this share of pages is a header/footer
RUNNING_LINE_MIN_PAGES = 3


def normalize_unicode(text: str) -> str:
    """NFC, ligatures expanded, invisible and control characters removed, exotic spaces made plain."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text.translate(_LIGATURES))
    text = _INVISIBLE.sub("", text)
    text = _SPACES.sub(" ", text)
    return _CONTROL.sub("", text)


def dehyphenate(text: str, compounds: frozenset[str] = frozenset()) -> str:
    """Join words split at a line end ("geo-\\nchemical" → "geochemical").

    Only when the next line starts in lower case: "Sino-\\nMongolian" keeps its hyphen (the line break
    is then removed by reflowing, giving "Sino-Mongolian"). A compound the document also writes with
    a hyphen elsewhere (``compounds``, lower case, e.g. "low-density") keeps its hyphen too.
    """

    def join(m: re.Match[str]) -> str:
        head, tail = m.group(1), m.group(2)
        return f"{head}-" if f"{head}-{tail}".lower() in compounds else head

    return _HYPHEN_BREAK.sub(join, text)


def hyphenated_compounds(texts: Sequence[str]) -> frozenset[str]:
    """Hyphenated words written within a line anywhere in ``texts`` (lower case)."""
    return frozenset(m.group().lower() for text in texts for m in _HYPHENATED_WORD.finditer(text))


def _running_key(line: str) -> str:
    key = " ".join(line.lower().split())
    if _ROMAN_PAGE.match(key):
        return "#"
    return _DIGITS.sub("#", key)


def _zone_indices(lines: Sequence[str]) -> list[int]:
    filled = [i for i, line in enumerate(lines) if line.strip()]
    zone = filled[:RUNNING_LINE_ZONE] + filled[-RUNNING_LINE_ZONE:]
    return sorted(set(zone))


def remove_running_lines(pages: Sequence[Sequence[str]]) -> list[list[str]]:
    """Drop page headers and footers: lines that, with digits ignored, sit in the top or bottom
    lines of at least half the pages (and of at least three pages). Covers "Page 3", "3 / 12"."""
    pages = [list(p) for p in pages]
    if len(pages) < RUNNING_LINE_MIN_PAGES:
        return pages
    pages_with: defaultdict[str, set[int]] = defaultdict(set)
    for number, lines in enumerate(pages):
        for i in _zone_indices(lines):
            pages_with[_running_key(lines[i])].add(number)
    needed = max(RUNNING_LINE_MIN_PAGES, math.ceil(RUNNING_LINE_SHARE * len(pages)))
    running = {key for key, found in pages_with.items() if len(found) >= needed}
    if not running:
        return pages
    cleaned = []
    for lines in pages:
        drop = {i for i in _zone_indices(lines) if _running_key(lines[i]) in running}
        cleaned.append([line for i, line in enumerate(lines) if i not in drop])
    return cleaned


_PAGE_WORD = re.compile(r"^(?:page|p\.)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?$", re.I)
_PAGE_FRACTION = re.compile(r"^(\d{1,4})\s*(?:/|of)\s*(\d{1,4})$", re.I)
_BARE_NUMBER = re.compile(r"^[-–—]?\s*(\d{1,4})\s*[-–—]?$")


def _is_page_number(line: str, number: int, total: int) -> bool:
    text = line.strip()
    if _PAGE_WORD.match(text):
        return True
    if m := _PAGE_FRACTION.match(text):
        return int(m.group(1)) <= int(m.group(2)) == total
    if m := _BARE_NUMBER.match(text):
        return abs(int(m.group(1)) - number) <= 2  # printed numbers may lag a cover or preface
    return False


def remove_page_numbers(pages: Sequence[Sequence[str]]) -> list[list[str]]:
    """Drop a page-number line ("Page 2", "2 of 5", "- 2 -", "2") at the very top or bottom of a page,
    however few pages the document has (the repetition rule needs three)."""
    cleaned = []
    for number, lines in enumerate(pages, start=1):
        lines = list(lines)
        filled = [i for i, line in enumerate(lines) if line.strip()]
        edges = {filled[0], filled[-1]} if filled else set()
        drop = {i for i in edges if _is_page_number(lines[i], number, len(pages))}
        cleaned.append([line for i, line in enumerate(lines) if i not in drop])
    return cleaned


def _ends_sentence(line: str) -> bool:
    return line.endswith(_SENTENCE_END)


def _join_wrapped(parts: Sequence[str]) -> str:
    """Join soft-wrapped lines with spaces; a line ending in a hyphen joins without one
    ("Sino-" + "Mongolian" → "Sino-Mongolian")."""
    pieces: list[str] = []
    tail = ""  # the last two characters joined so far: all the rule looks at
    for part in parts:
        if pieces and not (tail.endswith("-") and len(tail) > 1 and tail[-2].isalpha()):
            pieces.append(" ")
            tail = (tail + " ")[-2:]
        pieces.append(part)
        tail = (tail + part[-2:])[-2:]
    return "".join(pieces)


def reflow_pdf_lines(lines: Sequence[str]) -> str:
    """One page of extracted lines → paragraphs separated by blank lines, headings on their own.

    pypdf emits one line per printed line and no blank lines between paragraphs, so a paragraph ends
    where a line finishes a sentence well short of the page's text width, or where a heading or list
    item begins. Soft-wrapped lines are joined with a space.
    """
    lines = [" ".join(line.split()) for line in lines]
    widths = sorted(len(line) for line in lines if line)
    if not widths:
        return ""
    full_width = widths[int(0.9 * (len(widths) - 1))]
    paragraphs: list[str] = []
    current: list[list[str]] = []  # logical lines (table rows stay apart) of physical lines

    def flush() -> None:
        if current:
            paragraphs.append("\n".join(_join_wrapped(parts) for parts in current))
            current.clear()

    for i, line in enumerate(lines):
        if not line:
            flush()
            continue
        if _TABLE_PLACEHOLDER.match(line):
            flush()
            paragraphs.append(line)  # a table, filled in after cleaning (ingest.pdf_pages)
            continue
        previous = current[-1][-1] if current else (paragraphs[-1] if paragraphs else None)
        following = lines[i + 1] if i + 1 < len(lines) else None
        # An unnumbered heading is followed by a paragraph or a list, not by another short line: a
        # short line after a short line is a table ("Item Value" / "Cu 0.5 mg/kg").
        numbered = is_numbered_heading(line)
        short_next = (
            following is not None
            and len(following) < 0.6 * full_width
            and not is_list_item(following)
            and not is_numbered_heading(following)
        )
        short_previous = previous is not None and len(previous) < 0.6 * full_width
        in_context = is_heading_in_context(line, previous, following, previous_is_short=short_previous)
        if in_context and (numbered or not short_next):
            flush()
            paragraphs.append(line)
            continue
        if is_list_item(line):
            flush()
        if current and short_previous and not _ends_sentence(previous or "") and not previous.endswith("-"):
            current.append([line])  # after a short unfinished line (a table row): a new line, same block
        elif current:
            current[-1].append(line)
        else:
            current.append([line])
        if _ends_sentence(line) and len(line) < 0.8 * full_width:
            flush()
    flush()
    return "\n\n".join(paragraphs)


def clean_pdf_pages(raw_pages: Sequence[str]) -> list[str]:
    """Extracted PDF page texts → cleaned page texts (same count, same order)."""
    split = [normalize_unicode(page).split("\n") for page in raw_pages]
    split = remove_running_lines([[line.strip() for line in lines] for lines in split])
    split = remove_page_numbers(split)
    compounds = hyphenated_compounds(["\n".join(lines) for lines in split])
    cleaned = []
    for lines in split:
        text = dehyphenate("\n".join(lines), compounds)
        regions = [part.split("\n") for part in text.split(f"\n{REGION_BREAK}\n")]
        parts = [reflow_pdf_lines([line for line in region if line != REGION_BREAK]) for region in regions]
        cleaned.append("\n\n".join(part for part in parts if part))
    return cleaned


def _is_structural(line: str) -> bool:
    """Lines of Markdown/plain text that must stay on their own line."""
    s = line.lstrip()
    return bool(markdown_heading(s)) or is_list_item(s) or s.startswith(("|", ">", "```"))


# Whether a line is structural, or a list item, shows in its first few characters ("###### x",
# "(12) x", "```"): a joined line is judged by this many leading characters, however long it grows.
_JUDGED_PREFIX = 32


def _judge_joined(parts: Sequence[str]) -> tuple[bool, bool]:
    """(structural, list item) of the line that joining ``parts`` makes, from its first characters
    (each part holds at least one, so the first _JUDGED_PREFIX characters of as many parts suffice)."""
    start = _join_wrapped([part[:_JUDGED_PREFIX] for part in parts[:_JUDGED_PREFIX]])[:_JUDGED_PREFIX]
    return _is_structural(start), is_list_item(start)


def clean_text(text: str) -> str:
    """Markdown or plain text → NFC text with paragraphs separated by one blank line.

    Soft-wrapped lines inside a paragraph are joined; headings, list items, table rows and quotes
    stay on their own lines so that structure survives for chunking and display. No de-hyphenation:
    authors wrap source text by hand, so a line ending in "low-" continues "low-density".
    """
    text = normalize_unicode(text)
    blocks: list[str] = []
    for block in re.split(r"\n[ \t]*\n", text):
        lines = [_RUNS_OF_SPACES.sub(" ", line.strip()) for line in block.split("\n")]
        lines = [line for line in lines if line]
        if not lines:
            continue
        # Lines are gathered and joined once per output line: re-joining a growing paragraph for
        # every soft-wrapped line would be quadratic (a 3 MB paragraph has 300 000 lines).
        joined: list[list[str]] = []
        judged: list[tuple[bool, bool]] = []  # (structural, list item) of each joined line
        for line in lines:
            # A wrapped paragraph line continues prose, and a wrapped list item continues the item.
            if joined and not _is_structural(line) and (not judged[-1][0] or judged[-1][1]):
                joined[-1].append(line)
                if len(joined[-1]) <= _JUDGED_PREFIX:  # its first characters may still change
                    judged[-1] = _judge_joined(joined[-1])
            else:
                joined.append([line])
                judged.append(_judge_joined(joined[-1]))
        out = [_join_wrapped(parts) for parts in joined]
        # A heading glued to its paragraph by a single newline becomes its own block.
        group: list[str] = []
        for line in out:
            if markdown_heading(line):
                if group:
                    blocks.append("\n".join(group))
                    group = []
                blocks.append(line)
            else:
                group.append(line)
        if group:
            blocks.append("\n".join(group))
    return "\n\n".join(blocks)
