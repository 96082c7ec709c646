"""Recognising the text of a page image: the OCR engines behind one small protocol.

Two engines: the bundled RapidOCR (PP-OCRv4 detection and recognition for Chinese and English, ONNX
models inside the ``rapidocr-onnxruntime`` wheel, so nothing is downloaded) and Tesseract where its
``tesseract`` program is installed (Debian's ``tesseract-ocr`` and its language packs). Each returns
:class:`OcrLine` records (text, confidence 0-1, box in pixels); :func:`lines_to_text` puts them in
reading order. A page has a time budget: RapidOCR recognises its text lines in slices and stops at the
deadline, keeping what it has (the page is then marked ``truncated``); Tesseract is killed at it.

Runs only inside the sandboxed parser child (``ingest.sandbox``): onnxruntime starts thread pools, which
must never exist in the parent before it forks. Engines are created lazily, once per child.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ingest.layout import Box, reading_order

RAPIDOCR = "rapidocr"
TESSERACT = "tesseract"
# Languages (Tesseract codes) the bundled PP-OCRv4 models read; any other needs Tesseract.
RAPIDOCR_LANGUAGES = frozenset({"eng", "chi_sim", "chi_tra"})
_REC_SLICE = 24  # text lines recognised between two deadline checks
# Longer side of the image text detection runs on: 200-dpi text is still 15 px tall, and detection costs
# half of what it does at the 2000 px RapidOCR reads otherwise (same lines found on the real 175.pdf scan).
DETECTION_SIDE = 1280
# A space goes between two Latin characters where the recogniser's probability of the space class, in a
# column between them, is above this (blank, "nothing here", usually wins the column). On the English pages
# of bench/archives.py the gaps between words score 0.01-1 (nine in ten above 0.1) and the gaps inside
# words below 0.003 (a handful up to 0.03); the character error rate is flat from 0.01 to 0.03.
SPACE_PROBABILITY = 0.02


@dataclass(frozen=True)
class OcrLine:
    text: str
    confidence: float  # 0..1
    box: Box  # (x0, y0, x1, y1) in image pixels, y downwards


@dataclass(frozen=True)
class OcrResult:
    """What an engine read on one page."""

    engine: str
    lines: tuple[OcrLine, ...]
    seconds: float
    truncated: bool = False  # the page's time budget ran out before every line was read

    @property
    def confidence(self) -> float | None:
        """Mean line confidence weighted by the characters read; None when nothing was read."""
        chars = sum(len(line.text) for line in self.lines)
        if not chars:
            return None
        return sum(line.confidence * len(line.text) for line in self.lines) / chars

    @property
    def text(self) -> str:
        return lines_to_text(self.lines)


class OcrEngine(Protocol):
    """Reads one RGB page image (H x W x 3, uint8) before ``deadline`` (``time.monotonic()``)."""

    name: str

    def recognise(self, image: np.ndarray, deadline: float) -> OcrResult: ...


def lines_to_text(lines: Sequence[OcrLine]) -> str:
    """Recognised lines as page text: reading order (columns one after the other, see
    :func:`ingest.layout.reading_order`), boxes on one visual line joined by a space, and a blank line
    where the gap to the next line is larger than a line's height (a new paragraph)."""
    if not lines:
        return ""
    groups = reading_order([line.box for line in lines])
    out: list[str] = []
    for group in groups:
        rows = _visual_rows([lines[i] for i in group])
        previous: tuple[float, float] | None = None
        for row in rows:
            top = min(line.box[1] for line in row)
            bottom = max(line.box[3] for line in row)
            if previous is not None and top - previous[1] > 1.0 * (previous[1] - previous[0]):
                out.append("")
            out.append(" ".join(line.text for line in sorted(row, key=lambda line: line.box[0])))
            previous = (top, bottom)
        out.append("")
    return "\n".join(out).strip()


def _visual_rows(lines: Sequence[OcrLine]) -> list[list[OcrLine]]:
    """Boxes grouped into visual lines: a box joins a row when it overlaps the row's vertical middle."""
    rows: list[list[OcrLine]] = []
    for line in sorted(lines, key=lambda item: (item.box[1] + item.box[3]) / 2):
        middle = (line.box[1] + line.box[3]) / 2
        if rows:
            last = rows[-1]
            top = min(item.box[1] for item in last)
            bottom = max(item.box[3] for item in last)
            if top <= middle <= bottom:
                last.append(line)
                continue
        rows.append([line])
    return rows


