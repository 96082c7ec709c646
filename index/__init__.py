"""Embedding chunks and keeping the persistent, atomically published FAISS + BM25 index.

Imports ``ingest`` (what it indexes) but never ``bot`` or the UI.
"""
