"""Turning the many spellings of a publication date into ISO ``YYYY-MM-DD`` (or ``YYYY-MM``/``YYYY``).

Dates drive the browse-by-date view, so a wrong date is worse than none: every parser here returns None
rather than guess when the text is ambiguous, and rejects years outside 1900–2100.
"""

from __future__ import annotations

import datetime as dt
import re

_MONTHS = {
    name: i
    for i, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
            ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
            ("october", "oct"), ("november", "nov"), ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}  # fmt: skip
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))

_ISO = re.compile(r"(?<!\d)((?:19|20)\d\d)[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
_DAY_MONTH_YEAR = re.compile(
    rf"(?<!\d)(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH_RE})\.?,?\s+((?:19|20)\d\d)(?!\d)", re.I
)
_MONTH_DAY_YEAR = re.compile(
    rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+((?:19|20)\d\d)(?!\d)", re.I
)
_MONTH_YEAR = re.compile(rf"\b({_MONTH_RE})\.?,?\s+((?:19|20)\d\d)(?!\d)", re.I)
_YEAR_MONTH = re.compile(r"^((?:19|20)\d\d)-(\d{1,2})$")
_YEAR = re.compile(r"^((?:19|20)\d\d)$")
_PDF_DATE = re.compile(r"^(?:D:)?((?:19|20)\d\d)(\d\d)?(\d\d)?")
_FILENAME_DATE = re.compile(r"^((?:19|20)\d\d)-(\d\d)-(\d\d)(?!\d)")


def _ymd(year: int, month: int, day: int) -> str | None:
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def iso_date(value: object) -> str | None:
    """A date from front matter or metadata (date, datetime or string) as ISO text, else None."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int) and 1900 <= value <= 2100:
        return str(value)
    if not isinstance(value, str):
        return None
    text = value.strip()
    if m := _YEAR.match(text):
        return m.group(1)
    if m := _YEAR_MONTH.match(text):
        month = int(m.group(2))
        return f"{m.group(1)}-{month:02d}" if 1 <= month <= 12 else None
    return find_date(text)


def find_date(text: str) -> str | None:
    """The first full date written in ``text`` (ISO, "16 September 2021", "September 16, 2021"),
    else the first "September 2021"; None when there is none."""
    candidates: list[tuple[int, str]] = []
    for m in _ISO.finditer(text):
        if iso := _ymd(int(m.group(1)), int(m.group(2)), int(m.group(3))):
            candidates.append((m.start(), iso))
            break
    for m in _DAY_MONTH_YEAR.finditer(text):
        if iso := _ymd(int(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1))):
            candidates.append((m.start(), iso))
            break
    for m in _MONTH_DAY_YEAR.finditer(text):
        if iso := _ymd(int(m.group(3)), _MONTHS[m.group(1).lower()], int(m.group(2))):
            candidates.append((m.start(), iso))
            break
    if candidates:
        return min(candidates)[1]
    if m := _MONTH_YEAR.search(text):
        return f"{m.group(2)}-{_MONTHS[m.group(1).lower()]:02d}"
    return None


def parse_pdf_date(value: object) -> str | None:
    """A PDF date string ("D:20210916120000+08'00'") as ISO text, else None."""
    if not isinstance(value, str):
        return None
    m = _PDF_DATE.match(value.strip())
    if not m:
        return None
    year, month, day = m.group(1), m.group(2), m.group(3)
    if month and day:
        return _ymd(int(year), int(month), int(day))
    if month and 1 <= int(month) <= 12:
        return f"{year}-{month}"
    return year


def date_from_filename(name: str) -> str | None:
    """The ``YYYY-MM-DD`` prefix of a file name such as ``2021-09-16-visit.md``."""
    m = _FILENAME_DATE.match(name)
    return _ymd(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None


FIRST_PAGE_CHARS = 2000  # where a report's cover or heading date is written


def pdf_document_date(stated: str | None, first_page: str, creation_date: str | None) -> str | None:
    """The date a PDF document is about, in order of trust.

    1. ``stated``: a date its producer wrote for us (``date:`` in the keywords, ``/ICGGDate``).
    2. The first date written near the top of the first page: a report's cover or dateline.
    3. The ``/CreationDate`` metadata (a PDF date string): when the *file* was made. A report exported
       or printed to PDF on the day it is uploaded carries that day, so it comes last.
    """
    return stated or find_date(first_page[:FIRST_PAGE_CHARS]) or parse_pdf_date(creation_date)
