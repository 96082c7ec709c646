"""The embedding cache: (model name, sha256 of the embedded text) -> float32 vector, in SQLite.

Lets a changed, renamed or re-chunked document re-use every vector whose text did not change, and makes
``--rebuild`` cheap. It is only a cache: losing it costs time, never correctness, so it is written with
ordinary SQLite transactions (WAL) and is not part of a generation. Only the index writer opens it.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from index.sqlite_store import select_vectors

_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
    model TEXT NOT NULL, text_sha TEXT NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (model, text_sha)
) WITHOUT ROWID
"""


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class EmbeddingCache:
    def __init__(self, path: Path, model_name: str, dimension: int):
        self.model_name = model_name
        self.dimension = dimension
        path.parent.mkdir(parents=True, exist_ok=True)
        self._con = sqlite3.connect(path)
        self._con.execute("PRAGMA journal_mode=WAL")
        self._con.execute("PRAGMA synchronous=NORMAL")
        self._con.execute(_SCHEMA)

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> EmbeddingCache:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """Vectors found for ``keys`` (blobs of the wrong size are treated as misses)."""
        return select_vectors(
            self._con,
            "SELECT text_sha, vector FROM vectors WHERE model = ? AND text_sha IN ({marks})",
            keys,
            self.dimension,
            params=[self.model_name],
        )

    def put_many(self, keys: Sequence[str], vectors: np.ndarray) -> None:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        with self._con:
            self._con.executemany(
                "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)",
                [(self.model_name, k, vectors[i].tobytes()) for i, k in enumerate(keys)],
            )
