"""Scores the sentences of retrieved passages against a question and measures how strong the evidence is.

Used by the extractive answerer to pick sentences and by both answerers to decide whether to abstain.
Every signal is general (embedding similarity, stemmed-token overlap, and what :mod:`bot.asked` reads in
the question and the sentences); there are no keyword lists tuned to particular questions, and this
module never composes answer text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np

from bot.asked import (
    REQUEST_WORDS,
    STRICT_KINDS,
    about_another,
    acronyms_in,
    answer_type,
    asked_statistic,
    asked_terms,
    asks_cause,
    asks_extreme,
    asks_other_people,
    asks_planned,
    asks_present,
    body_country,
    carries_answer_type,
    gives_cause,
    gives_firm_cause,
    matches_type,
    mentions_event,
    new_numbers,
    numbered_names,
    passage_text,
    people_in,
    person_names,
    polar_event,
    question_elements,
    question_values,
    specific_terms,
    states_event,
    terms_of,
    word_vocabulary,
    years_in,
)
from bot.counting import CountedMatcher, words_after_numbers
from bot.countries import (
    about_other_countries,
    asks_about_others,
    countries_asked,
    countries_in,
    country_forms,
    mentions_country,
)
from bot.normalise import normalise_question
from bot.sentences import PageLocator, SentenceSpan, passage_sentences
from bot.types import Passage
from bot.vectors import QUERY_VECTORS, VectorLRU, model_of
from index.bm25 import tokenize
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
# Words that name the same part in a group's work: "who was heading the mission" / "the team was led by".
_SAME_ROLE = {"head": "lead", "lead": "head"}
# Words of the wh-phrase itself ("which year", "how many", "what date"): they say how a question asks.
_ASK_WORDS = frozenset(tokenize("year years date dates day days month months many much number"))
NEARBY_CHUNKS = 1  # chunks on each side of a retrieved one that may complete a pick
MAX_NEARBY = 6  # of them at most, for the best passages first
MAX_RESERVE = 24  # their sentences at most
SENTENCE_CACHE_SIZE = 50_000

# A document saying that it does not hold some information ("... are not covered by this report").
_DISCLAIMER = re.compile(
    r"\b(not (been )?(covered|described|reported|given|known|stated|included|recorded|disclosed|available|"
    r"published|listed|named)|(does|do|did) not (report|describe|cover|give|say|state|include|record|mention|"
    r"list|name)|none is (stated|given|known)|no (information|details|figures) (is|are|was|were)|"
    r"beyond the scope)\b",
    re.I,
)


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
    # It does not name only countries other than those the question asks about ("22 Chinese and Lao staff"
    # for a question on Nigeria; the host country aside): neither a value nor a step it states is theirs.
    on_asked_country: bool = True
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
    # the step a yes/no question asks about ("did Nepal sign ...": {"sign"}), polar_event() of the question
    asked_event: frozenset[str] = frozenset()
    asked_years: frozenset[str] = frozenset()  # years_in() the question
    asked_cause: bool = False  # asks_cause(): "why did X happen"
    asked_extreme: bool = False  # asks_extreme(): "the highest gold value"
    asked_present: bool = False  # asks_present(): "who is the director now"
    asked_planned: bool = False  # asks_planned(): "when will the maps be finished" (a plan answers it)
    asked_statistic: frozenset[str] = frozenset()  # asked_statistic(): "detection limit" is not a median
    asked_others: bool = False  # asks_other_people(): "the other members of the delegation"
    # the country whose institutions are asked for ("which Peruvian institution"), body_country()
    body_country: str | None = None
    # Chunks next to the retrieved ones in the same document: where the value a pick lacks often sits
    # ("## Participants" under the workshop's opening chunk). Their sentences never enter the retrieval-level
    # signals (scores, coverage); they can only complete a pick (quoted_sentences) with the value the
    # typed-answer check asks for. Found and scored only when a pick needs them.
    find_nearby: Callable[[], tuple[list[Candidate], dict[int, frozenset[int]]]] | None = field(
        default=None, compare=False, repr=False
    )

    @cached_property
    def _nearby(self) -> tuple[list[Candidate], dict[int, frozenset[int]]]:
        return self.find_nearby() if self.find_nearby else ([], {})

    @property
    def reserve(self) -> list[Candidate]:
        """Sentences of the nearby chunks, best first."""
        return self._nearby[0]

    @property
    def next_to(self) -> dict[int, frozenset[int]]:
        """Passage rank of each nearby chunk -> ranks of the retrieved passages it is next to."""
        return self._nearby[1]

    def states_step(self, c: Candidate) -> bool:
        """Does the candidate state the asked step as done (``states_event``; for a step still to come, a plan
        will do), about what was asked: with another asked-about word besides the verb ("signed" alone may be
        about another agreement), and not of another country ("Cambodia signed" for "when did Iran sign")?"""
        about = self.asked_terms - self.asked_event
        stated = (mentions_event if self.asked_planned else states_event)(c.span.text, self.asked_event)
        return c.on_asked_country and stated and (not about or bool(c.tokens & about))

    def new_people(self, quoted: Sequence[Candidate]) -> set[str]:
        """The people the ``quoted`` sentences name that the question does not, from passages on its
        numbers."""
        return {
            name
            for c in quoted
            if c.on_question_numbers
            for name in person_names(c.span.text, self.people)
            if not set(tokenize(name)) & self.known_values
        }

    def gives_value(self, c: Candidate) -> bool:
        """Does the candidate give a value of the asked kind, from a passage on the question's numbers?"""
        return c.on_question_numbers and carries_answer_type(
            self.asked_kind, c.span.text, self.known_values, self.people, self.body_country
        )


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


