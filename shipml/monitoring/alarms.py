"""Alarms you can trust: a threshold set from clean days for a target false-alarm rate, and what it then catches.

    from shipml.monitoring.alarms import threshold_for_rate, alarm_days, detection_table, window_trial
    threshold = threshold_for_rate(clean_daily_psi, rate=1 / 90)     # about one false alarm a quarter
    alarms = alarm_days(month_daily_psi, threshold)                   # True where the statistic is past it
    delays, false_alarms = detection_table({"input PSI": alarms}, incidents, lags={"input PSI": 0}, horizon=30)
    window_trial(magnitude=0.1, window=3)                             # the explorer: delay and false alarms

The threshold. A detector computes one statistic a day. On a new clean day
that statistic is one more draw from the clean days' distribution, so with `n`
clean days the chance that it exceeds the r-th largest of them is r / (n + 1).
`threshold_for_rate` takes the largest `r` with r / (n + 1) <= rate: a promise
that holds for any distribution, without a p-value, as long as the days are
alike (exchangeable: no trend, no weekly cycle the clean days miss). Too few clean days for the
rate (r = 0) gives the largest clean value, the best those days can promise
(1 / (n + 1)).

Attribution. An alarm about day `d` (the day the data belong to) is heard on
day `d + lag`: 0 for inputs and outputs, the label delay for a realised
metric. It belongs to the incident in effect on day `d` (the one that started
most recently), and is a false alarm on a clean day. A detector's delay for an
incident is the first day it is heard minus the incident's first day (within
a horizon, if one is given).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from shipml.monitoring.simulation import active_incident

__all__ = ["alarm_days", "detection_table", "false_alarm_rate", "threshold_for_rate", "window_trial"]


def threshold_for_rate(clean_stats, rate: float, side: str = "upper") -> float:
    """The threshold a new clean day crosses with probability at most `rate` (`side`: "upper" or "lower").

    NaN statistics (days without data) are ignored. Raises ValueError, in a sentence, without clean values or
    with a rate outside (0, 1).
    """
    if side not in ("upper", "lower"):
        raise ValueError(f"side is 'upper' (alarm above) or 'lower' (alarm below), not {side!r}.")
    if not (isinstance(rate, (int, float)) and 0 < rate < 1):
        raise ValueError(f"rate is a share of clean days between 0 and 1 (e.g. 1/90), not {rate!r}.")
    values = np.asarray(clean_stats, dtype=float)
    values = np.sort(values[np.isfinite(values)])
    if values.size == 0:
        raise ValueError("There are no clean days with a statistic to set a threshold from.")
    r = max(1, math.floor(rate * (values.size + 1)))  # r = 0: too few days, the extreme is the best available
    return float(values[-r] if side == "upper" else values[r - 1])


def alarm_days(stats: pd.Series, threshold: float, side: str = "upper") -> pd.Series:
    """True on the days whose statistic is past the threshold; a day without a statistic (NaN) raises none."""
    stats = pd.Series(stats, dtype=float)
    fired = stats > threshold if side == "upper" else stats < threshold
    return fired.fillna(False).astype(bool)


def false_alarm_rate(alarms: pd.Series) -> float:
    """The share of days with an alarm (on clean days: the false-alarm rate); NaN without days."""
    return float(np.mean(alarms)) if len(alarms) else float("nan")


def detection_table(alarms: dict, incidents, lags: dict | None = None, horizon: float | None = None):
    """(delays, false alarms): days from each incident's start until each detector is heard, and its false alarms.

    `alarms` maps a detector's name to a boolean Series indexed by the day the data belong to; `lags` its delay
    in days (default 0). A delay is NaN when the detector does not alarm during the incident, or (with
    `horizon`) not within `horizon` days of its start: over a long incident, an alarm at a rate of one a
    quarter would otherwise "detect" it by chance.
    """
    lags = lags or {}
    delays, false = {}, {}
    for name, fired in alarms.items():
        fired = pd.Series(fired).astype(bool)
        lag = lags.get(name, 0)
        row = {incident.name: math.nan for incident in incidents}
        false[name] = 0
        for day in fired.index[fired.to_numpy()]:
            incident = active_incident(day, incidents)
            if incident is None:
                false[name] += 1
            elif math.isnan(row[incident.name]) and (horizon is None or day + lag - incident.start <= horizon):
                row[incident.name] = day + lag - incident.start
        delays[name] = row
    return pd.DataFrame(delays).T.rename_axis("detector"), pd.Series(false, name="false alarms")


def window_trial(magnitude: float, window: int, *, rate: float = 1 / 90, per_day: int = 1000, days: int = 40,
                 start: int = 20, clean_days: int = 3000, runs: int = 300, seed: int = 0) -> dict:
    """A detector averaging `window` days of a daily mean that shifts by `magnitude` (per-payment sd) on `start`.

    The threshold is set on `clean_days` simulated clean days for `rate`; the false alarms per quarter are
    measured on as many other clean days. The shift is simulated `runs` times: the result has the median
    delay in days (NaN when most runs never detect it within `days - start` days), the share of runs that
    detect it, and one run's daily statistics (`stats`) to plot.
    """
    window = max(1, int(window))
    rng = np.random.default_rng(seed)
    noise = 1 / math.sqrt(per_day)

    def rolled(daily):  # the mean of the last `window` days, for each full window (along the last axis)
        total = np.cumsum(np.concatenate([np.zeros(daily.shape[:-1] + (1,)), daily], axis=-1), axis=-1)
        return (total[..., window:] - total[..., :-window]) / window

    threshold = threshold_for_rate(rolled(rng.normal(0, noise, clean_days + window - 1)), rate)
    held_out = rolled(rng.normal(0, noise, clean_days + window - 1))
    daily = rng.normal(0, noise, (runs, days + window - 1))
    daily[:, window - 1 + start:] += magnitude
    stats = rolled(daily)
    after = stats[:, start:] > threshold
    detected = after.any(axis=1)
    delays = np.where(detected, after.argmax(axis=1), np.inf)
    median = float(np.median(delays))
    return {"threshold": threshold, "delay": median if np.isfinite(median) else math.nan,
            "detected": float(detected.mean()), "false_alarms_per_quarter": float(np.mean(held_out > threshold) * 90),
            "stats": stats[0], "start": start}
