"""``icgg ingest``, ``icgg stats``, ``icgg remove``: the staff side of the index.

Thin wrappers around ``index.builder`` and ``index.stats``: they turn index errors into one-line messages,
show progress on stderr and print a short report. No indexing logic lives here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

import click

from icgg.settings import Settings, get_settings


class IndexBusy(click.ClickException):
    """Another ingest holds the writer lock."""

    exit_code = 2


def _settings(index_dir: Path | None) -> Settings:
    settings = get_settings()
    if index_dir is not None:
        settings = settings.model_copy(update={"index_dir": index_dir})
    return settings


_index_option = click.option(
    "--index",
    "index_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Index folder (default: $ICGG_INDEX_DIR or data/index).",
)


class _Bars:
    """One tqdm bar per long stage (parse, embed), written to stderr."""

    LABELS: ClassVar[dict[str, str]] = {
        "parse": "Reading files",
        "embed": "Embedding chunks",
        "embed-multilingual": "Embedding for other languages",
    }

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.bars: dict = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled or stage not in self.LABELS or total <= 0:
            return
        from tqdm import tqdm

        bar = self.bars.get(stage)
        if bar is None:
            bar = self.bars[stage] = tqdm(total=total, desc=self.LABELS[stage], unit="", leave=True)
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


def _print_report(report) -> None:
    totals = report.totals
    click.echo("  ".join(f"{name} {count}" for name, count in totals.items()))
    for row in report.files:
        if row.status in ("unchanged",):
            continue
        detail = f"  ({row.reason})" if row.reason else ""
        counts = f" [{row.chunks} chunks]" if row.chunks and row.status in ("added", "updated") else ""
        click.echo(f"  {row.status:<8} {row.path}{counts}{detail}")
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    t = report.timings
    timing = ", ".join(f"{k} {t[k]:.1f}s" for k in ("parse", "chunk", "embed", "write", "total") if k in t)
    click.echo(f"{report.message}: {report.documents} documents, {report.chunks} chunks ({timing})")


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@_index_option
@click.option("--prune", is_flag=True, help="Remove documents whose files vanished from the given folders.")
@click.option("--rebuild", is_flag=True, help="Ignore the current index and build from these paths only.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def ingest(
    paths: tuple[Path, ...], index_dir: Path | None, prune: bool, rebuild: bool, as_json: bool
) -> None:
    """Add or update the documents in PATHS (files or folders) and publish a new index generation.

    Unchanged files are skipped without being read; run it again after editing or adding files.
    """
    from index.builder import ingest_paths
    from index.embeddings import ModelNotFoundError
    from index.errors import IndexLockedError, IndexMismatchError

    settings = _settings(index_dir)
    bars = _Bars(enabled=True)
    try:
        report = ingest_paths(paths, settings, prune=prune, rebuild=rebuild, progress=bars)
    except IndexLockedError as exc:
        raise IndexBusy(str(exc)) from None
    except (ModelNotFoundError, IndexMismatchError) as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(
            f"could not publish the index ({exc}); the previous generation stays live"
        ) from None
    finally:
        bars.close()
    if as_json:
        click.echo(report.to_json())
    else:
        _print_report(report)
    if report.nothing_ingested:
        raise click.ClickException("nothing could be ingested")


@click.command()
@_index_option
@click.option("--json", "as_json", is_flag=True, help="Print the statistics as JSON.")
@click.option("--brief", is_flag=True, help="One line only.")
def stats(index_dir: Path | None, as_json: bool, brief: bool) -> None:
    """Show what the index holds: documents, chunks, pages, types, years, model, generation."""
    from index.errors import IndexError_
    from index.stats import brief as brief_line
    from index.stats import index_stats

    try:
        data = index_stats(_settings(index_dir))
    except IndexError_ as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    click.echo(brief_line(data))
    if brief:
        return
    click.echo(f"  pages {data['pages']}, dimension {data['dimension']}, {data['dense_index']} index")
    click.echo(f"  created {data['created_at']}, previous generation {data['previous_generation']}")
    click.echo("  by type: " + ", ".join(f"{k} {v}" for k, v in data["by_type"].items()))
    click.echo("  by year: " + ", ".join(f"{k} {v}" for k, v in data["by_year"].items()))
    size, total = data["generation_bytes"] / 1e6, data["index_dir_bytes"] / 1e6
    click.echo(f"  size on disk: {size:.1f} MB (index folder {total:.1f} MB)")
    if data["fallback_from"]:
        click.echo(f"  WARNING: generation {data['fallback_from']} is damaged: {data['fallback_reason']}")


@click.command()
@click.argument("items", nargs=-1, required=True)
@_index_option
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def remove(items: tuple[str, ...], index_dir: Path | None, as_json: bool) -> None:
    """Remove documents by DOC_ID, file path or folder path, and publish a new generation."""
    from index.builder import remove_documents
    from index.errors import IndexError_, IndexLockedError

    try:
        report = remove_documents(items, _settings(index_dir))
    except IndexLockedError as exc:
        raise IndexBusy(str(exc)) from None
    except IndexError_ as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"could not publish the index ({exc}); nothing was removed") from None
    if as_json:
        click.echo(report.to_json())
    else:
        _print_report(report)
    if not any(r.status == "removed" for r in report.files):
        raise click.ClickException("nothing was removed")


COMMANDS: list = [ingest, stats, remove]
