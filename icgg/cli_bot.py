"""``icgg search``, ``icgg ask``, ``icgg eval``: the question-answering side."""

from __future__ import annotations

COMMANDS: list = []
