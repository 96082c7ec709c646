"""Cutting a parsed document into passages that are embedded, searched and quoted.

Structure first: a chunk never crosses a section heading; inside a section whole paragraphs are packed
up to ``target_tokens``, and a paragraph is only cut at sentence ends (a run-on "sentence" is cut at
word boundaries). Consecutive chunks of a section share a small overlap of whole sentences. A table block
(``ingest.tables``) is a chunk of its own, cut only between rows, without overlap.

Guarantees every caller may rely on: ``chunk.text == doc.text[chunk.char_start:chunk.char_end]``;
chunks of a document are in text order and never include text of another document; a chunk's body is
at most ``target_tokens`` and the whole chunk at most ``target_tokens + overlap_tokens`` tokens, as
measured by ``token_len``, and at most ``MAX_CHARS_PER_TOKEN`` characters per token of those bounds
(``max_chunk_chars``). A heading line belongs to the first chunk of the section it opens, so the
passage reads naturally, and ``chunk.heading`` names the nearest heading above (without ``#``).

Token counts are taken once per paragraph (and once per sentence only for paragraphs that must be
cut), and summed: the WordPiece tokenizer splits on whitespace, so the count of a concatenation is the
sum of the counts of its whitespace-separated parts. Never imports ``index``: the tokenizer is passed in.

Time stays near-linear in the text length on pathological input (a 3 MB line without a newline or a
full stop, one 3 MB "word", thousands of "e.g." in one sentence): no step tokenizes or copies more than
``max_chunk_chars`` characters per chunk it emits.

langchain's splitters are not used: they return strings, not offsets, and re-finding a piece in the
text is ambiguous when a sentence repeats; packing our own spans keeps ``char_start``/``char_end`` exact.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from icgg.settings import Settings
from ingest.documents import DOC_TYPE_REPORT, Chunk, ParsedDocument
from ingest.headings import heading_text, is_heading_in_context, markdown_heading
from ingest.tables import is_table_block

TokenLen = Callable[[str], int]
TokenOffsets = Callable[[str], Sequence[tuple[int, int]]]
_Count = Callable[[int, int], int]  # tokens in text[start:end] of the document being chunked

_BLOCK_SEPARATOR = re.compile(r"\n[ \t]*\n")
# A sentence ends after . ! or ? and any closing quote or bracket (which stay with the sentence).
_SENTENCE_BREAK = re.compile(
    r"(?:(?<=[.!?])|(?<=[.!?][\"”’')\]]))[ \t]+(?=[\"“‘(\[]?[A-Z0-9])|[ \t]*\n[ \t]*"
)
_ABBREVIATIONS = frozenset(
    [
        "e.g", "i.e", "etc", "dr", "mr", "mrs", "ms", "prof", "no", "nos", "fig", "figs", "vol", "vols",
        "vs", "al", "approx", "st", "jr", "inc", "ltd", "co", "cf", "eq", "sec", "ch", "pp", "p", "dept",
        "univ", "est", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    ]
)  # fmt: skip
_ABBREVIATION_MAX_CHARS = max(map(len, _ABBREVIATIONS))
_WORD = re.compile(r"\S+")
_CHARS_PER_TOKEN_GUESS = 3
# Characters per token allowed in a chunk. Ordinary prose has 4-5 (the shipped corpus at most 8.5 in a
# 40-token chunk); only runs that the tokenizer folds into few tokens (a word over 100 characters is a
# single [UNK]) exceed it. The bound keeps such text from making one giant chunk, and every search for
# a cut point works within it.
MAX_CHARS_PER_TOKEN = 12


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    tokens: int


@dataclass(frozen=True)
class _Block:
    start: int
    end: int
    heading: str | None  # the heading text when this block is a heading line
    table: bool = False  # a table block (ingest.tables): chunked on its own, split only between rows


def _words(text: str, start: int, end: int) -> int:
    """Whitespace-separated words in text[start:end]: a lower bound on its token count."""
    return len(text[start:end].split())


def _last_word(text: str, start: int, end: int) -> str:
    """The last whitespace-separated word of text[start:end] without closing quotes or brackets, read
    from a window that grows from ``end`` only until it holds the word: scanning the whole of a long
    unbroken run for every abbreviation in it would be quadratic."""
    width = 2 * _ABBREVIATION_MAX_CHARS + 8
    while True:
        lo = max(start, end - width)
        words = text[lo:end].rstrip("\"”’')]").rsplit(None, 1)
        if lo == start or len(words) == 2:
            return words[-1] if words else ""
        width *= 2


def _last_fitting(fits: Callable[[int], bool], lo: int, hi: int, guess: int) -> int:
    """Largest ``j`` in [lo, hi] with ``fits(j)``, given ``fits(lo)`` and that ``fits`` is true up to
    some point and false after it. Probes around ``guess`` first, so a good guess costs two calls."""
    guess = min(max(guess, lo), hi)
    if guess > lo:
        if fits(guess):
            lo = guess
        else:
            hi = guess - 1
    step = 1
    if lo == guess:  # the answer is at or above the guess: gallop up
        while lo < hi:
            probe = min(hi, lo + step)
            if not fits(probe):
                hi = probe - 1
                break
            lo, step = probe, step * 2
    else:  # below the guess: gallop down
        while lo < hi:
            probe = max(lo + 1, hi + 1 - step)
            if fits(probe):
                lo = probe
                break
            hi, step = probe - 1, step * 2
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


class Chunker:
    """Structure-aware chunker; one instance can be shared (it holds no per-document state)."""

    def __init__(
        self,
        token_len: TokenLen,
        target_tokens: int,
        overlap_tokens: int,
        *,
        token_offsets: TokenOffsets | None = None,
    ):
        """``token_offsets`` (optional) gives the (start, end) character offsets of every token of a
        text without special tokens; with it each document is tokenized once and span sizes are
        counted from the offsets, instead of tokenizing each paragraph and sentence."""
        if target_tokens < 8:
            raise ValueError("target_tokens must be at least 8")
        if not 0 <= overlap_tokens < target_tokens:
            raise ValueError("overlap_tokens must be between 0 and target_tokens")
        self.token_len = token_len
        self.token_offsets = token_offsets
        self.target_tokens = target_tokens
        self.overlap_tokens = overlap_tokens
        self.max_body_chars = target_tokens * MAX_CHARS_PER_TOKEN
        self.max_overlap_chars = overlap_tokens * MAX_CHARS_PER_TOKEN

    @property
    def max_chunk_chars(self) -> int:
        """The most characters a chunk (overlap and body) can hold."""
        return self.max_body_chars + self.max_overlap_chars

    @classmethod
    def from_settings(
        cls, settings: Settings, token_len: TokenLen, *, token_offsets: TokenOffsets | None = None
    ) -> Chunker:
        return cls(
            token_len, settings.chunk_tokens, settings.chunk_overlap_tokens, token_offsets=token_offsets
        )

    @classmethod
    def for_tokenizer(cls, settings: Settings, tokenizer) -> Chunker:
        """A chunker measuring with a Hugging Face fast tokenizer (``load_embedder(...).tokenizer``),
        using its offset mapping so each document is tokenized once."""

        def token_len(text: str) -> int:
            return len(tokenizer.encode(text, add_special_tokens=False, verbose=False))

        def token_offsets(text: str) -> list[tuple[int, int]]:
            encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
            return [tuple(pair) for pair in encoded["offset_mapping"]]

        return cls.from_settings(settings, token_len, token_offsets=token_offsets)

    def _counter(self, text: str) -> _Count:
        """Token counting for spans of ``text``: from one tokenization of the whole text when offsets
        are available (spans here always start and end at whitespace, where WordPiece never joins
        characters into one token, so counting the tokens inside a span is exact), else per span."""
        if self.token_offsets is None:
            return lambda start, end: self.token_len(text[start:end])
        offsets = self.token_offsets(text)
        starts = [s for s, _e in offsets]
        ends = [e for _s, e in offsets]

        def count(start: int, end: int) -> int:
            return max(0, bisect.bisect_right(ends, end) - bisect.bisect_left(starts, start))

        return count

    # --- structure ---------------------------------------------------------------------------------

    @staticmethod
    def _blocks(doc: ParsedDocument, text: str) -> list[_Block]:
        """Paragraph spans (trimmed), each marked with its heading text if it is a heading line."""
        raw: list[tuple[int, int]] = []
        pos = 0
        for sep in [*_BLOCK_SEPARATOR.finditer(text), None]:
            end = sep.start() if sep else len(text)
            segment = text[pos:end]
            stripped = segment.strip()
            if stripped:
                lead = len(segment) - len(segment.lstrip())
                raw.append((pos + lead, pos + lead + len(stripped)))
            if sep:
                pos = sep.end()
        report = doc.doc_type == DOC_TYPE_REPORT
        blocks = []
        for i, (start, end) in enumerate(raw):
            block = text[start:end]
            heading = None
            if is_table_block(block):
                blocks.append(_Block(start, end, None, table=True))
                continue
            if "\n" not in block:
                if markdown_heading(block):
                    heading = heading_text(block)
                elif report:
                    # Cleaning already set heading lines apart from their neighbours, with the line
                    # widths it alone knows; here a separate short line followed by a capitalised
                    # paragraph is taken as the heading it was judged to be.
                    following = text[raw[i + 1][0] : raw[i + 1][1]] if i + 1 < len(raw) else None
                    if is_heading_in_context(block, None, following):
                        heading = heading_text(block)
            blocks.append(_Block(start, end, heading))
        return blocks

    @staticmethod
    def _sections(blocks: list[_Block]) -> Iterator[tuple[str, list[_Block]]]:
        """(heading, blocks) runs; a heading directly followed by another heading joins its section."""
        heading, current = "", []
        for block in blocks:
            if block.heading is not None and any(b.heading is None for b in current):
                yield heading, current
                current = []
            if block.heading is not None:
                heading = block.heading
            current.append(block)
        if current:
            yield heading, current

    # --- splitting -----------------------------------------------------------------------------------

    @staticmethod
    def _sentence_bounds(text: str, start: int, end: int) -> list[tuple[int, int]]:
        """Trimmed (start, end) of each sentence or line of text[start:end]; no tokenizing."""
        spans: list[tuple[int, int]] = []
        cursor = start
        for m in _SENTENCE_BREAK.finditer(text, start, end):
            if "\n" not in m.group():
                last_word = _last_word(text, cursor, m.start()).rstrip(".!?").lower()
                if last_word in _ABBREVIATIONS or (len(last_word) == 1 and last_word.isalpha()):
                    continue
            if m.start() > cursor:
                spans.append((cursor, m.start()))
            cursor = m.end()
        if cursor < end:
            spans.append((cursor, end))
        trimmed = []
        for s, e in spans:
            seg = text[s:e]
            s, e = s + len(seg) - len(seg.lstrip()), s + len(seg.rstrip())
            if e > s:
                trimmed.append((s, e))
        return trimmed

    def _sentences(self, text: str, start: int, end: int, count: _Count) -> list[_Span]:
        """Sentence spans of text[start:end], each at most target_tokens (long ones cut at words)."""
        out: list[_Span] = []
        for s, e in self._sentence_bounds(text, start, end):
            # Every word is at least one token: a sentence with too many words needs no counting.
            short = e - s <= self.max_body_chars and _words(text, s, e) <= self.target_tokens
            tokens = count(s, e) if short else None
            if tokens is not None and tokens <= self.target_tokens:
                out.append(_Span(s, e, tokens))
            else:
                out.extend(self._hard_split(text, s, e, count))
        return out

    def _hard_split(self, text: str, start: int, end: int, count: _Count) -> list[_Span]:
        """Cut an over-long run of text at word boundaries (inside words only if one word is too long).

        Each piece is the longest run of words within ``target_tokens`` and ``max_body_chars``. The
        piece is first counted whole at the size of the previous one, then moved a word at a time
        (counts of whitespace-separated parts add up), so the text is tokenized about once instead of
        word by word: a 3 MB line has half a million words."""
        starts: list[int] = []
        ends: list[int] = []
        for m in _WORD.finditer(text, start, end):
            starts.append(m.start())
            ends.append(m.end())
        out: list[_Span] = []
        i, guess_words = 0, 1
        while i < len(starts):
            piece_start = starts[i]
            # Every word is at least one token; the piece must also stay within the character bound.
            last = min(
                len(starts) - 1,
                i + self.target_tokens - 1,
                bisect.bisect_right(ends, piece_start + self.max_body_chars, i) - 1,
            )
            j = min(last, i + guess_words - 1)
            tokens = count(piece_start, ends[j]) if j >= i else self.target_tokens + 1
            while tokens > self.target_tokens and j > i:
                tokens -= count(starts[j], ends[j])
                j -= 1
            if tokens > self.target_tokens:  # the first word alone is too long
                out.extend(self._split_word(text, piece_start, ends[i]))
                i += 1
                continue
            while j < last:
                more = count(starts[j + 1], ends[j + 1])
                if tokens + more > self.target_tokens:
                    break
                tokens += more
                j += 1
            out.append(_Span(piece_start, ends[j], tokens))
            guess_words = j - i + 1
            i = j + 1
        return out

    def _split_word(self, text: str, start: int, end: int) -> list[_Span]:
        """Cut one over-long word into the longest prefixes within ``target_tokens`` and
        ``max_body_chars``; each cut is searched near the length of the previous piece."""
        out: list[_Span] = []
        guess_chars = 1
        while start < end:
            counted: dict[int, int] = {}

            def fits(stop: int, start: int = start, counted: dict[int, int] = counted) -> bool:
                counted[stop] = self.token_len(text[start:stop])
                return counted[stop] <= self.target_tokens

            hi = min(end, start + self.max_body_chars)
            stop = _last_fitting(fits, start + 1, hi, start + guess_chars)
            tokens = counted[stop] if stop in counted else self.token_len(text[start:stop])
            out.append(_Span(start, stop, tokens))
            guess_chars = stop - start
            start = stop
        return out

    def _overlap(self, text: str, body: list[_Span], count: _Count) -> list[_Span]:
        """Whole trailing sentences of the previous chunk within overlap_tokens, else trailing words."""
        if not self.overlap_tokens or not body:
            return []
        last = body[-1]
        chosen: list[_Span] = []
        total = 0
        for s, e in reversed(self._sentence_bounds(text, last.start, last.end)):
            if _words(text, s, e) > self.overlap_tokens - total or last.end - s > self.max_overlap_chars:
                break
            tokens = count(s, e)
            if total + tokens > self.overlap_tokens:
                break
            chosen.insert(0, _Span(s, e, tokens))
            total += tokens
        if chosen:
            if len(body) == 1 and chosen[0].start == last.start:
                return []  # the whole previous chunk would repeat
            return chosen
        words = list(_WORD.finditer(text, last.start, last.end))
        budget = self.overlap_tokens * _CHARS_PER_TOKEN_GUESS
        first = len(words)
        while first > 0 and words[-1].end() - words[first - 1].start() <= budget:
            first -= 1
        if first == len(words):
            return []
        tokens = count(words[first].start(), last.end)
        while tokens > self.overlap_tokens and first < len(words) - 1:
            tokens -= count(words[first].start(), words[first].end())  # counts of words add up
            first += 1
        if tokens <= self.overlap_tokens and first > 0:
            return [_Span(words[first].start(), last.end, tokens)]
        return []

    # --- packing -------------------------------------------------------------------------------------

    def _pack_section(
        self, text: str, blocks: list[_Block], count: _Count
    ) -> Iterator[tuple[list[_Span], list[_Span]]]:
        """(overlap spans, body spans) per chunk of one section."""
        target = self.target_tokens
        overlap: list[_Span] = []
        body: list[_Span] = []
        used = 0

        def close() -> tuple[list[_Span], list[_Span]]:
            nonlocal overlap, body, used
            finished = (overlap, body)
            overlap = self._overlap(text, body, count)
            body, used = [], 0
            return finished

        def room_for(end: int) -> bool:
            """Whether the chunk may reach ``end`` within its character bounds (whitespace between
            spans counts too: a run of blank lines must not make a chunk of megabytes)."""
            if not body:
                return True
            chunk_start = (overlap or body)[0].start
            return end - body[0].start <= self.max_body_chars and end - chunk_start <= self.max_chunk_chars

        def add(span: _Span) -> None:
            nonlocal overlap, used
            if not body and overlap and span.end - overlap[0].start > self.max_chunk_chars:
                overlap = []  # too far from the previous chunk's end to be worth repeating
            body.append(span)
            used += span.tokens

        for block in blocks:
            if block.table:
                # A table is a chunk (or, when long, several) of its own, without overlap into or out
                # of it: a row is found with its header, not mixed with the prose around it.
                if body:
                    yield close()
                overlap = []
                for row in self._sentences(text, block.start, block.end, count):
                    if body and used + row.tokens > target:
                        yield overlap, body
                        body, used = [], 0
                    add(row)
                if body:
                    yield overlap, body
                body, used = [], 0
                continue
            small = block.end - block.start <= self.max_body_chars
            words = _words(text, block.start, block.end) if small else target + 1
            tokens = count(block.start, block.end) if words <= target else target + 1
            if used + tokens <= target and room_for(block.end):
                add(_Span(block.start, block.end, tokens))
                continue
            if tokens <= target and used >= target // 2:
                yield close()
                add(_Span(block.start, block.end, tokens))
                continue
            for sentence in self._sentences(text, block.start, block.end, count):
                if body and (used + sentence.tokens > target or not room_for(sentence.end)):
                    yield close()
                add(sentence)
        if body:
            yield overlap, body

    def chunk(self, doc: ParsedDocument) -> list[Chunk]:
        """The document's chunks in text order (empty for a document without text)."""
        text = doc.text
        count = self._counter(text)
        spans = doc.page_spans()
        page_starts = [start for _number, start, _end in spans]
        chunks: list[Chunk] = []
        for heading, blocks in self._sections(self._blocks(doc, text)):
            for overlap, body in self._pack_section(text, blocks, count):
                start = (overlap or body)[0].start
                end = body[-1].end
                first = max(0, bisect.bisect_right(page_starts, start) - 1)
                last = max(0, bisect.bisect_right(page_starts, end - 1) - 1)
                ordinal = len(chunks)
                chunks.append(
                    Chunk(
                        chunk_id=f"{doc.doc_id}:{ordinal}",
                        doc_id=doc.doc_id,
                        ordinal=ordinal,
                        text=text[start:end],
                        heading=heading,
                        page_start=spans[first][0],
                        page_end=spans[last][0],
                        char_start=start,
                        char_end=end,
                    )
                )
        return chunks
