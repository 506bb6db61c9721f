"""The shipped sentence-similarity set and the rank correlation with a paired bootstrap."""

import numpy as np

from shipml.finetuning import similarity


def test_is_the_shipped_set_well_formed():
    pairs = similarity.load_similarity()
    assert list(pairs.columns) == ["sentence1", "sentence2", "score"] and len(pairs) >= 40
    assert pairs["score"].between(0, 5).all() and pairs.notna().all().all()


def test_is_spearman_one_for_a_monotone_score_and_vectorised_over_resamples():
    scores = np.arange(10.0)
    assert np.isclose(similarity.spearman(scores, scores ** 3), 1.0)
    weights = np.ones((3, 10), dtype=int)
    assert np.allclose(similarity.spearman(scores, -scores, weights), -1.0)


def test_is_no_change_no_forgetting():
    pairs = similarity.load_similarity()
    cosines = np.linspace(0, 1, len(pairs))
    interval = similarity.forgetting(pairs, cosines, cosines, n_boot=200)
    assert interval.estimate == 0 and interval.low == 0 and interval.high == 0
