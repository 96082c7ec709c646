"""The shipped corpus builds into an index every document of which is searchable (the session fixture
``corpus_index`` that bot and app tests share)."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.reader import open_index
from index.store import Filters

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


@pytest.mark.slow
def test_every_shipped_document_is_indexed_with_type_and_date(corpus_index, embedder):
    index = open_index(corpus_index, embedder.model_name)
    shipped = sorted(CORPUS.glob("news/*.md")) + sorted(CORPUS.glob("pdf/*.pdf"))
    by_path = {d.path: d for d in index.documents()}
    assert {str(p.resolve()) for p in shipped} == set(by_path)
    for path in shipped:
        doc = by_path[str(path.resolve())]
        assert doc.n_chunks > 0 and doc.date, path.name
        assert doc.doc_type == ("report" if path.suffix == ".pdf" else "news")
    reports = index.allowed_rows(Filters(doc_types=frozenset({"report"})))
    if any(p.suffix == ".pdf" for p in shipped):
        assert reports.any()
        assert max(index.chunk(int(r)).page_end for r in reports.nonzero()[0]) > 1
