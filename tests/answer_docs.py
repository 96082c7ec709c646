"""Small real documents for the answerer tests, ingested by the real builder with the real model.

Two news items repeat one sentence almost word for word (a reprint), so near-duplicate removal has
something to remove; a three-page PDF report has a sentence cut by a page break, so quotes must never
straddle pages; the rest gives the retriever realistic distractors.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.fixtures.pdfs import make_pdf

REPRINTED = (
    "The Global Geochemical Reference Network divides the land surface of the Earth into cells of "
    "160 by 160 kilometres for baseline sampling."
)

NEWS = {
    "2019-05-02-grn-explained.md": (
        "The Global Geochemical Reference Network explained",
        "2019-05-02",
        "science",
        f"{REPRINTED} Samples from every cell are archived in Langfang as reference materials. "
        "The network was proposed by the International Geochemical Mapping project in the early 1990s.",
    ),
    "2019-05-09-grn-reprint.md": (
        "Reprint: reference network for geochemical baselines",
        "2019-05-09",
        "science",
        f"{REPRINTED.replace('for baseline sampling', 'for the purpose of baseline sampling')} "
        "This short note reprints an earlier article for readers of the newsletter.",
    ),
    "2016-05-12-centre-opens.md": (
        "Geochemistry centre opens in Langfang",
        "2016-05-12",
        "governance",
        "The international centre on global-scale geochemistry was inaugurated in Langfang on 12 May 2016. "
        "Its founding director, Dr. Peng Xuanming, presented the Chemical Earth programme at the ceremony. "
        "The centre is financed entirely by the host government. The number of staff working at the "
        "centre is not given in the founding documents.",
    ),
    "2018-10-10-laos-training.md": (
        "Laos geologists trained in stream sediment sampling",
        "2018-10-10",
        "training",
        "Fourteen geologists from Laos completed a three-week course on stream sediment sampling and "
        "sample preparation in Vientiane. The course ended with a field excursion along the Mekong.",
    ),
    "2017-03-20-cambodia-mission.md": (
        "Mapping mission to Cambodia",
        "2017-03-20",
        "cooperation",
        "A low-density mapping mission to Cambodia took place from 3 to 12 March 2017. "
        "The team was led by Deputy Director Zhou Hengyu, and it was received in Phnom Penh by staff "
        "of Cambodia's General Department of Mineral Resources. After the discussions, both sides agreed to "
        "sign a memorandum of understanding on sampling.",
    ),
    # a change of plan, and its cause in the sentence after it
    "2021-06-01-symposium-moved.md": (
        "Symposium moved to a new venue",
        "2021-06-01",
        "science",
        "The 2nd baseline symposium was first planned for the congress in Lisbon. That congress was "
        "postponed because of a strike, and the symposium was held in Porto instead.",
    ),
    # one review of two partners: each count is said of one of them
    "2019-12-20-year-review.md": (
        "Cooperation in 2019: Laos and Nepal",
        "2019-12-20",
        "cooperation",
        "In 2019 the centre continued its work in Laos and began a new project with Nepal. Over the year, "
        "25 Lao technicians collected 480 samples in the north of the country. In Nepal the project was "
        "launched in Kathmandu with a short training course.",
    ),
    # two sections, so two chunks: the head count sits in the second, under its own heading
    "2022-11-30-autumn-workshop.md": (
        "Autumn workshop on soil sampling",
        "2022-11-30",
        "training",
        "The centre held an autumn workshop on soil sampling methods in Langfang in November 2022. "
        "Lectures covered sampling design, field duplicates and the preparation of samples for analysis.\n\n"
        "## Participants\n\nThe course brought together 31 trainees from nine countries.",
    ),
}

PDF_TITLE = "Annual Survey Report"
PDF_PAGES = [
    [
        "# Annual Survey Report",
        "The national survey analysed 76 elements in every stream sediment sample collected during the year.",
        "Field teams worked in the northern mountains during the dry season. The survey covered",
    ],
    [
        "twelve provinces in the south as well.",
        "Laboratory quality control used certified reference materials in every analytical batch of samples.",
    ],
    [
        "# Outlook",
        "Next year the survey will extend low-density sampling to the coastal plains and river deltas.",
    ],
]


def news_text(title: str, date: str, category: str, body: str) -> str:
    return (
        f'---\ntitle: "{title}"\ndate: {date}\ncategory: {category}\n'
        f"source_url: https://www.globalgeochemistry.com/en/Article/detail.html?id={len(title)}\n"
        f"language: en\n---\n{body}\n"
    )


def write_answer_corpus(folder: Path) -> Path:
    (folder / "news").mkdir(parents=True, exist_ok=True)
    for name, (title, date, category, body) in NEWS.items():
        (folder / "news" / name).write_text(news_text(title, date, category, body), encoding="utf-8")
    (folder / "pdf").mkdir(parents=True, exist_ok=True)
    make_pdf(
        folder / "pdf" / "annual-survey-report.pdf",
        PDF_PAGES,
        title=PDF_TITLE,
        created=dt.datetime(2020, 3, 1, tzinfo=dt.UTC),
    )
    return folder


def build_answer_index(root: Path, embedder):
    """Settings of a real index of the documents above, built under ``root``."""
    from icgg.settings import Settings
    from index.builder import ingest_paths

    settings = Settings(_env_file=None, index_dir=root / "index", upload_dir=root / "uploads")
    report = ingest_paths([write_answer_corpus(root / "docs")], settings, embedder=embedder)
    assert report.totals["failed"] == 0, report.to_json()
    return settings


class IndexView:
    """An index generation seen through a wrapper: a test overrides one method, the rest pass through."""

    def __init__(self, inner):
        self._inner = inner

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def __len__(self):
        return len(self._inner)


def passage_of(text: str, title: str = "News"):
    """A one-chunk passage holding ``text``, for checks that read passages without an index."""
    from bot.types import Passage
    from index.store import ChunkRecord, DocumentRecord

    doc = DocumentRecord("d", "d.md", "h", "news", title, "2020-01-01", "s", None, "en", 1, 1)
    return Passage(1, 1.0, ChunkRecord(0, "d:0", "d", 0, text, "", 1, 1, None, 0, len(text)), doc)
