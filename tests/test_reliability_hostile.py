"""Hostile documents: a batch of broken, encrypted, oversized, scripted and oddly encoded files goes through
the real ingest (discovery, sandboxed parsing, chunking, embedding, publishing). Every file ends indexed
or refused with a one-line reason, nothing hangs past its timeout or grows memory without bound, nothing
a document scripts reaches the chunks, and the good files of the same batch are indexed and found."""

from __future__ import annotations

import os
import re
import resource
import time
import zlib
from pathlib import Path

import pytest
from fixtures.pdfs import LOREM, make_pdf
from reliability_docs import (
    ARABIC_PDF_TEXT,
    CJK_PDF_TEXT,
    _stream,
    deflate_bomb_pdf,
    raw_pdf,
    text_pdf_objects,
    write_hostile_batch,
)

from icgg.settings import Settings
from index.builder import ingest_paths
from index.reader import open_index
from ingest.reader import read_file, read_files

EXTERNAL_PDFS = Path(__file__).resolve().parents[2] / "shared" / "external" / "pdfs"

# What each file of the batch must come to: "ok", or a pattern its one-line reason must match.
EXPECTED = {
    "good_pdf": "ok",
    "good_news": "ok",
    "password_pdf": r"^encrypted \(password required\)$",
    "empty_password_pdf": "ok",
    "aes256_empty_password_pdf": "ok",
    "truncated_pdf": r"^damaged or unreadable PDF \(",
    "garbage_pdf": r"^damaged or unreadable PDF \(",
    "random_named_pdf": r"^not a PDF: content is ",
    "zero_pdf": r"^empty file \(0 bytes\)$",
    "zero_md": r"^empty file \(0 bytes\)$",
    "broken_xref_pdf": "ok",  # pypdf rebuilds the table from the objects
    "no_xref_pdf": "ok",
    "bomb_pdf": r"^text extraction failed on every page \(p1 (LimitReachedError|MemoryError)",
    "many_pages_pdf": r"^too many pages \(1000 > limit 50\)$",
    "cyclic_outline_pdf": "ok",  # the text is read; the outline is never walked
    "deep_outline_pdf": "ok",
    # A picture without text is read by OCR, which finds nothing to index.
    "image_only_pdf": r"^no text recognised on the scanned pages \(blank or unreadable images\)$",
    "javascript_pdf": "ok",
    "cjk_pdf": "ok",
    "arabic_pdf": "ok",
    "cjk_md": "ok",
    "arabic_html": "ok",
    "broken_yaml_md": r"^broken front matter: .+ at line \d+$",
    "wrong_types_md": "ok",
    "front_matter_only_md": r"^no text \(empty document body\)$",
    "script_html": "ok",
    "script_md": "ok",
    "png_as_md": r"^binary file, not a document \(looks like PNG\)$",
    "elf_as_md": r"^binary file, not a document \(looks like ELF executable\)$",
    "utf16_txt": "ok",  # Windows "Unicode" text (UTF-16 with BOM) is decoded, not refused as binary
    "nul_bytes_md": r"^binary file, not a document \(looks like binary data with NUL bytes\)$",
    "latin1_txt": r"^binary file, not a document \(looks like binary data, not UTF-8 text\)$",
    "long_line_txt": "ok",
}
# Words that only occur in scripts, styles, event handlers and JavaScript actions of the batch.
SCRIPT_MARKERS = (
    "evil.example",
    "document.cookie",
    "alert(",
    "onload",
    "onclick",
    "click-handler",
    "color:red",
    "pwned-by-javascript",
    "exportDataObject",
    "import(",
    "frame-fallback",
)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, embedder):
    """The hostile batch ingested once into a fresh index: (files by name, report, settings)."""
    root = tmp_path_factory.mktemp("hostile")
    files = write_hostile_batch(root / "docs")
    settings = Settings(
        _env_file=None,
        index_dir=root / "index",
        max_pages=50,
        pdf_timeout_s=20,
        pdf_memory_mb=1024,  # the OCR engine (onnxruntime) needs more than 512 MB of address space
        parse_workers=2,
        ocr_page_timeout_s=600,  # the picture-only page is read by OCR, however busy the machine is
    )
    report = ingest_paths([root / "docs"], settings, embedder=embedder)
    return files, report, settings


def _rows_by_name(files, report):
    by_path = {row.path: row for row in report.files}
    return {name: by_path[str(path.resolve())] for name, path in files.items()}


def test_the_batch_holds_at_least_25_distinct_hostile_or_odd_files(hostile):
    files, _report, _settings = hostile
    assert set(files) == set(EXPECTED)
    bad_or_odd = [name for name in files if not name.startswith("good_")]
    assert len(bad_or_odd) >= 25


