"""A re-index running in a background thread, observed by polling: the Library page's progress bar.

The worker thread never touches Streamlit (it has no script context); it only updates this object under
a lock, and page fragments read :meth:`IngestJob.snapshot` every second. Readers keep answering from the
previous generation while the job runs: the new one becomes visible only when the builder publishes it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

STAGE_LABELS = {
    "hash": "Checking files for changes",
    "parse": "Reading documents",
    "ocr": "Recognising scanned pages",
    "embed": "Embedding new passages",
    "write": "Writing the new index generation",
}


@dataclass
class JobSnapshot:
    """A consistent copy of a job's state for rendering."""

    running: bool
    stage: str
    done: int
    total: int
    started_at: float
    finished_at: float | None
    report: Any | None  # index.builder.IngestReport
    error: str | None

    @property
    def fraction(self) -> float:
        return 0.0 if self.total <= 0 else max(0.0, min(1.0, self.done / self.total))

    @property
    def label(self) -> str:
        text = STAGE_LABELS.get(self.stage, self.stage.capitalize() or "Starting")
        return f"{text} ({self.done}/{self.total})" if self.total else text


@dataclass
class IngestJob:
    """One ingest run over ``paths``; ``start`` launches it, ``snapshot`` observes it."""

    paths: Sequence[Path]
    run: Callable[..., Any]  # index.builder.ingest_paths, or a function with its signature
    kwargs: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)
    _stage: str = ""
    _done: int = 0
    _total: int = 0
    _started_at: float = 0.0
    _finished_at: float | None = None
    _report: Any | None = None
    _error: str | None = None

    def start(self) -> None:
        self._started_at = time.time()
        self._thread = threading.Thread(target=self._work, name="icgg-ingest", daemon=True)
        self._thread.start()

    def progress(self, stage: str, done: int, total: int) -> None:
        """The builder's progress callback (called from the worker thread)."""
        with self._lock:
            self._stage, self._done, self._total = stage, done, total

    def _work(self) -> None:
        try:
            report = self.run(list(self.paths), progress=self.progress, **self.kwargs)
        except Exception as exc:  # shown to staff; the traceback goes to the server log only
            log.exception("ingest failed")
            with self._lock:
                self._error = _describe(exc)
                self._finished_at = time.time()
            return
        with self._lock:
            self._report = report
            self._finished_at = time.time()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job ends (tests, CLI); True if it has ended."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.running

    def snapshot(self) -> JobSnapshot:
        with self._lock:
            return JobSnapshot(
                running=self.running and self._finished_at is None,
                stage=self._stage,
                done=self._done,
                total=self._total,
                started_at=self._started_at,
                finished_at=self._finished_at,
                report=self._report,
                error=self._error,
            )


def _describe(exc: Exception) -> str:
    from index.errors import IndexLockedError

    if isinstance(exc, IndexLockedError):
        return "Another re-index is running (perhaps from the command line). Try again when it has finished."
    if isinstance(exc, OSError):
        return f"The new index could not be written ({exc.strerror or exc}); the previous one stays live."
    return f"The re-index failed: {exc}"
