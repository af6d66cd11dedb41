"""The compiled ranking (index/kernel.py) and its numpy twin for small corpora
(index/dense.py) against the plain definition and each other, on random corpora: small ones
(where rank-bm25's idf floor makes weights negative), several blocks, allowed spans, ties and
a short top."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from index import dense, kernel
from index.bm25 import BM25

WORDS = [f"w{i}" for i in range(8)]
GRAMS = [f"g{i}" for i in range(6)]


def reference(fields, plan, spans, top, bw=0.3, hw=0.5):
    """Every clause scored with numpy, then the candidates sorted by (−score, row)."""
    words, grams, heads = fields
    l_field, l_term, l_mult, l_alt, a_concept, a_weight, a_ntok, a_ngrams = plan
    n = words.n_docs
    by_alt: dict[int, list] = {}
    for f, t, m, a in zip(l_field, l_term, l_mult, l_alt):
        by_alt.setdefault(int(a), []).append((int(f), int(t), float(m)))
    total = np.zeros(n)
    cand = np.zeros(n, dtype=bool)
    for c in sorted(set(a_concept.tolist())):
        best = None
        for a in np.flatnonzero(a_concept == c):
            aw, ap, ag, ah = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
            for f, t, m in by_alt.get(int(a), []):
                bm = (words, grams, heads)[f]
                row = bm.matrix.row(t)
                present = np.zeros(n, dtype=bool)
                present[bm.matrix.indices[bm.matrix.indptr[t]:bm.matrix.indptr[t + 1]]] = True
                if f == 0:
                    aw += m * row
                    ap += m * (row > 0)
                    cand |= present
                elif f == 1:
                    ag += m * row
                else:
                    ah += m * row
                    cand |= present
            s = a_weight[a] * (aw * (ap / a_ntok[a]) ** 2 + bw * (ag / a_ngrams[a]) + hw * ah)
            best = s if best is None else np.maximum(best, s)
        total += best
    allowed = np.zeros(n, dtype=bool)
    for lo, hi in spans:
        allowed[lo:hi] = True
    rows = [r for r in np.flatnonzero(cand & allowed) if total[r] > 0]
    rows.sort(key=lambda r: (-total[r], r))
    return rows[:top], total, int((cand & allowed).sum())


@st.composite
def cases(draw):
    n = draw(st.integers(1, 60))
    doc = st.lists(st.sampled_from(WORDS), min_size=1, max_size=6)
    fields = [BM25([draw(doc) for _ in range(n)]),
              BM25([draw(st.lists(st.sampled_from(GRAMS), min_size=1, max_size=6))
                    for _ in range(n)]),
              BM25([draw(st.lists(st.sampled_from(WORDS[:4]), max_size=2)) for _ in range(n)])]
    lists, alts = [], []
    for c in range(draw(st.integers(1, 3))):
        for _ in range(draw(st.integers(1, 3))):
            a = len(alts)
            ntok = 0
            for f in draw(st.lists(st.sampled_from([0, 1, 2]), max_size=5)):  # may have none
                vocab = fields[f].vocab
                if vocab:
                    lists.append((f, draw(st.sampled_from(sorted(vocab.values()))),
                                  float(draw(st.integers(1, 2))), a))
                    ntok += f == 0
            alts.append((c, draw(st.sampled_from([1.0, 0.6, 0.3])), max(ntok, 1),
                         draw(st.integers(1, 4))))
    lf, lt, lm, la = zip(*lists) if lists else ((),) * 4
    ac, aw, an, ag = zip(*alts)
    plan = (np.array(lf, dtype=np.int8), np.array(lt, dtype=np.int64),
            np.array(lm, dtype=np.float64), np.array(la, dtype=np.int64),
            np.array(ac, dtype=np.int64), np.array(aw, dtype=np.float64),
            np.array(an, dtype=np.float64), np.array(ag, dtype=np.float64))
    cut = sorted(draw(st.lists(st.integers(0, n), min_size=2, max_size=4, unique=True)))
    spans = draw(st.sampled_from([[(0, n)], list(zip(cut[::2], cut[1::2])) or [(0, n)]]))
    return fields, plan, spans, draw(st.integers(1, 8))


def run(fields, plan, spans, top, scorer=kernel):
    arrays = tuple(np.ascontiguousarray(a, dtype=t) for bm in fields
                   for a, t in ((bm.matrix.indices, np.int32), (bm.matrix.data, np.float64),
                                (bm.matrix.indptr, np.int64)))
    negative = any(bool((bm.matrix.data < 0).any()) for bm in fields)
    lo = np.array([s[0] for s in spans], dtype=np.int64)
    hi = np.array([s[1] for s in spans], dtype=np.int64)
    return scorer.score_top(*arrays, negative, *plan, lo, hi, top, 0.3, 0.5)


@settings(max_examples=300, deadline=None)
@given(cases())
def test_kernel_equals_plain_definition(case):
    fields, plan, spans, top = case
    rows, scores, n_candidates = run(fields, plan, spans, top)
    expected, total, n_expected = reference(fields, plan, spans, top)
    assert n_candidates == n_expected
    assert rows.tolist() == expected
    np.testing.assert_allclose(scores, total[expected], rtol=1e-12, atol=1e-12)
    # the numpy twin: the same rows, the same scores to the last bit
    d_rows, d_scores, d_candidates = run(fields, plan, spans, top, dense)
    assert (d_rows.tolist(), d_candidates) == (rows.tolist(), n_candidates)
    assert d_scores.tobytes() == scores.tobytes()


@pytest.mark.parametrize("scorer", [kernel, dense])
def test_many_blocks_sparse_and_dense(scorer):
    """A corpus of several blocks, a rare word and a common one: both ways of passing over
    a block (dense ranges, posting by posting) give the plain definition's ranking."""
    rng = np.random.default_rng(7)
    n = 3 * kernel.BLOCK + 123
    docs = [["common"] + (["rare"] if rng.random() < 0.01 else []) + [f"x{rng.integers(50)}"]
            for _ in range(n)]
    fields = [BM25(docs), BM25([[f"g{rng.integers(5)}"] for _ in range(n)]),
              BM25([["rare"] if i % 997 == 0 else [] for i in range(n)])]
    v, g = fields[0].vocab, fields[1].vocab
    plan = (np.array([0, 0, 1, 2], dtype=np.int8),
            np.array([v["common"], v["rare"], g["g1"], fields[2].vocab["rare"]], dtype=np.int64),
            np.ones(4), np.array([0, 1, 1, 1], dtype=np.int64),
            np.array([0, 0], dtype=np.int64), np.array([1.0, 0.6]), np.array([1.0, 1.0]),
            np.array([1.0, 1.0]))
    for spans in ([(0, n)], [(100, 2500), (4000, n)]):
        rows, scores, _ = run(fields, plan, spans, 50, scorer)
        expected, total, _ = reference(fields, plan, spans, 50)
        assert rows.tolist() == expected
        np.testing.assert_allclose(scores, total[expected], rtol=1e-12)


