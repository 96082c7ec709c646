"""Build the corpus PDF reports from their Markdown-like sources, reproducibly.

Every ``corpus/pdf_src/<slug>.md`` becomes ``corpus/pdf/<slug>.pdf``. The PDFs are test material
for ingest (real text layer, running headers/footers, tables, a two-column page, outline), so the
builder must stay deterministic: no clock, no randomness, no system fonts (core Helvetica only), and
the same source must always give the same bytes with the same fpdf2 version. It must never write
anywhere but the output folder, and never invent text: what is printed comes from the source.

Source format (write exactly this; other engineers rely on it)::

    ---
    title: "ICGG at a Glance"                # required: cover title, PDF /Title
    subtitle: "The UNESCO centre in brief"   # optional: cover subtitle, PDF /Subject
    date: 2016-05-12                         # required, ISO: cover date, PDF /CreationDate, keywords
    doc_type: report                         # required (only "report" so far)
    facts: [F001, F002]                      # required: fact ids the text states (provenance)
    header: "ICGG at a Glance"               # optional: running header text (default: title)
    cover_note: "Prepared by ..."            # optional: one extra line on the cover
    ---
    # 1 Introduction                         <- #, ##, ### headings (numbering written literally)
    Paragraph text; lines are joined until a blank line. Inline **bold**, *italic*, `code`,
    [link text](https://example.org) (printed as the link text).

    - bullet item                            <- "- " or "* " bullets; "1. " numbered items;
      continuation lines are indented           indented lines continue the item
    > Call-out / quotation paragraph         <- rendered indented in italics

    | Column A | Column B |                 <- pipe table; the |---| row marks the header row
    |----------|---------:|
    | a        | 1        |

    <!-- pagebreak -->                       <- new page
    <!-- twocolumn -->                       <- following blocks flow in two columns
    ...                                         (tables inside are printed as plain rows)
    <!-- /twocolumn -->
    <!-- any other comment -->               <- ignored

Characters outside Latin-1 are transliterated (en/em dashes, curly quotes, >=, ...); anything left
is reduced with NFKD or replaced by "?" with a warning on stderr. Page 1 is the cover (no header
or footer); every later page has the running header and a "Page N of M" footer.

Usage: ``python corpus/build_pdfs.py [--src DIR] [--out DIR] [--check] [SLUG ...]``
(``--check`` writes nothing and exits 1 if a committed PDF is not what its source builds to).
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from fpdf import FPDF, FPDF_VERSION
from fpdf.fonts import FontFace

CORPUS_DIR = Path(__file__).resolve().parent
DEFAULT_SRC = CORPUS_DIR / "pdf_src"
DEFAULT_OUT = CORPUS_DIR / "pdf"
ORGANISATION = "UNESCO International Centre on Global-Scale Geochemistry (ICGG)"
AUTHOR = "ICGG"
CREATOR = "corpus/build_pdfs.py"
REQUIRED_KEYS = ("title", "date", "doc_type", "facts")
FACT_ID = re.compile(r"^F\d{3}$")

FONT = "Helvetica"
BODY_SIZE = 10.5
LINE_H = 5.4
MARGIN = 20.0
ACCENT = (0, 84, 147)  # UNESCO-like blue
GREY = (90, 90, 90)
ROW_FILL = (236, 242, 248)
TABLE_SIZE = 9
TABLE_PADDING = 1.2
SHORT_TABLE_ROWS = 18  # tables up to this many rows are moved whole to the next page rather than split
# heading level -> (font size, line height, space before)
HEADING_STYLE = {1: (16, 8.0, 6.0), 2: (13, 6.5, 4.5), 3: (11, 5.5, 3.5), 4: (10.5, 5.4, 2.5)}

_TRANSLIT = {
    "\u2013": "-",
    "\u2014": " - ",
    "\u2012": "-",
    "\u2010": "-",
    "\u2011": "-",
    "\u2212": "-",
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": ",",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2026": "...",
    "\u2022": "-",
    "\u00a0": " ",
    "\u2009": " ",
    "\u202f": " ",
    "\u2265": ">=",
    "\u2264": "<=",
    "\u2248": "~",
    "\u2192": "->",
    "\u2190": "<-",
    "\u2030": " per mil",
    "\u2032": "'",
    "\u2033": '"',
    "\u00ad": "",
    "\u200b": "",
    "\ufeff": "",
}


class SourceError(ValueError):
    """A source file does not follow the format; the message names the file and the problem."""


def to_latin1(text: str, where: str = "") -> str:
    """Map text onto Latin-1 so core fonts can print it and pypdf can extract it again."""
    out = []
    for ch in text:
        ch = _TRANSLIT.get(ch, ch)
        if len(ch) == 1 and ord(ch) > 0xFF:
            reduced = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
            if reduced and all(ord(c) <= 0xFF for c in reduced):
                ch = reduced
            else:
                print(f"warning: {where}: replaced {ch!r} (U+{ord(ch):04X}) by '?'", file=sys.stderr)
                ch = "?"
        out.append(ch)
    return "".join(out)


# ----------------------------------------------------------------------------- source model


@dataclass
class Heading:
    level: int
    text: str


@dataclass
class Paragraph:
    text: str
    quote: bool = False


@dataclass
class ListBlock:
    items: list[str]
    ordered: bool = False


@dataclass
class Table:
    header: list[str] | None
    rows: list[list[str]]
    aligns: list[str]


@dataclass
class PageBreak:
    pass


@dataclass
class TwoColumn:
    blocks: list = field(default_factory=list)


Block = Heading | Paragraph | ListBlock | Table | PageBreak | TwoColumn


@dataclass
class Source:
    path: Path
    slug: str
    title: str
    subtitle: str
    date: dt.date
    doc_type: str
    facts: list[str]
    header: str
    cover_note: str
    blocks: list[Block]


def split_front_matter(text: str, path: Path) -> tuple[dict, str, int]:
    """Return (front matter, body, line number where the body starts)."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise SourceError(f"{path}: must start with a '---' front-matter line")
    for i in range(1, len(lines)):
        if lines[i].strip() == "---":
            meta = yaml.safe_load("\n".join(lines[1:i])) or {}
            if not isinstance(meta, dict):
                raise SourceError(f"{path}: front matter is not a mapping")
            return meta, "\n".join(lines[i + 1 :]), i + 2
    raise SourceError(f"{path}: front matter is not closed by '---'")


