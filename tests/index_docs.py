"""Small real documents for index tests: Markdown news items, an undated page and a two-page PDF,
plus an embedder wrapper that counts what reaches the model."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fixtures.pdfs import make_pdf

NEWS = {
    "2016-05-12-centre-inaugurated.md": (
        "ICGG inaugurated in Langfang",
        "2016-05-12",
        "governance",
        "The UNESCO International Centre on Global-Scale Geochemistry was inaugurated in Langfang on "
        "12 May 2016, hosted by the Institute of Geophysical and Geochemical Exploration (IGGE).",
    ),
    "2019-10-08-cambodia-training.md": (
        "Training course for Cambodian geologists",
        "2019-10-08",
        "training",
        "Twelve geologists from Cambodia completed a four-week training course on stream sediment "
        "sampling and the analysis of 76 elements at the centre's laboratory.",
    ),
    "2021-09-16-igcp-259-anniversary.md": (
        "Thirty years since IGCP 259",
        "2021-09-16",
        "science",
        "IGCP 259, the International Geochemical Mapping project, began in 1988 and laid the ground for "
        "global geochemical baselines covering about 5000 grid cells of 160 km by 160 km.",
    ),
}

UNDATED_PAGE = (
    "about-the-laboratory.md",
    '---\ntitle: "About the laboratory"\ndoc_type: page\nlanguage: en\n---\n'
    "The laboratory runs plasma mass spectrometers and keeps certified reference materials for "
    "quality control of every analytical batch.\n",
)

PDF_PAGES = [
    [
        "# Annual report on the baselines",
        "Quartz veins were sampled in Inner Mongolia during the field season.",
    ],
    ["# Results", "The vanadium anomaly near Baotou was confirmed by a second sampling campaign."],
]
PDF_TITLE = "Field report on global baselines"
PDF_CREATED = dt.datetime(2020, 6, 30, 12, 0, tzinfo=dt.UTC)


def news_text(title: str, date: str, category: str, body: str, *, language: str = "en") -> str:
    return (
        f'---\ntitle: "{title}"\ndate: {date}\ncategory: {category}\n'
        f"source_url: https://www.globalgeochemistry.com/en/Article/detail.html?id={len(body)}\n"
        f"language: {language}\n---\n{body}\n"
    )


def write_news(folder: Path, name: str, title: str, date: str, category: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(news_text(title, date, category, body), encoding="utf-8")
    return path


def write_small_corpus(folder: Path, *, pdf: bool = True) -> Path:
    """Three dated news items, one undated page and (optionally) a two-page PDF report."""
    news = folder / "news"
    for name, (title, date, category, body) in NEWS.items():
        write_news(news, name, title, date, category, body)
    (folder / "pages").mkdir(parents=True, exist_ok=True)
    (folder / "pages" / UNDATED_PAGE[0]).write_text(UNDATED_PAGE[1], encoding="utf-8")
    if pdf:
        (folder / "pdf").mkdir(parents=True, exist_ok=True)
        make_pdf(folder / "pdf" / "field-report.pdf", PDF_PAGES, title=PDF_TITLE, created=PDF_CREATED)
    return folder


class CountingEmbedder:
    """The real embedder, counting calls and texts; everything else is delegated."""

    def __init__(self, inner):
        self.inner = inner
        self.calls = 0
        self.texts: list[str] = []

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def embed(self, texts):
        self.calls += 1
        self.texts.extend(texts)
        return self.inner.embed(texts)