def nearby_chunks(
    top: Sequence[Passage], index: SearchIndex, after_rank: int
) -> list[tuple[Passage, frozenset[int]]]:
    """The chunks next to the ``top`` ones (``NEARBY_CHUNKS`` each side) in the same document, not retrieved
    themselves, as passages ranked from ``after_rank + 1`` on (no retrieved passage has such a rank), each
    with the ranks of the retrieved passages it is next to. Rows of a document are consecutive in chunk
    order (``index.builder`` numbers them so)."""
    retrieved = {p.chunk.row for p in top}
    found: dict[int, Passage] = {}
    next_to: dict[int, set[int]] = {}
    for p in top:
        for row in range(p.chunk.row - NEARBY_CHUNKS, p.chunk.row + NEARBY_CHUNKS + 1):
            if row in retrieved or not 0 <= row < len(index):
                continue
            if row not in found:
                chunk = index.chunk(row)
                if chunk.doc_id != p.chunk.doc_id or len(found) >= MAX_NEARBY:
                    continue
                rank = after_rank + len(found) + 1
                found[row] = Passage(rank=rank, score=0.0, chunk=chunk, document=p.document)
            next_to.setdefault(row, set()).add(p.rank)
    return [(found[row], frozenset(next_to[row])) for row in found]


_ORDINAL = re.compile(r"(\d+)(?:st|nd|rd|th)")


def _passage_terms(text: str) -> frozenset[str]:
    """The terms of a passage, as a question may write them too: an ordinal's number ("10th anniversary"
    for "10 year"), and the countries it names also by name and adjective ("Survey of Australia" for "the
    Australian survey")."""
    terms = terms_of(text)
    ordinals = {m.group(1) for t in terms if (m := _ORDINAL.fullmatch(t))}
    forms = {w for c in countries_in(text) for form in country_forms(c) for w in tokenize(form)}
    return terms | ordinals | forms


def _dated_terms(p: Passage, terms: frozenset[str]) -> frozenset[str]:
    """A passage's terms (``terms``) and its document's date: a news item dated 2018 is about 2018 without
    saying so."""
    return terms | frozenset(tokenize(p.document.date or ""))


def _quotable_spans(passages: Sequence[Passage], pages: PageLocator) -> list[SentenceSpan]:
    spans = []
    for p in passages:
        for s in passage_sentences(p, pages):
            s = trim_markup(s)
            if is_quotable(s.text):
                spans.append(s)
    return spans


