"""CSV files people open in a spreadsheet: UTF-8 with a byte-order mark, formulas neutralised.

Without the BOM, Excel reads UTF-8 as the local code page and "Géochimie" becomes "GÃ©ochimie". Cells
that start like a formula (``=``, ``+``, ``-``, ``@``) are prefixed with ``'`` so opening an export never
runs anything (CSV injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence

BOM = "\ufeff"


def csv_safe(value: object) -> object:
    """Neutralise spreadsheet formulas in exported cells (CSV injection): ``=cmd()`` becomes ``'=cmd()``."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_text(rows: Sequence[Mapping[str, object]], columns: Sequence[str] | None = None) -> str:
    """``rows`` as CSV text starting with a BOM; ``columns`` (default: the first row's keys) in order."""
    columns = list(columns if columns is not None else (rows[0].keys() if rows else []))
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else csv_safe(row.get(c)) for c in columns])
    return out.getvalue()


def csv_bytes(rows: Sequence[Mapping[str, object]], columns: Sequence[str] | None = None) -> bytes:
    """:func:`csv_text` encoded as UTF-8 (the BOM included)."""
    return csv_text(rows, columns).encode("utf-8")
