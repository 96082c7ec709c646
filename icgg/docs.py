"""Keeps generated parts of README.md (the configuration table) in step with the code.

Run ``python -m icgg.docs`` after adding a setting; ``tests/test_readme.py`` fails when it is stale.
"""

from __future__ import annotations

import re
from pathlib import Path

from icgg.settings import settings_table_markdown

README = Path(__file__).resolve().parent.parent / "README.md"
_BLOCK = re.compile(r"(<!-- settings-table:start -->\n).*?(<!-- settings-table:end -->)", re.S)


def render_readme(text: str) -> str:
    """README text with the settings block replaced by the current table."""
    if not _BLOCK.search(text):
        raise ValueError("README.md has no <!-- settings-table:start/end --> block")
    return _BLOCK.sub(lambda m: m.group(1) + settings_table_markdown() + "\n" + m.group(2), text)


if __name__ == "__main__":
    README.write_text(render_readme(README.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"updated {README}")
