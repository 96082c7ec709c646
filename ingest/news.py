"""Reading news items and web pages: Markdown with YAML front matter, saved HTML, plain text.

Each becomes a one-page :class:`ParsedDocument` whose text is clean prose (links reduced to their
words, images, scripts, navigation and raw HTML dropped, headings kept as ``## Heading`` lines), because
citations quote it verbatim. Never executes or fetches anything referenced by a document.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from ingest.clean import clean_text
from ingest.dates import date_from_filename, find_date, iso_date
from ingest.documents import DOC_TYPE_NEWS, DOC_TYPE_PAGE, DOC_TYPES, Page, ParsedDocument
from ingest.encoding import decode_text
from ingest.errors import DocumentError
from ingest.headings import markdown_heading
from ingest.markdown import markdown_to_text

_FRONT_MATTER_END = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.M)
_KNOWN_KEYS = frozenset({"title", "date", "category", "source_url", "language", "doc_type"})


def _decode(path: Path, data: bytes) -> str:
    """UTF-8, or UTF-16/UTF-32 as Windows tools save "Unicode" text (see ``ingest.encoding``)."""
    return decode_text(data)


def split_front_matter(text: str) -> tuple[dict | None, str]:
    """(front matter mapping or None when absent, body). Broken front matter raises DocumentError."""
    if not re.match(r"---[ \t]*\n", text):
        return None, text
    header_start = text.index("\n") + 1
    end = _FRONT_MATTER_END.search(text, header_start)
    if end is None:
        raise DocumentError("broken front matter: no closing '---' line")
    try:
        data = yaml.safe_load(text[header_start : end.start()])
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise DocumentError(f"broken front matter: {problem}{where}") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise DocumentError("broken front matter: not a 'key: value' mapping")
    return data, text[end.end() :].lstrip("\n")


def _scalar_text(value: object) -> str | None:
    if value is None or isinstance(value, dict):
        return None
    if isinstance(value, list | tuple):
        items = [str(v) for v in value if v is not None and not isinstance(v, dict | list)]
        return ", ".join(items) if items else None
    return str(value)


def _first_heading(text: str) -> str | None:
    for line in text.split("\n"):
        if heading := markdown_heading(line):
            return heading
    return None


def _doc_type(declared: object, date: str | None) -> str:
    if isinstance(declared, str) and declared.lower() in DOC_TYPES:
        return declared.lower()
    return DOC_TYPE_NEWS if date else DOC_TYPE_PAGE


def read_markdown(path: str | Path, data: bytes, *, doc_id: str, content_hash: str) -> ParsedDocument:
    """A Markdown news item (YAML front matter optional) → one-page document."""
    path = Path(path)
    front, body = split_front_matter(_decode(path, data))
    meta = front or {}
    text = markdown_to_text(body)
    if not text.strip():
        raise DocumentError("no text (empty document body)")
    title = _scalar_text(meta.get("title")) or _first_heading(text) or path.stem
    date = iso_date(meta.get("date")) if "date" in meta else None
    if date is None:
        date = date_from_filename(path.name)
    extra = {
        str(k): v
        for k, raw in meta.items()
        if str(k) not in _KNOWN_KEYS and (v := _scalar_text(raw)) is not None
    }
    if "date" in meta and iso_date(meta.get("date")) is None:
        extra["date_raw"] = str(meta.get("date"))
    return ParsedDocument(
        doc_id=doc_id,
        path=str(path.resolve()),
        content_hash=content_hash,
        doc_type=_doc_type(meta.get("doc_type"), date),
        title=" ".join(title.split()),
        date=date,
        source=_scalar_text(meta.get("source_url")) or path.name,
        pages=(Page(number=1, text=text),),
        category=_scalar_text(meta.get("category")),
        language=_scalar_text(meta.get("language")),
        extra=extra,
    )


def read_text(path: str | Path, data: bytes, *, doc_id: str, content_hash: str) -> ParsedDocument:
    """A plain-text note: title from its first line, date from a ``YYYY-MM-DD`` file-name prefix."""
    path = Path(path)
    text = clean_text(_decode(path, data))
    if not text.strip():
        raise DocumentError("no text (file holds only whitespace)")
    first_line = text.split("\n", 1)[0].strip()
    title = first_line if len(first_line) <= 200 else path.stem
    date = date_from_filename(path.name)
    return ParsedDocument(
        doc_id=doc_id,
        path=str(path.resolve()),
        content_hash=content_hash,
        doc_type=_doc_type(None, date),
        title=title,
        date=date,
        source=path.name,
        pages=(Page(number=1, text=text),),
    )


# --- HTML ------------------------------------------------------------------------------------------

_BOILERPLATE_TAGS = (
    "script", "style", "nav", "header", "footer", "aside", "form", "noscript", "iframe", "svg",
    "template", "button", "select", "input", "object", "embed", "canvas", "head",
)  # fmt: skip
_BOILERPLATE_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "search", "menu"})
_BLOCK_TAGS = (
    "p", "div", "section", "article", "main", "ul", "ol", "dl", "dt", "dd", "table", "tr",
    "blockquote", "pre", "figure", "figcaption", "address", "hr",
)  # fmt: skip
_DATE_META = (
    ("property", "article:published_time"),
    ("property", "og:published_time"),
    ("name", "date"),
    ("name", "dc.date"),
    ("name", "dc.date.issued"),
    ("name", "dcterms.date"),
    ("name", "pubdate"),
    ("name", "publish-date"),
    ("itemprop", "datePublished"),
)
LINK_DENSITY_LIMIT = 0.6
MAX_TIME_ELEMENTS = 50


def _meta_content(soup, attr: str, value: str) -> str | None:
    tag = soup.find("meta", attrs={attr: re.compile(f"^{re.escape(value)}$", re.I)})
    content = tag.get("content") if tag else None
    return " ".join(content.split()) if isinstance(content, str) and content.strip() else None


def _html_date(soup) -> str | None:
    for attr, value in _DATE_META:
        if (content := _meta_content(soup, attr, value)) and (
            date := iso_date(content[:10]) or find_date(content)
        ):
            return date
    # The first few <time> elements only: reading the text of each of thousands of nested ones is
    # quadratic, and a page's publication date comes early.
    for tag in soup.find_all("time", limit=MAX_TIME_ELEMENTS):
        value = tag.get("datetime") or tag.get_text(" ", strip=True)
        if isinstance(value, str) and (date := iso_date(value[:10]) or find_date(value)):
            return date
    return None


_LINK_LIST_TAGS = frozenset({"ul", "ol", "div", "section", "p", "table"})


def _drop_link_dense(root) -> None:
    """Remove menus and link lists that survived the tag filter: blocks whose text is mostly links."""
    from ingest.html_tree import prune, text_sizes

    sizes = text_sizes(root)

    def link_dense(tag) -> bool:
        size = sizes[id(tag)]
        return (
            tag.name in _LINK_LIST_TAGS
            and size.text_chars > 0
            and size.link_chars / size.text_chars > LINK_DENSITY_LIMIT
        )

    prune(root, link_dense)


def _largest_block(body):
    """The element holding the most paragraph text, for pages without <article>/<main>."""
    from ingest.html_tree import text_sizes

    sizes = text_sizes(body)  # one pass: get_text per candidate is quadratic on nested pages
    best, best_len = body, 0
    for candidate in body.find_all(["div", "section", "td"]):
        length = sum(sizes[id(p)].text_chars for p in candidate.find_all("p", recursive=False))
        if length > best_len:
            best, best_len = candidate, length
    return best if best_len >= 200 else body


_HEADING_LEVELS = {f"h{level}": level for level in range(1, 7)}


def _heading_words(heading, level: int, wanted) -> str:
    """``heading.get_text(" ", strip=True)``, except that a heading of a higher rank nested inside it
    counts as its ``# words`` line (it was replaced first) and ``<br>`` adds nothing."""
    from bs4 import Tag

    words: list[str] = []
    stack = list(reversed(heading.contents))
    while stack:
        node = stack.pop()
        if not isinstance(node, Tag):
            if type(node) in wanted and (stripped := node.strip()):
                words.append(stripped)
        elif node.name == "br":
            continue
        elif (inner := _HEADING_LEVELS.get(node.name)) is not None and inner < level:
            if inner_words := _heading_words(node, inner, wanted):
                words.append(f"{'#' * inner} {inner_words}")
        else:
            stack.extend(reversed(node.contents))
    return " ".join(words)


