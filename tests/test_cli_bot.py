"""``icgg search`` / ``icgg ask`` on a real index: text and JSON output, filters, batch mode, errors."""

from __future__ import annotations

import json

import pytest
from bot_docs import build_bot_index
from click.testing import CliRunner

from icgg.cli import _register, cli
from icgg.cli_bot import normalise_date
from icgg.settings import get_settings

PASSAGE_FIELDS = {"rank", "score", "doc_id", "title", "date", "doc_type", "source", "page", "text"}


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory, embedder):
    return build_bot_index(tmp_path_factory.mktemp("bot-cli"), embedder).index_dir


@pytest.fixture
def run(index_dir, monkeypatch):
    monkeypatch.setenv("ICGG_INDEX_DIR", str(index_dir))
    monkeypatch.chdir(index_dir.parent)  # no stray .env
    get_settings.cache_clear()
    _register()

    def invoke(*args: str):
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    yield invoke
    get_settings.cache_clear()


@pytest.mark.parametrize(
    ("value", "end", "expected"),
    [
        ("2016", False, "2016-01-01"),
        ("2016", True, "2016-12-31"),
        ("2016-02", True, "2016-02-29"),
        ("2016-12", True, "2016-12-31"),
        ("2016-5", False, "2016-05-01"),
        ("2016-05-12", True, "2016-05-12"),
    ],
)
def test_dates_are_normalised_to_inclusive_days(value, end, expected):
    assert normalise_date(value, end=end) == expected


@pytest.mark.parametrize("value", ["16", "2016-13", "2016-02-30", "May 2016", "2016/05/12"])
def test_bad_dates_are_refused(value):
    with pytest.raises(ValueError, match="invalid date"):
        normalise_date(value, end=False)


