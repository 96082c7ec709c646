"""Where an uploaded file may be written: a sanitised name that provably stays inside the upload folder,
and only once its content has been read as a document.

Pure functions, no Streamlit: the Library page and the tests call them. Never trust the browser's file
name: it can hold directories, ``..``, control characters, a leading dot or thousands of characters. Never
trust its content either: a file with a PDF header and nothing else passes a type check but can never be
indexed, so an upload is parsed (PDFs in the sandboxed child, :mod:`ingest.reader`) under a hidden name
that no re-index picks up, and moved to its final name only when it reads as a document.
"""

from __future__ import annotations

import os
import re
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from icgg.settings import Settings

MAX_NAME_CHARS = 100
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_RESERVED_WINDOWS = {
    "con",
    "prn",
    "aux",
    "nul",
    *(f"com{i}" for i in range(10)),
    *(f"lpt{i}" for i in range(10)),
}


def sanitise_filename(filename: str, *, max_chars: int = MAX_NAME_CHARS) -> str:
    """A name made of ``[A-Za-z0-9._-]`` only, without directories or leading dots, at most ``max_chars``.

    The extension is kept when the name has to be shortened, so content type checks and the ingest
    dispatch still see ``.pdf`` / ``.md``. Never returns an empty name.
    """
    # Strip directories in both conventions: a Windows browser may send "C:\\Users\\x\\report.pdf".
    base = PureWindowsPath(PurePosixPath(filename.replace("\x00", "")).name).name
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    base = _UNSAFE.sub("_", base)
    base = re.sub(r"_{2,}", "_", base).lstrip(".-_")
    base = re.sub(r"\.{2,}", ".", base)
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    ext = ext[:10].lower()
    stem = stem.strip("._-") or "upload"
    if stem.lower() in _RESERVED_WINDOWS:
        stem = f"{stem}_file"
    suffix = f".{ext}" if ext else ""
    stem = stem[: max(1, max_chars - len(suffix))].rstrip("._-") or "upload"
    return f"{stem}{suffix}"


def safe_upload_path(upload_dir: Path | str, filename: str) -> Path:
    """A new path directly inside ``upload_dir`` for ``filename``; never overwrites an existing file.

    The result's parent is always ``upload_dir`` itself (resolved): the name has no separators, no
    ``..`` and no leading dot, and the check below refuses anything else. Name clashes get ``-2``, ``-3``...
    """
    root = Path(upload_dir).resolve()
    name = sanitise_filename(filename)
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    suffix = f".{ext}" if ext else ""
    candidate = root / name
    n = 1
    while candidate.exists() or candidate.is_symlink():
        n += 1
        tag = f"-{n}"
        candidate = root / f"{stem[: MAX_NAME_CHARS - len(suffix) - len(tag)]}{tag}{suffix}"
    if candidate.parent != root or candidate.name.startswith("."):
        raise ValueError(f"refusing upload name {filename!r}")  # unreachable by construction
    return candidate


@dataclass(frozen=True)
class StoredUpload:
    """Outcome of one upload: ``path`` where it was saved, or ``reason`` why it was refused; the title
    and date the document was read with, when it was checked."""

    original_name: str
    path: Path | None
    reason: str = ""
    kind: str = ""
    title: str | None = None
    date: str | None = None


@dataclass(frozen=True)
class Checked:
    """What reading an upload found: ``reason`` why it is no document, else its title and date."""

    reason: str | None
    title: str | None = None
    date: str | None = None


# A function that reads a file as the ingest will (see :func:`readable_document_check`).
UploadCheck = Callable[[Path], Checked]
PENDING_PREFIX = ".incoming-"  # hidden: the ingest skips dot-files while an upload is being checked


def readable_document_check(settings: Settings) -> UploadCheck:
    """A check that parses a file exactly like a re-index would (PDFs in the sandbox, with its limits)."""
    from ingest.reader import read_file

    def check(path: Path) -> Checked:
        outcome = read_file(path, settings)
        if not outcome.ok or outcome.document is None:
            return Checked(outcome.reason or "could not be read as a document")
        if not outcome.document.text.strip():
            return Checked("no text to index")
        return Checked(None, outcome.document.title, outcome.document.date)

    return check


_SUFFIXES_FOR_KIND = {
    "pdf": (".pdf",),
    "docx": (".docx",),
    "markdown": (".md", ".markdown"),
    "html": (".html", ".htm"),
    "text": (".txt",),
}


def store_upload(
    data: bytes, filename: str, upload_dir: Path | str, max_bytes: int, check: UploadCheck | None = None
) -> StoredUpload:
    """Save an uploaded file under a safe name if its size and *content* are acceptable.

    The type is judged from the bytes (``ingest.sniff``), and the saved name gets the suffix of what the
    content is, so the ingest reads a PDF as a PDF whatever the browser called it. With ``check``, the file
    is first written under a hidden name and read; it is kept only if it reads as a document. Never
    overwrites a file; never writes outside ``upload_dir``.
    """
    from ingest.sniff import HEAD_BYTES, Kind, refusal_reason, sniff_bytes

    if len(data) > max_bytes:
        return StoredUpload(filename, None, f"larger than the upload limit ({max_bytes / 1_048_576:.1f} MB)")
    name = sanitise_filename(filename)
    sniffed = sniff_bytes(data[:HEAD_BYTES], Path(name).suffix)
    reason = refusal_reason(name, sniffed)
    if reason is None and sniffed.kind not in (Kind.PDF, Kind.MARKDOWN, Kind.HTML, Kind.TEXT):
        reason = f"not a document the assistant can read (content is {sniffed.describe()})"
    if reason:
        return StoredUpload(filename, None, reason, sniffed.kind.value)
    suffixes = _SUFFIXES_FOR_KIND[sniffed.kind.value]
    if Path(name).suffix.lower() not in suffixes:
        name = sanitise_filename(f"{name}{suffixes[0]}")  # "notes" -> "notes.md"; keep the old suffix visible
    root = Path(upload_dir)
    root.mkdir(parents=True, exist_ok=True)
    checked = Checked(None)
    if check is not None:
        pending = root / f"{PENDING_PREFIX}{secrets.token_hex(8)}{Path(name).suffix}"
        _write_new(pending, data)
        try:
            checked = check(pending)
            if checked.reason:
                return StoredUpload(filename, None, checked.reason, sniffed.kind.value)
            target = _claim_name(root, name, lambda target: _link_or_write(pending, target, data))
        finally:
            pending.unlink(missing_ok=True)
    else:
        target = _claim_name(root, name, lambda target: _write_new(target, data))
    if target is None:
        return StoredUpload(filename, None, "could not find a free file name")
    return StoredUpload(filename, target, "", sniffed.kind.value, checked.title, checked.date)


def _write_new(path: Path, data: bytes) -> None:
    """Write ``data`` to a file that must not exist yet (FileExistsError otherwise), durably."""
    # O_EXCL: two sessions saving the same name at once cannot overwrite each other.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())


def _link_or_write(pending: Path, target: Path, data: bytes) -> None:
    """Give the checked file its final name without overwriting (a hard link; a copy where the file
    system has none)."""
    try:
        os.link(pending, target)
    except FileExistsError:
        raise
    except OSError:
        _write_new(target, data)


def _claim_name(root: Path, name: str, create: Callable[[Path], None]) -> Path | None:
    """The first free safe name for ``name`` that ``create`` manages to create without overwriting."""
    for _attempt in range(100):
        target = safe_upload_path(root, name)
        try:
            create(target)
        except FileExistsError:
            continue
        return target
    return None
