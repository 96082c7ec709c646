"""Concurrency: reader threads search one shared Assistant (as Streamlit sessions do) while a writer publishes
ten generations in a row. No reader errs, and every result set comes from one consistent generation: it
finds exactly the marker documents that generation holds. A second writer is refused with the lock error,
in-process and through the CLI (exit code 2, one line)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

import pytest
from index_docs import write_news, write_small_corpus

from bot.api import Assistant
from icgg.settings import Settings
from index.builder import ingest_paths
from index.errors import IndexLockedError
from index.reader import open_index

GENERATIONS = 10
READERS = 3


def _marker(i: int) -> str:
    return f"zqxmarker{i}"


@dataclass
class Observation:
    generation: str
    documents: int
    markers_found: frozenset[int]
    manifest_documents: int
    hybrid_doc_ids: tuple[str, ...] = ()
    all_doc_ids: frozenset[str] = field(default_factory=frozenset)


def _observe(index, assistant: Assistant) -> Observation:
    """One consistent look at one generation: ``index`` is read once and used for everything."""
    found = set()
    for i in range(GENERATIONS):
        for hit in index.keyword_search(_marker(i), 3):
            if _marker(i) in index.chunk(hit.row).text:
                found.add(i)
    vector = assistant.embedder.embed([f"{_marker(0)} survey of rare elements"])[0]
    rows = [h.row for h in index.dense_search(vector, 5)]
    assert all(0 <= r < len(index) for r in rows)
    doc_ids = frozenset(d.doc_id for d in index.documents())
    assert {index.chunk(r).doc_id for r in rows} <= doc_ids
    return Observation(
        generation=index.generation,
        documents=len(doc_ids),
        markers_found=frozenset(found),
        manifest_documents=index.manifest["counts"]["documents"],
        all_doc_ids=doc_ids,
    )


@pytest.mark.slow
def test_readers_see_whole_generations_while_a_writer_publishes_ten(tmp_path, embedder):
    docs = write_small_corpus(tmp_path / "docs", pdf=False)
    settings = Settings(_env_file=None, index_dir=tmp_path / "index")
    ingest_paths([docs], settings, embedder=embedder)
    base_documents = len(open_index(settings).documents())
    assistant = Assistant(settings, embedder, open_index(settings, embedder.model_name))

    published: dict[str, int] = {assistant.generation: 0}  # generation -> marker documents it holds
    observations: dict[int, list[Observation]] = defaultdict(list)
    errors: list[BaseException] = []
    writer_done = threading.Event()

    def writer() -> None:
        try:
            for i in range(GENERATIONS):
                write_news(
                    tmp_path / "more",
                    f"2025-01-{i + 1:02d}-marker-{i}.md",
                    f"Marker item {i}",
                    f"2025-01-{i + 1:02d}",
                    "science",
                    f"The survey found {_marker(i)} in stream sediment sample {i}.",
                )
                report = ingest_paths([tmp_path / "more"], settings, embedder=embedder)
                assert report.generation is not None
                published[report.generation] = i + 1
        except BaseException as exc:
            errors.append(exc)
        finally:
            writer_done.set()

    def reader(number: int) -> None:
        try:
            while not writer_done.is_set() or len(observations[number]) < 3:
                assistant.refresh()
                observations[number].append(_observe(assistant.index, assistant))
                passages = assistant.search(f"{_marker(number)} stream sediment", k=5)
                assert all(p.rank == i + 1 for i, p in enumerate(passages))
                time.sleep(0.01)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer)] + [
        threading.Thread(target=reader, args=(n,)) for n in range(READERS)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert not any(t.is_alive() for t in threads)
    assert errors == []

    assert len(published) == GENERATIONS + 1
    seen = set()
    for number in range(READERS):
        for obs in observations[number]:
            n = published[obs.generation]  # a generation no writer published would raise here
            assert obs.markers_found == frozenset(range(n)), (obs.generation, n, sorted(obs.markers_found))
            assert obs.documents == obs.manifest_documents == base_documents + n
            seen.add(obs.generation)
    assert len(seen) >= 3, "readers must have searched several generations while the writer ran"
    assistant.refresh()
    assert published[assistant.generation] == GENERATIONS


def test_a_second_ingest_while_one_runs_is_refused_in_process_and_by_the_cli(tmp_path, embedder):
    docs = write_small_corpus(tmp_path / "docs", pdf=False)
    settings = Settings(_env_file=None, index_dir=tmp_path / "index")
    refused: dict[str, object] = {}

    def second_writer_while_first_parses(stage: str, done: int, _total: int) -> None:
        if stage != "parse" or done != 0 or refused:
            return
        with pytest.raises(IndexLockedError, match=r"^another ingest is running \(pid \d+\)") as err:
            ingest_paths([docs], settings, embedder=embedder)
        refused["in_process"] = str(err.value)
        command = ["ingest", str(docs), "--index", str(settings.index_dir)]
        refused["cli"] = subprocess.run(
            [sys.executable, "-c", "from icgg.cli import main; main()", *command],
            capture_output=True,
            text=True,
            timeout=300,
        )

    report = ingest_paths([docs], settings, embedder=embedder, progress=second_writer_while_first_parses)
    assert report.generation is not None  # the first writer was not disturbed

    cli = refused["cli"]
    assert cli.returncode == 2
    lines = cli.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: another ingest is running (pid "), cli.stderr
    assert cli.stdout == ""
    assert str(settings.index_dir) in refused["in_process"]
