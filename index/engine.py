"""PolicyIndex: the one object delivery code uses. Load a corpus, answer a question."""
from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .answer import Answer, Reply, compose, not_answered
from .bm25 import BM25
from .corpus import Policy, load_corpus
from .query import Alt, Query, Vocabulary, analyze
from .sections import Clause
from .text import Tokenizer, bigrams, entity_words, normalize

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

    def __init__(self, policies: list[Policy]):
        t0 = time.perf_counter()
        self.policies = {p.id: p for p in policies}
        self.vocab = Vocabulary.load()
        names = [n for p in policies for n in p.names]
        self.tokenizer = Tokenizer(names)
        self._names = {}
        for p in policies:
            for n in p.names:
                key = normalize(n)
                if len(key) >= 2:
                    self._names.setdefault(key, p.id)
        self.entries: list[tuple[Policy, Clause]] = [
            (p, c) for p in policies for c in p.clauses if c.answerable]
        texts = [normalize(c.text) for _, c in self.entries]
        heads = [normalize(" ".join(c.path)) for _, c in self.entries]
        word_docs = [self.tokenizer.words(" ".join([t, *entity_words(t)])) for t in texts]
        self.words = BM25(word_docs)
        self._texts = texts  # normalized, for coverage
        self._token_sets = [frozenset(d) for d in word_docs]
        self.grams = BM25([bigrams(t) for t in texts])
        self.heads = BM25([self.tokenizer.words(h) for h in heads])
        self._policy_of = np.array([p.id for p, _ in self.entries])
        self._known = frozenset(self.words.vocab)
        self.build_seconds = time.perf_counter() - t0
        log.info("indexed %d clauses of %d policies in %.2f s", len(self.entries),
                 len(policies), self.build_seconds)

    @classmethod
    def from_folder(cls, folder: str | Path) -> "PolicyIndex":
        return cls(load_corpus(folder))

    # -- searching -------------------------------------------------------------------------

    def analyze(self, question: str) -> Query:
        return analyze(question, self.vocab, self.tokenizer, self._names, self._known)

    def _alt_scores(self, alt: Alt) -> np.ndarray:
        """One alternative's score in every clause. Its words add up, scaled by the share of
        them the clause has (a clause with 权限 alone is not a match for 读写权限); its bigrams
        count as their mean, so a long word weighs no more than a short one."""
        words = np.zeros(len(self.entries))
        present = np.zeros(len(self.entries))
        for tok in alt.tokens:
            s = self.words.get_scores([tok])
            words += s
            present += s > 0
        words *= present / len(alt.tokens)
        grams = self.grams.get_scores(list(alt.grams)) / max(1, len(alt.grams))
        heads = self.heads.get_scores(list(alt.tokens))
        return alt.weight * (words + BIGRAM_WEIGHT * grams + HEADING_WEIGHT * heads)

    def _scores(self, q: Query) -> np.ndarray:
        """Σ over the question's concepts of the best alternative's score in each clause."""
        total = np.zeros(len(self.entries))
        for concept in q.concepts:
            best = None
            for alt in concept.alts:
                s = self._alt_scores(alt)
                best = s if best is None else np.maximum(best, s)
            total += best
        return total

    def search(self, q: Query, policy_id: str | None = None, k: int = 3) -> list[Hit]:
        """The k best clauses. BM25 picks candidates; among them a clause that says more of
        what was asked is preferred (score × coordination factor, as in classic Lucene)."""
        scores = self._scores(q)
        allowed = [policy_id] if policy_id else q.products
        if allowed:
            scores = np.where(np.isin(self._policy_of, allowed), scores, 0.0)
        order = np.lexsort((np.arange(len(scores)), -scores))  # ties: document order
        hits = []
        for i in order[:max(k, RERANK)]:
            if scores[i] <= 0:
                break
            policy, clause = self.entries[i]
            cov = self.coverage(q, int(i))
            final = float(scores[i]) * (COORD_FLOOR + (1 - COORD_FLOOR) * cov)
            hits.append(Hit(int(i), policy, clause, final, cov))
        hits.sort(key=lambda h: (-h.score, h.row))
        return hits[:k]

    def coverage(self, q: Query, row: int) -> float:
        """Share of what the asker said (weighted by idf) that the clause says too, in the
        asker's words or an alternative; a word the corpus never uses counts as missing."""
        top_idf = math.log(len(self.entries) + 1.0)
        have, text = self._token_sets[row], self._texts[row]
        total = top_idf * (len(q.unknown) + OFFTOPIC_CUE * len(q.cues))
        matched = 0.0
        for concept in q.concepts:
            if not concept.counts:
                continue
            keys = [a.key for a in concept.alts]
            idf = self.words.term_idf(keys[0]) or top_idf
            total += idf
            # A word counts as said when the clause has it as a token, or inside a longer word
            # (jieba may cut 使用 where the asker wrote 用).
            if any(k in have or k in text for k in keys):
                matched += idf
        return matched / total if total else 0.0

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
