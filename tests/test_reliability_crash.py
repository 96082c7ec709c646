"""Crash safety: the real ``icgg ingest`` is SIGKILLed at every named fault point of the publish, at random
times over the whole run and at random moments inside the publish. After every kill the index loads
exactly the old or the new document set (never a mix, never a damaged live generation), and the next
ingest removes the leftovers and succeeds. Torn files of the newest generation are caught by the manifest.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from index_docs import write_news, write_small_corpus

from icgg.settings import Settings
from index.builder import ingest_paths
from index.errors import IndexCorruptError
from index.generations import (
    BM25_MATRIX_NAME,
    BM25_VOCAB_NAME,
    MANIFEST_NAME,
    STORE_NAME,
    TMP_PREFIX,
    VECTORS_NAME,
    current_generation,
    generations_dir,
    list_generations,
)
from index.publish import FAULT_POINTS
from index.reader import open_index

NEW_TITLE = "Crash test item"
RANDOM_KILLS_OVER_RUN = 6
RANDOM_KILLS_IN_PUBLISH = 6
SEED = 20240917
# Published (CURRENT switched) by the time the process dies at this point.
PUBLISHED_AT = {"after-current-replace"}


@pytest.fixture(scope="module")
def template(tmp_path_factory, embedder):
    """A one-generation index of four documents, whose embedding cache already holds the vectors of the
    item the killed ingests add (so each run is model load plus a fast publish)."""
    root = tmp_path_factory.mktemp("crash-template")
    docs = write_small_corpus(root / "docs", pdf=False)
    write_news(
        root / "more",
        "2024-06-01-crash.md",
        NEW_TITLE,
        "2024-06-01",
        "science",
        "Thallium and indium were mapped in a crash-tested survey of the Qinling belt.",
    )
    warm = Settings(_env_file=None, index_dir=root / "warm")
    ingest_paths([docs, root / "more"], warm, embedder=embedder)
    (root / "index").mkdir()
    shutil.copy2(root / "warm" / "embedding_cache.sqlite", root / "index" / "embedding_cache.sqlite")
    settings = Settings(_env_file=None, index_dir=root / "index")
    ingest_paths([docs], settings, embedder=embedder)
    old = {d.title for d in open_index(settings).documents()}
    return root, old, old | {NEW_TITLE}


@dataclass
class Kill:
    label: str
    index_dir: Path
    returncode: int
    seconds: float
    point: str | None = None


def _cli(more: Path, index_dir: Path, env: dict[str, str]) -> subprocess.Popen:
    code = "from icgg.cli import main; main()"
    return subprocess.Popen(
        [sys.executable, "-c", code, "ingest", str(more), "--index", str(index_dir)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ICGG_")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false", **extra)
    return env


def _copy(template_root: Path, dest: Path) -> Path:
    shutil.copytree(template_root / "index", dest)
    return dest


def _run_to_fault(template_root: Path, dest: Path, point: str) -> Kill:
    index_dir = _copy(template_root, dest)
    started = time.monotonic()
    proc = _cli(template_root / "more", index_dir, _env(ICGG_FAULT_POINT=point, ICGG_FAULT_ACTION="kill"))
    code = proc.wait(timeout=300)
    return Kill(f"fault:{point}", index_dir, code, time.monotonic() - started, point)


def _run_and_kill_after(template_root: Path, dest: Path, delay: float) -> Kill:
    index_dir = _copy(template_root, dest)
    started = time.monotonic()
    proc = _cli(template_root / "more", index_dir, _env())
    try:
        code = proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        code = proc.wait(timeout=60)
    return Kill(f"random:{delay:.2f}s", index_dir, code, time.monotonic() - started)


def _run_and_kill_in_publish(template_root: Path, dest: Path, delay: float) -> Kill:
    """Kill ``delay`` seconds after the new generation's temporary folder appears."""
    index_dir = _copy(template_root, dest)
    gens = generations_dir(index_dir)
    started = time.monotonic()
    proc = _cli(template_root / "more", index_dir, _env())
    while proc.poll() is None:
        if any(p.name.startswith(TMP_PREFIX) for p in gens.iterdir()):
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.001)
    code = proc.wait(timeout=60)
    return Kill(f"in-publish:+{delay * 1000:.0f}ms", index_dir, code, time.monotonic() - started)


def _titles(index_dir: Path) -> tuple[set[str], str | None]:
    index = open_index(Settings(_env_file=None, index_dir=index_dir))
    return {d.title for d in index.documents()}, index.fallback_from


