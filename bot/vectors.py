"""Process-wide, bounded caches of embedding vectors, so one question costs one forward pass.

Search embeds the question; the answerer needs the same vector to score sentences. Rather than thread
the vector through every layer (``Assistant`` -> ``Retriever`` -> answerer -> ``gather``), both ask
:data:`QUERY_VECTORS`, keyed by (model name, exact text): whichever step comes first embeds, the other
finds it. A different model never sees another model's vectors. Thread-safe (one lock, held only for
dictionary operations, never during a forward pass); stored vectors are private read-only copies. It
never persists anything: losing it costs a forward pass, never correctness.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

QUERY_CACHE_SIZE = 4096  # 1.5 KB per MiniLM vector: about 6 MB when full


class VectorLRU:
    """A bounded least-recently-used map (model, text) -> read-only float32 vector."""

    def __init__(self, size: int):
        self.size = size
        self._vectors: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._vectors)

    def get_many(self, model: str, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """The vectors held for ``texts`` (found ones only); each becomes most recently used."""
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for text in texts:
                vector = self._vectors.get((model, text))
                if vector is not None:
                    self._vectors.move_to_end((model, text))
                    found[text] = vector
        return found

    def get(self, model: str, text: str) -> np.ndarray | None:
        return self.get_many(model, [text]).get(text)

    def put_many(self, model: str, texts: Sequence[str], vectors: np.ndarray | Sequence[np.ndarray]) -> None:
        """Store copies (a row of a large batch would otherwise keep the whole batch alive)."""
        copies = []
        for vector in vectors:
            copy = np.array(vector, dtype=np.float32, copy=True)
            copy.flags.writeable = False
            copies.append(copy)
        with self._lock:
            for text, vector in zip(texts, copies, strict=True):
                self._vectors[(model, text)] = vector
                self._vectors.move_to_end((model, text))
            while len(self._vectors) > self.size:
                self._vectors.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._vectors.clear()


QUERY_VECTORS = VectorLRU(QUERY_CACHE_SIZE)


def model_of(embedder) -> str:
    return getattr(embedder, "model_name", "")


def _cached_query_vector(embedder, text: str, embed) -> np.ndarray:
    model = model_of(embedder)
    vector = QUERY_VECTORS.get(model, text)
    if vector is None:
        vector = embed([text])[0]
        QUERY_VECTORS.put_many(model, [text], [vector])
    return vector


def query_vector(embedder, text: str) -> np.ndarray:
    """The embedding of a search query, computed once per (model, text) while it stays cached."""
    return _cached_query_vector(embedder, text, embedder.embed)


def multilingual_query_vector(embedder, text: str) -> np.ndarray:
    """A question's e5 vector (``embed_queries``: e5's query side), cached like :func:`query_vector`.

    Search computes it for the multilingual ranking; a reader comparing the question with sentences in
    another language finds it here."""
    return _cached_query_vector(embedder, text, embedder.embed_queries)


MULTILINGUAL_SENTENCE_VECTORS = VectorLRU(4096)  # e5 vectors of recently read sentences: ~6 MB full


def multilingual_sentence_vectors(embedder, index, texts: Sequence[str]) -> np.ndarray:
    """e5 passage vectors of ``texts`` (one row each), for comparing sentences with a question in any
    language (:func:`multilingual_query_vector`).

    Looked up in recently read sentences, then in the vectors the index stored at ingest
    (``multilingual_sentence_vectors``, when its model is ``embedder``'s); only the rest is embedded, in
    one call. On an index built with them, reading the top passages' sentences needs no forward pass.
    """
    model = model_of(embedder)
    wanted = list(dict.fromkeys(texts))
    found = MULTILINGUAL_SENTENCE_VECTORS.get_many(model, wanted)
    missing = [t for t in wanted if t not in found]
    stored = getattr(index, "multilingual_sentence_vectors", None)
    if missing and callable(stored) and getattr(index, "multilingual_model_name", None) == model:
        found.update(stored(missing))
    fresh = [t for t in missing if t not in found]
    if fresh:
        found.update(zip(fresh, embedder.embed(fresh), strict=True))
    MULTILINGUAL_SENTENCE_VECTORS.put_many(model, missing, [found[t] for t in missing])
    if not texts:
        return np.zeros((0, embedder.dimension), dtype=np.float32)
    return np.vstack([found[t] for t in texts])


def clear_vector_caches() -> None:
    """Forget every cached question and sentence vector: benchmarks time each question as a first-time one."""
    QUERY_VECTORS.clear()
    MULTILINGUAL_SENTENCE_VECTORS.clear()
    from bot.reader import _shared as readers

    for reader in list(readers.values()):
        reader.clear_cache()
