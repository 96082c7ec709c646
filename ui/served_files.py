"""Opening a cited PDF at the cited page in the browser: ``app/static/docs/<name>.pdf#page=N``.

Decision: Streamlit's static file serving (``server.enableStaticServing``) only serves files under
``static/`` next to ``streamlit_app.py`` and refuses symlinks that leave it, with ``Content-Type``
guessed from the suffix and ``X-Content-Type-Options: nosniff``. So an indexed PDF is copied there on
first use, under a name made of its doc id and content hash (a changed file gets a new URL, so browsers
never show a stale copy), and the browser's own PDF viewer jumps to ``#page=N``. Only files inside the
corpus or upload folders that start with ``%PDF-`` are ever copied: an index record cannot make the app
publish an arbitrary file. If static serving is off or the folder is read-only, the caller falls back to
the in-app page text and a download button.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import urllib.parse
from pathlib import Path

from icgg.settings import Settings

log = logging.getLogger(__name__)

APP_DIR = Path(__file__).resolve().parents[1]
STATIC_DOCS = APP_DIR / "static" / "docs"
STATIC_URL = "app/static/docs"


def allowed_source(path: str | Path, settings: Settings) -> Path | None:
    """``path`` resolved, if it is an existing PDF inside the corpus or upload folder; else None."""
    try:
        resolved = Path(path).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    roots = [Path(settings.corpus_dir).resolve(), Path(settings.upload_dir).resolve()]
    if not any(resolved.is_relative_to(root) for root in roots) or not resolved.is_file():
        return None
    try:
        with resolved.open("rb") as fh:
            if b"%PDF-" not in fh.read(1024):
                return None
    except OSError:
        return None
    return resolved


def served_name(doc_id: str, content_hash: str) -> str:
    """File name of the served copy: only ``[A-Za-z0-9_-]`` plus ``.pdf``."""
    return f"{re.sub(r'[^A-Za-z0-9_-]', '_', doc_id)[:60]}-{re.sub(r'[^0-9a-f]', '', content_hash)[:16]}.pdf"


FIND_WORDS = 8  # words of the cited sentence a PDF viewer is asked to search for


def find_fragment(quote: str | None) -> str:
    """``&search=...&phrase=true`` for the first words of ``quote``: viewers that read it (pdf.js in
    Firefox, Acrobat) highlight the sentence on the page; others ignore it and still open the page."""
    words = (quote or "").split()[:FIND_WORDS]
    if not words:
        return ""
    return f"&search={urllib.parse.quote(' '.join(words), safe='')}&phrase=true"


def pdf_page_url(
    doc_id: str,
    content_hash: str,
    path: str,
    page: int,
    settings: Settings,
    static_dir: Path = STATIC_DOCS,
    find: str | None = None,
) -> str | None:
    """Relative URL opening the PDF at ``page`` (searching for ``find``, the cited sentence, where the
    viewer can), publishing the copy if needed; None if unavailable."""
    name = served_name(doc_id, content_hash)
    target = static_dir / name
    if not target.exists():
        source = allowed_source(path, settings)
        if source is None:
            return None
        tmp = None
        try:
            static_dir.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=static_dir, prefix=".tmp-", suffix=".pdf")
            with os.fdopen(fd, "wb") as out, source.open("rb") as src:
                shutil.copyfileobj(src, out)
            os.replace(tmp, target)
        except OSError:
            log.warning("cannot publish %s for viewing", source, exc_info=True)
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)
            return None
    return f"{STATIC_URL}/{name}#page={max(1, int(page))}{find_fragment(find)}"


def read_pdf_bytes(path: str, settings: Settings) -> bytes | None:
    """The PDF's bytes for a download button, under the same rules as :func:`pdf_page_url`."""
    source = allowed_source(path, settings)
    return source.read_bytes() if source else None