def gather(
    question: str,
    passages: Sequence[Passage],
    index: SearchIndex,
    embedder: Embedder,
    max_passages: int,
    nearby: bool = True,
    home_country: str = "",
) -> Evidence:
    """Score the quotable sentences of the top ``max_passages`` passages (one embedding call).

    With ``nearby``, the chunks next to them may later complete a pick (``Evidence.reserve``); an answerer
    that shows its model only the retrieved passages (``bot.llm``) turns that off. A sentence naming only
    countries other than those asked about gives no value for them, ``home_country`` (``Settings``) aside.
    """
    question = normalise_question(question)
    top = list(passages[:max_passages])
    pages = PageLocator(index)
    spans = _quotable_spans(top, pages)
    terms = terms_of(question) - REQUEST_WORDS
    special = specific_terms(question) & terms
    weights = term_weights(question, index)
    passage_tokens = [_passage_terms(passage_text(p)) for p in top]
    tokens_of_passage = {p.rank: _dated_terms(p, t) for p, t in zip(top, passage_tokens, strict=True)}
    # A passage that names none of the countries asked about ("how many samples has the Nigeria project
    # collected" against the Laos report), or a sentence that names only others ("22 Chinese and Lao staff
    # collected ..." in a review of both), gives no value for it, unless other countries are what is asked.
    kind = answer_type(question)
    # ("how many foreign and how many Chinese trainees": other countries are asked about too)
    others = kind == "countries" or asks_about_others(question)
    asked_countries = [] if others else countries_asked(question)

    def off_country_of(ps: Sequence[Passage]) -> set[int]:
        return {p.rank for p in ps if not all(mentions_country(passage_text(p), c) for c in asked_countries)}

    off_country = off_country_of(top)
    # Evidence should sit in one place: the best single passage's share of the question, not the union.
    coverage = max((_overlap(terms, t, weights) for t in passage_tokens), default=0.0) if terms else 0.0
    # numbers as such ("2016", "200000"); a code mixing letters ("c2" for category 2, "km2") is a name
    numbers = frozenset(t for t in terms if t.isdigit())
    number_coverage = 1.0
    if numbers:
        number_coverage = max((_overlap(numbers, t, {}) for t in passage_tokens), default=0.0)
    specific_coverage = 1.0
    if special:
        specific_coverage = max((_overlap(special, t, {}) for t in passage_tokens), default=0.0)

    def prerank(s: SentenceSpan) -> float:  # cheap, before embedding: overlap with the question, then rank
        return -(_overlap(terms, terms_of(s.text), weights) - 0.05 * s.passage_rank)

    if len(spans) > MAX_CANDIDATES:  # keep embedding cost bounded
        spans = sorted(spans, key=prerank)[:MAX_CANDIDATES]
    qv, sv = _SENTENCE_VECTORS.embed(embedder, question, [s.text for s in spans], index)
    cosines = sv @ qv if len(spans) else np.zeros(0, dtype=np.float32)

    best_in_passage: dict[int, float] = {}
    for s, c in zip(spans, cosines, strict=True):
        best_in_passage[s.passage_rank] = max(best_in_passage.get(s.passage_rank, -1.0), float(c))
    passage_cos = {
        p.rank: float(p.dense_score) if p.dense_score is not None else best_in_passage.get(p.rank, 0.0)
        for p in top
    }

    named = numbered_names(question)
    # "the copper baseline" is not given by a sentence on the chromium baseline (unless other elements
    # are what is asked for)
    asked_elements = question_elements(question) if kind != "elements" else frozenset()
    people = people_in(top, word_vocabulary(embedder)) if kind == "role" else frozenset()

    def scored(
        span_list: list[SentenceSpan],
        cos: np.ndarray,
        vectors: np.ndarray,
        passage_terms: dict[int, frozenset[str]],
        off: set[int],
    ) -> list[Candidate]:
        return [
            score_one(s, float(c), v, passage_terms, off)
            for s, c, v in zip(span_list, cos, vectors, strict=True)
        ]

    def score_one(
        s: SentenceSpan, c: float, v: np.ndarray, passage_terms: dict[int, frozenset[str]], off: set[int]
    ) -> Candidate:
        tokens = terms_of(s.text)
        lexical = _overlap(terms, tokens, weights) if terms else 0.0
        spec = _overlap(special, tokens, {}) if special else 0.0
        score = (
            W_SENTENCE_COS * c
            + W_PASSAGE_COS * passage_cos.get(s.passage_rank, 0.0)
            + W_LEXICAL * lexical
            + W_SPECIFIC * spec
            + (
                (W_COUNTED if kind == "role" else W_ANSWER_TYPE)
                if matches_type(kind, s.text, people)
                else 0.0
            )
            - RANK_PENALTY * (s.passage_rank - 1)
        )
        other = about_another(s.text, named, asked_elements)
        if other:
            score -= W_OTHER_INSTANCE
        on_country = not about_other_countries(s.text, asked_countries, home_country)
        on_numbers = (
            numbers <= passage_terms.get(s.passage_rank, frozenset())
            and not other
            and s.passage_rank not in off
            and on_country
        )
        return Candidate(s, c, lexical, spec, score, tokens, v, on_numbers, on_country)

    candidates = scored(spans, cosines, sv, tokens_of_passage, off_country)
    known = question_values(question)
    if kind == "countries" and home_country:  # "the China Geological Survey held it" lists no partner
        known |= frozenset(tokenize(home_country))
    if kind == "count":
        candidates = _judge_counted(question, embedder, candidates, known)
    candidates.sort(key=lambda c: -c.score)

    def find_nearby() -> tuple[list[Candidate], dict[int, frozenset[int]]]:
        """Candidates from the chunks next to the retrieved ones (scored like the others, on demand)."""
        found = nearby_chunks(top, index, after_rank=max((p.rank for p in passages), default=0))
        near = [p for p, _ in found]
        near_spans = sorted(_quotable_spans(near, pages), key=prerank)[:MAX_RESERVE]
        if not near_spans:
            return [], {}
        _, vectors = _SENTENCE_VECTORS.embed(embedder, question, [s.text for s in near_spans], index)
        near_terms = {p.rank: _dated_terms(p, _passage_terms(passage_text(p))) for p in near}
        reserve = scored(near_spans, vectors @ qv, vectors, near_terms, off_country_of(near))
        if kind == "count":
            reserve = _judge_counted(question, embedder, reserve, known)
        return sorted(reserve, key=lambda c: -c.score), {p.rank: ranks for p, ranks in found}

    disclaimed = any(
        c.lexical >= DISCLAIMER_MIN_OVERLAP and _DISCLAIMER.search(c.span.text) for c in candidates
    )
    return Evidence(
        candidates=candidates,
        find_nearby=find_nearby if nearby else None,
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
        asked_event=polar_event(question),
        asked_years=years_in(question),
        asked_cause=asks_cause(question),
        asked_extreme=asks_extreme(question, kind),
        asked_present=asks_present(question),
        asked_planned=asks_planned(question),
        asked_statistic=asked_statistic(question, kind),
        asked_others=kind == "role" and asks_other_people(question),
        body_country=body_country(question) if kind == "bodies" else None,
    )


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
        numbers = matcher.own_numbers(text, numbers)
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


