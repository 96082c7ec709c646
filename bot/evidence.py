"""Scores the sentences of retrieved passages against a question and measures how strong the evidence is.

Used by the extractive answerer to pick sentences and by both answerers to decide whether to abstain.
Every signal is general (embedding similarity, stemmed-token overlap, the question's answer type);
there are no keyword lists tuned to particular questions, and this module never composes answer text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cache

import numpy as np

from bot.counting import CountedMatcher, words_after_numbers
from bot.countries import country_names, mentions_country
from bot.sentences import PageLocator, SentenceSpan, passage_sentences
from bot.types import Passage
from bot.vectors import QUERY_VECTORS, VectorLRU, model_of
from index.bm25 import STOPWORDS, tokenize
from index.embeddings import Embedder
from index.store import SearchIndex
from ingest.sentences import is_quotable, markup_prefix

# Scoring weights: cosine carries the meaning, lexical overlap anchors names and numbers, the answer-type
# bonus prefers sentences that contain the kind of thing asked for (a date for "when", a number for
# "how many"), and the rank prior prefers what retrieval ranked higher when two sentences are close.
W_SENTENCE_COS = 0.75
W_PASSAGE_COS = 0.25
W_LEXICAL = 0.35
W_SPECIFIC = 0.15
W_ANSWER_TYPE = 0.06
W_COUNTED = 0.1  # "how many X": one of the sentence's numbers counts X (bot.counting)
W_OTHER_INSTANCE = 0.3  # penalty: the sentence names "IGCP 259" where "IGCP 360" was asked
COUNTED_CHECKED = 12
RANK_PENALTY = 0.015

DISCLAIMER_MIN_OVERLAP = 0.4  # a disclaimer counts only when it is about the question's terms
MAX_CANDIDATES = 48
SENTENCE_CACHE_SIZE = 50_000

_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_MONTH = re.compile(
    r"\b(Jan(uary)?|Feb(ruary)?|Mar(ch)?|Apr(il)?|May|June?|July?|Aug(ust)?|Sep(t(ember)?)?|"
    r"Oct(ober)?|Nov(ember)?|Dec(ember)?)\b"
)
_WEEKDAY = re.compile(r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b")
_NAME = re.compile(r"\b[A-Z][a-z]+(?:[- ][A-Z][a-z]+)+\b")
# A document saying that it does not hold some information ("... are not covered by this report").
_DISCLAIMER = re.compile(
    r"\b(not (been )?(covered|described|reported|given|known|stated|included|recorded|disclosed|available|"
    r"published|listed|named)|(does|do|did) not (report|describe|cover|give|say|state|include|record|mention|"
    r"list|name)|none is (stated|given|known)|no (information|details|figures) (is|are|was|were)|"
    r"beyond the scope)\b",
    re.I,
)
_WORD_CASED = re.compile(r"\b[^\W\d_][\w]*")
# An institution's name: capitalised words around the noun that names its kind ("China Geological
# Survey", "University of Cambridge", "National Research Center for Geoanalysis").
_INSTITUTION = re.compile(
    r"(?:\b[A-Z][\w'’-]*\s+){0,5}(?:Universit(?:y|ies)|Institut(?:e|es|ion)|Survey|Cent(?:re|er)s?|Academy|"
    r"Ministry|Commission|Committee|Agency|Organi[sz]ation|Union|Association|Society|Council|Office|"
    r"Department|Bureau|Laborator(?:y|ies)|College|School|Foundation|Administration|Service|Directorate)\b"
    r"(?:\s+(?:of|for|on)\s+(?:the\s+)?[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*)?"
    # or in lower case before "of <Name>": "the ministries of Foreign Affairs, Education and Finance"
    r"|\b(?:universit(?:y|ies)|institutes?|ministr(?:y|ies)|agenc(?:y|ies)|departments?|academ(?:y|ies))"
    r"\s+(?:of|for)\s+(?:the\s+)?[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*"
)
_ACRONYM = re.compile(r"\b[A-Z][A-Z0-9&]+\b")
_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-Z][A-Za-z]+|[A-Z]{2,}\w*)")


@dataclass(frozen=True)
class Candidate:
    """A quotable sentence and its scores."""

    span: SentenceSpan
    cosine: float  # sentence vs question
    lexical: float  # share of the question's content terms in the sentence
    specific: float  # share of the question's numbers and names in the sentence
    score: float
    tokens: frozenset[str]
    vector: np.ndarray = field(repr=False, compare=False)
    # Its passage (title, heading, text, document date) holds every number of the question ("2021",
    # "IGCP 259"), and the sentence names no other instance of a numbered name the question asks about
    # ("IGCP 259" for "IGCP 360"): a value quoted from there answers a different question.
    on_question_numbers: bool = True
    # For a "how many" question: one of its numbers is followed by what the question counts
    # (bot.counting); True when that cannot be checked.
    counts_asked: bool = True


@dataclass(frozen=True)
class Evidence:
    """Everything the answerers need: ranked candidates and the signals abstention is decided on."""

    candidates: list[Candidate]  # best first
    best_score: float  # combined score of the best sentence (0 when there is none)
    best_cosine: float  # best sentence cosine
    passage_cosine: float  # best passage cosine (retrieval's dense score, or our estimate)
    coverage: float  # share of the question's content terms found in the top passages
    specific_coverage: float  # share of the question's numbers and names found in the top passages
    number_coverage: float  # share of the question's numbers (years, counts, codes) found in one passage
    question_terms: frozenset[str]
    disclaimed: bool = False  # a top sentence matching the question says the documents lack this
    asked_kind: str | None = None  # answer_type() of the question
    asked_terms: frozenset[str] = frozenset()  # asked_terms() of the question
    known_values: frozenset[str] = frozenset()  # question_values() of the question
    people: frozenset[str] = frozenset()  # people_in() the top passages
    # chemical elements the question is about (not when other elements are what it asks for)
    asked_elements: frozenset[str] = frozenset()


class SentenceVectorCache:
    """Vectors of the sentences being scored, found without a forward pass whenever possible.

    Looked up in this order: a bounded LRU of recently scored sentences (:class:`bot.vectors.VectorLRU`,
    keyed by model name and exact text, so a new model never sees old vectors), then the index generation
    (sentence vectors computed at ingest by ``index.builder``), and only what is still missing goes to the
    model. The question's vector is the one search computed (``bot.vectors.QUERY_VECTORS``); if it is not
    there, it is embedded in the same call as the missing sentences. On an index built with sentence
    vectors, answering makes no forward pass.
    """

    def __init__(self, size: int):
        self.recent = VectorLRU(size)

    def clear(self) -> None:
        self.recent.clear()

    def embed(
        self, embedder: Embedder, question: str, texts: Sequence[str], index: SearchIndex | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(question vector, one row per text of ``texts``)."""
        model = model_of(embedder)
        wanted = list(dict.fromkeys(texts))
        found = self.recent.get_many(model, wanted)
        new = [t for t in wanted if t not in found]  # not recently scored
        missing = new
        stored = getattr(index, "sentence_vectors", None)
        if missing and callable(stored) and getattr(index, "model_name", None) == model:
            found.update(stored(missing))
            missing = [t for t in missing if t not in found]
        qv = QUERY_VECTORS.get(model, question)
        if qv is None or missing:
            fresh = embedder.embed(([question] if qv is None else []) + missing)
            if qv is None:
                qv, fresh = fresh[0], fresh[1:]
                QUERY_VECTORS.put_many(model, [question], [qv])
            found.update(zip(missing, fresh, strict=True))
        self.recent.put_many(model, new, [found[t] for t in new])
        rows = [found[t] for t in texts]
        sentences = np.vstack(rows) if rows else np.zeros((0, len(qv)), dtype=np.float32)
        return qv, sentences


