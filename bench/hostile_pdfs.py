"""Reading real-world hostile PDFs: how many are read, why the others are refused, time and memory.

Runs the product's reader (``ingest.reader.read_files``: sandboxed pypdf children with a wall-clock
timeout and an address-space cap) over ``../shared/external/pdfs`` (82 PDFs from the test suites of
pdf.js, pypdf, pdfminer, qpdf and others; see INDEX.md there - never committed). Reports the outcome
tally by reason, the slowest files and the peak RSS of the parser children (``RUSAGE_CHILDREN``; the
parent here loads no model, so a child starts at the parent's ~60 MB).

Writes ``bench/results/hostile_pdfs.md``. The opt-in test
``tests/test_reliability_hostile.py::test_real_world_hostile_pdfs_are_each_read_or_refused_within_the_timeout``
checks the same run's invariants.
"""

from __future__ import annotations

import argparse
import collections
import os
import platform
import re
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
EXTERNAL = ROOT.parent / "shared" / "external" / "pdfs"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=EXTERNAL)
    parser.add_argument("--timeout", type=float, default=60.0, help="Seconds per PDF (product default 60).")
    parser.add_argument("--memory-mb", type=int, default=1536, help="Parser cap (product default 1536).")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "hostile_pdfs.md")
    args = parser.parse_args(argv)

    from icgg.settings import Settings
    from ingest.reader import read_files

    if not args.folder.is_dir():
        sys.exit(f"{args.folder} not found (the external hostile PDFs are not on this machine)")
    pdfs = sorted(args.folder.rglob("*.pdf"))
    settings = Settings(
        _env_file=None, pdf_timeout_s=args.timeout, pdf_memory_mb=args.memory_mb, parse_workers=args.workers
    )
    load_before = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    started = time.perf_counter()
    outcomes = read_files(pdfs, settings)
    wall = time.perf_counter() - started
    child_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    tally: collections.Counter[str] = collections.Counter()
    empty_after_cleaning = 0
    for o in outcomes:
        if o.ok:
            tally["ok (text read)"] += 1
            empty_after_cleaning += not o.document.text.strip()
        else:
            tally[re.sub(r"\s*\(.*", "", o.reason).strip()] += 1
    slowest = sorted(outcomes, key=lambda o: -o.seconds)[:6]
    lines = [
        "# Real-world hostile PDFs through the sandboxed reader",
        "",
        "Produced by `bench/hostile_pdfs.py` (method in its docstring).",
        "",
        f"- {len(outcomes)} PDFs from `{args.folder.name}/`; timeout {args.timeout:g} s, memory cap "
        f"{args.memory_mb} MB, {args.workers} parser processes; {os.cpu_count()} CPU cores, "
        f"{platform.python_version()}; load average before: {load_before}",
        f"- wall time {wall:.1f} s; peak RSS of a parser child {child_rss_mb:.0f} MB",
        f"- ok files whose text was entirely page furniture after cleaning (the builder reports them as "
        f"'no text to index'): {empty_after_cleaning}",
        "",
        "| outcome | files |",
        "| --- | --- |",
        *[f"| {reason} | {count} |" for reason, count in tally.most_common()],
        "",
        "Slowest files:",
        "",
        "| file | seconds | outcome |",
        "| --- | --- | --- |",
        *[f"| {Path(o.path).name} | {o.seconds:.1f} | {o.reason or 'ok'} |" for o in slowest],
        "",
    ]
    text = "\n".join(lines)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
