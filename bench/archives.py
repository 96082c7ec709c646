"""Reading real archives: OCR accuracy and speed, table questions, two-column order, hostile PDFs, ingest time.

Measures, and writes ``bench/results/archives.md``:

1. OCR character error rate (Levenshtein distance / reference length, with and without whitespace)
   against ground truth: English on the corpus scan (``corpus/archives/*-scan.pdf`` against the text kept
   by ``corpus/build_archives.py``) and on three pages of a corpus report degraded the same way; Chinese
   on pages of the two Chinese PDFs in ``../shared/external/pdfs/cjk`` degraded the same way, against their
   own text layer (whitespace ignored). Pages per second with the parser child's 2 threads, and the peak
   memory of the parser child that ran OCR (``VmHWM``, and its growth over the forked start).
2. The real scan ``../shared/external/pdfs/image_only/pdfminer__175.pdf``: its recognised text, with a
   person's reading of what went wrong (``READING_OF_175`` below, written from the text this script prints).
3. Table questions: the questions of ``tests/eval/qa_archives.jsonl`` whose answer is a cell of the table
   report, over an index of the whole corpus: a gold document in the top 5 passages, the row that holds the
   answer in the top 5, and complete answers (every key fact in a non-abstained answer). The whole archive
   set is reported by document too.
4. Two-column reading: word-order agreement (matching-blocks LCS share of the expected words) of pypdf's
   plain text and of our reader with the expected reading order: ``expected/pypdf__multicolumn-lorem-ipsum
   .txt`` (its layout text cut into columns) and the corpus's two-column paper (its source text).
5. The 82 hostile PDFs through the product reader: each indexed or refused with a reason, none hanging.
6. Ingest of the born-digital shipped corpus (``corpus/news`` + ``corpus/pdf``, as ``bench/ingest.py``
   copies it) by the code of an earlier commit and by this code, with ``--ingest-compare COMMIT``: the
   commit's tree is exported with ``git archive``; runs alternate (before, after, ...) in fresh processes,
   each a full ingest into an empty index and embedding cache with the MiniLM model already loaded, and
   with the e5 side and sentence vectors off on both sides (``INGEST_ENV``), so only the reading of the
   documents differs. CPU is user + system of the process and its parser children; medians are reported.

Usage: python bench/archives.py [--index-dir DIR] [--skip-qa] [--skip-hostile] [--ingest-compare COMMIT]
       python bench/archives.py --ocr-only      (sections 1 and 2 again, put in place of those of --out)
       python bench/archives.py --hostile-only  (section 5 again, in place of that of --out)
       python bench/archives.py --ingest-compare COMMIT [--runs 3] --ingest-only  (section 6 alone)
"""

from __future__ import annotations

import argparse
import collections
import importlib.util
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from difflib import SequenceMatcher
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))
EXTERNAL = ROOT.parent / "shared" / "external" / "pdfs"
OUT = ROOT / "bench" / "results" / "archives.md"
INGEST_JSON = "archives-ingest.json"  # beside --out
HOSTILE_JSON = "archives-hostile.json"  # beside --out: every hostile file's outcome
RERUN_NOTE = "Sections 1 and 2 rerun"
HOSTILE_NOTE = "Section 5 rerun"
INGEST_NOTE = "Section 6 run"
QA_NOTE = "Section 3 rerun"
# Settings of both sides of the ingest comparison: the multilingual (e5) vectors and the sentence vectors
# came from other work (and the sentence vectors' default changed with it), so both sides run without them.
# The code before the multilingual work has no such settings and ignores the first two.
INGEST_ENV = {
    "ICGG_MULTILINGUAL_EMBEDDINGS": "false",
    "ICGG_MULTILINGUAL_SENTENCE_VECTORS": "false",
    "ICGG_INDEX_SENTENCE_VECTORS": "false",
}
INGEST_SETTINGS_SHOWN = (
    "multilingual_embeddings", "multilingual_sentence_vectors", "index_sentence_vectors", "read_tables",
    "ocr_engine", "parse_workers", "chunk_tokens",
)  # fmt: skip
TABLE_REPORT = "archives/data-tables-sampling-and-baselines.pdf"
CHINESE = [
    (EXTERNAL / "cjk" / "pdfjs__issue12823.pdf", [0]),
    (EXTERNAL / "cjk" / "azsamples__zh_You Xue Qiong Lin (幼學瓊林).pdf", [1, 2]),
]
ENGLISH_DEGRADED = (ROOT / "corpus" / "pdf" / "laos-low-density-mapping-report.pdf", [1, 2, 3])

