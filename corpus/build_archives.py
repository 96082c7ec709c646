"""Build the archive documents of the corpus (``corpus/archives/``) from their sources, reproducibly.

They stand for what the centre's archive really holds besides clean born-digital reports, each stating
facts that ``tests/eval/qa_archives.jsonl`` asks about. Every ``corpus/archives_src/<slug>.md`` (the
source format of ``build_pdfs.py``) names in its front matter the ``kind`` of document it becomes:

- ``pdf``: a born-digital report whose facts are in tables, drawn by ``build_pdfs.py``'s renderer;
- ``docx``: a Word file (python-docx): headings, paragraphs, a list and a table with a header row;
- ``twocolumn``: a two-column paper drawn line by line across both columns, the order some producers
  write their content streams in, so a reader that follows the stream interleaves the columns;
- ``scan``: a scanned report. The source is drawn by ``build_pdfs.py``'s renderer, every page is
  rendered at 150 dpi (PDFium), degraded like a photocopy (grey, slight rotation, blur, speckle noise,
  JPEG at quality 60, all from a fixed seed) and put into a PDF that holds only the images. The clean
  text of the drawn pages is kept beside the source as ground truth (``<slug>.truth.txt``, pages
  separated by form feeds), for ``bench/archives.py``'s character error rate.

Usage: ``python corpus/build_archives.py [--out DIR] [--check] [SLUG ...]``. Deterministic: no clock,
no unseeded randomness, fixed zip timestamps; ``--check`` rebuilds in memory and reports stale files
(scans compared by their decoded images, which do not depend on the JPEG encoder's version).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import io
import sys
import zipfile
from pathlib import Path

import numpy as np
import yaml
from fpdf import FPDF, FPDF_VERSION

CORPUS_DIR = Path(__file__).resolve().parent
DEFAULT_SRC = CORPUS_DIR / "archives_src"
DEFAULT_OUT = CORPUS_DIR / "archives"
KINDS = ("pdf", "docx", "twocolumn", "scan")
SCAN_DPI = 150
SCAN_SEED = 259  # IGCP 259
SCAN_JPEG_QUALITY = 60
ZIP_TIME = (2024, 1, 1, 0, 0, 0)


def _build_pdfs():
    spec = importlib.util.spec_from_file_location("build_pdfs", CORPUS_DIR / "build_pdfs.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("build_pdfs", module)
    spec.loader.exec_module(module)
    return module


bp = _build_pdfs()


def kind_of(src: Path) -> str:
    meta, _body, _line = bp.split_front_matter(src.read_text(encoding="utf-8"), src)
    kind = str(meta.get("kind", "")).strip()
    if kind not in KINDS:
        raise bp.SourceError(f"{src}: kind must be one of {', '.join(KINDS)}")
    return kind


def output_name(src: Path) -> str:
    return f"{src.stem}.docx" if kind_of(src) == "docx" else f"{src.stem}.pdf"


# ----------------------------------------------------------------------------- Word


def build_docx(src: Path) -> bytes:
    """A .docx of the source: Title/Heading styles, paragraphs, bullets, tables with a header row."""
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    source = bp.load_source(src)
    document = docx.Document()
    props = document.core_properties
    when = dt.datetime(source.date.year, source.date.month, source.date.day)
    props.title = source.title
    props.subject = source.subtitle
    props.author = bp.AUTHOR
    props.keywords = f"date:{source.date.isoformat()} type:{source.doc_type} ICGG"
    props.created = props.modified = when
    props.last_printed = when
    props.revision = 1
    props.last_modified_by = bp.AUTHOR
    props.comments = "corpus/build_archives.py"
    for block in source.blocks:
        if isinstance(block, bp.Heading):
            if block.level == 1:
                document.add_heading(bp.plain_text(block.text), level=0)
            else:
                document.add_heading(bp.plain_text(block.text), level=block.level - 1)
        elif isinstance(block, bp.Paragraph):
            document.add_paragraph(bp.plain_text(block.text))
        elif isinstance(block, bp.ListBlock):
            style = "List Number" if block.ordered else "List Bullet"
            for item in block.items:
                document.add_paragraph(bp.plain_text(item), style=style)
        elif isinstance(block, bp.Table):
            rows = ([block.header] if block.header else []) + block.rows
            table = document.add_table(rows=len(rows), cols=len(rows[0]))
            table.style = "Table Grid"
            for r, row in enumerate(rows):
                for c, cell in enumerate(row):
                    table.cell(r, c).text = bp.plain_text(cell)
            if block.header:  # "repeat as header row", as Word marks a header
                tr_pr = table.rows[0]._tr.get_or_add_trPr()
                tr_pr.append(OxmlElement("w:tblHeader"))
                for cell in table.rows[0].cells:
                    for run in cell.paragraphs[0].runs:
                        run.bold = True
            _ = qn  # (kept for readers extending the builder with cell properties)
        elif isinstance(block, bp.PageBreak):
            document.add_page_break()
    out = io.BytesIO()
    document.save(out)
    return _fixed_zip(out.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """The same zip with fixed timestamps and entry order, so a rebuild is byte-identical."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        names = source.namelist()
        ordered = ["[Content_Types].xml", *sorted(n for n in names if n != "[Content_Types].xml")]
        for name in ordered:
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(name))
    return out.getvalue()