@pytest.mark.slow
@pytest.mark.timeout(1800)  # 23 CLI runs, two at a time; importing the model stack dominates each run
def test_sigkilled_ingest_leaves_old_or_new_generation_and_next_ingest_recovers(template, tmp_path, embedder):
    root, old, new = template
    # One clean run measures how long an ingest takes here, so random kill times span the whole run.
    clean = _run_and_kill_after(root, tmp_path / "clean", delay=600)
    assert clean.returncode == 0, "a clean CLI ingest must succeed"
    assert _titles(clean.index_dir) == (new, None)

    rng = random.Random(SEED)
    jobs = [(_run_to_fault, point) for point in FAULT_POINTS]
    jobs += [(_run_and_kill_after, rng.uniform(0.2, clean.seconds)) for _ in range(RANDOM_KILLS_OVER_RUN)]
    jobs += [(_run_and_kill_in_publish, rng.uniform(0.0, 0.03)) for _ in range(RANDOM_KILLS_IN_PUBLISH)]
    with ThreadPoolExecutor(max_workers=2) as pool:  # two ingests at a time, each on its own copy
        kills = list(
            pool.map(lambda ij: ij[1][0](root, tmp_path / f"run-{ij[0]:02d}", ij[1][1]), enumerate(jobs))
        )

    killed = [k for k in kills if k.returncode == -signal.SIGKILL]
    finished = [k for k in kills if k.returncode == 0]
    assert len(killed) + len(finished) == len(kills), [(k.label, k.returncode) for k in kills]
    assert len(killed) >= 20, f"only {len(killed)} runs were killed: {[k.label for k in finished]}"
    assert all(k.returncode == -signal.SIGKILL for k in kills if k.point)

    outcomes = {}
    for number, kill in enumerate(kills):
        kill.label = f"{number:02d}-{kill.label}"
        titles, fallback = _titles(kill.index_dir)
        outcomes[kill.label] = "new" if titles == new else "old" if titles == old else sorted(titles)
        assert titles in (old, new), (kill.label, titles)
        assert fallback is None, (kill.label, "a crash must never damage the live generation")
        if kill.point:
            assert outcomes[kill.label] == ("new" if kill.point in PUBLISHED_AT else "old"), kill.label

        settings = Settings(_env_file=None, index_dir=kill.index_dir)
        report = ingest_paths([root / "more"], settings, embedder=embedder)
        assert _titles(kill.index_dir) == (new, None), kill.label
        assert report.generation is not None or report.message == "index unchanged"
        assert not [p for p in generations_dir(kill.index_dir).iterdir() if p.name.startswith(TMP_PREFIX)]
        assert not list(kill.index_dir.glob("CURRENT.tmp-*"))
        assert len(list_generations(kill.index_dir)) <= 2
    assert "old" in outcomes.values()  # the kills really landed on both sides of the switch
    assert "new" in outcomes.values()


# --- torn files ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_generations(template, tmp_path_factory, embedder):
    """The template plus a second generation that adds the crash-test item."""
    root, old, new = template
    dest = tmp_path_factory.mktemp("torn") / "index"
    shutil.copytree(root / "index", dest)
    ingest_paths([root / "more"], Settings(_env_file=None, index_dir=dest), embedder=embedder)
    return dest, old, new


DATA_AND_MANIFEST = (VECTORS_NAME, STORE_NAME, BM25_MATRIX_NAME, BM25_VOCAB_NAME, MANIFEST_NAME)


@pytest.mark.parametrize("keep", [0.0, 0.5, 0.99], ids=["emptied", "half", "last-bytes-lost"])
@pytest.mark.parametrize("name", DATA_AND_MANIFEST)
def test_torn_file_of_newest_generation_falls_back_to_the_previous_document_set(
    two_generations, tmp_path, name, keep
):
    index_dir = shutil.copytree(two_generations[0], tmp_path / "index")
    _, old, _new = two_generations
    newest = current_generation(index_dir)
    path = generations_dir(index_dir) / newest / name
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])

    index = open_index(Settings(_env_file=None, index_dir=index_dir))
    assert {d.title for d in index.documents()} == old
    assert index.fallback_from == newest
    assert name in index.fallback_reason


@pytest.mark.parametrize("name", DATA_AND_MANIFEST)
def test_torn_file_without_a_previous_generation_fails_with_a_message_naming_it(template, tmp_path, name):
    root, _old, _new = template
    index_dir = shutil.copytree(root / "index", tmp_path / "index")
    (only,) = list_generations(index_dir)
    path = generations_dir(index_dir) / only / name
    path.write_bytes(path.read_bytes()[:-7])
    with pytest.raises(IndexCorruptError, match=rf"{only}/{name}") as err:
        open_index(Settings(_env_file=None, index_dir=index_dir))
    assert "\n" not in str(err.value)