_SENTENCE_VECTORS = SentenceVectorCache(SENTENCE_CACHE_SIZE)


def clear_vector_caches() -> None:
    """Forget every cached query and sentence vector: benchmarks time each question as a first-time one."""
    _SENTENCE_VECTORS.clear()
    QUERY_VECTORS.clear()


# Wh-phrases and the kind of value they ask for. "when" and "who" count only where they open a
# question or a clause: "... when the centre was founded" and "participants who attended" are not asks.
_CLAUSE = r"(?:^|[,;:(\-–]\s*|\b(?:and|or|but|so|also)\s+)"


def _which_of(nouns: str) -> re.Pattern[str]:
    """A "which/what/list/name ... <noun>" ask, up to three words between ("list all 11 countries")."""
    return re.compile(r"\b(?:which|what|list|name)\s+(?:\w+\s+){0,3}?(?:" + nouns + r")\b")


_ASKS: tuple[tuple[str, re.Pattern[str]], ...] = (
    # also keyword queries: "exact date of the handover", "date of signing"
    (
        "day",
        re.compile(
            r"\b(?:what|which)\s+(?:\w+\s+){0,2}?(?:date|day)s?\b|\bon what day\b|\bexact dates?\b|"
            r"^(?:the\s+)?date\s+(?:of|when)\b"
        ),
    ),
    ("year", re.compile(r"\b(?:what|which)\s+(?:\w+\s+){0,2}?years?\b")),
    (
        "date",
        re.compile(
            r"\bsince when\b|\bhow long ago\b|\bwhen\s*\??\s*$|\bwhen\s+(?:did|was|were|is|are|does|do|has|"
            r"have|had|will|would|could|can|should)\b"
        ),
    ),
    ("count", re.compile(r"\bhow (?:many|much)\b|\bwhat (?:number|percentage|share|fraction) of\b")),
    ("measure", re.compile(r"\bhow (?:long|large|big|far|deep|high|wide|old)\b")),
    ("countries", _which_of(r"countr(?:y|ies)|nations?")),
    ("places", _which_of(r"cit(?:y|ies)|towns?|provinces?|continents?|rivers?|regions?")),
    ("universities", _which_of(r"universit(?:y|ies)|colleges?")),
    ("elements", _which_of(r"elements?|metals?")),
    (
        "bodies",
        _which_of(
            r"institutions?|institutes?|organi[sz]ations?|agenc(?:y|ies)|laborator(?:y|ies)|labs?|"
            r"compan(?:y|ies)|ministr(?:y|ies)"
        ),
    ),
    ("person", re.compile(_CLAUSE + r"(?:who|whom|whose)\b")),
    ("place", re.compile(_CLAUSE + r"where\b")),
)
# "Who is the director of ...", "authors of the 2025 paper": an office or authorship, held by a person.
_ROLE = (
    r"(?:director|head|president|chair(?:man|woman|person)?|secretary|minister|leader|author|editor|founder|"
    r"coordinator|manager|chief|deputy|official|representative|signator(?:y|ie)|lecturer|teacher|trainer|"
    r"instructor|speaker|member)s?"
)
_ROLE_ASK = re.compile(
    r"\bwho\s+(?:is|was|are|were|will\s+be|has\s+been)\s+(?:\w+\s+){0,3}?" + _ROLE + r"\b"
    r"|^(?:who\s+)?(?:the\s+)?(?:names?\s+of\s+the\s+)?" + _ROLE + r"(?:\s+of\b|-general\b)"
    r"|\bnames?\s+of\s+the\s+(?:[\w-]+\s+){0,2}?(?:" + _ROLE + r"|persons?|people)\b"
)
# A price, cost or budget asked for: "how much did it cost", "price per sample", "what is the budget".
_MONEY_ASK = re.compile(r"\b(?:price|prices|cost|costs|budget|budgets|fees?|salar(?:y|ies)|tuition)\b")
_MONEY_IN_COUNT = re.compile(r"\b(?:money|fund(?:s|ing|ed)?|spen[dt]|paid|pay|invest(?:ed|ment)?)\b")
_MONEY = re.compile(
    r"(?:[$€£¥]\s?\d|\b\d[\d,.]*\s*(?:million|billion|thousand|m|bn|k)?\s*(?:yuan|RMB|CNY|dollars?|USD|euros?|"
    r"EUR|pounds?|GBP|francs?)\b)",
    re.I,
)
# "What is the copper baseline value", "the median gold content": a quantity, answered with a number.
_QUANTITY_ASK = re.compile(
    r"\bwhat(?:'s|\s+is|\s+was|\s+are|\s+were)\s+(?:the\s+|its\s+|their\s+)?(?:[\w-]+\s+){0,3}?(?:value|"
    r"concentration|content|level|amount|area|size|length|depth|density|rate|percentage|proportion|total|"
    r"limit|median|mean|average)s?\b|^(?:the\s+)?(?:median|mean|average)\b"
)
# Chemical elements by name, and the usual groups: what "which elements" is answered with.
_ELEMENT = re.compile(
    r"\b(?:hydrogen|helium|lithium|beryllium|boron|carbon|nitrogen|oxygen|fluorine|neon|sodium|magnesium|"
    r"aluminium|aluminum|silicon|phosphorus|sulphur|sulfur|chlorine|argon|potassium|calcium|scandium|titanium|"
    r"vanadium|chromium|manganese|iron|cobalt|nickel|copper|zinc|gallium|germanium|arsenic|selenium|bromine|"
    r"krypton|rubidium|strontium|yttrium|zirconium|niobium|molybdenum|technetium|ruthenium|rhodium|palladium|"
    r"silver|cadmium|indium|tin|antimony|tellurium|iodine|xenon|caesium|cesium|barium|lanthanum|cerium|"
    r"praseodymium|neodymium|promethium|samarium|europium|gadolinium|terbium|dysprosium|holmium|erbium|thulium|"
    r"ytterbium|lutetium|hafnium|tantalum|tungsten|rhenium|osmium|iridium|platinum|gold|mercury|thallium|lead|"
    r"bismuth|polonium|astatine|radon|francium|radium|actinium|thorium|protactinium|uranium|neptunium|"
    r"plutonium|rare[- ]earths?|heavy metals|platinum[- ]group|REEs?|PGEs?)\b",
    re.I,
)
_TITLE = re.compile(r"\b(?:Dr|Prof|Professor|Mr|Mrs|Ms|Madam|Sir|Academician)\.?\s+[A-Z][a-z]+")
# Kinds whose value can be recognised reliably in a sentence; abstention requires one of these when it is
# asked for. A "who" may be answered by a person, a body or a country, so it only steers sentence choice.
STRICT_KINDS = frozenset(
    {
        "day",
        "year",
        "date",
        "count",
        "measure",
        "money",
        "countries",
        "places",
        "universities",
        "elements",
        "bodies",
        "role",
    }
)
KIND_WORDS = {
    "day": "a day",
    "year": "a year",
    "date": "a date",
    "count": "a count",
    "measure": "a measure",
    "countries": "country names",
    "places": "place names",
    "universities": "names of universities",
    "elements": "names of chemical elements",
    "money": "an amount of money",
    "bodies": "names of institutions",
    "person": "a person",
    "role": "a person's name",
    "place": "a place",
}
# Words that phrase a request rather than name what is asked ("can you tell me", "pls list").
REQUEST_WORDS = frozenset(
    tokenize(
        "tell know list give name show explain describe find want like need please pls info information "
        "detail details anything something question ask d"
    )
)
_DAY_DATE = re.compile(
    r"\b\d{1,2}(?:st|nd|rd|th)?(?:\s*(?:-|–|to|and)\s*\d{1,2}(?:st|nd|rd|th)?)?\s+"
    + _MONTH.pattern
    + r"|"
    + _MONTH.pattern
    + r"\s+\d{1,2}\b|\b\d{4}-\d{2}-\d{2}\b"
)
_COUNT = re.compile(
    r"\b\d[\d,.]*\b|\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|(?:thir|four|fif|six|"
    r"seven|eigh|nine)teen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|dozens?|hundreds?|"
    r"thousands?|millions?|billions?)\b",
    re.I,
)


