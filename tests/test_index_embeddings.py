"""The embedder: concurrent calls share forward passes and still get their own, correct vectors."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from index.embeddings import CoalescingRunner

QUERIES = [
    "When was ICGG founded?",
    "How many elements does the laboratory analyse?",
    "Which sampling media are used for global geochemical baselines?",
    "What is the Global Geochemical Reference Network?",
    "Who hosts the centre in Langfang?",
    "Which countries took part in the training course on geochemical mapping?",
    "What grid cell size does Mapping the Chemical Earth use?",
    "How is analytical quality controlled with reference materials?",
]


def _in_threads(fn, args: list) -> list:
    """Run fn(arg) in one thread per argument, all released at once; results in argument order."""
    results: list = [None] * len(args)
    errors: list[BaseException] = []
    start = threading.Barrier(len(args))

    def work(i: int) -> None:
        start.wait()
        try:
            results[i] = fn(args[i])
        except BaseException as exc:  # collected and re-raised by the test
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(args))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    if errors:
        raise errors[0]
    return results


def test_concurrent_queries_get_the_vectors_they_would_get_alone(embedder):
    alone = [embedder.embed([q])[0] for q in QUERIES]
    together = _in_threads(lambda q: embedder.embed([q])[0], QUERIES)
    for a, b in zip(alone, together, strict=True):
        assert b.dtype == np.float32
        # Padding a short query beside longer ones changes float rounding only.
        assert float(a @ b) > 0.9999


def test_queued_calls_share_one_forward_pass():
    calls: list[list[str]] = []
    entered = threading.Event()
    release = threading.Event()

    def encode(texts: list[str]) -> np.ndarray:
        calls.append(list(texts))
        if len(calls) == 1:  # hold the model while the others queue up behind the first call
            entered.set()
            release.wait(10)
        return np.array([[float(len(t))] for t in texts], dtype=np.float32)

    runner = CoalescingRunner(encode, max_texts=64)
    first = threading.Thread(target=runner.run, args=(["first"],))
    first.start()
    assert entered.wait(10)
    texts = [["a"], ["bb", "ccc"], ["dddd"], ["eeeee"]]
    results: list = [None] * len(texts)

    def queued(i: int) -> None:
        results[i] = runner.run(texts[i])

    others = [threading.Thread(target=queued, args=(i,)) for i in range(len(texts))]
    for t in others:
        t.start()
    deadline = time.monotonic() + 10
    while len(runner._queue) < len(texts) and time.monotonic() < deadline:
        time.sleep(0.005)
    release.set()
    for t in [first, *others]:
        t.join(10)
    assert len(calls) == 2, calls  # the first call, then all four queued callers in one pass
    assert sorted(calls[1]) == ["a", "bb", "ccc", "dddd", "eeeee"]
    for t, r in zip(texts, results, strict=True):
        assert r[:, 0].tolist() == [float(len(x)) for x in t]


def test_a_merged_pass_never_exceeds_the_text_limit_except_for_one_large_call():
    sizes: list[int] = []
    gate = threading.Lock()

    def encode(texts: list[str]) -> np.ndarray:
        sizes.append(len(texts))
        with gate:
            return np.zeros((len(texts), 2), dtype=np.float32)

    runner = CoalescingRunner(encode, max_texts=4)
    gate.acquire()
    callers = [["q"] * n for n in (1, 3, 2, 1, 9, 1)]
    threads = [threading.Thread(target=runner.run, args=(c,)) for c in callers]
    for t in threads:
        t.start()
    time.sleep(0.2)
    gate.release()
    for t in threads:
        t.join(10)
    assert sum(sizes) == sum(len(c) for c in callers)
    assert all(s <= 4 or s == 9 for s in sizes), sizes


def test_an_encode_error_reaches_every_caller_it_served_and_the_runner_recovers():
    fail = threading.Event()
    fail.set()

    def encode(texts: list[str]) -> np.ndarray:
        if fail.is_set():
            raise RuntimeError("model exploded")
        return np.ones((len(texts), 3), dtype=np.float32)

    runner = CoalescingRunner(encode, max_texts=8)
    with pytest.raises(RuntimeError, match="model exploded"):
        _in_threads(lambda q: runner.run([q]), ["x", "y", "z"])
    fail.clear()
    assert runner.run(["ok", "fine"]).shape == (2, 3)


def test_the_real_embedder_merges_concurrent_calls(embedder):
    before = embedder.forward_passes
    _in_threads(lambda q: embedder.embed([q]), QUERIES * 2)
    made = embedder.forward_passes - before
    # Sixteen callers released together cannot all arrive one after another in a 2-core pass.
    assert 1 <= made < len(QUERIES) * 2
