"""Chunking invariants with the real MiniLM tokenizer: exact offsets, page ranges, headings, bounded
sizes, sentence overlap inside a section and none across sections, no text lost."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from ingest.chunking import Chunker
from ingest.documents import Page, ParsedDocument

TARGET, OVERLAP = 60, 15


@pytest.fixture(scope="module")
def chunker(token_len):
    return Chunker(token_len, TARGET, OVERLAP)


@pytest.fixture(scope="module")
def fast_chunker(embedder, settings_module):
    return Chunker.for_tokenizer(settings_module, embedder.tokenizer)


@pytest.fixture(scope="module")
def settings_module():
    from icgg.settings import Settings

    return Settings(_env_file=None, chunk_tokens=TARGET, chunk_overlap_tokens=OVERLAP)


def _doc(pages: list[str], doc_type: str = "report", doc_id: str = "d1") -> ParsedDocument:
    return ParsedDocument(
        doc_id=doc_id,
        path=f"/corpus/{doc_id}.pdf",
        content_hash="0" * 64,
        doc_type=doc_type,
        title="Test document",
        date=None,
        source=f"{doc_id}.pdf",
        pages=tuple(Page(number=i + 1, text=t) for i, t in enumerate(pages)),
    )


def _sentences(topic: str, n: int) -> str:
    return " ".join(f"Sentence {i} says {topic} samples were analysed in batch {i}." for i in range(n))


REPORT_PAGES = [
    "1 Introduction\n\n" + _sentences("stream sediment", 3) + "\n\n" + _sentences("soil", 2),
    _sentences("floodplain", 4) + "\n\n2.1 Sampling media\n\n" + _sentences("humus", 9),
    "Quality Control\n\n" + _sentences("duplicate", 3),
]


def _check_invariants(doc: ParsedDocument, chunks, token_len) -> None:
    text = doc.text
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    assert len({c.chunk_id for c in chunks}) == len(chunks)
    covered = [False] * len(text)
    previous_start = -1
    for c in chunks:
        assert c.doc_id == doc.doc_id and c.chunk_id == f"{doc.doc_id}:{c.ordinal}"
        assert c.text == text[c.char_start : c.char_end]
        assert c.text == c.text.strip() and c.text
        assert c.char_start > previous_start  # text order
        previous_start = c.char_start
        assert token_len(c.text) <= TARGET + OVERLAP
        pages_touched = [n for n, s, e in doc.page_spans() if s < c.char_end and c.char_start < max(e, s + 1)]
        assert (c.page_start, c.page_end) == (pages_touched[0], pages_touched[-1])
        for i in range(c.char_start, c.char_end):
            covered[i] = True
    lost = "".join(ch for ch, seen in zip(text, covered, strict=True) if not seen and not ch.isspace())
    assert lost == ""


def test_offsets_round_trip_and_pages_are_right(chunker, token_len):
    doc = _doc(REPORT_PAGES)
    chunks = chunker.chunk(doc)
    assert len(chunks) > 3
    _check_invariants(doc, chunks, token_len)
    assert any(c.page_start < c.page_end for c in chunks)  # a section that runs over a page break


def test_each_chunk_names_the_nearest_heading_above_and_sections_open_with_their_heading(chunker):
    chunks = chunker.chunk(_doc(REPORT_PAGES))
    headings = [c.heading for c in chunks]
    assert headings[0] == "1 Introduction"
    assert chunks[0].text.startswith("1 Introduction\n\n")
    first_sampling = headings.index("2.1 Sampling media")
    assert chunks[first_sampling].text.startswith("2.1 Sampling media\n\n")
    assert set(headings[:first_sampling]) == {"1 Introduction"}
    assert headings[-1] == "Quality Control"
    assert chunks[-1].text.startswith("Quality Control\n\n")
    # A chunk never crosses into the next section.
    for c in chunks:
        assert c.heading == "2.1 Sampling media" or "2.1 Sampling media" not in c.text


def test_markdown_headings_structure_news_items(chunker):
    text = "Opening paragraph of the item.\n\n## Field work\n\nThe team sampled forty sites.\n\n## Results"
    text += "\n\nMaps were compiled."
    chunks = chunker.chunk(_doc([text], doc_type="news"))
    assert [(c.heading, c.text) for c in chunks] == [
        ("", "Opening paragraph of the item."),
        ("Field work", "## Field work\n\nThe team sampled forty sites."),
        ("Results", "## Results\n\nMaps were compiled."),
    ]


def test_short_standalone_lines_in_news_are_not_taken_for_headings(chunker):
    text = "Langfang Declaration\n\nThe declaration was signed by all partners."
    chunks = chunker.chunk(_doc([text], doc_type="news"))
    assert [c.heading for c in chunks] == [""]


def test_consecutive_chunks_of_a_section_overlap_by_whole_sentences(chunker, token_len):
    doc = _doc(["Results\n\n" + _sentences("catchment", 14)])
    chunks = chunker.chunk(doc)
    assert len(chunks) >= 3
    for before, after in itertools.pairwise(chunks):
        assert after.char_start < before.char_end  # overlap present
        shared = doc.text[after.char_start : before.char_end]
        assert shared.startswith("Sentence ") and shared.endswith(".")  # whole sentences
        assert token_len(shared) <= OVERLAP


def test_no_overlap_across_a_section_boundary(chunker):
    doc = _doc([_sentences("soil", 7) + "\n\n3 Results\n\n" + _sentences("water", 7)])
    chunks = chunker.chunk(doc)
    boundary = next(i for i, c in enumerate(chunks) if c.heading == "3 Results")
    assert chunks[boundary].char_start >= chunks[boundary - 1].char_end


def test_an_overlong_sentence_is_cut_at_words_and_a_giant_word_inside_it(chunker, token_len):
    run_on = " ".join(f"element{i % 50} concentration" for i in range(200))
    giant = "x" * 3000
    doc = _doc([f"{run_on} {giant} end of the run-on text"])
    chunks = chunker.chunk(doc)
    _check_invariants(doc, chunks, token_len)
    assert all(token_len(c.text) <= TARGET + OVERLAP for c in chunks)


def test_chunks_never_mix_documents(chunker):
    a = chunker.chunk(_doc(REPORT_PAGES, doc_id="aaaa"))
    b = chunker.chunk(_doc(["Another document entirely. " * 30], doc_id="bbbb"))
    assert {c.doc_id for c in a} == {"aaaa"} and {c.doc_id for c in b} == {"bbbb"}
    assert not any("Another document" in c.text for c in a)


def test_empty_document_has_no_chunks(chunker):
    assert chunker.chunk(_doc([""])) == []
    assert chunker.chunk(_doc(["   ", "\n"])) == []


def test_from_settings_uses_the_configured_sizes(settings, token_len):
    chunker = Chunker.from_settings(settings, token_len)
    assert (chunker.target_tokens, chunker.overlap_tokens) == (
        settings.chunk_tokens,
        settings.chunk_overlap_tokens,
    )


_word = st.sampled_from(
    [
        "geochemical",
        "baseline",
        "ICGG",
        "samples",
        "Langfang",
        "76-element",
        "km2",
        "(IGGE)",
        "e.g.",
        "x" * 40,
    ],
)
_sentence = st.lists(_word, min_size=1, max_size=40).map(lambda ws: " ".join(ws) + ".")
_block = st.one_of(
    st.lists(_sentence, min_size=1, max_size=12).map(" ".join),
    st.sampled_from(["## Methods", "4.2 Analysis", "Executive Summary", "- a list item", "Cu 0.5\nZn 2"]),
)
_page = st.lists(_block, min_size=0, max_size=6).map("\n\n".join)


@hyp_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pages=st.lists(_page, min_size=1, max_size=4), doc_type=st.sampled_from(["report", "news"]))
def test_invariants_hold_for_arbitrary_documents(chunker, fast_chunker, token_len, pages, doc_type):
    doc = _doc(pages, doc_type=doc_type)
    chunks = chunker.chunk(doc)
    _check_invariants(doc, chunks, token_len)
    # Counting tokens from one tokenization of the document gives exactly the same chunks.
    assert fast_chunker.chunk(doc) == chunks


def test_closing_quotes_stay_with_their_sentence(chunker):
    text = " ".join(f'Speaker {i} said "the samples were clean." Then' for i in range(30)) + " end."
    doc = _doc([text])
    chunks = chunker.chunk(doc)
    assert len(chunks) > 2
    for c in chunks:
        assert doc.text[c.char_end : c.char_end + 1] != '"'  # a chunk never stops before the quote
        assert not c.text.startswith('"')