def answer_type(question: str) -> str | None:
    """What the question asks for, from its first wh-phrase: day, year, date, count, measure, person,
    place, or None. The first ask decides in a multi-part question ("How long ... and how many ...")."""
    q = question.lower().strip()
    # the earliest ask, and of asks starting together the shortest ("which countries have laboratories"
    # asks for countries, not laboratories)
    found = [(m.start(), m.end(), kind) for kind, pattern in _ASKS if (m := pattern.search(q))]
    kind = min(found)[2] if found else None
    if kind == "place" and any(k == "places" for _, _, k in found):
        kind = "places"  # "where was it held, which city?": the more precise ask
    if kind in (None, "person") and _ROLE_ASK.search(q):
        return "role"  # a "who" that asks who holds an office: answered by a person's name
    if (kind is None and _MONEY_ASK.search(q)) or (
        kind == "count" and (_MONEY_ASK.search(q) or _MONEY_IN_COUNT.search(q))
    ):
        return "money"  # "price per sample", "how much money was spent": an amount with its currency
    if kind is None and _QUANTITY_ASK.search(q):
        return "measure"
    return kind


def question_values(question: str) -> frozenset[str]:
    """Numbers, years, chemical elements, names and the other (stemmed) words of the question: a sentence
    that only repeats them has not answered anything. Names count typed in lower case too ("which
    countries apart from laos"): partners often type that way."""
    numbers = {m.group(0).lower().rstrip(".,") for m in _COUNT.finditer(question)}
    return (
        frozenset(numbers)
        | elements_in(question)
        | capitalised_terms(question, skip_opening_word=False)
        | frozenset(tokenize(question))
    )


