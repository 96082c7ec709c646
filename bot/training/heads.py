"""Two small heads on the reader's question vector, fitted after the encoder.

- ``kind``: does the question want one fact (factoid, yes/no: the answer quotes at most two sentences)
  or a list, an explanation, a procedure or a comparison (up to ``answer_max_sentences``)? Labels are the
  ``kind`` of the training questions.
- ``type``: what kind of thing the answer is: a date, a place, a number, a person, an organisation, or
  something else. Labels come from the documents, not from the questions' wording: spaCy's named-entity
  tagger reads the sentence holding the question's first key fact, and the entity covering that fact
  gives the type. At run time :mod:`bot.checks.answer_type` refuses an answer whose quoted sentences hold
  no entity of the type the question expects ("where was X born" answered by his birth date).

Both are multinomial logistic regressions (scikit-learn at training time; weights shipped in the reader's
safetensors), so they read the question in any language the encoder reads.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bot.evaluate import normalise_text

ANSWER_TYPES = ("date", "place", "number", "person", "organisation", "other")
LONG_KINDS = frozenset({"list", "why", "howto", "comparison", "history", "multi-fact"})
SHORT_KINDS = frozenset({"factoid", "yesno", "date", "number", "name", "paraphrase"})


def fit_logistic(x: np.ndarray, y: np.ndarray, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """(weight (classes x dim), bias (classes)) of an L2-regularised multinomial logistic regression."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=1.0, max_iter=2000)
    model.fit(x, y)
    weight = np.zeros((n_classes, x.shape[1]), dtype=np.float32)
    bias = np.full(n_classes, -1e4, dtype=np.float32)  # a class never seen stays impossible
    if n_classes == 2 and model.coef_.shape[0] == 1:  # scikit-learn's binary form: one row for class 1
        weight[1], bias[1], bias[0] = model.coef_[0], model.intercept_[0], 0.0
        weight[0] = 0.0
        return weight, bias
    for row, cls in enumerate(model.classes_):
        weight[int(cls)], bias[int(cls)] = model.coef_[row], model.intercept_[row]
    return weight, bias


def answer_type_of(sentence: str, forms: Sequence[str], entities) -> str:
    """The type of the key fact in ``sentence``: the entity (``entities``: (start, end, type) character
    spans from :func:`bot.checks.answer_type.entity_spans`) that overlaps a form of it the most."""
    low = sentence.lower()
    best, overlap = "other", 0
    for form in forms:
        at = low.find(form.lower())
        if at < 0:
            norm = normalise_text(form)
            at = low.find(norm) if norm else -1
            length = len(norm)
        else:
            length = len(form)
        if at < 0:
            continue
        for start, end, kind in entities:
            shared = min(end, at + length) - max(start, at)
            if shared > overlap:
                best, overlap = kind, shared
    return best
