"""Data flows one way: files → ingest → index → bot → UI/CLI. Nothing lower imports anything higher."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# For each layer, the top-level modules it must never import.
FORBIDDEN = {
    "ingest": {"index", "bot", "ui", "streamlit_app", "streamlit"},
    "index": {"bot", "ui", "streamlit_app", "streamlit"},
    "bot": {"ui", "streamlit_app", "streamlit"},
}
# icgg.settings and icgg.docs are leaves; only the CLI modules sit on top.
TOP_ONLY = {"icgg.cli", "icgg.cli_index", "icgg.cli_bot", "icgg.cli_feedback"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_never_imports_a_higher_layer(layer):
    offenders = []
    for path in sorted((ROOT / layer).rglob("*.py")):
        for name in _imports(path):
            if name.split(".")[0] in FORBIDDEN[layer] or name in TOP_ONLY:
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not offenders, "\n".join(offenders)


@pytest.mark.parametrize("leaf", ["settings.py", "i18n.py"])
def test_settings_and_message_catalogue_modules_are_leaves(leaf):
    names = _imports(ROOT / "icgg" / leaf)
    assert not {n.split(".")[0] for n in names} & {"ingest", "index", "bot", "ui", "streamlit"}
