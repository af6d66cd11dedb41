"""The scoring loop of PolicyIndex.search, compiled with numba.

A question becomes a few dozen posting lists (its words and bigrams in the three fields of the
index), some as long as the corpus. With one numpy call per list, call overhead alone cost
more than the arithmetic, and each call swept arrays as long as the corpus. Here the lists are
walked in one compiled loop, block by block of clauses: a block's accumulators fit in the
processor's cache, and the lists are read once, in order.

The arithmetic and its order are those of the numpy version this replaced, so scores are the
same to the last bit; tests/test_bm25.py checks them against scoring every clause.

Lists arrive grouped by concept, then by alternative (see PolicyIndex._plan): field 0 =
words, 1 = bigrams, 2 = headings; mult = how many times the alternative holds the term.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

# numba keeps compiled code next to this file; where that is read-only (an installed
# package), in a temporary folder, so a fresh process loads it instead of compiling again.
if "NUMBA_CACHE_DIR" not in os.environ and not os.access(Path(__file__).parent, os.W_OK):
    os.environ["NUMBA_CACHE_DIR"] = str(Path(tempfile.gettempdir()) / "privacybot-numba")

from numba import njit  # noqa: E402

WORDS, GRAMS, HEADS = 0, 1, 2
BLOCK = 2048  # clauses per block: six float arrays of this size stay in the L1/L2 cache


@njit(cache=True, nogil=True)
def _range(ind, start, end, lo, hi):
    """Positions [a, b) of the postings in [start, end) whose document is in [lo, hi)."""
    if end <= start or ind[start] >= hi or ind[end - 1] < lo:
        return start, start
    a = start
    if ind[start] < lo:
        a = start + np.searchsorted(ind[start:end], lo)
    b = end
    if ind[end - 1] >= hi:
        b = start + np.searchsorted(ind[start:end], hi)
    return a, b


@njit(cache=True, nogil=True)
def _worse(s1, r1, s2, r2):
    """Whether hit (s1, r1) ranks below (s2, r2): lower score, or same score and later row."""
    return s1 < s2 or (s1 == s2 and r1 > r2)


@njit(cache=True, nogil=True)
def _sift_down(hs, hr, n, i):
    while True:
        c = 2 * i + 1
        if c >= n:
            return
        if c + 1 < n and _worse(hs[c + 1], hr[c + 1], hs[c], hr[c]):
            c += 1
        if _worse(hs[c], hr[c], hs[i], hr[i]):
            hs[i], hs[c] = hs[c], hs[i]
            hr[i], hr[c] = hr[c], hr[i]
            i = c
        else:
            return


@njit(cache=True, nogil=True)
def _push(hs, hr, n, top, s, d):
    """Offer hit (s, d) to the heap of the `top` best (worst on top); returns its new size."""
    if n < top:
        hs[n], hr[n] = s, d
        i = n
        while i > 0:
            parent = (i - 1) // 2
            if _worse(hs[i], hr[i], hs[parent], hr[parent]):
                hs[i], hs[parent] = hs[parent], hs[i]
                hr[i], hr[parent] = hr[parent], hr[i]
                i = parent
            else:
                break
        return n + 1
    if _worse(hs[0], hr[0], s, d):
        hs[0], hr[0] = s, d
        _sift_down(hs, hr, n, 0)
    return n


@njit(cache=True, nogil=True)
def _add(ind, dat, a, b, base, cand, acc, m):
    """acc[d] += m · w over the postings [a, b) of candidates (cand[d] = 1.0). Branch-free:
    which postings are candidates is unpredictable, and a mispredicted branch costs more
    than the arithmetic."""
    for p in range(a, b):
        d = ind[p] - base
        acc[d] += m * (dat[p] * cand[d])


@njit(cache=True, nogil=True)
def _add_words(ind, dat, a, b, base, acc, count, m):
    """acc[d] += m · w and count[d] += m (w > 0) over the postings [a, b) (all candidates)."""
    for p in range(a, b):
        d = ind[p] - base
        w = dat[p]
        acc[d] += m * w
        count[d] += m * (w > 0)


@njit(cache=True, nogil=True)
def score_top(ind_w, dat_w, ptr_w, ind_g, dat_g, ptr_g, ind_h, dat_h, ptr_h,
              l_field, l_term, l_mult, l_alt, a_concept, a_weight, a_ntok, a_ngrams,
              spans_lo, spans_hi, top, bigram_weight, heading_weight):
    """The `top` best clauses: (rows, scores, number of candidates), best first, ties by row.

    Candidates are the clauses holding a word of an alternative in their text or heading,
    within the spans [lo, hi) of allowed rows; a candidate's score is the sum over concepts
    of its best alternative's weight · (words · share of the words present
    + bigram_weight · mean bigram weight + heading_weight · headings).
    """
    n_lists = len(l_field)
    start = np.empty(n_lists, dtype=np.int64)
    end = np.empty(n_lists, dtype=np.int64)
    for li in range(n_lists):
        f, t = l_field[li], l_term[li]
        ptr = ptr_w if f == WORDS else (ptr_g if f == GRAMS else ptr_h)
        start[li], end[li] = ptr[t], ptr[t + 1]
    cur = np.empty(n_lists, dtype=np.int64)
    stop = np.empty(n_lists, dtype=np.int64)
    ends = np.empty(n_lists, dtype=np.int64)
    # Per clause of the block, dense: the block's arrays stay in cache, and the loops over
    # them are vectorized.
    aw, ap, ag, ah = np.zeros(BLOCK), np.zeros(BLOCK), np.zeros(BLOCK), np.zeros(BLOCK)
    best, total = np.zeros(BLOCK), np.zeros(BLOCK)
    cand = np.zeros(BLOCK)  # 1.0: a candidate (a word of the question in text or heading)
    hs = np.empty(top)
    hr = np.empty(top, dtype=np.int64)
    n_top = 0
    n_candidates = 0
    for s in range(len(spans_lo)):
        lo, hi = spans_lo[s], spans_hi[s]
        for li in range(n_lists):
            ind = ind_w if l_field[li] == WORDS else (ind_g if l_field[li] == GRAMS else ind_h)
            cur[li], stop[li] = _range(ind, start[li], end[li], lo, hi)
        for base in range(lo, hi, BLOCK):
            nb = min(BLOCK, hi - base)
            upto = base + nb
            # each list's postings in this block: [cur, ends)
            for li in range(n_lists):
                ind = ind_w if l_field[li] == WORDS else (ind_g if l_field[li] == GRAMS else ind_h)
                e = cur[li]
                if e < stop[li] and ind[stop[li] - 1] < upto:
                    e = stop[li]
                else:
                    while e < stop[li] and ind[e] < upto:
                        e += 1
                ends[li] = e
            # 1. candidates: a word in the text or the heading
            for li in range(n_lists):
                if l_field[li] != GRAMS:
                    ind = ind_w if l_field[li] == WORDS else ind_h
                    for p in range(cur[li], ends[li]):
                        cand[ind[p] - base] = 1.0
            n_cand = 0
            for d in range(nb):
                n_cand += cand[d] > 0
            n_candidates += n_cand
            # 2. scores: per concept, the best alternative
            li = 0
            while n_cand and li < n_lists:
                concept = a_concept[l_alt[li]]
                first = True
                while li < n_lists and a_concept[l_alt[li]] == concept:
                    alt = l_alt[li]
                    while li < n_lists and l_alt[li] == alt:
                        f, m, a, b = l_field[li], l_mult[li], cur[li], ends[li]
                        if f == WORDS:
                            _add_words(ind_w, dat_w, a, b, base, aw, ap, m)
                        elif f == GRAMS:
                            _add(ind_g, dat_g, a, b, base, cand, ag, m)
                        else:
                            _add(ind_h, dat_h, a, b, base, cand, ah, m)
                        li += 1
                    weight, ntok, ngrams = a_weight[alt], a_ntok[alt], a_ngrams[alt]
                    for d in range(nb):
                        score = weight * (aw[d] * (ap[d] / ntok) + bigram_weight * (ag[d] / ngrams)
                                          + heading_weight * ah[d])
                        best[d] = score if first else max(best[d], score)
                        aw[d] = 0.0
                        ap[d] = 0.0
                        ag[d] = 0.0
                        ah[d] = 0.0
                    first = False
                for d in range(nb):
                    total[d] += best[d]
            # 3. the best `top` so far
            for d in range(nb):
                if cand[d] > 0 and total[d] > 0:
                    n_top = _push(hs, hr, n_top, top, total[d], base + d)
                total[d] = 0.0
                cand[d] = 0.0
            for li in range(n_lists):
                cur[li] = ends[li]
    # heap → best first
    out_s = np.empty(n_top)
    out_r = np.empty(n_top, dtype=np.int64)
    for j in range(n_top - 1, -1, -1):
        out_s[j], out_r[j] = hs[0], hr[0]
        hs[0], hr[0] = hs[j], hr[j]
        _sift_down(hs, hr, j, 0)
    return out_r, out_s, n_candidates


@njit(cache=True, nogil=True)
def holds(ind, starts, ends, rows):
    """said[i, j]: whether the postings [starts[i], ends[i]) hold row rows[j]."""
    out = np.zeros((len(starts), len(rows)), dtype=np.bool_)
    for i in range(len(starts)):
        for j in range(len(rows)):
            a, b = _range(ind, starts[i], ends[i], rows[j], rows[j] + 1)
            out[i, j] = b > a
    return out
