"""Markdown → readable text (links reduced to their words; images, comments, scripts and raw HTML
dropped; emphasis markers removed), in time linear in the input.

A regular expression such as ``\\*\\*(.+?)\\*\\*`` rescans the rest of the line from every ``**`` that
has no partner, so a hostile or broken 100 KB line of ``**x **x ...`` took minutes. Pairs of delimiters
are therefore matched here with the lazy semantics of those expressions (the nearest closer after an
opener, on the same line) but from positions found once, and bracket runs stop at the next opening
bracket. Never fetches or executes anything a document references.
"""

from __future__ import annotations

import bisect
import html
import re
from collections import defaultdict

from ingest.clean import clean_text

_CODE_ELEMENTS = "script|style|noscript|template|iframe|object|svg"  # their content is code, not prose
_CODE_OPEN = re.compile(rf"<({_CODE_ELEMENTS})\b", re.I)
_CODE_CLOSE = re.compile(rf"</({_CODE_ELEMENTS})\s*>", re.I)

# (opener, closer, delimiter length): emphasis whose content is the shortest run, on one line, that a
# closer follows. Openers and closers are matched at every position (they may overlap, as in "***").
_EMPHASIS: tuple[tuple[re.Pattern[str], re.Pattern[str], int], ...] = tuple(
    (re.compile(f"(?={opener})"), re.compile(f"(?={closer})"), size)
    for opener, closer, size in (
        (r"\*\*(?=\S)", r"(?<=\S)\*\*", 2),
        (r"(?<![\w_])__(?=\S)", r"(?<=\S)__(?![\w_])", 2),
        (r"(?<![\w*])\*(?=[^\s*])", r"(?<=[^\s*])\*(?![\w*])", 1),
        (r"(?<![\w_])_(?=[^\s_])", r"(?<=[^\s_])_(?![\w_])", 1),
    )
)

# Bracketed text never holds another opening bracket (the innermost brackets form the link, as in
# CommonMark), so each scan stops at the next "[" instead of running to the end of the text.
_RULES_BEFORE_EMPHASIS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^[ \t]*(```|~~~).*$", re.M), ""),
    (re.compile(r"!\[[^\[\]]*\]\([^)\[\]]*\)"), ""),
    (re.compile(r"!\[[^\[\]]*\]\[[^\[\]]*\]"), ""),
    (re.compile(r"\[([^\[\]]+)\]\([^)\[\]]*\)"), r"\1"),
    (re.compile(r"\[([^\[\]]+)\]\[[^\[\]]*\]"), r"\1"),
    (re.compile(r"^[ \t]*\[[^\[\]]+\]:[ \t]+\S+.*$", re.M), ""),
    (re.compile(r"<((?:https?|mailto):[^<>\s]+)>"), r"\1"),
    (re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>"), ""),
    (re.compile(r"^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(?:\|[ \t]*:?-{3,}:?[ \t]*)*\|?[ \t]*$", re.M), ""),
    (re.compile(r"^[ \t]*([-*_])(?:[ \t]*\1){2,}[ \t]*$", re.M), ""),
    (re.compile(r"^[ \t]*>[ \t]?", re.M), ""),
)
_RULES_AFTER_EMPHASIS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"`([^`\n]+)`"), r"\1"),
    (re.compile(r"\\([\\`*_{}\[\]()#+\-.!|])"), r"\1"),
)


def drop_comments(text: str) -> str:
    """Remove ``<!-- ... -->`` comments (each ends at the first ``-->``, across lines)."""
    out: list[str] = []
    pos = 0
    while (start := text.find("<!--", pos)) >= 0:
        end = text.find("-->", start + 4)
        if end < 0:
            break  # no comment after this one can be closed either
        out.append(text[pos:start])
        pos = end + 3
    out.append(text[pos:])
    return "".join(out)


def drop_code_elements(text: str) -> str:
    """Remove raw ``<script>``, ``<style>``, ``<svg>``... elements with their content: each runs from
    its opening tag to the nearest closing tag of the same name (any case), across lines."""
    tag_ends = [m.start() for m in re.finditer(">", text)]
    closers: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for m in _CODE_CLOSE.finditer(text):
        closers[m.group(1).lower()].append((m.start(), m.end()))
    out: list[str] = []
    pos = 0
    for m in _CODE_OPEN.finditer(text):
        if m.start() < pos:
            continue
        i = bisect.bisect_left(tag_ends, m.end())
        if i == len(tag_ends):
            break  # no opening tag from here on is ever closed by a ">"
        named = closers.get(m.group(1).lower(), [])
        j = bisect.bisect_left(named, (tag_ends[i] + 1, 0))
        if j == len(named):
            continue
        out.append(text[pos : m.start()])
        pos = named[j][1]
    out.append(text[pos:])
    return "".join(out)


def strip_emphasis(text: str, opener: re.Pattern[str], closer: re.Pattern[str], size: int) -> str:
    """Replace each emphasis run by its content: the nearest closer at least one character after the
    opener and before the end of the line, as a lazy ``(.+?)`` would find it."""
    closers = [m.start() for m in closer.finditer(text)]
    if not closers:
        return text
    newlines = [m.start() for m in re.finditer("\n", text)]
    out: list[str] = []
    pos = 0
    for m in opener.finditer(text):
        start = m.start()
        if start < pos:
            continue
        content = start + size
        i = bisect.bisect_left(closers, content + 1)
        if i == len(closers):
            break  # no closer after this opener, nor after any later one
        end = closers[i]
        n = bisect.bisect_left(newlines, content)
        if n < len(newlines) and newlines[n] < end:
            continue  # the line ends before the closer
        out.append(text[pos:start])
        out.append(text[content:end])
        pos = end + size
    out.append(text[pos:])
    return "".join(out)


def markdown_to_text(body: str) -> str:
    """Markdown body → clean text; headings stay ``#`` lines, list markers and tables stay readable.
    Order matters: comments and code elements first, images before links, links before tags."""
    body = drop_code_elements(drop_comments(body))
    for pattern, replacement in _RULES_BEFORE_EMPHASIS:
        body = pattern.sub(replacement, body)
    for opener, closer, size in _EMPHASIS:
        body = strip_emphasis(body, opener, closer, size)
    for pattern, replacement in _RULES_AFTER_EMPHASIS:
        body = pattern.sub(replacement, body)
    return clean_text(html.unescape(body))
