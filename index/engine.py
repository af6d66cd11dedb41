"""PolicyIndex: the one object delivery code uses. Load a corpus, answer a question."""
from __future__ import annotations

import logging
import math
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from .answer import Answer, Reply, compose, not_answered
from .bm25 import BM25
from .corpus import Policy, load_corpus
from .query import Alt, Query, Vocabulary, analyze
from .sections import Clause
from .text import Tokenizer, bigrams, entity_words, normalize, tokenize_many

log = logging.getLogger(__name__)

# Field weights: words are the main evidence; character bigrams catch words jieba cut
# differently; the heading path says what a clause is about. Calibrated on the dev set.
BIGRAM_WEIGHT = 0.3
HEADING_WEIGHT = 0.5
# Reranking: the best RERANK clauses by BM25 are scored again with the coordination factor
# COORD_FLOOR + (1 − COORD_FLOOR) · coverage.
RERANK = 50
COORD_FLOOR = 0.5
# Abstention: the best clause must cover this share of the question's own words (by idf)…
MIN_COVERAGE = 0.40
# …and score at least this much.
MIN_SCORE = 3.0
# An off-topic cue word (vocab/offtopic.txt) counts as this many unsaid words in coverage.
OFFTOPIC_CUE = 2
# Answers after the first are kept only when they score this share of the first.
RELATIVE_CUTOFF = 0.35


@dataclass
class Hit:
    row: int  # position of the clause in the index
    policy: Policy
    clause: Clause
    score: float
    coverage: float  # share of the question the clause says (see PolicyIndex.coverage)