# A numbered name in a question: "IGCP 360", "GSD 1-8", "igcp 259" (not "in 2016", "December 2016").
_NUMBERED_NAME = re.compile(r"\b([A-Za-z][A-Za-z'’]+)[\s-]+(\d[\d.]*(?:-\d+)?)\b(?!-[A-Za-z])")


# A capitalised name after a preposition of place: "held in Beijing", "came to Langfang", "at Vientiane".
_AT_PLACE = re.compile(
    r"\b(?:in|at|near|to|from|outside|around)\s+(?:the\s+(?:city|town|province)\s+of\s+)?"
    r"([A-Z][a-z]+(?:[ -][A-Z][a-z]+)*)"
)


def place_names(text: str) -> list[str]:
    """Names of places below a country in ``text``: capitalised names after a preposition of place ("in
    Guilin"), not countries ("in Sweden" does not say which city), months, days or institutions."""
    names = []
    for m in _AT_PLACE.finditer(text):
        name = m.group(1)
        if not (
            _MONTH.match(name) or _WEEKDAY.match(name) or _INSTITUTION.search(name) or country_names(name)
        ):
            names.append(name)
    return names


def numbered_names(question: str) -> dict[str, str]:
    """{name word (lower case): number} for the numbered names of the question ("IGCP 360").

    Years and months are left out: "December 2016" dates something rather than naming it.
    """
    out: dict[str, str] = {}
    for m in _NUMBERED_NAME.finditer(question):
        word, number = m.group(1).lower(), m.group(2)
        if word in STOPWORDS or _MONTH.fullmatch(m.group(1)) or _YEAR.fullmatch(number):
            continue
        out.setdefault(word, number)
    return out