def quoted_sentences(evidence: Evidence, max_sentences: int) -> list[Candidate]:
    """The sentences an answer quotes: :func:`select`'s pick, completed when it names the subject but not
    what was asked.

    If the question asks for a kind of value (``STRICT_KINDS``) that no picked sentence gives, or whether
    a step was taken (``Evidence.asked_event``) that no picked sentence states, the best sentence of a
    picked passage that supplies what is missing *and* holds an asked-about word the pick lacks is added
    (replacing the last when the pick is full): "The team was led by Gan Xingping" after "A mission took
    place from 13 to 22 October" for "who was leading the mission". A missing value (not a step) may also
    come from the chunk next to a picked passage (``Evidence.reserve``): "The workshop brought together 20
    participants" under its own heading after the workshop's opening chunk. A sentence naming some other
    person ("received by Dr Hao") does not qualify, so the answer still cannot rest on it. A "why" whose
    pick gives no cause takes the sentence next to a picked one that gives it.
    """
    picked = _complete_value_or_step(evidence, select(evidence.candidates, max_sentences), max_sentences)
    return _complete_cause(evidence, picked, max_sentences)


def _next_to(a: SentenceSpan, b: SentenceSpan) -> bool:
    """Are ``a`` and ``b`` consecutive sentences of one passage (at most a few spaces apart)?"""
    if a.passage_rank != b.passage_rank:
        return False
    first, second = (a, b) if a.chunk_start < b.chunk_start else (b, a)
    return 0 <= second.chunk_start - (first.chunk_start + len(first.text)) <= 3


def _complete_cause(evidence: Evidence, picked: list[Candidate], max_sentences: int) -> list[Candidate]:
    """For "why did X happen", when no picked sentence gives a cause: the sentence right before or after a
    picked one that does ("That congress was postponed because of the pandemic" after "The symposium was
    first planned for IGC 36 in Delhi")."""
    if not picked or not evidence.asked_cause or any(gives_cause(c.span.text) for c in picked):
        return picked
    for c in evidence.candidates:
        if (
            c not in picked
            and gives_firm_cause(c.span.text)
            and any(_next_to(c.span, p.span) for p in picked)
        ):
            return [*picked[: max_sentences - 1], c]
    return picked


def _complete_value_or_step(
    evidence: Evidence, picked: list[Candidate], max_sentences: int
) -> list[Candidate]:
    """The pick, completed with a sentence giving the value or stating the step it lacks (see
    :func:`quoted_sentences`)."""
    kind = evidence.asked_kind
    typed = kind in STRICT_KINDS
    if not picked or not (typed or evidence.asked_event):
        return picked

    type_ok = not typed or any(evidence.gives_value(c) for c in picked)
    event_ok = not evidence.asked_event or any(evidence.states_step(c) for c in picked)
    if type_ok and event_ok:
        return picked
    missing = (evidence.asked_terms | evidence.asked_event) - frozenset().union(*(c.tokens for c in picked))
    missing -= _ASK_WORDS  # "year" in "in which year" is how it asks, not what it is about
    missing |= {_SAME_ROLE[t] for t in missing if t in _SAME_ROLE}  # "who headed" is answered by "led by"
    ranks = {c.span.passage_rank for c in picked}
    # A nearby chunk may supply a missing value, never a missing step: that a step was taken must be said
    # where the retrieval found the question's subject.
    pool = evidence.candidates if evidence.asked_event else evidence.candidates + evidence.reserve
    for c in sorted(pool, key=lambda c: -c.score):
        if (
            (c.span.passage_rank in ranks or evidence.next_to.get(c.span.passage_rank, frozenset()) & ranks)
            and c.tokens & missing
            and (type_ok or evidence.gives_value(c))
            and (event_ok or evidence.states_step(c))
            and c not in picked
        ):
            return [*picked[: max_sentences - 1], c]
    return picked
