"""PolicyIndex: the one object delivery code uses. Load a corpus, answer a question."""
from __future__ import annotations

import logging
import math
import re
import threading
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from .answer import Answer, Reply, compose, not_answered
from . import dense
from .bm25 import BM25
from .cleaning import clean_text
from .corpus import Policy, load_corpus
from .names import Names
from .query import Alt, Query, Vocabulary, analyze
from .sections import Clause
from .spelling import Spelling, readings as pinyin_readings
from .dense import GRAMS, HEADS, WORDS
from .text import Tokenizer, bigrams, cjk_chars, entity_words, normalize, tokenize_many

log = logging.getLogger(__name__)

# Field weights: words are the main evidence; character bigrams catch words jieba cut
# differently; the heading path says what a clause is about. Calibrated on the dev set.
BIGRAM_WEIGHT = 0.3
HEADING_WEIGHT = 0.5
# Reranking: the best RERANK clauses by BM25 are scored again with the coordination factor
# COORD_FLOOR + (1 − COORD_FLOOR) · coverage.
RERANK = 50
COORD_FLOOR = 0.5
# A clause under a definitions heading explains words ("个人敏感信息是指…"); it answers what a
# word means, and weighs this much against a clause about what the product does with it.
DEFINITIONS_WEIGHT = 0.8
_DEFINITIONS = re.compile(r"定义|释义|名词解释|术语|definition|glossary|interpretation", re.I)
# Scoring: from this many clauses on, the compiled kernel (kernel.py, numba); below, the same
# ranking in numpy (dense.py), which spares a small deployment numba's memory and start time.
COMPILED_FROM = 1000
# Abstention: only a privacy question is answered (vocab/privacy.txt); the best clause must
# then cover this share of the question's words (by idf): a question with a strong privacy word
# MIN_COVERAGE, one with weak ones only (电话, 照片, 推荐 …) WEAK_COVERAGE…
MIN_COVERAGE = 0.25
WEAK_COVERAGE = 0.5
# …and score at least this much.
MIN_SCORE = 1.0
# An off-topic cue word (vocab/offtopic.txt) counts as this many unsaid words in coverage…
OFFTOPIC_CUE = 2
# …unless this many clauses of the policies asked about use it: then it is their domain.
CUE_IS_DOMAIN = 3
# Answers after the first are kept only when they score this share of the first.
RELATIVE_CUTOFF = 0.35


def _compiled():
    """The compiled kernel; imported only for a corpus that needs it (numba is heavy)."""
    from . import kernel
    return kernel


