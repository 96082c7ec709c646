"""Reading a batch of files into documents, one outcome per file, whatever the files contain.

PDFs and Word files are parsed in sandboxed child processes (timeout, memory cap, several at once);
Markdown, HTML and text are parsed in-process behind the same size cap and a catch-all. One bad file never
stops the batch, and every failure carries a one-line reason a staff member can act on. Never chunks or
embeds.

PDFs with pages that only OCR can read are parsed twice: the first pass reads every file's text layer
(born-digital files are done then), the second runs OCR on the scans, page by page with progress, each
page within its time budget. A 300-page scan therefore never holds up the other files of the batch.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from icgg.settings import Settings
from ingest.documents import ParsedDocument
from ingest.docx import read_docx
from ingest.errors import DocumentError
from ingest.files import doc_id_for, sha256_file
from ingest.news import read_html, read_markdown, read_text
from ingest.ocr import OcrOptions
from ingest.pdf import OcrNeeded, read_pdf
from ingest.sandbox import Job, run_jobs
from ingest.sniff import Kind, refusal_reason, sniff_bytes

log = logging.getLogger(__name__)

STATUS_OK = "ok"
STATUS_FAILED = "failed"
SANDBOXED_KINDS = (Kind.PDF, Kind.DOCX)
OCR_LOAD_ALLOWANCE_S = 30.0  # rendering a page (or, once, loading the engine), on top of its OCR budget
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ParseOutcome:
    """What happened to one file. ``document`` is set when ``status == "ok"``, ``reason`` otherwise."""

    path: str
    doc_id: str
    content_hash: str  # "" when the file could not even be read
    status: str  # "ok" | "failed"
    document: ParsedDocument | None
    reason: str | None
    seconds: float
    ocr_pages: int = 0  # pages sent to the OCR pass (it may run past the timeout while they progress)

    @property
    def ok(self) -> bool:
        return self.status == STATUS_OK


@dataclass(frozen=True)
class _Prepared:
    """A file that passed the checks every format shares, ready for its parser."""

    path: Path
    doc_id: str
    content_hash: str
    kind: Kind
    data: bytes | None  # the bytes of small in-process formats; None for PDF/Word (the child reads them)


def _failed(path: Path, doc_id: str, content_hash: str, reason: str, seconds: float) -> ParseOutcome:
    log.warning("not ingested: %s: %s", path, reason)
    return ParseOutcome(str(path), doc_id, content_hash, STATUS_FAILED, None, reason, seconds)


def _check_size(path: Path, settings: Settings) -> None:
    size = path.stat().st_size
    if size > settings.max_file_mb * 1024 * 1024:
        raise DocumentError(
            f"file too large ({size / 1024 / 1024:.1f} MB > limit {settings.max_file_mb:g} MB)"
        )


def _text_too_long(document: ParsedDocument, settings: Settings) -> str | None:
    """Why a parsed document is too long to index, or None. Chunking is linear in the text, but
    embedding is too: a 3 MB text makes some 8 500 chunks (minutes of embedding on a small server)."""
    chars = sum(len(page.text) for page in document.pages)
    if chars > settings.max_document_chars:
        return (
            f"document text too long ({chars:,} characters > limit {settings.max_document_chars:,}); "
            "split it into smaller files"
        )
    return None


def _prepare(path: Path, content_hash: str) -> _Prepared:
    """Content sniffing; raises DocumentError with the reason a file is refused."""
    with path.open("rb") as fh:
        head = fh.read(8192)
    sniffed = sniff_bytes(head, path.suffix)
    if reason := refusal_reason(path, sniffed):
        raise DocumentError(reason)
    data = None if sniffed.kind in SANDBOXED_KINDS else path.read_bytes()
    return _Prepared(path, doc_id_for(path), content_hash, sniffed.kind, data)


def _parse_in_process(prepared: _Prepared) -> ParsedDocument:
    readers = {Kind.MARKDOWN: read_markdown, Kind.HTML: read_html, Kind.TEXT: read_text}
    reader = readers[prepared.kind]
    assert prepared.data is not None
    return reader(prepared.path, prepared.data, doc_id=prepared.doc_id, content_hash=prepared.content_hash)


def _pdf_job(
    path: str,
    doc_id: str,
    content_hash: str,
    max_pages: int,
    ocr: OcrOptions | None,
    tables: bool,
    defer: bool,
) -> ParsedDocument | OcrNeeded | str:
    """Runs in the sandbox child: a document, the pages that need OCR, or the reason of a DocumentError."""
    try:
        return read_pdf(
            path, doc_id=doc_id, content_hash=content_hash, max_pages=max_pages, ocr=ocr,
            defer_ocr=defer, tables=tables,
        )  # fmt: skip
    except DocumentError as exc:
        return str(exc)


def _docx_job(path: str, doc_id: str, content_hash: str) -> ParsedDocument | str:
    """Runs in the sandbox child: a document or the reason of a DocumentError."""
    try:
        return read_docx(path, doc_id=doc_id, content_hash=content_hash)
    except DocumentError as exc:
        return str(exc)


def ocr_options(settings: Settings) -> OcrOptions | None:
    """The OCR settings a parser child needs; None when OCR is turned off."""
    if settings.ocr_engine == "none":
        return None
    threads = max(1, (os.cpu_count() or 1) // max(1, settings.parse_workers))
    return OcrOptions(
        engine=settings.ocr_engine,
        languages=settings.ocr_languages,
        dpi=settings.ocr_dpi,
        page_timeout_s=settings.ocr_page_timeout_s,
        min_confidence=settings.ocr_min_confidence,
        threads=threads,
    )


def read_files(
    paths: Sequence[Path],
    settings: Settings,
    on_done: Callable[[ParseOutcome], None] | None = None,
    progress: Progress | None = None,
) -> list[ParseOutcome]:
    """Parse every file; outcomes come back in input order, ``on_done`` fires as each finishes.
    ``progress("ocr", pages done, pages to do)`` follows the OCR pass, page by page."""
    outcomes: list[ParseOutcome | None] = [None] * len(paths)
    sandboxed: list[tuple[int, _Prepared, float]] = []

    def done(index: int, outcome: ParseOutcome) -> None:
        outcomes[index] = outcome
        if on_done is not None:
            on_done(outcome)

    for index, raw in enumerate(paths):
        started = time.monotonic()
        path = Path(raw).expanduser().resolve()
        doc_id = doc_id_for(path)
        content_hash = ""
        try:
            _check_size(path, settings)
            content_hash = sha256_file(path)
            prepared = _prepare(path, content_hash)
            if prepared.kind in SANDBOXED_KINDS:
                sandboxed.append((index, prepared, time.monotonic() - started))
                continue
            document = _parse_in_process(prepared)
            if reason := _text_too_long(document, settings):
                raise DocumentError(reason)
        except DocumentError as exc:
            done(index, _failed(path, doc_id, content_hash, str(exc), time.monotonic() - started))
            continue
        except OSError as exc:
            reason = f"cannot read file ({exc.strerror or exc})"
            done(index, _failed(path, doc_id, content_hash, reason, time.monotonic() - started))
            continue
        except Exception as exc:  # a parser bug must cost one file, not the batch
            log.exception("parser error on %s", path)
            reason = f"parser error ({type(exc).__name__}: {_first_line(exc)})"
            done(index, _failed(path, doc_id, content_hash, reason, time.monotonic() - started))
            continue
        done(index, _ok(prepared, document, time.monotonic() - started))

    if not sandboxed:
        return [outcome for outcome in outcomes if outcome is not None]
    ocr = ocr_options(settings)

    def first_pass(p: _Prepared) -> Job:
        if p.kind is Kind.DOCX:
            return Job(_docx_job, (str(p.path), p.doc_id, p.content_hash))
        args = (str(p.path), p.doc_id, p.content_hash, settings.max_pages, ocr, settings.read_tables, True)
        return Job(_pdf_job, args)

    scans: list[tuple[int, _Prepared, float, OcrNeeded]] = []
    for job_index, result in _run(settings, [first_pass(p) for _i, p, _s in sandboxed]):
        index, prepared, prep_seconds = sandboxed[job_index]
        if result.ok and isinstance(result.value, OcrNeeded):
            scans.append((index, prepared, prep_seconds + result.seconds, result.value))
            continue
        done(index, _outcome(prepared, result.value if result.ok else None, result, prep_seconds, settings))

    if scans:
        step = settings.ocr_page_timeout_s + OCR_LOAD_ALLOWANCE_S
        jobs = [
            Job(
                _pdf_job,
                (str(p.path), p.doc_id, p.content_hash, settings.max_pages, ocr, settings.read_tables, False),
                step_timeout_s=step,
            )
            for _i, p, _s, _n in scans
        ]
        total = sum(len(n.pages) for _i, _p, _s, n in scans)
        pages_done = [0] * len(scans)

        def on_progress(job_index: int, finished: int, _total: int) -> None:
            pages_done[job_index] = finished
            if progress is not None:
                progress("ocr", sum(pages_done), total)

        if progress is not None:
            progress("ocr", 0, total)
        for job_index, result in _run(settings, jobs, on_progress):
            index, prepared, prep_seconds, needed = scans[job_index]
            pages_done[job_index] = len(needed.pages)
            value = result.value if result.ok else None
            outcome = _outcome(prepared, value, result, prep_seconds, settings)
            done(index, replace(outcome, ocr_pages=len(needed.pages)))
        if progress is not None:
            progress("ocr", total, total)
    return [outcome for outcome in outcomes if outcome is not None]


def _run(settings: Settings, jobs: list[Job], on_progress=None):
    return run_jobs(
        jobs,
        timeout_s=settings.pdf_timeout_s,
        memory_mb=settings.pdf_memory_mb,
        workers=settings.parse_workers,
        on_progress=on_progress,
    )


def _outcome(prepared: _Prepared, value, result, prep_seconds: float, settings: Settings) -> ParseOutcome:
    """The outcome of one sandboxed parse: the document, or why there is none."""
    seconds = prep_seconds + result.seconds
    parsed = value if isinstance(value, ParsedDocument) else None
    reason = (
        _text_too_long(parsed, settings) if parsed is not None else str(value if result.ok else result.error)
    )
    if parsed is not None and reason is None:
        return _ok(prepared, parsed, seconds)
    return _failed(prepared.path, prepared.doc_id, prepared.content_hash, reason, seconds)


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else "no message"


def _ok(prepared: _Prepared, document: ParsedDocument, seconds: float) -> ParseOutcome:
    if document.extra.get("page_errors"):
        log.warning("%s: some pages could not be read: %s", prepared.path, document.extra["page_errors"])
    return ParseOutcome(
        str(prepared.path),
        prepared.doc_id,
        prepared.content_hash,
        STATUS_OK,
        document,
        None,
        seconds,
    )


def read_file(path: Path, settings: Settings) -> ParseOutcome:
    """Parse one file (see :func:`read_files`)."""
    return read_files([path], settings)[0]