class RapidOcrEngine:
    """The bundled engine: PP-OCRv4 (Chinese and English) through onnxruntime."""

    name = RAPIDOCR

    def __init__(self, threads: int = 1):
        from rapidocr_onnxruntime import RapidOCR  # heavy: only in the child that needs it

        self._ocr = RapidOCR(
            intra_op_num_threads=threads,
            inter_op_num_threads=1,
            det_limit_type="max",
            det_limit_side_len=DETECTION_SIDE,
        )
        rec = self._ocr.text_rec
        rec.postprocess_op = _WithSpaceProbability(rec.postprocess_op)

    def recognise(self, image: np.ndarray, deadline: float) -> OcrResult:
        started = time.monotonic()
        ocr = self._ocr
        raw_h, raw_w = image.shape[:2]
        bgr = np.ascontiguousarray(image[:, :, ::-1])
        img, ratio_h, ratio_w = ocr.preprocess(bgr)
        record = {"preprocess": {"ratio_h": ratio_h, "ratio_w": ratio_w}}
        img, record = ocr.maybe_add_letterbox(img, record)
        boxes, _elapsed = ocr.auto_text_det(img)
        if boxes is None:
            return OcrResult(self.name, (), time.monotonic() - started)
        crops = ocr.get_crop_img_list(img, boxes)
        originals = ocr._get_origin_points(boxes, record, raw_h, raw_w)
        lines: list[OcrLine] = []
        truncated = False
        for start in range(0, len(crops), _REC_SLICE):
            if start and time.monotonic() > deadline:  # the first slice is always read
                truncated = True
                break
            # No direction classifier: pages are upright, and the bundled one turns long printed lines
            # upside down (a whole line of the corpus scan came out as " m").
            results, _t = ocr.text_rec(crops[start : start + _REC_SLICE], return_word_box=True)
            for points, (raw, score, positions) in zip(
                originals[start : start + _REC_SLICE], results, strict=True
            ):
                text = _line_text(raw, positions).strip()
                if text and float(score) >= ocr.text_score:
                    xs, ys = points[:, 0], points[:, 1]
                    box = (float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max()))
                    lines.append(OcrLine(text, float(score), box))
        return OcrResult(self.name, tuple(lines), time.monotonic() - started, truncated)


class _WithSpaceProbability:
    """RapidOCR's CTC decoder, made to hand back with each line the probability of the space class in
    every output column (appended to what ``return_word_box=True`` returns: column count, characters,
    their columns, word kinds, confidences). Only the argmax is decoded otherwise, and PP-OCRv4's
    Chinese-English model gives most spaces between English words less than blank. RapidOCR's own word
    boxes (``RapidOCR.__call__`` with ``return_word_box``) unpack five items: this engine never asks."""

    def __init__(self, decode):
        self._decode = decode
        self._space = decode.dict[" "]

    def __call__(self, preds: np.ndarray, return_word_box: bool = False, **kwargs):
        results = self._decode(preds, return_word_box, **kwargs)
        if return_word_box:
            for row, (_text, _score, info) in zip(preds, results, strict=True):
                info.append(row[:, self._space])
        return results


def _line_text(raw: str, positions: list) -> str:
    """A recognised line with its spaces, from what :class:`_WithSpaceProbability` returns; the raw text
    when that is not there or does not add up."""
    try:
        chars = [c for word in positions[1] for c in word]
        columns = [c for word in positions[2] for c in word]
        space_probability = positions[5]
    except (IndexError, TypeError):
        return raw
    if len(chars) != len(columns) or "".join(chars) != raw:
        return raw
    return spaced_text(chars, columns, space_probability)


def spaced_text(chars: Sequence[str], columns: Sequence[int], space_probability: Sequence[float]) -> str:
    """The recognised characters with the spaces the recogniser dropped put back.

    ``columns`` are the output columns the characters were read at, ``space_probability`` the
    recogniser's probability of a space in each column. A space goes between two characters where a
    column between them gives the space more than ``SPACE_PROBABILITY``: the recogniser's own evidence,
    so words are split where the page has a gap and nowhere else (no dictionary: names, codes, numbers
    and units stay as read). Never next to a space it already read, nor beside a Chinese, Japanese or
    Korean character or a full-width form: CJK text has no spaces between words."""
    out: list[str] = []
    for k, char in enumerate(chars):
        if k and " " not in (char, chars[k - 1]) and not _is_cjk(char + chars[k - 1]):
            between = space_probability[columns[k - 1] + 1 : columns[k]]
            if len(between) and max(between) > SPACE_PROBABILITY:
                out.append(" ")
        out.append(char)
    return "".join(out)


def _is_cjk(text: str) -> bool:
    return any(
        "\u2e80" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff" or "\uff00" <= c <= "\uffef" for c in text
    )