def about_another(text: str, names: dict[str, str], elements: frozenset[str]) -> bool:
    """Is ``text`` about another instance of what the question names: another numbered name
    (:func:`names_another`), or other chemical elements and none of the question's ``elements``
    ("the chromium baseline" for "the copper baseline")?"""
    if names and names_another(text, names):
        return True
    mentioned = elements_in(text) if elements else frozenset()
    return bool(mentioned) and not mentioned & elements


def elements_in(text: str) -> frozenset[str]:
    """Stemmed names of the chemical elements (and element groups) that ``text`` mentions."""
    return frozenset(tokenize(" ".join(m.group(0) for m in _ELEMENT.finditer(text))))


def names_another(text: str, names: dict[str, str]) -> bool:
    """Does ``text`` name another instance of one of the question's numbered names ("IGCP 259" when
    "IGCP 360" was asked) without naming the asked one? Such a sentence is about something else."""
    for m in _NUMBERED_NAME.finditer(text):
        word = m.group(1).lower()
        if (
            word in names
            and m.group(2) != names[word]
            and not re.search(rf"\b{re.escape(m.group(1))}[\s-]+{re.escape(names[word])}\b", text, re.I)
        ):
            return True
    return False


def capitalised_terms(text: str, *, skip_opening_word: bool) -> frozenset[str]:
    """Stemmed tokens of the capitalised words and acronyms of ``text``, also after "Dr." or a full stop.

    With ``skip_opening_word`` the first word is left out unless it is an acronym: a question's first
    word is capitalised by sentence case, not because it is a name.
    """
    words = list(re.finditer(r"\b[A-Z]\w*", text))
    opening = bool(words) and not text[: words[0].start()].strip()
    if skip_opening_word and opening and not re.fullmatch(r"[A-Z][A-Z0-9]+", words[0].group(0)):
        words = words[1:]
    return frozenset(tokenize(" ".join(m.group(0) for m in words)))


def carries_answer_type(
    kind: str | None, text: str, known: frozenset[str] = frozenset(), people: frozenset[str] = frozenset()
) -> bool:
    """Does ``text`` contain a value of the asked kind that the question (``known``) does not already give?

    A count must be a number that is not part of a date; a "when" needs a new year, month or day; a
    "which day" needs a day and month; a "role" needs a person's name, judged with ``proper`` (see
    :func:`person_names`, ``people``). Kinds that cannot be checked this way (None, person, place) pass.
    """
    if kind == "day":
        return bool(_DAY_DATE.search(text))
    if kind == "year":
        return any(y not in known for y in _YEAR.findall(text))
    if kind == "date":
        return bool(_DAY_DATE.search(text) or _MONTH.search(text)) or any(
            y not in known for y in _YEAR.findall(text)
        )
    if kind == "countries":
        return any(not set(tokenize(n)) <= known for n in country_names(text))
    if kind == "places":  # a place's name the question does not already give
        return any(not set(tokenize(n)) <= known for n in place_names(text))
    if kind == "role":  # a person's name the question does not already give
        return any(not set(tokenize(n)) <= known for n in person_names(text, people))
    if kind == "money":
        return bool(_MONEY.search(text))
    if kind == "elements":  # an element the question does not already name
        return any(not set(tokenize(m.group(0))) <= known for m in _ELEMENT.finditer(text))
    if kind == "universities":  # "University of X", "X College": a university's name, not any body's
        names = [
            m.group(0) for m in _INSTITUTION.finditer(text) if re.search(r"Universit|College", m.group(0))
        ]
        return any(not set(tokenize(n)) <= known for n in names)
    if kind == "bodies":  # an institution's name (an acronym, or "... Survey of ...") not in the question
        names = [m.group(0) for m in _INSTITUTION.finditer(text)]
        names += _ACRONYM.findall(text)
        return any(not set(tokenize(n)) <= known for n in names)
    if kind in ("count", "measure"):
        return bool(new_numbers(kind, text, known)[1])
    return True


