"""Calibration of the reader on questions it never trained on.

Two things are fitted on the calibration questions (users'-words questions held out of the fit):

- Platt scaling of the sentence logits (``a * logit + b``), so a probability means what it says for a
  single sentence ("holds a key fact of the answer");
- the answer threshold: the calibrated probability of the best sentence under which the assistant
  abstains, chosen where the share of answerable calibration questions answered plus the share of
  unanswerable ones refused is highest (Youden's J: neither error is favoured).

Plain numpy/scikit-learn at training time; what ships is a few numbers in the manifest (no pickle).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def platt(logits: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """(a, b) of the logistic fit ``p = 1 / (1 + exp(-(a * logit + b)))``."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=1e4, max_iter=1000)
    model.fit(logits.reshape(-1, 1), labels.astype(int))
    return float(model.coef_[0, 0]), float(model.intercept_[0])


def auroc(positive: Sequence[float], negative: Sequence[float]) -> float:
    """Probability that a random positive scores above a random negative (ties count half)."""
    pos, neg = np.asarray(positive, dtype=float), np.asarray(negative, dtype=float)
    if not len(pos) or not len(neg):
        return float("nan")
    greater = (pos[:, None] > neg[None, :]).mean()
    ties = (pos[:, None] == neg[None, :]).mean()
    return float(greater + 0.5 * ties)


def answer_threshold(answerable_best: Sequence[float], unanswerable_best: Sequence[float]) -> float:
    """The threshold on the best sentence's probability (abstain below it) that maximises answered share
    of answerable plus refused share of unanswerable questions; midway between neighbouring scores."""
    ans = np.asarray(answerable_best, dtype=float)
    unans = np.asarray(unanswerable_best, dtype=float)
    if not len(ans) or not len(unans):
        return 0.5
    scores = np.unique(np.concatenate([ans, unans]))
    cuts = np.concatenate([[scores[0] - 1e-6], (scores[:-1] + scores[1:]) / 2, [scores[-1] + 1e-6]])
    gain = [(ans >= t).mean() + (unans < t).mean() for t in cuts]
    return float(cuts[int(np.argmax(gain))])
