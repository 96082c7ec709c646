"""``icgg ingest``, ``icgg stats`` and ``icgg remove`` as a staff member uses them: reports, JSON,
one-line errors and exit codes; plus real subprocess runs (one of them killed mid-publish)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from index_docs import write_news, write_small_corpus

from icgg import cli as cli_module
from icgg.settings import Settings
from index.generations import current_generation, generations_dir, list_generations
from index.lock import writer_lock
from index.reader import open_index

cli_module._register()
ICGG = str(Path(sys.executable).with_name("icgg"))


@pytest.fixture
def runner(embedder):  # the embedder fixture loads the shared model once for in-process runs
    return CliRunner()


@pytest.fixture
def docs(tmp_path):
    return write_small_corpus(tmp_path / "docs", pdf=False)


def _run(runner, *args):
    return runner.invoke(cli_module.cli, [str(a) for a in args], catch_exceptions=False)


def test_ingest_prints_a_report_and_stats_describe_the_index(runner, docs, tmp_path):
    index = tmp_path / "index"
    result = _run(runner, "ingest", docs, "--index", index)
    assert result.exit_code == 0, result.output
    assert "added 4" in result.output and "published generation" in result.output

    again = _run(runner, "ingest", docs, "--index", index)
    assert again.exit_code == 0 and "unchanged 4" in again.output and "index unchanged" in again.output

    stats = _run(runner, "stats", "--index", index, "--json")
    data = json.loads(stats.stdout)
    assert (data["documents"], data["by_type"]) == (4, {"news": 3, "page": 1})
    assert data["by_year"] == {"2016": 1, "2019": 1, "2021": 1, "undated": 1}
    assert data["generation"] == current_generation(index) and data["model"] == "all-MiniLM-L6-v2"

    brief = _run(runner, "stats", "--index", index, "--brief")
    assert brief.exit_code == 0 and len(brief.stdout.strip().splitlines()) == 1
    assert brief.stdout.startswith("4 documents, ")


def test_ingest_json_report_lists_every_file(runner, docs, tmp_path):
    result = _run(runner, "ingest", docs, "--index", tmp_path / "index", "--json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["totals"]["added"] == 4 and len(report["files"]) == 4
    assert report["generation"] == current_generation(tmp_path / "index")


def test_remove_by_path_publishes_without_the_document(runner, docs, tmp_path):
    index = tmp_path / "index"
    _run(runner, "ingest", docs, "--index", index)
    result = _run(runner, "remove", docs / "pages" / "about-the-laboratory.md", "--index", index)
    assert result.exit_code == 0 and "removed 1" in result.output
    settings = Settings(_env_file=None, index_dir=index)
    assert len(open_index(settings).documents()) == 3

    unknown = _run(runner, "remove", "0123456789abcdef", "--index", index)
    assert unknown.exit_code == 1 and "nothing was removed" in unknown.output


def test_stats_without_an_index_is_a_one_line_error(runner, tmp_path):
    result = _run(runner, "stats", "--index", tmp_path / "none")
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Error: no index at {tmp_path / 'none'} - build one with `icgg ingest corpus`"
    ]


def test_ingest_into_a_locked_index_exits_2_with_one_line(runner, docs, tmp_path):
    index = tmp_path / "index"
    with writer_lock(index):
        result = _run(runner, "ingest", docs, "--index", index)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: another ingest is running (pid ")


def test_ingest_fails_only_when_nothing_could_be_ingested(runner, docs, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "broken.md").write_bytes(b"\xff\xfe\xfa")
    index = tmp_path / "index"

    nothing = _run(runner, "ingest", bad, "--index", index)
    assert nothing.exit_code == 1 and "nothing could be ingested" in nothing.output

    partly = _run(runner, "ingest", bad, docs, "--index", index)
    assert partly.exit_code == 0 and "failed 1" in partly.output and "broken.md" in partly.output


@pytest.mark.slow
def test_real_subprocess_ingest_and_stats_json(docs, tmp_path):
    index = tmp_path / "index"
    env = {**os.environ, "ICGG_INDEX_DIR": str(index)}
    env.pop("ICGG_FAULT_POINT", None)
    ingest = subprocess.run(
        [ICGG, "ingest", str(docs), "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
        check=False,
    )
    assert ingest.returncode == 0, ingest.stderr
    assert json.loads(ingest.stdout)["totals"]["added"] == 4
    stats = subprocess.run(
        [ICGG, "stats", "--json"], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["documents"] == 4


@pytest.mark.slow
def test_ingest_killed_before_the_current_switch_keeps_the_previous_index(runner, docs, tmp_path):
    index = tmp_path / "index"
    _run(runner, "ingest", docs, "--index", index)
    live = current_generation(index)
    write_news(
        tmp_path / "more",
        "2024-01-01-late.md",
        "Late item",
        "2024-01-01",
        "science",
        "Rare earth elements were mapped in Mongolia.",
    )
    env = {**os.environ, "ICGG_FAULT_POINT": "before-current-replace", "ICGG_FAULT_ACTION": "kill"}
    killed = subprocess.run(
        [ICGG, "ingest", str(tmp_path / "more"), "--index", str(index)],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL
    assert current_generation(index) == live
    assert len(open_index(Settings(_env_file=None, index_dir=index)).documents()) == 4
    orphans = [p.name for p in generations_dir(index).iterdir() if p.name != live]
    assert orphans and list(index.glob("CURRENT.tmp-*"))  # written, renamed, but never made live

    result = _run(runner, "ingest", tmp_path / "more", "--index", index)
    assert result.exit_code == 0 and "added 1" in result.output
    assert len(open_index(Settings(_env_file=None, index_dir=index)).documents()) == 5
    assert not list(index.glob("CURRENT.tmp-*"))
    assert set(list_generations(index)) == {current_generation(index), live}
    assert not set(orphans) & set(os.listdir(generations_dir(index)))
