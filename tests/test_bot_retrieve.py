"""Hybrid retrieval on a real index (real model, real FAISS) built from small documents."""

from __future__ import annotations

import pytest
from bot_docs import build_bot_index

from bot.retrieve import (
    Retriever,
    cap_per_document,
    matched_tokens,
    reciprocal_rank_fusion,
    salient_tokens,
)
from index.reader import open_index
from index.store import Filters

EXACT_QUESTION = "Which system analyses 76 elements?"
EXACT_TITLE = "Ministry honours Langfang laboratory team"
REPORT_TITLE = "Training programme report"


@pytest.fixture(scope="module")
def index_settings(tmp_path_factory, embedder):
    return build_bot_index(tmp_path_factory.mktemp("bot-retrieve"), embedder)


@pytest.fixture(scope="module")
def index(index_settings, embedder):
    return open_index(index_settings, expected_model=embedder.model_name)


@pytest.fixture
def retriever(index, index_settings, embedder):
    return Retriever(index, embedder, index_settings)


def _titles(passages):
    return [p.document.title for p in passages]


# --- pure pieces --------------------------------------------------------------------------------
def test_rrf_sums_weighted_reciprocal_ranks():
    fused = reciprocal_rank_fusion([([7, 3], 1.0), ([3, 9], 2.0)], rrf_k=60)
    assert fused[7] == pytest.approx(1 / 61)
    assert fused[3] == pytest.approx(1 / 62 + 2 / 61)
    assert fused[9] == pytest.approx(2 / 62)


def test_rrf_ignores_rankings_with_zero_weight():
    assert reciprocal_rank_fusion([([1], 0.0), ([2], 1.0)], rrf_k=1) == {2: 0.5}


def test_cap_per_document_keeps_order_and_limits_each_document():
    doc_of = {1: "a", 2: "a", 3: "a", 4: "b", 5: "c"}
    assert cap_per_document([1, 2, 3, 4, 5], doc_of, k=4, cap=2) == [1, 2, 4, 5]


def test_cap_per_document_relaxes_only_when_candidates_run_out():
    doc_of = {1: "a", 2: "a", 3: "a", 4: "b"}
    assert cap_per_document([1, 2, 3, 4], doc_of, k=4, cap=1) == [1, 2, 3, 4]
    assert cap_per_document([1, 2, 3, 4], doc_of, k=3, cap=1) == [1, 2, 4]


def test_salient_tokens_are_numbers_years_and_codes_not_words():
    s = salient_tokens(
        "When did UNESCO's IGCP 259 start in Langfang in 1988, and what does 100,000 km2 mean?"
    )
    assert s == ("259", "1988", "100000", "unesco", "igcp")
    assert salient_tokens("What is geochemistry about in Langfang?") == ()


def test_matched_tokens_are_whole_words_with_digit_groups_normalised():
    text = "Samples from 100 000 km2 and 2016-05-12; not 7600."
    assert matched_tokens(text, ["100000", "2016", "76"]) == {"100000", "2016"}


# --- on the real index --------------------------------------------------------------------------
def test_hybrid_fuses_passages_only_one_side_ranks_highly(retriever):
    dense = _titles(retriever.search(EXACT_QUESTION, k=3, mode="dense"))
    bm25 = _titles(retriever.search(EXACT_QUESTION, k=3, mode="bm25"))
    hybrid = _titles(retriever.search(EXACT_QUESTION, k=5, mode="hybrid"))
    only_dense = set(dense) - set(bm25)
    only_bm25 = set(bm25) - set(dense)
    assert only_dense and only_bm25, "the two rankings should disagree on this question"
    assert only_dense & set(hybrid)
    assert only_bm25 & set(hybrid)


def test_exact_number_question_finds_the_passage_that_dense_alone_misses(retriever):
    dense = retriever.search(EXACT_QUESTION, k=1, mode="dense")
    assert dense[0].document.title != EXACT_TITLE  # the premise: topical passages outrank it
    hybrid = retriever.search(EXACT_QUESTION, k=1)
    assert hybrid[0].document.title == EXACT_TITLE
    assert "76 elements" in hybrid[0].chunk.text


