"""The text and metadata of one generation in SQLite: documents, pages, chunks, sentence vectors.

Written once, in one transaction, into a fresh file inside a temporary generation folder; afterwards only
read, through a ``mode=ro&immutable=1`` URI. Never updated in place.

``sentence_vectors`` maps sha256 of a quotable sentence's exact text to its float32 embedding, so the
answerer need not run the model at question time. Generations written before it existed lack the table;
it is also left out when ``index_sentence_vectors`` is off. ``multilingual_sentence_vectors`` holds the
e5 vectors of the same sentences (``multilingual_sentence_vectors`` setting), for readers of questions in
other languages. Rows are looked up on demand (:class:`SentenceVectorTable`), never loaded whole: the
corpus has 2.5 sentences (4.4 KB) per chunk, which would be about 440 MB at 100k chunks.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import numpy as np

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
SENTENCE_TABLE = "sentence_vectors"  # MiniLM vectors
MULTILINGUAL_SENTENCE_TABLE = "multilingual_sentence_vectors"  # e5 vectors of the same sentences
SENTENCE_TABLES = (SENTENCE_TABLE, MULTILINGUAL_SENTENCE_TABLE)


def _sentence_schema(table: str) -> str:
    # Not WITHOUT ROWID: 1.5 KB rows in the key's B-tree left pages mostly empty (4.7 KB per sentence on
    # the corpus); a rowid table with 8 KB pages measured 1.7 KB.
    return f"CREATE TABLE {table} (text_sha TEXT PRIMARY KEY, vector BLOB NOT NULL);"


def _select_sentence_vectors(table: str) -> str:
    if table not in SENTENCE_TABLES:  # table names come from the constants above, never from input
        raise ValueError(f"not a sentence vector table: {table!r}")
    return f"SELECT text_sha, vector FROM {table} WHERE text_sha IN ({{marks}})"  # noqa: S608


_PAGE_SIZE = 8192
_BATCH = 500  # bound parameters per SELECT stay well under SQLite's limit


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
    sentence_vectors: Mapping[str, np.ndarray] | None = None,
    multilingual_sentence_vectors: Mapping[str, np.ndarray] | None = None,
) -> None:
    """Create ``path`` (must not exist) with all rows in one transaction.

    ``sentence_vectors`` (sha256 of the text -> float32 vector) fills the ``sentence_vectors`` table,
    ``multilingual_sentence_vectors`` the ``multilingual_sentence_vectors`` table; None leaves a table out.
    """
    tables = {SENTENCE_TABLE: sentence_vectors, MULTILINGUAL_SENTENCE_TABLE: multilingual_sentence_vectors}
    con = sqlite3.connect(path)
    try:
        # A fresh file in a folder that is discarded on failure: no journal needed while writing.
        con.execute("PRAGMA journal_mode=OFF")
        con.execute("PRAGMA synchronous=OFF")
        con.execute(f"PRAGMA page_size={_PAGE_SIZE}")
        con.executescript(_SCHEMA)
        for table, rows in tables.items():
            if rows is not None:
                con.executescript(_sentence_schema(table))
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
            for table, rows in tables.items():
                if rows is None:
                    continue
                con.executemany(
                    f"INSERT INTO {table} VALUES (?, ?)",  # noqa: S608 - one of the constants above
                    (
                        (key, np.ascontiguousarray(v, dtype=np.float32).tobytes())
                        for key, v in sorted(rows.items())
                    ),
                )
    finally:
        con.close()


def select_vectors(
    con: sqlite3.Connection, query: str, keys: Sequence[str], dimension: int, params: Sequence = ()
) -> dict[str, np.ndarray]:
    """float32 vectors by key from ``query``, which selects (key, blob) rows and ends in ``IN ({marks})``.

    Keys go in batches (bound parameters stay well under SQLite's limit) after ``params``; a blob of the
    wrong size (another model's vector, a torn write) counts as missing.
    """
    found: dict[str, np.ndarray] = {}
    unique = list(dict.fromkeys(keys))
    for i in range(0, len(unique), _BATCH):
        part = unique[i : i + _BATCH]
        for key, blob in con.execute(query.format(marks=",".join("?" * len(part))), [*params, *part]):
            if len(blob) == 4 * dimension:
                found[key] = np.frombuffer(blob, dtype=np.float32)
    return found


def _read_only_uri(path: Path) -> str:
    return f"file:{quote(str(Path(path).resolve()))}?mode=ro&immutable=1"


def read_store(path: Path) -> StoreContents:
    """Documents, pages and chunks, read through a read-only immutable connection that is closed at once."""
    con = sqlite3.connect(_read_only_uri(path), uri=True)
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


class SentenceVectorTable:
    """On-demand lookups in one generation's ``sentence_vectors`` table, safe to share between threads.

    Holds one read-only connection (``check_same_thread=False``, every use under a lock): the open file
    stays readable even after a writer's garbage collection deletes the generation folder.
    """

    def __init__(self, con: sqlite3.Connection, dimension: int, count: int, table: str = SENTENCE_TABLE):
        self._con = con
        self._lock = threading.Lock()
        self._select = _select_sentence_vectors(table)
        self.dimension = dimension
        self.count = count

    @classmethod
    def open(cls, path: Path, dimension: int, table: str = SENTENCE_TABLE) -> SentenceVectorTable | None:
        """``table`` of the store at ``path``, or None when the store has none (older generations)."""
        _select_sentence_vectors(table)  # refuses a name that is not one of ours, before opening
        con = sqlite3.connect(_read_only_uri(path), uri=True, check_same_thread=False)
        try:
            exists = con.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
            ).fetchone()
            if not exists:
                con.close()
                return None
            (count,) = con.execute(f"SELECT count(*) FROM {table}").fetchone()  # noqa: S608
        except BaseException:
            con.close()
            raise
        return cls(con, dimension, int(count), table)

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """Read-only vectors found for ``keys`` (sha256 of texts); wrong-sized blobs count as missing."""
        with self._lock:
            return select_vectors(self._con, self._select, keys, self.dimension)

    def close(self) -> None:
        with self._lock:
            self._con.close()
