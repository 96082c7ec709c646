"""Errors raised by the index layer, each with a message a staff member can act on.

Never raised for a single bad document (that is a row in the ingest report), only for states of the whole
index: missing, built for another model, damaged on disk, or busy with another writer.
"""

from __future__ import annotations


class IndexError_(RuntimeError):
    """Base class of index errors (the trailing underscore avoids shadowing the builtin)."""


class IndexNotFoundError(IndexError_):
    """No published generation exists in the index folder."""


class IndexMismatchError(IndexError_):
    """The index was built with another embedding model, dimension or schema."""


class IndexCorruptError(IndexError_):
    """A file of a generation does not match its manifest (torn write, truncation, tampering)."""


class IndexLockedError(IndexError_):
    """Another writer holds the index lock."""
