"""Summary numbers of the live index for ``icgg stats`` and the app's status line. Read-only."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from icgg.settings import Settings
from index.generations import dir_size
from index.reader import open_index


def index_stats(settings: Settings) -> dict:
    """Counts, model and generation of the live index; raises IndexNotFoundError when there is none."""
    index = open_index(settings)
    docs = index.documents()
    by_type = Counter(d.doc_type for d in docs)
    by_year = Counter((d.date or "")[:4] or "undated" for d in docs)
    return {
        "generation": index.generation,
        "previous_generation": index.parent,
        "fallback_from": index.fallback_from,  # set when the newest generation was damaged
        "fallback_reason": index.fallback_reason,
        "model": index.model_name,
        "dimension": index.dimension,
        "dense_index": index.manifest.get("dense_index"),
        "created_at": index.manifest.get("created_at"),
        "chunking": index.manifest.get("chunking"),
        "documents": len(docs),
        "chunks": len(index),
        "pages": index.n_pages,
        "sentence_vectors": index.n_sentence_vectors,  # computed at ingest (index_sentence_vectors)
        "by_type": dict(sorted(by_type.items())),
        "by_year": dict(sorted(by_year.items())),
        "generation_bytes": dir_size(index.path),
        "index_dir_bytes": dir_size(Path(settings.index_dir)),
        "open_seconds": round(index.open_seconds, 4),
    }


def brief(stats: dict) -> str:
    """One line: '42 documents, 610 chunks, model all-MiniLM-L6-v2, generation g-...'."""
    line = (
        f"{stats['documents']} documents, {stats['chunks']} chunks, model {stats['model']}, "
        f"generation {stats['generation']}"
    )
    if stats.get("fallback_from"):
        line += f" (fallback: {stats['fallback_from']} is damaged)"
    return line