def test_search_json_has_the_documented_passage_fields(run):
    result = run("search", "traverse in Laos", "--k", "3", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["query"] == "traverse in Laos" and data["mode"] == "hybrid"
    assert len(data["passages"]) == 3
    for p in data["passages"]:
        assert set(p) >= PASSAGE_FIELDS
        assert isinstance(p["rank"], int) and isinstance(p["page"], int) and isinstance(p["score"], float)
    assert data["passages"][0]["title"] == "Fieldwork in Laos completes baseline sampling"


def test_search_text_output_is_a_ranked_list_with_title_date_type_page_and_score(run):
    result = run("search", "traverse in Laos", "--k", "2")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "1. Fieldwork in Laos completes baseline sampling"
    assert "2017-09-29 · news · p. 1 · score" in lines[1]
    assert any(line.startswith("2. ") for line in lines)


def test_search_filters_by_type_date_and_mode(run):
    out = json.loads(run("search", "laboratory", "--type", "page", "--json").output)
    assert {p["doc_type"] for p in out["passages"]} == {"page"}
    out = json.loads(
        run("search", "elements", "--from", "2016", "--to", "2017-09", "--k", "5", "--json").output
    )
    assert out["passages"] and all("2016-01-01" <= p["date"] <= "2017-09-30" for p in out["passages"])
    out = json.loads(run("search", "elements", "--mode", "bm25", "--json").output)
    assert out["mode"] == "bm25"


def test_search_by_document_id(run):
    first = json.loads(run("search", "IGCP 259", "--k", "1", "--json").output)["passages"][0]
    out = json.loads(run("search", "anything about mapping", "--doc", first["doc_id"], "--json").output)
    assert {p["doc_id"] for p in out["passages"]} == {first["doc_id"]}


def test_bad_date_is_a_one_line_error(run):
    result = run("search", "x", "--from", "2016-13")
    assert result.exit_code != 0
    assert result.output.strip() == "Error: invalid date '2016-13': not a calendar date"


def test_from_after_to_is_refused(run):
    result = run("search", "x", "--from", "2020", "--to", "2019")
    assert result.exit_code != 0 and "is after" in result.output


def test_missing_index_says_how_to_build_one(tmp_path, monkeypatch):
    monkeypatch.setenv("ICGG_INDEX_DIR", str(tmp_path / "none"))
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    _register()
    try:
        result = CliRunner().invoke(cli, ["search", "anything"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert "icgg ingest corpus" in result.output
    assert "Traceback" not in result.output


def test_search_needs_a_query_or_a_questions_file(run):
    result = CliRunner().invoke(cli, ["search"])
    assert result.exit_code == 2 and "--questions" in result.output


def test_batch_search_writes_one_json_line_per_question_and_reports_bad_lines(run, tmp_path):
    batch = tmp_path / "questions.txt"
    batch.write_text(
        "traverse in Laos\n"
        "\n"
        '{"q": "IGCP 259", "id": "a1"}\n'
        '{"question": "laboratory control", "id": 7}\n'
        "{not json\n"
        '{"text": "no question field"}\n',
        encoding="utf-8",
    )
    result = run("search", "--questions", str(batch), "--k", "2")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert len(rows) == 5
    assert rows[0]["query"] == "traverse in Laos" and len(rows[0]["passages"]) == 2
    assert rows[1]["id"] == "a1" and rows[1]["passages"][0]["title"] == "Thirty years since IGCP 259"
    assert rows[2]["id"] == 7
    assert rows[3] == {"line": 5, "error": rows[3]["error"]} and "invalid JSON" in rows[3]["error"]
    assert rows[4]["line"] == 6 and "'q' or 'question'" in rows[4]["error"]


ANSWER_FIELDS = {"answer", "abstained", "citations", "passages"}
CITATION_FIELDS = {"n", "doc_id", "title", "date", "page", "source", "quote"}
# a question the documents answer in one sentence (what the reader judges is tests/test_bot_answer.py's)
ASKED = "When was the centre inaugurated in Langfang?"


def test_ask_json_has_the_documented_answer_citation_and_passage_fields(run):
    result = run("ask", ASKED, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) >= ANSWER_FIELDS
    assert data["abstained"] is False and "12 May 2016" in data["answer"]
    assert data["abstain_reason"] is None
    assert data["citations"]
    for c in data["citations"]:
        assert set(c) >= CITATION_FIELDS
        assert isinstance(c["n"], int) and isinstance(c["page"], int) and c["quote"]
    for p in data["passages"]:
        assert set(p) >= PASSAGE_FIELDS


def test_ask_text_output_shows_the_answer_and_its_sources(run):
    result = run("ask", ASKED)
    assert result.exit_code == 0, result.output
    assert "12 May 2016" in result.output
    assert (
        "Sources:" in result.output
        and "[1] Global geochemistry centre inaugurated in Langfang" in result.output
    )


def test_ask_refuses_an_empty_question_in_one_line(run):
    result = run("ask", "  ")
    assert result.exit_code == 1
    assert result.output.strip() == "Error: question is empty: type a question about ICGG's documents"


def test_batch_ask_answers_each_line_and_turns_bad_ones_into_error_objects(run, tmp_path):
    batch = tmp_path / "qa.jsonl"
    history = [["user", "Tell me about the fieldwork in Laos."], ["assistant", "ok"]]
    lines = [
        json.dumps({"q": ASKED, "id": "laos"}),
        json.dumps({"question": "x" * 5000, "id": "long"}),
        json.dumps({"question": "How long was its traverse?", "id": "f", "history": history}),
        json.dumps({"id": "no-question"}),
    ]
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("ask", "--questions", str(batch))
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r.get("id") for r in rows] == ["laos", "long", "f", None]  # a line without a question has no id
    assert rows[0]["abstained"] is False and set(rows[0]) >= ANSWER_FIELDS
    assert rows[1]["error"].startswith("question too long (5000 chars; limit")
    # the follow-up is read with its history: the Laos fieldwork is among the passages answered from
    assert "Fieldwork in Laos completes baseline sampling" in [p["title"] for p in rows[2]["passages"][:5]]
    assert rows[3]["line"] == 4 and "error" in rows[3]


def test_eval_reads_a_users_words_set_and_reports_answers_refusals_and_languages(run, tmp_path):
    qs = tmp_path / "users.jsonl"
    rows = [
        {"id": "u1", "q": ASKED, "lang": "en", "answerable": True,
         "docs": ["2016-05-12-centre-inaugurated.md"], "must": [["12 May 2016"]]},
        {"id": "u2", "q": "Quand le centre a-t-il été inauguré à Langfang ?", "lang": "fr",
         "answerable": True, "docs": ["2016-05-12-centre-inaugurated.md"], "must": [["12 May 2016"]]},
        {"id": "u3", "q": "What is the price of a sandwich in the canteen?", "lang": "en",
         "answerable": False, "docs": [], "must": []},
    ]  # fmt: skip
    qs.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    out = tmp_path / "eval.md"
    result = run("eval", "--set", str(qs), "--out", str(out), "--mode", "hybrid", "--json")
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.output)
    assert set(metrics) == {"hybrid"}  # only the mode asked for
    for name in ("complete answers (of answerable)", "abstained (of unanswerable)", "words per answer"):
        assert name in metrics["hybrid"]
    assert metrics["hybrid"]["recall@5"] == 1.0
    report = out.read_text(encoding="utf-8")
    assert "**English** (hybrid)" in report and "**other languages** (hybrid)" in report
