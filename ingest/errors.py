"""The one exception ingest raises for a file it refuses; its message is shown to staff as the reason."""

from __future__ import annotations


class DocumentError(Exception):
    """A file that cannot be read as a document. ``str(err)`` is a one-line, user-facing reason."""
