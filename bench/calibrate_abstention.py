"""Calibrate the abstention thresholds (``abstain_*`` settings) on the evaluation set.

For every question of the eval set (``tests/eval/qa.jsonl``: objects with ``question`` and either
``answerable`` or ``unanswerable``), retrieve passages with ``bot.api.Assistant`` over an index built from
``corpus/`` and compute the evidence signals the answerer decides on. Then sweep each threshold (the
others held at their configured values) and a coarser grid of all of them together, and report, per
setting, the share of answerable questions answered and the share of unanswerable ones abstained on.

    python bench/calibrate_abstention.py [--eval FILE] [--holdout FILE]...  [--index-dir DIR] [--out FILE]

An index is built from ``corpus/`` in ``--index-dir`` when that holds none (default: a temporary folder).
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.abstain import weak_evidence  # noqa: E402
from bot.api import Assistant  # noqa: E402
from bot.evidence import Evidence, gather  # noqa: E402
from icgg.settings import Settings  # noqa: E402
from index.embeddings import load_embedder  # noqa: E402

MIN_ANSWERED = 0.9  # the share of answerable questions the chosen thresholds must still answer
EVAL_DIR = ROOT / "tests" / "eval"
# Sets never used to choose thresholds, and what is known about how independent they are. "First run" is
# answered / abstained the first time the set met the code, before anyone read its misses; "old code" is
# 0e6338c, the release before the role, place, money, element and numbered-name checks; 7b33dd6 is the
# release before the step, completion, journal and country-of-body checks.
HOLDOUTS = {
    EVAL_DIR / "qa_holdout.jsonl": "never used to choose thresholds, but its misses were read "
    "when the answer-type, counted and acronym checks were designed",
    EVAL_DIR / "qa_blind.jsonl": "written blind on 2026-11-24 by someone who never ran the "
    "assistant; its first run gave 81.8% / 54.5%, and its misses were read afterwards",
    EVAL_DIR / "qa_blind2.jsonl": "written blind after the first blind set's misses were read; first run "
    "68.2% / 50.0%; its misses were read when the role, place, money, element and numbered-name checks "
    "were designed",
    EVAL_DIR / "qa_blind3.jsonl": "written blind; first run 93.3% / 66.7% (old code: 80.0% / 63.3%), then "
    "its misses were read",
    EVAL_DIR / "qa_blind4.jsonl": "written blind; first run 90.0% / 66.7% (old code: 73.3% / 63.3%), then "
    "its misses were read",
    EVAL_DIR / "qa_blind5.jsonl": "written blind; first run 93.3% / 83.3% (old code: 90.0% / 73.3%), then "
    "its misses were read",
    EVAL_DIR / "qa_blind6.jsonl": "written blind; first run 86.7% / 76.7% (old code: 86.7% / 70.0%), then "
    "its misses were read",
    EVAL_DIR / "qa_blind7.jsonl": "written blind; run once with the final code of 7b33dd6: 86.7% / 66.7% "
    "(old code: 90.0% / 56.7%); its misses were read on the next pass",
    EVAL_DIR / "qa_blind8.jsonl": "written blind; first run 96.7% / 66.7% with 7b33dd6 (old code: 90.0% / "
    "63.3%), then 96.7% / 73.3% with c6bd832; its misses were read afterwards",
    EVAL_DIR / "qa_blind9.jsonl": "written blind; first run 90.0% / 63.3% with 7b33dd6 (old code: 90.0% / "
    "63.3%), then 86.7% / 66.7% with c6bd832 and fbba455; its misses were read afterwards",
    EVAL_DIR / "qa_blind10.jsonl": "written blind; first run 96.7% / 80.0% with 7b33dd6 (old code: 86.7% / "
    "60.0%), then 96.7% / 86.7% with c6bd832, fbba455 and 8e9a2cd; its misses were read afterwards",
    EVAL_DIR / "qa_blind11.jsonl": "written blind; 90.0% / 66.7% with 7b33dd6 (old code: 90.0% / 66.7%), "
    "90.0% / 73.3% with every later commit to a24b379 (counts only); its misses were read afterwards",
    EVAL_DIR / "qa_blind12.jsonl": "written blind; first run with a9bf52e 96.7% / 73.3% (7b33dd6: 96.7% / "
    "70.0%, old code: 93.3% / 56.7%), the same with a24b379 and f43700e; its misses were read on "
    "2026-11-24 (third pass)",
    EVAL_DIR / "qa_blind13.jsonl": "written blind; first run with a9bf52e 90.0% / 76.7% (7b33dd6: 86.7% / "
    "70.0%, old code: 80.0% / 63.3%), 90.0% / 80.0% with a24b379 and f43700e; its misses were read on "
    "2026-11-24 (third pass)",
    EVAL_DIR / "qa_blind14.jsonl": "written blind; first run with f43700e 86.7% / 66.7% (a24b379: 86.7% / "
    "63.3%, 7b33dd6: 86.7% / 50.0%, old code: 76.7% / 56.7%); its misses were read on the fourth pass",
    EVAL_DIR / "qa_blind15.jsonl": "written blind; first run with f43700e 93.3% / 86.7% (a24b379: the same, "
    "7b33dd6: 93.3% / 70.0%, old code: 86.7% / 56.7%); its misses were read on the fourth pass",
    EVAL_DIR / "qa_blind16.jsonl": "written blind; first run with 88c9916 83.3% / 80.0%; "
    "its misses were read on the third pass",
    EVAL_DIR / "qa_blind17.jsonl": "written blind; first run with 88c9916 93.3% / 86.7%; its misses were "
    "read on the fourth pass",
    EVAL_DIR / "qa_blind18.jsonl": "written blind; first run with 88c9916 83.3% / 86.7%; "
    "its misses were read on the third pass",
    EVAL_DIR / "qa_blind19.jsonl": "written blind; first run with 88c9916 93.3% / 80.0%; its misses were "
    "read on the fourth pass",
    EVAL_DIR / "qa_blind20.jsonl": "written blind after the third pass; first run with 0a306b1 90.0% / 83.3% "
    "(88c9916: 86.7% / 83.3%), counted with each fourth-pass release; its misses have not been read",
    EVAL_DIR / "qa_blind21.jsonl": "written blind after the third pass; first run with 0a306b1 86.7% / 76.7% "
    "(88c9916: 83.3% / 76.7%), counted with each fourth-pass release; its misses have not been read",
    # fourth pass: each batch of three was written before the release that first ran it, and its misses
    # were read only after that run; f15c1a2 is the release before the fourth pass
    EVAL_DIR / "qa_blind22.jsonl": "written blind; first run with f15c1a2 90.0% / 76.7%; its misses were "
    "read on the fourth pass",
    EVAL_DIR / "qa_blind23.jsonl": "written blind; first run with f15c1a2 83.3% / 83.3%; its misses were "
    "read on the fourth pass",
    EVAL_DIR / "qa_blind24.jsonl": "written blind; first run with f15c1a2 83.3% / 66.7%; its misses were "
    "read on the fourth pass",
    EVAL_DIR / "qa_blind25.jsonl": "written blind; first run with c2c8d0f 83.3% / 96.7% (f15c1a2: 83.3% / "
    "90.0%); its misses were read on the fourth pass",
    EVAL_DIR / "qa_blind26.jsonl": "written blind; first run with c2c8d0f 86.7% / 86.7% (f15c1a2: 86.7% / "
    "80.0%); its misses were read on the fourth pass",
    EVAL_DIR / "qa_blind27.jsonl": "written blind; first run with c2c8d0f 90.0% / 90.0% (f15c1a2: 90.0% / "
    "86.7%); its misses were read on the fourth pass",
    EVAL_DIR / "qa_blind28.jsonl": "written blind; first run with e91be6c 93.3% / 80.0% (f15c1a2: 93.3% / "
    "73.3%); its misses were read on the fourth pass",
    EVAL_DIR / "qa_blind29.jsonl": "written blind; first run with e91be6c 96.7% / 83.3% (f15c1a2: 96.7% / "
    "80.0%); its misses were read on the fourth pass",
    EVAL_DIR / "qa_blind30.jsonl": "written blind; first run with e91be6c 96.7% / 86.7% (f15c1a2: the same); "
    "its misses were read on the fourth pass",
    EVAL_DIR / "qa_blind31.jsonl": "written blind; first run with e320366 83.3% / 80.0% (f15c1a2: 83.3% / "
    "76.7%); its misses were read on the fourth pass",
    EVAL_DIR / "qa_blind32.jsonl": "written blind; first run with e320366 83.3% / 86.7% (f15c1a2: 83.3% / "
    "80.0%); its misses were read on the fourth pass",
    EVAL_DIR / "qa_blind33.jsonl": "written blind; first run with e320366 93.3% / 86.7% (f15c1a2: 93.3% / "
    "83.3%); its misses were read on the fourth pass",
    EVAL_DIR / "qa_blind34.jsonl": "written blind; first run with c857269 100.0% / 86.7% (f15c1a2: 96.7% / "
    "73.3%); its misses were read on the fourth pass",
    EVAL_DIR / "qa_blind35.jsonl": "written blind; first run with c857269 100.0% / 90.0% (f15c1a2: 96.7% / "
    "83.3%); its misses were read on the fourth pass",
    EVAL_DIR / "qa_blind36.jsonl": "written blind; first run with c857269 90.0% / 90.0% (f15c1a2: 90.0% / "
    "86.7%); its misses were read on the fourth pass",
    EVAL_DIR / "qa_blind37.jsonl": "written blind; first run with 3987d50 83.3% / 93.3% (f15c1a2: 80.0% / "
    "86.7%); its misses have not been read",
    EVAL_DIR / "qa_blind38.jsonl": "written blind; first run with 3987d50 90.0% / 86.7% (f15c1a2: 90.0% / "
    "80.0%); its misses have not been read",
    EVAL_DIR / "qa_blind39.jsonl": "written blind; first run with 3987d50 93.3% / 80.0% (f15c1a2: 93.3% / "
    "76.7%); its misses have not been read",
}
# Blind sets whose misses nobody has read: the report counts them but does not list them, so that it can be
# read without unblinding them.
UNREAD = {EVAL_DIR / f"qa_blind{n}.jsonl" for n in (20, 21, 37, 38, 39)}


@dataclass
class Row:
    question: str
    answerable: bool
    evidence: Evidence
    answered: bool  # with the configured settings, through the real answerer


def load_eval(path: Path) -> list[tuple[str, bool]]:
    """(standalone question, answerable) per line; follow-ups are resolved against their history."""
    from bot.followup import resolve_followup

    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        obj = json.loads(line)
        q = obj.get("question") or obj.get("q")
        if "answerable" in obj:
            answerable = bool(obj["answerable"])
        else:
            answerable = not bool(obj.get("unanswerable", False))
        if obj.get("history"):
            q = resolve_followup(q, [tuple(turn) for turn in obj["history"]])
        rows.append((q, answerable))
    return rows


def open_assistant(settings: Settings, index_dir: Path | None, tmp: Path) -> Assistant:
    """An assistant over ``index_dir``; builds the index from corpus/ there first if it holds none."""
    embedder = load_embedder(settings)
    index_dir = index_dir or tmp / "index"
    settings = settings.model_copy(update={"index_dir": index_dir})
    if not (index_dir / "CURRENT").exists():
        from index.builder import ingest_paths

        ingest_paths([ROOT / "corpus" / "news", ROOT / "corpus" / "pdf"], settings, embedder=embedder)
    return Assistant.open(settings, embedder=embedder)


def score(assistant: Assistant, settings: Settings, questions, times: list[float]) -> list[Row]:
    """One row per (question, answerable): the evidence signals and the real answerer's decision.
    The answerer's time per question (retrieval excluded) is appended to ``times``."""
    rows = []
    for q, answerable in questions:
        passages = assistant.search(q, k=max(settings.top_k, settings.answer_passages))
        t0 = time.perf_counter()
        answer = assistant.answerer.answer(q, passages, assistant.index)
        times.append(time.perf_counter() - t0)
        ev = gather(
            q,
            passages,
            assistant.index,
            assistant.embedder,
            settings.answer_passages,
            home_country=settings.home_country,
        )
        rows.append(Row(q, answerable, ev, not answer.abstained))
    return rows


