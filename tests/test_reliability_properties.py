"""Property tests over arbitrary input: chunking covers any Unicode text within its size bounds, index records
round-trip through the SQLite store and a published generation, and no upload name escapes the upload
folder. Derandomized, with modest example counts, so the suite stays fast and repeatable.

(The answer sanitiser's property test lives in ``tests/test_bot_sanitize.py``; the uniform-random upload
name property in ``tests/test_app_uploads.py``. The one here builds names from traversal pieces.)
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index.bm25 import BM25Index, tokenize
from index.generations import list_generations, read_manifest
from index.publish import GenerationContent, publish
from index.reader import open_index
from index.sqlite_store import PageRow, read_store, write_store
from index.store import ChunkRecord, DocumentRecord
from ingest.chunking import Chunker
from ingest.documents import Page, ParsedDocument
from ui.uploads import MAX_NAME_CHARS, safe_upload_path, store_upload

TARGET, OVERLAP = 40, 10
PROPERTY = settings(
    derandomize=True, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# Any character a str can hold in a file we read (lone surrogates cannot come out of a UTF-8 decode).
_any_char = st.characters(blacklist_categories=("Cs",))
_scripts = st.sampled_from(
    [
        "Geochemical baselines were sampled.",
        "国际全球尺度地球化学中心位于廊坊。",
        "المركز الدولي للكيمياء الجيولوجية",
        "Ünïcödé çømbíning a\u0301 e\u0308",
        "emoji 🧪🌍 and ZWJ 👩\u200d🔬",
        "tabs\tand\u00a0no-break\u2003em\u3000ideographic spaces",
        "line\u2028separator\u2029paragraph\x85next\x0bvt\x0cff\x1cfs",
        "## Heading",
        "x" * 300,
        "",
    ]
)
_paragraph = st.one_of(st.text(_any_char, max_size=400), _scripts)
_page_text = st.lists(_paragraph, max_size=8).map("\n\n".join)


@pytest.fixture(scope="module")
def chunker(token_len):
    return Chunker(token_len, TARGET, OVERLAP)


def _doc(pages: list[str], doc_type: str) -> ParsedDocument:
    return ParsedDocument(
        doc_id="p1",
        path="/corpus/p1.pdf",
        content_hash="0" * 64,
        doc_type=doc_type,
        title="Property document",
        date=None,
        source="p1.pdf",
        pages=tuple(Page(number=i + 1, text=t) for i, t in enumerate(pages)),
    )


@settings(PROPERTY, max_examples=80)
@given(pages=st.lists(_page_text, min_size=1, max_size=3), doc_type=st.sampled_from(["report", "news"]))
def test_chunks_cover_every_visible_character_of_any_unicode_text_within_bounds(
    chunker, token_len, pages, doc_type
):
    doc = _doc(pages, doc_type)
    text = doc.text
    covered = bytearray(len(text))
    for chunk in chunker.chunk(doc):
        assert chunk.text == text[chunk.char_start : chunk.char_end]
        assert chunk.text.strip()
        assert token_len(chunk.text) <= TARGET + OVERLAP, chunk.text
        covered[chunk.char_start : chunk.char_end] = b"\x01" * (chunk.char_end - chunk.char_start)
    lost = [ch for ch, seen in zip(text, covered, strict=True) if not seen and not ch.isspace()]
    assert lost == []


# --- records round-trip ----------------------------------------------------------------------------------

_text = st.text(_any_char, max_size=200)
_opt_text = st.none() | _text


@st.composite
def _records(draw):
    """Documents with pages and chunks, every text field arbitrary Unicode (NUL and emoji included)."""
    n_docs = draw(st.integers(1, 4))
    documents, extras, pages, chunks = [], {}, [], []
    for d in range(n_docs):
        doc_id = f"doc{d:02d}"
        n_pages, n_chunks = draw(st.integers(1, 3)), draw(st.integers(0, 4))
        documents.append(
            DocumentRecord(
                doc_id=doc_id,
                path=draw(_text),
                content_hash=draw(st.text("0123456789abcdef", min_size=64, max_size=64)),
                doc_type=draw(st.sampled_from(["report", "news", "page"])),
                title=draw(_text),
                date=draw(st.none() | st.dates().map(str) | st.sampled_from(["2021", "2021-09"])),
                source=draw(_text),
                category=draw(_opt_text),
                language=draw(_opt_text),
                n_pages=n_pages,
                n_chunks=n_chunks,
            )
        )
        extras[doc_id] = draw(st.dictionaries(_text, _text, max_size=3))
        pages += [PageRow(doc_id, p + 1, draw(_opt_text), draw(_text)) for p in range(n_pages)]
        for ordinal in range(n_chunks):
            start = draw(st.integers(0, 10_000))
            chunks.append(
                ChunkRecord(
                    row=len(chunks),
                    chunk_id=f"{doc_id}:{ordinal}",
                    doc_id=doc_id,
                    ordinal=ordinal,
                    text=draw(_text),
                    heading=draw(_text),
                    page_start=1,
                    page_end=n_pages,
                    page_label=draw(_opt_text),
                    char_start=start,
                    char_end=start + draw(st.integers(0, 5000)),
                )
            )
    return documents, extras, pages, chunks


@settings(PROPERTY, max_examples=60)
@given(records=_records())
def test_records_round_trip_through_the_sqlite_store(tmp_path_factory, records):
    documents, extras, pages, chunks = records
    path = tmp_path_factory.mktemp("store") / "store.sqlite"
    write_store(path, documents, extras, pages, chunks)
    back = read_store(path)
    assert back.documents == documents
    assert back.extras == extras
    assert back.pages == pages
    assert back.chunks == chunks


@settings(PROPERTY, max_examples=15)
@given(records=_records(), chunking=st.dictionaries(st.text(_any_char, max_size=20), _text, max_size=3))
def test_a_published_generation_reads_back_exactly_what_was_written(tmp_path_factory, records, chunking):
    documents, extras, pages, chunks = records
    index_dir = tmp_path_factory.mktemp("gen")
    rng = np.random.default_rng(len(chunks))
    vectors = rng.normal(size=(len(chunks), 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    content = GenerationContent(
        documents=documents,
        extras=extras,
        pages=pages,
        chunks=chunks,
        vectors=vectors,
        bm25=BM25Index.from_tokens([tokenize(f"{c.heading}\n{c.text}") for c in chunks]),
        model_name="model-ü-测试",
        dimension=8,
        chunking=chunking,
    )
    generation = publish(index_dir, content, parent=None, hnsw_threshold=1000)

    index = open_index(_settings(index_dir), expected_model="model-ü-测试", expected_dimension=8)
    assert index.generation == generation and list_generations(index_dir) == [generation]
    assert list(index.documents()) == documents
    assert [index.chunk(r) for r in range(len(index))] == chunks
    assert all(index.document_extra(d.doc_id) == extras[d.doc_id] for d in documents)
    assert all(index.page_text(p.doc_id, p.page) == p.text for p in pages)
    np.testing.assert_allclose(index.vectors(), vectors, rtol=0, atol=0)
    manifest = read_manifest(index.path)
    assert manifest["chunking"] == chunking and manifest["model"] == "model-ü-测试"
    assert manifest["counts"] == {"documents": len(documents), "chunks": len(chunks), "pages": len(pages)}


def _settings(index_dir: Path):
    from icgg.settings import Settings

    return Settings(_env_file=None, index_dir=index_dir)


# --- upload names ----------------------------------------------------------------------------------------

_name_piece = st.one_of(
    st.sampled_from(
        [
            "..", ".", "/", "\\", "../", "..\\", "//", "C:", "C:\\", "\\\\server\\share\\", "~", "~/",
            "\x00", "%2e%2e%2f", "\u2215", "\u2044", "\uff0f", "\uff3c", "\u202e", "\u200b", ".pdf", ".md",
            "CON", "nul", "lpt1", "-", "_", " ", "\n", "\t", "*", "?", "|", "<", ">", ":", '"',
            "etc/passwd", "report", "报告", "تقرير", "🧪", "Ａ", "ﬁ",
        ]
    ),
    st.text(_any_char, max_size=5),
)  # fmt: skip
_hostile_names = st.one_of(
    st.lists(_name_piece, max_size=30).map("".join),
    st.lists(_name_piece, min_size=1, max_size=4).map(lambda parts: "".join(parts) * 200),  # very long
)
_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@settings(PROPERTY, max_examples=150)
@given(name=_hostile_names)
def test_no_upload_name_built_from_traversal_pieces_leaves_the_upload_folder(tmp_path_factory, name):
    upload_dir = tmp_path_factory.mktemp("uploads")
    path = safe_upload_path(upload_dir, name)
    assert path.parent == upload_dir.resolve()
    assert _SAFE.match(path.name) and len(path.name) <= MAX_NAME_CHARS, path.name

    stored = store_upload(b"---\ntitle: T\n---\nBody.\n", name, upload_dir, 10_000)
    if stored.path is None:  # a name ending in .pdf promises a PDF; the Markdown content is refused
        assert stored.reason == "not a PDF: content is Markdown text"
        assert list(upload_dir.iterdir()) == []
    else:
        assert stored.path.parent == upload_dir.resolve()
        assert [p.name for p in upload_dir.iterdir()] == [stored.path.name]
