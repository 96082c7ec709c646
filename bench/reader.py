"""The reader on questions in users' words: answers that answer, refusals, by language and by document.

Runs every question of a users'-words set (default: the validation set,
``../shared/eval/user_questions.jsonl``, which training never reads) through the shipped assistant on the
current index generation (``icgg ingest corpus`` first), then re-answers the *same* reading with
variants of the answer policy, so the variants differ only in the policy:

- ``shipped``: the settings and the reader's calibrated threshold as shipped;
- ``no answer-type check``: the same without ``bot/checks/answer_type.py`` (is the check earning its place?);
- ``threshold t``: other answer thresholds (answered vs. refused trade-off);
- ``top 1 sentence``: only the best sentence (what the answer policy's extra sentences add).

Metrics: evidence@5 (a passage of a document that states the answer among the five the answer is
composed from, after the reader's rerank), answered and complete (every key fact in the answer text) of
the answerable questions, abstained of the unanswerable, words and sentences per answer. Groups: English
and other languages; answerable questions about the documents the reader never trained on
(``bot/training/heldout_docs.json``); and words per answer by the reader's kind head (one fact / list).

``--split calibration`` (or ``heldout``) runs the training pipeline's part of that name instead: the
users'-words questions kept out of the fit to calibrate the threshold, or the questions about held-out
documents (it needs the candidate cache of ``icgg train-reader`` in ``data/reader-training``).

``--ask-only`` times and scores only ``Assistant.ask`` (no variants): the mode to run an older release's
code with (``PYTHONPATH=<its checkout> python bench/reader.py --ask-only``) for a before/after.

Writes ``bench/results/reader.md`` (or ``--out``) and prints the tables.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The code measured: this checkout, or the one PYTHONPATH names (an older release). The script's own
# folder leaves sys.path: bench/ingest.py would shadow the ``ingest`` package.
sys.path[0] = os.environ.get("PYTHONPATH", "").split(os.pathsep)[0] or str(ROOT)
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

DEFAULT_SET = ROOT.parent / "shared" / "eval" / "user_questions.jsonl"
HELDOUT = ROOT / "bot" / "training" / "heldout_docs.json"
THRESHOLDS = (0.05, 0.10, 0.25, 0.35)


def _facts_complete(text: str, facts) -> bool:
    from bot.evaluate import key_fact_coverage

    return key_fact_coverage(text, facts) == 1.0


def _row(item, answer, gold: set[str], wants_list: bool | None, heldout: bool) -> dict:
    row = {
        "id": item.id,
        "lang": item.lang,
        "answerable": item.answerable,
        "abstained": answer.abstained,
        "list": wants_list,
        "heldout": heldout,
    }
    if item.answerable and gold:
        row["evidence5"] = any(p.document.doc_id in gold for p in answer.passages[:5])
    if not answer.abstained:
        row["words"] = sum(len(c.quote.split()) for c in answer.citations)
        row["sentences"] = len(answer.citations)
        if item.answerable:
            row["complete"] = _facts_complete(answer.text, item.key_facts)
    return row


def summary(rows: list[dict]) -> dict[str, float | int]:
    ans = [r for r in rows if r["answerable"]]
    unans = [r for r in rows if not r["answerable"]]
    said = [r for r in rows if not r["abstained"]]

    def share(xs, f):
        return round(sum(1 for r in xs if f(r)) / len(xs), 3) if xs else None

    return {
        "answerable": len(ans),
        "evidence@5": share([r for r in ans if "evidence5" in r], lambda r: r["evidence5"]),
        "answered": share(ans, lambda r: not r["abstained"]),
        "complete": share(ans, lambda r: r.get("complete", False)),
        "unanswerable": len(unans),
        "abstained": share(unans, lambda r: r["abstained"]),
        "words/answer": round(sum(r["words"] for r in said) / len(said), 1) if said else None,
        "sentences/answer": round(sum(r["sentences"] for r in said) / len(said), 2) if said else None,
    }


COLUMNS = ("answerable", "evidence@5", "answered", "complete", "unanswerable", "abstained",
           "words/answer", "sentences/answer")  # fmt: skip


def table(groups: dict[str, dict]) -> list[str]:
    lines = ["| | " + " | ".join(COLUMNS) + " |", "|---|" + "---:|" * len(COLUMNS)]
    for name, s in groups.items():
        cells = ["–" if s[c] is None else str(s[c]) for c in COLUMNS]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def by_language(rows: list[dict]) -> dict[str, dict]:
    out = {
        "all": summary(rows),
        "English": summary([r for r in rows if r["lang"] == "en"]),
        "other languages": summary([r for r in rows if r["lang"] != "en"]),
    }
    for lang in sorted({r["lang"] for r in rows} - {"en"}):
        out[f"  {lang}"] = summary([r for r in rows if r["lang"] == lang])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", type=Path, default=DEFAULT_SET, help="users'-words question set (JSONL)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "reader.md")
    ap.add_argument("--json", type=Path, default=None, help="also write the per-question rows here")
    ap.add_argument(
        "--split",
        choices=("calibration", "heldout"),
        default=None,
        help="a part of the reader's training split instead of --set",
    )
    ap.add_argument("--ask-only", action="store_true", help="score Assistant.ask only (any release)")
    args = ap.parse_args()
    if args.split is None and not args.set.is_file():
        sys.exit(f"question set {args.set} not found (the validation set lives in ../shared/eval/)")

    from bot.api import Assistant
    from bot.evaluate import gold_doc_ids
    from icgg.settings import get_settings

    heldout = (
        set(json.loads(HELDOUT.read_text(encoding="utf-8"))["documents"]) if HELDOUT.is_file() else set()
    )
    items = training_part(args.split) if args.split else users_set(args.set)
    source = f"the reader's {args.split} split" if args.split else f"`{args.set.name}`"
    assistant = Assistant.open(get_settings())
    index = assistant.index
    started = time.perf_counter()
    variants: dict[str, list[dict]] = defaultdict(list)
    ask_ms: list[float] = []
    policies = {} if args.ask_only else _policy_variants(assistant)
    for item in items:
        unseen = bool(item.gold_docs) and set(item.gold_docs) <= heldout
        gold = gold_doc_ids(index, item.gold_docs)
        t0 = time.perf_counter()
        if args.ask_only:
            answer = assistant.ask(item.question, history=item.history)
            ask_ms.append((time.perf_counter() - t0) * 1000)
            variants["ask"].append(_row(item, answer, gold, None, unseen))
            continue
        # What Assistant.ask does, with the reading kept so the policy variants answer from the same one.
        generation, resolved, reading = assistant._prepare(item.question, item.history, None)
        answer = assistant.answerer.answer(resolved, reading, generation.index)
        answer = assistant._finish(answer, item.question, resolved, generation)
        ask_ms.append((time.perf_counter() - t0) * 1000)
        variants["shipped"].append(_row(item, answer, gold, reading.wants_list, unseen))
        for name, answerer in policies.items():
            variants[name].append(
                _row(item, answerer.answer(resolved, reading, index), gold, reading.wants_list, unseen)
            )
    minutes = (time.perf_counter() - started) / 60

    main_rows = variants["ask" if args.ask_only else "shipped"]
    md = [
        "# The reader on questions in users' words",
        "",
        f"Set: {source} ({len(items)} questions). Index generation `{assistant.generation}`. "
        f"Command: `python bench/reader.py {' '.join(sys.argv[1:])}`. "
        f"{minutes:.1f} min; ask p50 {sorted(ask_ms)[len(ask_ms) // 2]:.0f} ms (first-time questions "
        "are not forced here; see bench/results/query.md for latency).",
        "",
        "## By language",
        "",
        *table(by_language(main_rows)),
        "",
    ]
    if heldout:
        md += [
            "## Documents the reader never trained on",
            "",
            "Answerable questions whose every document is in `bot/training/heldout_docs.json`.",
            "",
            *table(
                {
                    "held-out documents": summary([r for r in main_rows if r["heldout"]]),
                    "other documents": summary(
                        [r for r in main_rows if r["answerable"] and not r["heldout"]]
                    ),
                }
            ),
            "",
        ]
    if not args.ask_only:
        md += [
            "## Answer policy variants (same readings)",
            "",
            *table({k: summary(v) for k, v in variants.items()}),
        ]
        md += ["", "English / other languages:", ""]
        md += table(
            {
                f"{k} ({lang})": summary([r for r in v if (r["lang"] == "en") == (lang == "en")])
                for k, v in variants.items()
                for lang in ("en", "other")
            }
        )
        md += ["", "## Answer length by the reader's kind head (shipped)", ""]
        md += table(
            {
                "one fact": summary([r for r in main_rows if r["list"] is False]),
                "list / description": summary([r for r in main_rows if r["list"] is True]),
            }
        )
    text = "\n".join(md) + "\n"
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps(dict(variants), indent=1), encoding="utf-8")


@dataclass(frozen=True)
class Item:
    """One question (parsed here, not by ``bot.evaluate``, so an older release runs the same set)."""

    id: str
    question: str
    answerable: bool
    gold_docs: tuple[str, ...]
    key_facts: tuple[tuple[str, ...], ...]
    history: tuple[tuple[str, str], ...]
    lang: str


def users_set(path: Path) -> list[Item]:
    """A users'-words set (``q``, ``lang``, ``docs`` with reports named ``pdf_src/x.md``, ``must``)."""
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        r = json.loads(line)
        docs = tuple(
            "pdf/" + d[len("pdf_src/") : -len(".md")] + ".pdf" if d.startswith("pdf_src/") else d
            for d in r.get("docs", [])
        )
        facts = tuple(tuple(str(a) for a in (f if isinstance(f, list) else [f])) for f in r.get("must", []))
        history = tuple((str(a), str(b)) for a, b in r.get("history") or [])
        items.append(
            Item(str(r["id"]), r["q"], bool(r["answerable"]), docs, facts, history, r.get("lang", "en"))
        )
    return items