# A person's reading of the OCR of pdfminer__175.pdf (typewritten 1974 service bulletin, 200 dpi), made
# from the text this script prints in the results. Update it when the engine or its settings change.
READING_OF_175 = """\
Read against the page images (the text is printed below). The body text, part numbers and instructions
are plausible and mostly right: "ACCESSORY KIT NO. AK-120A", "Supersedes AK-120", "December 20, 1974",
"Oversize Tire Accessory Kit", "702067-501", "AN380-4-8 Cotter Pin", "MS24665-353", the numbered steps of
the installation, the caution and the notes. What it got wrong:
- the letterhead in a display typeface is garbage ("GRUMMAN AERIGEN ALA TIER", "SERFBRATBN SERVTCE",
  "CLEVELANO. OHO 44143": Grumman American Aviation, service bulletin, Cleveland, Ohio 44143), though its
  wide letter spacing is no longer read as spaces between letters;
- the typewriter's lower-case l and the digit 1 are confused ("AA-l", "AK-l20-2", "SK-l07", "l9 psi",
  "one (l)"), and 0/o in "6.oox6" and "AAl-0o0l"; "DATE" lost its D (")ATE");
- the parts table is read row by row but its columns run together ("1 1 702067-501 804042-1 Fork Assemb ly
  Placard 0"): no table is detected on a scan, so quantities are not attached to their parts;
- three words are cut beside a narrow typewriter letter ("Quan ti ty", "Assemb ly", "Mai n"): monospaced
  type leaves a wide gap around i, l and t, and the recogniser gives a space some probability there, which
  is what puts spaces back between words (`ingest.ocr.SPACE_PROBABILITY`); a speck read as a full stop
  takes a space ("the. installation", "strut .swivel");
- a two-line note beside an indented item is merged into the item ("must be Accessory Kit to maintain
  ... installed on Aircraft AAl-0o0l"), and marginal marks are read as stray letters ("S", "K", "T", "R");
- Chinese full stops and brackets appear in English text ("1。", "（2)"): the model reads Chinese too.
"""


def _script(name: str, path: Path):
    """Another script of the project, loaded as a module (neither corpus/ nor bench/ is a package)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _build_archives():
    return _script("build_archives", ROOT / "corpus" / "build_archives.py")


def _bench_ingest():
    """bench/ingest.py: the born-digital corpus it ingests is the one section 6 compares."""
    return _script("bench_ingest", ROOT / "bench" / "ingest.py")


def levenshtein(a: str, b: str) -> int:
    """Edit distance in O(len(a) * len(b)) time and O(len(b)) memory (pages of a few thousand chars)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _flat(text: str) -> str:
    return " ".join(text.split())


def _dense(text: str) -> str:
    return "".join(text.split())


def ocr_pages(pdf_bytes_or_path, pages: list[int] | None, dpi: int = 200):
    """(text, confidence, seconds) per page, read by the product's OCR path (render + PageReader)."""
    from ingest import pdf_layout
    from ingest.ocr import OcrOptions, PageReader

    options = OcrOptions("rapidocr", "eng+chi_sim", dpi, 600.0, 0.8, 2)
    reader = PageReader(options)
    doc = pdf_layout.pdfium.PdfDocument(pdf_bytes_or_path)
    out = []
    for index in pages if pages is not None else range(len(doc)):
        image = pdf_layout.render_page(doc, index, dpi)
        result = reader.read(image)
        out.append((result.text, result.confidence, result.seconds))
    return out


def _scan_of(pdf: Path, pages: list[int]):
    """The pages of a born-digital PDF, degraded as corpus/build_archives.py degrades its scan, as an
    image-only PDF in memory; with their own text layer as ground truth."""
    import io

    from fpdf import FPDF
    from PIL import Image
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for index in pages:
        writer.add_page(PdfReader(pdf).pages[index])
    buffer = io.BytesIO()
    writer.write(buffer)
    images, texts = _build_archives().scan_pages(buffer.getvalue())
    scan = FPDF()
    scan.set_auto_page_break(False)
    for pixels in images:
        scan.add_page()
        jpeg = io.BytesIO()
        Image.fromarray(pixels).save(jpeg, format="JPEG", quality=60)
        jpeg.seek(0)
        scan.image(jpeg, x=0, y=0, w=scan.w, h=scan.h)
    return bytes(scan.output()), texts


