"""Embedding chunks and keeping the persistent, atomically published FAISS + BM25 index.

- ``store``: the read protocol ``bot`` codes against; ``reader.open_index`` returns its implementation.
- ``builder``: incremental ``ingest_paths`` / ``remove_documents`` (the only writer, under ``lock``).
- ``publish``: writing a generation and switching ``CURRENT``; ``generations``: the on-disk layout.
- ``bm25``: keyword index and the shared ``tokenize``; ``cache``: embedding cache; ``stats``: summaries.

Imports ``ingest`` (what it indexes) but never ``bot`` or the UI.
"""
