"""Reading order of a page from the boxes of its text: columns one after the other, top to bottom.

A two- or three-column page read in the order its producer drew it can interleave the columns line by
line; a scan has no order at all. This module finds the column gutters (x positions that many visual
lines have a gap at, while the text on both sides is wide like prose, not narrow like a table's cells)
and cuts the page into regions: full-width bands (titles, running headers, a figure caption across the
page) and, between them, one region per column. Pure geometry on boxes: it never reads a file.

Coordinates: ``(x0, y0, x1, y1)`` with y growing downwards (image convention); PDF callers flip y.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median

import numpy as np

Box = tuple[float, float, float, float]

MIN_BOXES = 8  # fewer text boxes than this are never split into columns
MIN_GAP_SHARE = 0.015  # a gap between two boxes of a line is at least this share of the text width
MIN_ROWS_WITH_GAP = 5  # a gutter is a gap on at least this many visual lines ...
GAP_ROW_SHARE = 0.25  # ... and on at least this share of the lines that have text on both sides
MIN_COLUMN_SHARE = 0.22  # the boxes of a column are, at the median, this wide (share of the text width)
_SAMPLES = 240


@dataclass(frozen=True)
class Region:
    """Part of a page read as one piece; ``indices`` are its boxes, ``bounds`` its (x0, y0, x1, y1)."""

    indices: tuple[int, ...]
    bounds: Box
    column: int | None  # 0, 1, ... for a column; None for a full-width band


def _rows(boxes: Sequence[Box], order: Sequence[int]) -> list[list[int]]:
    """Indices grouped into visual lines: a box joins a line when its middle is inside the line."""
    rows: list[list[int]] = []
    spans: list[list[float]] = []
    for i in sorted(order, key=lambda j: (boxes[j][1] + boxes[j][3]) / 2):
        middle = (boxes[i][1] + boxes[i][3]) / 2
        if spans and spans[-1][0] <= middle <= spans[-1][1]:
            rows[-1].append(i)
            spans[-1][0] = min(spans[-1][0], boxes[i][1])
            spans[-1][1] = max(spans[-1][1], boxes[i][3])
        else:
            rows.append([i])
            spans.append([boxes[i][1], boxes[i][3]])
    return rows


def find_gutters(boxes: Sequence[Box]) -> list[float]:
    """x positions of column gutters, left to right; [] for a single-column page."""
    usable = [i for i, b in enumerate(boxes) if b[2] > b[0] and b[3] > b[1]]
    if len(usable) < MIN_BOXES:
        return []
    left = min(boxes[i][0] for i in usable)
    right = max(boxes[i][2] for i in usable)
    width = right - left
    if width <= 0:
        return []
    gaps: list[tuple[float, float]] = []
    rows = _rows(boxes, usable)
    for row in rows:
        ordered = sorted(row, key=lambda j: boxes[j][0])
        reach = boxes[ordered[0]][2]
        for j in ordered[1:]:
            if boxes[j][0] - reach >= MIN_GAP_SHARE * width:
                gaps.append((reach, boxes[j][0]))
            reach = max(reach, boxes[j][2])
    if len(gaps) < MIN_ROWS_WITH_GAP:
        return []
    xs = left + width * (0.15 + 0.7 * np.arange(_SAMPLES) / (_SAMPLES - 1))
    gap = np.array(gaps)
    gap_rows = ((gap[:, :1] <= xs) & (xs <= gap[:, 1:])).sum(axis=0)
    arr = np.array([boxes[i] for i in usable])
    crossing = ((arr[:, :1] < xs) & (xs < arr[:, 2:3])).sum(axis=0)
    # Lines with text on both sides of x: the leftmost right edge is left of x, the rightmost left edge right.
    reach = np.array([[min(boxes[j][2] for j in row), max(boxes[j][0] for j in row)] for row in rows])
    both_sides = ((reach[:, :1] <= xs) & (xs <= reach[:, 1:])).sum(axis=0)
    ok = (
        (gap_rows >= MIN_ROWS_WITH_GAP)
        & (gap_rows >= GAP_ROW_SHARE * np.maximum(1, both_sides))
        & (crossing <= gap_rows)
    )
    candidates = [int(k) for k in np.flatnonzero(ok)]
    gutters: list[float] = []
    run: list[int] = []
    for k in [*candidates, None]:
        if k is not None and run and k == run[-1] + 1:
            run.append(k)
            continue
        if run:
            best = max(run, key=lambda j: (gap_rows[j], -crossing[j]))
            peers = [j for j in run if gap_rows[j] == gap_rows[best] and crossing[j] == crossing[best]]
            gutters.append(float(xs[peers[len(peers) // 2]]))
        run = [k] if k is not None else []
    return _wide_columns(boxes, usable, gutters, left, right)


def _wide_columns(
    boxes: Sequence[Box], usable: Sequence[int], gutters: list[float], left: float, right: float
) -> list[float]:
    """Gutters whose columns hold prose-wide boxes; a narrow column is a table's, not a page's."""
    width = right - left
    while gutters:
        edges = [left, *gutters, right]
        narrow = None
        for c in range(len(edges) - 1):
            inside = [
                boxes[i][2] - boxes[i][0]
                for i in usable
                if edges[c] <= boxes[i][0] and boxes[i][2] <= edges[c + 1]
            ]
            if len(inside) < MIN_ROWS_WITH_GAP or median(inside) < MIN_COLUMN_SHARE * width:
                narrow = c
                break
        if narrow is None:
            return gutters
        # Drop the gutter beside the narrow column that has the fewer gaps; try again.
        drop = min(narrow, len(gutters) - 1)
        gutters = gutters[:drop] + gutters[drop + 1 :]
    return []


def reading_order(boxes: Sequence[Box], gutters: Sequence[float] | None = None) -> list[list[int]]:
    """Box indices grouped by region, regions in reading order, each sorted top to bottom."""
    return [list(region.indices) for region in regions(boxes, gutters)]


def regions(boxes: Sequence[Box], gutters: Sequence[float] | None = None) -> list[Region]:
    """The page cut into full-width bands and columns, in reading order (see the module docstring)."""
    if not boxes:
        return []
    gutters = find_gutters(boxes) if gutters is None else list(gutters)
    order = sorted(range(len(boxes)), key=lambda i: ((boxes[i][1] + boxes[i][3]) / 2, boxes[i][0]))
    x_lo = min(b[0] for b in boxes)
    x_hi = max(b[2] for b in boxes)
    if not gutters:
        y_lo = min(b[1] for b in boxes)
        y_hi = max(b[3] for b in boxes)
        return [Region(tuple(order), (x_lo, y_lo, x_hi, y_hi), None)]
    edges = [x_lo, *gutters, x_hi]

    def crosses(i: int) -> bool:
        return any(boxes[i][0] < g < boxes[i][2] for g in gutters)

    # Walk down the page: a full-width box closes the column band above it.
    out: list[Region] = []
    band: list[int] = []
    full: list[int] = []

    def column_of(i: int) -> int:
        middle = (boxes[i][0] + boxes[i][2]) / 2
        return sum(1 for g in gutters if middle >= g)

    def flush_band() -> None:
        if not band:
            return
        for c in range(len(edges) - 1):
            members = [i for i in band if column_of(i) == c]
            if members:
                out.append(Region(tuple(members), _bounds(boxes, members, edges[c], edges[c + 1]), c))
        band.clear()

    def flush_full() -> None:
        if full:
            out.append(Region(tuple(full), _bounds(boxes, full, x_lo, x_hi), None))
            full.clear()

    for i in order:
        if crosses(i):
            flush_band()
            full.append(i)
        else:
            flush_full()
            band.append(i)
    flush_band()
    flush_full()
    return out


def _bounds(boxes: Sequence[Box], members: Sequence[int], x0: float, x1: float) -> Box:
    return (
        min(x0, *(boxes[i][0] for i in members)),
        min(boxes[i][1] for i in members),
        max(x1, *(boxes[i][2] for i in members)),
        max(boxes[i][3] for i in members),
    )
