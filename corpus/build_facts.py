"""Write ``corpus/facts.json``: which corpus files state which fact of the ICGG fact sheet.

Provenance index for the corpus: every news item (``news/*.md``) and PDF source (``pdf_src/*.md``)
lists in its front matter the fact ids it states; this script inverts those lists into
``{"F001": ["news/2016-05-12-....md", "pdf/icgg-at-a-glance.pdf"], ...}`` (paths relative to
``corpus/``; PDF sources point at the PDF built from them). It also refreshes ``fact_ids.json``
(fact id -> confidence) from the team's fact sheet when that sheet is present, so that tests can
check coverage without reading anything outside the repository. It must never edit a document.

Usage: ``python corpus/build_facts.py [--check] [--fact-sheet PATH]``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import yaml

CORPUS_DIR = Path(__file__).resolve().parent
FACTS_JSON = "facts.json"
FACT_IDS_JSON = "fact_ids.json"
DEFAULT_FACT_SHEET = CORPUS_DIR.parent.parent / "shared" / "icgg_facts.md"
FACT_ID = re.compile(r"^F\d{3}$")
FACT_LINE = re.compile(r"^- (F\d{3}) \|.*\|\s*(high|medium|low)\s*$")


class FrontMatterError(ValueError):
    """A corpus file has missing or malformed front matter."""


def front_matter(path: Path) -> dict:
    """The YAML front matter of a Markdown file (between the first two '---' lines)."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise FrontMatterError(f"{path}: no front matter")
    for i in range(1, len(lines)):
        if lines[i].strip() == "---":
            meta = yaml.safe_load("\n".join(lines[1:i])) or {}
            if not isinstance(meta, dict):
                raise FrontMatterError(f"{path}: front matter is not a mapping")
            return meta
    raise FrontMatterError(f"{path}: front matter is not closed")


def _fact_list(meta: dict, path: Path) -> list[str]:
    facts = meta.get("facts") or []
    if not isinstance(facts, list) or not all(isinstance(f, str) and FACT_ID.match(f) for f in facts):
        raise FrontMatterError(f"{path}: 'facts' must be a list of ids like F001")
    return facts


def corpus_documents(corpus_dir: Path = CORPUS_DIR) -> list[tuple[str, Path]]:
    """(path relative to corpus/ of the document readers see, source file holding the front matter)."""
    docs = [(f"news/{p.name}", p) for p in sorted((corpus_dir / "news").glob("*.md"))]
    docs += [(f"pdf/{p.stem}.pdf", p) for p in sorted((corpus_dir / "pdf_src").glob("*.md"))]
    for p in sorted((corpus_dir / "archives_src").glob("*.md")):  # see build_archives.py
        suffix = "docx" if "kind: docx" in p.read_text(encoding="utf-8") else "pdf"
        docs.append((f"archives/{p.stem}.{suffix}", p))
    return docs


def collect_facts(corpus_dir: Path = CORPUS_DIR) -> dict[str, list[str]]:
    """Fact id -> sorted list of corpus paths stating it."""
    mapping: dict[str, set[str]] = {}
    for rel, src in corpus_documents(corpus_dir):
        for fact in _fact_list(front_matter(src), src):
            mapping.setdefault(fact, set()).add(rel)
    return {fact: sorted(paths) for fact, paths in sorted(mapping.items())}


def render_json(data: dict) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def parse_fact_sheet(path: Path) -> dict[str, str]:
    """Fact id -> confidence, read from the team fact sheet's ``- F001 | ... | high`` lines."""
    out: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        m = FACT_LINE.match(line.strip())
        if m:
            out[m.group(1)] = m.group(2)
    return dict(sorted(out.items()))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="only report whether facts.json is up to date")
    ap.add_argument(
        "--fact-sheet", type=Path, default=DEFAULT_FACT_SHEET, help="refresh fact_ids.json from this sheet"
    )
    args = ap.parse_args(argv)
    try:
        text = render_json(collect_facts())
    except FrontMatterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    target = CORPUS_DIR / FACTS_JSON
    if args.check:
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        if current != text:
            print(f"{target} is out of date; run python corpus/build_facts.py", file=sys.stderr)
            return 1
        return 0
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}")
    if args.fact_sheet.exists():
        ids = parse_fact_sheet(args.fact_sheet)
        (CORPUS_DIR / FACT_IDS_JSON).write_text(render_json(ids), encoding="utf-8")
        print(f"wrote {CORPUS_DIR / FACT_IDS_JSON} ({len(ids)} facts)")
    ids_path = CORPUS_DIR / FACT_IDS_JSON
    known = json.loads(ids_path.read_text(encoding="utf-8")) if ids_path.exists() else {}
    unknown = sorted(set(json.loads(text)) - set(known)) if known else []
    if unknown:
        print(f"warning: fact ids not in the fact sheet: {', '.join(unknown)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
