"""The scoring loop of PolicyIndex.search, compiled with numba.

A question becomes a few dozen posting lists (its words and bigrams in the three fields of the
index), some as long as the corpus. With one numpy call per list, call overhead alone cost
more than the arithmetic, and each call swept arrays as long as the corpus. Here the lists are
walked in one compiled loop, block by block of clauses: a block's accumulators fit in the
processor's cache, and the lists are read once, in order.

The arithmetic is that of the numpy version this replaced (up to the last bit: it multiplies
by reciprocals where that divided); tests/test_kernel.py and tests/test_bm25.py check the
ranking against scoring every clause with numpy. The loops are written out in full on
purpose: numba did not inline helpers that take tuples of arrays into them as well (the
same question took 10–80 % longer with them).

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

from .dense import GRAMS, HEADS, WORDS  # noqa: E402
BLOCK = 2048  # clauses per block: six float arrays of this size stay in the L1/L2 cache


@njit(cache=True, nogil=True)
def _first_at_least(ind, a, b, x):
    """The first position in [a, b) whose document is ≥ x (b if none); ind is sorted there."""
    while a < b:
        mid = (a + b) >> 1
        if ind[mid] < x:
            a = mid + 1
        else:
            b = mid
    return a


@njit(cache=True, nogil=True)
def _range(ind, start, end, lo, hi):
    """Positions [a, b) of the postings in [start, end) whose document is in [lo, hi)."""
    if end <= start or ind[start] >= hi or ind[end - 1] < lo:
        return start, start
    a = _first_at_least(ind, start, end, lo) if ind[start] < lo else start
    b = _first_at_least(ind, a, end, hi) if ind[end - 1] >= hi else end
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
def _add_all(ind, dat, a, b, base, acc, m):
    """acc[d] += m · w over the postings [a, b) (all candidates: heading words)."""
    for p in range(a, b):
        acc[ind[p] - base] += m * dat[p]


@njit(cache=True, nogil=True)
def _add_words(ind, dat, a, b, base, acc, count, m):
    """acc[d] += m · w and count[d] += m (w > 0) over the postings [a, b) (all candidates)."""
    for p in range(a, b):
        d = ind[p] - base
        w = dat[p]
        acc[d] += m * w
        count[d] += m * (w > 0)


@njit(inline="always")
def _alt_score(weight, words, present, share, mean, grams, heading_weight, heads):
    """An alternative's score in one clause: its words' BM25 by the square of the share of
    them present (a phrase with half its words is a weak match: "data" alone for "data
    breach"), its bigrams' mean, its heading words."""
    part = present * share
    return weight * (words * (part * part) + mean * grams + heading_weight * heads)


@njit(cache=True, nogil=True)
def score_top(ind_w, dat_w, ptr_w, ind_g, dat_g, ptr_g, ind_h, dat_h, ptr_h, negative,
              l_field, l_term, l_mult, l_alt, a_concept, a_weight, a_ntok, a_ngrams,
              spans_lo, spans_hi, top, bigram_weight, heading_weight):
    """The `top` best clauses: (rows, scores, number of candidates), best first, ties by row.

    Candidates are the clauses holding a word of an alternative in their text or heading,
    within the spans [lo, hi) of allowed rows; a candidate's score is the sum over concepts
    of its best alternative's weight · (words · (share of the words present)²
    + bigram_weight · mean bigram weight + heading_weight · headings). `negative`: whether
    some weight is below 0 (rank-bm25's idf floor can be, in a tiny corpus); then an
    alternative that misses a clause still counts, with 0, in the concept's maximum.
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
    alts_of = np.zeros(len(a_weight), dtype=np.int64)  # per concept: alternatives with lists
    for li in range(n_lists):
        if li == 0 or l_alt[li] != l_alt[li - 1]:
            alts_of[a_concept[l_alt[li]]] += 1
    alts_all = np.zeros(len(a_weight), dtype=np.int64)  # per concept: all its alternatives
    for a in range(len(a_concept)):
        alts_all[a_concept[a]] += 1
    # Per clause of the block, dense: the block's arrays stay in cache, and the loops over
    # them are vectorized. All zero between uses.
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
            upto = min(base + BLOCK, hi)
            # each list's postings in this block: [cur, ends); candidates: a word of the
            # question in the text or the heading, all within [c_lo, c_hi)
            c_lo, c_hi, c_n = BLOCK, 0, 0
            for li in range(n_lists):
                f = l_field[li]
                ind = ind_w if f == WORDS else (ind_g if f == GRAMS else ind_h)
                a, e = cur[li], stop[li]
                if a < e and ind[e - 1] >= upto:
                    e = _first_at_least(ind, a, e, upto)
                ends[li] = e
                if f != GRAMS and a < e:
                    for p in range(a, e):
                        cand[ind[p] - base] = 1.0
                    c_lo = min(c_lo, ind[a] - base)
                    c_hi = max(c_hi, ind[e - 1] - base + 1)
                    c_n += e - a
            if c_lo >= c_hi:
                for li in range(n_lists):
                    cur[li] = ends[li]
                continue
            # scores: per concept, the best alternative. Each pass runs over the clauses
            # the lists concerned touch: densely over their range [r_lo, r_hi), or, when
            # their postings are fewer, over the postings again (a clause seen twice finds
            # its accumulators already zero and adds 0)
            li = 0
            while li < n_lists:
                concept = a_concept[l_alt[li]]
                con_li = li
                first = True
                single = alts_of[concept] == 1 and not negative
                k_lo, k_hi, k_n = BLOCK, 0, 0
                while li < n_lists and a_concept[l_alt[li]] == concept:
                    alt = l_alt[li]
                    alt_li = li
                    r_lo, r_hi, r_n = BLOCK, 0, 0
                    while li < n_lists and l_alt[li] == alt:
                        f, m, a, b = l_field[li], l_mult[li], cur[li], ends[li]
                        if a < b:
                            if f == WORDS:
                                _add_words(ind_w, dat_w, a, b, base, aw, ap, m)
                                ind = ind_w
                            elif f == GRAMS:
                                _add(ind_g, dat_g, a, b, base, cand, ag, m)
                                ind = ind_g
                            else:
                                _add_all(ind_h, dat_h, a, b, base, ah, m)
                                ind = ind_h
                            r_lo = min(r_lo, ind[a] - base)
                            r_hi = max(r_hi, ind[b - 1] - base + 1)
                            r_n += b - a
                        li += 1
                    # reciprocals: multiplying is several times faster than dividing and
                    # vectorizes; the result may differ from x / n in the last bit only
                    weight, share, mean = a_weight[alt], 1.0 / a_ntok[alt], bigram_weight / a_ngrams[alt]
                    if negative:  # every alternative over the whole block, as defined
                        r_lo, r_hi = 0, upto - base
                    if r_n < r_hi - r_lo and not negative:
                        for lj in range(alt_li, li):
                            f = l_field[lj]
                            ind = ind_w if f == WORDS else (ind_g if f == GRAMS else ind_h)
                            for p in range(cur[lj], ends[lj]):
                                d = ind[p] - base
                                score = _alt_score(weight, aw[d], ap[d], share, mean, ag[d],
                                                   heading_weight, ah[d])
                                if single:
                                    total[d] += score
                                else:
                                    best[d] = max(best[d], score)
                                aw[d] = 0.0
                                ap[d] = 0.0
                                ag[d] = 0.0
                                ah[d] = 0.0
                    else:
                        if single:  # its score is the concept's
                            for d in range(r_lo, r_hi):
                                total[d] += _alt_score(weight, aw[d], ap[d], share, mean,
                                                       ag[d], heading_weight, ah[d])
                        elif negative and first:
                            for d in range(r_lo, r_hi):
                                best[d] = _alt_score(weight, aw[d], ap[d], share, mean,
                                                     ag[d], heading_weight, ah[d])
                        else:  # best is 0 before the first alternative, and scores are ≥ 0
                            for d in range(r_lo, r_hi):
                                best[d] = max(best[d], _alt_score(weight, aw[d], ap[d], share,
                                                                  mean, ag[d], heading_weight,
                                                                  ah[d]))
                        aw[r_lo:r_hi] = 0.0
                        ap[r_lo:r_hi] = 0.0
                        ag[r_lo:r_hi] = 0.0
                        ah[r_lo:r_hi] = 0.0
                    first = False
                    k_lo, k_hi, k_n = min(k_lo, r_lo), max(k_hi, r_hi), k_n + r_n
                if single:
                    continue
                if negative and alts_of[concept] < alts_all[concept]:
                    for d in range(upto - base):  # an alternative without lists scores 0
                        best[d] = max(best[d], 0.0)
                    k_lo, k_hi = 0, upto - base
                if k_n < k_hi - k_lo and not negative:
                    for lj in range(con_li, li):
                        f = l_field[lj]
                        ind = ind_w if f == WORDS else (ind_g if f == GRAMS else ind_h)
                        for p in range(cur[lj], ends[lj]):
                            d = ind[p] - base
                            total[d] += best[d]
                            best[d] = 0.0
                else:
                    for d in range(k_lo, k_hi):
                        total[d] += best[d]
                        best[d] = 0.0
            # the best `top` so far; the test before _push is _push's own, written out: most
            # clauses fall below the worst kept, and calling _push for each was 1.5× slower
            if c_n < c_hi - c_lo:
                for li in range(n_lists):
                    f = l_field[li]
                    if f != GRAMS:
                        ind = ind_w if f == WORDS else ind_h
                        for p in range(cur[li], ends[li]):
                            d = ind[p] - base
                            if cand[d] > 0:
                                t = total[d]
                                n_candidates += 1
                                if t > 0 and (n_top < top or t > hs[0]
                                              or (t == hs[0] and base + d < hr[0])):
                                    n_top = _push(hs, hr, n_top, top, t, base + d)
                                cand[d] = 0.0
                                total[d] = 0.0
            else:
                for d in range(c_lo, c_hi):
                    t = total[d]
                    if cand[d] > 0:
                        n_candidates += 1
                        if t > 0 and (n_top < top or t > hs[0] or (t == hs[0] and base + d < hr[0])):
                            n_top = _push(hs, hr, n_top, top, t, base + d)
                    cand[d] = 0.0
                    total[d] = 0.0
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
def key_hits(ind_w, ptr_w, ind_g, ptr_g, k_word, k_glo, k_ghi, k_gids, rows):
    """For key words and clause rows: 1 where the clause has the key as a word; 2 where it
    may have it inside a longer word, so its text must be read (the key's bigrams are not
    known, k_glo = −1, or the clause has all of k_gids[k_glo:k_ghi]); 0 where it cannot."""
    out = np.zeros((len(k_word), len(rows)), dtype=np.int8)
    for k in range(len(k_word)):
        w = k_word[k]
        for j in range(len(rows)):
            r = rows[j]
            if w >= 0:
                a, b = _range(ind_w, ptr_w[w], ptr_w[w + 1], r, r + 1)
                if b > a:
                    out[k, j] = 1
                    continue
            g0, g1 = k_glo[k], k_ghi[k]
            if g0 < 0:
                out[k, j] = 2
                continue
            if g1 <= g0:
                continue
            every = True
            for x in range(g0, g1):
                g = k_gids[x]
                if g < 0:
                    every = False
                    break
                a, b = _range(ind_g, ptr_g[g], ptr_g[g + 1], r, r + 1)
                if b <= a:
                    every = False
                    break
            if every:
                out[k, j] = 2
    return out