def parse_date(value: object, path: Path) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise SourceError(f"{path}: date {value!r} is not an ISO date (YYYY-MM-DD)") from exc


def load_source(path: Path) -> Source:
    """Read and validate one source file."""
    meta, body, _ = split_front_matter(path.read_text(encoding="utf-8"), path)
    missing = [k for k in REQUIRED_KEYS if k not in meta]
    if missing:
        raise SourceError(f"{path}: front matter lacks {', '.join(missing)}")
    facts = meta["facts"] or []
    if not isinstance(facts, list) or not all(isinstance(f, str) and FACT_ID.match(f) for f in facts):
        raise SourceError(f"{path}: facts must be a list of ids like F001")
    title = str(meta["title"]).strip()
    return Source(
        path=path,
        slug=path.stem,
        title=title,
        subtitle=str(meta.get("subtitle") or "").strip(),
        date=parse_date(meta["date"], path),
        doc_type=str(meta["doc_type"]).strip(),
        facts=list(facts),
        header=str(meta.get("header") or title).strip(),
        cover_note=str(meta.get("cover_note") or "").strip(),
        blocks=parse_blocks(body.splitlines(), path),
    )


_COMMENT = re.compile(r"^<!--\s*(.*?)\s*-->$")
_HEADING = re.compile(r"^(#{1,4})\s+(.*?)\s*#*$")
_BULLET = re.compile(r"^\s{0,3}[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s{0,3}(\d+)[.)]\s+(.*)$")
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def _split_row(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    cells = re.split(r"(?<!\\)\|", line)
    return [c.strip().replace("\\|", "|") for c in cells]


def parse_blocks(lines: list[str], path: Path) -> list[Block]:
    """Turn body lines into blocks. Unknown constructs fall back to paragraphs, never to errors."""
    blocks: list[Block] = []
    stack: list[list[Block]] = [blocks]
    para: list[str] = []
    quote: list[str] = []
    items: list[str] = []
    ordered = False
    i = 0

    def flush() -> None:
        nonlocal para, quote, items
        if para:
            stack[-1].append(Paragraph(" ".join(s.strip() for s in para)))
            para = []
        if quote:
            stack[-1].append(Paragraph(" ".join(s.strip() for s in quote), quote=True))
            quote = []
        if items:
            stack[-1].append(ListBlock(items, ordered))
            items = []

    while i < len(lines):
        raw = lines[i]
        line = raw.strip()
        comment = _COMMENT.match(line)
        if not line:
            flush()
        elif comment:
            flush()
            word = comment.group(1).lower()
            if word == "pagebreak":
                stack[-1].append(PageBreak())
            elif word == "twocolumn":
                if len(stack) > 1:
                    raise SourceError(f"{path}:{i + 1}: nested <!-- twocolumn -->")
                section = TwoColumn()
                stack[-1].append(section)
                stack.append(section.blocks)
            elif word == "/twocolumn":
                if len(stack) == 1:
                    raise SourceError(f"{path}:{i + 1}: <!-- /twocolumn --> without an opening one")
                stack.pop()
        elif (m := _HEADING.match(line)) and not raw.startswith(" "):
            flush()
            stack[-1].append(Heading(len(m.group(1)), m.group(2)))
        elif line.startswith("|"):
            flush()
            rows = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                rows.append(lines[i])
                i += 1
            stack[-1].append(_make_table(rows))
            continue
        elif line.startswith(">"):
            if para or items:
                flush()
            quote.append(line.lstrip(">").strip())
        elif (m := _BULLET.match(raw)) or (m2 := _NUMBERED.match(raw)):
            is_ordered = m is None
            if para or quote or (items and is_ordered != ordered):
                flush()
            ordered = is_ordered
            items.append(m.group(1) if m else m2.group(2))
        elif items and raw.startswith((" ", "\t")):
            items[-1] += " " + line
        else:
            if items or quote:
                flush()
            para.append(line)
        i += 1
    flush()
    if len(stack) > 1:
        raise SourceError(f"{path}: <!-- twocolumn --> is not closed")
    return blocks


def _make_table(lines: list[str]) -> Table:
    header = None
    aligns: list[str] = []
    rows = [_split_row(x) for x in lines if not _TABLE_SEP.match(x)]
    seps = [x for x in lines if _TABLE_SEP.match(x)]
    if len(lines) > 1 and _TABLE_SEP.match(lines[1]):
        header = rows.pop(0)
    if seps:
        for cell in _split_row(seps[0]):
            aligns.append("RIGHT" if cell.endswith(":") and not cell.startswith(":") else "LEFT")
    width = max(len(r) for r in ([header] if header else []) + rows) if (rows or header) else 0
    norm = [r + [""] * (width - len(r)) for r in rows]
    if header:
        header = header + [""] * (width - len(header))
    aligns = (aligns + ["LEFT"] * width)[:width]
    return Table(header, norm, aligns)


# ----------------------------------------------------------------------------- inline text

_INLINE = re.compile(
    r"\*\*(?P<b>.+?)\*\*"
    r"|(?<![\w*])\*(?P<i>[^*\s][^*]*?)\*(?!\w)"
    r"|(?<![\w_])_(?P<i2>[^_\s][^_]*?)_(?![\w_])"
    r"|`(?P<c>[^`]+)`"
    r"|\[(?P<lt>[^\]]+)\]\((?P<lu>[^)\s]+)\)"
)


def inline_runs(text: str) -> list[tuple[str, str]]:
    """Split inline Markdown into (style, text) runs; style is "", "B" or "I"."""
    runs: list[tuple[str, str]] = []
    pos = 0
    for m in _INLINE.finditer(text):
        if m.start() > pos:
            runs.append(("", text[pos : m.start()]))
        if m.group("b") is not None:
            runs.append(("B", m.group("b")))
        elif m.group("i") is not None or m.group("i2") is not None:
            runs.append(("I", m.group("i") if m.group("i") is not None else m.group("i2")))
        elif m.group("c") is not None:
            runs.append(("", m.group("c")))
        else:
            runs.append(("", m.group("lt")))
        pos = m.end()
    if pos < len(text):
        runs.append(("", text[pos:]))
    return runs


def plain_text(text: str) -> str:
    return "".join(t for _, t in inline_runs(text))


def _escape_fpdf_markdown(text: str) -> str:
    for marker in ("**", "__", "~~", "--"):
        text = text.replace(marker, "\\" + marker)
    return text


def fpdf_markdown(text: str, where: str) -> str:
    """Inline Markdown rewritten in fpdf2's own markdown dialect (bold **, italics __)."""
    out = []
    for style, run in inline_runs(to_latin1(text, where)):
        esc = _escape_fpdf_markdown(run)
        out.append({"B": f"**{esc}**", "I": f"__{esc}__"}.get(style, esc) if run.strip() else esc)
    return "".join(out)


# ----------------------------------------------------------------------------- rendering


class ReportPDF(FPDF):
    """A4 report with a cover page, running header and numbered footer."""

    def __init__(self, source: Source) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.source = source
        self.set_margins(MARGIN, MARGIN + 2, MARGIN)
        self.set_auto_page_break(auto=True, margin=MARGIN)
        self.alias_nb_pages()

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_font(FONT, "", 8.5)
        self.set_text_color(*GREY)
        self.set_xy(MARGIN, 10)
        self.cell(self.epw * 0.75, 5, to_latin1(self.source.header), align="L")
        self.cell(self.epw * 0.25, 5, AUTHOR, align="R")
        self.set_draw_color(*ACCENT)
        self.set_line_width(0.3)
        self.line(MARGIN, 16, self.w - MARGIN, 16)
        self.set_text_color(0, 0, 0)
        self.set_y(MARGIN + 2)

    def footer(self) -> None:
        if self.page_no() == 1:
            return
        self.set_y(-14)
        self.set_font(FONT, "", 8.5)
        self.set_text_color(*GREY)
        self.cell(self.epw / 2, 5, self.source.date.isoformat(), align="L")
        self.cell(self.epw / 2, 5, f"Page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(0, 0, 0)


def _xmp(source: Source) -> str:
    """Deterministic XMP packet carrying title and document date (no 'now' timestamps)."""
    from xml.sax.saxutils import escape

    title = escape(to_latin1(source.title))
    iso = source.date.isoformat()
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:xmp="http://ns.adobe.com/xap/1.0/">'
        f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>'
        f"<dc:date><rdf:Seq><rdf:li>{iso}</rdf:li></rdf:Seq></dc:date>"
        f"<dc:type><rdf:Bag><rdf:li>{escape(source.doc_type)}</rdf:li></rdf:Bag></dc:type>"
        f"<xmp:CreateDate>{iso}T00:00:00Z</xmp:CreateDate>"
        f"<xmp:ModifyDate>{iso}T00:00:00Z</xmp:ModifyDate>"
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
    )


class Renderer:
    """Draws the blocks of one source onto a ReportPDF."""

    def __init__(self, source: Source) -> None:
        self.s = source
        self.pdf = ReportPDF(source)
        self.where = str(source.path)

    # -- document ---------------------------------------------------------------------------
    def build(self) -> bytes:
        pdf, s = self.pdf, self.s
        pdf.set_title(to_latin1(s.title))
        if s.subtitle:
            pdf.set_subject(to_latin1(s.subtitle))
        pdf.set_author(AUTHOR)
        # the fpdf2 version is recorded because byte-identical rebuilds are only promised per version
        pdf.set_creator(f"{CREATOR} (fpdf2 {FPDF_VERSION})")
        pdf.set_keywords(f"date:{s.date.isoformat()} type:{s.doc_type} ICGG")
        pdf.set_creation_date(dt.datetime(s.date.year, s.date.month, s.date.day, tzinfo=dt.UTC))
        pdf.set_lang("en")
        pdf.set_xmp_metadata(_xmp(s))
        self.cover()
        pdf.add_page()
        for n, block in enumerate(s.blocks):
            nxt = s.blocks[n + 1] if n + 1 < len(s.blocks) else None
            if isinstance(block, Heading) and (n == 0 or not isinstance(s.blocks[n - 1], Heading)):
                self._keep_headings_with_table(s.blocks[n:])
            if isinstance(block, Heading):
                self.heading(block, room=50 if isinstance(nxt, Heading) else 30)
            else:
                self.block(block)
        return bytes(pdf.output())

    def cover(self) -> None:
        pdf, s = self.pdf, self.s
        pdf.add_page()
        pdf.set_fill_color(*ACCENT)
        pdf.rect(0, 0, pdf.w, 12, style="F")
        pdf.set_y(30)
        pdf.set_font(FONT, "B", 10)
        pdf.set_text_color(*ACCENT)
        pdf.multi_cell(0, 5, ORGANISATION.upper(), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(80)
        pdf.set_text_color(0, 0, 0)
        pdf.set_font(FONT, "B", 24)
        pdf.multi_cell(0, 11, to_latin1(s.title, self.where), align="L", new_x="LMARGIN", new_y="NEXT")
        if s.subtitle:
            pdf.ln(4)
            pdf.set_font(FONT, "", 14)
            pdf.set_text_color(*GREY)
            pdf.multi_cell(0, 7, to_latin1(s.subtitle, self.where), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(8)
        pdf.set_draw_color(*ACCENT)
        pdf.set_line_width(0.8)
        pdf.line(MARGIN, pdf.get_y(), MARGIN + 60, pdf.get_y())
        pdf.set_y(225)
        pdf.set_text_color(0, 0, 0)
        pdf.set_font(FONT, "", 11)
        pdf.multi_cell(0, 6, ORGANISATION, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.multi_cell(0, 6, "Langfang, Hebei Province, China", align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
        pdf.set_font(FONT, "B", 11)
        pdf.multi_cell(
            0, 6, f"{s.date.day} {s.date.strftime('%B %Y')}", align="L", new_x="LMARGIN", new_y="NEXT"
        )
        pdf.set_font(FONT, "", 9)
        pdf.set_text_color(*GREY)
        pdf.multi_cell(0, 5, f"Document date: {s.date.isoformat()}", align="L", new_x="LMARGIN", new_y="NEXT")
        if s.cover_note:
            pdf.multi_cell(
                0, 5, to_latin1(s.cover_note, self.where), align="L", new_x="LMARGIN", new_y="NEXT"
            )
        pdf.set_text_color(0, 0, 0)

    # -- blocks -----------------------------------------------------------------------------
    def block(self, block: Block) -> None:
        if isinstance(block, Heading):
            self.heading(block)
        elif isinstance(block, Paragraph):
            self.paragraph(block)
        elif isinstance(block, ListBlock):
            self.list_block(block)
        elif isinstance(block, Table):
            self.table(block)
        elif isinstance(block, PageBreak):
            if self.pdf.get_y() > self.pdf.t_margin + 1:
                self.pdf.add_page()
        elif isinstance(block, TwoColumn):
            self.two_column(block)

    def _keep_headings_with_table(self, blocks: list[Block]) -> None:
        """Start a new page if headings and the short table right after them would be split."""
        pdf = self.pdf
        chain: list[Heading] = []
        for b in blocks:
            if not isinstance(b, Heading):
                break
            chain.append(b)
        after = blocks[len(chain)] if len(chain) < len(blocks) else None
        if not isinstance(after, Table) or len(after.rows) + 1 > SHORT_TABLE_ROWS:
            return
        if pdf.get_y() <= pdf.t_margin + 1:
            return
        with pdf.offset_rendering() as trial:
            for h in chain:
                self.heading(h)
            self.table(after)
        if trial.page_break_triggered:
            pdf.add_page()

    def heading(self, h: Heading, room: float = 30) -> None:
        """Draw a heading; start a new page if less than `room` mm would follow it."""
        pdf = self.pdf
        size, lh, before = HEADING_STYLE[h.level]
        if pdf.get_y() > pdf.h - pdf.b_margin - room:
            pdf.add_page()
        elif pdf.get_y() > pdf.t_margin + 1:
            pdf.ln(before)
        text = to_latin1(plain_text(h.text), self.where)
        pdf.start_section(text, level=h.level - 1, strict=False)
        pdf.set_font(FONT, "B", size)
        if h.level <= 2:
            pdf.set_text_color(*ACCENT)
        pdf.multi_cell(0, lh, text, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        pdf.ln(1.5 if h.level > 1 else 2.5)

    def paragraph(self, p: Paragraph) -> None:
        pdf = self.pdf
        pdf.set_font(FONT, "I" if p.quote else "", BODY_SIZE)
        if p.quote:
            pdf.set_x(MARGIN + 8)
        width = pdf.epw - 16 if p.quote else 0  # 0: up to the right margin
        pdf.multi_cell(
            width,
            LINE_H,
            fpdf_markdown(p.text, self.where),
            align="J",
            markdown=True,
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.ln(2.2)

    def list_block(self, lst: ListBlock) -> None:
        pdf = self.pdf
        pdf.set_font(FONT, "", BODY_SIZE)
        for n, item in enumerate(lst.items, start=1):
            bullet = f"{n}." if lst.ordered else "-"
            pdf.set_x(MARGIN + 3)
            pdf.cell(6, LINE_H, bullet)
            pdf.multi_cell(
                pdf.epw - 9,
                LINE_H,
                fpdf_markdown(item, self.where),
                align="L",
                markdown=True,
                new_x="LMARGIN",
                new_y="NEXT",
            )
            pdf.ln(0.8)
        pdf.ln(1.6)

    def table(self, t: Table) -> None:
        pdf = self.pdf
        rows = ([t.header] if t.header else []) + t.rows
        if not rows:
            return
        widths = self._column_widths(rows, header=t.header is not None)
        pdf.ln(1)
        if len(rows) <= SHORT_TABLE_ROWS and pdf.get_y() > pdf.t_margin + 1:
            # keep short tables on one page: render on a scratch copy first
            with pdf.offset_rendering() as trial:
                self._draw_table(t, rows, widths)
            if trial.page_break_triggered:
                pdf.add_page()
        self._draw_table(t, rows, widths)
        pdf.ln(3)
        pdf.set_font(FONT, "", BODY_SIZE)

    def _column_widths(self, rows: list[list[str]], header: bool) -> list[float]:
        """Natural widths, shrinking only the columns wider than their fair share (water-filling)."""
        pdf = self.pdf
        pad = 2 * TABLE_PADDING + 1
        ncols = len(rows[0])
        natural = [0.0] * ncols
        minimum = [0.0] * ncols
        for n, row in enumerate(rows):
            pdf.set_font(FONT, "B" if header and n == 0 else "", TABLE_SIZE)
            for c, cell in enumerate(row):
                text = to_latin1(plain_text(cell))
                natural[c] = max(natural[c], pdf.get_string_width(text) + pad)
                longest = max((pdf.get_string_width(w) for w in text.split()), default=0)
                minimum[c] = max(minimum[c], longest + pad)
        total = pdf.epw
        if sum(natural) <= total:
            return [w * total / sum(natural) for w in natural]
        fixed: dict[int, float] = {}
        while True:
            free = [c for c in range(ncols) if c not in fixed]
            share = (total - sum(fixed.values())) / len(free)
            newly = [c for c in free if natural[c] <= share]
            if not newly or len(newly) == len(free):
                break
            for c in newly:
                fixed[c] = natural[c]
        free = [c for c in range(ncols) if c not in fixed]
        rest = total - sum(fixed.values())
        damped = {c: natural[c] ** 0.75 for c in free}  # narrow columns keep a little more room
        widths = [fixed.get(c, 0.0) for c in range(ncols)]
        for c in free:
            widths[c] = max(minimum[c], rest * damped[c] / sum(damped.values()))
        return [w * total / sum(widths) for w in widths]

    def _draw_table(self, t: Table, rows: list[list[str]], widths: list[float]) -> None:
        pdf = self.pdf
        pdf.set_font(FONT, "", TABLE_SIZE)
        pdf.set_fill_color(*ROW_FILL)  # fpdf2 fills striped cells with the current fill colour
        style = FontFace(emphasis="BOLD", color=(255, 255, 255), fill_color=ACCENT)
        with pdf.table(
            col_widths=widths,
            width=pdf.epw,
            first_row_as_headings=t.header is not None,
            headings_style=style,
            line_height=4.6,
            markdown=True,
            text_align=tuple(t.aligns),
            padding=TABLE_PADDING,
            cell_fill_color=ROW_FILL,
            cell_fill_mode="ROWS",
            borders_layout="SINGLE_TOP_LINE" if t.header else "HORIZONTAL_LINES",
        ) as table:
            for r in rows:
                row = table.row()
                for cell in r:
                    row.cell(fpdf_markdown(cell, self.where) or " ")

    def two_column(self, tc: TwoColumn) -> None:
        pdf = self.pdf
        for block in tc.blocks:  # outline entries must be registered outside the text region
            if isinstance(block, Heading):
                name = to_latin1(plain_text(block.text), self.where)
                pdf.start_section(name, level=block.level - 1, strict=False)
        with pdf.text_columns(ncols=2, gutter=8, text_align="J", line_height=1.25) as cols:
            for block in tc.blocks:
                for style, size, runs, indent, top, bullet in self._column_pieces(block):
                    with cols.paragraph(
                        top_margin=top, bottom_margin=1.5, indent=indent, bullet_string=bullet
                    ) as para:
                        for run_style, run in runs:
                            pdf.set_font(FONT, "".join(sorted(set(style + run_style))), size)
                            para.write(run)
                pdf.set_text_color(0, 0, 0)
        pdf.set_font(FONT, "", BODY_SIZE)
        pdf.ln(2)

    def _column_pieces(
        self, block: Block
    ) -> Iterator[tuple[str, float, list[tuple[str, str]], float, float]]:
        """(style, size, runs, indent, top margin, bullet) per paragraph a block becomes in columns."""
        w = self.where
        if isinstance(block, Heading):
            size = {1: 13, 2: 12}.get(block.level, 10.5)
            if block.level <= 2:
                self.pdf.set_text_color(*ACCENT)
            yield "B", size, [("", to_latin1(plain_text(block.text), w))], 0, 3, ""
        elif isinstance(block, Paragraph):
            runs = [(st, to_latin1(t, w)) for st, t in inline_runs(block.text)]
            yield ("I" if block.quote else ""), BODY_SIZE, runs, (4 if block.quote else 0), 0, ""
        elif isinstance(block, ListBlock):
            for n, item in enumerate(block.items, start=1):
                lead = f"{n}. " if block.ordered else "- "
                runs = [(st, to_latin1(t, w)) for st, t in inline_runs(item)]
                yield "", BODY_SIZE, runs, 5, 0, lead.strip()
        elif isinstance(block, Table):
            for r in ([block.header] if block.header else []) + block.rows:
                yield "", TABLE_SIZE, [("", to_latin1(" | ".join(plain_text(c) for c in r), w))], 0, 0, ""


def build_one(src: Path, out_dir: Path) -> Path:
    source = load_source(src)
    data = Renderer(source).build()
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{source.slug}.pdf"
    tmp = target.with_suffix(".pdf.tmp")
    tmp.write_bytes(data)
    tmp.replace(target)
    return target


def sources(src_dir: Path, slugs: list[str] | None = None) -> list[Path]:
    paths = sorted(src_dir.glob("*.md"))
    if slugs:
        wanted = set(slugs)
        paths = [p for p in paths if p.stem in wanted]
        missing = wanted - {p.stem for p in paths}
        if missing:
            raise SourceError(f"no source for: {', '.join(sorted(missing))}")
    return paths


def render(src: Path) -> bytes:
    """The PDF bytes for one source, without writing anything."""
    return Renderer(load_source(src)).build()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--src", type=Path, default=DEFAULT_SRC, help="folder of <slug>.md sources")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for <slug>.pdf outputs")
    ap.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if any PDF in --out differs from a rebuild",
    )
    ap.add_argument("slugs", nargs="*", help="build only these slugs")
    args = ap.parse_args(argv)
    stale = []
    try:
        for path in sources(args.src, args.slugs):
            if args.check:
                target = args.out / f"{path.stem}.pdf"
                if not target.exists() or target.read_bytes() != render(path):
                    stale.append(target)
                continue
            target = build_one(path, args.out)
            print(f"{path.name} -> {target}")
    except SourceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for target in stale:
        print(f"stale: {target} (run python corpus/build_pdfs.py)", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
