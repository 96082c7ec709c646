"""Turns a follow-up question into a standalone one, using the previous user turn.

Offline heuristic (always available): a question is a follow-up when it opens with a continuation
("and ...", "what about ...", "how about ..."), or refers back with a pronoun (it, they, this, that, he,
she, there, its, their, ...) while naming nothing of its own. The subject of the previous user question
(its noun phrase after the wh-word and verb, e.g. "the Global Geochemical Reference Network") then
replaces the pronoun, or is appended. With an LLM backend, :func:`condense_with_model` asks the chat
model to rewrite, falling back to the heuristic. Never invents a subject that the history does not hold.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

History = Sequence[tuple[str, str]]  # (role, text), role "user" or "assistant", oldest first

_CONTINUATION = re.compile(
    r"^\s*(and|also|but|so|then|plus)\b[\s,]*|^\s*(and\s+)?(what|how)\s+about\b\s*", re.I
)
_PRONOUN = re.compile(r"\b(it|its|they|them|their|this|that|these|those|he|him|his|she|her|there)\b", re.I)
_PERSONAL = re.compile(r"\b(it|its|they|them|their|he|him|his|she|her|there)\b", re.I)
_ASKS = re.compile(
    r"\b(what|which|who|whom|whose|when|where|why|how|is|are|was|were|do|does|did|has|have|had|can|could|"
    r"will|would)\b",
    re.I,
)
_SUBJECT_PRONOUN = re.compile(r"\b(it|they|this|that|these|those|he|she|them|him)\b", re.I)
_POSSESSIVE = re.compile(r"\b(its|their|his|her)\b", re.I)
_THERE = re.compile(r"\bthere\b", re.I)
_QUESTION_WORD = re.compile(
    r"^\s*(what|which|who|whom|whose|when|where|why|how|is|are|was|were|do|does|did)\b", re.I
)
_WHAT_ABOUT = re.compile(r"^\s*(and\s+)?(what|how)\s+about\b", re.I)
_PREPOSITION = re.compile(r"^(in|at|on|for|during|since|after|before|from|with|by|between)\b", re.I)
_WH_HEAD = re.compile(
    r"^\s*(?:(?:tell me about|describe|explain|what do you know about)\s+|"
    r"(?:(?:what|which|who|whom|whose|when|where|why|how)(?:\s+(?:many|much|long|often|large|big|old))?"
    r"(?:\s+\w+)??\s+)?(?:is|are|was|were|does|do|did|has|have|had|can|could|will|would|should)\s+)",
    re.I,
)
_DEFINITION = re.compile(r"^\s*(what|who)\s+(is|are|was|were)\s+\S", re.I)
_TRAILING_VERB = re.compile(
    r"\s+(?:founded|established|created|signed|held|located|based|launched|published|approved|inaugurated|"
    r"for|about|mean|do|does|cover|contain|include|start|begin|end|run|work|aim|use|used|made|led|headed)\b.*$",
    re.I,
)
_NAME = re.compile(r"\b([A-Z][a-z]+(?:\s+[A-Z][a-z]+)*|[A-Z]{2,}\w*(?:\s+\d+)?)\b")
_FIRST_WORD = re.compile(r"^\s*\S+")
SHORT_WORDS = 4
MAX_PRONOUN_FOLLOWUP_WORDS = 8


def _names(text: str) -> list[str]:
    """Capitalised names and acronyms, ignoring the question's first word (capitalised anyway)."""
    rest = _FIRST_WORD.sub(lambda m: " " * len(m.group(0)), text, count=1)
    return [m.group(1) for m in _NAME.finditer(rest)]


def previous_user_question(history: History) -> str | None:
    for role, text in reversed(list(history)):
        if role == "user" and text.strip():
            return text.strip()
    return None


def subject_of(question: str) -> str | None:
    """The noun phrase a question is about, when its shape makes that clear, else None.

    "What is the GRN?" -> "the GRN"; "When was ICGG founded?" -> "ICGG"; "Tell me about X." -> "X".
    "Which project did Yao launch?" -> None: "it" there means the answer, not a phrase of the question.
    """
    q = question.strip().rstrip("?.! ")
    m = _WH_HEAD.match(q)
    if not m:
        return None
    rest = q[m.end() :]
    if _DEFINITION.match(q) or re.match(
        r"^\s*(tell me about|describe|explain|what do you know about)\b", q, re.I
    ):
        subject = rest
    else:
        cut = _TRAILING_VERB.search(rest)
        if not cut or re.match(r"^\s*(which|what)\s+\w+\s+(did|does|do)\b", q, re.I):
            return None
        subject = rest[: cut.start()]
    subject = subject.strip()
    return subject if subject and len(subject.split()) <= 12 else None


