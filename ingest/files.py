"""Finding document files on disk and naming them stably.

Expands folders, drops hidden files and obvious non-documents, and reports paths that do not exist or
cannot be read instead of raising. Never parses documents (that is ``ingest.reader``).
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

from ingest.sniff import DOCUMENT_SUFFIXES, Kind, sniff

# Suffixes that are never documents, skipped silently inside folders (a named file is always tried).
NON_DOCUMENT_SUFFIXES = frozenset(
    {
        ".json", ".jsonl", ".py", ".pyc", ".pyi", ".ipynb", ".yaml", ".yml", ".toml", ".ini", ".cfg",
        ".lock", ".log", ".csv", ".tsv", ".js", ".ts", ".css", ".map", ".sh", ".bat", ".sql", ".db",
        ".sqlite", ".faiss", ".npy", ".npz", ".pkl", ".bin", ".so", ".o", ".exe", ".dll",
        ".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".ico", ".bmp", ".tif", ".tiff",
        ".zip", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar", ".tar",
        ".mp3", ".mp4", ".mov", ".avi", ".wav", ".ttf", ".otf", ".woff", ".woff2",
        ".doc", ".xls", ".xlsx", ".ppt", ".pptx", ".odt",
    }
)  # fmt: skip
SKIPPED_DIR_NAMES = frozenset({"__pycache__", "node_modules"})
# Content kinds that make a file with an unfamiliar suffix worth reading. Plain text is not among
# them: inside a folder, "LICENSE" or "Makefile" is text but not a document.
SNIFFED_DOCUMENT_KINDS = frozenset({Kind.PDF, Kind.DOCX, Kind.MARKDOWN, Kind.HTML})

_CHUNK = 1 << 20
IGNORE_FILE = ".icggignore"


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of the file's bytes, read in 1 MiB blocks (files can be large)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while block := fh.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def doc_id_for(path: str | Path) -> str:
    """Stable id of the document at ``path``: re-ingesting the same file keeps its id."""
    resolved = str(Path(path).expanduser().resolve())
    return hashlib.sha256(resolved.encode("utf-8", "surrogateescape")).hexdigest()[:16]


def _is_hidden(name: str) -> bool:
    return name.startswith(".")


def _wanted_in_folder(path: Path) -> bool:
    """A file met while walking a folder: documents by suffix, else by content."""
    if _is_hidden(path.name):
        return False
    suffix = path.suffix.lower()
    if suffix in DOCUMENT_SUFFIXES:
        return True
    if suffix in NON_DOCUMENT_SUFFIXES:
        return False
    try:
        return sniff(path) in SNIFFED_DOCUMENT_KINDS
    except OSError:
        return True  # let the reader report why it cannot be read


def _links_inside(link: Path, inside: Path) -> bool:
    """A symlink whose target lies inside ``inside``; a link loop (``a -> a``) resolves nowhere."""
    try:
        return link.resolve().is_relative_to(inside)
    except (OSError, RuntimeError):  # Python 3.11 raises RuntimeError for a symlink loop
        return False


def read_ignore_patterns(folder: Path) -> list[str]:
    """Patterns of the folder's ``.icggignore``: one glob per line, relative to the folder; ``#`` starts
    a comment; ``name/`` ignores a sub-folder. Lets a corpus keep sources, scripts and notes beside its
    documents (corpus/ keeps the Markdown sources of its PDFs) without indexing them twice."""
    try:
        lines = (folder / IGNORE_FILE).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def _ignored(relative: str, patterns: list[str], is_dir: bool) -> bool:
    for pattern in patterns:
        if pattern.endswith("/"):
            if is_dir and fnmatch.fnmatchcase(relative, pattern.rstrip("/")):
                return True
        elif fnmatch.fnmatchcase(relative, pattern):
            return True
    return False


def _walk(folder: Path) -> list[Path]:
    found: list[Path] = []
    inside = folder.resolve()
    patterns = read_ignore_patterns(folder)
    # Symlinked folders are not followed and symlinked files must point inside the folder: no cycles,
    # and a corpus folder cannot pull in /etc.
    for root, dirs, files in os.walk(folder, followlinks=False):
        rel_root = Path(root).relative_to(folder)
        dirs[:] = sorted(
            d
            for d in dirs
            if not _is_hidden(d)
            and d not in SKIPPED_DIR_NAMES
            and not _ignored((rel_root / d).as_posix(), patterns, is_dir=True)
        )
        for name in sorted(files):
            path = Path(root) / name
            if _ignored((rel_root / name).as_posix(), patterns, is_dir=False):
                continue
            if path.is_symlink() and not _links_inside(path, inside):
                continue
            if path.is_file() and _wanted_in_folder(path):
                found.append(path)
    return found


def _is_utf8_path(path: Path) -> bool:
    """False for names holding bytes that are not UTF-8 (Python keeps them as lone surrogates)."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def discover(paths: Iterable[str | Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Expand files and folders into document files.

    Returns (resolved document paths in a stable order without duplicates, (path, reason) for every
    argument that is missing or unreadable). Folders are walked recursively in sorted order; files
    named explicitly are kept whatever their suffix, so the reader can say why it refuses them.
    """
    documents: list[Path] = []
    problems: list[tuple[Path, str]] = []
    seen: set[Path] = set()

    def add(path: Path) -> None:
        resolved = path.resolve()
        if not _is_utf8_path(resolved):
            # Undecodable names (e.g. GBK names unpacked from a zip) cannot be stored in the index.
            shown = Path(str(resolved).encode("utf-8", "backslashreplace").decode("utf-8"))
            problems.append((shown, "file name is not valid UTF-8; rename the file"))
            return
        if resolved not in seen:
            seen.add(resolved)
            documents.append(resolved)

    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists():
            problems.append((path, "no such file or folder"))
        elif path.is_dir():
            if not os.access(path, os.R_OK | os.X_OK):
                problems.append((path, "folder is not readable"))
                continue
            for found in _walk(path):
                add(found)
        elif not path.is_file():
            problems.append((path, "not a regular file"))
        elif not os.access(path, os.R_OK):
            problems.append((path, "file is not readable (permission denied)"))
        else:
            add(path)
    return documents, problems
