"""Per-group metrics agree with fairlearn; per-group thresholds equalise the false-positive rate."""

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import (
    MetricFrame,
    demographic_parity_difference,
    equalized_odds_difference,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)

from shipml.evaluation.metrics import threshold_at_fpr
from shipml.governance.fairness import disparities, equal_fpr_scores, group_metrics, group_thresholds


def _random(seed=0, n=3_000):
    rng = np.random.default_rng(seed)
    groups = rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2])
    y_true = (rng.random(n) < 0.1).astype(int)
    y_pred = (rng.random(n) < np.where(groups == "a", 0.05, 0.15)).astype(int)
    return y_true, y_pred, groups


def test_do_the_per_group_rates_equal_fairlearns_metricframe():
    y_true, y_pred, groups = _random()
    mine = group_metrics(y_true, y_pred, groups)
    frame = MetricFrame(metrics={"fpr": false_positive_rate, "recall": true_positive_rate,
                                 "selection_rate": selection_rate},
                        y_true=y_true, y_pred=y_pred, sensitive_features=groups)
    assert np.allclose(mine[["fpr", "recall", "selection_rate"]], frame.by_group, atol=1e-12)
    assert mine.n.sum() == len(y_true) and mine.fraud.sum() == y_true.sum()


def test_do_the_disparities_equal_fairlearns_differences():
    y_true, y_pred, groups = _random(1)
    gaps = disparities(y_true, y_pred, groups)
    assert gaps["demographic_parity_difference"] == pytest.approx(
        demographic_parity_difference(y_true, y_pred, sensitive_features=groups), abs=1e-12)
    assert gaps["equalized_odds_difference"] == pytest.approx(
        equalized_odds_difference(y_true, y_pred, sensitive_features=groups), abs=1e-12)


def test_is_recall_nan_in_a_group_without_fraud_and_left_out_of_the_gap():
    table = group_metrics([1, 0, 0, 0], [1, 0, 1, 0], pd.Categorical(["x", "x", "y", "y"]))
    assert np.isnan(table.loc["y", "recall"]) and table.loc["x", "recall"] == 1.0
    assert disparities([1, 0, 0, 0], [1, 0, 1, 0], ["x", "x", "y", "y"])["recall_difference"] == 0.0


def test_does_a_length_mismatch_give_a_sentence():
    with pytest.raises(ValueError, match="same length"):
        group_metrics([1, 0], [1], ["a", "b"])


def test_do_per_group_thresholds_flag_about_the_same_share_of_each_groups_legitimate_rows():
    rng = np.random.default_rng(0)
    n = 20_000
    groups = rng.choice(["young", "old"], n)
    y = (rng.random(n) < 0.02).astype(int)
    scores = rng.beta(2, 20, n) + 0.1 * (groups == "young") + 0.3 * y  # the young score higher
    adjusted = equal_fpr_scores(scores, groups, scores, y, groups)
    table = group_metrics(y, adjusted >= 0.95, groups)
    assert np.allclose(table.fpr, 0.05, atol=0.002)
    one_threshold = group_metrics(y, scores >= threshold_at_fpr(y, scores, 0.05), groups)
    assert one_threshold.fpr.max() - one_threshold.fpr.min() > 0.05
    thresholds = group_thresholds(scores, y, groups, 0.05)
    flagged = scores >= np.vectorize(thresholds.get)(groups)
    assert group_metrics(y, flagged, groups).fpr.max() <= 0.05
    assert (flagged == (adjusted >= 0.95)).mean() > 0.999  # the same rule, up to rounding of the share
    within = groups == "old"
    order = np.argsort(scores[within])
    assert (np.diff(adjusted[within][order]) >= 0).all()  # within a group the order is kept


def test_do_per_group_thresholds_on_a_policy_s_key_hold_each_group_at_the_same_false_alarm_rate():
    from shipml.data.scenario import SCENARIO
    from shipml.evaluation.decision import DecisionPolicy
    from shipml.governance.fairness import decision_key, per_group_hold

    rng = np.random.default_rng(4)
    n = 20_000
    groups = rng.choice(["young", "old"], n)
    y = (rng.random(n) < 0.02).astype(int)
    scores = np.clip(rng.beta(1, 30, n) + 0.3 * y + np.where(groups == "young", 0.02, 0.0), 0, 1)
    amounts = rng.lognormal(3.5, 1.0, n)
    policy = DecisionPolicy.expected_loss_rule(SCENARIO)
    key = decision_key(policy, scores, amounts)
    assert np.array_equal(key > policy.margin, policy.hold(scores, amounts))
    assert np.array_equal(decision_key(DecisionPolicy.threshold_rule(0.2), scores), scores)
    held = per_group_hold(key, groups, group_thresholds(key, y, groups, 0.01))
    table = group_metrics(y, held, groups)
    assert (table.fpr <= 0.01 + 1e-12).all() and (table.fpr > 0.009).all()
    with pytest.raises(ValueError, match="no threshold for the group 'old'"):
        per_group_hold(key, groups, {"young": 0.0})
