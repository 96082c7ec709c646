"""The single-writer lock of an index folder.

``fcntl.flock`` on ``<index_dir>/.writer.lock``: the kernel releases it when the holder dies, so a killed
ingest never leaves a stale lock behind. Readers never take it.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from index.errors import IndexLockedError

LOCK_NAME = ".writer.lock"


@contextmanager
def writer_lock(index_dir: Path) -> Iterator[None]:
    """Hold the writer lock or raise :class:`IndexLockedError` at once (never waits)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    path = index_dir / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            raise IndexLockedError(
                f"another ingest is running (pid {holder}) on {index_dir}; wait for it to finish"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
