"""What shipml.monitoring.alarms promises: thresholds that keep their false-alarm rate, and honest attribution."""

import math

import numpy as np
import pandas as pd
import pytest

from shipml.monitoring import alarms
from shipml.monitoring.simulation import Incident


def test_the_threshold_is_the_rth_largest_for_r_over_n_plus_one():
    assert alarms.threshold_for_rate(np.arange(1, 100), 0.05) == 95        # r = 5
    assert alarms.threshold_for_rate(np.arange(1, 39), 0.05) == 38         # r = floor(1.95) = 1
    assert alarms.threshold_for_rate(np.arange(1, 100), 0.05, side="lower") == 5


def test_too_few_clean_days_give_the_extreme_and_nan_days_are_ignored():
    assert alarms.threshold_for_rate([1.0, 2.0, np.nan], 0.01) == 2.0


def test_the_threshold_keeps_its_promise_on_new_clean_days():
    rng = np.random.default_rng(0)
    shares = []
    for _ in range(200):
        threshold = alarms.threshold_for_rate(rng.gamma(2, 1, 199), 0.05)
        shares.append(np.mean(rng.gamma(2, 1, 2000) > threshold))
    assert np.mean(shares) == pytest.approx(0.05, abs=0.005)   # r / (n + 1) = 10 / 200


@pytest.mark.parametrize("stats, rate, side", [([], 0.1, "upper"), ([np.nan], 0.1, "upper"),
                                               ([1.0], 0.0, "upper"), ([1.0], 0.1, "sideways")])
def test_impossible_requests_are_sentences(stats, rate, side):
    with pytest.raises(ValueError, match=r"\."):
        alarms.threshold_for_rate(stats, rate, side)


def test_a_day_without_a_statistic_raises_no_alarm():
    fired = alarms.alarm_days(pd.Series([0.1, np.nan, 0.5]), 0.3)
    assert fired.tolist() == [False, False, True]
    assert alarms.alarm_days(pd.Series([0.1, 0.5]), 0.3, side="lower").tolist() == [True, False]


INCIDENTS = (Incident("a", "data quality", 2, 2, ""), Incident("b", "concept drift", 5, 40, ""))


def test_alarms_are_attributed_to_the_incident_of_their_day_with_the_lag():
    fired = pd.Series(False, index=range(45))
    fired[[0, 2, 9]] = True
    delays, false = alarms.detection_table({"d": fired}, INCIDENTS, lags={"d": 14})
    assert delays.loc["d", "a"] == 14 and delays.loc["d", "b"] == 18 and false["d"] == 1


def test_a_horizon_keeps_a_late_chance_alarm_from_counting_as_a_detection():
    fired = pd.Series(False, index=range(45))
    fired[38] = True
    delays, false = alarms.detection_table({"d": fired}, INCIDENTS, horizon=30)
    assert math.isnan(delays.loc["d", "b"]) and false["d"] == 0
    assert alarms.detection_table({"d": fired}, INCIDENTS)[0].loc["d", "b"] == 33


def test_the_window_trial_keeps_false_alarms_near_the_target_and_sees_a_large_shift_at_once():
    small, large = alarms.window_trial(0.02, 5), alarms.window_trial(0.2, 1)
    assert 0.3 < small["false_alarms_per_quarter"] < 2.5
    assert large["delay"] == 0 and large["detected"] == 1.0
    assert math.isnan(alarms.window_trial(0.0, 1, days=25)["delay"])
