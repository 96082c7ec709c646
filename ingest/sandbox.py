"""Running an untrusted parser in a child process with a wall-clock timeout and a memory cap.

pypdf's maintainers leave denial-of-service protection to the caller, and some hostile PDFs loop or
allocate without bound. Each job runs in its own forked child, in its own process group, with
``RLIMIT_AS`` set; the parent waits on a pipe and kills the whole group at the deadline. Results come
back pickled over the pipe (transient IPC between our own processes; nothing is persisted).

A job's exception becomes a one-line reason. A failed allocation at the cap is reported as "exceeded
memory limit" however it arrives: as MemoryError, or as a library's own error (onnxruntime's
``std::bad_alloc``, wrapped by RapidOCR in the text of a whole traceback).

A long job (OCR of a scanned report) reports progress with :func:`report_progress`; each report moves its
deadline to ``step_timeout_s`` from then, so a 300-page scan runs as long as every page finishes in time,
while a child that stops reporting is killed like any other.

Fork is used because it is fast and the children run only pure-Python parsing (pypdf). A job function
must never touch torch, tokenizers or any thread pool inherited from the parent: after ``fork`` only
the calling thread exists in the child, and locks held by other threads stay locked forever.
"""

from __future__ import annotations

import contextlib
import errno
import faulthandler
import logging
import multiprocessing
import os
import re
import resource
import signal
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

log = logging.getLogger(__name__)

_MB = 1024 * 1024
MAX_REASON_CHARS = 240  # a reason is one line of a staff report
_TRACEBACK_HEADER = "Traceback (most recent call last):"
# What a failed allocation under the address-space cap says when it does not arrive as MemoryError: C++'s
# std::bad_alloc (onnxruntime, PDFium through its bindings; "bad allocation" on MSVC), onnxruntime's arena
# ("Failed to allocate memory for requested buffer"), errno ENOMEM, a MemoryError's name in a traceback
# that a library folded into another exception's message (RapidOCR does).
_ALLOCATION_FAILED = re.compile(
    r"std::bad_alloc|\bbad allocation\b|failed to allocate|cannot allocate memory|\bMemoryError\b", re.I
)


@dataclass(frozen=True)
class SandboxResult:
    """``ok`` with ``value``, or not ok with a one-line ``error`` fit for a staff report."""

    ok: bool
    value: Any = None
    error: str | None = None
    seconds: float = 0.0


@dataclass(frozen=True)
class Job:
    fn: Callable[..., Any]
    args: tuple = ()
    kwargs: dict | None = None
    # Each progress report of the child extends its deadline to this many seconds from then (None: never).
    step_timeout_s: float | None = None


_progress_conn: Connection | None = None  # set in a sandbox child: where report_progress writes


def report_progress(done: int, total: int) -> None:
    """Called by a job inside its child: ``done`` of ``total`` steps are finished. Outside a sandbox
    child it does nothing, so a job function can also run in-process (tests)."""
    if _progress_conn is not None:
        _progress_conn.send(("progress", (int(done), int(total))))


def _virtual_memory_bytes() -> int:
    """This process's current address-space size (VmSize), 0 if unknown."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _text(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:  # a hostile file's error whose own __str__ fails
        return ""


def _one_line(exc: BaseException) -> str:
    """The exception's message as one short line: its first line, or, when the message is a whole
    traceback (a library that wraps ``traceback.format_exc()`` in its own exception), the traceback's
    last line, which names the exception that was raised."""
    lines = [line.strip() for line in _text(exc).splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    line = lines[-1] if any(_TRACEBACK_HEADER in line for line in lines) else lines[0]
    return line if len(line) <= MAX_REASON_CHARS else line[: MAX_REASON_CHARS - 1].rstrip() + "…"


def _out_of_memory(exc: BaseException) -> bool:
    """Whether the exception, or one it was raised from or while handling, is a failed allocation."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, MemoryError):
            return True
        if isinstance(current, OSError) and current.errno == errno.ENOMEM:
            return True
        if _ALLOCATION_FAILED.search(_text(current)):
            return True
        current = current.__cause__ or current.__context__
    return False


def _child_main(conn: Connection, job: Job, memory_mb: int) -> None:
    """Body of the child: own process group, memory cap, run, send ("ok"|"error"|"memory", payload);
    ("progress", (done, total)) messages may come before that."""
    global _progress_conn
    os.setpgid(0, 0)
    _progress_conn = conn
    # A forked child inherits the parent's address space (a parent with torch loaded maps gigabytes
    # it never touches), so the cap is measured from what the child starts with.
    limit = _virtual_memory_bytes() + memory_mb * _MB
    try:
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard == resource.RLIM_INFINITY or limit <= hard:
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError):
        pass
    logging.disable(logging.CRITICAL)  # the parent reports outcomes; the child's log copies are lost
    faulthandler.disable()  # a crash is reported by its exit code, not a traceback on the parent's stderr
    try:
        value = job.fn(*job.args, **(job.kwargs or {}))
        message: tuple[str, Any] = ("ok", value)
    except BaseException as exc:
        message = ("memory", None) if _out_of_memory(exc) else ("error", _one_line(exc))
    try:
        conn.send(message)
    except MemoryError:
        conn.send(("memory", None))
    except Exception as exc:  # e.g. an unpicklable result
        conn.send(("error", f"could not return the result ({_one_line(exc)})"))
    finally:
        conn.close()


def _kill_group(process: multiprocessing.process.BaseProcess) -> None:
    pid = process.pid
    if pid is None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError, ValueError, AttributeError):
        process.kill()


