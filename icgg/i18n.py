"""Message catalogues: every fixed string a user reads, in English, French, Spanish, Portuguese, Arabic,
Russian and Chinese, through gettext.

Sources are the committed ``icgg/locale/<lang>/LC_MESSAGES/icgg.po`` files (``icgg/locale/icgg.pot`` is
their template, extracted from the code by ``python -m icgg.i18n extract``). They are compiled to gettext's
binary ``.mo`` form in memory, by babel, the first time a language is used: nothing generated is committed
or written at install time, so a fresh clone (``make run``) and the tests read exactly the committed
sources, and the same ``.po`` always gives the same catalogue. ``python -m icgg.i18n compile DIR`` writes
the ``.mo`` files for tools that want them on disk.

Marking a string: ``translate("The documents are in English ...", lang)`` with the English text as the
message id; extraction finds every literal first argument of ``translate`` (and of ``_``), and constants
are marked with ``N_`` where they are defined. A language
without a catalogue, or a message without a translation, falls back to the English text. This module is
a leaf: it imports nothing from ``ingest``, ``index``, ``bot`` or ``ui``, so every layer may use it.
"""

from __future__ import annotations

import gettext
import io
import sys
import threading
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "icgg"
SOURCE_LANGUAGE = "en"
LANGUAGES = ("en", "fr", "es", "pt", "ar", "ru", "zh")  # the catalogues that must exist and be complete
RIGHT_TO_LEFT = frozenset({"ar"})

_catalogues: dict[str, gettext.NullTranslations] = {}
_lock = threading.Lock()


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def compile_mo(language: str) -> bytes:
    """The ``.mo`` bytes of a language's committed ``.po`` (deterministic; fuzzy entries are left out)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po_path(language).open("rb") as fh:
        catalog = read_po(fh, locale=language, domain=DOMAIN)
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def catalogue(language: str) -> gettext.NullTranslations:
    """The compiled catalogue of ``language``; a null catalogue (English text) when there is none."""
    with _lock:
        found = _catalogues.get(language)
        if found is None:
            if language in LANGUAGES and po_path(language).is_file():
                found = gettext.GNUTranslations(io.BytesIO(compile_mo(language)))
            else:
                found = gettext.NullTranslations()
            _catalogues[language] = found
        return found


def N_(msgid: str) -> str:  # gettext's name for "mark for extraction, translate later"
    """``msgid`` unchanged: marks a constant for extraction; :func:`translate` it where it is shown."""
    return msgid


def translate(msgid: str, language: str | None) -> str:
    """``msgid`` (English) in ``language``; the English text when there is no translation."""
    if not language or language == SOURCE_LANGUAGE:
        return msgid
    return catalogue(language).gettext(msgid)


def text_direction(language: str | None) -> str:
    """``"rtl"`` for right-to-left languages (Arabic), else ``"ltr"``."""
    return "rtl" if language in RIGHT_TO_LEFT else "ltr"


# --- maintenance: python -m icgg.i18n extract | update | compile DIR -------------------------------------
PROJECT_ROOT = LOCALE_DIR.parent.parent
SOURCE_PACKAGES = ("bot", "icgg", "ui")


def extract_template():
    """The catalogue template: every literal argument of ``translate``, ``_`` and ``N_`` in the sources."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    catalog = Catalog(project="icgg-assistant", domain=DOMAIN, charset="utf-8", fuzzy=False)
    method_map = [("**.py", "python")]
    keywords = {"translate": (1,), "_": None, "N_": None}
    for package in SOURCE_PACKAGES:
        folder = PROJECT_ROOT / package
        if not folder.is_dir():
            continue
        for filename, lineno, message, comments, _context in extract_from_dir(
            folder, method_map, keywords=keywords, comment_tags=("TRANSLATORS:",), strip_comment_tags=True
        ):
            location = (f"{package}/{filename}", lineno)
            catalog.add(message, locations=[location], auto_comments=comments)
    return catalog


def _write_po(path: Path, catalog) -> None:
    from babel.messages.pofile import write_po

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        write_po(fh, catalog, width=110, omit_header=False, sort_output=True, include_lineno=False)


def main(argv: list[str]) -> int:
    from babel.messages.pofile import read_po

    command = argv[0] if argv else ""
    if command == "extract":
        _write_po(LOCALE_DIR / f"{DOMAIN}.pot", extract_template())
        return 0
    if command == "update":  # bring every .po in line with the template (new ids empty, old ones dropped)
        template = extract_template()
        for language in LANGUAGES:
            with po_path(language).open("rb") as fh:
                catalog = read_po(fh, locale=language, domain=DOMAIN)
            catalog.update(template, no_fuzzy_matching=True)
            catalog.obsolete.clear()
            _write_po(po_path(language), catalog)
        return 0
    if command == "compile" and len(argv) == 2:
        for language in LANGUAGES:
            out = Path(argv[1]) / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(compile_mo(language))
        return 0
    print("usage: python -m icgg.i18n extract | update | compile DIR", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
