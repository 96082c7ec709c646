"""Which documents of the archive a search matches as a whole, beyond the top k the ranking shows.

A ranked search returns the k best passages; a timeline of those k, or those k sorted by date, says
nothing about the archive. This module answers "which documents contain every word I typed": the
keyword index is asked once per search word (the same analysis as BM25: stop words dropped, words
stemmed), and the documents holding all of them are kept, each with its best-scoring passage for the
whole query. A query whose words occur nowhere matches nothing.
"""

from __future__ import annotations

import re

from bot.types import Passage
from index.bm25 import tokenize
from index.store import Filters, SearchIndex

_WORD = re.compile(r"\w+")


def search_terms(query: str) -> dict[str, str]:
    """term -> one word of ``query`` that yields it (stop words dropped, stemmed words merged)."""
    terms: dict[str, str] = {}
    for word in _WORD.findall(query):
        for term in tokenize(word):
            terms.setdefault(term, word)
    return terms


def keyword_matches(index: SearchIndex, query: str, filters: Filters | None = None) -> list[Passage]:
    """One passage per document containing every search word of ``query``, best BM25 passage first."""
    terms = search_terms(query)
    n = len(index)
    if not terms or n == 0:
        return []
    allowed = index.allowed_rows(filters)
    if allowed is not None and not allowed.any():
        return []
    docs_with_all: set[str] | None = None
    for word in terms.values():
        docs = {index.chunk(hit.row).doc_id for hit in index.keyword_search(word, n, allowed)}
        docs_with_all = docs if docs_with_all is None else docs_with_all & docs
        if not docs_with_all:
            return []
    best: dict[str, tuple[int, float]] = {}
    for hit in index.keyword_search(query, n, allowed):  # best first
        doc_id = index.chunk(hit.row).doc_id
        if doc_id in docs_with_all and doc_id not in best:
            best[doc_id] = (hit.row, hit.score)
    passages = []
    for rank, (doc_id, (row, score)) in enumerate(best.items(), start=1):
        passages.append(
            Passage(rank=rank, score=score, chunk=index.chunk(row), document=index.document(doc_id),
                    bm25_score=score)
        )  # fmt: skip
    return passages
