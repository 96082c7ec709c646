"""Evaluation metrics on hand-computed examples, and the eval-set parser."""

from __future__ import annotations

import json
import math

import pytest

from bot.evaluate import (
    abstention_precision_recall,
    hit_at_k,
    key_fact_coverage,
    load_eval_set,
    mrr_at_k,
    ndcg_at_k,
    percentile,
    recall_at_k,
)


def test_recall_at_k_is_the_share_of_gold_documents_retrieved():
    ranked = ["a", "x", "b", "a", "y"]
    assert recall_at_k(ranked, {"a", "b"}, 1) == 0.5
    assert recall_at_k(ranked, {"a", "b"}, 3) == 1.0
    assert recall_at_k(ranked, {"z"}, 5) == 0.0
    assert recall_at_k(ranked, set(), 5) == 0.0


def test_hit_at_k_needs_one_passage_from_any_gold_document():
    ranked = ["x", "y", "b"]
    assert hit_at_k(ranked, {"a", "b"}, 2) == 0.0
    assert hit_at_k(ranked, {"a", "b"}, 3) == 1.0


def test_mrr_is_one_over_rank_of_first_gold_passage_within_k():
    assert mrr_at_k(["x", "y", "a"], {"a"}, 10) == pytest.approx(1 / 3)
    assert mrr_at_k(["x", "y", "a"], {"a"}, 2) == 0.0
    assert mrr_at_k(["a"], {"a"}, 10) == 1.0


def test_ndcg_counts_each_document_once_at_its_first_passage():
    # distinct docs: x, a, y, b -> gold at positions 2 and 4
    ranked = ["x", "a", "a", "y", "b"]
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    ideal = 1 / math.log2(2) + 1 / math.log2(3)
    assert ndcg_at_k(ranked, {"a", "b"}, 10) == pytest.approx(dcg / ideal)
    assert ndcg_at_k(["a", "b"], {"a", "b"}, 10) == pytest.approx(1.0)
    assert ndcg_at_k(["x"], {"a"}, 10) == 0.0


def test_ndcg_ideal_is_capped_at_k():
    assert ndcg_at_k(["a"], {"a", "b", "c"}, 1) == pytest.approx(1.0)


def test_key_fact_coverage_accepts_any_alternative_and_normalises_numbers_and_case():
    facts = [["76", "seventy-six"], ["25%", "one quarter"], ["100000"]]
    text = "The system covers Seventy\u2011six elements in 100,000 samples."
    assert key_fact_coverage(text, facts) == pytest.approx(2 / 3)
    assert key_fact_coverage("76 elements; 25% of samples; 100 000 km", facts) == 1.0
    assert key_fact_coverage("anything", []) == 1.0


def test_key_fact_alternatives_match_whole_tokens_only():
    assert key_fact_coverage("in 1976 and 7600", [["76"]]) == 0.0


def test_abstention_precision_and_recall():
    abstained = [True, True, False, False, True]
    unanswerable = [True, False, True, False, True]
    precision, recall = abstention_precision_recall(abstained, unanswerable)
    assert precision == pytest.approx(2 / 3)
    assert recall == pytest.approx(2 / 3)


def test_abstention_with_no_abstentions_and_no_unanswerable_is_perfect():
    assert abstention_precision_recall([False, False], [False, False]) == (1.0, 1.0)


def test_percentile_is_nearest_rank():
    values = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
    assert percentile(values, 50) == 50
    assert percentile(values, 95) == 100
    assert math.isnan(percentile([], 50))


def test_eval_set_parser_reads_items_and_names_the_bad_line(tmp_path):
    good = {
        "id": "q1",
        "question": "How many elements?",
        "answerable": True,
        "gold_docs": ["news/a.md"],
        "key_facts": [["76", "seventy-six"], "2016"],
        "kind": "number",
        "history": [["user", "Tell me about the lab"], ["assistant", "It analyses samples."]],
    }
    path = tmp_path / "qa.jsonl"
    path.write_text(json.dumps(good) + "\n\n", encoding="utf-8")
    (item,) = load_eval_set(path)
    assert item.key_facts == (("76", "seventy-six"), ("2016",))
    assert item.history[0] == ("user", "Tell me about the lab")
    path.write_text(json.dumps(good) + '\n{"question": "no answerable field"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"qa.jsonl:2"):
        load_eval_set(path)
