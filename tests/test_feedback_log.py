"""The question log: stored in its own SQLite file (WAL), safe from many threads and processes, pruned by
age, holding nothing about the person; the content-gap report and its CSV export built from it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import multiprocessing
import sqlite3
import sys
import threading
import types

import pytest

from bot.csv_export import BOM, csv_bytes
from bot.feedback import THUMBS_DOWN, THUMBS_UP, QuestionLog
from bot.refusal import CATEGORY_LABELS, NO_RELEVANT_PASSAGE
from bot.types import Answer, Citation
from bot.usage import question_key, questions_per_week, refused_questions, report, wrong_answers

NOW = dt.datetime(2026, 3, 4, 12, 0, tzinfo=dt.UTC)


def _answer(question: str, *, refused: bool = False, resolved: str | None = None) -> Answer:
    citations = []
    if not refused:
        citations = [Citation(1, "doc-1", "Centre inaugurated", "2016-05-12", "news", 1, None, "x.md",
                              "The centre opened in 2016.", 1)]  # fmt: skip
    return Answer(
        question=question,
        text="The ICGG documents I have do not answer this." if refused else "The centre opened in 2016 [1].",
        abstained=refused,
        citations=citations,
        resolved_question=resolved,
        generation="g-1",
        abstain_reason="best sentence score 0.190 < 0.5" if refused else None,
        reason_category=NO_RELEVANT_PASSAGE if refused else None,
        refusal="I found nothing in the ICGG documents about this." if refused else None,
    )


def test_a_question_its_answer_generation_and_feedback_are_stored(tmp_path):
    log = QuestionLog(tmp_path / "feedback.sqlite", retention_days=30)
    row_id = log.record(_answer("When did the centre open?"), now=NOW)
    refused = log.record(_answer("Best cake recipe?", refused=True), now=NOW)
    assert log.rate(row_id, THUMBS_UP, now=NOW)
    assert log.rate(refused, THUMBS_DOWN, "  I wanted   the recipe\n", now=NOW)
    first, second = log.rows()
    assert (first.question, first.answer, first.generation, first.rating) == (
        "When did the centre open?", "The centre opened in 2016 [1].", "g-1", THUMBS_UP)  # fmt: skip
    assert first.cited == [{"n": 1, "doc_id": "doc-1", "title": "Centre inaugurated", "page": 1}]
    assert second.abstained and second.answer == "I found nothing in the ICGG documents about this."
    assert (second.reason_category, second.comment) == (NO_RELEVANT_PASSAGE, "I wanted the recipe")
    assert not log.rate(99999, THUMBS_UP)  # a pruned row is not an error


def test_the_log_is_its_own_wal_file_and_stores_nothing_about_the_person(tmp_path):
    path = tmp_path / "data" / "feedback.sqlite"
    QuestionLog(path, 30).record(_answer("q"), now=NOW)
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    columns = {row[1] for row in con.execute("PRAGMA table_info(questions)")}
    assert not columns & {
        "ip",
        "ip_address",
        "user_agent",
        "session",
        "session_id",
        "user",
        "user_id",
        "email",
    }
    assert columns == {
        "id", "asked_at", "question", "resolved_question", "answer", "abstained", "reason_category",
        "abstain_reason", "generation", "backend", "cited", "rating", "comment", "rated_at",
    }  # fmt: skip


def test_rows_older_than_the_retention_are_pruned_as_new_ones_are_written(tmp_path):
    log = QuestionLog(tmp_path / "f.sqlite", retention_days=7)
    log.record(_answer("old"), now=NOW - dt.timedelta(days=8))
    log.record(_answer("recent"), now=NOW - dt.timedelta(days=6))
    assert [r.question for r in log.rows()] == ["old", "recent"]
    log.record(_answer("today"), now=NOW)
    assert [r.question for r in log.rows()] == ["recent", "today"]
    assert log.prune(now=NOW + dt.timedelta(days=7)) == 1


def test_many_threads_writing_at_once_lose_nothing(tmp_path):
    log = QuestionLog(tmp_path / "f.sqlite", retention_days=30)
    errors: list[BaseException] = []

    def session(n: int) -> None:
        try:
            for i in range(20):
                row = log.record(_answer(f"q{n}-{i}"))
                log.rate(row, THUMBS_UP if i % 2 else THUMBS_DOWN, f"comment {n}-{i}")
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=session, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    rows = log.rows()
    assert len(rows) == 160 and all(r.rating is not None and r.comment for r in rows)


def _write_from_another_process(path: str, n: int) -> None:
    log = QuestionLog(path, 30)
    for i in range(25):
        log.rate(log.record(_answer(f"p{n}-{i}")), THUMBS_UP)


def test_several_processes_share_one_log(tmp_path, monkeypatch):
    # A spawned child re-runs the parent's __main__ file; AppTest leaves its own script there, so the
    # children start from a bare __main__ instead.
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    path = str(tmp_path / "f.sqlite")
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_write_from_another_process, args=(path, n)) for n in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    assert len(QuestionLog(path, 30).rows()) == 75


def test_an_absent_log_reads_as_empty(tmp_path):
    assert QuestionLog(tmp_path / "none.sqlite", 30).rows() == []


def test_refused_questions_are_grouped_by_wording_most_frequent_first(tmp_path):
    log = QuestionLog(tmp_path / "f.sqlite", retention_days=30)
    for text in ("Who funds the Peru office?", "who funds  the Peru office", "Best cake recipe?"):
        log.record(_answer(text, refused=True), now=NOW)
    log.record(_answer("When did the centre open?"), now=NOW)
    later = NOW + dt.timedelta(minutes=1)  # equal counts: the most recently asked group first
    follow = log.record(_answer("and the cake?", refused=True, resolved="Best cake recipe?"), now=later)
    log.rate(follow, THUMBS_DOWN)
    refused = refused_questions(log.rows())
    assert [(r["Question"], r["Times asked"]) for r in refused] == [
        ("Best cake recipe?", 2),
        ("who funds  the Peru office", 2),
    ]
    assert refused[0]["Marked unhelpful"] == 1
    assert refused[0]["Why not answered"] == CATEGORY_LABELS[NO_RELEVANT_PASSAGE]
    assert question_key(" Who funds the Peru office?? ") == question_key("who funds the peru office")


def test_answers_marked_wrong_come_with_their_comment_and_sources(tmp_path):
    log = QuestionLog(tmp_path / "f.sqlite", retention_days=30)
    good = log.record(_answer("When did the centre open?"), now=NOW)
    bad = log.record(_answer("When was the agreement signed?"), now=NOW + dt.timedelta(minutes=1))
    log.rate(good, THUMBS_UP)
    log.rate(bad, THUMBS_DOWN, "that is the opening, not the signing")
    (wrong,) = wrong_answers(log.rows())
    assert wrong["Question"] == "When was the agreement signed?"
    assert wrong["Comment"] == "that is the opening, not the signing"
    assert wrong["Sources"] == "[1] Centre inaugurated p. 1"


def test_questions_per_week_include_weeks_without_questions(tmp_path):
    log = QuestionLog(tmp_path / "f.sqlite", retention_days=60)
    monday = dt.datetime(2026, 2, 2, 9, tzinfo=dt.UTC)
    log.record(_answer("a"), now=monday)
    log.record(_answer("b", refused=True), now=monday + dt.timedelta(days=3))
    log.record(_answer("c"), now=monday + dt.timedelta(days=15))
    weeks = questions_per_week(log.rows(since=monday - dt.timedelta(days=1)))
    assert [(w["Week of"], w["Questions"], w["Refused"]) for w in weeks] == [
        ("2026-02-02", 2, 1),
        ("2026-02-09", 0, 0),
        ("2026-02-16", 1, 0),
    ]
    with pytest.raises(ValueError, match="unknown report"):
        report([], "everything")


def test_csv_exports_start_with_a_bom_keep_accents_and_neutralise_formulas():
    data = csv_bytes([{"Question": "Où est la Géochimie ?", "Comment": '=HYPERLINK("x")'}])
    assert data.startswith(BOM.encode("utf-8"))
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [["Question", "Comment"], ["Où est la Géochimie ?", '\'=HYPERLINK("x")']]
