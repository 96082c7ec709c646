"""Reading a PDF report into a :class:`ParsedDocument`: page texts, printed page labels, title, date.

pypdf is imported at module level so that forked sandbox children start with it loaded. Meant to
run inside the sandbox child (``ingest.sandbox``): pypdf has had infinite loops and memory
bombs, so this module must never be called on an untrusted file in the main process, and it must never
import torch or anything from ``index``/``bot`` (the forked child must stay small and thread-free).
Everything it raises for a bad file is a :class:`DocumentError` with a one-line reason.

Plain ``extract_text()`` is used, never ``extraction_mode="layout"``: plain mode follows the content
stream, which reads most two-column pages column by column, while layout mode interleaves the two columns
line by line. Where PDFium finds columns that the content stream reads in another order, the page is read
column by column instead (``ingest.pdf_pages.choose_column_text``). Ruled tables found by pdfplumber
replace the lines their cells ran into with one line per row that carries the header
(``ingest.tables``). Pages without a usable text layer are rendered and read by OCR (``ingest.ocr``),
which only ever happens in a second pass (``defer_ocr``), so a scan never holds up born-digital files.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError

from ingest import pdf_layout
from ingest.clean import clean_pdf_pages, normalize_unicode
from ingest.dates import iso_date, pdf_document_date
from ingest.documents import DOC_TYPE_REPORT, DOC_TYPES, Page, PageOcr, ParsedDocument
from ingest.errors import DocumentError
from ingest.headings import heading_text, is_heading_line
from ingest.ocr import OcrOptions, PageReader
from ingest.pdf_pages import (
    choose_column_text,
    fill_tables,
    is_garbled,
    needs_ocr,
    place_table,
    table_key,
    table_text,
)
from ingest.sandbox import report_progress

log = logging.getLogger(__name__)

_KEYWORD_DATE = re.compile(r"\bdate\s*[:=]\s*(\d{4}-\d{2}-\d{2})", re.I)
_KEYWORD_TYPE = re.compile(r"\b(?:doc_)?type\s*[:=]\s*(\w+)", re.I)
_TITLE_JUNK = re.compile(r"^(?:microsoft (?:word|powerpoint|excel) - |untitled\b)", re.I)
_FILE_NAME_TITLE = re.compile(r"^\S+\.(?:pdf|docx?|odt|rtf|tex|dvi|indd|pptx?|xlsx?)$", re.I)


@dataclass(frozen=True)
class OcrNeeded:
    """The first pass's answer for a PDF with pages that only OCR can read (1-based page numbers)."""

    pages: tuple[int, ...]


def _meta_text(meta: object, key: str) -> str | None:
    try:
        value = meta.get(key) if meta is not None else None  # type: ignore[attr-defined]
    except Exception:  # malformed metadata objects raise anything
        return None
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


_EAST_ASIAN = dict.fromkeys(("CJK", "HIRAGANA", "KATAKANA", "HANGUL", "IDEOGRAPHIC", "HALFWIDTH"), "CJK")


def _few_scripts(line: str) -> bool:
    """Letters from at most two scripts ("LATIN", "CJK"...): a title mixing Greek, Cyrillic and N'Ko
    letters is a font without a Unicode mapping, not a title."""
    scripts = {unicodedata.name(c, "?").split(" ")[0] for c in line if c.isalpha()}
    return len({_EAST_ASIAN.get(script, script) for script in scripts}) <= 2


def _title_from_text(first_page: str) -> str | None:
    for line in first_page.split("\n")[:12]:
        line = line.strip()
        readable = 3 <= len(line) <= 150 and sum(c.isalpha() for c in line) >= 3 and _few_scripts(line)
        if readable and (is_heading_line(line) or len(line.split()) <= 15):
            return heading_text(line)
    return None


