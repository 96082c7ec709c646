"""Building the reader: its questions, split, labels, calibration and a deterministic fit."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from bot.evaluate import normalise_text
from bot.training.calibrate import answer_threshold, auroc, platt
from bot.training.questions import DATA_DIR, TrainingQuestion, corpus_path, load_questions

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
LANGS = {"en", "fr", "es", "pt", "ar", "ru", "zh"}


def _question(**changes) -> TrainingQuestion:
    base = dict(
        id="t:1", question="q", lang="en", answerable=True, must=(("x",),), docs=frozenset({"news/a.md"}),
        kind="factoid", users_words=True,
    )  # fmt: skip
    return TrainingQuestion(**{**base, **changes})


def test_a_validation_set_is_never_loaded_for_training(tmp_path):
    path = tmp_path / "user_questions.jsonl"
    path.write_text("", encoding="utf-8")
    with pytest.raises(ValueError, match="validation"):
        load_questions(path)


def test_both_question_formats_load_and_reports_are_named_as_the_index_names_them(tmp_path):
    users = tmp_path / "u.jsonl"
    users.write_text(
        json.dumps({"id": "a1", "q": "Où ?", "lang": "fr", "kind": "factoid", "answerable": True, "a": "",
                    "must": [["Langfang"]], "docs": ["pdf_src/icgg-at-a-glance.md"], "history": None}) + "\n"
        + json.dumps({"id": "a2", "q": "and then?", "lang": "en", "kind": "followup", "answerable": True,
                      "a": "", "must": [["x"]], "docs": ["news/x.md"],
                      "history": [["user", "q"], ["assistant", "a"]]})
        + "\n",
        encoding="utf-8",
    )  # fmt: skip
    docs = tmp_path / "d.jsonl"
    docs.write_text(
        json.dumps({"id": "q1", "question": "When?", "answerable": False, "gold_docs": [], "key_facts": [],
                    "kind": "unanswerable", "history": None}) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    (fr,) = load_questions(users)  # the follow-up needs its history: left out
    assert fr.lang == "fr" and fr.users_words and fr.docs == {"pdf/icgg-at-a-glance.pdf"}
    (q,) = load_questions(docs)
    assert not q.answerable and not q.users_words and q.id == "d:q1"
    assert corpus_path("news/x.md") == "news/x.md"


def test_questions_are_split_by_document():
    held = frozenset({"news/h.md", "news/g.md"})
    assert _question(docs=frozenset({"news/h.md"})).part(held, None) == "heldout"
    assert _question(docs=frozenset({"news/h.md", "news/g.md"})).part(held, None) == "heldout"
    assert _question(docs=frozenset({"news/h.md", "news/a.md"})).part(held, None) == "excluded"
    assert _question(docs=frozenset({"news/a.md"})).part(held, "news/h.md") == "pool"
    unanswerable = _question(answerable=False, docs=frozenset(), must=())
    assert unanswerable.part(held, "news/h.md") == "heldout"  # it is about what it retrieves
    assert unanswerable.part(held, "news/a.md") == "pool"


def test_the_archive_questions_measure_the_reader_and_never_train_it():
    from bot.training.pipeline import MEASURE_ONLY, question_files

    names = {p.name for p in question_files(shared=None)}
    assert MEASURE_ONLY and not names & MEASURE_ONLY
    assert "qa.jsonl" in names  # the other project sets still train
    assert all((Path(__file__).parent / "eval" / n).is_file() for n in MEASURE_ONLY)


def test_the_shipped_split_keeps_about_a_fifth_of_the_documents_out():
    from bot.training.pipeline import HELDOUT_FILE

    held = json.loads(HELDOUT_FILE.read_text(encoding="utf-8"))["documents"]
    corpus = [p for p in (CORPUS / "news").glob("*.md")] + list((CORPUS / "pdf").glob("*.pdf"))
    assert all((CORPUS / d).is_file() for d in held)
    assert 0.15 <= len(held) / len(corpus) <= 0.25


def test_the_answer_threshold_separates_answerable_from_unanswerable_best_scores():
    assert 0.4 < answer_threshold([0.6, 0.7, 0.9], [0.1, 0.2, 0.4]) < 0.6
    # overlap: the cut that keeps most of both sides
    threshold = answer_threshold([0.3, 0.6, 0.7, 0.8], [0.1, 0.2, 0.5])
    assert 0.5 < threshold < 0.6


def test_platt_scaling_keeps_the_order_and_auroc_measures_separation():
    rng = np.random.default_rng(0)
    logits = np.concatenate([rng.normal(2, 1, 200), rng.normal(-2, 1, 200)])
    labels = np.array([1] * 200 + [0] * 200)
    a, _ = platt(logits, labels)
    assert a > 0
    assert auroc([3, 4], [1, 2]) == 1.0 and auroc([1], [1]) == 0.5 and auroc([1], [2]) == 0.0


@pytest.mark.parametrize("path", sorted(DATA_DIR.glob("*.jsonl")), ids=lambda p: p.name)
def test_every_training_question_is_well_formed_and_its_key_facts_are_in_its_documents(path):
    seen = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        assert set(r) == {"id", "q", "lang", "kind", "answerable", "a", "must", "docs", "history"}
        assert r["id"] not in seen and r["lang"] in LANGS and r["q"].strip()
        seen.add(r["id"])
        if not r["answerable"]:
            assert r["must"] == [] and r["docs"] == [] and r["kind"] == "unanswerable"
            continue
        texts = [normalise_text((CORPUS / d).read_text(encoding="utf-8")) for d in r["docs"]]
        for group in r["must"]:
            assert any(
                re.search(rf"(?<![\w]){re.escape(normalise_text(f))}(?![\w])", t)
                for f in group
                for t in texts
            ) or any(normalise_text(f) in t for f in group for t in texts), (r["id"], group)


def test_the_training_sets_hold_many_questions_in_other_languages_and_unanswerable_ones():
    rows = [
        json.loads(line)
        for p in DATA_DIR.glob("*.jsonl")
        for line in p.read_text(encoding="utf-8").splitlines()
    ]
    assert len(rows) >= 800
    assert sum(r["lang"] != "en" for r in rows) / len(rows) >= 0.25
    assert sum(not r["answerable"] for r in rows) / len(rows) >= 0.2


@pytest.mark.slow
def test_candidates_are_positive_only_in_a_document_that_states_the_answer(tmp_path_factory, embedder):
    from bot.api import Assistant
    from bot.training.candidates import candidates_for
    from tests.answer_docs import build_answer_index

    settings = build_answer_index(tmp_path_factory.mktemp("cands"), embedder)
    assistant = Assistant.open(settings, embedder=embedder)
    q = _question(
        question="How many geologists from Laos finished the course?",
        must=(("Fourteen", "14"),),
        docs=frozenset({"news/2018-10-10-laos-training.md"}),
    )
    cands = candidates_for(q, assistant, depth=5)
    positives = [c for c in cands if c.facts]
    assert positives and all(c.doc == "news/2018-10-10-laos-training.md" for c in positives)
    assert all("Fourteen" in c.text for c in positives)
    assert any(not c.facts and c.doc == "news/2018-10-10-laos-training.md" for c in cands)  # a hard negative


@pytest.mark.slow
def test_a_fit_is_deterministic_for_a_seed_and_learns_its_examples():
    import copy

    import torch

    from bot.e5_model import E5Encoder
    from bot.training.fit import FitConfig, FitItem, fit

    base = E5Encoder()
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(12, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    items = [
        FitItem("Which sample is it?", np.arange(0, 6), np.array([1, 0, 0, 0, 0, 0], dtype=np.float32)),
        FitItem("Where is the centre?", np.arange(6, 12), np.array([0, 0, 1, 0, 0, 0], dtype=np.float32)),
    ]
    config = FitConfig(train_layers=1, epochs=4, batch_questions=2, learning_rate=1e-3)
    runs = []
    for _ in range(2):
        encoder = copy.deepcopy(base)
        runs.append((fit(items, vectors, encoder, config, log=lambda _: None), encoder))
    (a, enc_a), (b, _) = runs
    assert set(a) == set(b) and all(torch.equal(a[k], b[k]) for k in a)
    assert {k for k in a if k.startswith("encoder.layer.")} == {
        k for k in a if k.startswith("encoder.layer.11.")
    }

    with torch.inference_mode():
        q = enc_a.encode(["Which sample is it?"]).numpy()[0]
    scores = vectors[:6] @ q
    assert int(np.argmax(scores)) == 0  # the positive now ranks first