@pytest.mark.parametrize("scorer", [kernel, dense])
def test_a_phrase_with_half_its_words_scores_a_quarter(scorer):
    """An alternative of two words ("data breach") in a clause that has only one of them
    ("data") scores that word's weight times (1/2)²: a phrase met by its commonest word is a
    weak match, weaker than a one-word synonym ("compromised") said outright."""
    docs = [["data", "breach"], ["data", "other"], ["compromised"], ["x"], ["y"], ["z"]]
    fields = [BM25(docs), BM25([["g"]] * len(docs)), BM25([[]] * len(docs))]
    v = fields[0].vocab
    plan = (np.array([0, 0], dtype=np.int8), np.array([v["data"], v["breach"]], dtype=np.int64),
            np.ones(2), np.zeros(2, dtype=np.int64), np.zeros(1, dtype=np.int64),
            np.ones(1), np.array([2.0]), np.ones(1))
    rows, scores, _ = run(fields, plan, [(0, len(docs))], 5, scorer)
    data_alone = fields[0].matrix.row(v["data"])[1]
    assert rows.tolist() == [0, 1]
    assert scores[1] == pytest.approx(data_alone / 4, rel=1e-12)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_key_hits_agree(data):
    """Which clauses may say a coverage key: the compiled and numpy versions agree."""
    n = data.draw(st.integers(1, 40))
    doc = st.lists(st.sampled_from(WORDS), min_size=1, max_size=5)
    words = BM25([data.draw(doc) for _ in range(n)])
    grams = BM25([data.draw(st.lists(st.sampled_from(GRAMS), max_size=4)) for _ in range(n)])
    k_word, k_glo, k_ghi, k_gids = [], [], [], []
    for _ in range(data.draw(st.integers(1, 4))):
        k_word.append(data.draw(st.sampled_from([-1] + sorted(words.vocab.values()))))
        kind = data.draw(st.sampled_from(["none", "grams"]))
        if kind == "none" or not grams.vocab:
            k_glo.append(-1)
        else:
            k_glo.append(len(k_gids))
            k_gids += data.draw(st.lists(st.sampled_from([-1] + sorted(grams.vocab.values())),
                                         max_size=3))
        k_ghi.append(len(k_gids))
    rows = np.array(data.draw(st.lists(st.integers(0, n - 1), max_size=8)), dtype=np.int64)
    args = (np.ascontiguousarray(words.matrix.indices, dtype=np.int32),
            np.ascontiguousarray(words.matrix.indptr, dtype=np.int64),
            np.ascontiguousarray(grams.matrix.indices, dtype=np.int32),
            np.ascontiguousarray(grams.matrix.indptr, dtype=np.int64),
            *(np.array(x, dtype=np.int64) for x in (k_word, k_glo, k_ghi, k_gids)), rows)
    assert (kernel.key_hits(*args) == dense.key_hits(*args)).all()