def html_to_text(root) -> str:
    """An HTML element → text with headings as ``## Heading`` lines and list items as ``- item``.

    One walk that writes the text, instead of inserting separators into the tree: bs4 finds the end of
    a tag's subtree on every insert, which is quadratic on deeply nested pages."""
    from bs4 import Tag

    wanted = root.interesting_string_types
    wanted = wanted if isinstance(wanted, tuple | list | set | frozenset) else (wanted,)
    out: list[str] = []
    stack: list[tuple[object, bool]] = [(child, False) for child in reversed(root.contents)]
    while stack:
        node, leaving = stack.pop()
        if leaving:
            if node.name in ("td", "th"):
                out.append(" ")
            if node.name in _BLOCK_TAGS:
                out.append("\n\n")
            continue
        if not isinstance(node, Tag):
            if type(node) in wanted:
                out.append(str(node))
            continue
        if node.name == "br":
            out.append("\n")
            continue
        if (level := _HEADING_LEVELS.get(node.name)) is not None:
            if words := _heading_words(node, level, wanted):
                out.append(f"\n\n{'#' * level} {words}\n\n")
            continue
        if node.name == "li":
            out.append("\n- ")
        if node.name in _BLOCK_TAGS:
            out.append("\n\n")
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(node.contents))
    return clean_text("".join(out))


def read_html(path: str | Path, data: bytes, *, doc_id: str, content_hash: str) -> ParsedDocument:
    """A saved web page → its main text, title and publication date."""
    from bs4 import BeautifulSoup

    from ingest.html_tree import prune

    path = Path(path)
    soup = BeautifulSoup(_decode(path, data), "html.parser")
    title = (
        _meta_content(soup, "property", "og:title")
        or (soup.title.get_text(" ", strip=True) if soup.title else None)
        or (soup.find("h1").get_text(" ", strip=True) if soup.find("h1") else None)
        or path.stem
    )
    date = _html_date(soup)
    html_tag = soup.find("html")
    language = html_tag.get("lang") if html_tag else None
    source = _meta_content(soup, "property", "og:url")
    canonical = soup.find("link", rel="canonical")
    if not source and canonical and isinstance(canonical.get("href"), str):
        source = canonical["href"]

    prune(
        soup,
        lambda tag: tag.name in _BOILERPLATE_TAGS or str(tag.get("role")).lower() in _BOILERPLATE_ROLES,
    )
    root = soup.find("article") or soup.find("main") or _largest_block(soup.body or soup)
    _drop_link_dense(root)
    text = html_to_text(root)
    if not text.strip():
        raise DocumentError("no text (HTML page has no readable body)")
    return ParsedDocument(
        doc_id=doc_id,
        path=str(path.resolve()),
        content_hash=content_hash,
        doc_type=_doc_type(None, date),
        title=" ".join(title.split()),
        date=date,
        source=source or path.name,
        pages=(Page(number=1, text=text),),
        language=language.split("-")[0].lower() if isinstance(language, str) and language else None,
    )