def test_exact_match_ranking_adds_to_the_fused_score(index, index_settings, embedder):
    on = Retriever(index, embedder, index_settings).search(EXACT_QUESTION, k=2)
    off_settings = index_settings.model_copy(update={"exact_match_weight": 0.0})
    off = Retriever(index, embedder, off_settings).search(EXACT_QUESTION, k=2)
    assert on[0].document.title == EXACT_TITLE
    margin_on = on[0].score - on[1].score
    margin_off = off[0].score - off[1].score if off[0].document.title == EXACT_TITLE else 0.0
    assert margin_on > margin_off + 1 / (index_settings.rrf_k + 1) / 2


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_every_mode_returns_k_ranked_passages_with_both_scores(retriever, mode):
    passages = retriever.search("training course on sampling", k=4, mode=mode)
    assert [p.rank for p in passages] == [1, 2, 3, 4]
    scores = [p.score for p in passages]
    assert scores == sorted(scores, reverse=True)
    for p in passages:
        assert p.dense_score is not None and -1.0 <= p.dense_score <= 1.0
        assert p.bm25_score is not None and p.bm25_score >= 0.0
    if mode == "dense":
        assert scores == [p.dense_score for p in passages]
    if mode == "bm25":
        assert scores == [p.bm25_score for p in passages]


def test_bm25_only_candidates_get_their_true_cosine(retriever, embedder):
    passages = retriever.search(EXACT_QUESTION, k=5, mode="bm25")
    q = embedder.embed([EXACT_QUESTION])[0]
    for p in passages:
        stored = retriever.index.vectors([p.chunk.row])[0]
        assert p.dense_score == pytest.approx(float(stored @ q), abs=1e-4)


def test_unknown_mode_is_refused(retriever):
    with pytest.raises(ValueError, match="unknown retrieval mode"):
        retriever.search("x", mode="magic")


def test_type_filter_returns_only_that_type(retriever):
    passages = retriever.search("laboratory analysis", k=3, filters=Filters(doc_types=frozenset({"page"})))
    assert _titles(passages) == ["About the laboratory"]


def test_date_filter_still_returns_k_when_k_exist(retriever):
    filters = Filters(date_from="2016-01-01", date_to="2019-12-31", doc_types=frozenset({"news"}))
    passages = retriever.search("geochemical mapping of elements", k=3, filters=filters)
    assert len(passages) == 3
    assert all("2016-01-01" <= p.document.date <= "2019-12-31" for p in passages)
    assert {p.document.doc_type for p in passages} == {"news"}


def test_document_filter_fills_k_from_one_document_despite_the_cap(retriever, index):
    report = next(d for d in index.documents() if d.title == REPORT_TITLE)
    passages = retriever.search("geochemistry", k=5, filters=Filters(doc_ids=frozenset({report.doc_id})))
    assert len(passages) == 5
    assert {p.document.doc_id for p in passages} == {report.doc_id}


def test_filter_matching_nothing_returns_nothing(retriever):
    assert retriever.search("elements", filters=Filters(date_from="2030-01-01")) == []


def test_diversity_cap_keeps_one_long_report_from_crowding_out_the_rest(index, index_settings, embedder):
    question = "training courses on geochemical mapping"
    uncapped_settings = index_settings.model_copy(update={"max_passages_per_doc": 100})
    uncapped = Retriever(index, embedder, uncapped_settings).search(question, k=5, mode="bm25")
    assert _titles(uncapped).count(REPORT_TITLE) > 2  # the premise: the report would dominate
    for mode in ("hybrid", "dense", "bm25"):
        capped = Retriever(index, embedder, index_settings).search(question, k=5, mode=mode)
        assert len(capped) == 5
        assert _titles(capped).count(REPORT_TITLE) == index_settings.max_passages_per_doc


def test_empty_query_and_zero_k_return_nothing(retriever):
    assert retriever.search("   ") == []
    assert retriever.search("elements", k=0) == []
