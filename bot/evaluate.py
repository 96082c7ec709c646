"""Evaluation of retrieval and answers on a labelled question set, hybrid vs dense-only vs BM25-only.

Eval set format (JSONL, one object per line; ``tests/eval/qa.jsonl`` by default)::

    {"id": "q017",
     "question": "How many elements does the analytical system cover?",
     "answerable": true,
     "gold_docs": ["news/2012-03-30-76-element-analysis-wins-ministry-award.md", "pdf/grn-methods.pdf"],
     "key_facts": [["76", "seventy-six"], ["25%", "25 per cent", "one quarter"]],
     "kind": "paraphrase",            # paraphrase | multi-fact | date | number | unanswerable | followup
     "history": [["user", "..."], ["assistant", "..."]]}   # optional, for follow-up questions

- ``gold_docs``: file names relative to ``corpus/``; a document matches when its ``DocumentRecord.path``
  ends with the name. Empty for unanswerable questions.
- ``key_facts``: each item is a list of acceptable alternatives; a fact is covered when any alternative
  occurs in the answer text (case-, whitespace- and digit-grouping-insensitive).

Metrics (document level: a retrieved passage is a hit when it comes from a gold document; a document
counts once, at the rank of its first passage):

- recall@k: 1 when a passage from any gold document is among the top k, else 0 (``gold_docs`` lists
  every document that states the answer, so finding one of them is what answering needs);
- MRR@10: 1 / rank of the first gold passage; nDCG@10 with binary gains over distinct documents;
- abstention precision/recall: "abstained" is the positive class, unanswerable questions the truth;
- key-fact coverage: mean over answered answerable questions of the share of key facts covered;
- citation verifiability: share of citations whose quote occurs verbatim in ``page_text(doc_id, page)``;
- latency p50/p95 of ``search`` and of ``ask``.

Retrieval metrics use answerable questions with gold documents; follow-ups are searched with their
resolved question. This module only reads the index.
"""

from __future__ import annotations

import json
import math
import re
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.vectors import clear_vector_caches

MODES = ("hybrid", "dense", "bm25")
KINDS = ("paraphrase", "multi-fact", "date", "number", "unanswerable", "followup")


@dataclass(frozen=True)
class EvalItem:
    id: str
    question: str
    answerable: bool
    gold_docs: tuple[str, ...] = ()
    key_facts: tuple[tuple[str, ...], ...] = ()
    kind: str = "paraphrase"
    history: tuple[tuple[str, str], ...] = ()
    lang: str = "en"


def load_eval_set(path: str | Path) -> list[EvalItem]:
    """Parse a JSONL set in either format; ValueError naming the line for anything malformed.

    The project's sets (``question``, ``gold_docs``, ``key_facts``) and users'-words sets (``q``,
    ``lang``, ``docs`` with reports named ``pdf_src/x.md``, ``must``) are both read."""
    items: list[EvalItem] = []
    with Path(path).open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                users = "q" in obj
                facts = tuple(
                    tuple(str(a) for a in (f if isinstance(f, list) else [f]))
                    for f in obj.get("must" if users else "key_facts", [])
                )
                docs = obj.get("docs" if users else "gold_docs", [])
                items.append(
                    EvalItem(
                        id=str(obj.get("id", number)),
                        question=str(obj["q" if users else "question"]),
                        answerable=bool(obj["answerable"]),
                        gold_docs=tuple(corpus_path(d) for d in docs),
                        key_facts=facts,
                        kind=str(obj.get("kind", "paraphrase")),
                        history=tuple((str(r), str(t)) for r, t in obj.get("history") or []),
                        lang=str(obj.get("lang", "en")),
                    )
                )
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{number}: bad eval item ({exc})") from None
    return items


def corpus_path(name: str) -> str:
    """``pdf_src/x.md`` (a report's source) -> ``pdf/x.pdf`` (the file the index holds); other names
    unchanged. Evaluation and the reader's training read users'-words sets through it."""
    if name.startswith("pdf_src/") and name.endswith(".md"):
        return "pdf/" + name[len("pdf_src/") : -len(".md")] + ".pdf"
    return name


# --- metric functions ------------------------------------------------------------------------------
def distinct_docs(ranked_docs: Sequence[str]) -> list[str]:
    """Documents in order of their first passage."""
    return list(dict.fromkeys(ranked_docs))


def recall_at_k(ranked_docs: Sequence[str], gold: set[str], k: int) -> float:
    if not gold:
        return 0.0
    return len(set(ranked_docs[:k]) & gold) / len(gold)


