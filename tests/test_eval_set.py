"""The evaluation question sets in ``tests/eval/``: ``qa.jsonl``, ``qa_holdout.jsonl``, the blind sets and
``qa_archives.jsonl`` (questions on the archive documents: tables, a Word file, a two-column paper, a scan).

Checks the schema, the mix of question kinds, and - most importantly - that the gold is right:
every expected fact literally occurs in one of the documents named as its source, so a retrieval or
answer score computed against these sets measures the system, not typos in the set. It reads only
files inside the repository and must never import the system under test (``ingest/``, ``index/``,
``bot/``): the sets are written independently of it.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
EVAL = ROOT / "tests" / "eval"
MAIN = EVAL / "qa.jsonl"
HOLDOUT = EVAL / "qa_holdout.jsonl"
ARCHIVES = EVAL / "qa_archives.jsonl"
# Blind sets, in the order they were written: file, id letter, (questions, of which unanswerable).
BLIND_SETS = {
    "qa_blind.jsonl": ("b", 44, 22),
    "qa_blind2.jsonl": ("c", 44, 22),
    "qa_blind3.jsonl": ("d", 60, 30),
    "qa_blind4.jsonl": ("e", 60, 30),
    "qa_blind5.jsonl": ("f", 60, 30),
    "qa_blind6.jsonl": ("g", 60, 30),
    "qa_blind7.jsonl": ("k", 60, 30),
    "qa_blind8.jsonl": ("m", 60, 30),
    "qa_blind9.jsonl": ("n", 60, 30),
    "qa_blind10.jsonl": ("p", 60, 30),
    "qa_blind11.jsonl": ("r", 60, 30),
    "qa_blind12.jsonl": ("s", 60, 30),
    "qa_blind13.jsonl": ("t", 60, 30),
    "qa_blind14.jsonl": ("u", 60, 30),
    "qa_blind15.jsonl": ("v", 60, 30),
    "qa_blind16.jsonl": ("w", 60, 30),
    "qa_blind17.jsonl": ("x", 60, 30),
    "qa_blind18.jsonl": ("y", 60, 30),
    "qa_blind19.jsonl": ("z", 60, 30),
    "qa_blind20.jsonl": ("j", 60, 30),
    "qa_blind21.jsonl": ("l", 60, 30),
    "qa_blind22.jsonl": ("a", 60, 30),
    "qa_blind23.jsonl": ("i", 60, 30),
    "qa_blind24.jsonl": ("o", 60, 30),
    "qa_blind25.jsonl": ("xa", 60, 30),
    "qa_blind26.jsonl": ("xb", 60, 30),
    "qa_blind27.jsonl": ("xc", 60, 30),
    "qa_blind28.jsonl": ("xd", 60, 30),
    "qa_blind29.jsonl": ("xe", 60, 30),
    "qa_blind30.jsonl": ("xf", 60, 30),
    "qa_blind31.jsonl": ("xg", 60, 30),
    "qa_blind32.jsonl": ("xh", 60, 30),
    "qa_blind33.jsonl": ("xi", 60, 30),
    "qa_blind34.jsonl": ("xj", 60, 30),
    "qa_blind35.jsonl": ("xk", 60, 30),
    "qa_blind36.jsonl": ("xl", 60, 30),
    "qa_blind37.jsonl": ("xm", 60, 30),
    "qa_blind38.jsonl": ("xn", 60, 30),
    "qa_blind39.jsonl": ("xo", 60, 30),
}
BLINDS = [EVAL / name for name in BLIND_SETS]

KINDS = {"paraphrase", "multi-fact", "date", "number", "name", "unanswerable", "followup"}
FIELDS = {"id", "question", "answerable", "gold_docs", "key_facts", "kind", "history"}
ID_PATTERN = {
    MAIN: re.compile(r"^q\d{3}$"),
    HOLDOUT: re.compile(r"^h\d{3}$"),
    ARCHIVES: re.compile(r"^ar\d{3}$"),
    **{EVAL / name: re.compile(rf"^{letter}\d{{3}}$") for name, (letter, _, _) in BLIND_SETS.items()},
}
GOLD_PATH = re.compile(
    r"^(news/\d{4}-\d{2}-\d{2}-[a-z0-9-]+\.md|pdf/[a-z0-9-]+\.pdf|archives/[a-z0-9-]+\.(?:pdf|docx))$"
)
FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)
TITLE = re.compile(r'^title:\s*"?(.*?)"?\s*$', re.MULTILINE)


def _load(path: Path) -> list[dict]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


SETS = {path: _load(path) for path in [MAIN, HOLDOUT, *BLINDS, ARCHIVES]}
ALL = [(path.name, q) for path, questions in SETS.items() for q in questions]
ANSWERABLE = [(name, q) for name, q in ALL if q["answerable"]]


def _normalise(text: str) -> str:
    """Lower-case, join words split at a hyphen across a line break, collapse whitespace."""
    text = re.sub(r"(\w)-[ \t]*\n\s*(\w)", r"\1-\2", text)
    return re.sub(r"\s+", " ", text).strip().casefold()


@cache
def document_text(rel: str) -> str:
    """The text a reader of ``corpus/<rel>`` sees: news title + body, or the PDF's extracted text."""
    path = CORPUS / rel
    if rel.startswith("archives/"):
        # What an archive document shows is its source as corpus/build_archives.py prints it (a scan's
        # pages show it too: its ground truth is that text); readers of the files are under test.
        raw = (CORPUS / "archives_src" / f"{path.stem}.md").read_text(encoding="utf-8")
        match = FRONT_MATTER.match(raw)
        title = TITLE.search(match.group(1)) if match else None
        body = raw[match.end() :] if match else raw
        raw = (title.group(1) if title else "") + "\n" + re.sub(r"[*`|#]", " ", body)
    elif path.suffix == ".pdf":
        raw = "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
    else:
        raw = path.read_text(encoding="utf-8")
        match = FRONT_MATTER.match(raw)
        if match:
            title = TITLE.search(match.group(1))
            raw = (title.group(1) if title else "") + "\n" + raw[match.end() :]
    return _normalise(raw)


