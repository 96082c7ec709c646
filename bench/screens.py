"""Screenshots of every page at laptop and phone width, so reviewers can see the app without running it.

Serves the app (``streamlit run``) on an index of the shipped corpus and drives Debian's headless
Chromium through what each kind of user does: a partner asks (an answer with its [1] followed to its
card, a refusal with its nearest passages, a thumbs down with a comment), an evaluator searches (results
and timeline), staff sign in (the collection, "What users ask", a retrieval test), and the About page.
Each page is captured at its full height. Writes ``bench/results/screens/<page>-<laptop|phone>.png`` and
``bench/results/screens/README.md``.

    .venv/bin/python bench/screens.py [--index DIR]

``--index`` defaults to ``ICGG_INDEX_DIR`` (``data/index``; build it with ``icgg ingest corpus``). The
index is copied first, and uploads and the question log go to a temporary folder: nothing of yours is
changed. Never downloads a browser.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from browser_support import (  # noqa: E402
    CHROMIUM_ARGS,
    LAPTOP,
    PHONE,
    ask,
    chromium_path,
    serve,
    sign_in,
    wait_until_idle,
)

OUT = ROOT / "bench" / "results" / "screens"
PASSWORD = "screens-only"
ANSWERED = "Which training courses has ICGG run for developing countries?"
REFUSED = "How many people took part in the 2021 online training?"
SEARCH = "training course"
RETRIEVAL = "When was the ICGG agreement signed and the centre inaugurated?"
MAX_HEIGHT = 7000
WAIT_MS = 240_000


def full_page(page, path: Path, width: int) -> None:
    """Screenshot of the whole page: Streamlit scrolls inside its main block, so the viewport is grown to
    the content's height first (and restored after)."""
    wait_until_idle(page)
    page.wait_for_timeout(600)  # charts and fonts settle
    height = page.evaluate(
        "Math.max(document.querySelector('.stMain')?.scrollHeight || 0,"
        " document.documentElement.scrollHeight)"
    )
    original = page.viewport_size
    page.set_viewport_size({"width": width, "height": min(MAX_HEIGHT, max(original["height"], int(height)))})
    page.wait_for_timeout(400)
    page.screenshot(path=path, full_page=True)
    page.set_viewport_size(original)


def answer_done(page, n: int) -> None:
    page.get_by_test_id("stChatMessage").nth(2 * n - 1).get_by_test_id("stFeedback").wait_for(timeout=WAIT_MS)
    wait_until_idle(page)


