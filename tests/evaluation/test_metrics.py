"""PR-AUC, the threshold and the recall at a fixed false-positive rate, ties and edge cases included."""

import math

import numpy as np
import pytest
from sklearn.metrics import average_precision_score

from shipml.evaluation.metrics import pr_auc, recall_at_fpr, threshold_at_fpr


@pytest.mark.parametrize("seed", range(5))
def test_pr_auc_matches_scikit_learn_with_ties(seed):
    rng = np.random.default_rng(seed)
    y = (rng.random(500) < 0.05).astype(int)
    scores = np.round(rng.random(500) + 0.4 * y, 2)
    assert pr_auc(y, scores) == pytest.approx(average_precision_score(y, scores), abs=1e-12)


def test_pr_auc_without_positives_is_nan():
    assert math.isnan(pr_auc([0, 0], [0.1, 0.2]))


def test_recall_at_fpr_on_a_hand_worked_example():
    y = [1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0]
    scores = [0.95, 0.9, 0.85, 0.7, 0.6, 0.55, 0.5, 0.4, 0.3, 0.2, 0.15, 0.1, 0.05, 0.01]
    assert recall_at_fpr(y, scores, 0.0) == 0.25
    assert recall_at_fpr(y, scores, 0.1) == 0.5
    assert recall_at_fpr(y, scores, 0.3) == 0.75
    assert recall_at_fpr(y, scores, 0.6) == 0.75
    assert recall_at_fpr(y, scores, 1.0) == 1.0


def test_tied_scores_are_flagged_together():
    y, scores = [1, 1, 0, 0, 0, 0, 1], [0.9, 0.5, 0.5, 0.5, 0.2, 0.1, 0.1]
    assert recall_at_fpr(y, scores, 0.25) == pytest.approx(1 / 3)
    assert recall_at_fpr(y, scores, 0.5) == pytest.approx(2 / 3)


def test_recall_without_positives_is_nan_and_without_negatives_is_one():
    assert math.isnan(recall_at_fpr([0, 0, 0], [0.3, 0.2, 0.1], 0.5))
    assert recall_at_fpr([1, 1], [0.3, 0.2], 0.0) == 1.0


def test_recall_grows_with_the_allowed_false_positive_rate():
    rng = np.random.default_rng(0)
    y = (rng.random(2_000) < 0.02).astype(int)
    scores = rng.random(2_000) + 0.5 * y
    recalls = [recall_at_fpr(y, scores, f) for f in (0.0, 0.01, 0.05, 0.2, 1.0)]
    assert recalls == sorted(recalls) and recalls[-1] == 1.0


def _flagged_fpr(y, scores, threshold):
    y, scores = np.asarray(y), np.asarray(scores, dtype=float)
    return float((scores[y == 0] >= threshold).mean())


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("fpr", [0.0, 0.01, 0.05, 0.3, 1.0])
def test_is_the_threshold_at_fpr_the_lowest_that_flags_at_most_fpr(seed, fpr):
    rng = np.random.default_rng(seed)
    y = (rng.random(400) < 0.1).astype(int)
    scores = np.round(rng.random(400) + 0.3 * y, 2)  # rounded: many ties
    threshold = threshold_at_fpr(y, scores, fpr)
    assert _flagged_fpr(y, scores, threshold) <= fpr + 1e-12
    lower = np.unique(scores)[np.unique(scores) < threshold]
    if lower.size:  # any lower threshold (the next score down) flags too many
        assert _flagged_fpr(y, scores, lower.max()) > fpr
    assert recall_at_fpr(y, scores, fpr) == float((scores[y == 1] >= threshold).mean())


def test_threshold_at_fpr_leaves_a_tie_out_whole_and_handles_0_and_1():
    y, scores = [1, 0, 0, 0, 1, 0], [0.9, 0.5, 0.5, 0.3, 0.2, 0.1]
    assert threshold_at_fpr(y, scores, 0.25) == np.nextafter(0.5, 1)  # one of 4 may be flagged; the tie is two
    assert threshold_at_fpr(y, scores, 0.5) == np.nextafter(0.3, 1)   # both tied ones flagged, together
    assert threshold_at_fpr(y, scores, 0.0) == np.nextafter(0.5, 1)   # above the highest legitimate score
    assert threshold_at_fpr(y, scores, 1.0) == 0.1                     # everything flagged
    assert threshold_at_fpr([0] * 100, np.arange(100) / 100, 0.01) == np.nextafter(0.98, 1)  # 0.01 * 100 is 1
    with pytest.raises(ValueError, match="legitimate"):
        threshold_at_fpr([1, 1], [0.2, 0.3], 0.1)
    with pytest.raises(ValueError, match="between 0 and 1"):
        threshold_at_fpr([0, 1], [0.2, 0.3], 1.5)
