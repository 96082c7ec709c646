"""Spaces between recognised words: put back where the recogniser saw a gap (its probability of a space
between two characters), never inside a word, a name, a number or a unit that it read without one, and
never in Chinese. Synthetic recogniser output, and RapidOCR's own CTC decoder on a made-up score matrix:
no model, no OCR run."""

from __future__ import annotations

import numpy as np
import pytest

from ingest.ocr import SPACE_PROBABILITY, _line_text, _WithSpaceProbability, spaced_text

GAP = "_"  # in the specs below: the recogniser saw a gap here but decoded no space


def _recognised(spec: str, gap: float = 0.4, inside: float = SPACE_PROBABILITY / 2):
    """Characters as the recogniser reports them: three output columns apart, and in the columns between
    two characters a probability of a space of ``gap`` where the spec has ``GAP``, ``inside`` elsewhere."""
    chars = [piece for piece in spec if piece != GAP]
    gaps = _gap_positions(spec)
    columns = [3 * k for k in range(len(chars))]
    probability = [0.0] * (columns[-1] + 1)
    for k in range(1, len(chars)):
        for column in range(columns[k - 1] + 1, columns[k]):
            probability[column] = gap if k in gaps else inside
    return chars, columns, probability


def _gap_positions(spec: str) -> set[int]:
    """Indexes (in the characters without the markers) of the characters that follow a gap marker."""
    positions, count = set(), 0
    for piece in spec:
        if piece == GAP:
            positions.add(count)
        else:
            count += 1
    return positions


def test_words_run_together_are_split_where_the_recogniser_saw_a_gap():
    assert spaced_text(*_recognised("These_notes_record_the_field_missions")) == (
        "These notes record the field missions"
    )
    assert spaced_text(*_recognised("on_9_September_2016,_in_Laos.")) == "on 9 September 2016, in Laos."


@pytest.mark.parametrize(
    "word",
    ["geochemical", "Xingping", "IGGE", "MS24665-353", "2018-12-20", "1:200,000", "3.5", "mg/kg", "km2",
     "ICGG's", "e.g.", "Low-Density"],
)  # fmt: skip
def test_words_names_numbers_and_units_read_without_a_gap_stay_as_they_are(word):
    assert spaced_text(*_recognised(word)) == word


def test_a_faint_gap_below_the_threshold_is_not_a_space():
    chars, columns, probability = _recognised("Assem_bly", gap=SPACE_PROBABILITY * 0.9)
    assert spaced_text(chars, columns, probability) == "Assembly"


def test_chinese_never_gets_spaces_even_where_the_recogniser_saw_a_gap():
    assert spaced_text(*_recognised("地球_化学_填图")) == "地球化学填图"
    assert spaced_text(*_recognised("采集_146_件样品")) == "采集146件样品"  # no space beside CJK
    assert spaced_text(*_recognised("见（2)_与_ICGG_报告")) == "见（2)与ICGG报告"
    assert spaced_text(*_recognised("中国地质调查局_CGS_Geological_Survey")) == (
        "中国地质调查局CGS Geological Survey"  # Latin words in a Chinese line are still spaced
    )


def test_a_space_the_recogniser_read_is_kept_and_never_doubled():
    assert spaced_text(*_recognised("field_ _mission")) == "field mission"
    assert spaced_text(*_recognised("field mission")) == "field mission"


def test_characters_in_neighbouring_columns_have_no_room_for_a_space():
    assert spaced_text(["a", "b"], [4, 5], [0.9] * 8) == "ab"  # only their own columns, none between


def test_a_line_without_the_space_probabilities_is_left_as_read():
    positions = [40.0, [["a", "b"]], [[3, 9]], ["en&num"], [0.9, 0.9]]  # what RapidOCR alone returns
    assert _line_text("ab", positions) == "ab"
    assert _line_text("ab", [40.0, [["a"]], [[3]], ["en&num"], [0.9], np.ones(12)]) == "ab"  # mismatch


def test_rapidocr_decoder_hands_back_the_space_probability_of_every_column():
    from rapidocr_onnxruntime.ch_ppocr_rec.utils import CTCLabelDecode

    decode = _WithSpaceProbability(CTCLabelDecode(character=list("abcdefghijklmnopqrstuvwxyz")))
    alphabet = decode._decode.character  # blank, the letters, space
    blank, space = 0, alphabet.index(" ")

    def scores(columns: list[tuple[str, float]]) -> np.ndarray:
        """One line: per column, the winning class and the probability left for the space class."""
        out = np.zeros((1, len(columns), len(alphabet)), dtype=np.float32)
        for t, (winner, space_probability) in enumerate(columns):
            out[0, t, space] = space_probability
            out[0, t, blank if winner == "" else alphabet.index(winner)] = 1.0 - space_probability
        return out

    columns = [("i", 0), ("", 0), ("n", 0), ("", 0.3), ("", 0.3), ("l", 0), ("", 0), ("a", 0.001),
               ("", 0.001), ("o", 0), ("", 0), ("s", 0)]  # fmt: skip
    ((text, _score, positions),) = decode(scores(columns), True, wh_ratio_list=[4.0], max_wh_ratio=4.0)
    assert text == "inlaos" and len(positions[5]) == len(columns)
    assert _line_text(text, positions) == "in laos"
