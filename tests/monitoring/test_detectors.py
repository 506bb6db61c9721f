"""The month's detectors: one statistic per day, thresholds from clean days, alarms on the side that matters."""

import numpy as np
import pandas as pd
import pytest

from shipml.monitoring.detectors import DETECTORS, daily_statistics, detector_alarms, detector_thresholds


def days(n_days, seed, shift=0.0, first=0):
    rng = np.random.default_rng(seed)
    rows = []
    for day in range(first, first + n_days):
        n = 400
        fraud = rng.random(n) < 0.05
        rows.append(pd.DataFrame({
            "day": day, "amount": rng.lognormal(3 + shift, 1, n), "hour": rng.integers(0, 24, n),
            "merchant_category": rng.choice(["grocery", "fuel"], n), "country": "DE", "channel": "online",
            "device": "web", "is_fraud": fraud.astype(int),
            "score": np.clip(np.where(fraud, 0.6, 0.1) + rng.normal(0, 0.1, n), 0, 1)}))
    frame = pd.concat(rows, ignore_index=True)
    return frame.assign(held=frame["score"] > 0.5)


def test_a_shifted_input_raises_the_input_psi_alarm_and_clean_days_do_not():
    reference = days(10, 0)
    clean = daily_statistics(days(30, 1), reference)
    thresholds = detector_thresholds(clean, rate=1 / 30)
    assert set(thresholds) == set(DETECTORS)
    month = daily_statistics(pd.concat([days(5, 2), days(3, 3, shift=1.0, first=5)]), reference)
    alarm = detector_alarms(month, thresholds)
    assert alarm["input PSI"].loc[5:].all() and not alarm["input PSI"].loc[:4].any()


def test_quarantined_days_leave_the_pr_auc_window():
    frame = days(8, 4)
    frame.loc[frame["day"] == 7, "score"] = 1 - frame.loc[frame["day"] == 7, "score"]  # a broken day
    with_bad = daily_statistics(frame, days(5, 0))
    without = daily_statistics(frame, days(5, 0), quarantined=[7])
    assert without.loc[7, "PR-AUC (7 days)"] > with_bad.loc[7, "PR-AUC (7 days)"]


def test_a_frame_without_scores_is_a_sentence():
    with pytest.raises(ValueError, match="'score'"):
        daily_statistics(days(2, 0).drop(columns="score"), days(2, 0))
