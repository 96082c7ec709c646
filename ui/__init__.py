"""The Streamlit front end: pages that call ``bot`` and render, plus the helpers they share.

Nothing here is imported by ``ingest``, ``index`` or ``bot``. Document text and model output are rendered
only through :mod:`ui.render`'s Markdown escaping, never with ``unsafe_allow_html``.
"""
