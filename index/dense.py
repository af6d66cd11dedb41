"""The ranking of kernel.py in plain numpy, for small corpora.

A help center serves one policy or a few: a few hundred clauses, where scoring every clause
with numpy takes a fraction of a millisecond. Importing numba and loading the compiled kernel
costs about 110 MB of memory and half a second at start, more than the whole index of such a
corpus; so PolicyIndex uses these functions below COMPILED_FROM clauses and the compiled
kernel above. Same signatures, same arithmetic in the same order (the same bits);
tests/test_kernel.py checks both against the plain definition.
"""
from __future__ import annotations

import numpy as np

WORDS, GRAMS, HEADS = 0, 1, 2  # the fields of the index, as the plan numbers them


def _postings(ptr, terms):
    """Positions of the postings of `terms` (in order) and, per position, which term."""
    starts, lens = ptr[terms], ptr[terms + 1] - ptr[terms]
    owner = np.repeat(np.arange(len(terms)), lens)
    offsets = np.cumsum(lens) - lens
    return np.arange(int(lens.sum())) - np.repeat(offsets - starts, lens), owner


def _member(ind, ptr, terms, rows):
    """(terms × rows): whether each row is among each term's postings."""
    pos, owner = _postings(ptr, terms)
    span = int(rows.max()) + 2 if len(rows) else 2  # documents past the rows: span − 1
    held = owner * span + np.minimum(ind[pos].astype(np.int64), span - 1)
    return np.isin(np.arange(len(terms))[:, None] * span + rows[None, :], held)


def score_top(ind_w, dat_w, ptr_w, ind_g, dat_g, ptr_g, ind_h, dat_h, ptr_h, negative,
              l_field, l_term, l_mult, l_alt, a_concept, a_weight, a_ntok, a_ngrams,
              spans_lo, spans_hi, top, bigram_weight, heading_weight):
    """As kernel.score_top: the `top` best clauses (rows, scores, number of candidates).

    All postings of the question at once, over the clauses they touch: per alternative and
    clause, sums in list order (np.bincount adds in input order, as the kernel does), then
    each concept's best alternative, added concept by concept."""
    rows, weights, lists = [], [], []
    for field, (ind, dat, ptr) in enumerate(((ind_w, dat_w, ptr_w), (ind_g, dat_g, ptr_g),
                                             (ind_h, dat_h, ptr_h))):
        of = np.flatnonzero(l_field == field)
        pos, owner = _postings(ptr, l_term[of])
        rows.append(ind[pos])
        weights.append(dat[pos])
        lists.append(of[owner])
    # in list order, as the kernel adds them (a stable sort keeps each list's postings in order)
    li = np.concatenate(lists)
    order = np.argsort(li, kind="stable")
    rows = np.concatenate(rows).astype(np.int64)[order]
    w, li = np.concatenate(weights)[order], li[order]
    allowed = np.zeros(len(rows), dtype=bool)
    for lo, hi in zip(spans_lo, spans_hi):
        allowed |= (rows >= lo) & (rows < hi)
    rows, w, li = rows[allowed], w[allowed], li[allowed]
    if not len(rows):
        return np.zeros(0, dtype=np.int64), np.zeros(0), 0
    touched, col = np.unique(rows, return_inverse=True)
    n = len(touched)
    f = l_field[li]
    cand = np.zeros(n)
    cand[col[f != GRAMS]] = 1.0  # a word of the question in the text or the heading
    m = l_mult[li]
    at = l_alt[li] * n + col
    size = len(a_weight) * n

    def sums(of, x):
        return np.bincount(at[of], weights=x[of], minlength=size).reshape(len(a_weight), n)

    words, grams, heads = f == WORDS, f == GRAMS, f == HEADS
    aw = sums(words, m * w)
    ap = sums(words, m * (w > 0))
    ag = sums(grams, m * (w * cand[col]))
    ah = sums(heads, m * w)
    share, mean = 1.0 / a_ntok, bigram_weight / a_ngrams
    present = ap * share[:, None]
    score = a_weight[:, None] * (aw * (present * present) + mean[:, None] * ag
                                 + heading_weight * ah)
    total = np.zeros(n)
    with_lists = np.zeros(len(a_weight), dtype=bool)
    with_lists[l_alt] = True
    for c in dict.fromkeys(a_concept[l_alt].tolist()):  # concepts with lists, in order
        alts = np.flatnonzero(a_concept == c)
        if negative:  # the best of the alternatives with lists; one without any scores 0
            best = score[alts[with_lists[alts]]].max(axis=0)
            if not with_lists[alts].all():
                best = np.maximum(best, 0.0)
        else:  # scores are ≥ 0, and an alternative absent from a clause scores 0 there
            best = np.maximum(score[alts].max(axis=0), 0.0)
        total += best
    keep = np.flatnonzero((cand > 0) & (total > 0))
    order = np.lexsort((keep, -total[keep]))[:top]
    return touched[keep[order]], total[keep[order]], int((cand > 0).sum())


def key_hits(ind_w, ptr_w, ind_g, ptr_g, k_word, k_glo, k_ghi, k_gids, rows):
    """As kernel.key_hits: 1 where the clause has the key as a word, 2 where it may have it
    inside a longer word (its text must be read), 0 where it cannot."""
    rows = np.asarray(rows, dtype=np.int64)
    word = np.zeros((len(k_word), len(rows)), dtype=bool)
    ks = np.flatnonzero(k_word >= 0)
    word[ks] = _member(ind_w, ptr_w, k_word[ks], rows)
    # inside a longer word: unknown bigrams (−1 in k_glo) may be; else all its bigrams held
    inside = np.zeros_like(word)
    inside[k_glo < 0] = True
    whole = [k for k in range(len(k_word)) if 0 <= k_glo[k] < k_ghi[k]
             and (k_gids[k_glo[k]:k_ghi[k]] >= 0).all()]
    if whole:
        grams = np.concatenate([k_gids[k_glo[k]:k_ghi[k]] for k in whole])
        firsts = np.cumsum([0] + [k_ghi[k] - k_glo[k] for k in whole[:-1]])
        inside[whole] = np.logical_and.reduceat(_member(ind_g, ptr_g, grams, rows), firsts, axis=0)
    return np.where(word, 1, np.where(inside, 2, 0)).astype(np.int8)
