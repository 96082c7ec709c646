"""Reading a PDF report into a :class:`ParsedDocument`: page texts, printed page labels, title, date.

pypdf is imported at module level so that forked sandbox children start with it loaded. Meant to
run inside the sandbox child (``ingest.sandbox``): pypdf has had infinite loops and memory
bombs, so this module must never be called on an untrusted file in the main process, and it must never
import torch or anything from ``index``/``bot`` (the forked child must stay small and thread-free).
Everything it raises for a bad file is a :class:`DocumentError` with a one-line reason.

Plain ``extract_text()`` is used, never ``extraction_mode="layout"``: plain mode follows the content
stream, which reads two-column pages column by column (checked on the corpus's two-column page and on
LaTeX/pdf.js two-column samples), while layout mode interleaves the two columns line by line.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError

from ingest.clean import clean_pdf_pages, normalize_unicode
from ingest.dates import iso_date, pdf_document_date
from ingest.documents import DOC_TYPE_REPORT, DOC_TYPES, Page, ParsedDocument
from ingest.errors import DocumentError
from ingest.headings import heading_text, is_heading_line

log = logging.getLogger(__name__)

_KEYWORD_DATE = re.compile(r"\bdate\s*[:=]\s*(\d{4}-\d{2}-\d{2})", re.I)
_KEYWORD_TYPE = re.compile(r"\b(?:doc_)?type\s*[:=]\s*(\w+)", re.I)
_TITLE_JUNK = re.compile(r"^(?:microsoft (?:word|powerpoint|excel) - |untitled\b)", re.I)
_FILE_NAME_TITLE = re.compile(r"^\S+\.(?:pdf|docx?|odt|rtf|tex|dvi|indd|pptx?|xlsx?)$", re.I)
GARBLED_SHARE = 0.3  # above this share of unreadable characters, the text layer is not usable


def _meta_text(meta: object, key: str) -> str | None:
    try:
        value = meta.get(key) if meta is not None else None  # type: ignore[attr-defined]
    except Exception:  # malformed metadata objects raise anything
        return None
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def _is_garbled(text: str) -> bool:
    """Text whose characters are mostly replacement characters, private-use code points or stray
    Latin-1 symbols: the font has no usable Unicode mapping, and indexing it would only add noise."""
    chars = [c for c in text if not c.isspace()]
    if len(chars) < 20:
        return False
    bad = 0
    for c in chars:
        cat = unicodedata.category(c)
        if c == "\ufffd" or cat in ("Co", "Cn", "Cc") or ("\u0080" <= c <= "\u00bf"):
            bad += 1
    return bad / len(chars) > GARBLED_SHARE


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


def read_pdf(path: str | Path, *, doc_id: str, content_hash: str, max_pages: int) -> ParsedDocument:
    """Parse one PDF. Pages that fail to extract are kept empty (one bad page does not lose the
    others); a file with no text at all, an unknown password or too many pages is refused."""
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

    if not any(page.strip() for page in raw_pages):
        if page_errors and len(page_errors) == page_count:
            raise DocumentError(f"text extraction failed on every page ({page_errors[0]})")
        raise DocumentError("no text layer (scanned/image-only PDF?)")
    if _is_garbled(normalize_unicode("".join(raw_pages))):
        raise DocumentError("text layer is unreadable (fonts without a Unicode mapping)")

    texts = clean_pdf_pages(raw_pages)
    labels = _page_labels(reader)
    pages = tuple(Page(number=i + 1, text=text, label=labels[i]) for i, text in enumerate(texts))

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