def measure_ocr() -> dict:
    builder = _build_archives()
    results: dict = {"english": [], "chinese": []}
    scan = next((ROOT / "corpus" / "archives").glob("*-scan.pdf"))
    truth = builder.truth_path(ROOT / "corpus" / "archives_src" / f"{scan.stem}.md").read_text().split("\f\n")
    started = time.perf_counter()
    for (text, conf, seconds), ref in zip(ocr_pages(str(scan), None), truth, strict=True):
        results["english"].append(("corpus scan " + scan.name, ref, text, conf, seconds))
    data, refs = _scan_of(*ENGLISH_DEGRADED)
    for (text, conf, seconds), ref in zip(ocr_pages(data, None), refs, strict=True):
        results["english"].append((f"degraded {ENGLISH_DEGRADED[0].name}", ref, text, conf, seconds))
    for pdf, pages in CHINESE:
        if not pdf.exists():
            continue
        data, refs = _scan_of(pdf, pages)
        for (text, conf, seconds), ref in zip(ocr_pages(data, None), refs, strict=True):
            results["chinese"].append((f"degraded {pdf.name}", ref, text, conf, seconds))
    results["wall_s"] = time.perf_counter() - started
    return results


def _child_memory_job(path: str) -> dict:
    """Runs in a sandbox child: OCR a scanned PDF as the product does; report the child's memory."""
    from ingest.ocr import OcrOptions
    from ingest.pdf import read_pdf

    def status(key: str) -> float:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(key):
                    return int(line.split()[1]) / 1024
        return 0.0

    start = status("VmRSS:")
    started = time.perf_counter()
    doc = read_pdf(
        path,
        doc_id="m",
        content_hash="h",
        max_pages=100,
        ocr=OcrOptions("rapidocr", "eng", 200, 600.0, 0.8, 2),
    )
    return {
        "start_rss_mb": start,
        "peak_rss_mb": status("VmHWM:"),
        "pages": len(doc.pages),
        "seconds": time.perf_counter() - started,
    }


def measure_child() -> dict:
    from ingest.sandbox import run_sandboxed

    scan = next((ROOT / "corpus" / "archives").glob("*-scan.pdf"))
    result = run_sandboxed(_child_memory_job, str(scan), timeout_s=1800, memory_mb=1536)
    if not result.ok:
        return {"error": result.error}
    return result.value


def measure_175() -> tuple[str, float]:
    path = EXTERNAL / "image_only" / "pdfminer__175.pdf"
    pages = ocr_pages(str(path), None)
    return "\n\n".join(f"--- page {i + 1} ---\n{t}" for i, (t, _c, _s) in enumerate(pages)), sum(
        s for _t, _c, s in pages
    )


# --- two columns -------------------------------------------------------------------------------------
def _expected_columns(layout_text: str) -> str:
    """pypdf's layout-mode text of a two-column page cut into its columns: lines whose text starts left of
    the gutter character column go first, then the right-hand parts, full-width lines where they stand."""
    lines = layout_text.split("\n")
    starts = [m.start() for line in lines for m in re.finditer(r"(?<=\S)\s{3,}(?=\S)", line)]
    right_starts = [m.end() for line in lines for m in re.finditer(r"\s{3,}(?=\S)", line) if m.start() > 20]
    if not starts or not right_starts:
        return layout_text
    gutter = max(set(right_starts), key=right_starts.count)
    left, right, out = [], [], []
    for line in lines:
        if len(line) > gutter and line[gutter - 1] == " " and line[:gutter].strip() and line[gutter:].strip():
            left.append(line[:gutter])
            right.append(line[gutter:])
        elif len(line) > gutter and not line[:gutter].strip():
            right.append(line[gutter:])
        elif left or right:
            left.append(line)
        else:
            out.append(line)
    return "\n".join(out + left + right)


def _words(text: str) -> list[str]:
    text = re.sub(r"-\s*\n\s*", "", text)  # words hyphenated across lines
    text = text.replace("\ufb01", "fi").replace("\ufb02", "fl")
    return re.findall(r"\w+", text.lower())


def agreement(expected: str, got: str) -> float:
    a, b = _words(expected), _words(got)
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()) / max(1, len(a))


def measure_columns() -> list[tuple[str, float, float]]:
    from pypdf import PdfReader

    from ingest.pdf import read_pdf

    rows = []
    sample = EXTERNAL / "multicolumn" / "samplefiles__multicolumn.pdf"
    expected = EXTERNAL / "expected" / "pypdf__multicolumn-lorem-ipsum.txt"
    if sample.exists() and expected.exists():
        reference = _expected_columns(expected.read_text(encoding="utf-8"))
        before = PdfReader(sample).pages[0].extract_text()
        after = read_pdf(sample, doc_id="m", content_hash="h", max_pages=10).pages[0].text
        rows.append(
            (
                f"{sample.name} p.1 vs expected/{expected.name}",
                agreement(reference, before),
                agreement(reference, after),
            )
        )
    paper = ROOT / "corpus" / "archives" / "baselines-history-two-column.pdf"
    source = (ROOT / "corpus" / "archives_src" / "baselines-history-two-column.md").read_text(
        encoding="utf-8"
    )
    reference = source.split("\n---\n", 1)[1].replace("#", "")
    before = PdfReader(paper).pages[0].extract_text()
    after = read_pdf(paper, doc_id="p", content_hash="h", max_pages=10).pages[0].text
    rows.append(
        (f"corpus {paper.name} vs its source", agreement(reference, before), agreement(reference, after))
    )
    return rows


