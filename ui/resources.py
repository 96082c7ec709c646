"""Heavy objects shared by every browser session: the embedding model, the Assistant, the ingest job.

They live in ``st.cache_resource`` and are used read-only (the embedder serialises its own calls, the
Assistant swaps in new index generations atomically), so any number of sessions may share them. A failed
load is not cached: once an index has been built, the next page run opens it. Never keep per-user state
here; that belongs in ``st.session_state``.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

import streamlit as st

from icgg.settings import Settings, get_settings
from index.errors import IndexNotFoundError

if TYPE_CHECKING:
    from bot.api import Assistant
    from bot.feedback import QuestionLog
    from index.embeddings import Embedder
    from ui.jobs import IngestJob

log = logging.getLogger(__name__)


def app_settings() -> Settings:
    """The process-wide settings (environment and ``.env``)."""
    return get_settings()


@st.cache_resource(show_spinner="Loading the embedding model…")
def _embedder(model_setting: str, _settings: Settings) -> Embedder:
    from index.embeddings import load_embedder

    return load_embedder(_settings)


def get_embedder(settings: Settings | None = None) -> Embedder:
    """The one embedding model of this process (keyed by the configured model)."""
    settings = settings or app_settings()
    return _embedder(settings.embedding_model, settings)


@st.cache_resource(show_spinner="Opening the document index…")
def _assistant(settings_key: str, _settings: Settings) -> Assistant:
    from bot.api import Assistant

    return Assistant.open(_settings, embedder=get_embedder(_settings))


def current_assistant(settings: Settings | None = None) -> Assistant | None:
    """The shared Assistant on the newest published generation, or None when no index exists yet.

    Called at the top of every page run: ``refresh()`` is a cheap check of the ``CURRENT`` pointer, so a
    generation published by the Library page or the CLI is picked up without restarting the app.
    """
    settings = settings or app_settings()
    try:
        # Keyed by every setting (secrets appear masked): other settings, another Assistant.
        assistant = _assistant(settings.model_dump_json(), settings)
    except IndexNotFoundError:
        return None
    try:
        assistant.refresh()
    except Exception:  # keep answering from the generation we have; the log says why
        log.exception("could not switch to a newer index generation")
    return assistant


@st.cache_resource
def _jobs() -> dict[str, IngestJob]:
    return {}


_jobs_lock = threading.Lock()


def ingest_job_slot(settings: Settings | None = None) -> tuple[threading.Lock, dict[str, IngestJob]]:
    """The process-wide registry of ingest jobs (one per index folder), with the lock that guards it."""
    return _jobs_lock, _jobs()


def question_log(settings: Settings | None = None) -> QuestionLog | None:
    """The question log (a path and a retention: cheap to make), or None when ``log_questions`` is off."""
    from bot.feedback import QuestionLog

    settings = settings or app_settings()
    return QuestionLog.from_settings(settings) if settings.log_questions else None


def clear_caches() -> None:
    """Forget the model, Assistant and jobs (tests; after changing the settings)."""
    st.cache_resource.clear()
    get_settings.cache_clear()
