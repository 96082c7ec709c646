"""The text and metadata of one generation in SQLite: documents, pages, chunks.

Written once, in one transaction, into a fresh file inside a temporary generation folder; afterwards only
read, through a ``mode=ro&immutable=1`` URI. Never updated in place.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from index.store import ChunkRecord, DocumentRecord

_SCHEMA = """
CREATE TABLE documents (
    doc_id TEXT PRIMARY KEY, path TEXT NOT NULL, content_hash TEXT NOT NULL, doc_type TEXT NOT NULL,
    title TEXT NOT NULL, date TEXT, source TEXT NOT NULL, category TEXT, language TEXT,
    n_pages INTEGER NOT NULL, n_chunks INTEGER NOT NULL, extra TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE pages (
    doc_id TEXT NOT NULL, page INTEGER NOT NULL, label TEXT, text TEXT NOT NULL,
    PRIMARY KEY (doc_id, page)
);
CREATE TABLE chunks (
    row INTEGER PRIMARY KEY, chunk_id TEXT NOT NULL UNIQUE, doc_id TEXT NOT NULL, ordinal INTEGER NOT NULL,
    text TEXT NOT NULL, heading TEXT NOT NULL, page_start INTEGER NOT NULL, page_end INTEGER NOT NULL,
    page_label TEXT, char_start INTEGER NOT NULL, char_end INTEGER NOT NULL
);
"""


@dataclass(frozen=True)
class PageRow:
    doc_id: str
    page: int
    label: str | None
    text: str


@dataclass
class StoreContents:
    documents: list[DocumentRecord]
    extras: dict[str, dict[str, str]]
    pages: list[PageRow]
    chunks: list[ChunkRecord]


def write_store(
    path: Path,
    documents: Sequence[DocumentRecord],
    extras: dict[str, dict[str, str]],
    pages: Sequence[PageRow],
    chunks: Sequence[ChunkRecord],
) -> None:
    """Create ``path`` (must not exist) with all rows in one transaction."""
    con = sqlite3.connect(path)
    try:
        # A fresh file in a folder that is discarded on failure: no journal needed while writing.
        con.execute("PRAGMA journal_mode=OFF")
        con.execute("PRAGMA synchronous=OFF")
        con.executescript(_SCHEMA)
        with con:
            con.executemany(
                "INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        d.doc_id, d.path, d.content_hash, d.doc_type, d.title, d.date, d.source,
                        d.category, d.language, d.n_pages, d.n_chunks,
                        json.dumps(extras.get(d.doc_id, {}), ensure_ascii=False, sort_keys=True),
                    )
                    for d in documents
                ],
            )  # fmt: skip
            con.executemany(
                "INSERT INTO pages VALUES (?,?,?,?)", [(p.doc_id, p.page, p.label, p.text) for p in pages]
            )
            con.executemany(
                "INSERT INTO chunks VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        c.row, c.chunk_id, c.doc_id, c.ordinal, c.text, c.heading, c.page_start,
                        c.page_end, c.page_label, c.char_start, c.char_end,
                    )
                    for c in chunks
                ],
            )  # fmt: skip
    finally:
        con.close()


def read_store(path: Path) -> StoreContents:
    """Everything in the store, read through a read-only immutable connection that is closed at once."""
    uri = f"file:{quote(str(Path(path).resolve()))}?mode=ro&immutable=1"
    con = sqlite3.connect(uri, uri=True)
    try:
        documents, extras = [], {}
        for row in con.execute(
            "SELECT doc_id, path, content_hash, doc_type, title, date, source, category, language, "
            "n_pages, n_chunks, extra FROM documents ORDER BY rowid"
        ):
            documents.append(DocumentRecord(*row[:11]))
            extras[row[0]] = json.loads(row[11])
        pages = [
            PageRow(*r) for r in con.execute("SELECT doc_id, page, label, text FROM pages ORDER BY rowid")
        ]
        chunks = [
            ChunkRecord(*r)
            for r in con.execute(
                "SELECT row, chunk_id, doc_id, ordinal, text, heading, page_start, page_end, page_label, "
                "char_start, char_end FROM chunks ORDER BY row"
            )
        ]
    finally:
        con.close()
    return StoreContents(documents, extras, pages, chunks)
