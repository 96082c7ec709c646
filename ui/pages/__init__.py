"""One module per page; each exposes ``render()``, called by ``st.navigation`` in ``streamlit_app.py``."""