# --- questions ---------------------------------------------------------------------------------------
def measure_questions(index_dir: Path | None) -> dict:
    from bot.api import Assistant
    from bot.evaluate import gold_doc_ids, key_fact_coverage, load_eval_set
    from icgg.settings import Settings
    from index.builder import ingest_paths
    from index.embeddings import load_embedder
    from ingest.tables import is_table_block

    settings = Settings(_env_file=None)
    tmp = None
    if index_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="icgg-archives-")
        index_dir = Path(tmp.name)
    settings = settings.model_copy(update={"index_dir": index_dir})
    embedder = load_embedder(settings)
    ingest_seconds = None
    if not (index_dir / "CURRENT").exists():
        started = time.perf_counter()
        ingest_paths([ROOT / "corpus"], settings, embedder=embedder)
        ingest_seconds = time.perf_counter() - started
    assistant = Assistant(
        settings, embedder, __import__("index.reader", fromlist=["open_index"]).open_index(settings)
    )
    items = load_eval_set(ROOT / "tests" / "eval" / "qa_archives.jsonl")
    rows = []
    for item in items:
        passages = assistant.search(item.question, k=5)
        answer = assistant.ask(item.question)
        gold = gold_doc_ids(assistant.index, item.gold_docs)
        hit = any(p.document.doc_id in gold for p in passages)
        table_row = any(
            is_table_block(p.chunk.text)
            and all(any(f.lower() in p.chunk.text.lower() for f in fact) for fact in item.key_facts)
            for p in passages
        )
        complete = (not answer.abstained) and key_fact_coverage(answer.text, item.key_facts) == 1.0
        first_gold = next((d for d in item.gold_docs if d.startswith("archives/")), "")
        rows.append(
            {
                "id": item.id, "answerable": item.answerable, "doc": first_gold, "evidence5": hit,
                "row5": table_row, "complete": complete, "abstained": answer.abstained,
                "answer": answer.text[:160], "reason": answer.abstain_reason,
            }
        )  # fmt: skip
    if tmp is not None:
        tmp.cleanup()
    return {"rows": rows, "ingest_s": ingest_seconds}


# --- machine load -------------------------------------------------------------------------------------
_SAMPLE_LOAD = "import os, sys, time\nwhile True:\n    print(os.getloadavg()[0], flush=True)\n    time.sleep(float(sys.argv[1]))"


class LoadSampler:
    """The 1-minute load average every ``every_s`` seconds while the block runs (other jobs share the CPUs).

    Sampled by a separate process, so that measuring leaves the forked parser children as they are: the
    OCR of ``pdfminer__175.pdf`` needs about the whole memory cap (``pdf_memory_mb``), and a sampling
    thread in this process changed its outcome (read with the thread, refused without it, in four
    alternating runs)."""

    def __init__(self, every_s: float = 10.0):
        self.every_s = every_s
        self.samples: list[float] = []

    def __enter__(self) -> LoadSampler:
        self._process = subprocess.Popen(
            [sys.executable, "-c", _SAMPLE_LOAD, str(self.every_s)], stdout=subprocess.PIPE, text=True
        )
        return self

    def __exit__(self, *exc) -> None:
        self._process.terminate()
        out, _err = self._process.communicate()
        self.samples = [float(x) for x in out.split()] + [os.getloadavg()[0]]

    def describe(self) -> str:
        s = self.samples
        return f"{min(s):.1f} to {max(s):.1f} (median {statistics.median(s):.1f}, {len(s)} samples)"


# --- hostile PDFs --------------------------------------------------------------------------------------
def measure_hostile() -> dict:
    from icgg.settings import Settings
    from ingest.reader import read_files

    files = sorted(p for p in EXTERNAL.rglob("*.pdf"))
    settings = Settings(_env_file=None)
    started = time.perf_counter()
    with LoadSampler() as load:
        outcomes = read_files(files, settings)
    wall = time.perf_counter() - started
    refused = [o for o in outcomes if not o.ok]
    return {
        "files": len(files),
        "indexed": sum(o.ok for o in outcomes),
        "refused": len(refused),
        "without_reason": sum(1 for o in refused if not o.reason),
        "timed_out": [
            Path(o.path).name
            for o in refused
            if "timed out" in (o.reason or "") or "no progress" in (o.reason or "")
        ],
        "ocr": [
            (Path(o.path).name, o.document.extra.get("ocr_pages"), o.document.extra.get("ocr_seconds"))
            for o in outcomes
            if o.ok and o.document.extra.get("ocr_pages")
        ],
        "slowest": sorted(((o.seconds, Path(o.path).name) for o in outcomes), reverse=True)[:3],
        "wall_s": wall,
        "load": load.describe(),
        "reasons": collections.Counter(re.sub(r"\s*\(.*", "", o.reason or "").strip() for o in refused),
        "outcomes": {Path(o.path).name: o.reason or "indexed" for o in outcomes},
    }


