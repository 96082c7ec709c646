"""The web app: ``streamlit run streamlit_app.py``. Page config, navigation, nothing else.

Pages live in ``ui/pages``; shared heavy objects (model, index) in ``ui/resources``. Never put logic here.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import streamlit as st

from ui.language import _, language_picker
from ui.pages import TITLES, about, ask, library, search

# An emoji icon becomes an inline data: URL in the browser. A ":material/...:" page icon would make every
# page fetch an SVG from a font host: a failed lookup offline, a request to a third party online.
PAGE_ICON = "🌐"
st.set_page_config(page_title="ICGG knowledge assistant", page_icon=PAGE_ICON)

language_picker()  # in the sidebar; the page titles below are in the language it holds
page = st.navigation(
    [
        st.Page(ask.render, title=_(TITLES["ask"]), icon=":material/chat:", url_path="ask", default=True),
        st.Page(search.render, title=_(TITLES["search"]), icon=":material/search:", url_path="search"),
        st.Page(
            library.render, title=_(TITLES["library"]), icon=":material/library_books:", url_path="library"
        ),
        st.Page(about.render, title=_(TITLES["about"]), icon=":material/info:", url_path="about"),
    ]
)
# The chat reads best in a narrow column (and on phones); the search and staff tables need the width.
st.set_page_config(layout="wide" if page.url_path in ("search", "library") else "centered")
page.run()