@dataclass
class _Running:
    index: int
    process: multiprocessing.process.BaseProcess
    conn: Connection
    started: float
    deadline: float


def run_jobs(
    jobs: Sequence[Job],
    *,
    timeout_s: float,
    memory_mb: int,
    workers: int = 1,
    on_progress: Callable[[int, int, int], None] | None = None,
) -> Iterator[tuple[int, SandboxResult]]:
    """Run each job in its own child, at most ``workers`` at a time; yield (job index, result) in
    completion order. Every job yields exactly one result, whatever the child does. Children still
    running when the caller stops iterating are killed. ``on_progress(job index, done, total)`` is
    called for each progress report of a child."""
    ctx = multiprocessing.get_context("fork")
    pending = list(range(len(jobs)))
    pending.reverse()
    running: dict[Connection, _Running] = {}
    sentinels: dict[int, _Running] = {}

    def start(index: int) -> None:
        reader, writer = ctx.Pipe(duplex=False)
        process = ctx.Process(target=_child_main, args=(writer, jobs[index], memory_mb), daemon=True)
        now = time.monotonic()
        process.start()
        writer.close()  # only the child writes; its exit then shows as EOF on our end
        entry = _Running(index, process, reader, now, now + timeout_s)
        running[reader] = entry
        sentinels[process.sentinel] = entry

    def finish(entry: _Running) -> None:
        running.pop(entry.conn, None)
        sentinels.pop(entry.process.sentinel, None)
        entry.conn.close()
        entry.process.join(timeout=5)
        if entry.process.is_alive():
            _kill_group(entry.process)
            entry.process.join(timeout=5)
        # Grandchildren left in the group (a parser that spawned helpers) go too.
        with contextlib.suppress(ProcessLookupError, PermissionError, TypeError):
            os.killpg(entry.process.pid, signal.SIGKILL)
        try:
            entry.process.close()
        except ValueError:  # still running after SIGKILL (uninterruptible I/O); the OS reaps it later
            log.warning("parser process %s did not exit after SIGKILL", entry.process.pid)

    try:
        while pending or running:
            while pending and len(running) < max(1, workers):
                start(pending.pop())
            now = time.monotonic()
            nearest = min(entry.deadline for entry in running.values())
            ready = wait([*running, *sentinels], timeout=max(0.0, nearest - now))
            now = time.monotonic()
            handled: set[int] = set()
            for obj in ready:
                entry = running.get(obj) if isinstance(obj, Connection) else sentinels.get(obj)
                if entry is None or entry.index in handled:
                    continue
                exited = not isinstance(obj, Connection)
                message = _drain(entry, jobs[entry.index], now, on_progress, exited)
                if message is _PENDING:
                    continue  # only progress so far: the child is still working
                handled.add(entry.index)
                result = _result(entry, message, now, memory_mb)
                finish(entry)
                yield entry.index, result
            for entry in [e for e in running.values() if e.deadline <= now and e.index not in handled]:
                _kill_group(entry.process)
                finish(entry)
                error = f"timed out after {timeout_s:g} s"
                if entry.deadline > entry.started + timeout_s + 1e-6:
                    step = jobs[entry.index].step_timeout_s
                    error = f"stopped after {now - entry.started:.0f} s: no progress for {step:g} s"
                yield entry.index, SandboxResult(False, error=error, seconds=now - entry.started)
    finally:
        for entry in list(running.values()):
            _kill_group(entry.process)
            finish(entry)


_PENDING = object()


def _drain(
    entry: _Running,
    job: Job,
    now: float,
    on_progress: Callable[[int, int, int], None] | None,
    exited: bool,
) -> Any:
    """Read what the child has sent: its final message, None when it died without one, or _PENDING
    when it only reported progress (which extends its deadline) and is still running."""
    while True:
        try:
            if not entry.conn.poll():
                return None if exited else _PENDING
            message = entry.conn.recv()
        except (EOFError, OSError):
            return None
        if isinstance(message, tuple) and message and message[0] == "progress":
            if job.step_timeout_s is not None:
                entry.deadline = max(entry.deadline, now + job.step_timeout_s)
            if on_progress is not None:
                done, total = message[1]
                on_progress(entry.index, done, total)
            continue
        return message


def _result(entry: _Running, message: Any, now: float, memory_mb: int) -> SandboxResult:
    """The child's final message as a result, or an explanation of its death."""
    seconds = now - entry.started
    if message is None:
        entry.process.join(timeout=5)
        code = entry.process.exitcode
        if code == -signal.SIGKILL:
            return SandboxResult(
                False, error=f"parser killed (exit code {code}; out of memory?)", seconds=seconds
            )
        return SandboxResult(False, error=f"parser crashed (exit code {code})", seconds=seconds)
    kind, payload = message
    if kind == "ok":
        return SandboxResult(True, value=payload, seconds=seconds)
    if kind == "memory":
        return SandboxResult(False, error=f"exceeded memory limit ({memory_mb} MB)", seconds=seconds)
    return SandboxResult(False, error=str(payload), seconds=seconds)


def run_sandboxed(
    fn: Callable[..., Any], *args: Any, timeout_s: float, memory_mb: int, **kwargs: Any
) -> SandboxResult:
    """Run one function in a sandboxed child (see :func:`run_jobs`)."""
    for _index, result in run_jobs([Job(fn, args, kwargs)], timeout_s=timeout_s, memory_mb=memory_mb):
        return result
    raise AssertionError("run_jobs yields one result per job")  # pragma: no cover