def hostile_section(json_path: Path) -> list[str]:
    """Section 5; every file's outcome goes to ``json_path``."""
    h = measure_hostile()
    json_path.write_text(json.dumps(h["outcomes"], indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    md = ["## 5. Hostile PDFs (`../shared/external/pdfs`, product reader, 2 workers)", "",
          f"Load average (1 min) during the run: {h['load']}.", "",
          "| files | indexed | refused with a reason | refused without one | stopped by the timeout | wall time |",
          "| ---: | ---: | ---: | ---: | ---: | ---: |",
          f"| {h['files']} | {h['indexed']} | {h['refused'] - h['without_reason']} | {h['without_reason']} | "
          f"{len(h['timed_out'])} | {h['wall_s']:.0f} s |", ""]  # fmt: skip
    if h["timed_out"]:
        md.append("Stopped by a timeout (refused with that reason): " + ", ".join(h["timed_out"]) + ".")
    md.append(
        "Read by OCR: " + (", ".join(f"{n} ({p} pages, {s} s)" for n, p, s in h["ocr"]) or "none") + "."
    )
    md.append("Slowest: " + ", ".join(f"{n} {s:.1f} s" for s, n in h["slowest"]) + ".")
    md.append("Reasons for refusing: " + "; ".join(f"{r} ({n})" for r, n in h["reasons"].most_common()) + ".")
    md.append("")
    return md


# --- born-digital ingest, before and after -------------------------------------------------------------
def _cpu() -> tuple[float, float]:
    """User + system seconds of this process (every thread) and of its waited-for children (the parsers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime


def ingest_worker(code: Path, docs: Path, index_dir: Path) -> dict:
    """Runs in a fresh process on the code in ``code``: one full ingest of ``docs`` into the empty
    ``index_dir`` (its embedding cache too), the model loaded and warmed up beforehand. Uses only what
    every version of the code has (``Settings``, ``load_embedder``, ``ingest_paths``, ``report.timings``)."""
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT]
    sys.path.insert(0, str(code))
    from icgg.settings import Settings
    from index.builder import ingest_paths
    from index.embeddings import load_embedder

    settings = Settings(_env_file=None, index_dir=index_dir)
    embedder = load_embedder(settings)
    embedder.embed(["warm-up text"] * 8)
    load = os.getloadavg()[0]
    own, kids = _cpu()
    started = time.perf_counter()
    report = ingest_paths([docs], settings, embedder=embedder)
    wall = time.perf_counter() - started
    own_after, kids_after = _cpu()
    failed = [r.path for r in report.files if r.status not in ("added", "updated", "unchanged")]
    return {
        "wall_s": wall,
        "cpu_s": own_after - own + kids_after - kids,
        "parser_cpu_s": kids_after - kids,
        "load": load,
        "documents": report.documents,
        "chunks": report.chunks,
        "embedded_texts": report.embedded_texts,
        "failed": [str(p) for p in failed],
        "timings": report.timings,
        "settings": {k: getattr(settings, k, None) for k in INGEST_SETTINGS_SHOWN},
    }


def _export(commit: str, target: Path) -> str:
    """The tree of ``commit`` in ``target`` (``git archive``); returns its short hash."""
    target.mkdir(parents=True)
    short = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", commit], capture_output=True, text=True, check=True
    ).stdout.strip()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return short


def measure_ingest(before_commit: str, runs: int) -> dict:
    env = {**os.environ, **INGEST_ENV, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "TOKENIZERS_PARALLELISM": "false"}  # fmt: skip
    after_commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--", "ingest", "index", "icgg"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    results: dict = {"before": [], "after": []}
    with tempfile.TemporaryDirectory(prefix="icgg-ingest-compare-") as tmp:
        docs = _bench_ingest().copy_corpus(Path(tmp) / "docs")
        files = len(list(docs.iterdir()))
        before_code = Path(tmp) / "before"
        before_short = _export(before_commit, before_code)
        sides = {"before": before_code, "after": ROOT}
        with LoadSampler() as load:
            for run in range(runs):
                for side, code in sides.items():
                    print(f"[ingest] run {run + 1}/{runs}, {side} ...", file=sys.stderr, flush=True)
                    cmd = [sys.executable, __file__, "--ingest-worker", str(code), str(docs),
                           str(Path(tmp) / f"index-{side}-{run}")]  # fmt: skip
                    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=code, env=env)
                    if proc.returncode != 0:
                        raise SystemExit(f"ingest worker ({side}) failed:\n{proc.stderr[-3000:]}")
                    results[side].append(json.loads(proc.stdout.strip().splitlines()[-1]))
    return {
        "before_commit": before_short,
        "after_commit": after_commit + (" with uncommitted changes to ingest/index/icgg" if dirty else ""),
        "files": files,
        "env": INGEST_ENV,
        "load": load.describe(),
        **results,
    }


def ingest_section(m: dict, command: str) -> list[str]:
    def med(side: str, key: str, stage: str | None = None) -> float:
        values = [r["timings"].get(stage, 0.0) if stage else r[key] for r in m[side]]
        return statistics.median(values)

    runs = len(m["before"])
    env = " ".join(f"{k}={v}" for k, v in m["env"].items())
    md = ["## 6. Ingest of the born-digital shipped corpus (corpus/news + corpus/pdf), before and after", "",
          f"`{command}`: {m['files']} files (the archive documents are not read); before = {m['before_commit']} "
          f"(the archives branch's fork point), after = {m['after_commit']}. Both sides run with `{env}` "
          "(the e5 side and the sentence vectors came from other work), the other settings at their defaults "
          "(2 parser processes). Each run is a fresh process: a full ingest into an empty index and embedding "
          f"cache, model loaded beforehand; the sides alternate, {runs} runs each; medians. CPU = user + system "
          "seconds of the process (all threads) and its PDF parser children.", "",
          f"Load average (1 min) during the runs: {m['load']}; at the start of each run: before "
          + ", ".join(f"{r['load']:.1f}" for r in m["before"]) + "; after "
          + ", ".join(f"{r['load']:.1f}" for r in m["after"]) + ".", "",
          "| median of the runs | before | after | after / before |", "| --- | ---: | ---: | ---: |"]  # fmt: skip
    rows = [
        ("CPU of the full ingest (s), the main figure", "cpu_s", None),
        ("wall time of the full ingest (s)", "wall_s", None),
        ("CPU of the PDF parser children (s)", "parser_cpu_s", None),
        ("parse stage, wall (s)", "", "parse"),
        ("chunk stage, wall (s)", "", "chunk"),
        ("embed stage, wall (s)", "", "embed"),
        ("write stage, wall (s)", "", "write"),
    ]
    for label, key, stage in rows:
        b, a = med("before", key, stage), med("after", key, stage)
        md.append(f"| {label} | {b:.2f} | {a:.2f} | {a / b if b else float('nan'):.2f} |")
    for label, key in (("documents", "documents"), ("chunks", "chunks")):
        md.append(f"| {label} | {m['before'][0][key]} | {m['after'][0][key]} | |")
    md.append("")
    md.append("Every run (CPU s / wall s): before " + ", ".join(f"{r['cpu_s']:.1f} / {r['wall_s']:.1f}" for r in m["before"])
              + "; after " + ", ".join(f"{r['cpu_s']:.1f} / {r['wall_s']:.1f}" for r in m["after"]) + ".")  # fmt: skip
    failed = sorted({f for side in ("before", "after") for r in m[side] for f in r["failed"]})
    md.append("Files not indexed: " + (", ".join(Path(f).name for f in failed) or "none") + ".")
    md.append("")
    return md


# --- report --------------------------------------------------------------------------------------------
def _cer_table(samples, dense: bool) -> tuple[list[str], float, float]:
    lines, errors, chars, seconds = [], 0, 0, 0.0
    for name, ref, got, conf, secs in samples:
        r, g = (_dense(ref), _dense(got)) if dense else (_flat(ref), _flat(got))
        e = levenshtein(r, g)
        errors, chars, seconds = errors + e, chars + len(r), seconds + secs
        lines.append(f"| {name} | {len(r)} | {e} | {e / max(1, len(r)):.2%} | {conf or 0:.3f} | {secs:.1f} |")
    return lines, errors / max(1, chars), seconds / max(1, len(samples))


def ocr_sections() -> list[str]:
    """Sections 1 and 2 of the report: every OCR run of this script."""
    md: list[str] = []
    ocr = measure_ocr()
    child = measure_child()
    md += ["## 1. OCR accuracy and speed (bundled RapidOCR 1.4.4, PP-OCRv4, 200 dpi, 2 threads)", ""]
    md += ["Character error rate = edit distance / reference characters. English is scored with whitespace "
           "collapsed to single spaces (a missing space counts) and without whitespace; Chinese without "
           "whitespace.", ""]  # fmt: skip
    header = "| page source | ref chars | edits | CER | mean confidence | s/page |\n| --- | ---: | ---: | ---: | ---: | ---: |"
    lines, en_cer, _ = _cer_table(ocr["english"], dense=False)
    md += ["English, whitespace kept:", "", header, *lines, ""]
    lines_d, en_cer_dense, _ = _cer_table(ocr["english"], dense=True)
    md += ["English, whitespace ignored:", "", header, *lines_d, ""]
    lines_z, zh_cer, _ = _cer_table(ocr["chinese"], dense=True)
    md += [
        "Chinese (whitespace ignored; the classical text is in traditional characters):",
        "",
        header,
        *lines_z,
        "",
    ]
    total_pages = len(ocr["english"]) + len(ocr["chinese"])
    md += [
        "| summary | value |",
        "| --- | ---: |",
        f"| English CER, whitespace kept (target ≤ 3%) | {en_cer:.2%} |",
        f"| English CER, whitespace ignored | {en_cer_dense:.2%} |",
        f"| Chinese CER | {zh_cer:.2%} |",
        f"| pages per second, one parser child with 2 threads | {total_pages / ocr['wall_s']:.3f} |",
        f"| parser child that read the corpus scan: peak RSS (VmHWM) | {child.get('peak_rss_mb', float('nan')):.0f} MB |",
        f"| same child: RSS at start (forked from this process) | {child.get('start_rss_mb', float('nan')):.0f} MB |",
        f"| same child: {child.get('pages', '?')} pages read in | {child.get('seconds', float('nan')):.1f} s |",
        "",
    ]

    text_175, seconds_175 = measure_175()
    md += ["## 2. The real scan pdfminer__175.pdf", "", f"Two pages, {seconds_175:.1f} s of OCR in all.", "",
           READING_OF_175, "Recognised text:", "", "```text", text_175, "```", ""]  # fmt: skip
    return md


def qa_section(index_dir: Path | None) -> list[str]:
    """Section 3: the archive questions asked of the whole corpus's index, table-cell ones counted."""
    qa = measure_questions(index_dir)
    md: list[str] = []
    rows = qa["rows"]
    table_rows = [r for r in rows if r["answerable"] and r["doc"] == TABLE_REPORT]
    n = max(1, len(table_rows))
    md += ["## 3. Questions on the archive documents (`tests/eval/qa_archives.jsonl`, hybrid, k = 5)", ""]
    if qa["ingest_s"]:
        md.append(f"Index of the whole corpus built for this run in {qa['ingest_s']:.0f} s.")
        md.append("")
    md += [
        "| table-cell questions | value |",
        "| --- | ---: |",
        f"| questions | {len(table_rows)} |",
        f"| gold document in top 5 (target ≥ 0.9) | {sum(r['evidence5'] for r in table_rows) / n:.2f} |",
        f"| the table row holding every key fact in top 5 | {sum(r['row5'] for r in table_rows) / n:.2f} |",
        f"| complete answers: not abstained, every key fact (target ≥ 70%) | {sum(r['complete'] for r in table_rows) / n:.0%} |",
        "",
        "| id | document | evidence@5 | row@5 | complete | answer or reason for abstaining |",
        "| --- | --- | :---: | :---: | :---: | --- |",
    ]
    for r in rows:
        said = (r["reason"] or "") if r["abstained"] else r["answer"]
        said = said.replace("|", "/").replace("\n", " ")
        md.append(
            f"| {r['id']} | {r['doc'] or '(unanswerable)'} | {'yes' if r['evidence5'] else '-'} | "
            f"{'yes' if r['row5'] else '-'} | {'yes' if r['complete'] else ('abstained' if r['abstained'] else 'no')} | {said} |"
        )
    unanswerable = [r for r in rows if not r["answerable"]]
    md += [
        "",
        f"Unanswerable questions abstained on: {sum(r['abstained'] for r in unanswerable)} of {len(unanswerable)}.",
        "",
    ]
    return md


def splice_sections(report: str, numbers: set[int], sections: list[str], note: str, note_prefix: str) -> str:
    """``report`` (a whole earlier run) with its sections ``numbers`` replaced by ``sections`` (put in
    number order when it lacks them), and ``note`` (when and how they were rerun) under its first
    paragraph's notes, in place of an earlier note starting with ``note_prefix``."""
    headings = [(m.start(), int(m.group(1)) if m.group(1) else None) for m in re.finditer(r"^## (?:(\d+)\. )?", report, re.M)]  # fmt: skip
    ours = [i for i, (_pos, n) in enumerate(headings) if n in numbers]
    if ours:
        start = headings[ours[0]][0]
        later = [pos for pos, n in headings[ours[0] :] if n not in numbers]
        end = later[0] if later else len(report)
    else:
        later = [pos for pos, n in headings if n is None or n > max(numbers)]
        start = end = later[0] if later else len(report)
    first = headings[0][0]
    head = "\n".join(line for line in report[:first].split("\n") if not line.startswith(note_prefix))
    head = re.sub(r"\n{3,}", "\n\n", head).rstrip("\n")
    return "\n".join([head, "", note, "", report[first:start] + "\n".join(sections)]) + "\n" + report[end:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--index-dir", type=Path, default=None, help="index of the whole corpus (built if empty)"
    )
    parser.add_argument("--skip-qa", action="store_true")
    parser.add_argument("--skip-hostile", action="store_true")
    parser.add_argument(
        "--ingest-compare",
        metavar="COMMIT",
        default=None,
        help="section 6: ingest of the born-digital corpus by the code of COMMIT and by this code",
    )
    parser.add_argument("--runs", type=int, default=3, help="runs of each side of --ingest-compare")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--ocr-only",
        action="store_true",
        help="rerun only the OCR sections (1 and 2) and put them in place of those of --out, keeping its "
        "other sections",
    )
    parser.add_argument(
        "--hostile-only", action="store_true", help="rerun only section 5, in place of that of --out"
    )
    parser.add_argument(
        "--ingest-only",
        action="store_true",
        help="with --ingest-compare, run only section 6 and put it in place of that of --out",
    )
    parser.add_argument(
        "--qa-only",
        action="store_true",
        help="rerun only section 3 (the questions), in place of that of --out",
    )
    parser.add_argument("--ingest-worker", nargs=3, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.ingest_worker:
        print(json.dumps(ingest_worker(*args.ingest_worker)))
        return
    load_before = os.getloadavg()[0]
    command = "python bench/archives.py " + " ".join(sys.argv[1:])
    rerun = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {load_before:.1f} before"
    if args.ocr_only or args.hostile_only or args.ingest_only or args.qa_only:
        report = args.out.read_text(encoding="utf-8")
        if args.ocr_only:
            note = (f"{RERUN_NOTE} {rerun} (times are upper bounds), by `python bench/archives.py --ocr-only`; "
                    "the other sections are from the run above.")  # fmt: skip
            report = splice_sections(report, {1, 2}, ocr_sections(), note, RERUN_NOTE)
        if args.qa_only:
            note = f"{QA_NOTE} {rerun}, by `{command}`, with the reader of this release."
            report = splice_sections(report, {3}, qa_section(args.index_dir), note, QA_NOTE)
        if args.hostile_only:
            note = f"{HOSTILE_NOTE} {rerun}, by `python bench/archives.py --hostile-only`."
            report = splice_sections(
                report, {5}, hostile_section(args.out.parent / HOSTILE_JSON), note, HOSTILE_NOTE
            )
        if args.ingest_only:
            if not args.ingest_compare:
                parser.error("--ingest-only needs --ingest-compare COMMIT")
            m = measure_ingest(args.ingest_compare, args.runs)
            (args.out.parent / INGEST_JSON).write_text(json.dumps(m, indent=2) + "\n", encoding="utf-8")
            note = f"{INGEST_NOTE} {rerun}, by `{command}`."
            report = splice_sections(report, {6}, ingest_section(m, command), note, INGEST_NOTE)
        args.out.write_text(report, encoding="utf-8")
        print(report)
        return
    md = [
        "# Reading real archives",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, {os.cpu_count()} CPU cores, Python "
        f"{platform.python_version()}; load average {load_before:.1f} before the run (other processes share "
        "the CPUs: times are upper bounds). Written by `python bench/archives.py`.",
        "",
    ]

    md += ocr_sections()

    if not args.skip_qa:
        md += qa_section(args.index_dir)

    md += ["## 4. Two-column reading order", "",
           "Word-order agreement: the share of the expected words found in the same order (matching blocks of "
           "`difflib.SequenceMatcher`, a longest-common-subsequence measure).", "",
           "| page | pypdf plain text (before) | our reader (after) |", "| --- | ---: | ---: |"]  # fmt: skip
    for name, before, after in measure_columns():
        md.append(f"| {name} | {before:.3f} | {after:.3f} |")
    md.append("")

    if not args.skip_hostile and EXTERNAL.exists():
        md += hostile_section(args.out.parent / HOSTILE_JSON)

    if args.ingest_compare:
        m = measure_ingest(args.ingest_compare, args.runs)
        (args.out.parent / INGEST_JSON).write_text(json.dumps(m, indent=2) + "\n", encoding="utf-8")
        md += ingest_section(m, command)
    args.out.write_text("\n".join(md) + "\n", encoding="utf-8")
    print("\n".join(md))


if __name__ == "__main__":
    main()
