"""Reading a Word (.docx) file into a :class:`ParsedDocument`: headings, paragraphs and tables in order.

python-docx reads the body; headings (styles "Title", "Heading 1".."Heading 9") become Markdown heading
lines, as news items have, so the chunker starts sections at them; tables become table blocks whose rows
carry their header (``ingest.tables``); list paragraphs keep a "- " marker. A Word file has no fixed
pages: a page ends at a hard page break, or where Word last laid out one (``lastRenderedPageBreak``), so
citations point near the right page. Metadata come from the core properties, with the same "date:" and
"type:" keyword convention as the PDFs.

Runs in the sandboxed parser child (a .docx is a zip of XML: a hostile one can be a decompression bomb).
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

from ingest.clean import clean_text, normalize_unicode
from ingest.dates import find_date, iso_date
from ingest.documents import DOC_TYPE_REPORT, DOC_TYPES, Page, ParsedDocument
from ingest.errors import DocumentError
from ingest.tables import format_table, make_table

_KEYWORD_DATE = re.compile(r"\bdate\s*[:=]\s*(\d{4}-\d{2}-\d{2})", re.I)
_KEYWORD_TYPE = re.compile(r"\b(?:doc_)?type\s*[:=]\s*(\w+)", re.I)
_HEADING_STYLE = re.compile(r"^heading\s*([1-9])$", re.I)
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MAX_XML_BYTES = 200 * 1024 * 1024  # a document.xml inflating past this is refused, not parsed


def _heading_level(paragraph) -> int | None:
    name = (paragraph.style.name if paragraph.style is not None else "") or ""
    if name.lower() == "title":
        return 1
    m = _HEADING_STYLE.match(name.strip())
    return int(m.group(1)) if m else None


def _is_list(paragraph) -> bool:
    name = ((paragraph.style.name if paragraph.style is not None else "") or "").lower()
    numbered = paragraph._p.find(f"{_W}pPr/{_W}numPr") is not None
    return numbered or name.startswith("list")


def _breaks(paragraph) -> tuple[bool, bool]:
    """(a page begins before this paragraph, a page begins after it)."""
    element = paragraph._p
    rendered = element.find(f".//{_W}lastRenderedPageBreak") is not None
    hard = any(br.get(f"{_W}type") == "page" for br in element.iter(f"{_W}br"))
    return rendered, hard


def _table_block(table) -> str:
    rows = []
    for row in table.rows:
        cells, previous = [], None
        for cell in row.cells:
            # A merged cell is returned once per grid column it spans; keep its text once.
            text = "\n".join(p.text for p in cell.paragraphs)
            cells.append("" if cell._tc is previous else text)
            previous = cell._tc
        rows.append(cells)
    header = bool(table.rows) and _repeats_as_header(table.rows[0])
    parsed = make_table(rows, header=True if header else None)
    return normalize_unicode(format_table(parsed)) if parsed else ""


def _repeats_as_header(row) -> bool:
    """Word marks a header row with <w:tblHeader/> ("repeat as header row")."""
    properties = row._tr.find(f"{_W}trPr")
    return properties is not None and properties.find(f"{_W}tblHeader") is not None


def _check_size(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if "word/document.xml" not in names:
                raise DocumentError("not a Word document (a zip file without word/document.xml)")
            total = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise DocumentError(f"damaged Word file ({exc})") from exc
    if total > MAX_XML_BYTES:
        limit = MAX_XML_BYTES // 1024 // 1024
        raise DocumentError(f"Word file unpacks to {total / 1024 / 1024:.0f} MB (limit {limit} MB)")


def read_docx(path: str | Path, *, doc_id: str, content_hash: str) -> ParsedDocument:
    """Parse one .docx file (see the module docstring); DocumentError with the reason otherwise."""
    import docx  # python-docx; lxml loads only in the child that reads Word files

    path = Path(path)
    _check_size(path)
    try:
        document = docx.Document(str(path))
    except Exception as exc:
        raise DocumentError(f"damaged or unreadable Word file ({type(exc).__name__}: {exc})") from exc

    pages: list[list[tuple[bool, str]]] = [[]]  # (is a table, text) blocks of each page
    first_heading = None
    tables = 0
    for item in document.iter_inner_content():
        if item.__class__.__name__ == "Table":
            block = _table_block(item)
            if block:
                pages[-1].append((True, block))
                tables += 1
            continue
        before, after = _breaks(item)
        if before and pages[-1]:
            pages.append([])
        text = " ".join(item.text.split())
        if text:
            level = _heading_level(item)
            if level is not None:
                first_heading = first_heading or text
                pages[-1].append((False, f"{'#' * min(level, 6)} {text}"))
            elif _is_list(item):
                pages[-1].append((False, f"- {text}"))
            else:
                pages[-1].append((False, text))
        if after and pages[-1]:
            pages.append([])
    texts = [_page_text(blocks) for blocks in pages]
    texts = [t for t in texts if t.strip()]
    if not texts:
        raise DocumentError("no text (empty Word document)")

    props = document.core_properties
    keywords = props.keywords or ""
    title = " ".join((props.title or "").split()) or first_heading or path.stem
    date = None
    if m := _KEYWORD_DATE.search(keywords):
        date = iso_date(m.group(1))
    created = props.created
    date = date or (created.date().isoformat() if isinstance(created, dt.datetime) else None)
    date = date or find_date(texts[0][:2000])
    doc_type = DOC_TYPE_REPORT
    if (m := _KEYWORD_TYPE.search(keywords)) and m.group(1).lower() in DOC_TYPES:
        doc_type = m.group(1).lower()
    extra = {"pages": str(len(texts)), "format": "docx"}
    for value, name in ((props.author, "author"), (props.subject, "subject")):
        if value and value.strip():
            extra[name] = " ".join(value.split())
    if tables:
        extra["tables"] = str(tables)
    return ParsedDocument(
        doc_id=doc_id,
        path=str(path.resolve()),
        content_hash=content_hash,
        doc_type=doc_type,
        title=title,
        date=date,
        source=path.name,
        pages=tuple(Page(number=i + 1, text=t) for i, t in enumerate(texts)),
        language=(props.language or None),
        extra=extra,
    )


def _page_text(blocks: list[tuple[bool, str]]) -> str:
    """Blocks of one page, each cleaned like Markdown text; a table block keeps its lines."""
    out = [text if is_table else clean_text(text) for is_table, text in blocks]
    return "\n\n".join(b for b in out if b.strip())
