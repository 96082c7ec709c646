"""Page-level retrieval on documents nobody here wrote: the Azure RAG demo's 7 PDFs and 250 cited questions.

Reads ``../shared/external/qa/azure_rag_demo/`` (never committed; absent -> a clear message, exit 0).
The PDFs are ingested with the product's own ``icgg ingest`` code into a private index (cached under
``$ICGG_EXTERNAL_CACHE``, default ``/tmp/icgg-external-qa``, keyed by the PDFs' hashes and the code's
chunking settings), then every question is searched as the assistant searches it and, with ``--reader``,
reordered by the reader as :meth:`bot.api.Assistant.ask` does before answering.

Metric: page recall@5, the share of a question's cited pages (``file.pdf#page=N``) that lie within the
pages of the top 5 passages, averaged over questions; hit@5 (any cited page found) beside it.

Usage: ``python bench/external_qa.py [--out bench/results/external_qa.md]``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QA_DIR = (ROOT / ".." / "shared" / "external" / "qa" / "azure_rag_demo").resolve()
CACHE = Path(os.environ.get("ICGG_EXTERNAL_CACHE", "/tmp/icgg-external-qa"))


def cited_pages(row: dict) -> set[tuple[str, int]]:
    return {(c["file"], int(c["page"])) for c in row.get("citations") or []}


def passage_pages(passage) -> set[tuple[str, int]]:
    name = Path(passage.document.path).name
    return {(name, p) for p in range(passage.chunk.page_start, passage.chunk.page_end + 1)}


def build_index(settings) -> None:
    from index.builder import ingest_paths
    from index.embeddings import load_embedder

    ingest_paths([QA_DIR / "docs"], settings=settings, embedder=load_embedder(settings))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "external_qa.md")
    parser.add_argument("--k", type=int, default=5)
    args = parser.parse_args()
    if not (QA_DIR / "qa_with_citations.jsonl").is_file():
        print(f"{QA_DIR} is not there: nothing to measure (it is external material, never committed).")
        return 0
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from bot.api import Assistant
    from icgg.settings import Settings

    digest = hashlib.sha256()
    for pdf in sorted((QA_DIR / "docs").glob("*.pdf")):
        digest.update(pdf.name.encode() + pdf.read_bytes())
    base = Settings(_env_file=None)
    digest.update(f"{base.chunk_tokens}/{base.chunk_overlap_tokens}".encode())
    index_dir = CACHE / digest.hexdigest()[:16]
    settings = Settings(_env_file=None, index_dir=index_dir, corpus_dir=QA_DIR / "docs")
    if not (index_dir / "CURRENT").exists():
        print("ingesting the 7 PDFs (cached for the next run) ...", flush=True)
        build_index(settings)
    assistant = Assistant.open(settings)
    rows = [json.loads(line) for line in (QA_DIR / "qa_with_citations.jsonl").open(encoding="utf-8")]
    rows = [r for r in rows if cited_pages(r)]
    variants = {"hybrid search (top 5)": False}
    if assistant.reader is not None:
        variants["hybrid search, reranked by the reader (top 5)"] = True
    results = {}
    for name, rerank in variants.items():
        recall = hits = 0.0
        started = time.perf_counter()
        for r in rows:
            passages = assistant.passages_for(r["question"], rerank=rerank)[: args.k]
            found = set().union(*(passage_pages(p) for p in passages)) if passages else set()
            cited = cited_pages(r)
            recall += len(cited & found) / len(cited)
            hits += bool(cited & found)
        took = (time.perf_counter() - started) / len(rows) * 1000
        results[name] = (recall / len(rows), hits / len(rows), took)
        print(f"{name}: page recall@{args.k} {recall / len(rows):.3f}, hit@{args.k} {hits / len(rows):.3f}")
    lines = [
        "# Page retrieval on external documents (Azure RAG demo)",
        "",
        f"Written by `python bench/external_qa.py`: {len(rows)} questions with cited pages over 7 PDFs that "
        "nobody on this project wrote (`../shared/external/qa/azure_rag_demo`). Page recall@5 is the share "
        "of a question's cited pages within the pages of the top 5 passages. Target (issue 15): ≥ 0.80.",
        "",
        "| Ranking | page recall@5 | hit@5 | ms per question |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, (rec, hit, ms) in results.items():
        lines.append(f"| {name} | {rec:.3f} | {hit:.3f} | {ms:.0f} |")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