def hit_at_k(ranked_docs: Sequence[str], gold: set[str], k: int) -> float:
    """1.0 when any of the top ``k`` passages comes from a gold document."""
    return 1.0 if set(ranked_docs[:k]) & gold else 0.0


def mrr_at_k(ranked_docs: Sequence[str], gold: set[str], k: int = 10) -> float:
    for rank, doc in enumerate(ranked_docs[:k], start=1):
        if doc in gold:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(ranked_docs: Sequence[str], gold: set[str], k: int = 10) -> float:
    """Binary-gain nDCG over the distinct documents of the top k passages."""
    if not gold:
        return 0.0
    docs = distinct_docs(ranked_docs[:k])
    dcg = sum(1.0 / math.log2(i + 2) for i, d in enumerate(docs) if d in gold)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(gold), k)))
    return dcg / ideal


def normalise_text(text: str) -> str:
    """Lower-case NFKC, unified dashes/quotes, no digit-group separators, single spaces."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", text)
    text = text.replace("\u2019", "'")
    text = re.sub(r"(?<=\d)[,\u202f\u00a0 ](?=\d{3}\b)", "", text)
    return " ".join(text.split())


def facts_found(answer_text: str, key_facts: Sequence[Sequence[str]]) -> list[int]:
    """Indexes of the facts with at least one alternative in the text (as a whole word or phrase)."""
    text = normalise_text(answer_text)
    found = []
    for i, alternatives in enumerate(key_facts):
        for alt in alternatives:
            norm = normalise_text(alt)
            if norm and re.search(rf"(?<![\w]){re.escape(norm)}(?![\w])", text):
                found.append(i)
                break
    return found


def key_fact_coverage(answer_text: str, key_facts: Sequence[Sequence[str]]) -> float:
    """Share of facts with at least one alternative in the answer (1.0 when there are no facts)."""
    if not key_facts:
        return 1.0
    return len(facts_found(answer_text, key_facts)) / len(key_facts)


def citation_verified(citation, index) -> bool:
    """The quote occurs verbatim in the cited page's text."""
    try:
        return bool(citation.quote) and citation.quote in index.page_text(citation.doc_id, citation.page)
    except (KeyError, IndexError):
        return False


def abstention_precision_recall(
    abstained: Sequence[bool], unanswerable: Sequence[bool]
) -> tuple[float, float]:
    tp = sum(a and u for a, u in zip(abstained, unanswerable, strict=True))
    n_abstained = sum(abstained)
    n_unanswerable = sum(unanswerable)
    precision = tp / n_abstained if n_abstained else (1.0 if not n_unanswerable else 0.0)
    recall = tp / n_unanswerable if n_unanswerable else 1.0
    return precision, recall


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


# --- running --------------------------------------------------------------------------------------
@dataclass
class ModeResult:
    mode: str
    metrics: dict[str, float] = field(default_factory=dict)
    per_question: list[dict[str, Any]] = field(default_factory=list)
    groups: dict[str, dict[str, float]] = field(default_factory=dict)  # the same metrics by language


def _run_one(variant, index, item: EvalItem) -> dict[str, Any]:
    """Search and ask one question; the measurements of it (``summarise`` turns rows into metrics)."""
    resolved = item.question
    if item.history:
        from bot.followup import resolve_followup

        resolved = resolve_followup(item.question, list(item.history))
    row: dict[str, Any] = {"id": item.id, "kind": item.kind, "lang": item.lang, "answerable": item.answerable}
    clear_vector_caches()  # time each call as a first-time question
    t0 = time.perf_counter()
    passages = variant.search(resolved, k=10)
    row["search_ms"] = (time.perf_counter() - t0) * 1000
    gold = gold_doc_ids(index, item.gold_docs)
    if item.answerable and gold:
        ranked = [p.document.doc_id for p in passages]
        row.update(
            r1=hit_at_k(ranked, gold, 1), r5=hit_at_k(ranked, gold, 5), r10=hit_at_k(ranked, gold, 10),
            mrr10=mrr_at_k(ranked, gold, 10), ndcg10=ndcg_at_k(ranked, gold, 10),
        )  # fmt: skip
    clear_vector_caches()
    t0 = time.perf_counter()
    answer = variant.ask(item.question, history=item.history)
    row["ask_ms"] = (time.perf_counter() - t0) * 1000
    if item.answerable and gold:
        used = [p.document.doc_id for p in answer.passages]  # after the reader's rerank
        row["evidence5"] = hit_at_k(used, gold, 5)
    row["abstained"] = answer.abstained
    if not answer.abstained:
        row["sentences"] = len(answer.citations)
        row["words"] = sum(len(c.quote.split()) for c in answer.citations)
        if item.answerable:
            row["coverage"] = key_fact_coverage(answer.text, item.key_facts)
    row["citations"] = len(answer.citations)
    row["verified"] = sum(citation_verified(c, index) for c in answer.citations)
    return row


