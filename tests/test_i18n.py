"""Message catalogues: complete in every language, in step with the code, compiled reproducibly, with
English as the fallback."""

from __future__ import annotations

import gettext
import io
import re

import pytest
from babel.messages.pofile import read_po

from icgg import i18n
from icgg.i18n import LANGUAGES, compile_mo, extract_template, po_path, text_direction, translate

# Words spelt the same in English and the translation: allowed to equal their message id.
SAME_WORD = {
    "fr": {"Collection", "Document", "Documents", "Index", "Pages", "Passages", "Sources"},
}
PLACEHOLDER = re.compile(r"\{[^{}]*\}|%\(?\w*\)?[sd]")


def _catalog(language: str):
    with po_path(language).open("rb") as fh:
        return read_po(fh, locale=language, domain=i18n.DOMAIN)


def _ids(catalog) -> set[str]:
    return {m.id for m in catalog if m.id}


def test_the_template_holds_exactly_the_strings_the_code_marks():
    with (i18n.LOCALE_DIR / "icgg.pot").open("rb") as fh:
        committed = read_po(fh)
    assert _ids(extract_template()) == _ids(committed), "run `python -m icgg.i18n extract` and `update`"
    assert "The ICGG documents I have do not answer this." in _ids(committed)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_catalogue_translates_every_message_with_the_same_placeholders(language):
    catalog = _catalog(language)
    assert _ids(catalog) == _ids(extract_template())
    for message in catalog:
        if not message.id:
            continue
        assert message.string.strip(), f"{language}: no translation of {message.id!r}"
        assert not message.fuzzy, f"{language}: fuzzy translation of {message.id!r}"
        assert sorted(PLACEHOLDER.findall(message.string)) == sorted(PLACEHOLDER.findall(message.id))
        if language != "en" and message.id not in SAME_WORD.get(language, ()):
            assert message.string != message.id, f"{language}: {message.id!r} left in English"


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogues_compile_to_the_same_mo_bytes_every_time(language):
    first, second = compile_mo(language), compile_mo(language)
    assert first == second
    compiled = gettext.GNUTranslations(io.BytesIO(first))
    for message in _catalog(language):
        if message.id:
            assert compiled.gettext(message.id) == message.string


def test_translate_falls_back_to_english():
    msgid = "The ICGG documents I have do not answer this."
    assert translate(msgid, "fr") != msgid
    assert translate(msgid, "en") == translate(msgid, None) == translate(msgid, "de") == msgid
    assert translate("A message no catalogue holds.", "fr") == "A message no catalogue holds."


def test_arabic_reads_right_to_left():
    assert text_direction("ar") == "rtl"
    assert {text_direction(lang) for lang in LANGUAGES if lang != "ar"} == {"ltr"}


def test_the_compile_command_writes_mo_files_gettext_can_load(tmp_path):
    assert i18n.main(["compile", str(tmp_path)]) == 0
    french = gettext.translation(i18n.DOMAIN, localedir=tmp_path, languages=["fr"])
    assert french.gettext("The ICGG documents I have do not answer this.").startswith("Les documents")