def new_numbers(kind: str, text: str, known: frozenset[str] = frozenset()) -> tuple[str, list[re.Match[str]]]:
    """(text searched, number matches in it) that the question does not already give.

    For a count, dates and years are blanked first: "in 2016" counts nothing.
    """
    rest = _YEAR.sub(" ", _DAY_DATE.sub(" ", text)) if kind == "count" else text
    return rest, [m for m in _COUNT.finditer(rest) if m.group(0).lower().rstrip(".,") not in known]


def _matches_type(kind: str | None, text: str, people: frozenset[str]) -> bool:
    """Sentence-choice bonus: the sentence holds something of the asked kind (names for who/where)."""
    if kind in STRICT_KINDS:
        return carries_answer_type(kind, text, people=people)
    if kind == "person":
        return bool(_NAME.search(text) or re.search(r"\b(Dr|Prof|Mr|Ms|Mrs)\b", text))
    if kind == "place":
        return bool(_NAME.search(text) or re.search(r"\b[A-Z][a-z]{3,}\b", text[1:]))
    return False


def asked_terms(question: str) -> frozenset[str]:
    """The question's content words that say what is asked (not names or numbers, not request words).

    In "What training courses does the Karst centre offer?" these are training, course, offer: an answer
    that mentions only the Karst centre has found the subject but not what was asked about it.
    """
    names = capitalised_terms(question, skip_opening_word=True)
    return frozenset(tokenize(question)) - specific_terms(question) - names - REQUEST_WORDS


_FULL_NAME = re.compile(r"\b[A-Z][a-z]+(?:[ -][A-Z][a-z]+){1,2}\b")


def person_names(text: str, people: frozenset[str] = frozenset()) -> list[str]:
    """People's names in ``text``: a title and a name ("Dr Peng"), or a word of a name the passages give
    in full (``people``, from :func:`people_in`: "Darnley" once "Arthur Darnley" has been seen)."""
    names = [m.group(0) for m in _TITLE.finditer(text)]
    for word in _WORD_CASED.findall(text):
        tokens = set(tokenize(word))
        if word[0].isupper() and tokens and tokens <= people:
            names.append(word)
    return names


# Capitalised words of titles, offices and places, never part of a person's name here.
_NOT_NAME = frozenset(
    tokenize(
        "director deputy general chief head board executive secretary president chair scientist minister "
        "province city county region river basin desert mountains sea ocean lake island valley plateau"
    )
)


def people_in(passages: Sequence[Passage], vocabulary: frozenset[str] | None = None) -> frozenset[str]:
    """Stemmed words of the people's full names in the passages: two or three capitalised words that the
    passages only ever write capitalised and that name no institution, country, month, office or place
    ("Xie Xuejing", "Shahbaz Khan"; not "Chemical Earth", "Geological Survey", "South Africa").

    With the embedding model's ``vocabulary`` (lower-case whole words), a name also needs a word the
    vocabulary lacks: "Xuejing", "Darnley" are names, "Sino Mongolian" is not.
    """
    texts = [f"{p.document.title}\n{p.chunk.heading}\n{p.chunk.text}" for p in passages]
    capital: set[str] = set()
    other: set[str] = set()
    for text in texts:
        for w in _WORD_CASED.findall(text):
            (capital if w[0].isupper() else other).update(tokenize(w))
    proper = capital - other
    out: set[str] = set()
    for text in texts:
        for m in _FULL_NAME.finditer(text):
            name = m.group(0)
            tokens = set(tokenize(name.replace("-", " ")))
            words = name.replace("-", " ").lower().split()
            if (
                tokens
                and tokens <= proper
                and not tokens & _NOT_NAME
                and (vocabulary is None or any(w not in vocabulary for w in words))
                and not (_INSTITUTION.search(name) or country_names(name) or _MONTH.search(name))
            ):
                out |= tokens
    return frozenset(out)


def acronyms_in(passages: Sequence[Passage]) -> frozenset[str]:
    """Terms the passages write only as acronyms ("ICGG", "RGNR"): names, even when a question types
    them in lower case ("icgg director"), so they never count as what is asked about."""
    upper: set[str] = set()
    other: set[str] = set()
    for p in passages:
        for w in _WORD_CASED.findall(f"{p.document.title}\n{p.chunk.heading}\n{p.chunk.text}"):
            (upper if len(w) > 1 and w.isupper() else other).update(tokenize(w))
    return frozenset(upper - other)


def specific_terms(question: str) -> frozenset[str]:
    """The question's numbers and proper names (capitalised words not opening the question), stemmed."""
    raw = [m.group(0) for m in re.finditer(r"\b\w*\d\w*\b", question)]
    raw += [m.group(1) for m in _CAPITALISED.finditer(question.strip())]
    return frozenset(tokenize(" ".join(raw)))


