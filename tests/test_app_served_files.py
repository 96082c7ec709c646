"""Serving cited PDFs for ``#page=N`` links: only indexed PDFs from the collection folders are published."""

from __future__ import annotations

from icgg.settings import Settings
from ui.jobs import IngestJob
from ui.served_files import allowed_source, pdf_page_url, served_name

PDF = b"%PDF-1.4\n%%EOF\n"


def _settings(tmp_path) -> Settings:
    return Settings(_env_file=None, corpus_dir=tmp_path / "corpus", upload_dir=tmp_path / "uploads")


def test_a_corpus_pdf_is_published_once_under_a_hash_named_url(tmp_path):
    settings = _settings(tmp_path)
    (tmp_path / "corpus").mkdir()
    source = tmp_path / "corpus" / "plan.pdf"
    source.write_bytes(PDF)
    static = tmp_path / "static"
    url = pdf_page_url("doc/../x y", "ab12cd34ef56ab78cd90", str(source), 7, settings, static_dir=static)
    assert url == "app/static/docs/doc____x_y-ab12cd34ef56ab78.pdf#page=7"
    assert (static / "doc____x_y-ab12cd34ef56ab78.pdf").read_bytes() == PDF
    assert [p.name for p in static.iterdir()] == ["doc____x_y-ab12cd34ef56ab78.pdf"]  # no temp files left


def test_files_outside_the_collection_or_not_pdf_are_never_published(tmp_path):
    settings = _settings(tmp_path)
    (tmp_path / "corpus").mkdir()
    outside = tmp_path / "secret.pdf"
    outside.write_bytes(PDF)
    fake = tmp_path / "corpus" / "fake.pdf"
    fake.write_bytes(b"not a pdf at all")
    escape = tmp_path / "corpus" / "link.pdf"
    escape.symlink_to(outside)
    for path in (outside, fake, escape, tmp_path / "corpus" / "missing.pdf"):
        assert allowed_source(path, settings) is None
        assert pdf_page_url("d", "00", str(path), 1, settings, static_dir=tmp_path / "static") is None
    assert not (tmp_path / "static").exists()


def test_served_names_use_only_safe_characters():
    assert (
        served_name("../../etc/passwd", "ZZ<script>0a1b") == "______etc_passwd-c0a1b.pdf"
    )  # hex digits only


def test_a_failed_ingest_job_reports_a_readable_error_instead_of_raising(tmp_path):
    from index.errors import IndexLockedError

    def locked(paths, progress):
        progress("hash", 1, 2)
        raise IndexLockedError("held by pid 42")

    job = IngestJob(paths=[tmp_path], run=locked)
    job.start()
    assert job.wait(10)
    snap = job.snapshot()
    assert not snap.running and snap.report is None
    assert "Another re-index is running" in snap.error
    assert (snap.stage, snap.done, snap.total) == ("hash", 1, 2)
