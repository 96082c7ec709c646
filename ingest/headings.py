"""Recognising section headings in cleaned text, shared by cleaning (which keeps headings on their own
lines) and chunking (which starts sections at them).

Deliberately conservative: a false heading splits a passage in two and mislabels it, which costs more
than a missed heading. Never changes text; it only answers "is this line a heading?".
"""

from __future__ import annotations

import re

# Closing hashes ("## Title ##") are trimmed in markdown_heading, not by a lazy group followed by
# "[ \t#]*$": that backtracks quadratically on a long line such as "# x # # # ...".
MARKDOWN_HEADING = re.compile(r"^(#{1,6})[ \t]+(\S.*)$")
_NUMBERED = re.compile(
    r"^(?:\d{1,2}(?:\.\d{1,2}){0,3}\.?|[IVX]{1,4}\.|[A-H]\.|(?:Annex|Appendix|Chapter|Section|Part)"
    r"\s+[\dA-Z]{1,3}[.:]?)\s+(?P<rest>\S.*)$"
)
_LIST_ITEM = re.compile(r"^(?:[-*+•▪◦‣–]\s|\(?\d{1,3}[.)]\s|\(?[a-z][.)]\s)")
_SMALL_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "by",
        "for",
        "from",
        "in",
        "into",
        "of",
        "on",
        "or",
        "per",
        "the",
        "to",
        "vs",
        "via",
        "with",
        "du",
        "de",
        "la",
        "le",
        "et",
    ]
)
_TERMINAL = ".,;:!?-–—/&(+="
MAX_HEADING_CHARS = 100


def markdown_heading(line: str) -> str | None:
    """The heading text of a ``## Heading`` line, else None."""
    m = MARKDOWN_HEADING.match(line.strip())
    if not m:
        return None
    rest = m.group(2)
    return rest[: max(1, len(rest.rstrip(" \t#")))].strip()  # the first character is always kept


def is_list_item(line: str) -> bool:
    return bool(_LIST_ITEM.match(line.strip()))


def _words_capitalised(words: list[str]) -> bool:
    significant = [w for w in words if w.lower() not in _SMALL_WORDS]
    return bool(significant) and all(w[0].isupper() or not w[0].isalpha() for w in significant)


_MONTH_START = re.compile(r"^(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b", re.I)


def is_numbered_heading(line: str) -> bool:
    """ "2.1 Sampling media", "Annex A Glossary", "IV. Results" — but not "29 August" or "12 Samples"."""
    text = line.strip()
    m = _NUMBERED.match(text)
    if not m or text[-1] in _TERMINAL:
        return False
    number, rest = text[: m.start("rest")].strip(), m.group("rest")
    if number.isdigit() and int(number) > 30:
        return False
    return rest[0].isupper() and len(rest.split()) <= 12 and not _MONTH_START.match(rest)


def is_heading_line(line: str, *, sentence_case_ok: bool = False) -> bool:
    """True for a line that reads like a section heading of a report.

    Markdown headings; numbered section lines ("2.1 Sampling media", "Annex A Data"); short title-case
    lines without a final period ("Executive Summary", "RESULTS"). ``sentence_case_ok`` also accepts
    short sentence-case lines ("Sampling media and methods") — only for callers that have checked the
    surrounding lines (a heading sits between finished sentences and a capitalised paragraph).
    """
    text = line.strip()
    if not text or len(text) > MAX_HEADING_CHARS:
        return False
    if MARKDOWN_HEADING.match(text):
        return True
    if text[-1] in _TERMINAL or not any(c.isalpha() for c in text) or is_list_item(text):
        return False
    if is_numbered_heading(text):
        return True
    words = text.split()
    if not text[0].isupper() or len(words) > 8 or len(text) > 70:
        return False
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 3 or sum(c.isdigit() for c in text) > 4:
        return False
    if all(c.isupper() for c in letters):
        return True
    if len(words) >= 2 and _words_capitalised(words):
        return True
    return sentence_case_ok and len(words) <= 8


def _ends_sentence(text: str) -> bool:
    return text.rstrip().rstrip("\"')]”’").endswith((".", "!", "?", ":"))


def is_heading_in_context(
    line: str, previous: str | None, following: str | None, *, previous_is_short: bool = False
) -> bool:
    """A heading of extracted PDF text, judged with its neighbours.

    Sentence-case headings ("Sampling media") are accepted only where a heading can stand: after a
    finished sentence, a short line such as a table row (``previous_is_short``) or at the start, and
    before a capitalised line, and not ending in a word such as "of" or "the" that would make it the
    first half of a wrapped sentence.
    """
    text = line.strip()
    if not is_heading_line(text, sentence_case_ok=True):
        return False
    if MARKDOWN_HEADING.match(text) or is_numbered_heading(text):
        return True
    if text.split()[-1].lower() in _SMALL_WORDS:
        return False
    if previous is not None and previous.strip() and not previous_is_short and not _ends_sentence(previous):
        return False
    if following is None or not following.strip():
        return is_heading_line(text)  # strict rules only: nothing follows to confirm it
    first = following.strip()[0]
    return first.isupper() or first.isdigit() or not first.isalpha()


def heading_text(line: str) -> str:
    """The heading as it should be shown: Markdown hashes removed, whitespace trimmed."""
    return markdown_heading(line) or line.strip()