def looks_like_followup(question: str) -> bool:
    """Continuation opener, or a back-reference or very short question that names nothing itself."""
    q = question.strip()
    if _CONTINUATION.match(q):
        return True
    if _PERSONAL.search(q) and len(q.split()) <= MAX_PRONOUN_FOLLOWUP_WORDS:
        return True  # "Which African countries reported there?": a name of its own, still a back-reference
    if _names(q):
        return False
    if _PRONOUN.search(q):
        return True
    return len(q.split()) <= SHORT_WORDS and not _DEFINITION.match(q)


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def resolve_followup(question: str, history: History) -> str:
    """A standalone version of ``question``; unchanged when it is not a follow-up or no history helps."""
    previous = previous_user_question(history)
    if not previous or not looks_like_followup(question):
        return question
    subject = subject_of(previous)
    body = _CONTINUATION.sub("", question.strip(), count=1).strip().rstrip("?.! ")
    if not body:
        return question

    if not _ASKS.search(body):
        # A bare phrase: "what about Laos?" swaps the previous question's last name for the new one;
        # "and the budget?" asks the previous question again about an attribute of its subject.
        names_before = _names(previous)
        if _PREPOSITION.match(body):  # "and in 2019?" narrows the previous question
            return f"{previous.rstrip('?.! ')} {body}?"
        if _NAME.search(body) and names_before:
            old = names_before[-1]
            head, _, tail = previous.rpartition(old)
            return f"{head}{body}{tail}"
        owner = _POSSESSIVE.sub("", body).strip()
        if subject is None:
            return f"{_capitalise(body)}? (follow-up to: {previous})"
        if _WHAT_ABOUT.match(question) and not _POSSESSIVE.search(body) and subject in previous:
            return previous.replace(subject, body, 1)  # "What is X?" + "what about Y?" -> "What is Y?"
        m = _WH_HEAD.match(previous.strip())
        opener = previous.strip()[: m.end()].strip() if m else "What is"
        if _POSSESSIVE.search(body) or owner.lower().startswith(("the ", "a ", "an ")) or owner.islower():
            owner = owner if owner.lower().startswith(("the ", "a ", "an ")) else f"the {owner}"
            return f"{_capitalise(opener)} {owner} of {subject}?"
        return f"{_capitalise(opener)} {body}?"

    if subject is None:
        return f"{_capitalise(body)}? (follow-up to: {previous})"
    if _SUBJECT_PRONOUN.search(body):
        rewritten = _SUBJECT_PRONOUN.sub(subject, body, count=1)
    elif _POSSESSIVE.search(body):
        if len(subject.split()) <= 3:  # "its land cells" -> "the GRN's land cells"
            owner = f"{subject}'" if subject.endswith("s") else f"{subject}'s"
            rewritten = _POSSESSIVE.sub(owner, body, count=1)
        else:  # "his deputy" -> "the deputy of ICGG's Director when the centre opened"
            rewritten = re.sub(
                r"\b(its|their|his|her)\s+(\w+)", rf"the \2 of {subject}", body, count=1, flags=re.I
            )
    elif _THERE.search(body):
        rewritten = _THERE.sub(f"at {subject}", body, count=1)
    else:
        return f"{_capitalise(body)}? (follow-up to: {previous})"
    return f"{_capitalise(rewritten)}?"


CONDENSE_PROMPT = (
    "Rewrite the last question of this conversation as one standalone question that can be understood "
    "without the conversation. Keep its meaning; replace pronouns with what they refer to. Reply with the "
    "question only.\n\nConversation:\n{history}\n\nLast question: {question}\n\nStandalone question:"
)


def condense_with_model(question: str, history: History, model, timeout_s: float) -> str:
    """Ask a chat model for the standalone question; the heuristic result on any failure."""
    fallback = resolve_followup(question, history)
    if not history or not looks_like_followup(question):
        return question
    turns = "\n".join(f"{role}: {' '.join(text.split())[:500]}" for role, text in list(history)[-6:])
    try:
        reply = model.invoke(CONDENSE_PROMPT.format(history=turns, question=question), timeout=timeout_s)
        text = reply.content if isinstance(reply.content, str) else ""
    except Exception:  # any backend failure: the heuristic is good enough
        return fallback
    text = text.strip().strip('"').splitlines()[0].strip() if text.strip() else ""
    if not text or len(text) > 2 * len(question) + 300:
        return fallback
    return text
