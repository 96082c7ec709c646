"""The ``icgg`` command line: one group, subcommands registered from small modules.

User errors become a one-line message and a non-zero exit code (click.ClickException), never a
traceback. Index commands live in ``icgg.cli_index``, question-answering commands in ``icgg.cli_bot``,
the question log's in ``icgg.cli_feedback``.
"""

from __future__ import annotations

import os

import click

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="icgg-assistant")
def cli() -> None:
    """ICGG knowledge assistant: build the index, search it, ask it questions."""


def _register() -> None:
    from icgg import cli_bot, cli_feedback, cli_index, cli_reader

    for module in (cli_index, cli_bot, cli_reader, cli_feedback):
        for command in module.COMMANDS:
            cli.add_command(command)


def main() -> None:
    _register()
    cli()