class PolicyIndex:
    """Clauses of every policy in a corpus, searchable by question."""

    def __init__(self, policies: list[Policy], *, workers: int | None = None,
                 progress: Callable[[int, int], None] | None = None):
        """Index the clauses of `policies`. Tokenizing is the slow part: large corpora are cut
        by `workers` processes (default: one per core); `progress(done, total)` follows it."""
        t0 = time.perf_counter()
        self._setup(policies)
        texts = [normalize(c.text) for _, c in self.entries]
        heads = [normalize(" ".join(c.path)) for _, c in self.entries]
        built: dict[str, BM25] = {}

        def grams() -> None:  # runs while worker processes tokenize
            built["grams"] = BM25([bigrams(t) for t in texts])

        docs = tokenize_many(self.tokenizer, [" ".join([t, *entity_words(t)]) for t in texts]
                             + heads, self._extra_words, workers, progress, meanwhile=grams)
        self.words = BM25(docs[:len(texts)])
        self.grams = built["grams"]
        self.heads = BM25(docs[len(texts):])
        self._texts = texts  # normalized, for coverage
        self._finish(time.perf_counter() - t0)

    @classmethod
    def from_parts(cls, policies: list[Policy], texts: list[str], words: BM25, grams: BM25,
                   heads: BM25) -> "PolicyIndex":
        """An index from parts built earlier (see index/persist.py), without tokenizing."""
        t0 = time.perf_counter()
        self = cls.__new__(cls)
        self._setup(policies)
        if len(texts) != len(self.entries) or words.n_docs != len(self.entries):
            raise ValueError("saved index does not match its policies")
        self.words, self.grams, self.heads, self._texts = words, grams, heads, texts
        self._finish(time.perf_counter() - t0)
        return self

    def _setup(self, policies: list[Policy]) -> None:
        self.policies = {p.id: p for p in policies}
        self.vocab = Vocabulary.load()
        self._extra_words = [n for p in policies for n in p.names]
        self.tokenizer = Tokenizer(self._extra_words)
        self._names = {}
        for p in policies:
            for n in p.names:
                key = normalize(n)
                if len(key) >= 2:
                    self._names.setdefault(key, p.id)
        self.entries: list[tuple[Policy, Clause]] = [
            (p, c) for p in policies for c in p.clauses if c.answerable]

    def _finish(self, seconds: float) -> None:
        # Entries are grouped by policy: each policy's clauses are one span of rows.
        self._span: dict[str, tuple[int, int]] = {}
        for row, (p, _) in enumerate(self.entries):
            lo, _hi = self._span.get(p.id, (row, row))
            self._span[p.id] = (lo, row + 1)
        self._known = frozenset(self.words.vocab)
        self.build_seconds = seconds
        log.info("indexed %d clauses of %d policies in %.2f s", len(self.entries),
                 len(self.policies), seconds)

    @classmethod
    def from_folder(cls, folder: str | Path, **kw) -> "PolicyIndex":
        return cls(load_corpus(folder), **kw)

    # -- searching -------------------------------------------------------------------------

    def analyze(self, question: str) -> Query:
        return analyze(question, self.vocab, self.tokenizer, self._names, self._known)

    def _candidates(self, q: Query, allowed: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Clauses (sorted row numbers) holding a word of the question, in its text or heading,
        within the allowed policies, and a map row → position among them (−1: not one).
        Scores are computed for these only: a query costs the length of its postings."""
        n = len(self.entries)
        mask = np.zeros(n, dtype=bool)
        for concept in q.concepts:
            for alt in concept.alts:
                for tok in alt.tokens:
                    mask[self.words.postings(tok)] = True
                    mask[self.heads.postings(tok)] = True
        if allowed:
            inside = np.zeros(n, dtype=bool)
            for pid in allowed:
                lo, hi = self._span[pid]
                inside[lo:hi] = True
            mask &= inside
        rows = np.flatnonzero(mask)
        where = np.full(n, -1, dtype=np.int64)
        where[rows] = np.arange(len(rows))
        return rows, where

    @staticmethod
    def _on(bm: BM25, term: str, where: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions among the candidates of the clauses holding `term`, and its weight there."""
        docs, weights = bm.posting_weights(term)
        pos = where[docs]
        ok = pos >= 0
        return pos[ok], weights[ok]

    def _alt_scores(self, alt: Alt, rows: np.ndarray, where: np.ndarray) -> np.ndarray:
        """One alternative's score in each candidate clause. Its words add up, scaled by the
        share of them the clause has (a clause with 权限 alone is not a match for 读写权限);
        its bigrams count as their mean, so a long word weighs no more than a short one."""
        words = np.zeros(len(rows))
        present = np.zeros(len(rows))
        for tok in alt.tokens:
            pos, w = self._on(self.words, tok, where)
            words[pos] += w
            present[pos] += w > 0
        words *= present / len(alt.tokens)
        grams = np.zeros(len(rows))
        for gram, n in Counter(alt.grams).items():
            pos, w = self._on(self.grams, gram, where)
            grams[pos] += n * w
        grams /= max(1, len(alt.grams))
        heads = np.zeros(len(rows))
        for tok, n in Counter(alt.tokens).items():
            pos, w = self._on(self.heads, tok, where)
            heads[pos] += n * w
        return alt.weight * (words + BIGRAM_WEIGHT * grams + HEADING_WEIGHT * heads)

    def _scores(self, q: Query, rows: np.ndarray, where: np.ndarray) -> np.ndarray:
        """Σ over the question's concepts of the best alternative's score in each clause."""
        total = np.zeros(len(rows))
        for concept in q.concepts:
            best = None
            for alt in concept.alts:
                s = self._alt_scores(alt, rows, where)
                best = s if best is None else np.maximum(best, s)
            total += best
        return total

    def search(self, q: Query, policy_id: str | None = None, k: int = 3) -> list[Hit]:
        """The k best clauses. BM25 picks candidates; among them a clause that says more of
        what was asked is preferred (score × coordination factor, as in classic Lucene)."""
        candidates, where = self._candidates(q, [policy_id] if policy_id else q.products)
        scores = self._scores(q, candidates, where)
        top = max(k, RERANK)
        if len(scores) > 4 * top:  # keep the best `top` (and all tied with the last) cheaply
            cut = np.partition(scores, len(scores) - top)[len(scores) - top]
            keep = np.flatnonzero(scores >= cut)
            candidates, scores = candidates[keep], scores[keep]
        order = np.lexsort((candidates, -scores))[:top]  # ties: document order
        order = order[scores[order] > 0]
        rows, scores = candidates[order], scores[order]
        hits = []
        for i, score, cov in zip(rows, scores, self.coverages(q, rows)):
            policy, clause = self.entries[i]
            final = float(score) * (COORD_FLOOR + (1 - COORD_FLOOR) * cov)
            hits.append(Hit(int(i), policy, clause, final, float(cov)))
        hits.sort(key=lambda h: (-h.score, h.row))
        return hits[:k]

    def coverages(self, q: Query, rows: np.ndarray) -> np.ndarray:
        """Share of what the asker said (weighted by idf) that each clause says too, in the
        asker's words or an alternative; a word the corpus never uses counts as missing."""
        top_idf = math.log(len(self.entries) + 1.0)
        total = top_idf * (len(q.unknown) + OFFTOPIC_CUE * len(q.cues))
        matched = np.zeros(len(rows))
        for concept in q.concepts:
            if not concept.counts:
                continue
            keys = [a.key for a in concept.alts]
            idf = self.words.term_idf(keys[0]) or top_idf
            total += idf
            said = np.zeros(len(rows), dtype=bool)
            for key in keys:
                docs = self.words.postings(key)  # sorted
                if len(docs):
                    at = np.minimum(np.searchsorted(docs, rows), len(docs) - 1)
                    said |= docs[at] == rows
            # A word also counts as said inside a longer word (jieba may cut 使用 where the
            # asker wrote 用).
            for j in np.flatnonzero(~said):
                said[j] = any(key in self._texts[rows[j]] for key in keys)
            matched += idf * said
        return matched / total if total else np.zeros(len(rows))

    def ask(self, question: str, policy_id: str | None = None, top_k: int = 3,
            lang: str | None = None, base_url: str = "") -> Reply:
        """Answer a question: the best clauses, or a polite "not answered"."""
        if policy_id is not None and policy_id not in self.policies:
            raise KeyError(policy_id)
        q = self.analyze(question)
        reply_lang = lang or q.lang
        hits = self.search(q, policy_id, k=max(top_k, 1))
        if not hits or not self._answers(q, hits[0]):
            return not_answered(question, reply_lang, list(self.policies.values()))
        best = hits[0].score
        kept = [h for h in hits if h.score >= RELATIVE_CUTOFF * best]
        answers = [Answer.of(h.policy, h.clause, h.score, base_url) for h in kept[:top_k]]
        return compose(question, reply_lang, answers, self.policies)

    def _answers(self, q: Query, hit: Hit) -> bool:
        return hit.score >= MIN_SCORE and hit.coverage >= MIN_COVERAGE