# ----------------------------------------------------------------------------- two columns


def build_two_column(src: Path) -> bytes:
    """Title and abstract across the page, then two columns drawn line by line across both."""
    source = bp.load_source(src)
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_margins(bp.MARGIN, bp.MARGIN, bp.MARGIN)
    pdf.set_auto_page_break(False)
    pdf.set_title(bp.to_latin1(source.title))
    pdf.set_subject(bp.to_latin1(source.subtitle))
    pdf.set_author(bp.AUTHOR)
    pdf.set_creator(f"corpus/build_archives.py (fpdf2 {FPDF_VERSION})")
    pdf.set_keywords(f"date:{source.date.isoformat()} type:{source.doc_type} ICGG")
    pdf.set_creation_date(dt.datetime(source.date.year, source.date.month, source.date.day, tzinfo=dt.UTC))
    pdf.set_lang("en")
    pdf.add_page()
    pdf.set_font(bp.FONT, "B", 17)
    pdf.multi_cell(0, 8, bp.to_latin1(source.title), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(bp.FONT, "", 11)
    pdf.multi_cell(0, 6, bp.to_latin1(source.subtitle), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 6, f"ICGG, {source.date.isoformat()}", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    blocks = list(source.blocks)
    if blocks and isinstance(blocks[0], bp.Heading) and blocks[0].text.lower() == "abstract":
        pdf.set_font(bp.FONT, "B", 10)
        pdf.multi_cell(0, 5, "Abstract", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(bp.FONT, "I", 10)
        text = bp.to_latin1(bp.plain_text(blocks[1].text))
        pdf.multi_cell(0, 5, text, align="J", new_x="LMARGIN", new_y="NEXT")
        blocks = blocks[2:]
        pdf.ln(4)
    gutter = 8.0
    width = (pdf.epw - gutter) / 2
    line_h = 4.8
    lines: list[tuple[str, str]] = []  # (style, text); "" text is a paragraph gap
    for block in blocks:
        if isinstance(block, bp.Heading):
            style, text = "B", bp.plain_text(block.text)
        elif isinstance(block, bp.Paragraph):
            style, text = "", bp.plain_text(block.text)
        else:
            continue
        pdf.set_font(bp.FONT, style, 10)
        for line in pdf.multi_cell(width, line_h, bp.to_latin1(text), dry_run=True, output="LINES"):
            lines.append((style, line))
        lines.append(("", ""))
    top = pdf.get_y()
    rows = int((pdf.h - bp.MARGIN - top) // line_h)
    left, right = lines[:rows], lines[rows : 2 * rows]
    if len(lines) > 2 * rows:
        raise bp.SourceError(f"{src}: the two-column text does not fit on one page")
    for k in range(rows):  # line k of the left column, then line k of the right one
        for column, part in ((0, left), (1, right)):
            if k < len(part) and part[k][1]:
                style, text = part[k]
                pdf.set_font(bp.FONT, style, 10)
                x = bp.MARGIN + column * (width + gutter)
                pdf.text(x, top + (k + 1) * line_h - 1.2, text)
    return bytes(pdf.output())


# ----------------------------------------------------------------------------- scan


def scan_pages(clean_pdf: bytes) -> tuple[list[np.ndarray], list[str]]:
    """(degraded page images, clean page texts) of a born-digital PDF."""
    import pypdfium2 as pdfium
    from PIL import Image, ImageFilter
    from pypdf import PdfReader

    texts = [page.extract_text() or "" for page in PdfReader(io.BytesIO(clean_pdf)).pages]
    rng = np.random.default_rng(SCAN_SEED)
    images = []
    document = pdfium.PdfDocument(clean_pdf)
    for index in range(len(document)):
        bitmap = document[index].render(scale=SCAN_DPI / 72, grayscale=True)
        page = bitmap.to_pil().convert("L")
        angle = float(rng.uniform(-0.8, 0.8))
        page = page.rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=255)
        page = page.filter(ImageFilter.GaussianBlur(radius=0.7))
        pixels = np.asarray(page, dtype=np.float32)
        pixels = 30 + pixels * (215 / 255)  # toner never quite black, paper never quite white
        pixels += rng.normal(0, 9, pixels.shape)
        speckle = rng.random(pixels.shape) < 0.0008
        pixels[speckle] = rng.uniform(0, 120, int(speckle.sum()))
        images.append(np.clip(pixels, 0, 255).astype(np.uint8))
    return images, texts


def build_scan(src: Path) -> tuple[bytes, str]:
    """(image-only PDF, ground-truth text) of a scan source."""
    from PIL import Image

    source = bp.load_source(src)
    images, texts = scan_pages(bp.Renderer(source).build())
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_title(bp.to_latin1(source.title))
    pdf.set_author(bp.AUTHOR)
    pdf.set_creator(f"corpus/build_archives.py (fpdf2 {FPDF_VERSION}; scan of build_pdfs.py output)")
    pdf.set_keywords(f"date:{source.date.isoformat()} type:{source.doc_type} ICGG scanned")
    pdf.set_creation_date(dt.datetime(source.date.year, source.date.month, source.date.day, tzinfo=dt.UTC))
    for pixels in images:
        pdf.add_page()
        buffer = io.BytesIO()
        Image.fromarray(pixels).save(buffer, format="JPEG", quality=SCAN_JPEG_QUALITY, optimize=False)
        buffer.seek(0)
        pdf.image(buffer, x=0, y=0, w=pdf.w, h=pdf.h)
    return bytes(pdf.output()), "\f\n".join(text.strip() for text in texts) + "\n"


def truth_path(src: Path) -> Path:
    return src.with_suffix(".truth.txt")


# ----------------------------------------------------------------------------- driver


def build(src: Path) -> dict[Path, bytes]:
    """Files (path -> bytes) one source builds into; the scan's ground truth goes beside its source."""
    kind = kind_of(src)
    out = DEFAULT_OUT / output_name(src)
    if kind == "pdf":
        return {out: bp.render(src)}
    if kind == "docx":
        return {out: build_docx(src)}
    if kind == "twocolumn":
        return {out: build_two_column(src)}
    data, truth = build_scan(src)
    return {out: data, truth_path(src): truth.encode("utf-8")}


def same_scan(a: bytes, b: bytes) -> bool:
    """Two scan PDFs show the same pages: equal page count and decoded images within JPEG noise."""
    import pypdfium2 as pdfium

    da, db = pdfium.PdfDocument(a), pdfium.PdfDocument(b)
    if len(da) != len(db):
        return False
    for i in range(len(da)):
        pa = da[i].render(scale=1).to_numpy().astype(np.int16)
        pb = db[i].render(scale=1).to_numpy().astype(np.int16)
        if pa.shape != pb.shape or np.abs(pa - pb).mean() > 2.0:
            return False
    return True


def sources(src_dir: Path, slugs: list[str] | None = None) -> list[Path]:
    paths = sorted(src_dir.glob("*.md"))
    if slugs:
        paths = [p for p in paths if p.stem in set(slugs)]
    return paths


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--src", type=Path, default=DEFAULT_SRC)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file is stale")
    ap.add_argument("slugs", nargs="*")
    args = ap.parse_args(argv)
    stale = []
    for src in sources(args.src, args.slugs):
        for path, data in build(src).items():
            target = args.out / path.name if path.parent == DEFAULT_OUT else path
            if args.check:
                if not target.exists():
                    stale.append(target)
                elif kind_of(src) == "scan" and target.suffix == ".pdf":
                    if not same_scan(target.read_bytes(), data):
                        stale.append(target)
                elif target.read_bytes() != data:
                    stale.append(target)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            print(f"{src.name} -> {target}")
    for target in stale:
        print(f"stale: {target} (run python corpus/build_archives.py)", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    _ = yaml  # the sources' front matter is YAML (read through build_pdfs)
    sys.exit(main())
