"""BM25 scores equal rank-bm25's BM25Okapi on the same tokens."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from rank_bm25 import BM25Okapi

from index.bm25 import BM25

TERMS = st.sampled_from([f"t{i}" for i in range(12)])
DOCS = st.lists(st.lists(TERMS, min_size=1, max_size=15), min_size=1, max_size=25)


@settings(max_examples=150, deadline=None)
@given(DOCS, st.lists(st.sampled_from([f"t{i}" for i in range(15)]), min_size=1, max_size=6))
def test_scores_equal_rank_bm25(corpus, query):
    ours = BM25(corpus).get_scores(query)
    ref = BM25Okapi(corpus).get_scores(query)
    assert np.allclose(ours, ref, rtol=0, atol=1e-9)


def test_epsilon_floor_for_common_terms():
    """A term in more than half of the documents gets ε · mean idf, as in rank-bm25."""
    corpus = [["a", "b"], ["a", "c"], ["a", "d"], ["e"]]
    ours, ref = BM25(corpus), BM25Okapi(corpus)
    assert ours.term_idf("a") == ref.idf["a"] > 0
    assert np.allclose(ours.get_scores(["a", "a", "c"]), ref.get_scores(["a", "a", "c"]), atol=1e-12)


def test_weighted_query_is_a_weighted_sum():
    corpus = [["x", "y"], ["y", "z"], ["x"]]
    bm = BM25(corpus)
    expected = bm.get_scores(["x"]) + 0.5 * bm.get_scores(["z"])
    assert np.allclose(bm.get_scores({"x": 1.0, "z": 0.5}), expected)


def test_unknown_terms_score_zero():
    assert not BM25([["a"], ["b"]]).get_scores(["nope"]).any()


def _dense_alt_scores(index, alt):
    """The straightforward reference: every clause, from full BM25 score vectors."""
    words = np.zeros(len(index.entries))
    present = np.zeros(len(index.entries))
    for tok in alt.tokens:
        s = index.words.get_scores([tok])
        words += s
        present += s > 0
    words *= (present / len(alt.tokens)) ** 2  # a phrase met in part: by the squared share
    grams = index.grams.get_scores(list(alt.grams)) / max(1, len(alt.grams))
    heads = index.heads.get_scores(list(alt.tokens))
    return alt.weight * (words + 0.3 * grams + 0.5 * heads)


@pytest.mark.parametrize("question", ["怎么注销账号？", "How do I delete my account?",
                                      "vymeet為什麼要讀取通訊錄", "数据泄露了你们会怎么通知"])
def test_ranking_equals_scoring_every_clause(policy_index, question):
    """The compiled, block-by-block ranking (index/kernel.py) gives the scores of the plain
    definition computed over every clause, for every candidate, in the same order."""
    q = policy_index.analyze(question)
    n = len(policy_index.entries)
    rows, scores, n_candidates = policy_index.ranked(q, [], top=n)
    dense = np.zeros(n)
    for concept in q.concepts:
        dense += np.max([_dense_alt_scores(policy_index, a) for a in concept.alts], axis=0)
    # candidates: clauses holding a word of the question in their text or heading
    holds = np.zeros(n, dtype=bool)
    for tok in q.words:
        holds[policy_index.words.postings(tok)] = True
        holds[policy_index.heads.postings(tok)] = True
    assert n_candidates == holds.sum()
    expected = sorted((r for r in np.flatnonzero(holds) if dense[r] > 0), key=lambda r: (-dense[r], r))
    assert rows.tolist() == expected
    np.testing.assert_allclose(scores, dense[expected], rtol=1e-12, atol=1e-12)
    # outside the candidates only bigram evidence can score, and never above the best
    assert dense[~holds].max(initial=0) < scores.max()
    # a smaller top is the head of the same list; a policy's own list is that policy's rows
    top_rows, top_scores, _ = policy_index.ranked(q, [], top=5)
    assert top_rows.tolist() == expected[:5]
    pid = policy_index.entries[expected[0]][0].id
    lo, hi = policy_index._span[pid]
    own, _, _ = policy_index.ranked(q, [pid], top=n)
    assert own.tolist() == [r for r in expected if lo <= r < hi]
