"""Does a sentence count what a "how many" question asks about?

"How many people work at IGGE?" is not answered by "IGGE combines 16 complementary analytical methods":
the sentence holds a count, but of methods. English puts the counted thing right after the number ("76
baseline maps", "22 Chinese and Lao staff", "135 of 355 international programmes"), so a sentence counts
the asked thing when one of the words after one of its numbers is, or means, one of the words after "how
many". Meaning is judged with the embedding model on single words ("labs" and "laboratories"), with exact
stems checked first so most questions need no model call. This module only judges; it never picks or
writes answer text, and it looks at no particular question's wording.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from bot.countries import asks_about_others, countries_asked, listed_countries
from bot.vectors import word_vectors
from index.bm25 import STOPWORDS, tokenize
from index.embeddings import Embedder

# "how many [of the] <counted words>" / "what number of <counted words>"
_HOW_MANY = re.compile(
    r"\b(?:how many|(?<!\ba )number of)\s+(?:of\s+(?:the|these|those|them|its|their)\s+)?([^?.,;:!()]*)", re.I
)
_WORD = re.compile(r"[A-Za-z][A-Za-z-]*")
_BE = frozenset({"is", "are", "was", "were"})
_PLURAL = re.compile(r"[a-z]+(?<!s)s|[a-z]*men|people")
COUNTED_WORDS = 3  # words after "how many" that may name the counted thing ("sampling points")
WORDS_AFTER_NUMBER = 3  # words of the noun phrase after a number that may name what it counts
_JOINING = frozenset({"and", "or"})  # "22 Chinese and Lao staff": one noun phrase
WORD_SIMILARITY = 0.6  # single-word cosine above which two words name the same thing ("labs", "laboratories")
# "27 participants from 11 countries": a count over several countries, not of those from one of them.
_FROM_COUNTRIES = re.compile(
    r"^[^.;:!?]{0,60}?\bfrom\s+(?:\d+|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|several|many|"
    r"different|various)\s+countries\b",
    re.I,
)
_FROM = re.compile(r"^[^.;:!?]{0,60}?\bfrom\s+([^.;:!?]*)")


def _over_countries(tail: str) -> bool:
    """Is the count whose noun phrase starts ``tail`` one over several countries: "from 11 countries",
    "from Argentina, Cambodia and Ethiopia"?"""
    if _FROM_COUNTRIES.match(tail):
        return True
    m = _FROM.match(tail)
    return bool(m) and len(set(listed_countries(m.group(1)))) >= 2


# "How many people": answered by a count of any kind of people ("a five-member delegation", "64 trainees").
_PEOPLE = frozenset(tokenize("people persons person individuals"))
_KINDS_OF_PEOPLE = frozenset(
    tokenize(
        "members participants trainees delegates staff experts scientists geologists geochemists students "
        "professionals researchers officials representatives visitors attendees lecturers engineers "
        "technicians employees colleagues specialists guests speakers men women"
    )
)


def counted_words(question: str) -> tuple[str, ...]:
    """The words after "how many" (or "number of") up to the first stop word, names skipped: what the
    question counts.

    Empty when the question has no "how many" or it is followed by no content word ("how many of them
    are ..."): then nothing can be checked.
    """
    m = _HOW_MANY.search(question)
    if not m:
        return ()
    tail = _WORD.findall(m.group(1).replace("'s ", " ").replace("’s ", " "))
    # "how many (of them) were women": the plural noun after the verb, not a participle ("how many were
    # trained", "were taken")
    if len(tail) > 1 and tail[0].lower() in _BE and _PLURAL.fullmatch(tail[1].lower()):
        tail = tail[1:]
    words: list[str] = []
    for w in tail:
        if w.lower() in STOPWORDS:
            break
        if len(w) > 1 and w.isupper():
            continue  # an acronym ("how many UNESCO centres") names whose things, not the things
        words.append(w.lower())
        if len(words) == COUNTED_WORDS:
            break
    return tuple(words)


def words_after_numbers(text: str, numbers: Sequence[re.Match[str]]) -> list[str]:
    """The noun phrase (lower case) right after each number match in ``text``: what the number counts.

    The phrase is at most ``WORDS_AFTER_NUMBER`` words and ends at the first stop word other than
    "and"/"or": in "the two sides completed pilot sampling" two counts sides, not sampling, and in
    "18 trainees from Ethiopia" 18 counts trainees. A following number does not end it ("5 or 8 random
    points"): its own phrase is read from there.
    """
    out: list[str] = []
    for m in numbers:
        tail = re.split(r"[.,;:!?()]", text[m.end() : m.end() + 80], maxsplit=1)[0]
        phrase: list[str] = []
        for token in re.findall(r"[A-Za-z][A-Za-z-]*|\d[\d,.]*", tail):
            word = token.lower()
            if word[0].isdigit() or word in _JOINING:
                continue
            if word in STOPWORDS or len(phrase) == WORDS_AFTER_NUMBER:
                break
            phrase.append(word)
        out.extend(phrase)
    return out


class CountedMatcher:
    """Decides, for one question, which sentences count what it asks about (word vectors come from the
    process-wide cache in :mod:`bot.vectors`)."""

    def __init__(self, question: str, embedder: Embedder):
        self.words = counted_words(question)
        self.stems = frozenset(t for w in self.words for t in tokenize(w))
        self._embedder = embedder
        # "how many trainees came from Ethiopia": a count of one country's share (a question naming several
        # countries names a group: "the trainees from Argentina, Jordan, Ethiopia etc")
        self.per_country = len(countries_asked(question)) == 1 and not asks_about_others(question)

    def own_numbers(self, text: str, numbers: Sequence[re.Match[str]]) -> list[re.Match[str]]:
        """The numbers of ``text`` that may count what is asked: for a question about one country's share,
        not a total over several countries ("18 trainees from seven countries" for "how many from
        Ethiopia")."""
        if not self.per_country:
            return list(numbers)
        return [m for m in numbers if not _over_countries(text[m.end() :])]

    @property
    def active(self) -> bool:
        return bool(self.stems)

    def matches(self, following: Sequence[str]) -> bool:
        """Do the words after a sentence's numbers (``words_after_numbers``) name the counted thing?"""
        if not self.active:
            return True
        found = sorted(set(following))
        if not found:
            return False
        stems = {t for w in found for t in tokenize(w)}
        if self.stems & stems or (self.stems & _PEOPLE and stems & (_KINDS_OF_PEOPLE | _PEOPLE)):
            return True
        vectors = word_vectors(self._embedder, [*self.words, *found])  # cached across questions
        asked = np.vstack([vectors[w] for w in self.words])
        seen = np.vstack([vectors[w] for w in found])
        return bool((seen @ asked.T).max() >= WORD_SIMILARITY)
