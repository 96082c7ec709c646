"""What every page shows before the first index exists: how to build one, instead of a traceback."""

from __future__ import annotations

import streamlit as st

from ui.language import _
from ui.render import md_escape_inline
from ui.resources import app_settings


def render_no_index() -> None:
    settings = app_settings()
    st.info(
        _(
            "**No document index yet.** The assistant answers from an index of the ICGG documents, "
            "and there is none in `{folder}`.\n\n"
            "To build it, either\n"
            "- run `make run` (it builds the index from `corpus/` before starting the app), or\n"
            "- run `icgg ingest corpus` in a terminal, or\n"
            "- sign in on the **Library** page and press **Re-index**.\n\n"
            "This page picks the index up as soon as it is published; no restart needed."
        ).format(folder=md_escape_inline(str(settings.index_dir))),
        icon=":material/info:",
    )