def _page_labels(reader) -> list[str | None]:
    """Printed labels ("iv", "12") when the PDF defines /PageLabels; None otherwise."""
    try:
        if "/PageLabels" not in reader.trailer["/Root"]:
            return [None] * len(reader.pages)
        labels = list(reader.page_labels)
    except Exception as exc:  # a broken label tree must not cost us the text
        log.debug("page labels unreadable: %s", exc)
        return [None] * len(reader.pages)
    if len(labels) != len(reader.pages):
        return [None] * len(reader.pages)
    return [str(label) if label else None for label in labels]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def read_pdf(
    path: str | Path,
    *,
    doc_id: str,
    content_hash: str,
    max_pages: int,
    ocr: OcrOptions | None = None,
    defer_ocr: bool = False,
    tables: bool = True,
) -> ParsedDocument | OcrNeeded:
    """Parse one PDF. Pages that fail to extract are kept empty (one bad page does not lose the
    others); a file with no text at all, an unknown password or too many pages is refused.

    Pages without a usable text layer are read by OCR when ``ocr`` is given; with ``defer_ocr`` the
    call returns :class:`OcrNeeded` instead, for the caller to run the OCR pass later. Without ``ocr``
    such pages stay empty (a document with no other text is refused)."""
    path = Path(path)
    try:
        reader = PdfReader(path, strict=False)
    except Exception as exc:
        raise DocumentError(f"damaged or unreadable PDF ({_first_line(exc)})") from exc

    if reader.is_encrypted:
        try:
            unlocked = reader.decrypt("")
        except Exception as exc:  # missing AES support, broken encryption dictionaries
            raise DocumentError(f"encrypted PDF that cannot be decrypted ({_first_line(exc)})") from exc
        if not unlocked:
            raise DocumentError("encrypted (password required)")

    try:
        page_count = len(reader.pages)
    except FileNotDecryptedError as exc:
        raise DocumentError("encrypted (password required)") from exc
    except Exception as exc:
        raise DocumentError(f"damaged or unreadable PDF page tree ({_first_line(exc)})") from exc
    if page_count == 0:
        raise DocumentError("PDF has no pages")
    if page_count > max_pages:
        raise DocumentError(f"too many pages ({page_count} > limit {max_pages})")

    raw_pages: list[str] = []
    page_errors: list[str] = []
    for number in range(page_count):
        try:
            raw_pages.append(reader.pages[number].extract_text() or "")
        except Exception as exc:
            page_errors.append(f"p{number + 1} {_first_line(exc)}")
            raw_pages.append("")
    if page_errors:
        log.warning(
            "%s: text extraction failed on %d page(s): %s", path.name, len(page_errors), page_errors[0]
        )

    if len(page_errors) == page_count:
        # pypdf could not read a single page: a damaged or hostile file (a decompression bomb trips its
        # limits here). PDFium is not handed it for layout or OCR: it would meet the same content
        # without those limits, and a failed allocation under the sandbox's cap aborts the child.
        raise DocumentError(f"text extraction failed on every page ({page_errors[0]})")
    layout = _Layout.open(path, page_count)
    scanned = layout.scanned(raw_pages) if layout else []
    if scanned and ocr is not None and defer_ocr:
        return OcrNeeded(tuple(i + 1 for i in scanned))
    ocr_pages: dict[int, PageOcr] = {}
    ocr_notes: list[str] = []
    if scanned and ocr is not None and layout is not None:
        ocr_pages, ocr_notes = layout.recognise(scanned, raw_pages, ocr)
    table_blocks: dict[str, str] = {}
    if layout is not None:
        table_blocks = layout.arrange(path, raw_pages, skip=set(scanned), tables=tables)

    if not any(page.strip() for page in raw_pages):
        if scanned and ocr_pages:
            raise DocumentError("no text recognised on the scanned pages (blank or unreadable images)")
        if scanned and ocr is None:
            raise DocumentError("no text layer (scanned/image-only PDF?) and OCR is turned off")
        raise DocumentError("no text layer (scanned/image-only PDF?)")
    layer_text = "".join(raw_pages[i] for i in range(page_count) if i + 1 not in ocr_pages)
    if is_garbled(normalize_unicode(layer_text)):
        raise DocumentError("text layer is unreadable (fonts without a Unicode mapping)")

    texts = [fill_tables(text, table_blocks) for text in clean_pdf_pages(raw_pages)]
    labels = _page_labels(reader)
    pages = tuple(
        Page(number=i + 1, text=text, label=labels[i], ocr=ocr_pages.get(i + 1))
        for i, text in enumerate(texts)
    )

    meta = None
    try:
        meta = reader.metadata
    except Exception as exc:
        log.debug("%s: metadata unreadable: %s", path.name, exc)
    keywords = _meta_text(meta, "/Keywords") or ""
    title = _meta_text(meta, "/Title")
    if title and _TITLE_JUNK.match(title):
        title = _TITLE_JUNK.sub("", title).strip() or None
    if title and _FILE_NAME_TITLE.match(title):
        title = None  # "Binder1.pdf", "report_v3.docx": the producer's file name, not a title
    title = title or _title_from_text(texts[0] if texts else "") or path.stem

    stated = None
    if m := _KEYWORD_DATE.search(keywords):
        stated = iso_date(m.group(1))
    stated = stated or iso_date(_meta_text(meta, "/ICGGDate"))
    date = pdf_document_date(stated, texts[0] if texts else "", _meta_text(meta, "/CreationDate"))
    doc_type = DOC_TYPE_REPORT
    if (m := _KEYWORD_TYPE.search(keywords)) and m.group(1).lower() in DOC_TYPES:
        doc_type = m.group(1).lower()

    extra: dict[str, str] = {"pages": str(page_count)}
    if page_errors:
        extra["page_errors"] = "; ".join(page_errors[:5])
    if table_blocks:
        extra["tables"] = str(len(table_blocks))
    if ocr_pages:
        extra.update(_ocr_summary(ocr_pages))
    if ocr_notes:
        extra["ocr_notes"] = "; ".join(ocr_notes)
    for key, name in (("/Author", "author"), ("/Subject", "subject")):
        if value := _meta_text(meta, key):
            extra[name] = value
    return ParsedDocument(
        doc_id=doc_id,
        path=str(path.resolve()),
        content_hash=content_hash,
        doc_type=doc_type,
        title=title,
        date=date,
        source=path.name,
        pages=pages,
        extra=extra,
    )


