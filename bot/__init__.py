"""Retrieval, cited answers and the Python API used by both the CLI and the Streamlit app.

Imports ``index`` (read side) and never the UI.
"""
