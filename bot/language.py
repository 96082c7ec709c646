"""The language a question is written in, so the answer's fixed text can be given in it.

py3langid (a naive Bayes model over byte n-grams, shipped in the package as a compressed numpy file: no
pickle, no download) restricted to the languages the assistant has catalogues for. It was chosen over
lingua-language-detector by measurement (``bench/multilingual.py``): as accurate on the training
questions and on their first two to four words, and three times faster. Very short or ambiguous input
("2016?", "ICGG", a name) is taken as English, the documents' language: a wrong guess would answer an
English speaker in another language. Never raises on odd input.
"""

from __future__ import annotations

import threading

from icgg.settings import Settings

ENGLISH = "en"
SUPPORTED = ("en", "fr", "es", "pt", "ar", "ru", "zh")  # ISO 639-1, the languages of icgg/locale

_identifier = None
_lock = threading.Lock()


def _load_identifier():
    """The identifier restricted to :data:`SUPPORTED`, loaded once per process (about 0.7 s)."""
    global _identifier
    with _lock:
        if _identifier is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
            identifier.set_languages(list(SUPPORTED))
            _identifier = identifier
        return _identifier


def identify(text: str) -> tuple[str, float]:
    """(most probable of :data:`SUPPORTED`, its probability), without any fallback."""
    language, probability = _load_identifier().classify(text)
    return str(language), float(probability)


def detect_language(text: str, settings: Settings) -> str:
    """The question's language (one of :data:`SUPPORTED`); English when the text has fewer than
    ``language_min_letters`` letters or the identifier is less sure than ``language_min_confidence``."""
    if not isinstance(text, str) or sum(ch.isalpha() for ch in text) < max(1, settings.language_min_letters):
        return ENGLISH
    language, probability = identify(text)
    if language not in SUPPORTED or probability < settings.language_min_confidence:
        return ENGLISH
    return language
