"""News items, saved web pages and plain-text notes: metadata from front matter, meta tags and file
names; text that is clean enough to be quoted (no Markdown link syntax, scripts or navigation)."""

from __future__ import annotations

from ingest.reader import read_file

NEWS = """---
title: "ICGG hosts a delegation from Laos"
date: 2021-09-16
category: visit
source_url: https://www.globalgeochemistry.com/en/Article/detail.html?id=61
language: en
facts: [F046, F047]
---
A delegation from the **Department of Geology and Minerals** visited the
[ICGG](https://www.globalgeochemistry.com) in Langfang. ![Group photo](photo.jpg)

## Talks

The two sides discussed <span class="x">low-density</span> mapping.
"""


def test_news_front_matter_gives_title_date_category_source_language(tmp_path, settings):
    path = tmp_path / "2021-09-16-laos-visit.md"
    path.write_text(NEWS)
    outcome = read_file(path, settings)
    assert outcome.ok, outcome.reason
    doc = outcome.document
    assert doc.title == "ICGG hosts a delegation from Laos"
    assert doc.date == "2021-09-16"
    assert doc.doc_type == "news"
    assert doc.category == "visit"
    assert doc.language == "en"
    assert doc.source == "https://www.globalgeochemistry.com/en/Article/detail.html?id=61"
    assert doc.extra["facts"] == "F046, F047"
    assert [p.number for p in doc.pages] == [1]


def test_markdown_syntax_is_reduced_to_readable_text(tmp_path, settings):
    path = tmp_path / "item.md"
    path.write_text(NEWS)
    text = read_file(path, settings).document.text
    assert text == (
        "A delegation from the Department of Geology and Minerals visited the ICGG in Langfang.\n\n"
        "## Talks\n\n"
        "The two sides discussed low-density mapping."
    )


def test_string_dates_in_front_matter_are_normalised(tmp_path, settings):
    path = tmp_path / "item.md"
    path.write_text('---\ntitle: T\ndate: "16 September 2021"\n---\nBody.\n')
    assert read_file(path, settings).document.date == "2021-09-16"


def test_broken_front_matter_fails_with_a_clear_reason(tmp_path, settings):
    path = tmp_path / "broken.md"
    path.write_text('---\ntitle: "unclosed\ndate: [2021\n---\nBody text.\n')
    outcome = read_file(path, settings)
    assert outcome.status == "failed"
    assert outcome.reason.startswith("broken front matter: ")
    unclosed = tmp_path / "unclosed.md"
    unclosed.write_text("---\ntitle: T\nBody without the closing line.\n")
    assert read_file(unclosed, settings).reason == "broken front matter: no closing '---' line"


def test_markdown_without_front_matter_uses_heading_and_file_name_date(tmp_path, settings):
    dated = tmp_path / "2019-03-07-workshop.md"
    dated.write_text("# Workshop in Bangkok\n\nTrainees from six countries attended.\n")
    doc = read_file(dated, settings).document
    assert (doc.title, doc.date, doc.doc_type) == ("Workshop in Bangkok", "2019-03-07", "news")
    undated = tmp_path / "about-us.md"
    undated.write_text("Text about the centre, with no heading.\n")
    doc = read_file(undated, settings).document
    assert (doc.title, doc.date, doc.doc_type) == ("about-us", None, "page")


HTML = """<!DOCTYPE html>
<html lang="en-GB">
<head>
  <title>Site name | Training course</title>
  <meta property="og:title" content="Training course on geochemical mapping">
  <meta property="article:published_time" content="2018-10-22T08:00:00+08:00">
  <script>var tracking = "should never appear";</script>
  <style>body { color: red; }</style>
</head>
<body>
  <header><a href="/">Home</a> <a href="/news">News</a></header>
  <nav><ul><li><a href="/a">About</a></li><li><a href="/b">Projects</a></li></ul></nav>
  <article>
    <h1>Training course on geochemical mapping</h1>
    <p>Twenty trainees from
       Belt and Road countries completed the course in Langfang.</p>
    <div class="related"><a href="/1">Related one</a> <a href="/2">Related two</a></div>
    <h2>Programme</h2>
    <ul><li>Field sampling</li><li>Laboratory analysis</li></ul>
    <script>alert("x")</script>
  </article>
  <aside>Popular posts</aside>
  <footer>Copyright ICGG</footer>
</body>
</html>
"""


def test_saved_html_page_keeps_the_article_and_drops_boilerplate(tmp_path, settings):
    path = tmp_path / "training.html"
    path.write_text(HTML)
    doc = read_file(path, settings).document
    assert doc.title == "Training course on geochemical mapping"
    assert doc.date == "2018-10-22"
    assert doc.doc_type == "news"
    assert doc.language == "en"
    assert doc.text == (
        "# Training course on geochemical mapping\n\n"
        "Twenty trainees from Belt and Road countries completed the course in Langfang.\n\n"
        "## Programme\n\n"
        "- Field sampling\n- Laboratory analysis"
    )
    for boilerplate in ("tracking", "alert", "color", "Home", "About", "Related one", "Popular", "Copyright"):
        assert boilerplate not in doc.text


def test_html_without_article_uses_title_tag_time_element_and_body(tmp_path, settings):
    path = tmp_path / "page.htm"
    path.write_text(
        "<html><head><title>Contact</title></head><body>"
        "<p>Published <time datetime='2020-01-05'>5 Jan</time>.</p><p>Write to the secretariat.</p>"
        "</body></html>"
    )
    doc = read_file(path, settings).document
    assert doc.title == "Contact"
    assert doc.date == "2020-01-05"
    assert "Write to the secretariat." in doc.text


def test_plain_text_note_title_from_first_line_and_date_from_file_name(tmp_path, settings):
    path = tmp_path / "2022-06-01-note.txt"
    path.write_text("Minutes of the board meeting\n\nThe board approved\nthe annual plan.\n")
    doc = read_file(path, settings).document
    assert doc.title == "Minutes of the board meeting"
    assert doc.date == "2022-06-01"
    assert doc.text == "Minutes of the board meeting\n\nThe board approved the annual plan."
    undated = tmp_path / "note.txt"
    undated.write_text("Just a note.")
    assert read_file(undated, settings).document.doc_type == "page"


def test_text_that_is_not_utf8_is_refused(tmp_path, settings):
    path = tmp_path / "latin1.txt"
    path.write_bytes("Géochimie ".encode() + "déjà vu".encode("latin-1"))
    outcome = read_file(path, settings)
    assert outcome.status == "failed"
    assert "UTF-8" in outcome.reason
