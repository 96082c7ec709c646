"""Spellings that partners type and documents do not: rewritten before search and evidence see a question.

"Aug-Sept 2019" becomes "August-September 2019" and "1:200 000" becomes "1:200,000", so that the dates and
numbers the documents write in full (and that abstention requires to be found) match. Only unambiguous
forms are rewritten: a month abbreviation next to a number or another month, digit groups of exactly three.
"""

from __future__ import annotations

import re

_MONTHS = {
    "jan": "January",
    "feb": "February",
    "mar": "March",
    "apr": "April",
    "jun": "June",
    "jul": "July",
    "aug": "August",
    "sep": "September",
    "sept": "September",
    "oct": "October",
    "nov": "November",
    "dec": "December",
}
_ABBREVIATION = r"(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")"
# "Aug 2019", "Aug-Sept", "aug. 2019", "5 Oct", "5-9 Oct": beside a number or another month, never alone
# ("Jan" the name, "mar" the verb stay as they are).
_MONTH_ABBREVIATION = re.compile(
    r"\b(" + _ABBREVIATION + r")\.?(?=\s*[-–/]?\s*(?:\d|" + _ABBREVIATION + r"\b))"
    r"|(?<=\d\s)(" + _ABBREVIATION + r")\b\.?"
    r"|(?<=[-–/])(" + _ABBREVIATION + r")\b\.?(?=\s*(?:\d|[.,;:?!)]|$))",
    re.IGNORECASE,
)
# "200 000", "1 731" (also with a no-break or thin space): one number, written as the documents do.
# Led by two or three digits (or a scale's "1:"): "Table 3 250 samples" stays two numbers.
_SPACE_GROUPED = re.compile(
    r"(?:(?<=1:)\d{1,3}|(?<![\d.,:])\d{2,3})(?:[ \u00a0\u2009\u202f]\d{3})+(?![\d.,]?\d)"
)


def _month(m: re.Match[str]) -> str:
    word = next(g for g in m.groups() if g)
    return m.group(0) if word.isupper() else _MONTHS[word.lower()]  # "SEP 2" is a code, not September


def normalise_question(text: str) -> str:
    """``text`` with month abbreviations spelled out and space-grouped numbers comma-grouped."""
    text = _MONTH_ABBREVIATION.sub(_month, text)
    return _SPACE_GROUPED.sub(lambda m: re.sub(r"[ \u00a0\u2009\u202f]", ",", m.group(0)), text)
