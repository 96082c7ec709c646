"""One module per page; each exposes ``render()``, called by ``st.navigation`` in ``streamlit_app.py``."""

from icgg.i18n import N_

# The pages' titles in the navigation (translated where they are shown, in streamlit_app.py).
TITLES = {"ask": N_("Ask"), "search": N_("Search"), "library": N_("Library"), "about": N_("About")}
