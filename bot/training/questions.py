"""Training questions from the project's two formats, and the split by document.

Two formats feed the reader:

- ``tests/eval/*.jsonl`` (``question``, ``gold_docs``, ``key_facts``): written from the documents;
- users'-words sets (``q``, ``lang``, ``kind``, ``docs``, ``must``): ``bot/training/data/*.jsonl`` and
  ``../shared/eval/train_questions.jsonl``, written from users' needs, a third not in English.

Both become :class:`TrainingQuestion`. Documents are named as the corpus stores them (``news/x.md``,
``pdf/x.pdf``; a users'-words file names a PDF by its source ``pdf_src/x.md``). Never load a validation
set here: :func:`load_questions` refuses a file named ``user_questions.jsonl``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.evaluate import corpus_path

DATA_DIR = Path(__file__).resolve().parent / "data"
VALIDATION_NAMES = frozenset({"user_questions.jsonl"})


@dataclass(frozen=True)
class TrainingQuestion:
    id: str  # "<file stem>:<id>"
    question: str
    lang: str
    answerable: bool
    must: tuple[tuple[str, ...], ...]  # groups of acceptable surface forms; every group is a key fact
    docs: frozenset[str]  # corpus-relative paths of the documents that state the answer
    kind: str
    users_words: bool  # written from users' needs (True) or from the documents (False)

    def part(self, heldout_docs: frozenset[str], top_doc: str | None) -> str:
        """ "heldout" (about held-out documents only), "excluded" (partly about them) or "pool".

        An unanswerable question has no documents: it belongs where its best retrieved passage does."""
        if not self.answerable:
            return "heldout" if top_doc in heldout_docs else "pool"
        if self.docs <= heldout_docs:
            return "heldout"
        return "excluded" if self.docs & heldout_docs else "pool"


def load_questions(path: Path) -> list[TrainingQuestion]:
    """Single-turn questions of one file of either format (follow-ups need their history: skipped)."""
    if path.name in VALIDATION_NAMES:
        raise ValueError(f"{path} is a validation set: it is never trained on")
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        r = json.loads(line)
        if r.get("history"):
            continue
        users = "q" in r
        out.append(
            TrainingQuestion(
                id=f"{path.stem}:{r['id']}",
                question=r["q"] if users else r["question"],
                lang=r.get("lang", "en"),
                answerable=bool(r["answerable"]),
                must=tuple(tuple(str(f) for f in g) for g in (r["must"] if users else r["key_facts"])),
                docs=frozenset(corpus_path(d) for d in (r["docs"] if users else r["gold_docs"])),
                kind=r.get("kind") or "",
                users_words=users,
            )
        )
    return out


def files_sha256(paths: Iterable[Path]) -> str:
    """One hash over the training files' names and bytes: what the manifest records as the data hash."""
    digest = hashlib.sha256()
    for p in sorted(paths, key=lambda p: p.name):
        digest.update(p.name.encode())
        digest.update(p.read_bytes())
    return digest.hexdigest()


def stable_fraction(text: str) -> float:
    """A number in [0, 1) fixed by ``text``: a split that never depends on file order or a random state."""
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) / 16**8