def trim_markup(span: SentenceSpan) -> SentenceSpan:
    """Drop a leading markdown marker ("- ", "## ") so the quote starts at the words themselves."""
    cut = markup_prefix(span.text)
    if not cut:
        return span
    return SentenceSpan(
        text=span.text[cut:],
        passage_rank=span.passage_rank,
        doc_id=span.doc_id,
        page=span.page,
        chunk_start=span.chunk_start + cut,
        doc_start=span.doc_start + cut,
    )


def term_weights(question: str, index: SearchIndex, cap: int = 2000) -> dict[str, float]:
    """IDF of each question term in this index (Lucene's formula); a term no chunk contains weighs most.

    Document frequency comes from the keyword index itself (rows where the word scores above zero), capped
    at ``cap`` rows so a very common word costs little: such a word weighs little either way.
    """
    n = len(index)
    weights: dict[str, float] = {}
    for word in re.findall(r"\w+", question):
        tokens = tokenize(word)
        if not tokens or tokens[0] in weights:
            continue
        df = len(index.keyword_search(word, min(cap, n))) if n else 0
        weights[tokens[0]] = math.log1p((n - df + 0.5) / (df + 0.5))
    return weights


def _overlap(terms: frozenset[str], tokens: frozenset[str], weights: dict[str, float]) -> float:
    total = sum(weights.get(t, 1.0) for t in terms)
    if not total:
        return 0.0
    return sum(weights.get(t, 1.0) for t in terms if t in tokens) / total


def gather(
    question: str,
    passages: Sequence[Passage],
    index: SearchIndex,
    embedder: Embedder,
    max_passages: int,
) -> Evidence:
    """Score the quotable sentences of the top ``max_passages`` passages (one embedding call)."""
    top = list(passages[:max_passages])
    pages = PageLocator(index)
    spans: list[SentenceSpan] = []
    for p in top:
        for s in passage_sentences(p, pages):
            s = trim_markup(s)
            if is_quotable(s.text):
                spans.append(s)
    terms = frozenset(tokenize(question)) - REQUEST_WORDS
    special = specific_terms(question) & terms
    weights = term_weights(question, index)
    passage_tokens = [
        frozenset(tokenize(f"{p.document.title} {p.chunk.heading} {p.chunk.text}")) for p in top
    ]
    # The document's date counts too: a news item dated 2018 is about 2018 without saying so.
    tokens_of_passage = {
        p.rank: t | frozenset(tokenize(p.document.date or ""))
        for p, t in zip(top, passage_tokens, strict=True)
    }
    # A passage that names none of the countries asked about ("how many samples has the Nigeria project
    # collected" against the Laos report) gives no value for it, unless other countries are what is asked.
    asked_countries = country_names(question, any_case=True) if answer_type(question) != "countries" else []
    off_country = {
        p.rank
        for p in top
        if asked_countries
        and not any(
            mentions_country(f"{p.document.title}\n{p.chunk.heading}\n{p.chunk.text}", c)
            for c in asked_countries
        )
    }
    # Evidence should sit in one place: the best single passage's share of the question, not the union.
    coverage = max((_overlap(terms, t, weights) for t in passage_tokens), default=0.0) if terms else 0.0
    numbers = frozenset(t for t in terms if any(ch.isdigit() for ch in t))
    number_coverage = 1.0
    if numbers:
        number_coverage = max((_overlap(numbers, t, {}) for t in passage_tokens), default=0.0)
    specific_coverage = 1.0
    if special:
        specific_coverage = max((_overlap(special, t, {}) for t in passage_tokens), default=0.0)

    if len(spans) > MAX_CANDIDATES:  # keep embedding cost bounded: cheap pre-ranking by overlap and rank
        spans = sorted(
            spans,
            key=lambda s: -(_overlap(terms, frozenset(tokenize(s.text)), weights) - 0.05 * s.passage_rank),
        )[:MAX_CANDIDATES]
    qv, sv = _SENTENCE_VECTORS.embed(embedder, question, [s.text for s in spans], index)
    cosines = sv @ qv if len(spans) else np.zeros(0, dtype=np.float32)

    best_in_passage: dict[int, float] = {}
    for s, c in zip(spans, cosines, strict=True):
        best_in_passage[s.passage_rank] = max(best_in_passage.get(s.passage_rank, -1.0), float(c))
    passage_cos = {
        p.rank: float(p.dense_score) if p.dense_score is not None else best_in_passage.get(p.rank, 0.0)
        for p in top
    }

    kind = answer_type(question)
    named = numbered_names(question)
    # "the copper baseline" is not given by a sentence on the chromium baseline (unless other elements
    # are what is asked for)
    # ("lead" is left out: in a question it is mostly the verb)
    asked_elements = elements_in(question) - {"lead"} if kind != "elements" else frozenset()
    people = people_in(top, word_vocabulary(embedder)) if kind == "role" else frozenset()
    candidates = []
    for s, c, v in zip(spans, cosines, sv, strict=True):
        tokens = frozenset(tokenize(s.text))
        lexical = _overlap(terms, tokens, weights) if terms else 0.0
        spec = _overlap(special, tokens, {}) if special else 0.0
        score = (
            W_SENTENCE_COS * float(c)
            + W_PASSAGE_COS * passage_cos.get(s.passage_rank, 0.0)
            + W_LEXICAL * lexical
            + W_SPECIFIC * spec
            + (
                (W_COUNTED if kind == "role" else W_ANSWER_TYPE)
                if _matches_type(kind, s.text, people)
                else 0.0
            )
            - RANK_PENALTY * (s.passage_rank - 1)
        )
        other = about_another(s.text, named, asked_elements)
        if other:
            score -= W_OTHER_INSTANCE
        on_numbers = (
            numbers <= tokens_of_passage.get(s.passage_rank, frozenset())
            and not other
            and s.passage_rank not in off_country
        )
        candidates.append(Candidate(s, float(c), lexical, spec, score, tokens, v, on_numbers))
    known = question_values(question)
    if kind == "count":
        candidates = _judge_counted(question, embedder, candidates, known)
    candidates.sort(key=lambda c: -c.score)
    disclaimed = any(
        c.lexical >= DISCLAIMER_MIN_OVERLAP and _DISCLAIMER.search(c.span.text) for c in candidates
    )
    return Evidence(
        candidates=candidates,
        best_score=candidates[0].score if candidates else 0.0,
        best_cosine=max((c.cosine for c in candidates), default=0.0),
        passage_cosine=max(passage_cos.values(), default=0.0),
        coverage=coverage,
        specific_coverage=specific_coverage,
        number_coverage=number_coverage,
        question_terms=terms,
        disclaimed=disclaimed,
        asked_kind=kind,
        asked_terms=asked_terms(question) - acronyms_in(top),
        known_values=known,
        people=people,
        asked_elements=asked_elements,
    )