def rates(rows: list[Row], decide) -> tuple[float, float]:
    ans = [r for r in rows if r.answerable]
    una = [r for r in rows if not r.answerable]
    answered = sum(1 for r in ans if decide(r.evidence)) / max(1, len(ans))
    abstained = sum(1 for r in una if not decide(r.evidence)) / max(1, len(una))
    return answered, abstained


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval", type=Path, default=ROOT / "tests" / "eval" / "qa.jsonl")
    parser.add_argument(
        "--holdout",
        type=Path,
        action="append",
        help="a set reported with the configured thresholds only, never tuned on (repeatable; default: "
        "every set in HOLDOUTS that exists)",
    )
    parser.add_argument("--index-dir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "abstention.md")
    args = parser.parse_args()

    settings = Settings(_env_file=None)
    questions = load_eval(args.eval)
    with tempfile.TemporaryDirectory() as tmp:
        assistant = open_assistant(settings, args.index_dir, Path(tmp))
        times: list[float] = []
        rows = score(assistant, settings, questions, times)
        holdouts = {
            path: score(assistant, settings, load_eval(path), [])
            for path in args.holdout or [p for p in HOLDOUTS if p.exists()]
        }

    def decide_with(**overrides):
        s = settings.model_copy(update=overrides)
        return lambda ev: weak_evidence(ev, s) is None

    n_ans = sum(r.answerable for r in rows)
    n_una = len(rows) - n_ans
    lines = [
        "# Abstention calibration",
        "",
        f"Eval set: `{args.eval.relative_to(ROOT) if args.eval.is_relative_to(ROOT) else args.eval}` "
        f"({n_ans} answerable, {n_una} unanswerable). Produced by `bench/calibrate_abstention.py`.",
        "",
        "Configured: "
        + ", ".join(
            f"`{k}={getattr(settings, k)}`"
            for k in (
                "abstain_min_score",
                "abstain_min_cosine",
                "abstain_min_coverage",
                "abstain_min_specific_coverage",
                "abstain_min_number_coverage",
                "abstain_min_asked_coverage",
                "abstain_require_answer_type",
                "abstain_require_counted",
            )
        ),
        "",
    ]
    real_ans = sum(r.answered for r in rows if r.answerable) / max(1, n_ans)
    real_abs = sum(not r.answered for r in rows if not r.answerable) / max(1, n_una)
    times.sort()
    p50 = times[len(times) // 2] * 1000 if times else 0.0
    lines += [
        f"**With the configured thresholds (real answerer): answerable answered {real_ans:.1%}, "
        f"unanswerable abstained {real_abs:.1%}.** Extractive answer time p50 {p50:.0f} ms "
        f"(answerer only, retrieval excluded).",
        "",
    ]
    for path, results in holdouts.items():
        h_ans = [r.answered for r in results if r.answerable]
        h_una = [r.answered for r in results if not r.answerable]
        note = HOLDOUTS.get(path.resolve(), "never used to choose thresholds")
        lines += [
            f"Holdout `{path.name}` ({note}; {len(h_ans)} answerable, {len(h_una)} unanswerable): "
            f"answerable answered {sum(h_ans) / max(1, len(h_ans)):.1%}, unanswerable abstained "
            f"{sum(not a for a in h_una) / max(1, len(h_una)):.1%}.",
            "",
        ]
    sweeps = {
        "abstain_min_score": [0.4, 0.5, 0.6, 0.7, 0.8, 0.9],
        "abstain_min_cosine": [0.0, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7],
        "abstain_min_coverage": [0.0, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6],
        "abstain_min_specific_coverage": [0.0, 0.5, 0.6, 0.75, 1.0],
        "abstain_min_number_coverage": [0.0, 0.5, 1.0],
        "abstain_min_asked_coverage": [0.0, 0.1, 0.2, 0.3, 0.4],
        "abstain_require_answer_type": [False, True],
        "abstain_require_counted": [False, True],
    }
    # The joint grid uses coarser steps so that it stays a few hundred thousand decisions.
    grid_values = {
        "abstain_min_score": [0.5, 0.6, 0.7, 0.8, 0.9],
        "abstain_min_cosine": [0.0, 0.4, 0.5, 0.6],
        "abstain_min_coverage": [0.3, 0.35, 0.4, 0.45, 0.5],
        "abstain_min_specific_coverage": [0.5, 0.6, 0.75],
        "abstain_min_number_coverage": [0.5, 1.0],
        "abstain_min_asked_coverage": [0.0, 0.1, 0.2, 0.3],
        "abstain_require_answer_type": [False, True],
        "abstain_require_counted": [False, True],
    }
    lines += [
        "Each sweep also shows the holdout sets (answered / abstained), for the record: they show how far a",
        "threshold chosen on the eval set carries to questions it was not chosen on; they never choose it.",
        "",
    ]
    for name, values in sweeps.items():
        lines += [
            f"## Sweep of `{name}` (others as configured)",
            "",
            "| value | answerable answered | unanswerable abstained | "
            + " | ".join(f"{p.stem} answered / abstained" for p in holdouts)
            + " |",
            "| --- | --- | --- |" + " --- |" * len(holdouts),
        ]
        for v in values:
            decide = decide_with(**{name: v})
            a, b = rates(rows, decide)
            held = [rates(results, decide) for results in holdouts.values()]
            mark = " (configured)" if getattr(settings, name) == v else ""
            lines.append(
                f"| {v}{mark} | {a:.1%} | {b:.1%} | "
                + " | ".join(f"{x:.1%} / {y:.1%}" for x, y in held)
                + " |"
            )
        lines.append("")
    grid = []
    for combo in itertools.product(*grid_values.values()):
        overrides = dict(zip(grid_values, combo, strict=True))
        a, b = rates(rows, decide_with(**overrides))
        grid.append((min(a, b), a + b, combo, a, b))
    grid.sort(key=lambda g: (-g[0], -g[1]))
    grid_header = [
        "| "
        + " | ".join(name.removeprefix("abstain_min_").removeprefix("abstain_") for name in grid_values)
        + " | answerable answered | unanswerable abstained |",
        "|" + " --- |" * (len(grid_values) + 2),
    ]

    def grid_row(combo, answered: float, abstained: float) -> str:
        return "| " + " | ".join(str(v) for v in combo) + f" | {answered:.1%} | {abstained:.1%} |"

    lines += [
        "## Best grid points (by the worse of the two rates)",
        "",
        *grid_header,
    ]
    seen = set()
    for _, _, combo, a, b in grid:
        if (a, b) in seen:  # one row per distinct outcome
            continue
        seen.add((a, b))
        lines.append(grid_row(combo, a, b))
        if len(seen) == 10:
            break
    # The rule the configured values were chosen by: abstain on as many unanswerable questions as possible
    # while still answering at least MIN_ANSWERED of the answerable ones; ties go to more answered.
    eligible = [g for g in grid if g[3] >= MIN_ANSWERED]
    eligible.sort(key=lambda g: (-g[4], -g[3]))
    lines += [
        "",
        f"## Grid points answering at least {MIN_ANSWERED:.0%} of answerable questions",
        "",
        "Most abstentions first, ties broken towards more answered. The configured values are a point with "
        "the top rates; thresholds that do not change those rates keep their earlier values.",
        "",
        *grid_header,
    ]
    for _, _, combo, a, b in eligible[:5]:
        lines.append(grid_row(combo, a, b))
    lines += ["", "## Misclassified with the configured thresholds", ""]
    s = settings
    for r in rows:
        ok = decide_with()(r.evidence)
        if ok != r.answerable:
            ev = r.evidence
            kind = "answered but unanswerable" if ok else "abstained but answerable"
            lines.append(
                f"- {kind}: {r.question} (score {ev.best_score:.2f}, cosine {ev.best_cosine:.2f}, "
                f"coverage {ev.coverage:.2f}, specific {ev.specific_coverage:.2f}, numbers "
                f"{ev.number_coverage:.2f}, disclaimed {ev.disclaimed}, asks for {ev.asked_kind or '-'}; "
                f"why: "
                f"{weak_evidence(ev, s) or '-'})"
            )
    for path, results in holdouts.items():
        misses = [(r.answerable, r.question) for r in results if r.answerable != r.answered]
        lines += ["", f"## Misclassified in `{path.name}` (for the record; never tuned on)", ""]
        if path.resolve() in UNREAD:
            lines += [f"- {len(misses)} questions, not listed: reading them would unblind the set"]
            continue
        lines += [
            f"- {'abstained but answerable' if answerable else 'answered but unanswerable'}: {q}"
            for answerable, q in misses
        ] or ["- none"]
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
