"""Cleans a language model's reply before anyone sees it (OWASP LLM: insecure output handling).

Model output is untrusted: a passage may carry an indirect prompt injection that makes the model emit
tracking images, scripts, raw HTML or links to an attacker's site. :func:`sanitize_reply` guarantees that
its output holds no HTML tag, no Markdown image, no URL other than the sources of the retrieved
documents, and no citation ``[n]`` outside the retrieved passages. It removes; it never adds content.
"""

from __future__ import annotations

import re
from collections.abc import Collection

_SCRIPT_BLOCK = re.compile(
    r"<\s*(script|style|iframe|object|embed|svg|math|template)\b.*?(<\s*/\s*\1\s*>|$)", re.I | re.S
)
_COMMENT = re.compile(r"<!--.*?(-->|$)", re.S)
_TAG = re.compile(r"<\s*/?\s*[A-Za-z!?][^<>]*(>|$)")
_TAG_START = re.compile(r"<(?=\s*[A-Za-z/!?])")
_IMAGE = re.compile(r"!\s*\[[^\]]*\]\s*(\([^)]*\)|\[[^\]]*\])")
_REF_DEFINITION = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S+.*$", re.M)
_LINK = re.compile(r"\[([^\[\]]*)\]\(\s*<?([^()\s<>]*)>?(?:\s+[\"'][^\"']*[\"'])?\s*\)")
_URL = re.compile(
    r"(?i)(?:[a-z][a-z0-9+.-]{0,20}://|(?:javascript|data|vbscript|file|mailto):|www\.|"
    r"\b(?:[a-z0-9-]+\.)+(?:com|net|org|io|ru|cn|xyz|info|biz|example|top|app|dev|co|me|ly|gl)\b)"
    r"[^\s\[\]()<>\"']*"
)
_CITATION_GROUP = re.compile(r"\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]")
_SPACES = re.compile(r"[ \t]{2,}")
_SPACE_BEFORE_PUNCT = re.compile(r"[ \t]+([.,;:!?])")
MAX_ROUNDS = 8


def _normalise_url(url: str) -> str:
    return url.strip().rstrip("/.,;:!?").lower()


def _strip_markup(text: str, allowed: set[str]) -> str:
    text = _COMMENT.sub("", text)
    text = _SCRIPT_BLOCK.sub("", text)
    text = _TAG.sub("", text)
    text = _IMAGE.sub("", text)
    text = _REF_DEFINITION.sub("", text)

    def link(m: re.Match) -> str:
        label, url = m.group(1), m.group(2)
        if _normalise_url(url) in allowed:
            return m.group(0)
        return label

    text = _LINK.sub(link, text)

    def url(m: re.Match) -> str:
        return m.group(0) if _normalise_url(m.group(0)) in allowed else ""

    return _URL.sub(url, text)


def _citations(text: str, valid: Collection[int]) -> str:
    def group(m: re.Match) -> str:
        numbers = [int(n) for n in re.findall(r"\d+", m.group(1))]
        kept = [n for n in dict.fromkeys(numbers) if n in valid]
        return "".join(f"[{n}]" for n in kept)

    return _CITATION_GROUP.sub(group, text)


def sanitize_reply(text: str, allowed_urls: Collection[str], valid_citations: Collection[int]) -> str:
    """The reply without markup, foreign links and invalid citations (see the module docstring).

    Removal can join fragments into new markup ("<<b>script>"), so the passes repeat until nothing
    changes; a last pass neutralises anything tag-like or image-like that is still left.
    """
    allowed = {_normalise_url(u) for u in allowed_urls if u}
    for _ in range(MAX_ROUNDS):
        cleaned = _strip_markup(text, allowed)
        if cleaned == text:
            break
        text = cleaned
    text = _TAG_START.sub("‹", text)  # nothing tag-like survives, even after MAX_ROUNDS
    while "![" in text:
        text = text.replace("![", "[")
    text = _URL.sub(lambda m: m.group(0) if _normalise_url(m.group(0)) in allowed else "", text)
    text = _citations(text, set(valid_citations))
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", _SPACES.sub(" ", text))
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def cited_numbers(text: str) -> list[int]:
    """The citation numbers used in ``text``, in order of first use."""
    return list(dict.fromkeys(int(n) for n in re.findall(r"\[(\d+)\]", text)))