def training_part(name: str) -> list:
    """The questions of one part of the reader's training split, as evaluation items."""
    from bot.training.candidates import read_candidates
    from bot.training.pipeline import HELDOUT_FILE, question_files, split
    from bot.training.questions import load_questions

    questions = [q for f in question_files() for q in load_questions(f)]
    caches = sorted(
        (ROOT / "data" / "reader-training").glob("candidates-*.jsonl"), key=lambda p: p.stat().st_mtime
    )
    if not caches:
        sys.exit("no candidate cache in data/reader-training: run `icgg train-reader` first")
    top_docs = {qid: (c[0].doc if c else None) for qid, c in read_candidates(caches[-1])}
    heldout = frozenset(json.loads(HELDOUT_FILE.read_text(encoding="utf-8"))["documents"])
    return [
        Item(q.id, q.question, q.answerable, tuple(sorted(q.docs)), q.must, (), q.lang)
        for q in split(questions, top_docs, heldout)[name]
    ]


def _policy_variants(assistant) -> dict:
    from bot.answer import ExtractiveAnswerer

    s, t = assistant.settings, assistant.reader.answer_threshold
    out = {
        "no answer-type check": ExtractiveAnswerer(s.model_copy(update={"check_answer_type": False}), t),
        "top 1 sentence": ExtractiveAnswerer(s.model_copy(update={"answer_max_sentences": 1}), t),
    }
    for th in THRESHOLDS:
        out[f"threshold {th:.2f}"] = ExtractiveAnswerer(s, th)
    return out


if __name__ == "__main__":
    main()