@functools.cache
def tesseract_languages() -> frozenset[str]:
    """Language packs of the installed ``tesseract`` (empty when it is not installed)."""
    program = shutil.which("tesseract")
    if program is None:
        return frozenset()
    try:
        done = subprocess.run(
            [program, "--list-langs"], capture_output=True, text=True, timeout=20, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    names = done.stdout.splitlines()[1:]  # the first line is a title
    return frozenset(name.strip() for name in names if name.strip() and name.strip() != "osd")


class TesseractEngine:
    """Debian's ``tesseract`` program, run once per page with the page image on its standard input."""

    name = TESSERACT

    def __init__(self, languages: str, threads: int = 1):
        wanted = [code for code in languages.split("+") if code]
        installed = tesseract_languages()
        if not installed:
            raise RuntimeError("tesseract is not installed (apt-get install tesseract-ocr)")
        missing = [code for code in wanted if code not in installed]
        if missing:
            raise RuntimeError(f"tesseract has no language data for {', '.join(missing)}")
        self.languages = "+".join(wanted) or "eng"
        self.threads = threads

    def recognise(self, image: np.ndarray, deadline: float) -> OcrResult:
        import cv2

        started = time.monotonic()
        ok, png = cv2.imencode(".png", np.ascontiguousarray(image[:, :, ::-1]))
        if not ok:
            raise RuntimeError("could not encode the page image")
        env = {**os.environ, "OMP_THREAD_LIMIT": str(self.threads)}
        timeout = max(0.5, deadline - time.monotonic())
        try:
            done = subprocess.run(
                ["tesseract", "stdin", "stdout", "-l", self.languages, "--psm", "3", "tsv"],
                input=png.tobytes(),
                capture_output=True,
                timeout=timeout,
                env=env,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return OcrResult(self.name, (), time.monotonic() - started, truncated=True)
        if done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise RuntimeError(f"tesseract failed: {message[-1] if message else done.returncode}")
        lines = parse_tesseract_tsv(done.stdout.decode("utf-8", "replace"))
        return OcrResult(self.name, tuple(lines), time.monotonic() - started)


def parse_tesseract_tsv(tsv: str) -> list[OcrLine]:
    """Tesseract's TSV (one row per word) as lines: words of one (block, paragraph, line) joined."""
    words: dict[tuple[str, str, str], list[tuple[str, float, Box]]] = {}
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5" or not cols[11].strip():
            continue
        try:
            left, top, width, height = (float(v) for v in cols[6:10])
            conf = float(cols[10])
        except ValueError:
            continue
        if conf < 0:
            continue
        words.setdefault((cols[2], cols[3], cols[4]), []).append(
            (cols[11].strip(), conf / 100.0, (left, top, left + width, top + height))
        )
    lines = []
    for items in words.values():
        text = " ".join(word for word, _c, _b in items)
        confidence = sum(c * len(w) for w, c, _b in items) / max(1, sum(len(w) for w, _c, _b in items))
        box = (
            min(b[0] for _w, _c, b in items),
            min(b[1] for _w, _c, b in items),
            max(b[2] for _w, _c, b in items),
            max(b[3] for _w, _c, b in items),
        )
        lines.append(OcrLine(text, confidence, box))
    return lines


@dataclass(frozen=True)
class OcrOptions:
    """What the parser child needs to know about OCR (built from the settings by the parent)."""

    engine: str  # "auto" | "rapidocr" | "tesseract"
    languages: str  # Tesseract-style codes of the collection, e.g. "eng+chi_sim"
    dpi: int
    page_timeout_s: float
    min_confidence: float  # "auto": below this, Tesseract (where installed) reads the page too
    threads: int


class PageReader:
    """Chooses and runs the engine(s) for each page, as the settings say; engines load on first use."""

    def __init__(self, options: OcrOptions):
        self.options = options
        self._engines: dict[str, OcrEngine] = {}
        self.notes: list[str] = []

    def _engine(self, name: str) -> OcrEngine:
        if name not in self._engines:
            if name == RAPIDOCR:
                self._engines[name] = RapidOcrEngine(self.options.threads)
            else:
                self._engines[name] = TesseractEngine(self.options.languages, self.options.threads)
        return self._engines[name]

    def _tesseract_wanted(self) -> bool:
        """ "auto" asks Tesseract when the collection has languages the bundled models do not read and
        Tesseract has their language data."""
        languages = {code for code in self.options.languages.split("+") if code}
        extra = languages - RAPIDOCR_LANGUAGES
        if not extra:
            return False
        installed = tesseract_languages()
        if not installed or not languages <= installed:
            note = "Tesseract (or its language data for " + "+".join(sorted(extra)) + ") is not installed"
            if note not in self.notes:
                self.notes.append(note)
            return False
        return True

    def prepare(self) -> None:
        """Load the engine every page starts with (seconds in a fresh child), before the first page."""
        self._engine(TESSERACT if self.options.engine == TESSERACT else RAPIDOCR)

    def read(self, image: np.ndarray) -> OcrResult:
        """The page's text by the configured engine; in "auto", RapidOCR first, and Tesseract too when
        the page reads poorly and the collection's languages need it (the more confident one wins)."""
        deadline = time.monotonic() + self.options.page_timeout_s
        choice = self.options.engine
        if choice in (RAPIDOCR, TESSERACT):
            return self._engine(choice).recognise(image, deadline)
        first = self._engine(RAPIDOCR).recognise(image, deadline)
        confidence = first.confidence
        if (confidence is None or confidence < self.options.min_confidence) and self._tesseract_wanted():
            second = self._engine(TESSERACT).recognise(image, deadline)
            if (second.confidence or 0.0) > (confidence or 0.0):
                return OcrResult(
                    second.engine, second.lines, first.seconds + second.seconds, second.truncated
                )
        return first
