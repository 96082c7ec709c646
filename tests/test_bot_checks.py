"""The contract every check beside the reader keeps (bot/checks): one setting switches it, it judges its
own examples as they are labelled, and a refusal says why in words and in a category."""

from __future__ import annotations

import importlib
import itertools

import numpy as np
import pytest

from bot.checks import REGISTRY, enabled_checks
from bot.reader import Reading, ScoredSentence
from bot.sentences import SentenceSpan
from icgg.settings import Settings
from tests.answer_docs import passage_of

_DIRECTIONS = itertools.count()


def _quoted(text: str) -> ScoredSentence:
    vector = np.zeros(64, dtype=np.float32)
    vector[next(_DIRECTIONS) % 64] = 1.0
    return ScoredSentence(SentenceSpan(text, 1, "d", 1, 0, len(text)), passage_of(text), 2.0, 0.88, vector)


def _settings(**changes) -> Settings:
    return Settings(_env_file=None).model_copy(update=changes)


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_a_check_is_switched_by_its_own_setting(name):
    assert name in {c.name for c in enabled_checks(_settings(**{f"check_{name}": True}))}
    assert name not in {c.name for c in enabled_checks(_settings(**{f"check_{name}": False}))}
    assert f"check_{name}" in Settings.model_fields  # documented in the settings table like any other


CASES = [
    (name, n, example)
    for name, module in sorted(REGISTRY.items())
    for n, example in enumerate(importlib.import_module(module).EXAMPLES)
]


@pytest.mark.parametrize(("name", "n", "example"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_a_check_judges_its_examples_as_labelled(name, n, example):
    fields, sentences, must_refuse = example
    check = importlib.import_module(REGISTRY[name]).build(_settings())
    quoted = [_quoted(t) for t in sentences]
    reading = Reading("q", [q.passage for q in quoted], quoted, **fields)
    refusal = check.refuse(reading, quoted)
    assert (refusal is not None) == must_refuse, (fields, sentences, refusal)
    if refusal is not None:
        assert refusal.reason.strip() and refusal.category.strip()


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_a_check_has_examples_of_both_outcomes(name):
    outcomes = {refuse for _, _, refuse in importlib.import_module(REGISTRY[name]).EXAMPLES}
    assert outcomes == {True, False}