def test_every_file_is_indexed_or_refused_with_a_one_line_reason(hostile):
    files, report, _settings = hostile
    assert len(report.files) == len(files)  # the symlink loop and the self-link add nothing
    for row in report.files:
        assert row.status in ("added", "failed"), row
        if row.status == "failed":
            assert row.reason and "\n" not in row.reason and len(row.reason) < 300, row
        else:
            assert row.chunks > 0 and row.reason == ""


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_hostile_file_gets_its_expected_outcome(hostile, name):
    files, report, _settings = hostile
    row = _rows_by_name(files, report)[name]
    if EXPECTED[name] == "ok":
        assert row.status == "added", row.reason
    else:
        assert row.status == "failed"
        assert re.search(EXPECTED[name], row.reason), row.reason


def test_good_files_in_a_hostile_batch_are_indexed_and_searchable(hostile, embedder):
    _files, _report, settings = hostile
    index = open_index(settings, embedder.model_name)
    titles = {d.title for d in index.documents()}
    assert {"Good Report", "Good news item"} <= titles
    for query, title in (
        ("tellurium anomalies Langfang", "Good Report"),
        ("scandium floodplain", "Good news item"),
    ):
        keyword = [index.document(index.chunk(h.row).doc_id).title for h in index.keyword_search(query, 3)]
        dense = index.dense_search(embedder.embed([query])[0], 3)
        assert keyword[0] == title
        assert title in [index.document(index.chunk(h.row).doc_id).title for h in dense]


def test_scripts_styles_event_handlers_and_pdf_javascript_never_reach_the_chunks(hostile):
    _files, _report, settings = hostile
    index = open_index(settings)
    texts = [index.chunk(row).text for row in range(len(index))]
    leaked = [(marker, t[:80]) for t in texts for marker in SCRIPT_MARKERS if marker in t]
    assert leaked == []
    by_title = {d.title: d for d in index.documents()}
    page = " ".join(c.text for c in index.chunks_of(by_title["Scripted page"].doc_id))
    assert "Germanium occurs in the scripted page body." in page
    report = " ".join(c.text for c in index.chunks_of(by_title["Scripted report on baselines"].doc_id))
    assert "Cobalt was sampled in the scripted province." in report
    news = " ".join(c.text for c in index.chunks_of(by_title["Scripted news"].doc_id))
    assert "Bismuth was mapped in the scripted news." in news


def test_cjk_and_arabic_text_survives_pdf_markdown_and_html_intact(hostile):
    _files, _report, settings = hostile
    index = open_index(settings)
    all_text = {d.doc_id: " ".join(c.text for c in index.chunks_of(d.doc_id)) for d in index.documents()}
    joined = "\n".join(all_text.values())
    assert CJK_PDF_TEXT in joined
    assert ARABIC_PDF_TEXT in joined  # logical order, not the visual order the PDF draws
    assert "中心在廊坊举办了地球化学填图培训班。" in joined
    assert "عقدت ورشة عمل حول رسم الخرائط الجيوكيميائية في لانغفانغ." in joined
    titles = {d.title for d in index.documents()}
    assert "联合国教科文组织全球尺度地球化学国际研究中心" in titles and "ورشة عمل" in titles


def test_front_matter_with_wrong_types_is_read_without_inventing_a_date(hostile):
    _files, _report, settings = hostile
    index = open_index(settings)
    (doc,) = [d for d in index.documents() if d.path.endswith("wrong-types.md")]
    assert doc.date is None  # "not a date" is not turned into one
    assert isinstance(doc.title, str) and doc.title
    assert "Gallium was reported" in index.chunks_of(doc.doc_id)[0].text


def test_symlink_loops_neither_hang_discovery_nor_duplicate_documents(hostile):
    _files, report, _settings = hostile
    paths = [row.path for row in report.files]
    assert len(paths) == len(set(paths))
    assert not [p for p in paths if "/loop/" in p or p.endswith("self-link.md")]


@pytest.mark.parametrize(
    ("memory_mb", "stopped_by"),
    # With a 64 MB cap, which guard fires first depends on the allocator and the interpreter's starting
    # footprint (seen both ways on two machines): either way the bomb must stop inside the child.
    [(512, ("LimitReachedError",)), (64, ("MemoryError", "LimitReachedError"))],
    ids=["pypdf-limit", "sandbox-memory-cap"],
)
def test_decompression_bomb_is_stopped_without_growing_the_parent(tmp_path, memory_mb, stopped_by):
    bomb = tmp_path / "bomb.pdf"
    bomb.write_bytes(deflate_bomb_pdf(300))  # 300 MiB inflated, ~300 KiB on disk
    rss_before = _rss_mb()
    outcome = read_file(bomb, Settings(_env_file=None, pdf_memory_mb=memory_mb, pdf_timeout_s=30))
    assert outcome.status == "failed"
    assert outcome.reason.startswith(
        tuple(f"text extraction failed on every page (p1 {guard}" for guard in stopped_by)
    ), outcome.reason
    assert _rss_mb() - rss_before < 50  # the bomb went off in the child, not here


