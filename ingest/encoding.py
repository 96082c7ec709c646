"""Which Unicode encoding a text file is in: UTF-8 (with or without BOM), UTF-16 or UTF-32.

Notepad and Word on Windows save "Unicode" text as UTF-16 with a byte-order mark, and some export tools
write UTF-16 without one. Such files are full of NUL bytes, so a check for NUL alone would call them
binary. The encoding is judged from the bytes only: a BOM first, then the NUL pattern of mostly-ASCII
UTF-16 (one NUL in every other byte), and a guess is kept only if it decodes to text. Never guesses
legacy 8-bit code pages (Latin-1, GBK): those decode to *something* from any bytes, so a wrong guess
would index mojibake instead of refusing the file.
"""

from __future__ import annotations

import codecs
import unicodedata

from ingest.errors import DocumentError

UTF8 = "utf-8-sig"  # strips a UTF-8 BOM when there is one

# Longest first: the UTF-32-LE BOM starts with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, UTF8),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_NAMES = {UTF8: "UTF-8", "utf-16": "UTF-16", "utf-32": "UTF-32", "utf-16-le": "UTF-16", "utf-16-be": "UTF-16"}

# BOM-less UTF-16 is recognised only when it is unmistakable: in the sampled head, nearly every
# high byte is NUL and almost no low byte is (mostly-ASCII text), over enough characters to judge.
_UTF16_MIN_CHARS = 16
_UTF16_HIGH_NUL_SHARE = 0.9
_UTF16_LOW_NUL_SHARE = 0.02
# Control characters that ordinary text contains; any other C0/C1 control means "not text".
_TEXT_CONTROLS = frozenset("\t\n\r\f\v")


def _bom_encoding(head: bytes) -> str | None:
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding
    return None


def _utf16_without_bom(head: bytes) -> str | None:
    """ "utf-16-le"/"utf-16-be" when the NUL bytes fall like those of mostly-ASCII UTF-16, else None."""
    pairs = len(head) // 2
    if pairs < _UTF16_MIN_CHARS:
        return None
    even_nuls = head[0 : 2 * pairs : 2].count(0)
    odd_nuls = head[1 : 2 * pairs : 2].count(0)
    # Little-endian ASCII puts the NUL second in each pair, big-endian first.
    layouts = ((odd_nuls, even_nuls, "utf-16-le"), (even_nuls, odd_nuls, "utf-16-be"))
    for high_nuls, low_nuls, encoding in layouts:
        if high_nuls >= _UTF16_HIGH_NUL_SHARE * pairs and low_nuls <= _UTF16_LOW_NUL_SHARE * pairs:
            return encoding
    return None


def _is_plain_text(text: str) -> bool:
    """No NUL and no control characters other than whitespace: what a decoded text file holds."""
    return not any(
        unicodedata.category(ch) == "Cc" and ch not in _TEXT_CONTROLS for ch in text if ch < "\xa0"
    )


def head_encoding(head: bytes) -> str | None:
    """The codec name that decodes the first bytes of a file as text, or None when they are not text
    in UTF-8, UTF-16 or UTF-32 (NUL bytes in no UTF-16 pattern, or bytes that do not decode).

    A BOM decides on its own, as long as the head decodes. Without one, NUL bytes mean binary unless
    they fall in the UTF-16 pattern and the head then decodes to text without stray control characters.
    """
    encoding = _bom_encoding(head)
    guessed = False
    if encoding is None:
        if b"\x00" not in head:
            encoding = UTF8
        else:
            encoding = _utf16_without_bom(head)
            guessed = True
            if encoding is None:
                return None
    try:
        # Incremental decode: the head may end in the middle of a character.
        text = codecs.getincrementaldecoder(encoding)().decode(head, final=False)
    except UnicodeDecodeError:
        return None
    if "\x00" in text:
        return None  # binary data behind a BOM
    if guessed and not _is_plain_text(text):
        return None
    return encoding


def decode_head(head: bytes, encoding: str) -> str:
    """The text of a file's first bytes in ``encoding`` (a character cut at the end is dropped)."""
    return codecs.getincrementaldecoder(encoding)().decode(head, final=False)


def encoding_name(encoding: str) -> str:
    """ "UTF-8", "UTF-16" or "UTF-32", for messages."""
    return _NAMES.get(encoding, encoding)


def decode_text(data: bytes, head_bytes: int = 8192) -> str:
    """The whole file as text, BOM removed; DocumentError with a one-line reason when it is not text."""
    head = data[:head_bytes]
    encoding = head_encoding(head) or _bom_encoding(head)
    if encoding is None:
        if b"\x00" in head:
            raise DocumentError("binary data with NUL bytes, not UTF-8, UTF-16 or UTF-32 text")
        encoding = UTF8  # the decode below names the offset of the first bad byte
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise DocumentError(
            f"not valid {encoding_name(encoding)} text (bad byte at offset {exc.start})"
        ) from exc
