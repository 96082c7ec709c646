"""``icgg ingest``, ``icgg stats``, ``icgg remove``: the staff side of the index."""

from __future__ import annotations

COMMANDS: list = []
