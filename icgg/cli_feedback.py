"""``icgg feedback export`` and ``icgg feedback prune``: the question log for staff, as CSV.

The same tables as the Library's "What users ask" view (:mod:`bot.usage`), written as UTF-8 CSV with a
byte-order mark so spreadsheets read accents right.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from icgg.settings import get_settings

REPORT_HELP = (
    "refused: most frequent refused questions; wrong: answers marked wrong, with comments; "
    "weekly: questions per week; questions: every logged question."
)


@click.group("feedback")
def feedback_group() -> None:
    """The question log: what users asked, what was refused, what they marked wrong."""


@feedback_group.command("export")
@click.option("--report", "name", type=click.Choice(["refused", "wrong", "weekly", "questions"]),
              default="refused", show_default=True, help=REPORT_HELP)  # fmt: skip
@click.option("--days", type=click.IntRange(min=1), default=None, help="Only the last DAYS days.")
@click.option("--out", "out_path", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Write to this file instead of standard output.")  # fmt: skip
def export_command(name: str, days: int | None, out_path: Path | None) -> None:
    """Write one report of the question log as CSV (UTF-8 with BOM)."""
    from bot.csv_export import csv_bytes
    from bot.feedback import QuestionLog
    from bot.usage import report

    log = QuestionLog.from_settings(get_settings())
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=days) if days else None
    try:
        log.prune()
        rows = report(log.rows(since=since), name)
    except Exception as exc:  # a damaged or locked file: one line, not a traceback
        raise click.ClickException(f"cannot read the question log {log.path}: {exc}") from None
    data = csv_bytes(rows)
    if out_path is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        out_path.parent.mkdir(parents=True, exist_ok=True)
        out_path.write_bytes(data)
        click.echo(f"{len(rows)} rows written to {out_path}", err=True)


@feedback_group.command("prune")
def prune_command() -> None:
    """Delete questions older than ICGG_FEEDBACK_RETENTION_DAYS now (the app also does it as it writes)."""
    from bot.feedback import QuestionLog

    log = QuestionLog.from_settings(get_settings())
    if not log.path.exists():
        click.echo(f"no question log at {log.path}")
        return
    deleted = log.prune()
    click.echo(f"deleted {deleted} questions older than {log.retention_days} days from {log.path}")


COMMANDS: list = [feedback_group]
