"""The month's detectors: one statistic per day for each, their thresholds from clean days, their alarms.

    from shipml.monitoring.detectors import DETECTORS, daily_statistics, detector_thresholds, detector_alarms
    stats = daily_statistics(scored_days, reference)          # one row per day, one column per detector
    thresholds = detector_thresholds(daily_statistics(clean_quarter, reference), rate=1 / 90)
    alarms = detector_alarms(stats, thresholds)               # {detector: True/False per day the data belong to}

`frame` is a table of payments with a `day` number, the model's `score`, its
decision `held` and the label `is_fraud`; `reference` is the payments the
model was validated on, scored. The detectors (chapter 9 explains each):

- **input PSI**: the largest PSI over `FEATURES` (not the account age, which
  drifts by design), against the reference;
- **p-value rule**: the smallest p-value over `FEATURES` (Kolmogorov–Smirnov
  for numbers, chi-square for categories): the default of many tools, not
  calibrated, so its alarm is the rule p < 0.05, not a threshold;
- **score PSI** and **held share**: the outputs;
- **fraud rate** and **PR-AUC (7 days)**: the outcomes, known only when the
  labels are (`LAGS`: the label delay); PR-AUC over the last seven days,
  leaving out `quarantined` days, whose scores are not the model's. `before`
  gives the days before the frame, so that the first windows are full.

A threshold is `shipml.monitoring.alarms.threshold_for_rate` over clean days
(the first six days of a 7-day window are not full and are left out), on the
side in `DETECTORS` on which a detector alarms.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from shipml.data.scenario import SCENARIO
from shipml.evaluation.metrics import pr_auc
from shipml.monitoring import alarms, drift

__all__ = ["DETECTORS", "FEATURES", "LAGS", "daily_statistics", "detector_alarms", "detector_thresholds"]

FEATURES = ("amount", "hour", "merchant_category", "country", "channel", "device")
# Each thresholded detector, and the side on which it alarms.
DETECTORS = {"input PSI": "upper", "score PSI": "upper", "held share": "upper", "fraud rate": "upper",
             "PR-AUC (7 days)": "lower"}
# Days from the day the data belong to until a detector can be heard (labels mature late).
LAGS = {"fraud rate": SCENARIO.label_delay_days, "PR-AUC (7 days)": SCENARIO.label_delay_days}


def daily_statistics(frame: pd.DataFrame, reference: pd.DataFrame, quarantined=(), before=None,
                     features=FEATURES) -> pd.DataFrame:
    """One row per day of `frame`: the statistic of each detector (`before`: the days before, for the 7-day windows)."""
    missing = [c for c in ("day", "score", "held", "is_fraud") if c not in frame.columns]
    if missing:
        raise ValueError(f"the frame needs the column {missing[0]!r}: payments with their day, score, decision "
                         "and label.")
    days = pd.Index(np.sort(frame["day"].unique()), name="day")
    by_day = frame.groupby("day")
    out = pd.DataFrame(index=days)
    out["input PSI"] = pd.concat([drift.psi_by_day(reference, frame, f, days=days) for f in features],
                                 axis=1).max(axis=1)
    out["p-value rule"] = pd.concat([drift.p_values_by_day(reference, frame, f, days=days) for f in features],
                                    axis=1).min(axis=1)
    out["score PSI"] = drift.psi_by_day(reference, frame.dropna(subset=["score"]), "score", days=days)
    out["held share"] = by_day["held"].mean()
    out["fraud rate"] = by_day["is_fraud"].mean()
    usable = pd.concat([before, frame]) if before is not None else frame
    usable = {d: rows for d, rows in usable[~usable["day"].isin(list(quarantined))].groupby("day")}
    windows = [pd.concat([usable[k] for k in range(d - 6, d + 1) if k in usable]) for d in days]
    out["PR-AUC (7 days)"] = [pr_auc(w["is_fraud"], w["score"]) for w in windows]
    return out


def detector_thresholds(clean_statistics: pd.DataFrame, rate: float) -> dict[str, float]:
    """Each detector's threshold for a false-alarm `rate` per day, from clean days' statistics."""
    full = clean_statistics.iloc[6:]  # the first six days of a 7-day window are not full
    return {name: alarms.threshold_for_rate(full[name], rate, side) for name, side in DETECTORS.items()}


def detector_alarms(statistics: pd.DataFrame, thresholds: dict) -> dict[str, pd.Series]:
    """Each detector's alarms (True/False per day the data belong to); the p-value rule alarms below 0.05."""
    table = {name: alarms.alarm_days(statistics[name], thresholds[name], side) for name, side in DETECTORS.items()}
    table["p-value rule"] = statistics["p-value rule"] < 0.05
    return table
