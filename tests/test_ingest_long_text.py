"""Pathological text is read and chunked within the chunk bounds, losing nothing: a 3 MB line without a
newline or a full stop, one unbroken 3 MB "word", a sentence of thousands of "e.g.", paragraphs far
apart, 300 000 soft-wrapped lines, a Markdown line of unpaired delimiters, an HTML page nested 20 000
deep. Each of these once took minutes to hours (quadratic steps); timings are measured outside the
suite, not asserted here."""

from __future__ import annotations

import random

import pytest

from icgg.settings import Settings
from ingest.chunking import Chunker
from ingest.documents import Page, ParsedDocument
from ingest.headings import markdown_heading
from ingest.reader import read_file

MB = 1_000_000


@pytest.fixture(scope="module")
def chunker(token_len):
    """Built the way the index builder builds it (default sizes, counting with ``token_len``)."""
    return Chunker.from_settings(Settings(_env_file=None), token_len)


def _doc(text: str) -> ParsedDocument:
    return ParsedDocument(
        doc_id="long",
        path="/corpus/long.txt",
        content_hash="0" * 64,
        doc_type="page",
        title="Long text",
        date=None,
        source="long.txt",
        pages=(Page(number=1, text=text),),
    )


def _random_words(n_chars: int, seed: int = 0) -> str:
    rng = random.Random(seed)
    words, size = [], 0
    while size < n_chars:
        word = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 10)))
        words.append(word)
        size += len(word) + 1
    return " ".join(words)[:n_chars].strip()


def _random_chars(alphabet: str, n_chars: int, seed: int = 0) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(alphabet) for _ in range(n_chars))


def _assert_chunked_within_bounds_covering_all(chunker: Chunker, embedder, text: str) -> None:
    chunks = chunker.chunk(_doc(text))
    assert chunks
    ids = embedder.tokenizer([c.text for c in chunks], add_special_tokens=False)["input_ids"]
    limit = chunker.target_tokens + chunker.overlap_tokens
    for chunk, tokens in zip(chunks, ids, strict=True):
        assert chunk.text == text[chunk.char_start : chunk.char_end]
        assert chunk.text.strip()
        assert len(tokens) <= limit, (len(tokens), chunk.text[:80])
        assert len(chunk.text) <= chunker.max_chunk_chars, (len(chunk.text), chunk.text[:80])
    # Covered: what lies between chunks (and before the first, after the last) is only whitespace.
    covered_to = 0
    for chunk in chunks:
        assert chunk.char_start >= 0 and chunk.char_end > chunk.char_start
        assert not text[covered_to : chunk.char_start].strip(), "text between chunks was lost"
        covered_to = max(covered_to, chunk.char_end)
    assert not text[covered_to:].strip(), "the end of the text was lost"


def test_a_3mb_single_line_of_words_without_punctuation_chunks_within_bounds_and_covers_it(chunker, embedder):
    _assert_chunked_within_bounds_covering_all(chunker, embedder, _random_words(3 * MB))


# Built lazily (not at collection time): name -> text.
PATHOLOGICAL = {
    # One word of letters: the tokenizer reads any word over 100 characters as a single [UNK], so only
    # the character bound keeps it from becoming one 3 MB chunk.
    "3mb-word-of-letters": lambda: _random_chars("abcdefghijklmnopqrstuvwxyz", 3 * MB),
    "punctuation-soup": lambda: _random_chars("abcdefghij0123456789-_/.,", MB // 4),  # a token a char
    "cjk-no-spaces": lambda: _random_chars("".join(map(chr, range(0x4E00, 0x4E80))), MB // 4),
    "abbreviation-run": lambda: ("see e.g. Xxx " * (MB // 13)).strip(),  # one sentence of "e.g."
    # Paragraphs 6000 blank characters apart: one chunk must not span the blank runs between them.
    "far-apart": lambda: "\n\n".join(["Short sentence here."] + ["Another one." + " \n\n" * 2000] * 50),
}


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_pathological_text_chunks_within_token_and_character_bounds_covering_it(chunker, embedder, name):
    _assert_chunked_within_bounds_covering_all(chunker, embedder, PATHOLOGICAL[name]())


def test_the_offset_counting_chunker_keeps_the_same_bounds_on_a_long_line(embedder):
    settings = Settings(_env_file=None, chunk_tokens=60, chunk_overlap_tokens=15)
    offsets_chunker = Chunker.for_tokenizer(settings, embedder.tokenizer)
    text = _random_words(MB // 4, seed=1) + " " + _random_chars("abcdefghij0123456789-_/.,", 20_000)
    _assert_chunked_within_bounds_covering_all(offsets_chunker, embedder, text)


def test_a_3mb_paragraph_of_soft_wrapped_lines_reads_as_one_paragraph(tmp_path, settings):
    words = _random_words(3 * MB, seed=2).split(" ")
    path = tmp_path / "wrapped.txt"
    path.write_text("\n".join(words))
    outcome = read_file(path, settings)
    assert outcome.ok, outcome.reason
    assert outcome.document.text == " ".join(words)


def test_a_3mb_heading_line_of_hashes_is_read_as_one_heading():
    line = "# x" + " #" * (3 * MB // 2) + " y"
    assert markdown_heading(line) == line[2:]
    assert markdown_heading("## Title ##") == "Title"
    assert markdown_heading("# ##") == "#"


@pytest.mark.parametrize(
    ("unit", "expected_unit"),
    [
        ("**x ", "**x "),  # unpaired: every "**" once made the regex rescan the rest of the line
        ("_x ", "_x "),
        ("[x ", "[x "),
        ("<!--x ", "<!--x "),
        ("<script x ", "<script x "),
        ("**bold** and _it_ and [link](https://example.org) ", "bold and it and link "),
    ],
    ids=["bold", "underscore", "bracket", "comment", "script", "paired"],
)
def test_a_1mb_markdown_line_of_delimiters_is_read_keeping_its_words(tmp_path, settings, unit, expected_unit):
    repeats = MB // len(unit)
    path = tmp_path / "delimiters.md"
    path.write_text("---\ntitle: Delimiters\n---\n" + unit * repeats)
    outcome = read_file(path, settings)
    assert outcome.ok, outcome.reason
    assert outcome.document.text == (expected_unit * repeats).strip()


@pytest.mark.parametrize(
    ("opening", "closing"),
    [
        ("<div>", "</div>"),
        ("<div><p>", "</p></div>"),
        ("<ul><li>", "</li></ul>"),
        ("<section role=main>", "</section>"),
    ],
    ids=["div", "div-p", "list", "section"],
)
def test_a_page_nested_20000_deep_is_read_keeping_every_word_in_order(tmp_path, settings, opening, closing):
    depth = 20_000
    body = "".join(f"{opening}w{i} " for i in range(depth)) + closing * depth
    path = tmp_path / "nested.html"
    path.write_text(
        "<html><head><title>Nested</title></head><body>"
        '<time datetime="2021-09-16">16 September 2021</time>'
        + "<time>" * 5000
        + "</time>" * 5000
        + body
        + "</body></html>"
    )
    outcome = read_file(path, settings)
    assert outcome.ok, outcome.reason
    doc = outcome.document
    assert (doc.title, doc.date) == ("Nested", "2021-09-16")
    assert [w for w in doc.text.split() if w.startswith("w")] == [f"w{i}" for i in range(depth)]