def _occurs(fact: list[str], rel: str) -> bool:
    text = document_text(rel)
    return any(_normalise(form) in text for form in fact)


def _label(item: tuple[str, dict]) -> str:
    return f"{item[0]}:{item[1].get('id')}"


@pytest.mark.parametrize("path", list(SETS), ids=lambda p: p.name)
def test_every_line_has_exactly_the_documented_fields_and_types(path):
    assert SETS[path], f"{path.name} is empty"
    for q in SETS[path]:
        assert set(q) == FIELDS, q.get("id")
        assert ID_PATTERN[path].match(q["id"]), q["id"]
        assert isinstance(q["question"], str) and q["question"].strip(), q["id"]
        assert isinstance(q["answerable"], bool), q["id"]
        assert q["kind"] in KINDS, q["id"]
        assert isinstance(q["gold_docs"], list), q["id"]
        assert all(isinstance(d, str) and GOLD_PATH.match(d) for d in q["gold_docs"]), q["id"]
        assert len(set(q["gold_docs"])) == len(q["gold_docs"]), f"{q['id']}: duplicate gold doc"
        assert isinstance(q["key_facts"], list) and len(q["key_facts"]) <= 3, q["id"]
        for fact in q["key_facts"]:
            assert isinstance(fact, list) and fact, q["id"]
            assert all(isinstance(form, str) and 0 < len(form.strip()) <= 80 for form in fact), q["id"]


@pytest.mark.parametrize("path", list(SETS), ids=lambda p: p.name)
def test_ids_are_unique_and_numbered_in_order(path):
    ids = [q["id"] for q in SETS[path]]
    assert len(ids) == len(set(ids))
    assert ids == sorted(ids)


def test_no_question_text_appears_twice_across_the_sets():
    texts = Counter(_normalise(q["question"]) for _, q in ALL)
    assert [t for t, n in texts.items() if n > 1] == []


@pytest.mark.parametrize("item", ALL, ids=_label)
def test_answerable_exactly_when_gold_docs_and_key_facts_are_given(item):
    _, q = item
    if q["answerable"]:
        assert q["gold_docs"] and 1 <= len(q["key_facts"]) <= 3
        assert q["kind"] != "unanswerable"
    else:
        assert q["gold_docs"] == [] and q["key_facts"] == []
        assert q["kind"] == "unanswerable"


@pytest.mark.parametrize("item", ALL, ids=_label)
def test_history_is_given_only_for_followups_as_a_user_then_assistant_turn(item):
    _, q = item
    if q["kind"] != "followup":
        assert q["history"] is None
        return
    history = q["history"]
    assert isinstance(history, list) and len(history) >= 2 and len(history) % 2 == 0
    for turn, role in zip(history, ["user", "assistant"] * len(history), strict=False):
        assert isinstance(turn, list) and len(turn) == 2
        assert turn[0] == role and isinstance(turn[1], str) and turn[1].strip()


@pytest.mark.parametrize("item", ANSWERABLE, ids=_label)
def test_every_gold_document_exists_in_the_corpus(item):
    _, q = item
    missing = [d for d in q["gold_docs"] if not (CORPUS / d).is_file()]
    assert missing == []


