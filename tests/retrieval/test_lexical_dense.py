import numpy as np
import pytest

from shipml.retrieval.dense import DenseIndex
from shipml.retrieval.lexical import LexicalIndex

TEXTS = ["The server answers 422 to a malformed request.", "Drift is measured with the PSI.",
         "A load test reports the p95 latency."]


def test_bm25_finds_the_words_and_nothing_for_no_words():
    index = LexicalIndex(TEXTS)
    assert index.search("what does the PSI measure", k=2)[0][0] == 1
    assert index.search("", k=3) == [] and index.search("負荷試験とは", k=3) == []
    with pytest.raises(ValueError):
        LexicalIndex([])


def test_exact_dense_search_is_sorted_and_exact():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(50, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    rows, sims = DenseIndex(vectors).search_many(vectors[:3], k=5)
    assert (rows[:, 0] == [0, 1, 2]).all()
    expected = np.argsort(-(vectors[:3] @ vectors.T), axis=1)[:, :5]
    assert (rows == expected).all() and (np.diff(sims, axis=1) <= 0).all()
