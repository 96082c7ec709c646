"""How a table is written into a page's text, so that one row can be found, quoted and cited with its header.

A table becomes one block of lines, one line per body row, each cell carrying its column header::

    Element: Se | Medium: topsoil | Median: 0.2 mg/kg
    Element: Cd | Medium: topsoil | Median: 0.14 mg/kg

A row read alone ("what is the median selenium in topsoil?") still says what each value is, and the
sentence splitter quotes it as one line. A table without a header row is written as ``a | b | c``. The
same format is read back by :func:`parse_table_block` (the chunker keeps a table block in a chunk of its
own; the web app draws it as a table). Pure functions on strings: no PDF or Word parsing here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

CELL_SEPARATOR = " | "
_HEADER_SEPARATOR = ": "
_SPACES = re.compile(r"\s+")
_NUMBER = re.compile(r"^[\s(<>~≈±+-]*[\d.,]+\s*%?\)?$")
MAX_HEADER_CHARS = 60  # a longer first-row cell is text, not a column name


@dataclass(frozen=True)
class Table:
    """Cells as text (``None`` never appears: merged cells are already filled in), header row apart."""

    header: tuple[str, ...] | None
    rows: tuple[tuple[str, ...], ...]

    @property
    def columns(self) -> int:
        return max([len(self.header or ())] + [len(r) for r in self.rows], default=0)


def clean_cell(value: object) -> str:
    """One line of text: whitespace (including line breaks inside a cell) collapsed; the separator
    characters that would make a cell ambiguous are replaced ("|" by "/")."""
    text = _SPACES.sub(" ", "" if value is None else str(value)).strip()
    return text.replace("|", "/")


def _is_number(text: str) -> bool:
    return bool(_NUMBER.match(text))


def looks_like_header(first: Sequence[str], body: Sequence[Sequence[str]]) -> bool:
    """Whether the first row names the columns: every cell filled, short, and not a number, while
    the rows below hold numbers or longer text somewhere (a table of words only still has a header
    when its first row is short and the body is not)."""
    if not body or not first or any(not c for c in first):
        return False
    if any(len(c) > MAX_HEADER_CHARS or _is_number(c) for c in first):
        return False
    if len(set(first)) < len(first) and len(first) > 1:
        return False  # repeated names are a merged data cell, not column names
    body_numbers = any(_is_number(c) for row in body for c in row if c)
    longest_first = max(len(c) for c in first)
    longest_body = max((len(c) for row in body for c in row), default=0)
    return body_numbers or longest_body > longest_first


def make_table(cells: Sequence[Sequence[object]], *, header: bool | None = None) -> Table | None:
    """A :class:`Table` from raw rows (``None`` for empty or merged cells); ``header`` forces the
    first row to be (or not be) the header, ``None`` decides by :func:`looks_like_header`. Rows with no
    text are dropped; None when nothing is left or the table has a single column (that is a list)."""
    rows = [[clean_cell(c) for c in row] for row in cells]
    rows = [r for r in rows if any(r)]
    if not rows:
        return None
    width = max(len(r) for r in rows)
    if width < 2:
        return None
    rows = [r + [""] * (width - len(r)) for r in rows]
    first, body = rows[0], rows[1:]
    if header is None:
        header = looks_like_header(first, body)
    if header and body:
        return Table(tuple(_fill_merged(first)), tuple(tuple(r) for r in body))
    return Table(None, tuple(tuple(r) for r in rows))


def _fill_merged(header: list[str]) -> list[str]:
    """A header cell spanning several columns is repeated over them (its text appears once)."""
    out, last = [], ""
    for cell in header:
        last = cell or last
        out.append(cell or last)
    return out


def format_row(header: Sequence[str] | None, row: Sequence[str]) -> str:
    """One body row as one line; empty cells are left out (with their header)."""
    if header is None:
        return CELL_SEPARATOR.join(c for c in row if c)
    parts = []
    for name, cell in zip(header, row, strict=False):
        if cell:
            parts.append(f"{name}{_HEADER_SEPARATOR}{cell}" if name else cell)
    return CELL_SEPARATOR.join(parts)


def format_table(table: Table) -> str:
    """The table block: one line per body row (see the module docstring); "" for an empty table."""
    lines = [format_row(table.header, row) for row in table.rows]
    return "\n".join(line for line in lines if line)


def is_table_block(text: str) -> bool:
    """Whether a paragraph block was written by :func:`format_table`: every line holds a cell
    separator. Two lines at least, or one line whose cells all carry a header."""
    lines = [line for line in text.strip().split("\n") if line.strip()]
    if not lines or not all(CELL_SEPARATOR in line for line in lines):
        return False
    if len(lines) >= 2:
        return True
    return all(_HEADER_SEPARATOR in cell for cell in lines[0].split(CELL_SEPARATOR))


def parse_row(line: str) -> list[tuple[str, str]]:
    """(header, value) pairs of one row line; header "" for a table without a header row."""
    pairs = []
    for cell in line.strip().split(CELL_SEPARATOR):
        name, sep, value = cell.partition(_HEADER_SEPARATOR)
        if sep and name and len(name) <= MAX_HEADER_CHARS:
            pairs.append((name.strip(), value.strip()))
        else:
            pairs.append(("", cell.strip()))
    return pairs


def parse_table_block(text: str) -> Table | None:
    """The table a block written by :func:`format_table` shows, columns in first-seen order; None if
    the block is not one. Rows that left a cell out get "" there."""
    if not is_table_block(text):
        return None
    parsed = [parse_row(line) for line in text.strip().split("\n") if line.strip()]
    named = all(name for row in parsed for name, _ in row)
    if not named:
        return Table(None, tuple(tuple(v for _, v in row) for row in parsed))
    columns: list[str] = []
    for row in parsed:
        for name, _ in row:
            if name not in columns:
                columns.append(name)
    rows = []
    for row in parsed:
        values = dict(row)
        rows.append(tuple(values.get(name, "") for name in columns))
    return Table(tuple(columns), tuple(rows))
