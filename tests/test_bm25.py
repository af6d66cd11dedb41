"""BM25 scores equal rank-bm25's BM25Okapi on the same tokens."""
import numpy as np
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
