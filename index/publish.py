"""Writing one generation and switching ``CURRENT`` to it, atomically; cleaning up after failures.

The order is the whole point: data files, then ``manifest.json`` (with sizes and sha256 of every other
file), fsync of files and folder, ``os.rename`` of ``.tmp-<id>`` to ``<id>``, fsync of ``generations/``,
then ``CURRENT`` via temp file + fsync + ``os.replace`` + fsync of the index folder. A crash at any point
leaves either the old or the new generation live, never a mix. Only the lock holder calls this module.

Named fault points (:func:`_fault`) let tests raise ``OSError`` or kill the process between steps.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
import signal
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import faiss
import numpy as np

from index.bm25 import BM25Index
from index.generations import (
    BM25_MATRIX_NAME,
    BM25_VOCAB_NAME,
    CURRENT_NAME,
    MANIFEST_NAME,
    MULTILINGUAL_VECTORS_NAME,
    SCHEMA_VERSION,
    STORE_NAME,
    TMP_PREFIX,
    VECTORS_NAME,
    current_generation,
    fsync_path,
    generations_dir,
    list_generations,
    read_manifest,
    sha256_path,
)
from index.sqlite_store import PageRow, write_store
from index.store import ChunkRecord, DocumentRecord

log = logging.getLogger(__name__)

FAULT_POINTS = (
    "after-tmpdir",
    "after-vectors",
    "after-store",
    "after-bm25",
    "after-manifest",
    "after-rename",
    "after-current-tmp",
    "before-current-replace",
    "after-current-replace",
    "before-gc",
)


def _fault(point: str) -> None:
    """Fail here if ``ICGG_FAULT_POINT`` names this point (``ICGG_FAULT_ACTION``: oserror | kill)."""
    if os.environ.get("ICGG_FAULT_POINT") != point:
        return
    if os.environ.get("ICGG_FAULT_ACTION", "oserror") == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    raise OSError(f"injected fault at {point}")


@dataclass
class MultilingualContent:
    """The second dense side of a generation: e5 vectors of the same chunk rows (and sentences)."""

    model_name: str
    dimension: int
    vectors: np.ndarray  # (n_chunks, dimension) float32, L2-normalised, rows as GenerationContent.chunks
    # sha256 of a quotable sentence's text -> its e5 vector; None: no table.
    sentence_vectors: dict[str, np.ndarray] | None = None


@dataclass
class GenerationContent:
    """Everything a generation holds, rows already numbered 0..n-1 in ``chunks`` order."""

    documents: list[DocumentRecord]
    extras: dict[str, dict[str, str]]
    pages: list[PageRow]
    chunks: list[ChunkRecord]
    vectors: np.ndarray  # (n_chunks, dimension) float32, L2-normalised
    bm25: BM25Index
    model_name: str
    dimension: int
    chunking: dict
    extra_manifest: dict = field(default_factory=dict)
    # sha256 of a quotable sentence's text -> its float32 vector (see index.sqlite_store); None: no table.
    sentence_vectors: dict[str, np.ndarray] | None = None
    multilingual: MultilingualContent | None = None


def new_generation_id() -> str:
    """Sortable by creation time, unique across processes."""
    return f"g-{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-{secrets.token_hex(3)}"


def build_dense_index(vectors: np.ndarray, dimension: int, hnsw_threshold: int) -> tuple[faiss.Index, str]:
    """Exact inner product up to ``hnsw_threshold`` chunks, HNSW above it."""
    if len(vectors) > hnsw_threshold:
        index = faiss.IndexHNSWFlat(dimension, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        kind = "hnsw"
    else:
        index = faiss.IndexFlatIP(dimension)
        kind = "flat"
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index, kind


def publish(index_dir: Path, content: GenerationContent, parent: str | None, hnsw_threshold: int) -> str:
    """Write ``content`` as a new generation and make it live; returns its name."""
    gens = generations_dir(index_dir)
    gens.mkdir(parents=True, exist_ok=True)
    gen_id = new_generation_id()
    tmp = gens / f"{TMP_PREFIX}{gen_id}"
    tmp.mkdir()
    _fault("after-tmpdir")

    n = len(content.chunks)
    if content.vectors.shape != (n, content.dimension):
        raise ValueError(f"vectors {content.vectors.shape} do not match {n} chunks x {content.dimension}")
    if any(np.shape(v) != (content.dimension,) for v in (content.sentence_vectors or {}).values()):
        raise ValueError(f"a sentence vector does not have dimension {content.dimension}")
    index, kind = build_dense_index(content.vectors, content.dimension, hnsw_threshold)
    faiss.write_index(index, str(tmp / VECTORS_NAME))
    fsync_path(tmp / VECTORS_NAME)
    names = [VECTORS_NAME, STORE_NAME, BM25_MATRIX_NAME, BM25_VOCAB_NAME]
    ml = content.multilingual
    if ml is not None:
        if ml.vectors.shape != (n, ml.dimension):
            raise ValueError(
                f"multilingual vectors {ml.vectors.shape} do not match {n} chunks x {ml.dimension}"
            )
        if any(np.shape(v) != (ml.dimension,) for v in (ml.sentence_vectors or {}).values()):
            raise ValueError(f"a multilingual sentence vector does not have dimension {ml.dimension}")
        ml_index, ml_kind = build_dense_index(ml.vectors, ml.dimension, hnsw_threshold)
        faiss.write_index(ml_index, str(tmp / MULTILINGUAL_VECTORS_NAME))
        fsync_path(tmp / MULTILINGUAL_VECTORS_NAME)
        names.append(MULTILINGUAL_VECTORS_NAME)
    _fault("after-vectors")

    write_store(
        tmp / STORE_NAME,
        content.documents,
        content.extras,
        content.pages,
        content.chunks,
        content.sentence_vectors,
        ml.sentence_vectors if ml is not None else None,
    )
    fsync_path(tmp / STORE_NAME)
    _fault("after-store")

    content.bm25.save(tmp / BM25_MATRIX_NAME, tmp / BM25_VOCAB_NAME)
    fsync_path(tmp / BM25_MATRIX_NAME)
    fsync_path(tmp / BM25_VOCAB_NAME)
    _fault("after-bm25")

    files = {}
    for name in names:
        files[name] = {"size": (tmp / name).stat().st_size, "sha256": sha256_path(tmp / name)}
    counts = {"documents": len(content.documents), "chunks": n, "pages": len(content.pages)}
    if content.sentence_vectors is not None:  # no table, no count (as in generations written before it)
        counts["sentence_vectors"] = len(content.sentence_vectors)
    multilingual = None
    if ml is not None:
        multilingual = {
            "model": ml.model_name,
            "dimension": ml.dimension,
            "dense_index": ml_kind,
            "sentence_vectors": ml.sentence_vectors is not None,
        }
        if ml.sentence_vectors is not None:
            counts["multilingual_sentence_vectors"] = len(ml.sentence_vectors)
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "generation": gen_id,
        "parent": parent,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "model": content.model_name,
        "dimension": content.dimension,
        "dense_index": kind,
        "chunking": content.chunking,
        "bm25": content.bm25.params,
        "counts": counts,
        "files": files,
        "multilingual": multilingual,
        **content.extra_manifest,
    }
    _write_synced(tmp / MANIFEST_NAME, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    _fault("after-manifest")

    fsync_path(tmp)
    final = gens / gen_id
    os.rename(tmp, final)
    fsync_path(gens)
    _fault("after-rename")

    switch_current(index_dir, gen_id)
    return gen_id


def switch_current(index_dir: Path, gen_id: str) -> None:
    """Point ``CURRENT`` at ``gen_id``: temp file, fsync, ``os.replace``, fsync of the folder."""
    tmp = Path(index_dir) / f"{CURRENT_NAME}{TMP_PREFIX}{gen_id}"
    with open(tmp, "w", encoding="ascii") as f:
        f.write(gen_id + "\n")
        f.flush()
        _fault("after-current-tmp")
        os.fsync(f.fileno())
    _fault("before-current-replace")
    os.replace(tmp, Path(index_dir) / CURRENT_NAME)
    fsync_path(Path(index_dir))
    _fault("after-current-replace")


def _write_synced(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())


def remove_leftovers(index_dir: Path) -> list[str]:
    """Delete ``.tmp-*`` generation folders and ``CURRENT.tmp-*`` files of writers that died."""
    removed = []
    gens = generations_dir(index_dir)
    if gens.is_dir():
        for p in gens.iterdir():
            if p.name.startswith(TMP_PREFIX):
                shutil.rmtree(p, ignore_errors=True)
                removed.append(p.name)
    for p in Path(index_dir).glob(f"{CURRENT_NAME}{TMP_PREFIX}*"):
        p.unlink(missing_ok=True)
        removed.append(p.name)
    if removed:
        log.info("removed leftovers of an interrupted ingest: %s", ", ".join(removed))
    return removed


def collect_garbage(index_dir: Path) -> list[str]:
    """Keep the generation ``CURRENT`` names and its parent; delete every other generation.

    Only called while holding the writer lock. Readers hold their generation in memory, so deleting its
    files under them is harmless. Never deletes anything if ``CURRENT`` is missing or unreadable.
    """
    _fault("before-gc")
    live = current_generation(index_dir)
    if live is None or not (generations_dir(index_dir) / live).is_dir():
        return []
    keep = {live}
    try:
        parent = read_manifest(generations_dir(index_dir) / live).get("parent")
    except (OSError, ValueError):
        return []  # the live manifest is damaged: its parent is unknown and may be the one in use
    if isinstance(parent, str):
        keep.add(parent)
    deleted = []
    for name in list_generations(index_dir):
        if name not in keep:
            shutil.rmtree(generations_dir(index_dir) / name, ignore_errors=True)
            deleted.append(name)
    return deleted
