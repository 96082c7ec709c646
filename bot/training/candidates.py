"""Labelled candidate sentences: what the reader sees for a training question, and which state the answer.

For every question the assistant's own retrieval runs (hybrid search, ``CANDIDATE_PASSAGES`` deep, as
the reader reads at run time), and every quotable sentence of those passages becomes a candidate, with
the same sentence splitting and context the reader gets when answering. A candidate is positive when it
comes from a document that states the answer and holds at least one of the question's key facts
(``facts``: the indexes of the ``must`` groups it holds); all others are negatives, the hard ones being
sentences of the right passages that do not state the fact. Unanswerable questions give negatives only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from bot.evaluate import facts_found
from bot.reader import quotable_sentences
from bot.sentences import PageLocator
from bot.training.questions import TrainingQuestion

CANDIDATE_PASSAGES = 20


@dataclass(frozen=True)
class Candidate:
    text: str
    title: str
    heading: str
    doc: str  # corpus-relative path ("news/x.md", "pdf/x.pdf")
    rank: int  # retrieval rank of its passage
    facts: tuple[int, ...]  # must groups it holds, when its document states the answer; () otherwise


def relative_path(path: str) -> str:
    """A document's path relative to the corpus folder ("…/corpus/news/x.md" -> "news/x.md")."""
    path = path.replace("\\", "/")
    return path.split("/corpus/", 1)[-1]


def document_of(path: str, named: Iterable[str]) -> str:
    """The question's name for the document at ``path`` when it names it (a suffix match), else its corpus
    path."""
    path = path.replace("\\", "/")
    for doc in named:
        if path == doc or path.endswith("/" + doc):
            return doc
    return relative_path(path)


def candidates_for(question: TrainingQuestion, assistant, depth: int = CANDIDATE_PASSAGES) -> list[Candidate]:
    passages = assistant.search(question.question, k=depth)
    pages = PageLocator(assistant.index)
    out = []
    for passage, span in quotable_sentences(passages, pages):
        doc = document_of(passage.document.path, question.docs)
        facts = tuple(facts_found(span.text, question.must)) if doc in question.docs else ()
        out.append(
            Candidate(
                text=span.text,
                title=passage.document.title,
                heading=passage.chunk.heading or "",
                doc=doc,
                rank=passage.rank,
                facts=facts,
            )
        )
    return out


def write_candidates(questions: Iterable[TrainingQuestion], assistant, path: Path, progress=None) -> None:
    """One JSON line per question: its id and candidates (a cache the fit and calibration read)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for q in questions:
            cands = candidates_for(q, assistant)
            fh.write(json.dumps({"id": q.id, "candidates": [asdict(c) for c in cands]}, ensure_ascii=False))
            fh.write("\n")
            if progress:
                progress()
    tmp.replace(path)


def read_candidates(path: Path) -> Iterator[tuple[str, list[Candidate]]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            yield r["id"], [Candidate(**{**c, "facts": tuple(c["facts"])}) for c in r["candidates"]]
