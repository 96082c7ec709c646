"""``icgg train-reader``: rebuild the reader (:mod:`bot.reader`) from the training questions.

Never run by ``make run`` or ``make test``: they use the committed weights. Needs an index of the
shipped corpus (``icgg ingest corpus``) built with the multilingual sentence vectors, because the
candidates the reader learns from are the assistant's own retrieval over it.
"""

from __future__ import annotations

from pathlib import Path

import click


@click.command("train-reader")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to write the reader (default: bot/models/reader, the one the app loads).",
)
@click.option(
    "--work-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data/reader-training"),
    show_default=True,
    help="Cache of the retrieved candidates.",
)
@click.option("--seed", type=int, default=13, show_default=True, help="Random seed of the fit.")
@click.option("--epochs", type=int, default=None, help="Passes over the training questions.")
def train_reader_command(out_dir, work_dir, seed, epochs):
    """Train, calibrate and write the reader (weights, manifest); about ten minutes on 2 cores."""
    from dataclasses import replace

    from bot.reader import MODEL_DIR
    from bot.training.fit import FitConfig
    from bot.training.pipeline import train_reader
    from icgg.cli_bot import open_assistant

    config = FitConfig(seed=seed)
    if epochs is not None:
        config = replace(config, epochs=epochs)
    assistant = open_assistant()
    manifest = train_reader(assistant, out_dir or MODEL_DIR, work_dir, config, log=click.echo)
    for part in ("calibration", "heldout"):
        for group, m in manifest["metrics"][part].items():
            click.echo(
                f"{part:12} {group:6} best sentence holds a key fact {m['best_sentence_holds_a_key_fact']}, "
                f"AUROC {m['auroc_answerable_vs_unanswerable']} "
                f"({m['answerable']} answerable, {m['unanswerable']} unanswerable)"
            )


COMMANDS = [train_reader_command]
