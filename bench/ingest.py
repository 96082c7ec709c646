"""Ingest benchmark: our pipeline against its own embedding floor and against a naive LangChain pipeline.

For the shipped corpus (``corpus/news`` + ``corpus/pdf``) and for an N-times replicated copy (every copy
gets a different title and an extra line, so neither content hashes nor embedding texts repeat and the
cache cannot help), it measures in a fresh subprocess each:

- full ingest into an empty index folder with an empty embedding cache;
- the floor: ``embedder.embed`` over exactly the texts our ingest embedded, same order, same batch size,
  in one call (sentence-transformers sorts by length inside a call; our ingest pre-sorts the same way);
- an unchanged re-ingest, and the time to open (and checksum-verify) the published generation;
- peak RSS (``ru_maxrss`` of the process and of its parser children);
- the naive LangChain pipeline: PyPDFLoader / TextLoader, RecursiveCharacterTextSplitter(1000, 200),
  HuggingFaceEmbeddings on the bundled model, FAISS.from_documents.

Model loading is excluded from every timing. Prints a Markdown table and writes bench/results/ingest.md.
Usage: python bench/ingest.py [--replicas 10] [--skip-langchain] [--skip-replicated] [--skip-corpus]
[--output bench/results/ingest.md]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this file's folder comes first on sys.path and its name would shadow the ingest package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results" / "ingest.md"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def corpus_files() -> list[Path]:
    corpus = ROOT / "corpus"
    return sorted((corpus / "news").glob("*.md")) + sorted((corpus / "pdf").glob("*.pdf"))


# --- data sets ---------------------------------------------------------------------------------------------
def copy_corpus(target: Path) -> Path:
    target.mkdir(parents=True)
    for path in corpus_files():
        shutil.copy2(path, target / path.name)
    return target


def replicate_corpus(target: Path, replicas: int) -> Path:
    """``replicas`` copies of every file, each with its own title and one extra line."""
    from pypdf import PdfReader, PdfWriter

    target.mkdir(parents=True)
    for i in range(replicas):
        for path in corpus_files():
            out = target / f"r{i:02d}-{path.name}"
            if path.suffix == ".md":
                text = path.read_text(encoding="utf-8")
                text = text.replace('\ntitle: "', f'\ntitle: "Copy {i}: ', 1)
                out.write_text(text + f"\nReplica {i} of this item.\n", encoding="utf-8")
            else:
                writer = PdfWriter(clone_from=PdfReader(path))
                meta = dict(writer.metadata or {})
                meta["/Title"] = f"Copy {i}: {meta.get('/Title', path.stem)}"
                writer.add_metadata(meta)
                buffer = io.BytesIO()
                writer.write(buffer)
                out.write_bytes(buffer.getvalue())
    return target


# --- workers (run in subprocesses) -------------------------------------------------------------------------
def _peak_rss_mb() -> dict:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"peak_rss_mb": round(own, 1), "peak_child_rss_mb": round(children, 1)}


class _Recorder:
    """The real embedder, recording the texts it is given (in order)."""

    def __init__(self, inner):
        self.inner = inner
        self.texts: list[str] = []

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def embed(self, texts):
        self.texts.extend(texts)
        return self.inner.embed(texts)


def _cpu_seconds() -> float:
    """User + system CPU of this process and its finished children (the PDF parsers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def worker_ours(docs: Path, work: Path) -> dict:
    """Full ingest twice (fresh index and cache each time) around one floor measurement, so load drift on
    a shared machine affects both sides alike; then an unchanged re-ingest and an open."""
    from icgg.settings import Settings
    from index.builder import ingest_paths
    from index.embeddings import load_embedder
    from index.reader import open_index

    embedder = load_embedder(Settings(_env_file=None))
    embedder.embed(["warm-up text"] * 8)

    def full_run(name: str):
        settings = Settings(_env_file=None, index_dir=work / name)
        recorder = _Recorder(embedder)
        t, c = time.perf_counter(), _cpu_seconds()
        report = ingest_paths([docs], settings, embedder=recorder)
        return settings, recorder, report, time.perf_counter() - t, _cpu_seconds() - c

    _s, recorder, report_a, wall_a, cpu_a = full_run("a")
    t, c = time.perf_counter(), _cpu_seconds()
    embedder.embed(recorder.texts)
    floor, floor_cpu = time.perf_counter() - t, _cpu_seconds() - c
    settings, _r, report, wall_b, cpu_b = full_run("b")
    rss = _peak_rss_mb()

    t = time.perf_counter()
    again = ingest_paths([docs], settings, embedder=embedder)
    unchanged = time.perf_counter() - t
    assert again.generation is None, "an unchanged re-ingest must publish nothing"
    index = open_index(settings, embedder.model_name)
    return {
        "files": len(report.files),
        "documents": report.documents,
        "chunks": report.chunks,
        "embedded_texts": len(recorder.texts),
        "full_s": (wall_a + wall_b) / 2,
        "full_runs_s": [wall_a, wall_b],
        "floor_s": floor,
        "full_cpu_s": (cpu_a + cpu_b) / 2,
        "floor_cpu_s": floor_cpu,
        "unchanged_s": unchanged,
        "open_s": index.open_seconds,
        "vectors_mb": (index.path / "vectors.faiss").stat().st_size / 1e6,
        "store_mb": (index.path / "store.sqlite").stat().st_size / 1e6,
        "sentence_vectors": getattr(report, "sentence_vectors", 0),
        "timings": report.timings,
        "timings_first_run": report_a.timings,
        **rss,
    }


def worker_langchain(docs: Path) -> dict:
    from langchain_community.document_loaders import PyPDFLoader, TextLoader
    from langchain_community.vectorstores import FAISS
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from icgg.settings import Settings
    from index.embeddings import resolve_model

    _name, location = resolve_model(Settings(_env_file=None).embedding_model)
    embeddings = HuggingFaceEmbeddings(model_name=location, model_kwargs={"device": "cpu"})
    embeddings.embed_documents(["warm-up text"] * 8)

    t = time.perf_counter()
    loaded = []
    for path in sorted(docs.iterdir()):
        loader = PyPDFLoader(str(path)) if path.suffix == ".pdf" else TextLoader(str(path), encoding="utf-8")
        loaded.extend(loader.load())
    chunks = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(loaded)
    FAISS.from_documents(chunks, embeddings)
    elapsed = time.perf_counter() - t
    return {"documents": len(loaded), "chunks": len(chunks), "full_s": elapsed, **_peak_rss_mb()}


def run_worker(kind: str, docs: Path, index_dir: Path | None = None) -> dict:
    cmd = [sys.executable, __file__, "--worker", kind, str(docs)]
    if index_dir is not None:
        cmd.append(str(index_dir))
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(f"{kind} worker failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --- report ------------------------------------------------------------------------------------------------
def _sentence_vectors_setting() -> str:
    from icgg.settings import Settings

    return "on" if Settings(_env_file=None).index_sentence_vectors else "off"


def table(rows: list[tuple[str, dict, dict | None]]) -> str:
    lines = [
        "| data set | files | chunks (ours) | sentence vectors | store.sqlite (MB) | full ingest (s) "
        "| embed floor (s) | ratio (target ≤ 1.15) "
        "| CPU ratio "
        "| unchanged re-ingest (s) | speed-up (target ≥ 30×) | open + verify (s) | peak RSS (MB) "
        "| LangChain chunks | LangChain full (s) | LangChain RSS (MB) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, ours, lc in rows:
        ratio = ours["full_s"] / ours["floor_s"] if ours["floor_s"] else float("nan")
        cpu_ratio = ours["full_cpu_s"] / ours["floor_cpu_s"] if ours["floor_cpu_s"] else float("nan")
        speedup = ours["full_s"] / ours["unchanged_s"] if ours["unchanged_s"] else float("inf")
        rss = max(ours["peak_rss_mb"], ours["peak_child_rss_mb"])
        lc_cells = (
            f"{lc['chunks']} | {lc['full_s']:.1f} | {lc['peak_rss_mb']:.0f}" if lc else "not run | – | –"
        )
        lines.append(
            f"| {name} | {ours['files']} | {ours['chunks']} | {ours.get('sentence_vectors', 0)} "
            f"| {ours.get('store_mb', float('nan')):.1f} | {ours['full_s']:.1f} | {ours['floor_s']:.1f} "
            f"| {ratio:.3f} | {cpu_ratio:.3f} | {ours['unchanged_s']:.3f} | {speedup:.0f}× "
            f"| {ours['open_s']:.3f} | {rss:.0f} | {lc_cells} |"
        )
    return "\n".join(lines)


def stage_table(rows: list[tuple[str, dict, dict | None]]) -> str:
    lines = ["| data set | discover | parse | chunk | embed | write |", "|---|---:|---:|---:|---:|---:|"]
    for name, ours, _lc in rows:
        t = ours["timings"]
        cells = " | ".join(f"{t.get(k, 0.0):.2f}" for k in ("discover", "parse", "chunk", "embed", "write"))
        lines.append(f"| {name} | {cells} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--replicas", type=int, default=10)
    parser.add_argument("--skip-langchain", action="store_true")
    parser.add_argument("--skip-replicated", action="store_true")
    parser.add_argument("--skip-corpus", action="store_true", help="only the replicated copy")
    parser.add_argument("--output", type=Path, default=RESULTS, help="Markdown result file")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, *rest = args.worker
        result = (
            worker_ours(Path(rest[0]), Path(rest[1])) if kind == "ours" else worker_langchain(Path(rest[0]))
        )
        print(json.dumps(result))
        return

    started = datetime.now(UTC)
    load_before = os.getloadavg()
    rows = []
    with tempfile.TemporaryDirectory(prefix="icgg-bench-") as tmp:
        sets = [] if args.skip_corpus else [("corpus (1×)", copy_corpus(Path(tmp) / "corpus"))]
        if not args.skip_replicated:
            sets.append(
                (f"corpus ({args.replicas}×)", replicate_corpus(Path(tmp) / "replicated", args.replicas))
            )
        for name, docs in sets:
            print(f"[{name}] our pipeline ...", file=sys.stderr, flush=True)
            ours = run_worker("ours", docs, Path(tmp) / f"work-{docs.name}")
            lc = None
            if not args.skip_langchain:
                print(f"[{name}] LangChain pipeline ...", file=sys.stderr, flush=True)
                lc = run_worker("langchain", docs)
            rows.append((name, ours, lc))
    load_after = os.getloadavg()

    text = "\n".join(
        [
            "# Ingest benchmark",
            "",
            f"Run {started:%Y-%m-%d %H:%M} UTC on {platform.machine()}, {os.cpu_count()} CPU cores, "
            f"Python {platform.python_version()}; load average {load_before[0]:.1f} before and "
            f"{load_after[0]:.1f} after (other processes share the CPUs, so absolute times are noisy).",
            f"Corpus: {len(corpus_files())} files present in corpus/news and corpus/pdf at run time. "
            f"Sentence vectors at ingest (`index_sentence_vectors`): {_sentence_vectors_setting()} "
            "(`ICGG_INDEX_SENTENCE_VECTORS=false` measures without them).",
            "",
            table(rows),
            "",
            "Stage times of our full ingest (seconds):",
            "",
            stage_table(rows),
            "",
            "Full ingest: fresh index folder and empty embedding cache, model already loaded; mean of two "
            "runs made before and after the floor measurement. Embed floor: `embedder.embed` over exactly "
            "the texts our ingest embedded (chunks and, with `index_sentence_vectors` on, every quotable "
            "sentence), same order, one call, same batch size. CPU ratio: user+system "
            "seconds (including PDF parser children) of the same two measurements, less sensitive than "
            "wall time to other processes on the machine. "
            "LangChain: PyPDFLoader/TextLoader, RecursiveCharacterTextSplitter(1000, 200), "
            "HuggingFaceEmbeddings (bundled all-MiniLM-L6-v2), FAISS.from_documents; its chunks are "
            "1000 characters, so its chunk count differs from ours. Peak RSS is `ru_maxrss` of the "
            "measuring process (our PDF parser children are reported separately in the JSON).",
            "",
        ]
    )
    print(text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    args.output.with_suffix(".json").write_text(
        json.dumps([{"name": n, "ours": o, "langchain": lc} for n, o, lc in rows], indent=2), encoding="utf-8"
    )


if __name__ == "__main__":
    main()
