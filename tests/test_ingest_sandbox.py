"""The parser sandbox: hangs are killed at the deadline, memory bombs hit the cap, crashes and exceptions
become one-line reasons, and every job gets exactly one result."""

from __future__ import annotations

import errno
import os
import signal
import time
from pathlib import Path

import pytest

from ingest.sandbox import MAX_REASON_CHARS, Job, _one_line, _out_of_memory, run_jobs, run_sandboxed


def _add(a: int, b: int) -> int:
    return a + b


def _sleep_forever() -> None:
    while True:
        time.sleep(1)


def _spawn_sleeping_grandchild(pid_file: str) -> None:
    pid = os.fork()
    if pid == 0:
        while True:
            time.sleep(1)
    with open(pid_file, "w") as fh:
        fh.write(str(pid))
    while True:
        time.sleep(1)


def _allocate_gigabytes() -> int:
    blocks = [bytearray(64 * 1024 * 1024) for _ in range(64)]  # 4 GiB
    return len(blocks)


def _raise() -> None:
    raise ValueError("bad xref table\nsecond line of detail")


# RapidOCR's error when onnxruntime cannot allocate under the cap: the whole traceback as the message.
RAPIDOCR_BAD_ALLOC = """Traceback (most recent call last):
  File "rapidocr_onnxruntime/utils/infer_engine.py", line 196, in __call__
    return self.session.run(self.get_output_names(), input_dict)
  File "onnxruntime/capi/onnxruntime_inference_collection.py", line 406, in run
    return self._sess.run(output_names, input_feed, run_options)
onnxruntime.capi.onnxruntime_pybind11_state.RuntimeException: [ONNXRuntimeError] : 6 : RUNTIME_EXCEPTION : \
Non-zero status code returned while running ConvTranspose node. Name:'p2o.ConvTranspose.0' Status Message: \
std::bad_alloc
"""
WRAPPED_TRACEBACK = """Traceback (most recent call last):
  File "engine.py", line 12, in run
    decode(stream)
ValueError: unsupported predictor 42

"""


def _raise_text(text: str) -> None:
    raise RuntimeError(text)


def _raise_from_memory_error() -> None:
    try:
        raise MemoryError()
    except MemoryError as exc:
        raise RuntimeError("image decoding failed") from exc


def _raise_enomem() -> None:
    raise OSError(errno.ENOMEM, os.strerror(errno.ENOMEM))


def _segfault() -> None:
    os.kill(os.getpid(), signal.SIGSEGV)


def _big_result() -> str:
    return "x" * 5_000_000  # larger than a pipe buffer: the parent must read while the child writes


def test_result_comes_back_from_the_child():
    result = run_sandboxed(_add, 2, 3, timeout_s=10, memory_mb=512)
    assert result.ok and result.value == 5 and result.error is None


def test_large_results_are_transferred_whole():
    result = run_sandboxed(_big_result, timeout_s=20, memory_mb=512)
    assert result.ok and len(result.value) == 5_000_000


def test_hanging_parser_is_killed_at_the_timeout():
    started = time.monotonic()
    result = run_sandboxed(_sleep_forever, timeout_s=1, memory_mb=512)
    elapsed = time.monotonic() - started
    assert not result.ok
    assert result.error == "timed out after 1 s"
    assert elapsed < 5


def test_timeout_also_kills_processes_the_parser_started(tmp_path):
    pid_file = tmp_path / "grandchild.pid"
    result = run_sandboxed(_spawn_sleeping_grandchild, str(pid_file), timeout_s=1.5, memory_mb=512)
    assert result.error == "timed out after 1.5 s"
    grandchild = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(grandchild, 0)
        except ProcessLookupError:
            break
        # A killed grandchild stays a zombie ("Z") until init reaps it.
        try:
            state = Path(f"/proc/{grandchild}/stat").read_text().split(")")[-1].split()[0]
        except FileNotFoundError:
            break
        if state == "Z":
            break
        time.sleep(0.05)
    else:
        raise AssertionError("grandchild still running after the timeout")


def test_parser_allocating_too_much_hits_the_memory_limit():
    result = run_sandboxed(_allocate_gigabytes, timeout_s=30, memory_mb=256)
    assert not result.ok
    assert result.error == "exceeded memory limit (256 MB)"


