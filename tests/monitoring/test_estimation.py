"""What shipml.monitoring.estimation promises: expectations from calibrated scores that labels confirm."""

import numpy as np
import pandas as pd
import pytest

from shipml.data import SCENARIO
from shipml.evaluation.cost import decision_cost
from shipml.monitoring import estimation

RNG = np.random.default_rng(0)
SCORES = RNG.beta(0.3, 20, 100_000)
HELD = SCORES >= np.quantile(SCORES, 0.98)
Y = RNG.random(SCORES.size) < SCORES          # calibrated by construction
AMOUNTS = RNG.lognormal(3.5, 1, SCORES.size)


def test_on_calibrated_scores_the_estimates_match_what_the_labels_say():
    truth = estimation.realised(Y, SCORES, HELD, AMOUNTS)
    assert estimation.expected_precision(SCORES, HELD) == pytest.approx(truth["precision"], abs=0.02)
    assert estimation.expected_recall(SCORES, HELD) == pytest.approx(truth["recall"], abs=0.03)
    assert estimation.expected_pr_auc(SCORES, n_draws=5) == pytest.approx(truth["pr_auc"], abs=0.03)
    assert estimation.expected_cost(SCORES, HELD, AMOUNTS) == pytest.approx(truth["cost"], rel=0.1)


def test_the_expected_cost_is_the_cost_with_each_label_replaced_by_its_probability():
    certain = (SCORES > 0.5).astype(float)   # scores of exactly 0 or 1: the expectation is the realised cost
    y = certain.astype(int)
    want = decision_cost(y, HELD, cost_fp=SCENARIO.cost_fp, cost_review=SCENARIO.cost_review, amounts=AMOUNTS)
    assert estimation.expected_cost(certain, HELD, AMOUNTS) == pytest.approx(want)


def test_when_the_labels_stop_following_the_scores_the_estimate_is_wrong():
    drifted = RNG.random(SCORES.size) < RNG.permutation(SCORES)
    truth = estimation.realised(drifted, SCORES, HELD, AMOUNTS)
    assert estimation.expected_precision(SCORES, HELD) > truth["precision"] + 0.1


def test_nothing_held_or_no_payments_give_nan_not_a_division_by_zero():
    assert np.isnan(estimation.expected_precision([0.1, 0.2], [False, False]))
    assert np.isnan(estimation.expected_recall([], []))
    assert np.isnan(estimation.expected_pr_auc([]))
    assert np.isnan(estimation.realised([0, 0], [0.1, 0.2], [False, False], [1.0, 2.0])["precision"])


def test_scores_that_are_no_probabilities_are_refused_in_a_sentence():
    with pytest.raises(ValueError, match="probabilities"):
        estimation.expected_precision([1.5], [True])


def test_compare_gives_estimate_and_realised_per_period():
    frame = pd.DataFrame({"score": SCORES[:2000], "held": HELD[:2000], "amount": AMOUNTS[:2000],
                          "is_fraud": Y[:2000].astype(int), "day": np.arange(2000) % 4})
    table = estimation.compare(frame, {"first half": [0, 1], "second half": [2, 3]}, n_draws=3)
    assert list(table.index) == ["first half", "second half"] and (table["payments"] == 1000).all()
