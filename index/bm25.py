"""Okapi BM25 over chunk texts, stored as a sparse matrix of precomputed weights.

The matrix is CSC, rows = chunks, columns = terms, each entry the full BM25 term weight (Lucene's idf times
the saturated, length-normalised tf), so scoring a query is a sum of a few columns. Persisted with
``scipy.sparse.save_npz`` and a JSON vocabulary, loaded with ``allow_pickle=False``: never pickle.

:func:`tokenize` is public because ``bot`` uses the same analysis for lexical overlap.
"""

from __future__ import annotations

import json
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from index.store import Hit

K1 = 1.2
B = 0.75

_WORD = re.compile(r"\w+")
# "5,000" and "1,000,000" are one number: written with or without separators, they must match.
_GROUPED_NUMBER = re.compile(r"\b\d{1,3}(?:,\d{3})+\b")
# Names the analysis below. A generation whose BM25 was built with another analysis has its keyword
# index rebuilt from the stored chunk texts when it is opened (index.reader), never queried mismatched.
ANALYZER = "en-stem-stop/grouped-numbers-1"
_HAS_DIGIT = re.compile(r"\d")

# A compact English stop list (close to Lucene's and NLTK's); numbers and codes are never dropped.
STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have
    having he her here hers herself him himself his how i if in into is it its itself just me more most my
    myself no nor not now of off on once only or other our ours ourselves out over own same she should so
    some such than that the their theirs them themselves then there these they this those through to too
    under until up very was we were what when where which while who whom why will with would you your
    yours yourself yourselves also may might must shall upon via per within without s t""".split()  # noqa: SIM905
)

_local = threading.local()
# word -> term ("" for a stop word). Words repeat heavily across chunks, so the regex test and the
# stemmer run once per distinct word; dict reads and writes are atomic under the GIL.
_TERMS: dict[str, str] = {}
_TERMS_MAX = 500_000


def _stemmer():
    """One PyStemmer object per thread: the C stemmer keeps state between calls."""
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        import Stemmer

        stemmer = _local.stemmer = Stemmer.Stemmer("english")
    return stemmer


def _term(word: str) -> str:
    if _HAS_DIGIT.search(word):
        term = word
    elif word in STOPWORDS or word == "_":
        term = ""
    else:
        term = _stemmer().stemWord(word)
    if len(_TERMS) >= _TERMS_MAX:
        _TERMS.clear()
    _TERMS[word] = term
    return term


def tokenize(text: str) -> list[str]:
    """NFKC-lowercased ``\\w+`` tokens, English stop words dropped, words stemmed.

    Tokens containing a digit ("259", "km2", "2021") are kept exactly as written, so programme numbers
    and codes match literally; letter-only tokens ("igcp", "geochemical") are stemmed. Thousands
    separators are dropped first ("5,000" is the token "5000").
    """
    out = []
    text = unicodedata.normalize("NFKC", text).lower()
    text = _GROUPED_NUMBER.sub(lambda m: m.group(0).replace(",", ""), text)
    for word in _WORD.findall(text):
        term = _TERMS.get(word)
        if term is None:
            term = _term(word)
        if term:
            out.append(term)
    return out


class BM25Index:
    """Immutable BM25 index; safe to search from several threads."""

    def __init__(self, weights: sp.csc_matrix, vocab: dict[str, int], params: dict):
        self.weights = weights
        self.vocab = vocab
        self.params = params

    @property
    def n_docs(self) -> int:
        return int(self.weights.shape[0])

    @classmethod
    def build(cls, texts: Iterable[str], k1: float = K1, b: float = B) -> BM25Index:
        token_lists = [tokenize(t) for t in texts]
        return cls.from_tokens(token_lists, k1=k1, b=b)

    @classmethod
    def for_chunks(cls, chunks: Iterable, titles: Mapping[str, str]) -> BM25Index:
        """The index of a generation's chunks (rows in order): each chunk's document title (``titles`` by
        doc_id), heading and text."""
        return cls.from_tokens([tokenize(f"{titles[c.doc_id]}\n{c.heading}\n{c.text}") for c in chunks])

    @classmethod
    def from_tokens(cls, token_lists: Sequence[Sequence[str]], k1: float = K1, b: float = B) -> BM25Index:
        """Vectorised build: term ids for all tokens at once, tf by counting (row, term) pairs."""
        vocab: dict[str, int] = {}
        n_docs = len(token_lists)
        lengths = np.fromiter((len(t) for t in token_lists), dtype=np.int64, count=n_docs)
        total = int(lengths.sum())
        setdefault = vocab.setdefault
        term_ids = np.fromiter(
            (setdefault(t, len(vocab)) for toks in token_lists for t in toks), dtype=np.int64, count=total
        )
        n_terms = len(vocab)
        doc_ids = np.repeat(np.arange(n_docs, dtype=np.int64), lengths)
        pairs, tf = np.unique(doc_ids * max(n_terms, 1) + term_ids, return_counts=True)
        row_arr, col_arr = np.divmod(pairs, max(n_terms, 1))
        tf_arr = tf.astype(np.float64)
        avgdl = float(lengths.mean()) if total else 1.0
        df = np.bincount(col_arr, minlength=n_terms).astype(np.float64)
        idf = np.log1p((n_docs - df + 0.5) / (df + 0.5))  # Lucene's always-positive idf
        norm = k1 * (1.0 - b + b * lengths[row_arr] / avgdl)
        w = idf[col_arr] * tf_arr * (k1 + 1.0) / (tf_arr + norm)
        weights = sp.csc_matrix(
            (w.astype(np.float32), (row_arr, col_arr)), shape=(n_docs, n_terms), dtype=np.float32
        )
        weights.sort_indices()
        params = {
            "k1": k1,
            "b": b,
            "avgdl": avgdl,
            "n_docs": n_docs,
            "variant": "okapi-lucene-idf",
            "analyzer": ANALYZER,
        }
        return cls(weights, vocab, params)

    def scores(self, query: str) -> np.ndarray:
        """Dense score vector over all rows (0 where no query term occurs)."""
        counts = Counter(t for t in tokenize(query) if t in self.vocab)
        if not counts or not self.n_docs:
            return np.zeros(self.n_docs, dtype=np.float32)
        cols = [self.vocab[t] for t in counts]
        qw = np.asarray([counts[t] for t in counts], dtype=np.float32)
        return np.asarray(self.weights[:, cols] @ qw, dtype=np.float32).ravel()

    def search(self, query: str, k: int, allowed_mask: np.ndarray | None = None) -> list[Hit]:
        """Top ``k`` rows that share at least one term with the query, restricted to allowed rows."""
        if k <= 0:
            return []
        scores = self.scores(query)
        if allowed_mask is not None:
            scores = np.where(allowed_mask, scores, 0.0)
        candidates = np.flatnonzero(scores > 0)
        if not len(candidates):
            return []
        if len(candidates) > k:
            top = candidates[np.argpartition(-scores[candidates], k - 1)[:k]]
        else:
            top = candidates
        # Stable tie-break by row keeps results deterministic.
        order = np.lexsort((top, -scores[top]))
        return [Hit(int(top[i]), float(scores[top[i]])) for i in order]

    # --- persistence ----------------------------------------------------------------------------------
    def save(self, matrix_path: Path, vocab_path: Path) -> None:
        sp.save_npz(matrix_path, self.weights, compressed=False)
        terms = [""] * len(self.vocab)
        for term, col in self.vocab.items():
            terms[col] = term
        vocab_path.write_text(
            json.dumps({"params": self.params, "terms": terms}, ensure_ascii=False), encoding="utf-8"
        )

    @classmethod
    def load(cls, matrix_path: Path, vocab_path: Path) -> BM25Index:
        return cls.from_bytes(matrix_path.read_bytes(), vocab_path.read_bytes())

    @classmethod
    def from_bytes(cls, matrix_bytes: bytes, vocab_bytes: bytes) -> BM25Index:
        import io

        weights = sp.load_npz(io.BytesIO(matrix_bytes)).tocsc()  # load_npz never unpickles
        data = json.loads(vocab_bytes.decode("utf-8"))
        terms = data["terms"]
        if len(terms) != weights.shape[1]:
            raise ValueError(f"BM25 vocabulary has {len(terms)} terms but the matrix {weights.shape[1]}")
        return cls(weights, {t: i for i, t in enumerate(terms)}, data["params"])
