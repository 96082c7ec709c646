"""OCR of scanned pages, with the real bundled RapidOCR engine: text with its page, engine and confidence,
a page budget, progress per page, and a clear refusal when OCR is off. Tesseract is tested only where it
is installed (it is optional)."""

from __future__ import annotations

import shutil

import pytest
from fixtures.pdfs import make_pdf, make_scanned_pdf

from ingest.ocr import OcrOptions, PageReader, tesseract_languages
from ingest.pdf import OcrNeeded, read_pdf
from ingest.reader import read_file, read_files

pytestmark = pytest.mark.timeout(900)  # a hang guard: OCR on a busy 2-core machine

PAGE_ONE = ["# Field report", "The survey collected 146 samples in Laos during the first campaign."]
PAGE_TWO = ["Seven staff worked in the field for 70 days, from February to April."]


@pytest.fixture(scope="module")
def scan(tmp_path_factory):
    return make_scanned_pdf(tmp_path_factory.mktemp("scan") / "scan.pdf", [PAGE_ONE, PAGE_TWO])


def _options(**changes) -> OcrOptions:
    base = {"engine": "rapidocr", "languages": "eng", "dpi": 150, "page_timeout_s": 600.0,
            "min_confidence": 0.8, "threads": 2}  # fmt: skip
    return OcrOptions(**{**base, **changes})


@pytest.mark.slow
def test_scanned_pages_are_read_by_ocr_and_marked_with_engine_and_confidence(scan, settings):
    progress = []
    outcome = read_files([scan], settings, progress=lambda *args: progress.append(args))[0]
    assert outcome.ok, outcome.reason
    first, second = outcome.document.pages
    assert "146 samples" in first.text and "Laos" in first.text
    assert "70 days" in second.text
    for page in (first, second):
        assert page.ocr is not None and page.ocr.engine == "rapidocr"
        assert 0.8 < page.ocr.confidence <= 1.0 and page.ocr.seconds > 0 and not page.ocr.truncated
    assert outcome.document.extra["ocr_pages"] == "2"
    assert progress[0] == ("ocr", 0, 2) and progress[-1] == ("ocr", 2, 2)


def test_english_words_on_a_scan_come_out_separated(scan):
    """The Chinese-English recogniser runs English words together unless its spaces are put back
    (``ingest.ocr.spaced_text``): each word of the page is a word of the text, and no word is cut."""
    document = read_pdf(scan, doc_id="s", content_hash="h", max_pages=10, ocr=_options())
    for page, paragraphs in zip(document.pages, (PAGE_ONE, PAGE_TWO), strict=True):
        expected = " ".join(paragraphs).lstrip("# ").split()
        read = page.text.split()
        assert sum(word in read for word in expected) >= 0.9 * len(expected), page.text
        assert len(read) <= len(expected), page.text


def test_first_pass_defers_ocr_and_born_digital_pages_never_need_it(scan, tmp_path):
    options = _options()
    needed = read_pdf(scan, doc_id="s", content_hash="h", max_pages=10, ocr=options, defer_ocr=True)
    assert needed == OcrNeeded((1, 2))
    text_pdf = make_pdf(tmp_path / "text.pdf", [PAGE_ONE])
    document = read_pdf(text_pdf, doc_id="t", content_hash="h", max_pages=10, ocr=options, defer_ocr=True)
    assert document.pages[0].ocr is None and "146 samples" in document.pages[0].text


def test_without_ocr_a_scan_is_refused_with_the_reason(scan, settings):
    outcome = read_file(scan, settings.model_copy(update={"ocr_engine": "none"}))
    assert outcome.reason == "no text layer (scanned/image-only PDF?) and OCR is turned off"


def test_a_page_past_its_budget_keeps_what_was_read_and_is_marked(scan, monkeypatch):
    import ingest.ocr as ocr

    monkeypatch.setattr(ocr, "_REC_SLICE", 1)  # one text line between two looks at the clock
    document = read_pdf(scan, doc_id="s", content_hash="h", max_pages=10, ocr=_options(page_timeout_s=1e-6))
    first = document.pages[0]
    assert first.ocr.truncated and first.text.strip()  # the first line was read, the rest cut off
    assert "146 samples" not in first.text
    assert document.extra["ocr_truncated_pages"].split(", ")[0] == "1"


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="Tesseract is optional and not installed")
def test_tesseract_reads_the_scan_where_it_is_installed(scan):
    if "eng" not in tesseract_languages():
        pytest.skip("no English language data for Tesseract")
    document = read_pdf(scan, doc_id="s", content_hash="h", max_pages=10, ocr=_options(engine="tesseract"))
    assert document.pages[0].ocr.engine == "tesseract"
    assert "146 samples" in document.pages[0].text


def test_tesseract_chosen_but_not_installed_is_a_clear_error(monkeypatch):
    import ingest.ocr as ocr

    monkeypatch.setattr(ocr, "tesseract_languages", lambda: frozenset())
    with pytest.raises(RuntimeError, match="tesseract is not installed"):
        PageReader(_options(engine="tesseract"))._engine("tesseract")


def test_auto_notes_when_the_languages_need_tesseract_and_it_is_missing(monkeypatch):
    import ingest.ocr as ocr

    monkeypatch.setattr(ocr, "tesseract_languages", lambda: frozenset())
    reader = PageReader(_options(engine="auto", languages="eng+fra"))
    assert not reader._tesseract_wanted()
    assert reader.notes == ["Tesseract (or its language data for fra) is not installed"]
    assert not PageReader(_options(engine="auto", languages="eng+chi_sim"))._tesseract_wanted()