def _ocr_summary(ocr_pages: dict[int, PageOcr]) -> dict[str, str]:
    """What the staff report says about OCR: pages, engine(s), mean confidence, time per page."""
    seconds = [p.seconds for p in ocr_pages.values()]
    confidences = [p.confidence for p in ocr_pages.values() if p.confidence is not None]
    summary = {
        "ocr_pages": str(len(ocr_pages)),
        "ocr_engine": "+".join(sorted({p.engine for p in ocr_pages.values()})),
        "ocr_seconds": f"{sum(seconds):.1f}",
        "ocr_slowest_page_s": f"{max(seconds):.1f}",
        "ocr_page_seconds": ", ".join(f"p{n} {p.seconds:.1f}" for n, p in sorted(ocr_pages.items())),
    }
    if confidences:
        summary["ocr_confidence"] = f"{sum(confidences) / len(confidences):.3f}"
    truncated = [str(n) for n, p in sorted(ocr_pages.items()) if p.truncated]
    if truncated:
        summary["ocr_truncated_pages"] = ", ".join(truncated)
    return summary


class _Layout:
    """PDFium's view of one document, for the page decisions that need more than pypdf's text."""

    def __init__(self, doc, facts: list):
        self.doc = doc
        self.facts = facts  # PageFacts or None, per page

    @classmethod
    def open(cls, path: Path, page_count: int) -> _Layout | None:
        doc = pdf_layout.open_document(path)
        if doc is None:
            return None
        try:
            if len(doc) != page_count:
                return None  # PDFium and pypdf disagree about the file: trust neither's geometry
        except Exception:
            return None
        return cls(doc, [pdf_layout.page_facts(doc, i) for i in range(page_count)])

    def scanned(self, raw_pages: list[str]) -> list[int]:
        """0-based indices of the pages only OCR can read."""
        return [i for i, raw in enumerate(raw_pages) if needs_ocr(raw, self.facts[i])]

    def recognise(
        self, indices: list[int], raw_pages: list[str], options: OcrOptions
    ) -> tuple[dict[int, PageOcr], list[str]]:
        """OCR of the given pages into ``raw_pages``, progress reported page by page; returns what each
        page's reading was and notes for staff (e.g. Tesseract missing for a configured language)."""
        reader = PageReader(options)
        done: dict[int, PageOcr] = {}
        report_progress(0, len(indices))
        reader.prepare()  # its own step: loading the engine does not eat the first page's budget
        report_progress(0, len(indices))
        for k, i in enumerate(indices):
            image = pdf_layout.render_page(self.doc, i, options.dpi)
            result = reader.read(image)
            del image
            raw_pages[i] = result.text
            done[i + 1] = PageOcr(
                result.engine, result.confidence, round(result.seconds, 3), result.truncated
            )
            report_progress(k + 1, len(indices))
        return done, reader.notes

    def arrange(self, path: Path, raw_pages: list[str], *, skip: set[int], tables: bool) -> dict[str, str]:
        """Read multi-column pages column by column and put tables in place, in ``raw_pages``; returns
        the table blocks by placeholder key."""
        candidates = [
            i + 1
            for i, facts in enumerate(self.facts)
            if tables and i not in skip and facts is not None and facts.paths >= pdf_layout.MIN_TABLE_PATHS
        ]
        found = pdf_layout.find_tables(path, candidates)
        blocks: dict[str, str] = {}
        for i, facts in enumerate(self.facts):
            if i in skip or facts is None or not raw_pages[i].strip():
                continue
            page_tables = found.get(i + 1, [])
            if page_tables:
                facts = _without_boxes_in(facts, [t.box for t in page_tables])
            text = choose_column_text(raw_pages[i], pdf_layout.column_text(self.doc, i, facts))
            for table in page_tables:
                key = table_key(len(blocks))
                placed = place_table(text, table, key)
                if placed is None:
                    log.debug("%s: table on page %d not found in the text layer", path.name, i + 1)
                    continue
                text = placed
                blocks[key] = table_text(table)
            raw_pages[i] = text
        return blocks


def _without_boxes_in(facts, areas):
    """The facts with the text boxes whose middle lies inside one of ``areas`` left out."""

    def inside(box) -> bool:
        x, y = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        return any(a[0] <= x <= a[2] and a[1] <= y <= a[3] for a in areas)

    return replace(facts, text_boxes=tuple(b for b in facts.text_boxes if not inside(b)))
