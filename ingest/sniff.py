"""Decide what a file is from its bytes, not its name.

Uploaded and copied files lie about their type (a PNG renamed ``.pdf``, a PDF saved as ``.txt``), and a
parser fed the wrong kind of input fails in confusing ways or indexes garbage. This module only looks at
the first few KiB of a file; it never parses a document and never trusts the extension alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from ingest.encoding import decode_head, head_encoding

HEAD_BYTES = 8192
PDF_MAGIC_WINDOW = 1024  # readers accept junk before "%PDF-"; so do we, within this window

MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
TEXT_SUFFIXES = frozenset({".txt"})
PDF_SUFFIXES = frozenset({".pdf"})
DOCX_SUFFIXES = frozenset({".docx"})
DOCUMENT_SUFFIXES = MARKDOWN_SUFFIXES | HTML_SUFFIXES | TEXT_SUFFIXES | PDF_SUFFIXES | DOCX_SUFFIXES
ZIP_MAGIC = b"PK\x03\x04"


class Kind(StrEnum):
    PDF = "pdf"
    DOCX = "docx"
    MARKDOWN = "markdown"
    HTML = "html"
    TEXT = "text"
    BINARY = "binary"
    EMPTY = "empty"


# (offset, magic bytes, what the content looks like). Only signatures that cannot start a text file.
_MAGICS: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\x89PNG\r\n\x1a\n", "PNG"),
    (0, b"\xff\xd8\xff", "JPEG"),
    (0, b"GIF87a", "GIF"),
    (0, b"GIF89a", "GIF"),
    (0, b"II*\x00", "TIFF"),
    (0, b"MM\x00*", "TIFF"),
    (0, b"PK\x03\x04", "ZIP archive (or DOCX/XLSX/ODT)"),
    (0, b"PK\x05\x06", "ZIP archive"),
    (0, b"\x1f\x8b", "GZIP"),
    (0, b"BZh", "BZIP2"),
    (0, b"\xfd7zXZ\x00", "XZ"),
    (0, b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (0, b"Rar!\x1a\x07", "RAR archive"),
    (0, b"\x7fELF", "ELF executable"),
    (0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "OLE2 (old Word/Excel)"),
    (0, b"SQLite format 3\x00", "SQLite database"),
    (0, b"\x28\xb5\x2f\xfd", "Zstandard"),
    (0, b"OggS", "Ogg"),
    (0, b"ID3", "MP3"),
    (0, b"fLaC", "FLAC"),
    (4, b"ftyp", "MP4/MOV"),
    (8, b"WEBP", "WebP"),
    (8, b"AVI ", "AVI"),
    (8, b"WAVE", "WAV"),
    (0, b"\x00asm", "WebAssembly"),
)


@dataclass(frozen=True)
class Sniffed:
    """What the content looks like; ``looks_like`` names a recognised binary format ("PNG")."""

    kind: Kind
    looks_like: str | None = None

    def describe(self) -> str:
        """Words for error messages: "PNG", "HTML", "plain text", "empty"."""
        if self.looks_like:
            return self.looks_like
        return {
            Kind.PDF: "PDF",
            Kind.DOCX: "Word document",
            Kind.MARKDOWN: "Markdown text",
            Kind.HTML: "HTML",
            Kind.TEXT: "plain text",
            Kind.BINARY: "binary data",
            Kind.EMPTY: "empty",
        }[self.kind]


def sniff_bytes(head: bytes, suffix: str = "") -> Sniffed:
    """Classify the first bytes of a file. ``suffix`` only breaks ties between text kinds."""
    suffix = suffix.lower()
    if not head:
        return Sniffed(Kind.EMPTY)
    if b"%PDF-" in head[:PDF_MAGIC_WINDOW]:
        return Sniffed(Kind.PDF)
    # A .docx is a zip whose entries (names stored uncompressed in each entry's header) live under
    # "word/"; Word and python-docx write "word/document.xml" within the first few KiB.
    if head.startswith(ZIP_MAGIC) and (b"word/" in head or suffix in DOCX_SUFFIXES):
        return Sniffed(Kind.DOCX)
    for offset, magic, name in _MAGICS:
        if head[offset : offset + len(magic)] == magic:
            return Sniffed(Kind.BINARY, name)
    encoding = head_encoding(head)
    if encoding is None:
        if b"\x00" in head:
            return Sniffed(Kind.BINARY, "binary data with NUL bytes")
        return Sniffed(Kind.BINARY, "binary data, not UTF-8 text")
    text = decode_head(head, encoding)
    stripped = text.lstrip().lower()
    if stripped.startswith(("<!doctype html", "<html")) or (
        stripped.startswith("<?xml") and "<html" in stripped[:1024]
    ):
        return Sniffed(Kind.HTML)
    if text.startswith(("---\n", "---\r\n")) or suffix in MARKDOWN_SUFFIXES:
        return Sniffed(Kind.MARKDOWN)
    if suffix in HTML_SUFFIXES and "<" in stripped:
        return Sniffed(Kind.HTML)
    return Sniffed(Kind.TEXT)


def sniff_file(path: str | Path) -> Sniffed:
    """Read the head of ``path`` and classify it (OSError propagates to the caller)."""
    path = Path(path)
    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES)
    return sniff_bytes(head, path.suffix)


def sniff(path: str | Path) -> Kind:
    """The kind of document ``path`` holds, judged by content."""
    return sniff_file(path).kind


def refusal_reason(path: str | Path, sniffed: Sniffed) -> str | None:
    """Why a file must not be parsed, or None when its content is a readable document.

    A name that promises a PDF but holds something else is refused rather than read as text: the
    staff member who uploaded ``report.pdf`` should learn that it is not the report.
    """
    suffix = Path(path).suffix.lower()
    if sniffed.kind is Kind.EMPTY:
        return "empty file (0 bytes)"
    if suffix in PDF_SUFFIXES and sniffed.kind is not Kind.PDF:
        return f"not a PDF: content is {sniffed.describe()}"
    if suffix in DOCX_SUFFIXES and sniffed.kind is not Kind.DOCX:
        return f"not a Word (.docx) file: content is {sniffed.describe()}"
    if sniffed.kind is Kind.BINARY:
        return f"binary file, not a document (looks like {sniffed.describe()})"
    return None
