"""What a PDF page holds besides its text layer: text boxes and columns, images, ruled tables; page images.

pypdf stays the reader of the text layer (``ingest.pdf``). This module adds, per page:

- facts from pypdfium2 (PDFium): the boxes of the text, how much of the page images cover, how many
  vector paths it draws (tables and figures), so the reader can tell a scan from a born-digital page
  and find columns (``ingest.layout``) without rendering anything;
- the column-by-column text of a multi-column page (PDFium reads a region of the page at a time);
- ruled tables found by pdfplumber, only on pages that draw enough paths to hold one;
- the page rendered as an RGB image, for OCR.

Runs only in the sandboxed parser child (both libraries parse untrusted bytes). Anything PDFium or
pdfplumber cannot do on a file costs that feature on that file, never the text pypdf read.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pdfplumber  # imported here, not per call: forked parser children start with it loaded
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ingest.clean import REGION_BREAK
from ingest.layout import Box, find_gutters, regions
from ingest.tables import Table, make_table

log = logging.getLogger(__name__)

MIN_TABLE_PATHS = 4  # pdfplumber only looks for tables on pages drawing at least this many paths
MIN_TABLE_FILL = 0.4  # share of a detected table's cells that hold text (a chart's grid holds none)
MAX_RENDER_SIDE = 2400  # pixels: a page is never rendered larger (RapidOCR reads at most 2000)
_PDFIUM_SOFT_HYPHEN = re.compile("[\x02\ufffe]")


@dataclass(frozen=True)
class PageFacts:
    """One page as PDFium sees it. Boxes are (x0, y0, x1, y1) in points, y downwards from the top."""

    width: float
    height: float
    text_boxes: tuple[Box, ...]
    text_chars: int
    image_share: float  # share of the page area covered by images (overlaps counted once at most)
    paths: int  # vector path objects (lines, rectangles, glyphs drawn as outlines)


@dataclass(frozen=True)
class FoundTable:
    box: Box  # in the same coordinates as PageFacts
    table: Table


def open_document(path: str | Path) -> pdfium.PdfDocument | None:
    """PDFium's view of the file, or None when PDFium cannot open it (pypdf's text still counts)."""
    try:
        return pdfium.PdfDocument(str(path))
    except Exception as exc:  # PdfiumError, or a password it was not given
        log.debug("pdfium cannot open %s: %s", path, exc)
        return None


def page_facts(doc: pdfium.PdfDocument, index: int) -> PageFacts | None:
    """Facts of page ``index`` (0-based); None when PDFium fails on it. The page is closed before
    returning (with its text page), so a long document does not hold every page it was asked about."""
    try:
        with closing(doc[index]) as page:
            width, height = page.get_size()
            textpage = page.get_textpage()
            boxes = []
            for i in range(textpage.count_rects()):
                left, bottom, right, top = textpage.get_rect(i)
                boxes.append((left, height - top, right, height - bottom))
            chars = textpage.count_chars()
            image_area = 0.0
            paths = 0
            for obj in page.get_objects(max_depth=3):
                if obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE:
                    left, bottom, right, top = obj.get_bounds()
                    w = max(0.0, min(right, width) - max(left, 0.0))
                    h = max(0.0, min(top, height) - max(bottom, 0.0))
                    image_area += w * h
                elif obj.type == pdfium_c.FPDF_PAGEOBJ_PATH:
                    paths += 1
    except Exception as exc:
        log.debug("pdfium fails on page %d: %s", index + 1, exc)
        return None
    area = max(1.0, width * height)
    return PageFacts(width, height, tuple(boxes), chars, min(1.0, image_area / area), paths)


def _bounded(textpage, facts: PageFacts, box: Box) -> str:
    x0, y0, x1, y1 = box
    text = textpage.get_text_bounded(left=x0, bottom=facts.height - y1, right=x1, top=facts.height - y0)
    text = _PDFIUM_SOFT_HYPHEN.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return text.strip("\n")


def column_text(doc: pdfium.PdfDocument, index: int, facts: PageFacts) -> str | None:
    """The page read column by column (full-width bands where they are), or None for a page without
    columns or when PDFium fails."""
    gutters = find_gutters(facts.text_boxes)
    if not gutters:
        return None
    try:
        with closing(doc[index]) as page:  # closing a page closes its text page too
            textpage = page.get_textpage()
            parts = []
            for region in regions(facts.text_boxes, gutters):
                x0, y0, x1, y1 = region.bounds
                parts.append(_bounded(textpage, facts, (x0 - 1, y0 - 1, x1 + 1, y1 + 1)))
    except Exception as exc:
        log.debug("pdfium column text fails on page %d: %s", index + 1, exc)
        return None
    return f"\n{REGION_BREAK}\n".join(part for part in parts if part.strip())


def find_tables(path: str | Path, numbers: list[int]) -> dict[int, list[FoundTable]]:
    """Ruled tables on the given pages (1-based) as pdfplumber finds them, top to bottom.

    Each page is closed once searched: pdfplumber keeps a page's parsed layout and objects until then,
    and a 350-page book kept whole needs over a gigabyte (more than the parser child's memory cap)."""
    if not numbers:
        return {}
    found: dict[int, list[FoundTable]] = {}
    try:
        with pdfplumber.open(str(path)) as pdf:
            for number in numbers:
                try:
                    with closing(pdf.pages[number - 1]) as page:
                        for table in _tables_on(page):
                            found.setdefault(number, []).append(table)
                except Exception as exc:  # one page's tables; the page keeps its plain text
                    log.debug("pdfplumber fails on page %d: %s", number, exc)
    except Exception as exc:
        log.debug("pdfplumber cannot open %s: %s", path, exc)
    return found


def _tables_on(page: pdfplumber.page.Page) -> Iterator[FoundTable]:
    x_off, y_off = page.bbox[0], page.bbox[1]
    for t in sorted(page.find_tables(), key=lambda t: t.bbox[1]):
        cells = t.extract()
        filled = sum(1 for row in cells for c in row if c and c.strip())
        total = sum(len(row) for row in cells)
        if len(cells) < 2 or not total or filled / total < MIN_TABLE_FILL:
            continue
        table = make_table(cells)
        if table is None or not table.rows:
            continue
        x0, top, x1, bottom = t.bbox
        yield FoundTable((x0 - x_off, top - y_off, x1 - x_off, bottom - y_off), table)


def render_page(doc: pdfium.PdfDocument, index: int, dpi: int) -> np.ndarray:
    """Page ``index`` as an RGB image (H x W x 3, uint8) at ``dpi``, never larger than
    ``MAX_RENDER_SIDE`` pixels on its longer side (a page 5 m tall is not rendered at 200 dpi)."""
    with closing(doc[index]) as page:  # the bitmap outlives its page
        width, height = page.get_size()
        scale = dpi / 72.0
        longest = max(width, height, 1.0) * scale
        if longest > MAX_RENDER_SIDE:
            scale *= MAX_RENDER_SIDE / longest
        scale = max(scale, 1e-3)
        bitmap = page.render(scale=scale, rev_byteorder=True, may_draw_forms=True)
    image = bitmap.to_numpy()
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    return np.ascontiguousarray(image[:, :, :3])


def a4_share(facts: PageFacts) -> float:
    """The page's area relative to an A4 sheet (595 x 842 pt), at least a tenth of it."""
    return max(0.1, (facts.width * facts.height) / (595.0 * 842.0))


def expected_chars(facts: PageFacts) -> int:
    """Characters a page of text of this size holds at the least (a sparse A4 page holds 200)."""
    return math.ceil(200 * a4_share(facts))
