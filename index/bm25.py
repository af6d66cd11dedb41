"""BM25 with rank-bm25's BM25Okapi semantics, scored from a sparse term × document matrix.

rank-bm25 0.2.2: idf(t) = ln(N − df + 0.5) − ln(df + 0.5); a term with idf < 0 gets
ε · (mean idf over the vocabulary); score(q, d) = Σ over query tokens (repeats counted) of
idf · tf · (k1 + 1) / (tf + k1 · (1 − b + b · |d| / avgdl)). Precomputing each (term, document)
weight once makes a query touch only the postings of its own terms, instead of looping over
every document in Python. `tests/test_bm25.py` checks equality with rank-bm25.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Mapping

import numpy as np


@dataclass
class Postings:
    """A term × document matrix in CSR layout: row t's documents are
    indices[indptr[t]:indptr[t + 1]] (sorted), with weights data[…]. (scipy.sparse did
    this and nothing more here, for 22 MB of memory and a tenth of a second of import.)"""
    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    shape: tuple[int, int]

    def row(self, t: int) -> np.ndarray:
        """Row t as a dense vector over all documents."""
        out = np.zeros(self.shape[1])
        a, b = self.indptr[t], self.indptr[t + 1]
        out[self.indices[a:b]] = self.data[a:b]
        return out


class BM25:
    """BM25Okapi over pre-tokenized documents."""

    def __init__(self, corpus: list[list[str]], k1: float = 1.5, b: float = 0.75,
                 epsilon: float = 0.25):
        self.k1, self.b, self.epsilon = k1, b, epsilon
        self.n_docs = len(corpus)
        lengths = np.array([len(doc) for doc in corpus], dtype=np.float64)
        self.avgdl = float(lengths.sum() / self.n_docs) if self.n_docs else 0.0
        # Term ids in order of first appearance, one pass over all tokens; then (term,
        # document) pairs are counted with numpy instead of a Counter per document.
        self.vocab: dict[str, int] = {}
        setdefault = self.vocab.setdefault
        ids = np.fromiter((setdefault(t, len(self.vocab)) for doc in corpus for t in doc),
                          dtype=np.int64, count=int(lengths.sum()))
        docs = np.repeat(np.arange(self.n_docs, dtype=np.int64), lengths.astype(np.int64))
        pairs, tf = np.unique(ids * max(self.n_docs, 1) + docs, return_counts=True)
        rows_a, cols_a = pairs // max(self.n_docs, 1), pairs % max(self.n_docs, 1)
        df = np.bincount(rows_a, minlength=len(self.vocab))
        self.idf = self._idf(df)
        tf = tf.astype(np.float64)
        denom = tf + k1 * (1 - b + b * lengths[cols_a] / self.avgdl) if self.n_docs else tf
        weights = self.idf[rows_a] * tf * (k1 + 1) / denom if len(tf) else tf
        # Row t holds the postings of term t: a query reads only its own rows. Pairs are
        # sorted by (term, document), which is CSR order already.
        indptr = np.zeros(len(self.vocab) + 1, dtype=np.int64)
        np.cumsum(df, out=indptr[1:])
        self.matrix = Postings(weights, cols_a.astype(np.int32), indptr,
                               (len(self.vocab), self.n_docs))

    def _idf(self, df: np.ndarray) -> np.ndarray:
        """rank-bm25's idf, with its ε floor for terms in more than half of the documents."""
        idf = np.log(self.n_docs - df + 0.5) - np.log(df + 0.5)
        if len(idf):
            average = float(idf.sum() / len(idf))
            idf[idf < 0] = self.epsilon * average
        return idf

    def to_parts(self) -> tuple[dict, dict[str, np.ndarray]]:
        """(small attributes, large arrays) for saving; see from_parts."""
        small = {"k1": self.k1, "b": self.b, "epsilon": self.epsilon, "n_docs": self.n_docs,
                 "avgdl": self.avgdl, "vocab": self.vocab, "shape": self.matrix.shape}
        m = self.matrix
        return small, {"idf": self.idf, "data": m.data, "indices": m.indices, "indptr": m.indptr}

    @classmethod
    def from_parts(cls, small: dict, arrays: dict[str, np.ndarray]) -> "BM25":
        """A BM25 from saved parts; the arrays may be memory-mapped (they are only read)."""
        self = cls.__new__(cls)
        self.k1, self.b, self.epsilon = small["k1"], small["b"], small["epsilon"]
        self.n_docs, self.avgdl, self.vocab = small["n_docs"], small["avgdl"], small["vocab"]
        self.idf = arrays["idf"]
        self.matrix = Postings(arrays["data"], arrays["indices"], arrays["indptr"],
                               tuple(small["shape"]))
        return self

    def term_idf(self, term: str) -> float:
        i = self.vocab.get(term)
        return float(self.idf[i]) if i is not None else 0.0

    def postings(self, term: str) -> np.ndarray:
        """Ids of the documents that hold `term` (sorted)."""
        i = self.vocab.get(term)
        m = self.matrix
        return m.indices[m.indptr[i]:m.indptr[i + 1]] if i is not None else m.indices[:0]

    def get_scores(self, query: Iterable[str] | Mapping[str, float]) -> np.ndarray:
        """Score of every document: a token list (repeats count) or a {token: weight} map."""
        weights: Counter[str] | Mapping[str, float]
        weights = query if isinstance(query, Mapping) else Counter(query)
        scores = np.zeros(self.n_docs)
        m = self.matrix
        for term, weight in weights.items():
            i = self.vocab.get(term)
            if i is not None and weight:
                a, b = m.indptr[i], m.indptr[i + 1]
                scores[m.indices[a:b]] += float(weight) * m.data[a:b]
        return scores
