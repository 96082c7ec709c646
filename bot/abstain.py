"""When to say "the documents do not answer this", and what to show instead.

The decision uses calibrated thresholds from settings (``abstain_*``, chosen with
``bench/calibrate_abstention.py`` on the evaluation set) over general evidence signals. It must never
look at the wording of particular questions.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.asked import (
    KIND_WORDS,
    STRICT_KINDS,
    elements_in,
    gives_cause,
    gives_extreme,
    says_present,
    years_in,
)
from bot.evidence import Candidate, Evidence, quoted_sentences
from bot.refusal import DISCLAIMED, NO_RELEVANT_PASSAGE, NOT_STATED
from bot.types import ABSTAIN_TEXT, Answer, Passage
from icgg.settings import Settings
from index.store import DocumentRecord

NO_PASSAGES = "no passage was retrieved"
NO_VERIFIED_QUOTE = "no sentence could be quoted verbatim from its page"
# How the refusal reasons below read to a reader (bot.refusal words each category): these say nothing
# retrieved is about the question, the disclaimer that a document says it does not cover it, and every
# other reason that the passages are on the topic but do not give what is asked.
_DISCLAIMER = "a matching passage says the documents do not cover this"
_OFF_TOPIC = (
    NO_PASSAGES,
    "no quotable sentence",
    "best sentence score",
    "best sentence cosine",
    "numbers of the question found",
    "question terms covered",
    "names/numbers covered",
)


def reason_category(reason: str | None) -> str | None:
    """The coarse kind (:data:`bot.refusal.CATEGORIES`) of a refusal reason; None when answered."""
    if reason is None:
        return None
    if reason == _DISCLAIMER:
        return DISCLAIMED
    return NO_RELEVANT_PASSAGE if reason.startswith(_OFF_TOPIC) else NOT_STATED


def weak_evidence(
    evidence: Evidence, settings: Settings, quoted: Sequence[Candidate] | None = None
) -> str | None:
    """The reason the evidence is too weak to answer from, or None when it is strong enough.

    ``quoted`` are the sentences the answer would quote (:func:`bot.evidence.quoted_sentences`); computed here
    when the caller has not picked them already.
    """
    if not evidence.candidates:
        return "no quotable sentence in the retrieved passages"
    if evidence.disclaimed:
        return "a matching passage says the documents do not cover this"
    if evidence.best_score < settings.abstain_min_score:
        return f"best sentence score {evidence.best_score:.3f} < {settings.abstain_min_score}"
    if evidence.best_cosine < settings.abstain_min_cosine:
        return f"best sentence cosine {evidence.best_cosine:.3f} < {settings.abstain_min_cosine}"
    if evidence.number_coverage < settings.abstain_min_number_coverage:
        limit = settings.abstain_min_number_coverage
        return f"numbers of the question found {evidence.number_coverage:.3f} < {limit}"
    if evidence.coverage < settings.abstain_min_coverage:
        return f"question terms covered {evidence.coverage:.3f} < {settings.abstain_min_coverage}"
    if evidence.specific_coverage < settings.abstain_min_specific_coverage:
        limit = settings.abstain_min_specific_coverage
        return f"names/numbers covered {evidence.specific_coverage:.3f} < {limit}"
    # The remaining checks judge what the answer would actually quote, not just what was retrieved.
    if quoted is None:
        quoted = quoted_sentences(evidence, settings.answer_max_sentences)
    asked = asked_coverage(evidence, quoted)
    if asked < settings.abstain_min_asked_coverage:
        return (
            f"asked-about words in the quoted sentences {asked:.3f} < {settings.abstain_min_asked_coverage}"
        )
    if settings.abstain_require_answer_type and (reason := unanswered_ask(evidence, quoted)):
        return reason
    if (
        settings.abstain_require_counted
        and evidence.asked_kind == "count"
        and not any(c.on_question_numbers and c.counts_asked for c in quoted)
    ):
        return "the quoted sentences hold numbers, but none counts what the question asks about"
    return None


def unanswered_ask(evidence: Evidence, quoted: Sequence[Candidate]) -> str | None:
    """Why the quoted sentences do not give what the question asks for (``abstain_require_answer_type``):
    a value of the asked kind, the element it is about, the step it asks after as done, a sentence of the
    asked year, a highest or lowest value when one is asked for, more than one person for "the other
    members", what holds now when that is asked, a cause for "why did"; None when they do."""
    kind = evidence.asked_kind
    if kind in STRICT_KINDS and not any(evidence.gives_value(c) for c in quoted):
        where = (
            " (from a passage holding the question's numbers)"
            if any(ch.isdigit() for t in evidence.question_terms for ch in t)
            else ""
        )
        return f"the question asks for {KIND_WORDS[kind]} and the quoted sentences give none{where}"
    if evidence.asked_elements and not evidence.asked_elements & set().union(
        *(elements_in(c.span.text) for c in quoted)
    ):
        return "the question is about a chemical element that none of the quoted sentences names"
    if evidence.asked_event and not any(evidence.states_step(c) for c in quoted):
        return "the question asks whether a step was taken and none of the quoted sentences states it as done"
    if evidence.asked_years and all(
        (years := years_in(c.span.text)) and not years & evidence.asked_years for c in quoted
    ):
        return "the question is about a year that none of the quoted sentences gives; they date other years"
    if evidence.asked_statistic and not any(
        evidence.gives_value(c) and c.tokens & evidence.asked_statistic for c in quoted
    ):
        return "the question asks for a median, mean, detection limit or the like and no quoted value is one"
    if evidence.asked_extreme and not any(
        evidence.gives_value(c) and gives_extreme(c.span.text) for c in quoted
    ):
        return "the question asks for a highest or lowest value and none of the quoted sentences gives one"
    if evidence.asked_others and len(evidence.new_people(quoted)) < 2:
        return "the question asks for the other people of a group and the quoted sentences name at most one"
    if evidence.asked_present and not any(says_present(c.span.text) for c in quoted):
        return "the question asks what holds now and none of the quoted sentences says what does"
    if evidence.asked_cause and not any(gives_cause(c.span.text) for c in quoted):
        return "the question asks why something happened and none of the quoted sentences gives a cause"
    return None


def asked_coverage(evidence: Evidence, quoted: Sequence[Candidate]) -> float:
    """Share of the question's asked-about words (``Evidence.asked_terms``) in the quoted sentences.

    1.0 when the question has none (it consists of names, numbers and request words only).
    """
    if not evidence.asked_terms:
        return 1.0
    found = set().union(*(c.tokens for c in quoted)) if quoted else set()
    return len(evidence.asked_terms & found) / len(evidence.asked_terms)


def nearest_documents(passages: Sequence[Passage], limit: int = 5) -> list[DocumentRecord]:
    """Distinct documents of the top passages, in rank order: where a reader could look next."""
    seen: dict[str, DocumentRecord] = {}
    for p in passages:
        seen.setdefault(p.document.doc_id, p.document)
        if len(seen) >= limit:
            break
    return list(seen.values())


def abstention(
    question: str, passages: Sequence[Passage], reason: str, backend: str = "extractive", **extra
) -> Answer:
    """The abstaining answer: fixed text, no citations, passages kept, nearest documents listed, and the
    reason (shown to staff and in ``--json``, so a refusal can be checked rather than guessed at)."""
    return Answer(
        question=question,
        text=ABSTAIN_TEXT,
        abstained=True,
        passages=list(passages),
        nearest_documents=nearest_documents(passages),
        backend=backend,
        abstain_reason=reason,
        reason_category=reason_category(reason),
        **extra,
    )
