"""Small real documents for the bot tests: dated news items, an undated page and a long report.

Written as Markdown files with front matter, ingested by the real builder with the real model. The
"exact number" item states "76 elements" inside a passage that is mostly about an award ceremony, while
several other items are closely about analysing and mapping chemical elements: the dense side alone
ranks the topical items first, BM25 and the exact-token ranking find the number.
"""

from __future__ import annotations

from pathlib import Path

NEWS = {
    "2012-03-30-ministry-award.md": (
        "Ministry honours Langfang laboratory team",
        "2012-03-30",
        "science",
        "At a ceremony in Beijing the ministry presented its first prize for science and technology to a "
        "team from Langfang. The prize recognises an analytical system that determines 76 elements in "
        "stream sediment samples with strict quality control. The team leader thanked colleagues and "
        "the ministry, and the guests visited an exhibition of award-winning projects.",
    ),
    "2015-06-01-element-maps.md": (
        "How many chemical elements do geochemical maps show?",
        "2015-06-01",
        "science",
        "Geochemical maps show how chemical elements are distributed at the Earth's surface. National "
        "mapping programmes analyse many elements in each sample, from major elements such as iron and "
        "aluminium to trace elements such as gold and mercury, so that maps of each element can be drawn.",
    ),
    "2016-05-12-centre-inaugurated.md": (
        "Global geochemistry centre inaugurated in Langfang",
        "2016-05-12",
        "governance",
        "The international centre on global-scale geochemistry was inaugurated in Langfang on 12 May "
        "2016. Its mission is to document the concentration and distribution of chemical elements "
        "across the Earth's surface and to train scientists from developing countries.",
    ),
    "2017-09-29-laos-fieldwork.md": (
        "Fieldwork in Laos completes baseline sampling",
        "2017-09-29",
        "cooperation",
        "Geologists from Laos and China completed a joint field season, collecting catchment sediment "
        "samples along a 160 km traverse in the north of the country. The samples will be analysed in "
        "Langfang for a wide range of elements.",
    ),
    "2019-10-08-cambodia-training.md": (
        "Training course for Cambodian geologists",
        "2019-10-08",
        "training",
        "Twelve geologists from Cambodia completed a four-week training course on stream sediment "
        "sampling, sample preparation and laboratory analysis of chemical elements.",
    ),
    "2021-09-16-igcp-259.md": (
        "Thirty years since IGCP 259",
        "2021-09-16",
        "science",
        "IGCP 259, the International Geochemical Mapping project, began in 1988 and laid the ground for "
        "global geochemical baselines based on grid cells of 160 km by 160 km.",
    ),
    "2022-04-20-soil-survey.md": (
        "Soil survey measures elements in farmland",
        "2022-04-20",
        "science",
        "A survey of farmland soils measured the content of elements such as selenium, cadmium and "
        "arsenic, producing element maps that help farmers and planners.",
    ),
}

PAGE = (
    "about-the-laboratory.md",
    '---\ntitle: "About the laboratory"\ndoc_type: page\nlanguage: en\n---\n'
    "The laboratory runs plasma mass spectrometers and keeps certified reference materials for quality "
    "control of every analytical batch of geochemical samples.\n",
)

# A long single document whose every section is about training: without the per-document cap it would
# fill the whole top k for a question about training courses.
REPORT_SECTIONS = [
    (
        f"Training course {i}",
        f"Training course number {i} on geochemical mapping gave participants from partner countries "
        f"lectures and exercises on sampling, laboratory analysis and map making. Course {i} lasted two "
        "weeks and ended with a field excursion and an examination.",
    )
    for i in range(1, 9)
]


def news_text(title: str, date: str, category: str, body: str) -> str:
    return (
        f'---\ntitle: "{title}"\ndate: {date}\ncategory: {category}\n'
        f"source_url: https://www.globalgeochemistry.com/en/Article/detail.html?id={len(body)}\n"
        f"language: en\n---\n{body}\n"
    )


def report_text() -> str:
    body = "\n\n".join(f"## {head}\n\n{text}" for head, text in REPORT_SECTIONS)
    return (
        '---\ntitle: "Training programme report"\ndate: 2020-12-31\ndoc_type: report\nlanguage: en\n---\n'
        f"# Training programme report\n\n{body}\n"
    )


def write_bot_corpus(folder: Path) -> Path:
    """The documents above as files under ``folder`` (news/, pages/, reports/)."""
    news = folder / "news"
    news.mkdir(parents=True, exist_ok=True)
    for name, (title, date, category, body) in NEWS.items():
        (news / name).write_text(news_text(title, date, category, body), encoding="utf-8")
    (folder / "pages").mkdir(parents=True, exist_ok=True)
    (folder / "pages" / PAGE[0]).write_text(PAGE[1], encoding="utf-8")
    (folder / "reports").mkdir(parents=True, exist_ok=True)
    (folder / "reports" / "training-programme.md").write_text(report_text(), encoding="utf-8")
    return folder


def build_bot_index(root: Path, embedder, **overrides):
    """Settings of a real index of the documents above, built under ``root`` with the real model."""
    from icgg.settings import Settings
    from index.builder import ingest_paths

    settings = Settings(_env_file=None, index_dir=root / "index", upload_dir=root / "uploads", **overrides)
    report = ingest_paths([write_bot_corpus(root / "docs")], settings, embedder=embedder)
    assert report.totals["failed"] == 0, report.to_json()
    return settings
