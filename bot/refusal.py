"""What a reader is told when the assistant does not answer: one plain sentence, and what to try next.

The technical reason (``Answer.abstain_reason``: which part refused, with its numbers) is for staff and
the JSON API. Readers get the *kind* of refusal in words, naming the nearest document, so they can judge
whether rephrasing could help. Whatever decides to abstain only names one of the coarse
:data:`CATEGORIES` (the answer-type check gives it in ``Refusal.category``; :func:`reason_category` maps
the reader's and the language model's reasons); the wording lives here and nowhere else, and every
sentence is a message id of the gettext catalogues (``icgg/i18n.py``), given in the reader's language.

Nothing here decides whether to answer, and nothing reads the question's wording.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.types import Passage
from icgg.i18n import N_, translate

NO_RELEVANT_PASSAGE = "no_relevant_passage"  # nothing retrieved is about the question
READER = "reader"  # the reader found no sentence of the passages that states the answer
MISSING_NUMBER = "missing_number"  # on the topic, but none of the quoted sentences gives a number
MISSING_DATE = "missing_date"
MISSING_PLACE = "missing_place"
MISSING_PERSON = "missing_person"
MISSING_ORGANISATION = "missing_organisation"
LLM = "llm"  # the language model read the passages and found no answer it could cite
CATEGORIES = (
    NO_RELEVANT_PASSAGE,
    READER,
    MISSING_NUMBER,
    MISSING_DATE,
    MISSING_PLACE,
    MISSING_PERSON,
    MISSING_ORGANISATION,
    LLM,
)

# For staff reports: what each kind of refusal says about the collection (English, like the reasons).
CATEGORY_LABELS = {
    NO_RELEVANT_PASSAGE: "nothing on this topic",
    READER: "the documents found do not state it",
    MISSING_NUMBER: "on the topic, but no number given",
    MISSING_DATE: "on the topic, but no date given",
    MISSING_PLACE: "on the topic, but no place given",
    MISSING_PERSON: "on the topic, but no person named",
    MISSING_ORGANISATION: "on the topic, but no organisation named",
    LLM: "the language model found no citable answer",
}

# Technical reasons (bot.answer, bot.llm) by how they start, and the kind of refusal each is.
_REASON_PREFIXES = (
    ("no passage was retrieved", NO_RELEVANT_PASSAGE),
    ("no quotable sentence", NO_RELEVANT_PASSAGE),
    ("no sentence of the retrieved passages states the answer", READER),
    ("no sentence could be quoted verbatim", READER),
    ("the language model", LLM),
)

NOTHING_FOUND = N_("I found nothing in the ICGG documents about this.")
NOTHING_CLOSE = N_(
    "I found nothing in the ICGG documents about this; the closest passage, in “{title}”, is about "
    "something else."
)
NOT_STATED = N_("The documents found do not state it. The closest is “{title}”{when}.")
NOT_GIVEN = {
    MISSING_NUMBER: N_(
        "The documents found speak of this but do not give the number you asked for. The closest is "
        "“{title}”{when}."
    ),
    MISSING_DATE: N_(
        "The documents found speak of this but do not give the date you asked for. The closest is "
        "“{title}”{when}."
    ),
    MISSING_PLACE: N_(
        "The documents found speak of this but do not name the place you asked about. The closest is "
        "“{title}”{when}."
    ),
    MISSING_PERSON: N_(
        "The documents found speak of this but do not name the person you asked about. The closest is "
        "“{title}”{when}."
    ),
    MISSING_ORGANISATION: N_(
        "The documents found speak of this but do not name the organisation you asked about. The "
        "closest is “{title}”{when}."
    ),
}
LLM_NONE = N_(
    "The passages found were read and none of them answers this in words that can be cited. The "
    "closest is “{title}”{when}."
)

HINT_OFF_TOPIC = N_(
    "Try the names, places, programmes or years the documents would use, or browse the archive on the "
    "Search page."
)
HINT_ON_TOPIC = N_(
    "Open the nearest passages below to read what they do say, or rephrase the question with the words "
    "they use."
)


def reason_category(reason: str | None) -> str | None:
    """The kind (:data:`CATEGORIES`) of a technical refusal reason that came without one; None when
    answered. An unknown reason counts as the reader's: the passages found do not state it."""
    if reason is None:
        return None
    for prefix, category in _REASON_PREFIXES:
        if reason.startswith(prefix):
            return category
    return READER


def refusal_text(passages: Sequence[Passage], category: str | None, language: str | None = "en") -> str:
    """The sentence a reader of ``language`` sees instead of an answer, naming the nearest document."""
    nearest = min(passages, key=lambda p: p.rank) if passages else None
    if nearest is None:
        return translate(NOTHING_FOUND, language)
    title = " ".join(nearest.document.title.split())
    when = f" ({nearest.document.date})" if nearest.document.date else ""
    if category in NOT_GIVEN:
        template = NOT_GIVEN[category]
    elif category == LLM:
        template = LLM_NONE
    elif category == READER:
        template = NOT_STATED
    else:
        return translate(NOTHING_CLOSE, language).format(title=title)
    return translate(template, language).format(title=title, when=when)


def rephrase_hint(category: str | None, language: str | None = "en") -> str:
    """What to try next, for a refusal of ``category``, in ``language``."""
    off_topic = category in (None, NO_RELEVANT_PASSAGE)
    return translate(HINT_OFF_TOPIC if off_topic else HINT_ON_TOPIC, language)