def test_exception_becomes_its_one_line_message():
    result = run_sandboxed(_raise, timeout_s=10, memory_mb=512)
    assert not result.ok and result.error == "bad xref table"


def test_an_error_whose_message_is_a_traceback_is_reported_by_its_exception_line():
    assert _one_line(RuntimeError(WRAPPED_TRACEBACK)) == "ValueError: unsupported predictor 42"
    result = run_sandboxed(_raise_text, WRAPPED_TRACEBACK, timeout_s=10, memory_mb=512)
    assert not result.ok and result.error == "ValueError: unsupported predictor 42"


def test_a_reason_is_one_line_of_bounded_length():
    reason = _one_line(ValueError("x" * 1000 + "\nmore"))
    assert "\n" not in reason and len(reason) == MAX_REASON_CHARS and reason.endswith("…")
    assert _one_line(ValueError("  \n  ")) == "ValueError"


@pytest.mark.parametrize(
    ("job", "args"),
    [
        (_raise_text, (RAPIDOCR_BAD_ALLOC,)),
        (_raise_text, ("Failed to allocate memory for requested buffer of size 2147483648",)),
        (_raise_from_memory_error, ()),
        (_raise_enomem, ()),
    ],
    ids=["onnxruntime-bad-alloc-in-a-traceback", "onnxruntime-arena", "raised-from-MemoryError", "ENOMEM"],
)
def test_a_failed_allocation_in_any_form_is_reported_as_the_memory_limit(job, args):
    result = run_sandboxed(job, *args, timeout_s=10, memory_mb=512)
    assert not result.ok and result.error == "exceeded memory limit (512 MB)"


def test_other_errors_are_not_taken_for_memory():
    assert not _out_of_memory(RuntimeError(WRAPPED_TRACEBACK))
    assert not _out_of_memory(OSError(errno.ENOENT, "No such file or directory"))
    assert not _out_of_memory(ValueError("a memory-mapped stream is malformed"))


def test_crashing_parser_reports_its_exit_code():
    result = run_sandboxed(_segfault, timeout_s=10, memory_mb=512)
    assert not result.ok and result.error == "parser crashed (exit code -11)"


def test_every_job_gets_exactly_one_result_when_some_misbehave():
    jobs = [Job(_add, (1, 1)), Job(_sleep_forever), Job(_raise), Job(_add, (2, 2)), Job(_segfault)]
    results = dict(run_jobs(jobs, timeout_s=1, memory_mb=512, workers=2))
    assert sorted(results) == [0, 1, 2, 3, 4]
    assert results[0].value == 2 and results[3].value == 4
    assert results[1].error == "timed out after 1 s"
    assert results[2].error == "bad xref table"
    assert results[4].error == "parser crashed (exit code -11)"


def test_workers_run_in_parallel():
    jobs = [Job(time.sleep, (1,)) for _ in range(4)]
    started = time.monotonic()
    results = list(run_jobs(jobs, timeout_s=10, memory_mb=512, workers=4))
    assert all(r.ok for _i, r in results)
    assert time.monotonic() - started < 3  # four 1 s jobs on four workers, not 4 s in sequence


def _slow_steps(steps: int, pause: float) -> str:
    import time

    from ingest.sandbox import report_progress

    for done in range(steps):
        time.sleep(pause)
        report_progress(done + 1, steps)
    return "finished"


def test_progress_reports_extend_the_deadline_and_reach_the_caller():
    from ingest.sandbox import Job, run_jobs

    seen = []
    job = Job(_slow_steps, (4, 0.4), step_timeout_s=2.0)
    results = list(run_jobs([job], timeout_s=1.0, memory_mb=512, on_progress=lambda *a: seen.append(a)))
    assert results[0][1].ok and results[0][1].value == "finished"  # 1.6 s > 1 s, but it kept reporting
    assert seen == [(0, 1, 4), (0, 2, 4), (0, 3, 4), (0, 4, 4)]


def test_a_job_that_stops_reporting_is_stopped():
    from ingest.sandbox import Job, run_jobs

    job = Job(_slow_steps, (2, 3.0), step_timeout_s=1.0)
    ((_, result),) = list(run_jobs([job], timeout_s=4.0, memory_mb=512))
    assert (
        not result.ok and result.error.startswith("stopped after") and "no progress for 1 s" in result.error
    )
