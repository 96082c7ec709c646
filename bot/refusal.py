"""What a reader is told when the assistant does not answer: one plain sentence, and what to try next.

The technical reason (``Answer.abstain_reason``: which check refused, with its numbers) is for staff and
the JSON API. Readers get the *kind* of refusal in words, naming what the nearest passage is about, so
they can judge whether rephrasing could help. Whatever decides to abstain only has to say which of the
coarse :data:`CATEGORIES` it is; the wording lives here and nowhere else.

The question is read only to say what kind of thing it asked for ("the number you asked for"); nothing
here decides whether to answer. Fixed strings are plain templates, so a translation catalogue can take
them over.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.types import Passage

NO_RELEVANT_PASSAGE = "no_relevant_passage"  # nothing retrieved is about the question
NOT_STATED = "not_stated"  # passages on the topic, but none gives what is asked
DISCLAIMED = "disclaimed"  # a document says itself that it does not cover this
CATEGORIES = (NO_RELEVANT_PASSAGE, NOT_STATED, DISCLAIMED)
# For staff reports: what each kind of refusal says about the collection.
CATEGORY_LABELS = {
    NO_RELEVANT_PASSAGE: "nothing on this topic",
    NOT_STATED: "on the topic, but not stated",
    DISCLAIMED: "the documents say they do not cover it",
}

NOTHING_FOUND = "I found nothing in the ICGG documents about this."
NOTHING_CLOSE = (
    "I found nothing in the ICGG documents about this; the closest passage, in “{title}”, is about "
    "something else."
)
ON_TOPIC_NOT_STATED = "The closest the documents come is “{title}”{when}, which does not {what}."
SAYS_NOT_COVERED = "“{title}”{when} says itself that the documents do not cover this."
WHEN = " ({date})"

HINTS = {
    NO_RELEVANT_PASSAGE: "Try the names, places, programmes or years the documents would use, or browse "
    "the archive on the Search page.",
    NOT_STATED: "Open the nearest passages below to read what they do say, or ask about something they "
    "cover.",
    DISCLAIMED: "Open the nearest passages below to read what the documents say is not covered.",
}

# What a question asks for, in words, by its opening ("how many ..." -> "give the number you asked for").
# Only for wording: first match wins.
_ASKED_FOR: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.I), words)
    for pattern, words in (
        (r"\bhow many\b|\bnumber of\b|\bhow much\b", "give the number you asked for"),
        (r"^\s*(when|(in )?(what|which) (year|date))\b", "give the date you asked for"),
        (r"^\s*(who|whom|whose)\b|\bwho\b", "name the person you asked about"),
        (r"^\s*(where|(in )?which (country|city|place))\b", "name the place you asked about"),
        (r"^\s*why\b", "give the reason you asked for"),
    )
)
WHAT_FALLBACK = "say what you asked"


def asked_for(question: str) -> str:
    """What a passage would have to do to answer ``question``, in words ("give the date you asked for")."""
    for pattern, words in _ASKED_FOR:
        if pattern.search(question):
            return words
    return WHAT_FALLBACK


def refusal_text(question: str, passages: Sequence[Passage], category: str | None) -> str:
    """The sentence a reader sees instead of an answer, naming the nearest passage's document."""
    nearest = min(passages, key=lambda p: p.rank) if passages else None
    if nearest is None:
        return NOTHING_FOUND
    title = " ".join(nearest.document.title.split())
    when = WHEN.format(date=nearest.document.date) if nearest.document.date else ""
    if category == DISCLAIMED:
        return SAYS_NOT_COVERED.format(title=title, when=when)
    if category == NOT_STATED:
        return ON_TOPIC_NOT_STATED.format(title=title, when=when, what=asked_for(question))
    return NOTHING_CLOSE.format(title=title)


def rephrase_hint(category: str | None) -> str:
    """What to try next, for a refusal of ``category``."""
    return HINTS.get(category or NO_RELEVANT_PASSAGE, HINTS[NO_RELEVANT_PASSAGE])
