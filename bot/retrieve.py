"""Passage retrieval: dense and BM25 rankings over the same chunks, fused by weighted RRF.

What a search does (hybrid, the default):

1. The filters become one boolean row mask (``index.allowed_rows``) applied *inside* both searches, so a
   filtered search still returns k passages when k exist.
2. Dense: inner product of the normalised MiniLM query vector with the chunk vectors (= cosine), depth
   ``dense_depth``. BM25: ``index.keyword_search``, depth ``bm25_depth``. Multilingual: when the index
   holds e5 vectors and a multilingual embedder is given, the question's e5 query vector against them
   (depth ``dense_depth``), a third ranking that finds English passages for a question in another
   language, where MiniLM and BM25 see mostly unknown words (names and numbers still match in BM25).
   For a question detected as another language than English (``bot.language``), MiniLM's ranking gets
   ``dense_weight_other_languages`` (0 by default) instead of ``dense_weight``.
3. Weighted reciprocal rank fusion: a candidate scores ``sum(w / (rrf_k + rank))`` over the rankings it
   appears in (rank from 1).
4. Exact tokens: numbers, years and codes in the question ("160 km", "IGCP 259", "2016") are
   *salient*. Candidates containing all of them form a third, "exact-match" ranking (in BM25 order)
   fused with weight ``exact_match_weight``,
   so the passage that literally states "76 elements" is not outvoted by passages that are merely about
   the same topic. Tokens present in most candidates are ignored. Nothing in it depends on particular
   wording: salience is a regular-expression notion.
5. Diversity: walking the fused list best-first, a document contributes at most
   ``max_passages_per_doc`` passages; skipped passages are used again only if the candidates run out
   before k (e.g. a search filtered to one document), so the cap never makes a search return fewer.
6. Every returned passage carries its cosine (``dense_score``) and BM25 score, computed for the few
   passages that lacked one by a search restricted to exactly those rows: downstream abstention needs
   the cosine even for a BM25-only candidate.

Modes ``dense`` and ``bm25`` return that single ranking (with the same filters and diversity cap).
This module never mutates the index and keeps no per-query state (query vectors are cached, thread-safely,
in :mod:`bot.vectors`), so one Retriever serves many threads.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.language import detect_language
from bot.normalise import normalise_question
from bot.types import Passage
from bot.vectors import multilingual_query_vector, query_vector
from icgg.settings import Settings
from index.store import Filters, Hit, MultilingualSearchIndex, SearchIndex

MODES = ("hybrid", "dense", "bm25")

# Words that are capitalised in questions without being names.
_QUESTION_WORDS = frozenset(
    re.findall(
        r"\w+",
        """a an the what which who whom whose when where why how is are was were do does did can could
    should would will shall may might must has have had in on at of for to by from with about and or
    not please tell list name give show describe explain summarise summarize i we you it its this
    that these those there their our my your he she they""",
    )
)
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*(?![\w])")
_CODE = re.compile(r"\b(?=\w*[A-Z]\w*[A-Z0-9])(?=\w*[A-Za-z])[A-Za-z0-9]{2,}\b")  # IGCP, F046, GlobalGeo
_WORDS = re.compile(r"\b[^\W\d_][\w'’-]*\b")


def _norm(text: str) -> str:
    """Lower-case NFKC with digit-group separators removed ("100,000" == "100000")."""
    text = unicodedata.normalize("NFKC", text).lower()
    return re.sub(r"(?<=\d)[,\u202f\u00a0 ](?=\d{3}\b)", "", text)


def salient_tokens(question: str) -> tuple[str, ...]:
    """Numbers, years and acronyms/codes of a question ("160", "2016", "igcp", "f046"), normalised.

    Capitalised names were tried as well and made ranking worse on both the development questions and
    SciFact's train split (a name is usually already well served by BM25 and the embedding), so only
    tokens whose exact form carries the meaning are used. Deliberately generic: no list of ICGG terms.
    """
    text = unicodedata.normalize("NFKC", question)
    found = [_norm(m.group()) for m in _NUMBER.finditer(text)]
    for m in _CODE.finditer(text):
        word = re.sub(r"['’]s$", "", m.group())
        if not word.isdigit():
            found.append(_norm(word))
    return tuple(dict.fromkeys(found))


def matched_tokens(text: str, tokens: Sequence[str]) -> set[str]:
    """The tokens that occur in ``text`` as whole words (normalised like :func:`salient_tokens`)."""
    norm = _norm(text)
    return {t for t in tokens if re.search(rf"(?<![\w]){re.escape(t)}(?![\w])", norm)}


def reciprocal_rank_fusion(rankings: Sequence[tuple[Sequence[int], float]], rrf_k: int) -> dict[int, float]:
    """Weighted RRF: ``{row: sum(weight / (rrf_k + rank))}`` with ranks from 1."""
    fused: dict[int, float] = {}
    for rows, weight in rankings:
        if weight <= 0:
            continue
        for rank, row in enumerate(rows, start=1):
            fused[row] = fused.get(row, 0.0) + weight / (rrf_k + rank)
    return fused


def cap_per_document(ranked: Sequence[int], doc_of: dict[int, str], k: int, cap: int) -> list[int]:
    """The first ``k`` rows of ``ranked`` with at most ``cap`` per document.

    Rows skipped because of the cap are taken (in order) only if fewer than ``k`` rows remain otherwise.
    """
    chosen: list[int] = []
    skipped: list[int] = []
    per_doc: dict[str, int] = {}
    for row in ranked:
        if len(chosen) == k:
            break
        doc = doc_of[row]
        if per_doc.get(doc, 0) >= cap:
            skipped.append(row)
            continue
        per_doc[doc] = per_doc.get(doc, 0) + 1
        chosen.append(row)
    if len(chosen) < k:
        chosen_set = set(chosen)
        extra = [r for r in skipped if r not in chosen_set][: k - len(chosen)]
        # Keep the fused order: merge the late additions back by their original position.
        position = {r: i for i, r in enumerate(ranked)}
        chosen = sorted(chosen + extra, key=position.__getitem__)
    return chosen


@dataclass(frozen=True)
class _Candidates:
    order: list[int]  # rows, best first
    score: dict[int, float]  # the score reported for each row in this mode
    dense: dict[int, float]
    bm25: dict[int, float]


class Retriever:
    """Hybrid retrieval over one immutable :class:`SearchIndex` generation."""

    def __init__(self, index: SearchIndex, embedder, settings: Settings, multilingual=None):
        self.index = index
        self.embedder = embedder
        self.settings = settings
        # The e5 embedder, used when the index holds e5 vectors of the same model (else None).
        self.multilingual = None
        if (
            multilingual is not None
            and isinstance(index, MultilingualSearchIndex)
            and index.multilingual_model_name == multilingual.model_name
        ):
            self.multilingual = multilingual

    def search(
        self,
        query: str,
        *,
        k: int | None = None,
        filters: Filters | None = None,
        mode: str | None = None,
    ) -> list[Passage]:
        """The top ``k`` passages for ``query`` (``settings.top_k`` by default), best first."""
        mode = mode or self.settings.retrieval_mode
        if mode not in MODES:
            raise ValueError(f"unknown retrieval mode {mode!r} (use one of {', '.join(MODES)})")
        k = self.settings.top_k if k is None else k
        query = normalise_question(query)
        if k <= 0 or not query.strip() or len(self.index) == 0:
            return []
        allowed = self.index.allowed_rows(filters)
        if allowed is not None and not allowed.any():
            return []
        qvec = None
        if mode != "bm25":
            qvec = self.query_vector(query)
        cands = self._candidates(query, qvec, k, allowed, mode)
        chunks = {row: self.index.chunk(row) for row in cands.order}
        doc_of = {row: c.doc_id for row, c in chunks.items()}
        top = cap_per_document(cands.order, doc_of, k, self.settings.max_passages_per_doc)
        dense, bm25 = self._complete_scores(query, qvec, top, cands, allowed)
        documents: dict[str, object] = {}
        passages = []
        for rank, row in enumerate(top, start=1):
            chunk = chunks[row]
            if chunk.doc_id not in documents:
                documents[chunk.doc_id] = self.index.document(chunk.doc_id)
            passages.append(
                Passage(
                    rank=rank,
                    score=float(cands.score[row]),
                    chunk=chunk,
                    document=documents[chunk.doc_id],
                    dense_score=dense.get(row),
                    bm25_score=bm25.get(row),
                )
            )
        return passages

    def query_vector(self, query: str) -> np.ndarray:
        """The query's embedding, left in :data:`bot.vectors.QUERY_VECTORS` for the answerer to reuse."""
        return query_vector(self.embedder, query)

    # --- internals ---------------------------------------------------------------------------------
    def _candidates(
        self, query: str, qvec: np.ndarray | None, k: int, allowed: np.ndarray | None, mode: str
    ) -> _Candidates:
        s = self.settings
        # Enough depth that the per-document cap can still fill k.
        floor = k * max(1, s.max_passages_per_doc) + k
        dense_hits: list[Hit] = []
        bm25_hits: list[Hit] = []
        if mode in ("hybrid", "dense"):
            dense_hits = self.index.dense_search(qvec, max(s.dense_depth, floor), allowed)
        if mode in ("hybrid", "bm25"):
            bm25_hits = self.index.keyword_search(query, max(s.bm25_depth, floor), allowed)
        dense = {h.row: h.score for h in dense_hits}
        bm25 = {h.row: h.score for h in bm25_hits}
        if mode == "dense":
            return _Candidates([h.row for h in dense_hits], dense, dense, bm25)
        if mode == "bm25":
            return _Candidates([h.row for h in bm25_hits], bm25, dense, bm25)
        dense_weight = s.dense_weight
        if self.multilingual is not None and detect_language(query, s) != "en":
            dense_weight = s.dense_weight_other_languages  # MiniLM reads English only
        rankings = [
            ([h.row for h in dense_hits], dense_weight),
            ([h.row for h in bm25_hits], s.bm25_weight),
        ]
        if self.multilingual is not None and s.multilingual_weight > 0:
            ml_vector = multilingual_query_vector(self.multilingual, query)
            ml_hits = self.index.multilingual_search(ml_vector, max(s.dense_depth, floor), allowed)
            rankings.append(([h.row for h in ml_hits], s.multilingual_weight))
        exact = self._exact_match_ranking(query, dense_hits, bm25_hits)
        if exact:
            rankings.append((exact, s.exact_match_weight))
        fused = reciprocal_rank_fusion(rankings, s.rrf_k)
        order = sorted(fused, key=lambda r: (-fused[r], r))
        return _Candidates(order, fused, dense, bm25)

    def _exact_match_ranking(self, query: str, dense_hits: list[Hit], bm25_hits: list[Hit]) -> list[int]:
        """Candidates containing *every* number/year/code of the query, in BM25 order, then dense order.

        "Every", not "most": ranking by the count of matched tokens let long queries full of numbers
        promote passages that merely share several of them (ArguAna nDCG@10 fell from 0.54 to 0.35).
        A token found in more than half of the candidate pool (e.g. the organisation's own acronym) does not
        discriminate and is ignored, so the ranking only speaks when it has something specific to say.
        """
        tokens = salient_tokens(query)
        if not tokens or self.settings.exact_match_weight <= 0:
            return []
        pool = list(dict.fromkeys([h.row for h in bm25_hits] + [h.row for h in dense_hits]))
        matches = {}
        for row in pool:
            chunk = self.index.chunk(row)
            matches[row] = matched_tokens(chunk.heading + "\n" + chunk.text, tokens)
        common = set()
        if len(pool) >= 4:
            common = {t for t in tokens if sum(t in m for m in matches.values()) > len(pool) / 2}
        useful = set(tokens) - common
        if not useful:
            return []
        return [row for row in pool if useful <= matches[row]]

    def _complete_scores(
        self,
        query: str,
        qvec: np.ndarray | None,
        rows: list[int],
        cands: _Candidates,
        allowed: np.ndarray | None,
    ) -> tuple[dict[int, float], dict[int, float]]:
        """Cosine and BM25 for every returned row, searching only the rows that lack one."""
        dense, bm25 = dict(cands.dense), dict(cands.bm25)
        n = len(self.index)
        missing_dense = [r for r in rows if r not in dense]
        if missing_dense:
            if qvec is None:
                qvec = self.query_vector(query)
            stored = getattr(self.index, "vectors", None)  # optional fast path (LocalIndex has it)
            if callable(stored):
                sims = np.asarray(stored(np.asarray(missing_dense)), dtype=np.float32) @ qvec
                dense.update(zip(missing_dense, map(float, sims), strict=True))
            else:
                mask = np.zeros(n, dtype=bool)
                mask[missing_dense] = True
                for hit in self.index.dense_search(qvec, len(missing_dense), mask):
                    dense[hit.row] = hit.score
        missing_bm25 = [r for r in rows if r not in bm25]
        if missing_bm25:
            mask = np.zeros(n, dtype=bool)
            mask[missing_bm25] = True
            found = {h.row: h.score for h in self.index.keyword_search(query, len(missing_bm25), mask)}
            for r in missing_bm25:
                bm25[r] = found.get(r, 0.0)  # BM25 is 0 when no query term occurs in the chunk
        del allowed  # the rows already passed the filters
        return dense, bm25