@pytest.mark.parametrize("item", ANSWERABLE, ids=_label)
def test_every_key_fact_literally_occurs_in_one_of_its_gold_documents(item):
    _, q = item
    unsupported = [fact for fact in q["key_facts"] if not any(_occurs(fact, d) for d in q["gold_docs"])]
    assert unsupported == [], f"{q['id']}: not found in {q['gold_docs']}"


@pytest.mark.parametrize("item", ANSWERABLE, ids=_label)
def test_every_gold_document_states_at_least_one_key_fact(item):
    _, q = item
    idle = [d for d in q["gold_docs"] if not any(_occurs(fact, d) for fact in q["key_facts"])]
    assert idle == [], f"{q['id']}: gold documents that state none of the key facts"


def test_main_set_has_the_agreed_size_and_mix():
    kinds = Counter(q["kind"] for q in SETS[MAIN])
    assert len(SETS[MAIN]) >= 80
    assert kinds["unanswerable"] >= 12
    assert kinds["followup"] >= 8
    assert kinds["multi-fact"] >= 10
    assert kinds["date"] + kinds["number"] >= 15


def test_archives_set_asks_about_every_archive_document_and_about_table_cells():
    questions = SETS[ARCHIVES]
    kinds = Counter(q["kind"] for q in questions)
    assert len(questions) >= 30 and kinds["unanswerable"] >= 4
    cited = {d for q in questions for d in q["gold_docs"]}
    archives = {f"archives/{p.name}" for p in (CORPUS / "archives").iterdir()}
    assert archives and archives <= cited
    table_report = "archives/data-tables-sampling-and-baselines.pdf"
    assert sum(table_report in q["gold_docs"] for q in questions) >= 10


def test_holdout_set_has_the_agreed_size_and_mix():
    kinds = Counter(q["kind"] for q in SETS[HOLDOUT])
    assert len(SETS[HOLDOUT]) >= 30
    assert kinds["unanswerable"] >= 5
    assert kinds["followup"] >= 3


# Agreed size of each blind set: (questions, of which unanswerable).
BLIND_SIZES = {EVAL / name: (total, unanswerable) for name, (_, total, unanswerable) in BLIND_SETS.items()}


@pytest.mark.parametrize("path", list(BLIND_SIZES), ids=lambda p: p.name)
def test_blind_set_has_the_agreed_size_and_mix(path):
    kinds = Counter(q["kind"] for q in SETS[path])
    total, unanswerable = BLIND_SIZES[path]
    assert len(SETS[path]) == total
    assert kinds["unanswerable"] == unanswerable
    assert kinds["followup"] >= 2
    assert all(kinds[kind] >= 3 for kind in ("paraphrase", "multi-fact", "date", "number", "name"))


@pytest.mark.parametrize(
    "path",
    BLINDS[2:],
    ids=lambda p: p.name,
)
def test_later_blind_sets_spread_over_news_and_reports(path):
    """Blind sets 3 to 15 were written to draw on at least 18 documents, news and reports alike."""
    cited = {d for q in SETS[path] for d in q["gold_docs"]}
    assert len(cited) >= 18
    assert any(d.startswith("news/") for d in cited) and any(d.startswith("pdf/") for d in cited)


BLIND_ANSWERABLE = [q for path in BLIND_SIZES for q in SETS[path] if q["answerable"]]


@pytest.mark.parametrize("q", BLIND_ANSWERABLE, ids=lambda q: q["id"])
def test_every_blind_gold_document_states_every_key_fact(q):
    """Stricter than the shared check: the blind gold lists only documents that give the whole answer."""
    partial = [d for d in q["gold_docs"] if not all(_occurs(fact, d) for fact in q["key_facts"])]
    assert partial == []


def test_main_set_draws_on_every_news_item_and_every_report():
    cited = {d for q in SETS[MAIN] for d in q["gold_docs"]}
    documents = {f"news/{p.name}" for p in (CORPUS / "news").glob("*.md")}
    documents |= {f"pdf/{p.name}" for p in (CORPUS / "pdf").glob("*.pdf")}
    assert documents - cited == set()


def test_unsupported_fact_is_detected():
    """The literal check is what guarantees the gold: it must reject a fact no document states."""
    assert not _occurs(["24 May 2016"], "news/2016-05-12-icgg-inaugurated-agreement-signed.md")
    assert _occurs(["12 May 2016"], "news/2016-05-12-icgg-inaugurated-agreement-signed.md")
    assert _occurs(["84 Jinguang Road"], "pdf/icgg-at-a-glance.pdf")
