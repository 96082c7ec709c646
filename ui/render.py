"""Turning untrusted text (document passages, model output) into safe Streamlit Markdown, and the
source cards every page shows.

Everything that came from a document or a model goes through :func:`md_escape` before it reaches
``st.markdown``/``st.write_stream``/a widget label, so it can neither inject HTML, links, images, LaTeX
or Streamlit directives, nor break the layout. This module must never use ``unsafe_allow_html``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from icgg.i18n import N_
from ingest.tables import is_table_block, parse_table_block

# CommonMark lets any ASCII punctuation be backslash-escaped. These are the characters that start
# Markdown, GFM, LaTeX ($) or Streamlit directive (:color[...], :material/icon:) syntax.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=&^\"'])")
_WS = re.compile(r"\s+")
HIGHLIGHT_OPEN = ":orange-background[**"
HIGHLIGHT_CLOSE = "**]"


def md_escape(text: str | None) -> str:
    """``text`` with every Markdown-significant character backslash-escaped: it renders literally.

    Escaping is per character, so escaping stream deltas one by one equals escaping the whole text.
    Control characters (other than newline and tab) are dropped.
    """
    if not text:
        return ""
    cleaned = "".join(ch for ch in text if ch in "\n\t" or ch >= " ")
    return _MD_SPECIAL.sub(r"\\\1", cleaned)


def md_escape_inline(text: str | None) -> str:
    """Like :func:`md_escape`, on one line: for labels, table-free headings and directive contents."""
    return md_escape(_WS.sub(" ", text or "").strip())


def find_quote(text: str, quote: str) -> tuple[int, int] | None:
    """Character span of ``quote`` in ``text``, tolerant of whitespace differences; None if absent."""
    if not quote or not text:
        return None
    at = text.find(quote)
    if at >= 0:
        return at, at + len(quote)
    words = quote.split()
    if not words:
        return None
    pattern = r"\s+".join(re.escape(w) for w in words)
    m = re.search(pattern, text)
    return (m.start(), m.end()) if m else None


def highlight_quote(text: str, quote: str | None) -> str:
    """Escaped Markdown of ``text`` with ``quote`` (the cited sentence) highlighted, if it occurs.
    Table blocks (one row per line, ``ingest.tables``) are drawn as Markdown tables, the cited row
    highlighted."""
    span = find_quote(text, quote or "")
    parts = []
    pos = 0
    for block in re.finditer(r"(?:[^\n]+\n?)+", text):
        start, end = block.start(), block.end()
        body = text[start:end].rstrip("\n")
        if is_table_block(body):
            parts.append(_highlight_plain(text[pos:start], span, pos))
            parts.append("\n\n" + table_markdown(body, _row_span(span, start)) + "\n\n")
            pos = start + len(body)
    parts.append(_highlight_plain(text[pos:], span, pos))
    return "".join(parts)


def _row_span(span: tuple[int, int] | None, offset: int) -> tuple[int, int] | None:
    return None if span is None else (span[0] - offset, span[1] - offset)


def _highlight_plain(text: str, span: tuple[int, int] | None, offset: int) -> str:
    """Escaped ``text`` (which starts at ``offset`` of the whole) with the part inside ``span`` marked."""
    if span is None or span[1] <= offset or span[0] >= offset + len(text):
        return md_escape(text)
    start, end = max(0, span[0] - offset), min(len(text), span[1] - offset)
    if not text[start:end].strip():
        return md_escape(text)
    return (
        md_escape(text[:start])
        + HIGHLIGHT_OPEN
        + md_escape_inline(text[start:end])
        + HIGHLIGHT_CLOSE
        + md_escape(text[end:])
    )


def table_markdown(block: str, highlight: tuple[int, int] | None = None) -> str:
    """A table block as an escaped Markdown table; rows overlapping ``highlight`` (offsets into
    ``block``) are highlighted. A table without a header row gets an empty one (Markdown needs it)."""
    table = parse_table_block(block)
    if table is None:
        return md_escape(block)
    width = table.columns
    header = list(table.header or ("",) * width)
    lines = ["| " + " | ".join(md_escape_inline(h) or " " for h in header) + " |", "|" + " --- |" * width]
    offsets, pos = [], 0
    for line in block.split("\n"):
        if line.strip():
            offsets.append((pos, pos + len(line)))
        pos += len(line) + 1
    for row, (lo, hi) in zip(table.rows, offsets, strict=False):
        marked = highlight is not None and lo < highlight[1] and highlight[0] < hi
        cells = []
        for cell in list(row) + [""] * (width - len(row)):
            escaped = md_escape_inline(cell)
            cells.append(
                f"{HIGHLIGHT_OPEN}{escaped}{HIGHLIGHT_CLOSE}" if marked and escaped else escaped or " "
            )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def window_around(text: str, span: tuple[int, int] | None, chars: int = 900) -> str:
    """A readable excerpt of ``text`` around ``span`` (cut at spaces), so long pages stay short."""
    if len(text) <= chars:
        return text
    if span is None:
        return text[:chars].rsplit(" ", 1)[0] + " …"
    start, end = span
    room = max(0, chars - (end - start)) // 2
    lo, hi = max(0, start - room), min(len(text), end + room)
    if lo > 0:
        space = text.find(" ", lo, start)
        lo = space + 1 if space >= 0 else lo
    if hi < len(text):
        space = text.rfind(" ", end, hi)
        hi = space if space >= 0 else hi
    return ("… " if lo > 0 else "") + text[lo:hi] + (" …" if hi < len(text) else "")


def scan_note(confidence: float | None) -> str:
    """The note under a passage or page whose text was recognised from a scan (plain text, no Markdown)."""
    shown = f", OCR confidence {confidence:.0%}" if confidence is not None else ""
    return f"Text recognised from a scan{shown}: it may contain reading errors."


def page_ref(page: int, label: str | None) -> str:
    """How a page is cited: the printed label when the PDF has one and it differs from the number."""
    if label and label != str(page):
        return f"p. {label} (sheet {page})"
    return f"p. {page}"


def source_line(title: str, date: str | None, doc_type: str, page: str | None = None) -> str:
    """Escaped one-line description of a source: title · date · type · page."""
    parts = [
        f"**{md_escape_inline(title)}**",
        md_escape_inline(date or "undated"),
        md_escape_inline(doc_type),
    ]
    if page:
        parts.append(md_escape_inline(page))
    return " · ".join(parts)


def pretty_type(doc_type: str) -> str:
    """A human label for a document type ("news" → "News item")."""
    from ui.language import _

    known = {"news": N_("News item"), "report": N_("Report"), "pdf": N_("PDF document")}
    return _(known[doc_type]) if doc_type in known else doc_type.replace("_", " ").capitalize()


def bullet_list(lines: Iterable[str]) -> str:
    """Markdown bullet list of already-escaped lines."""
    return "\n".join(f"- {line}" for line in lines)


_SAFE_URL = re.compile(r"^https?://[A-Za-z0-9.-]+(?::\d+)?(?:/[A-Za-z0-9._~%!$&'*+,;=:@/?#-]*)?$")


def safe_link(url: str | None, text: str) -> str | None:
    """A Markdown link to an http(s) URL from document metadata, or None if the URL looks odd."""
    if not url or not _SAFE_URL.match(url) or any(c in url for c in "()[]<> \\"):
        return None
    return f"[{md_escape_inline(text)}]({url})"


def md_code(text: str | None) -> str:
    """``text`` as an inline code span (file names, paths): shown literally, without escape backslashes.

    Code spans take no Markdown inside, so nothing is escaped; the fence is one backtick longer than the
    longest run of backticks in the text, and line breaks and control characters become spaces.
    """
    flat = "".join(ch if ch >= " " else " " for ch in (text or "")).strip() or " "
    longest = max((len(run) for run in re.findall(r"`+", flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


_ESCAPED_MARKER = re.compile(r"\\\[(\d+)\\\]")


def link_citations(escaped: str, anchors: dict[int, str]) -> str:
    """Escaped answer Markdown whose ``[n]`` markers link to ``#anchor`` of their source card.

    Only markers with an anchor become links; ``escaped`` must come from :func:`md_escape`, whose output
    holds no unescaped bracket, so the links are the only Markdown syntax in the result.
    """

    def link(m: re.Match[str]) -> str:
        anchor = anchors.get(int(m.group(1)))
        if anchor is None or not re.fullmatch(r"[A-Za-z0-9_-]+", anchor):
            return m.group(0)
        return f"[\\[{m.group(1)}\\]](#{anchor})"

    return _ESCAPED_MARKER.sub(link, escaped)


def paragraph_around(text: str, span: tuple[int, int] | None, chars: int = 700) -> str:
    """The paragraph of ``text`` (blank-line separated) holding ``span``, shortened around it if long."""
    if span is None:
        return window_around(text, None, chars)
    start, end = span
    lo = text.rfind("\n\n", 0, start)
    lo = 0 if lo < 0 else lo + 2
    hi = text.find("\n\n", end)
    hi = len(text) if hi < 0 else hi
    paragraph = text[lo:hi]
    return window_around(paragraph, (start - lo, end - lo), chars)


_HEADING_MARK = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.*?)[ \t#]*$", re.M)


def plain_text(text: str | None) -> str:
    """Chunk text without Markdown heading marks ("## Participants" -> "Participants"), for exports."""
    return _HEADING_MARK.sub(r"\1", text or "")
