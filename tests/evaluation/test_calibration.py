"""What shipml.evaluation.calibration promises: ECE, Brier, Platt and isotonic by hand, agreeing with scikit-learn."""

import numpy as np
import pytest
from sklearn.calibration import CalibratedClassifierCV, calibration_curve
from sklearn.frozen import FrozenEstimator
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import brier_score_loss

from shipml.evaluation.calibration import (
    ScoreModel,
    brier_score,
    expected_calibration_error,
    fit_isotonic,
    fit_platt,
    reliability_table,
)


def _data(n=5000, seed=0):
    rng = np.random.default_rng(seed)
    scores = rng.beta(0.6, 6, n)
    return (rng.random(n) < np.clip(2 * scores, 0, 1)).astype(int), scores


def test_the_ece_of_a_hand_worked_example_and_of_empty_bins():
    assert expected_calibration_error([0, 0, 1, 0], [0.1, 0.3, 0.8, 0.9], n_bins=2) == pytest.approx(0.275)
    assert expected_calibration_error([0, 1, 0, 1], [0.25] * 4, n_bins=10) == pytest.approx(0.25)
    assert expected_calibration_error([0, 1, 0], [1.0, 0.95, 0.05], n_bins=10) == pytest.approx(1 / 3)


def test_the_reliability_table_is_scikit_learns_calibration_curve():
    y, s = _data()
    table = reliability_table(y, s, n_bins=10)
    rate, mean = calibration_curve(y, s, n_bins=10, strategy="uniform")
    assert np.allclose(table.fraud_rate, rate) and np.allclose(table.mean_score, mean)
    assert table.payments.sum() == len(y)


def test_brier_is_scikit_learns():
    y, s = _data()
    assert brier_score(y, s) == pytest.approx(brier_score_loss(y, s))


def test_platt_by_hand_is_calibrated_classifier_cv_sigmoid_on_a_frozen_score():
    y, s = _data()
    library = CalibratedClassifierCV(FrozenEstimator(ScoreModel()), method="sigmoid").fit(s[:, None], y)
    t = _data(seed=1)[1]
    assert np.allclose(fit_platt(s, y)(t), library.predict_proba(t[:, None])[:, 1], atol=1e-6)


def test_isotonic_by_hand_is_scikit_learns_and_non_decreasing():
    y, s = _data()
    by_hand = fit_isotonic(s, y)
    t = np.sort(_data(seed=2)[1])
    assert np.allclose(by_hand(t), IsotonicRegression(out_of_bounds="clip").fit(s, y).predict(t))
    assert (np.diff(by_hand(t)) >= -1e-12).all()


def test_calibration_lowers_the_ece_of_inflated_scores():
    y, s = _data()
    inflated = np.sqrt(s)
    platt = fit_platt(inflated, y)
    assert expected_calibration_error(y, platt(inflated)) < expected_calibration_error(y, inflated) / 5


@pytest.mark.parametrize("bad", [([0, 2], [0.1, 0.2]), ([0, 1], [0.1, 1.2]), ([0, 1], [0.1]), ([], [])])
def test_bad_input_gets_a_sentence(bad):
    with pytest.raises(ValueError):
        expected_calibration_error(*bad)


def test_score_model_takes_one_column():
    with pytest.raises(ValueError, match="one column"):
        ScoreModel().predict_proba(np.zeros((3, 2)))
