"""``icgg feedback export`` and ``icgg feedback prune``: the question log as CSV for staff."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from click.testing import CliRunner

from bot.feedback import THUMBS_DOWN, QuestionLog
from bot.types import Answer
from icgg import cli as cli_module
from icgg.settings import get_settings

cli_module._register()


@pytest.fixture
def log(tmp_path, monkeypatch):
    monkeypatch.setenv("ICGG_FEEDBACK_DB", str(tmp_path / "feedback.sqlite"))
    monkeypatch.setenv("ICGG_FEEDBACK_RETENTION_DAYS", "30")
    get_settings.cache_clear()
    yield QuestionLog.from_settings(get_settings())
    get_settings.cache_clear()


def _run(*args):
    return CliRunner().invoke(cli_module.cli, ["feedback", *map(str, args)], catch_exceptions=False)


def _refused(question: str) -> Answer:
    refusal = "The closest the documents come is “X”, which does not give the date you asked for."
    text = "The ICGG documents I have do not answer this."
    return Answer(question, text, True, reason_category="missing_date", refusal=refusal)


def test_export_writes_the_most_refused_questions_as_csv_with_a_bom(log, tmp_path):
    for question in (
        "Quand le bureau de Lima a-t-il ouvert ?",
        "quand le bureau de Lima a-t-il ouvert",
        "Other?",
    ):
        log.record(_refused(question))
    out = tmp_path / "refused.csv"
    result = _run("export", "--report", "refused", "--out", out)
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0]["Question"] == "quand le bureau de Lima a-t-il ouvert" and rows[0]["Times asked"] == "2"
    assert rows[0]["Why not answered"] == "on the topic, but no date given"


def test_export_of_wrong_answers_to_standard_output_and_only_recent_days(log):
    old = log.record(_refused("An old question?"), now=dt.datetime.now(dt.UTC) - dt.timedelta(days=10))
    new = log.record(_refused("A new question?"))
    for row in (old, new):
        log.rate(row, THUMBS_DOWN, "not helpful")
    result = _run("export", "--report", "wrong", "--days", 5)
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.output.lstrip("\ufeff"))))
    assert [r["Question"] for r in rows] == ["A new question?"]


def test_prune_deletes_what_is_older_than_the_retention(log):
    log.record(_refused("Too old?"), now=dt.datetime.now(dt.UTC) - dt.timedelta(days=40))
    result = _run("prune")
    assert result.exit_code == 0 and "deleted 1 questions older than 30 days" in result.output
    assert log.rows() == []


def test_an_unreadable_log_is_a_one_line_error(log):
    log.path.write_bytes(b"this is not a database" * 100)
    result = _run("export")
    assert result.exit_code != 0 and "cannot read the question log" in result.output
