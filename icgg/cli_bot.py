"""``icgg search``, ``icgg ask``, ``icgg eval``: the question-answering side.

Thin wrappers around :class:`bot.api.Assistant`: they parse and validate options, turn index and
question errors into one-line ``click.ClickException`` messages, and render results as text or JSON.
Batch mode (``--questions FILE``) loads the model and index once and writes one JSON object per line;
a bad line yields ``{"line": n, "error": ...}`` and the batch goes on. No retrieval logic lives here.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from icgg.settings import Settings, get_settings

DOC_TYPE_CHOICES = ("news", "report", "page")
MODE_CHOICES = ("hybrid", "dense", "bm25")
_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?$")


# --- option parsing ------------------------------------------------------------------------------
def normalise_date(value: str, *, end: bool) -> str:
    """``2016`` / ``2016-05`` / ``2016-05-12`` → an inclusive YYYY-MM-DD bound (first or last day).

    ValueError with a one-line message for anything else, including impossible days.
    """
    m = _DATE.match(value.strip())
    if not m:
        raise ValueError(f"invalid date {value!r}: use YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = int(m.group(1)), m.group(2), m.group(3)
    try:
        if day is not None:
            return dt.date(year, int(month), int(day)).isoformat()
        if month is not None:
            first = dt.date(year, int(month), 1)
            if not end:
                return first.isoformat()
            nxt = dt.date(year + (first.month == 12), first.month % 12 + 1, 1)
            return (nxt - dt.timedelta(days=1)).isoformat()
        return dt.date(year, 12, 31).isoformat() if end else dt.date(year, 1, 1).isoformat()
    except ValueError:
        raise ValueError(f"invalid date {value!r}: not a calendar date") from None


def build_filters(doc_types, date_from, date_to, doc_ids):
    """The :class:`index.store.Filters` of the command-line options (None when nothing is filtered)."""
    from index.store import Filters

    try:
        lo = normalise_date(date_from, end=False) if date_from else None
        hi = normalise_date(date_to, end=True) if date_to else None
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    if lo and hi and lo > hi:
        raise click.ClickException(f"--from {date_from} is after --to {date_to}")
    filters = Filters(
        doc_types=frozenset(doc_types) if doc_types else None,
        date_from=lo,
        date_to=hi,
        doc_ids=frozenset(doc_ids) if doc_ids else None,
    )
    return None if filters.is_empty() else filters


def read_questions(path: Path) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    """(line number, item, error) per non-blank line of a batch file.

    A line is plain text, or a JSON object with a ``q`` or ``question`` field (``id`` and ``history``
    are passed through). ``error`` is set, and ``item`` None, for a line that cannot be used.
    """
    with path.open(encoding="utf-8", errors="replace") as fh:
        for number, raw in enumerate(fh, start=1):
            line = raw.strip()
            if not line:
                continue
            if not line.startswith("{"):
                yield number, {"question": line}, None
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, None, f"line {number}: invalid JSON ({exc.msg})"
                continue
            question = obj.get("question", obj.get("q")) if isinstance(obj, dict) else None
            if not isinstance(question, str):
                yield number, None, f"line {number}: no 'q' or 'question' text field"
                continue
            item: dict[str, Any] = {"question": question}
            if "id" in obj:
                item["id"] = obj["id"]
            history = obj.get("history")
            if history:
                if not (
                    isinstance(history, list)
                    and all(isinstance(h, list | tuple) and len(h) == 2 for h in history)
                ):
                    yield number, None, f"line {number}: 'history' must be a list of [role, text] pairs"
                    continue
                item["history"] = [(str(r), str(t)) for r, t in history]
            yield number, item, None


def open_assistant(settings: Settings | None = None):
    """The Assistant, or a one-line ClickException that says what to do."""
    from bot.api import Assistant
    from index.embeddings import ModelNotFoundError
    from index.errors import IndexCorruptError, IndexMismatchError, IndexNotFoundError

    settings = settings or get_settings()
    try:
        return Assistant.open(settings)
    except IndexNotFoundError:
        raise click.ClickException(
            f"no index at {settings.index_dir}: build one with `icgg ingest corpus`"
        ) from None
    except IndexMismatchError as exc:
        raise click.ClickException(f"{exc} (rebuild with `icgg ingest --rebuild corpus`)") from None
    except (IndexCorruptError, ModelNotFoundError) as exc:
        raise click.ClickException(str(exc).splitlines()[0]) from None


# --- rendering -----------------------------------------------------------------------------------
def snippet(text: str, width: int = 220) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1].rsplit(" ", 1)[0] + "…"


def render_passages(passages) -> str:
    if not passages:
        return "No passages found."
    lines = []
    for p in passages:
        d = p.document
        page = f"p. {p.chunk.page_label or p.page}"
        lines.append(f"{p.rank}. {d.title}")
        lines.append(f"   {d.date or 'undated'} · {d.doc_type} · {page} · score {p.score:.4f} · {d.doc_id}")
        lines.append(textwrap.indent(textwrap.fill(snippet(p.chunk.text), 96), "   "))
    return "\n".join(lines)


def render_answer(answer) -> str:
    lines = [f"(language: {answer.language})"]
    if answer.resolved_question:
        lines.append(f"(understood as: {answer.resolved_question})")
    if answer.notice:
        lines.append(f"Note: {answer.notice}")
    # The answer's paragraphs (an introduction in the question's language, then the quotes) stay apart.
    lines.append("\n".join(textwrap.fill(part, 100) for part in answer.text.split("\n\n")))
    if answer.citations:
        lines.append("")
        lines.append("Sources:")
        for c in answer.citations:
            page = c.page_label or c.page
            lines.append(f"[{c.n}] {c.title} ({c.date or 'undated'}, {c.doc_type}, p. {page})")
            lines.append(textwrap.indent(textwrap.fill(f"“{snippet(c.quote, 300)}”", 96), "    "))
    elif answer.abstained and answer.nearest_documents:
        lines.append("")
        lines.append("Closest documents:")
        for d in answer.nearest_documents:
            lines.append(f"- {d.title} ({d.date or 'undated'}, {d.doc_type})")
    return "\n".join(lines)


def _emit(obj: dict[str, Any]) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False))


# --- commands ------------------------------------------------------------------------------------
def _filter_options(func):
    options = [
        click.option("--type", "doc_types", multiple=True, type=click.Choice(DOC_TYPE_CHOICES),
                     help="Only this document type (repeatable)."),
        click.option("--from", "date_from", metavar="DATE", help="Dated on/after (YYYY[-MM[-DD]])."),
        click.option("--to", "date_to", metavar="DATE", help="Dated on/before (YYYY[-MM[-DD]])."),
        click.option("--doc", "doc_ids", multiple=True, metavar="DOC_ID",
                     help="Only this document id (repeatable)."),
        click.option("--questions", "questions_file",
                     type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="Batch: a question per line (text, or JSON with 'q'/'question'); JSON lines out."),
    ]  # fmt: skip
    for option in reversed(options):
        func = option(func)
    return func


def _single_or_batch(text: str | None, questions_file: Path | None) -> None:
    if text is None and questions_file is None:
        raise click.UsageError("give a question, or --questions FILE")
    if text is not None and questions_file is not None:
        raise click.UsageError("give either a question or --questions FILE, not both")


@click.command("search")
@click.argument("query", required=False)
@click.option(
    "--k", "k", type=click.IntRange(1, 100), default=None, help="Passages to return (default: top_k)."
)
@click.option("--mode", type=click.Choice(MODE_CHOICES), default=None, help="Ranking (default: hybrid).")
@_filter_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def search_command(query, k, mode, doc_types, date_from, date_to, doc_ids, questions_file, as_json):
    """Rank passages of the indexed documents for QUERY."""
    _single_or_batch(query, questions_file)
    filters = build_filters(doc_types, date_from, date_to, doc_ids)
    assistant = open_assistant()

    def result(q: str) -> dict[str, Any]:
        passages = assistant.search(q, k=k, filters=filters, mode=mode)
        return {
            "query": q,
            "mode": mode or assistant.settings.retrieval_mode,
            "generation": assistant.generation,
            "passages": [p.to_json() for p in passages],
        }

    if questions_file is not None:
        for number, item, error in read_questions(questions_file):
            if error:
                _emit({"line": number, "error": error})
                continue
            try:
                out = result(item["question"])
            except ValueError as exc:
                out = {"line": number, "error": str(exc)}
            _emit({**({"id": item["id"]} if "id" in item else {}), **out})
        return
    if not query.strip():
        raise click.ClickException("query is empty")
    if as_json:
        _emit(result(query))
    else:
        click.echo(render_passages(assistant.search(query, k=k, filters=filters, mode=mode)))


@click.command("ask")
@click.argument("question", required=False)
@_filter_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def ask_command(question, doc_types, date_from, date_to, doc_ids, questions_file, as_json):
    """Answer QUESTION from the documents, citing the sentences it quotes."""
    _single_or_batch(question, questions_file)
    filters = build_filters(doc_types, date_from, date_to, doc_ids)
    assistant = open_assistant()
    if questions_file is not None:
        for number, item, error in read_questions(questions_file):
            if error:
                _emit({"line": number, "error": error})
                continue
            try:
                answer = assistant.ask(item["question"], history=item.get("history", ()), filters=filters)
                out = answer.to_json()
            except ValueError as exc:
                out = {"line": number, "error": str(exc)}
            _emit({**({"id": item["id"]} if "id" in item else {}), **out})
        return
    try:
        answer = assistant.ask(question, filters=filters)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        _emit(answer.to_json())
    else:
        click.echo(render_answer(answer))


@click.command("eval")
@click.option(
    "--set",
    "set_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("tests/eval/qa.jsonl"),
    show_default=True,
    help="Eval set (JSONL).",
)
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("bench/results/eval.md"),
    show_default=True,
    help="Markdown report to write.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as JSON instead of the table.")
def eval_command(set_path, out_path, as_json):
    """Score retrieval and answers on a labelled question set: hybrid vs dense vs BM25."""
    from bot.evaluate import evaluate, load_eval_set, markdown_table

    if not set_path.is_file():
        raise click.ClickException(f"eval set {set_path} not found")
    try:
        items = load_eval_set(set_path)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    if not items:
        raise click.ClickException(f"eval set {set_path} holds no questions")
    assistant = open_assistant()
    results = evaluate(assistant, items)
    table = markdown_table(results, items)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(
        f"# Evaluation on `{set_path}`\n\nIndex generation `{assistant.generation}`, model "
        f"`{assistant.index.model_name}`, answer backend `{assistant.settings.llm_backend}`. "
        f"Written by `icgg eval`. Load average when done: {os.getloadavg()[0]:.1f} on {os.cpu_count()} "
        "CPUs (latencies here include that contention; `bench/query.py` times search alone).\n\n" + table,
        encoding="utf-8",
    )
    if as_json:
        _emit({r.mode: r.metrics for r in results})
    else:
        click.echo(table)
        click.echo(f"Written to {out_path}")


COMMANDS: list = [search_command, ask_command, eval_command]