@cache
def _vocabulary_of(tokenizer) -> frozenset[str]:
    return frozenset(w for w in tokenizer.get_vocab() if w.isalpha())


def word_vocabulary(embedder: Embedder) -> frozenset[str] | None:
    """The whole words of the embedding model's tokenizer (None when it exposes none): common words."""
    tokenizer = getattr(embedder, "tokenizer", None)
    if tokenizer is None or not hasattr(tokenizer, "get_vocab"):
        return None
    return _vocabulary_of(tokenizer)


def _judge_counted(
    question: str, embedder: Embedder, candidates: list[Candidate], known: frozenset[str]
) -> list[Candidate]:
    """Mark which candidates count what a "how many" question asks about, and prefer those.

    Only the best ``COUNTED_CHECKED`` candidates holding a new number are judged (bounded model work);
    the rest cannot get the bonus and are marked as not counting it.
    """
    matcher = CountedMatcher(question, embedder)
    if not matcher.active:
        return candidates
    ranked = sorted(range(len(candidates)), key=lambda i: -candidates[i].score)
    checked = 0
    out = list(candidates)
    for i in ranked:
        c = candidates[i]
        text, numbers = new_numbers("count", c.span.text, known)
        counts = False
        if numbers and checked < COUNTED_CHECKED:
            checked += 1
            counts = matcher.matches(words_after_numbers(text, numbers))
        out[i] = replace(c, counts_asked=counts, score=c.score + (W_COUNTED if counts else 0.0))
    return out


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def select(
    candidates: Sequence[Candidate],
    max_sentences: int,
    relative_floor: float = 0.8,
    duplicate_cosine: float = 0.9,
    duplicate_jaccard: float = 0.6,
    min_novelty: float = 0.4,
) -> list[Candidate]:
    """Greedy pick, best first: skip near duplicates, stop when the score falls well below the best.

    A sentence is also skipped when fewer than ``min_novelty`` of its terms are new relative to the
    sentences already picked: reprints of one fact in several documents ("On 12 May 2016 the agreement
    ... was signed") otherwise fill the answer with the same statement in different words.
    """
    picked: list[Candidate] = []
    covered: set[str] = set()
    for c in candidates:
        if len(picked) >= max_sentences:
            break
        if picked and c.score < relative_floor * picked[0].score:
            break
        if any(
            float(c.vector @ p.vector) > duplicate_cosine or jaccard(c.tokens, p.tokens) > duplicate_jaccard
            for p in picked
        ):
            continue
        if picked and c.tokens and len(c.tokens - covered) / len(c.tokens) < min_novelty:
            continue
        picked.append(c)
        covered |= c.tokens
    return picked
