"""Finding documents on disk and judging file types by content."""

from __future__ import annotations

import hashlib
import os

import pytest

from ingest.files import discover, doc_id_for, sha256_file
from ingest.sniff import Kind, refusal_reason, sniff, sniff_file

PDF_BYTES = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("report.pdf", PDF_BYTES, Kind.PDF),
        ("report.txt", PDF_BYTES, Kind.PDF),  # a PDF is a PDF whatever its name
        ("junk-first.pdf", b"garbage line\n" + PDF_BYTES, Kind.PDF),
        ("photo.pdf", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", Kind.BINARY),
        ("notes.md", b"PK\x03\x04\x14\x00", Kind.BINARY),
        ("notes.md", b"# Title\n\nText", Kind.MARKDOWN),
        ("notes.txt", b"---\ntitle: x\n---\nBody", Kind.MARKDOWN),
        ("page", b"  <!DOCTYPE html><html><body>x</body></html>", Kind.HTML),
        ("page.htm", b"<p>fragment</p>", Kind.HTML),
        ("readme", "Plain text with accents: géochimie".encode(), Kind.TEXT),
        ("cp1252.txt", "géochimie".encode("cp1252"), Kind.BINARY),
        ("nul.txt", b"text\x00with nul", Kind.BINARY),
        ("empty.md", b"", Kind.EMPTY),
    ],
)
def test_kind_is_decided_by_content(tmp_path, name, content, kind):
    path = tmp_path / name
    path.write_bytes(content)
    assert sniff(path) is kind


def test_refusal_reasons_name_what_the_content_looks_like(tmp_path):
    png = tmp_path / "photo.pdf"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 10)
    assert refusal_reason(png, sniff_file(png)) == "not a PDF: content is PNG"
    jpeg = tmp_path / "photo.md"
    jpeg.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 10)
    assert refusal_reason(jpeg, sniff_file(jpeg)) == "binary file, not a document (looks like JPEG)"
    text = tmp_path / "notes.md"
    text.write_text("fine")
    assert refusal_reason(text, sniff_file(text)) is None


def test_utf8_split_at_the_sniff_window_is_still_text(tmp_path):
    path = tmp_path / "long.txt"
    path.write_bytes(b"a" * 8191 + "é".encode())  # the 2-byte character straddles the 8 KiB head
    assert sniff(path) is Kind.TEXT


def test_folders_expand_recursively_in_sorted_order_skipping_hidden_and_non_documents(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "a").mkdir()
    (tmp_path / ".git").mkdir()
    (tmp_path / "b" / "2.md").write_text("x")
    (tmp_path / "a" / "1.pdf").write_bytes(PDF_BYTES)
    (tmp_path / "a" / "page.html").write_text("<html></html>")
    (tmp_path / "top.txt").write_text("x")
    (tmp_path / "no-suffix-pdf").write_bytes(PDF_BYTES)  # found by content
    (tmp_path / "Makefile").write_text("all:\n\techo x\n")  # text, but not a document
    (tmp_path / "facts.json").write_text("{}")
    (tmp_path / "build.py").write_text("print(1)")
    (tmp_path / ".hidden.md").write_text("x")
    (tmp_path / ".git" / "HEAD.md").write_text("x")
    found, problems = discover([tmp_path])
    assert problems == []
    assert [p.relative_to(tmp_path.resolve()).as_posix() for p in found] == [
        "no-suffix-pdf",
        "top.txt",
        "a/1.pdf",
        "a/page.html",
        "b/2.md",
    ]


def test_duplicates_are_dropped_and_missing_paths_reported(tmp_path):
    doc = tmp_path / "doc.md"
    doc.write_text("x")
    link = tmp_path / "link.md"
    link.symlink_to(doc)
    found, problems = discover([doc, tmp_path / "doc.md", link, tmp_path, tmp_path / "gone.pdf"])
    assert found == [doc.resolve()]
    assert problems == [(tmp_path / "gone.pdf", "no such file or folder")]


def test_symlinks_in_a_folder_cannot_reach_outside_it(tmp_path):
    corpus, outside = tmp_path / "corpus", tmp_path / "outside"
    corpus.mkdir()
    outside.mkdir()
    (outside / "secret.md").write_text("x")
    (corpus / "real.md").write_text("x")
    (corpus / "alias.md").symlink_to(corpus / "real.md")
    (corpus / "escape.md").symlink_to(outside / "secret.md")
    (corpus / "escape-dir").symlink_to(outside, target_is_directory=True)
    found, _ = discover([corpus])
    assert found == [(corpus / "real.md").resolve()]


def test_named_files_are_kept_whatever_their_suffix(tmp_path):
    data = tmp_path / "facts.json"
    data.write_text("{}")
    found, _ = discover([data])
    assert found == [data.resolve()]


def test_special_files_are_reported_not_read(tmp_path):
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)  # reading it would block forever
    assert discover([fifo]) == ([], [(fifo, "not a regular file")])


def test_sha256_streams_the_file_and_doc_id_depends_on_the_resolved_path(tmp_path, monkeypatch):
    path = tmp_path / "big.bin"
    data = os.urandom(3 * 1024 * 1024 + 7)
    path.write_bytes(data)
    assert sha256_file(path) == hashlib.sha256(data).hexdigest()
    doc_id = doc_id_for(path)
    assert len(doc_id) == 16 and int(doc_id, 16) >= 0
    assert doc_id == hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16]
    monkeypatch.chdir(tmp_path)
    assert doc_id_for("big.bin") == doc_id


def test_icggignore_keeps_sources_and_notes_out_of_a_folder_ingest(tmp_path):
    from ingest.files import discover

    (tmp_path / "news").mkdir()
    (tmp_path / "src").mkdir()
    (tmp_path / "news" / "item.md").write_text("---\ntitle: A\n---\nBody.\n", encoding="utf-8")
    (tmp_path / "src" / "report.md").write_text("# Source of a PDF\n", encoding="utf-8")
    (tmp_path / "README.md").write_text("# About this folder\n", encoding="utf-8")
    (tmp_path / "notes.md").write_text("# Kept\n", encoding="utf-8")
    (tmp_path / ".icggignore").write_text("# comment\nsrc/\nREADME.md\n", encoding="utf-8")

    found, problems = discover([tmp_path])

    assert problems == []
    assert sorted(p.relative_to(tmp_path.resolve()).as_posix() for p in found) == ["news/item.md", "notes.md"]


def test_shipped_corpus_ingest_sees_only_news_items_reports_and_archive_documents():
    from pathlib import Path

    from ingest.files import discover

    corpus = Path(__file__).resolve().parent.parent / "corpus"
    found, _ = discover([corpus])
    folders = {p.relative_to(corpus).parts[0] for p in found}
    assert folders == {"news", "pdf", "archives"}  # not the sources in pdf_src/ and archives_src/
    assert {p.suffix for p in found if p.parts[-2] == "archives"} == {".pdf", ".docx"}