def test_a_pathologically_slow_pdf_is_killed_at_the_timeout_and_the_batch_goes_on(tmp_path):
    """200 000 text operators in a 6 KB file: pypdf needs about 16 s for this one page."""
    objects = text_pdf_objects(["slow"])
    objects[3] = _stream(
        zlib.compress(b"BT /F1 1 Tf " + b"1 0 Td (x) Tj " * 200_000 + b"ET", 9), b"/Filter /FlateDecode"
    )
    slow = tmp_path / "slow.pdf"
    slow.write_bytes(raw_pdf(objects))
    good = make_pdf(tmp_path / "good.pdf", [["# Good", LOREM]], title="Good")
    news = tmp_path / "2020-01-01-n.md"
    news.write_text("---\ntitle: N\ndate: 2020-01-01\n---\nNiobium was found.\n")
    settings = Settings(_env_file=None, pdf_timeout_s=2, parse_workers=2)

    started = time.monotonic()
    slow_outcome, good_outcome, news_outcome = read_files([slow, good, news], settings)
    elapsed = time.monotonic() - started

    assert slow_outcome.reason == "timed out after 2 s"
    assert good_outcome.ok and news_outcome.ok
    assert elapsed < 8


def test_a_file_that_vanishes_between_discovery_and_parsing_is_reported(tmp_path, embedder):
    docs = tmp_path / "docs"
    docs.mkdir()
    keep = docs / "2020-02-02-keep.md"
    keep.write_text("---\ntitle: Kept\ndate: 2020-02-02\n---\nYttrium stays.\n")
    gone = docs / "2020-02-03-gone.md"
    gone.write_text("---\ntitle: Gone\ndate: 2020-02-03\n---\nThis file is deleted before parsing.\n")
    gone_pdf = make_pdf(docs / "gone.pdf", [["# Gone", LOREM]], title="Gone PDF")

    def delete_at_parse_start(stage: str, done: int, _total: int) -> None:
        if stage == "parse" and done == 0:
            gone.unlink(missing_ok=True)
            gone_pdf.unlink(missing_ok=True)

    settings = Settings(_env_file=None, index_dir=tmp_path / "index")
    report = ingest_paths([docs], settings, embedder=embedder, progress=delete_at_parse_start)
    rows = {Path(r.path).name: r for r in report.files}
    assert rows["2020-02-02-keep.md"].status == "added"
    assert rows["2020-02-03-gone.md"].status == "failed"
    assert rows["2020-02-03-gone.md"].reason == "cannot read file (No such file or directory)"
    assert rows["gone.pdf"].status == "failed" and "No such file" in rows["gone.pdf"].reason
    assert {d.title for d in open_index(settings).documents()} == {"Kept"}


def test_a_file_name_that_is_not_utf8_is_reported_and_its_neighbours_are_published(tmp_path, embedder):
    """GBK names unpacked from a zip made on Windows are not UTF-8; the store cannot hold such a path."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "2020-01-02-good.md").write_text("---\ntitle: Good name\ndate: 2020-01-02\n---\nIridium.\n")
    bad = os.path.join(os.fsencode(docs), "2020-01-01-\xb5\xd8\xc7\xf2\xbb\xaf\xd1\xa7.md".encode("latin-1"))
    with open(bad, "wb") as fh:
        fh.write(b"---\ntitle: GBK name\ndate: 2020-01-01\n---\nOsmium.\n")

    settings = Settings(_env_file=None, index_dir=tmp_path / "index")
    report = ingest_paths([docs], settings, embedder=embedder)
    failed = [r for r in report.files if r.status == "failed"]
    assert [r.reason for r in failed] == ["file name is not valid UTF-8; rename the file"]
    failed[0].path.encode("utf-8")  # printable in the report
    assert {d.title for d in open_index(settings).documents()} == {"Good name"}


@pytest.mark.slow
@pytest.mark.skipif(not EXTERNAL_PDFS.is_dir(), reason=f"opt-in: {EXTERNAL_PDFS} is not present")
def test_real_world_hostile_pdfs_are_each_read_or_refused_within_the_timeout():
    """The 82 hostile PDFs of public PDF projects' test suites (never committed; see INDEX.md there)."""
    pdfs = sorted(EXTERNAL_PDFS.rglob("*.pdf"))
    settings = Settings(
        _env_file=None, pdf_timeout_s=20, pdf_memory_mb=1024, parse_workers=2, ocr_page_timeout_s=120
    )
    outcomes = read_files(pdfs, settings)
    assert len(outcomes) == len(pdfs) >= 80
    for outcome in outcomes:
        assert outcome.ok or (outcome.reason and "\n" not in outcome.reason), outcome.path
        # A document read by OCR may run past the timeout while its pages keep finishing in their budget.
        budget = settings.pdf_timeout_s + outcome.ocr_pages * (settings.ocr_page_timeout_s + 30) + 5
        assert outcome.seconds < budget, outcome.path
    assert sum(o.ok for o in outcomes) >= len(outcomes) // 2


def _rss_mb() -> float:
    with open(f"/proc/{os.getpid()}/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