def capture(browser, url: str, size: dict, label: str, shots: list[tuple[str, str]]) -> None:
    mobile = size["width"] < 600
    context = browser.new_context(viewport=size, is_mobile=mobile, has_touch=mobile)
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()

    def shot(name: str, what: str) -> None:
        path = OUT / f"{name}-{label}.png"
        full_page(page, path, size["width"])
        shots.append((path.name, what))
        print(f"  {path.relative_to(ROOT)}")

    page.goto(url)
    page.get_by_text("Try one of these").wait_for(timeout=WAIT_MS)
    shot("ask-empty", "Ask, before the first question: starter questions")

    ask(page, ANSWERED)
    answer_done(page, 1)
    page.get_by_test_id("stChatMessage").nth(1).locator("a[href^='#cite-']").first.click()
    page.wait_for_timeout(500)
    shot("ask-answer", f"Ask: “{ANSWERED}” — the [1] marker followed to its source card (outlined)")

    page.get_by_role("button", name="Clear conversation").click()
    page.get_by_text("Try one of these").wait_for(timeout=WAIT_MS)  # the old conversation is gone
    wait_until_idle(page)
    ask(page, REFUSED)
    answer_done(page, 1)
    reply = page.get_by_test_id("stChatMessage").nth(1)
    comment = reply.get_by_role("textbox", name="What is wrong or missing? (optional)")
    for _attempt in range(3):  # a click while the page still redraws the answer can be lost
        reply.get_by_role("radio", name="Thumbs down").click()
        wait_until_idle(page)
        try:
            comment.wait_for(timeout=20_000)
            break
        except Exception:
            continue
    comment.wait_for()
    comment.fill("The announcement should say how many took part")
    reply.get_by_role("button", name="Send comment").click()
    reply.get_by_text("staff will read your comment").wait_for()
    shot("ask-refusal", f"Ask: “{REFUSED}” — a refusal in plain words, nearest passages, a thumbs down sent")

    page.goto(f"{url}/search")
    box = page.get_by_role("textbox", name="Search")
    box.wait_for(timeout=WAIT_MS)
    box.fill(SEARCH)
    box.press("Enter")
    page.get_by_text("passages from").wait_for(timeout=WAIT_MS)
    shot("search", f"Search: “{SEARCH}”, filters folded away, results as cards")
    page.get_by_role("tab", name="Timeline").click()
    shot("search-timeline", "Search: the timeline of every matching document, empty years included")

    sign_in(page, url, PASSWORD)
    shot("library", "Library (staff): the collection, uploads, re-index and removal")
    page.get_by_role("tab", name="What users ask").click()
    shot("library-what-users-ask", "Library: what users ask — refused questions, answers marked wrong, weeks")
    page.get_by_role("tab", name="Retrieval test").click()
    page.get_by_role("textbox", name="Question").fill(RETRIEVAL)
    page.get_by_role("button", name="Test retrieval").click()
    page.get_by_text("quoting passage").wait_for(timeout=WAIT_MS)
    shot(
        "library-retrieval-test",
        f"Library: retrieval test of “{RETRIEVAL}” with the reader's, dense, BM25 and fused scores",
    )

    page.goto(f"{url}/about")
    page.get_by_text("How answers are made").wait_for(timeout=WAIT_MS)
    shot("about", "About: what the assistant is, how it answers, where your questions go")
    context.close()

    # An Arabic browser (Accept-Language: ar): the interface in Arabic, right to left.
    context = browser.new_context(viewport=size, is_mobile=mobile, has_touch=mobile, locale="ar")
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    page.goto(url)
    page.get_by_test_id("stChatInputTextArea").wait_for(timeout=WAIT_MS)
    page.get_by_test_id("stButton").filter(has_text="ICGG").first.click()
    answer_done(page, 1)
    shot("ask-arabic", "Ask in Arabic (browser language): the interface right to left, English quotes cited")
    context.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, default=Path(os.environ.get("ICGG_INDEX_DIR", "data/index")))
    args = parser.parse_args()
    chromium = chromium_path()
    if chromium is None:
        print("Debian's chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 2
    index = (ROOT / args.index) if not args.index.is_absolute() else args.index
    if not (index / "CURRENT").exists():
        print(f"no index at {index}: build it with `icgg ingest corpus`", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.png"):
        old.unlink()
    started = time.monotonic()
    shots: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory(prefix="icgg-screens-") as tmp:
        work = Path(tmp)
        shutil.copytree(index, work / "index")
        with (
            serve(
                work,
                ICGG_INDEX_DIR=str(work / "index"),
                ICGG_UPLOAD_DIR=str(work / "uploads"),
                ICGG_FEEDBACK_DB=str(work / "feedback.sqlite"),
                ICGG_CORPUS_DIR=str(ROOT / "corpus"),
                ICGG_ADMIN_PASSWORD=PASSWORD,
            ) as url,
            sync_playwright() as p,
        ):
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            for label, size in (("laptop", LAPTOP), ("phone", PHONE)):
                print(f"{label} ({size['width']}x{size['height']}):")
                capture(browser, url, size, label, shots)
            browser.close()
    lines = [
        "# Screens",
        "",
        "Every page of the app at laptop (1280 px) and phone (390 px) width, captured at full height by",
        "`bench/screens.py` (headless Chromium, the shipped corpus). Regenerate with",
        "`.venv/bin/python bench/screens.py`.",
        "",
        "| file | what it shows |",
        "| --- | --- |",
        *[f"| [{name}]({name}) | {what} |" for name, what in shots],
        "",
    ]
    (OUT / "README.md").write_text("\n".join(lines), encoding="utf-8")
    print(f"{len(shots)} screenshots in {time.monotonic() - started:.0f} s -> {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