def _read_only(a: np.ndarray, dtype) -> np.ndarray:
    out = np.asarray(a, dtype=dtype).view()
    out.flags.writeable = False
    return out


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
                   heads: BM25, vocab: Vocabulary | None = None,
                   names: Names | None = None) -> "PolicyIndex":
        """An index from parts built earlier (see index/persist.py), without tokenizing; with
        the vocabulary and product names saved beside them, without reading the vocabulary
        files either."""
        t0 = time.perf_counter()
        self = cls.__new__(cls)
        self._setup(policies, vocab)
        if len(texts) != len(self.entries) or words.n_docs != len(self.entries):
            raise ValueError("saved index does not match its policies")
        self.words, self.grams, self.heads, self._texts = words, grams, heads, texts
        self._finish(time.perf_counter() - t0, names)
        return self

    def _setup(self, policies: list[Policy], vocab: Vocabulary | None = None) -> None:
        self._joined: dict[str, str] = {}  # see _policy_text
        self.policies = {p.id: p for p in policies}
        self.vocab = vocab or Vocabulary.load()
        self._extra_words = [n for p in policies for n in p.names]
        self.tokenizer = Tokenizer(self._extra_words)
        self._bilingual = any(p.language == "en" for p in policies)
        self.entries: list[tuple[Policy, Clause]] = [
            (p, c) for p in policies for c in p.clauses if c.answerable]

    def _finish(self, seconds: float, names: Names | None = None) -> None:
        # Entries are grouped by policy: each policy's clauses are one span of rows.
        self._span: dict[str, tuple[int, int]] = {}
        for row, (p, _) in enumerate(self.entries):
            lo, _hi = self._span.get(p.id, (row, row))
            self._span[p.id] = (lo, row + 1)
        self._definitions: dict[int, bool] = {}  # see _under_definitions
        self._names = names or Names.build(self.policies.values(),
                                           lambda pid: self._policy_text(pid, keep=False))
        self._known = frozenset(self.words.vocab)
        self._alts: dict = {}  # see query.analyze
        self._alt_lists: dict[int, list] = {}  # see _lists_of
        self._concept_plans: dict[int, tuple] = {}  # see _concept_plan
        self._concept_keys: dict[int, tuple] = {}  # see _coverage_keys
        self._keys: dict[str, tuple] = {}  # see _key_ids
        self._spelling: Spelling | None = None  # see _correct
        self._spelling_lock = threading.Lock()
        # What the kernel reads: the postings (indices, data, indptr) of the three fields, in
        # fixed types (read-only, built or memory-mapped alike: one compiled version), and
        # the one span of rows that allows every policy.
        self._postings = tuple(_read_only(a, t) for bm in (self.words, self.grams, self.heads)
                               for a, t in ((bm.matrix.indices, np.int32),
                                            (bm.matrix.data, np.float64),
                                            (bm.matrix.indptr, np.int64)))
        self._negative = any(bool((bm.matrix.data < 0).any())
                             for bm in (self.words, self.grams, self.heads))
        self._everything = (np.array([0], dtype=np.int64),
                            np.array([len(self.entries)], dtype=np.int64))
        self._scorer = _compiled() if len(self.entries) >= COMPILED_FROM else dense
        # Compile the kernel now (or load it from numba's cache), not at the first question;
        # the typo tables (a third of a second at a thousand policies) meanwhile in the
        # background, so neither start nor the first question waits for them.
        threading.Thread(target=self._spelling_tables, name="spelling", daemon=True).start()
        self.search(Query("", "zh", ""))
        self.build_seconds = seconds
        log.info("indexed %d clauses of %d policies in %.2f s", len(self.entries),
                 len(self.policies), seconds)

    @classmethod
    def from_folder(cls, folder: str | Path, **kw) -> "PolicyIndex":
        return cls(load_corpus(folder), **kw)

    # -- searching -------------------------------------------------------------------------

    def analyze(self, question: str) -> Query:
        return analyze(question, self.vocab, self.tokenizer, self._names, self._known,
                       self._alts, self._bilingual, self._correct)

    def _spelling_tables(self) -> Spelling:
        with self._spelling_lock:
            if self._spelling is None:
                df = np.diff(self.words.matrix.indptr)
                spelling = Spelling({w: int(df[i]) for w, i in self.words.vocab.items()})
                pinyin_readings()  # loaded once, a quarter of a second
                self._spelling = spelling
            return self._spelling

    def _correct(self, word: str) -> str | None:
        """The index word a word of a question is a typo of (see spelling.py)."""
        return (self._spelling or self._spelling_tables()).correct(word)

    def _plan(self, q: Query) -> tuple[np.ndarray, ...]:
        """The question's posting lists, in the layout of kernel.score_top: per list its
        field, term, multiplicity and alternative; per alternative its concept, weight,
        number of words and number of bigrams. Repeated words of an alternative are separate
        word lists, as the sums of the numpy version added them one at a time."""
        parts = [self._concept_plan(c) for c in q.concepts]
        if not parts:
            return tuple(np.zeros(0, dtype=t) for t in (np.int8, np.int64, np.float64, np.int64,
                                                         np.int64, np.float64, np.float64, np.float64))
        offsets = np.cumsum([0] + [len(p[4]) for p in parts[:-1]])
        return (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]),
                np.concatenate([p[2] for p in parts]),
                np.concatenate([p[3] + off for p, off in zip(parts, offsets)]),
                np.repeat(np.arange(len(parts), dtype=np.int64), [len(p[4]) for p in parts]),
                np.concatenate([p[4] for p in parts]), np.concatenate([p[5] for p in parts]),
                np.concatenate([p[6] for p in parts]))

    def _concept_plan(self, concept) -> tuple[np.ndarray, ...]:
        """One concept's lists (field, term, multiplicity, alternative within the concept) and
        alternatives (weight, words, bigrams); kept for a concept of the vocabulary's terms."""
        if concept.shared and id(concept) in self._concept_plans:
            return self._concept_plans[id(concept)]
        lists: list[tuple[int, int, float, int]] = []
        for ai, alt in enumerate(concept.alts):
            lists.extend((f, i, n, ai) for f, i, n in self._lists_of(alt))
        lf, lt, lm, la = zip(*lists) if lists else ((),) * 4
        plan = (np.array(lf, dtype=np.int8), np.array(lt, dtype=np.int64),
                np.array(lm, dtype=np.float64), np.array(la, dtype=np.int64),
                np.array([a.weight for a in concept.alts], dtype=np.float64),
                np.array([len(a.tokens) for a in concept.alts], dtype=np.float64),
                np.array([max(1, len(a.grams)) for a in concept.alts], dtype=np.float64))
        if concept.shared:
            self._concept_plans[id(concept)] = plan
        return plan

    def _lists_of(self, alt: Alt) -> list[tuple[int, int, float]]:
        """(field, term id, multiplicity) of an alternative's lists; kept for shared ones."""
        if alt.shared and id(alt) in self._alt_lists:
            return self._alt_lists[id(alt)]
        out = []
        for f, vocab in ((WORDS, self.words.vocab), (GRAMS, self.grams.vocab),
                         (HEADS, self.heads.vocab)):
            terms = ([(t, 1) for t in alt.tokens] if f == WORDS else
                     Counter(alt.grams if f == GRAMS else alt.tokens).items())
            for term, n in terms:
                i = vocab.get(term)
                if i is not None:
                    out.append((f, i, float(n)))
        if alt.shared:
            self._alt_lists[id(alt)] = out
        return out

    def ranked(self, q: Query, allowed: list[str], top: int) -> tuple[np.ndarray, np.ndarray, int]:
        """The `top` best clauses by BM25 (rows and scores, best first, ties in document order)
        among the clauses holding a word of the question in their text or heading, within the
        allowed policies (all when empty); and how many clauses were candidates.

        A clause's score is the sum over the question's concepts of the best alternative's
        score there: its words add up, scaled by the square of the share of them the clause
        has (a clause with 权限 alone is not a match for 读写权限, nor "data" for "data
        breach"); its bigrams count as their mean, so a
        long word weighs no more than a short one; heading words count HEADING_WEIGHT."""
        if allowed:
            spans = sorted(self._span[pid] for pid in allowed)
            lo, hi = (np.array(x, dtype=np.int64) for x in zip(*spans))
        else:
            lo, hi = self._everything
        return self._scorer.score_top(*self._postings, self._negative, *self._plan(q), lo, hi, top,
                                BIGRAM_WEIGHT, HEADING_WEIGHT)

    def search(self, q: Query, policy_id: str | None = None, k: int = 3) -> list[Hit]:
        """The k best clauses. BM25 picks candidates; among them a clause that says more of
        what was asked is preferred (score × coordination factor, as in classic Lucene)."""
        allowed = [policy_id] if policy_id else q.products
        rows, scores, _ = self.ranked(q, allowed, max(k, RERANK))
        q.live_cues = cues = self._cues(q, allowed)
        hits = []
        for i, score, cov in zip(rows, scores, self.coverages(q, rows, cues)):
            policy, clause = self.entries[i]
            final = float(score) * (COORD_FLOOR + (1 - COORD_FLOOR) * cov)
            if self._under_definitions(int(i)):
                final *= DEFINITIONS_WEIGHT
            hits.append(Hit(int(i), policy, clause, final, float(cov)))
        hits.sort(key=lambda h: (-h.score, h.row))
        return hits[:k]

    def _under_definitions(self, row: int) -> bool:
        """Whether a clause is under a definitions heading; worked out for the clauses a
        question reranks and kept (for every clause at start, 0.2 s at a thousand policies)."""
        got = self._definitions.get(row)
        if got is None:
            path = " ".join(self.entries[row][1].path)
            got = self._definitions[row] = bool(_DEFINITIONS.search(path))
        return got

    def _cues(self, q: Query, allowed: list[str]) -> list[str]:
        """The question's off-topic cues that the policies asked about do not use themselves:
        外卖 is no cue for a food-delivery policy, whose clauses say it throughout."""
        spans = [self._span[p] for p in allowed] if allowed else [(0, len(self.entries))]
        out = []
        for cue in q.cues:
            docs = self.words.postings(cue)  # cues are normalized (or stemmed) when loaded
            inside = sum(int(np.searchsorted(docs, hi) - np.searchsorted(docs, lo)) for lo, hi in spans)
            if inside < CUE_IS_DOMAIN:
                out.append(cue)
        return out

    def coverages(self, q: Query, rows: np.ndarray, cues: list[str] | None = None) -> np.ndarray:
        """Share of what the asker said (weighted by idf) that each clause says too, in the
        asker's words or an alternative; a word the corpus never uses counts as missing.
        A word also counts as said inside a longer word (jieba may cut 使用 where the asker
        wrote 用); a Chinese word of two or more characters can be inside a clause's text only
        if the clause has all its bigrams, which rules out most clauses without reading them."""
        top_idf = math.log(len(self.entries) + 1.0)
        cues = q.cues if cues is None else cues
        total = top_idf * (len(q.unknown) + OFFTOPIC_CUE * len(cues))
        parts = [self._coverage_keys(c, top_idf) for c in q.concepts if c.counts]
        keys = [p[0] for p in parts]
        idf = np.array([p[1] for p in parts])
        rows = np.asarray(rows, dtype=np.int64)
        word, glo, ghi, gids = [], [], [], []
        for _, _, ids in parts:
            for w, g in ids:
                word.append(w)
                glo.append(len(gids) if g is not None else -1)
                gids.extend(g or ())
                ghi.append(len(gids))
        ind_w, _, ptr_w, ind_g, _, ptr_g = self._postings[:6]
        hits = self._scorer.key_hits(ind_w, ptr_w, ind_g, ptr_g,
                               *(np.array(x, dtype=np.int64) for x in (word, glo, ghi, gids)),
                               rows)
        if not keys or not len(rows):
            return np.zeros(len(rows))
        starts = np.cumsum([0] + [len(ks) for ks in keys[:-1]])
        flat = [k for ks in keys for k in ks]
        # said by a word of the clause (1); the few clauses that only may hold an alternative
        # inside a longer word (2) are read. (Crediting a synonym less than the asker's own
        # word was measured: unseen hit@1 0.854 → 0.848, qa 0.784 → 0.778.)
        present = hits == 1
        for i, j in zip(*np.nonzero(hits == 2)):
            present[i, j] = flat[i] in self._texts[rows[j]]
        said = np.logical_or.reduceat(present, starts, axis=0)
        total += float(idf.sum())
        return (idf @ said) / total if total else np.zeros(len(rows))

    def _coverage_keys(self, concept, top_idf: float) -> tuple[list[str], float, list]:
        """A concept's key words (the ones a clause can say: in the index, or Chinese that
        may stand inside a longer word), the idf of the asker's word, and the keys' ids (see
        _key_ids); kept for a concept of the vocabulary's terms."""
        if concept.shared and id(concept) in self._concept_keys:
            return self._concept_keys[id(concept)]
        keys = list(dict.fromkeys(a.key for a in concept.alts))
        idf = self.words.term_idf(keys[0]) or top_idf
        ids = {k: self._key_ids(k) for k in keys}
        # a key can be said as a word of the index or, Chinese, inside a longer word
        keys = [k for k in keys if ids[k][0] >= 0 or ids[k][1] is not None] or keys[:1]
        out = (keys, idf, [ids[k] for k in keys])
        if concept.shared:
            self._concept_keys[id(concept)] = out
        return out

    def _key_ids(self, key: str) -> tuple[int, list[int] | None]:
        """A key word's id in the words field (−1: none) and the ids of its bigrams in the
        bigram field (−1 for one the corpus lacks), or None when it is not all Chinese."""
        got = self._keys.get(key)
        if got is None:
            w = self.words.vocab.get(key, -1)
            g = ([self.grams.vocab.get(x, -1) for x in bigrams(key)]
                 if len(key) >= 2 and cjk_chars(key) == len(key) else None)
            got = (w, g)
            if w >= 0 or key in self.vocab.terms:  # words of the index or the tables: finite
                self._keys[key] = got
        return got

    def ask(self, question: str, policy_id: str | None = None, top_k: int = 3,
            lang: str | None = None, base_url: str = "") -> Reply:
        """Answer a question: the best clauses, or a polite "not answered"."""
        question = clean_text(question)  # callers clean what enters; this engine does not rely on it
        if policy_id is not None:
            found = self.resolve(policy_id)
            if found is None:
                raise KeyError(policy_id)
            policy_id = found
        q = self.analyze(question)
        reply_lang = lang or q.lang
        missing = self._not_held(q, policy_id)
        if missing:
            return not_answered(question, reply_lang, list(self.policies.values()), missing)
        hits = self.search(q, policy_id, k=max(top_k, 1))
        if not hits or not self._answers(q, hits[0], q.live_cues):
            return not_answered(question, reply_lang, list(self.policies.values()))
        best = hits[0].score
        kept = [h for h in hits if h.score >= RELATIVE_CUTOFF * best]
        answers = [Answer.of(h.policy, h.clause, h.score, base_url) for h in kept[:top_k]]
        return compose(question, reply_lang, answers, self.policies)

    def answer_of(self, policy_id: str | None, section_id: str | None,
                  base_url: str = "") -> Answer | None:
        """The clause `section_id` of a policy as an answer shows it (quote, link), or None
        when this index holds no such clause: feedback and the report link only to real ones."""
        policy = self.policies.get(policy_id or "")
        if policy is None or not section_id:
            return None
        for clause in policy.clauses:
            if clause.section_id == section_id and clause.answerable:
                return Answer.of(policy, clause, 0.0, base_url)
        return None

    def resolve(self, policy_id: str) -> str | None:
        """The id of the policy `policy_id` names: itself, or the one id equal to it in any
        letter case and width ("keep" for KEEP.txt's "KEEP"); None if none or several."""
        if policy_id in self.policies:
            return policy_id
        folded = unicodedata.normalize("NFKC", policy_id).casefold()
        same = [pid for pid in self.policies
                if unicodedata.normalize("NFKC", pid).casefold() == folded]
        return same[0] if len(same) == 1 else None

    def _not_held(self, q: Query, policy_id: str | None) -> list[str]:
        """The products the question is about that the corpus holds no policy of: named, with
        no held product named; asked on one policy's page, only a product the question is
        about (it opens the question, "my X account", "X的…") that the policy never names
        ("Does Google get my data?" on a page whose policy shares data with Google is asked
        of that policy)."""
        if not q.foreign or q.products:
            return []
        if policy_id is not None:  # asked on one product's page: only a product it is about
            text = self._policy_text(policy_id)
            return [name for name in q.about if normalize(name) not in text]
        return q.foreign

    def _policy_text(self, policy_id: str, keep: bool = True) -> str:
        """A policy's normalized clause texts, joined; kept for the next question unless
        `keep` is false (reading every policy once at start need not hold them all)."""
        if policy_id in self._joined:
            return self._joined[policy_id]
        text = "\n".join(self._texts[slice(*self._span[policy_id])]) if policy_id in self._span else ""
        if keep:
            self._joined[policy_id] = text
        return text

    def _answers(self, q: Query, hit: Hit, cues: list[str]) -> bool:
        """Whether the best clause answers: the question is a privacy question (a strong word
        of vocab/privacy.txt, or a weak one and no off-topic cue), and the clause says enough
        of it."""
        if q.privacy is None or (q.privacy == "weak" and cues):
            return False
        least = MIN_COVERAGE if q.privacy == "strong" else WEAK_COVERAGE
        return hit.score >= MIN_SCORE and hit.coverage >= least
