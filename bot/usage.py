"""What users ask: the staff's content-gap report, computed from the question log (:mod:`bot.feedback`).

Three tables: the questions the assistant refused most often (grouped by their wording, case and spacing
aside: these name the documents staff should add), the answers readers marked wrong (with their
comments), and the questions per week. Each is a list of plain dicts whose keys are the column names, so
the Library page shows them and ``icgg feedback export`` writes them as CSV.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Sequence

from bot.feedback import THUMBS_DOWN, THUMBS_UP, LoggedQuestion
from bot.refusal import CATEGORY_LABELS

REPORTS = ("refused", "wrong", "weekly", "questions")
_EDGE_PUNCTUATION = re.compile(r"^[\s\"'“”‘’¿¡]+|[\s\"'“”‘’?!.,;:]+$")


def _label(category: str | None) -> str | None:
    return CATEGORY_LABELS.get(category, category) if category else None


def question_key(text: str) -> str:
    """How questions are grouped: case, spacing and end punctuation do not make a new question."""
    return _EDGE_PUNCTUATION.sub("", " ".join(text.split())).casefold()


def refused_questions(rows: Sequence[LoggedQuestion], limit: int | None = None) -> list[dict]:
    """Refused questions, most often asked first (ties: most recent first), in their latest wording."""
    groups: dict[str, list[LoggedQuestion]] = {}
    for row in rows:
        if row.abstained:
            groups.setdefault(question_key(row.asked), []).append(row)
    ranked = sorted(groups.values(), key=lambda g: (len(g), max(r.asked_at for r in g)), reverse=True)
    out = []
    for group in ranked[:limit]:
        latest = max(group, key=lambda r: (r.asked_at, r.id))
        categories = Counter(r.reason_category for r in group if r.reason_category)
        out.append(
            {
                "Question": latest.asked,
                "Times asked": len(group),
                "Last asked": latest.asked_at,
                "Why not answered": _label(categories.most_common(1)[0][0]) if categories else None,
                "Marked unhelpful": sum(r.rating == THUMBS_DOWN for r in group),
            }
        )
    return out


def wrong_answers(rows: Sequence[LoggedQuestion]) -> list[dict]:
    """Answers and refusals a reader marked with a thumbs down, newest first, with their comments."""
    marked = sorted(
        (r for r in rows if r.rating == THUMBS_DOWN), key=lambda r: (r.asked_at, r.id), reverse=True
    )
    return [
        {
            "Question": r.asked,
            "Comment": r.comment,
            "Answer": r.answer,
            "Refused": r.abstained,
            "Sources": "; ".join(f"[{c.get('n')}] {c.get('title')} p. {c.get('page')}" for c in r.cited),
            "Asked": r.asked_at,
            "Generation": r.generation,
        }
        for r in marked
    ]


def week_of(stamp: str) -> str:
    """The Monday (ISO date) of the week of an ISO timestamp."""
    day = dt.date.fromisoformat(stamp[:10])
    return (day - dt.timedelta(days=day.weekday())).isoformat()


def questions_per_week(rows: Sequence[LoggedQuestion]) -> list[dict]:
    """One row per week from the first logged question to the last, weeks without questions included."""
    if not rows:
        return []
    weeks = Counter(week_of(r.asked_at) for r in rows)
    refused = Counter(week_of(r.asked_at) for r in rows if r.abstained)
    helpful = Counter(week_of(r.asked_at) for r in rows if r.rating == THUMBS_UP)
    wrong = Counter(week_of(r.asked_at) for r in rows if r.rating == THUMBS_DOWN)
    first, last = dt.date.fromisoformat(min(weeks)), dt.date.fromisoformat(max(weeks))
    out = []
    while first <= last:
        week = first.isoformat()
        out.append(
            {
                "Week of": week,
                "Questions": weeks[week],
                "Refused": refused[week],
                "Marked helpful": helpful[week],
                "Marked wrong": wrong[week],
            }
        )
        first += dt.timedelta(days=7)
    return out


def all_questions(rows: Sequence[LoggedQuestion]) -> list[dict]:
    """Every logged question with its outcome and feedback, newest first (the full export)."""
    return [
        {
            "Asked": r.asked_at,
            "Question": r.question,
            "Understood as": r.resolved_question,
            "Refused": r.abstained,
            "Why not answered": _label(r.reason_category),
            "Technical reason": r.abstain_reason,
            "Answer": r.answer,
            "Rating": {THUMBS_UP: "helpful", THUMBS_DOWN: "wrong"}.get(r.rating),
            "Comment": r.comment,
            "Generation": r.generation,
        }
        for r in sorted(rows, key=lambda r: (r.asked_at, r.id), reverse=True)
    ]


def report(rows: Sequence[LoggedQuestion], name: str) -> list[dict]:
    """One of :data:`REPORTS` by name."""
    builders = {
        "refused": refused_questions,
        "wrong": wrong_answers,
        "weekly": questions_per_week,
        "questions": all_questions,
    }
    if name not in builders:
        raise ValueError(f"unknown report {name!r} (use one of {', '.join(REPORTS)})")
    return builders[name](rows)