def summarise(rows: Sequence[dict[str, Any]]) -> dict[str, float]:
    """Metrics over the rows of :func:`_run_one` (NaN where a metric has no question to count)."""

    def mean(key: str, where=lambda r: True) -> float:
        xs = [r[key] for r in rows if key in r and where(r)]
        return sum(xs) / len(xs) if xs else float("nan")

    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    precision, recall = abstention_precision_recall(
        [r["abstained"] for r in rows], [not r["answerable"] for r in rows]
    )
    n_citations = sum(r["citations"] for r in rows)
    share = lambda xs, f: sum(1 for r in xs if f(r)) / len(xs) if xs else float("nan")  # noqa: E731
    return {
        "recall@1": mean("r1"),
        "recall@5": mean("r5"),
        "recall@10": mean("r10"),
        "MRR@10": mean("mrr10"),
        "nDCG@10": mean("ndcg10"),
        "evidence@5 (passages answered from)": mean("evidence5"),
        "answered (of answerable)": share(answerable, lambda r: not r["abstained"]),
        "complete answers (of answerable)": share(answerable, lambda r: r.get("coverage") == 1.0),
        "abstained (of unanswerable)": share(unanswerable, lambda r: r["abstained"]),
        "abstention precision": precision,
        "abstention recall": recall,
        "key-fact coverage": mean("coverage"),
        "sentences per answer": mean("sentences"),
        "words per answer": mean("words"),
        "citation verifiability": sum(r["verified"] for r in rows) / n_citations
        if n_citations
        else float("nan"),
        "search p50 ms": percentile([r["search_ms"] for r in rows], 50),
        "search p95 ms": percentile([r["search_ms"] for r in rows], 95),
        "ask p50 ms": percentile([r["ask_ms"] for r in rows], 50),
        "ask p95 ms": percentile([r["ask_ms"] for r in rows], 95),
    }


def gold_doc_ids(index, gold_names: Sequence[str]) -> set[str]:
    """Doc ids whose path ends with one of the gold names (relative to corpus/)."""
    wanted = [g.replace("\\", "/").lstrip("/") for g in gold_names]
    ids = set()
    for doc in index.documents():
        path = doc.path.replace("\\", "/")
        if any(path == g or path.endswith("/" + g) for g in wanted):
            ids.add(doc.doc_id)
    return ids


def evaluate(assistant, items: Sequence[EvalItem], modes: Sequence[str] = MODES) -> list[ModeResult]:
    """Run every question through search and ask in each mode, on one index generation."""
    from bot.api import Assistant

    index = assistant.index
    results = []
    for mode in modes:
        settings = assistant.settings.model_copy(update={"retrieval_mode": mode})
        variant = Assistant(
            settings,
            assistant.embedder,
            index,
            answerer=assistant.answerer,
            multilingual=getattr(assistant, "multilingual", None),
        )
        res = ModeResult(mode)
        for item in items:
            res.per_question.append(_run_one(variant, index, item))
        res.metrics = summarise(res.per_question)
        for group, rows in (("English", "en"), ("other languages", "other")):
            subset = [r for r in res.per_question if (r["lang"] == "en") == (rows == "en")]
            if subset and len(subset) < len(res.per_question):
                res.groups[group] = summarise(subset)
        results.append(res)
    return results


def markdown_table(results: Sequence[ModeResult], items: Sequence[EvalItem]) -> str:
    n_ans = sum(1 for i in items if i.answerable)
    lines = [
        f"Questions: {len(items)} ({n_ans} answerable, {len(items) - n_ans} unanswerable).",
        "",
        "| Metric | " + " | ".join(r.mode for r in results) + " |",
        "| --- |" + " ---: |" * len(results),
    ]
    for name in results[0].metrics:
        lines.append(f"| {name} | " + " | ".join(_cell(name, r.metrics[name]) for r in results) + " |")
    for group in results[0].groups:
        lines += ["", f"**{group}** ({results[0].mode})", "", "| Metric | value |", "| --- | ---: |"]
        lines += [f"| {name} | {_cell(name, v)} |" for name, v in results[0].groups[group].items()]
    return "\n".join(lines) + "\n"


def _cell(name: str, value: float) -> str:
    if math.isnan(value):
        return "–"
    return (
        f"{value:.1f}" if name.endswith("ms") or name.startswith(("words", "sentences")) else f"{value:.3f}"
    )
