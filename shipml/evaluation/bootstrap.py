"""Money with uncertainty: a bootstrap over days, resampling whole days with replacement.

    from shipml.evaluation.bootstrap import bootstrap_over_days
    saving = bootstrap_over_days(daily_saving)                      # a Series or array, one value per day: the total
    saving.estimate, saving.low, saving.high                        # the point estimate and a 90 % interval
    saving.above(0)                                                 # True when the whole interval is above 0
    # or rows of payments, grouped by the calendar day of their timestamp, and any statistic of a frame:
    share = bootstrap_over_days(df_test, lambda rows: rows["is_fraud"].mean(), n_boot=1000, seed=0, level=0.9)
    print(share)                                                    # "0.0101 (90% interval 0.0089 to 0.0114)"

Why days. Payments of one day share its weather: its fraud ring, its
outage, its sales. A bootstrap that resamples single payments treats them as
independent and gives an interval that is too narrow; resampling whole days
keeps each day's payments together, so the interval shows how much the
number would move on another stretch of days like these.

What it does. Each of `n_boot` replicates draws as many days as the data
have, with replacement (a seeded `numpy.random.Generator`, so the same seed
gives the same interval), and computes `statistic` on them. The interval is
the percentile interval of the replicates: its ends are their
`(1 - level) / 2` and `(1 + level) / 2` quantiles. The point estimate is the
statistic on the data as they are. With few days (the 15 days of a test
period) the interval is rough, but it says honestly how rough.

Two kinds of data:

- a pandas Series or a 1-D array of numbers, one value per day (a daily
  cost, a daily saving). The statistic gets the resampled values as a NumPy
  array; without one it is their sum, the total over the period.
- a DataFrame of rows (payments), grouped into days by the calendar day of
  `day_column` (a datetime column; any other column's values label the days
  as they are). The statistic gets the rows of the drawn days, a day drawn
  twice appearing twice; it is required.

Used by chapter 1 (the saving of the model on the test period); chapters 8
and 10 use it for the bill and the cost of a mitigation.

Chapter 6 adds the vectorised forms, each a matrix of resamples rather than a
Python loop over them:

    percentile_interval(values, np.mean, level=0.95)          # rows resampled: an index matrix, one reduction
    ratio_over_days(caught_per_day, fraud_per_day)             # a share (sum over sum) with whole days resampled
    weights = resample_weights(len(y), groups=days, n_boot=1000)   # (n_boot, rows): how often each row is drawn
    weighted_pr_auc(y, scores, weights)                        # PR-AUC of every resample at once
    paired_bootstrap(y, scores_a, scores_b, groups=days)       # PR-AUC of a minus b on the same resamples

A resample is a vector of counts: how often each row (or each day) was
drawn. A statistic that is a weighted sum, or that `weighted_pr_auc` can
compute from weights, then takes every resample in one array operation, and
two models scored on the same rows see the same resamples (a paired
bootstrap: the interval of their difference is narrower than the two
intervals side by side, because the luck of the draw is shared).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from numbers import Integral, Real

import numpy as np
import pandas as pd

__all__ = ["Interval", "bootstrap_over_days", "paired_bootstrap", "percentile_interval", "ratio_over_days",
           "resample_weights", "weighted_pr_auc"]


@dataclass(frozen=True)
class Interval:
    """A point estimate with a bootstrap percentile interval: `low <= estimate <= high` is usual, not promised.

    `n_days` is the number of units resampled: days, or rows for a bootstrap over rows.
    """

    estimate: float
    low: float
    high: float
    level: float
    n_boot: int
    n_days: int

    def above(self, value: float) -> bool:
        """True when the whole interval lies above `value` (e.g. a saving above 0)."""
        return self.low > value

    def below(self, value: float) -> bool:
        """True when the whole interval lies below `value`."""
        return self.high < value

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high

    def to_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        return f"{_fmt(self.estimate)} ({self.level:.0%} interval {_fmt(self.low)} to {_fmt(self.high)})"


def _fmt(value: float) -> str:
    """A number as a reader takes it in: whole with thousands separators from 100 up, else 4 significant digits."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.4g}"


def _day_groups(data, day_column: str) -> list[np.ndarray]:
    """The row positions of each day of a frame, in the order the days first appear."""
    if day_column not in data.columns:
        raise ValueError(
            f"bootstrap_over_days groups rows by the column {day_column!r}, which the frame does not have; "
            f"pass day_column= one of {', '.join(map(str, data.columns))}."
        )
    days = data[day_column]
    if pd.api.types.is_datetime64_any_dtype(days):
        days = days.dt.floor("D")
    if days.isna().any():
        raise ValueError(f"the column {day_column!r} has missing values: every row needs a day.")
    codes, _ = pd.factorize(days, sort=True)
    order = np.argsort(codes, kind="stable")
    bounds = np.flatnonzero(np.diff(codes[order])) + 1
    return np.split(order, bounds)


def _as_number(value, where: str) -> float:
    if isinstance(value, (np.ndarray, pd.Series)) and value.size == 1:
        value = value.reshape(-1)[0] if isinstance(value, np.ndarray) else value.iloc[0]
    if isinstance(value, bool) or not isinstance(value, (Real, np.number)):
        raise ValueError(f"the statistic must return one number; on {where} it returned {type(value).__name__}.")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"the statistic returned {value} on {where}: it must be a finite number.")
    return value


def bootstrap_over_days(data, statistic=None, *, day_column: str = "timestamp", n_boot: int = 2000,
                        seed: int = 0, level: float = 0.9) -> Interval:
    """The statistic of `data` with a percentile interval from resampling whole days; see the module docstring."""
    if isinstance(n_boot, bool) or not isinstance(n_boot, Integral) or n_boot < 100:
        raise ValueError(f"n_boot is the number of bootstrap replicates, a whole number of at least 100; got {n_boot!r}.")
    if isinstance(level, bool) or not isinstance(level, Real) or not 0 < level < 1:
        raise ValueError(f"level is the interval's coverage, a number between 0 and 1 such as 0.9; got {level!r}.")
    if statistic is not None and not callable(statistic):
        raise ValueError(f"statistic must be a function of the resampled data, not {type(statistic).__name__}.")
    rng = np.random.default_rng(seed)

    if isinstance(data, pd.DataFrame):
        if statistic is None:
            raise ValueError("with a frame of rows, pass a statistic: a function of the rows that returns a number.")
        groups = _day_groups(data, day_column)
        n_days = len(groups)
        draws = _draws(rng, n_days, n_boot)
        estimate = _as_number(statistic(data), "the data")
        values = np.array([_as_number(statistic(data.iloc[np.concatenate([groups[d] for d in draw])]),
                                      "a bootstrap sample") for draw in draws])
    else:
        values_per_day = _per_day_values(data)
        n_days = len(values_per_day)
        draws = _draws(rng, n_days, n_boot)
        if statistic is None:
            estimate = float(values_per_day.sum())
            values = values_per_day[draws].sum(axis=1)
        else:
            estimate = _as_number(statistic(values_per_day), "the data")
            values = np.array([_as_number(statistic(values_per_day[draw]), "a bootstrap sample") for draw in draws])

    low, high = np.quantile(values, [(1 - level) / 2, (1 + level) / 2])
    return Interval(estimate=estimate, low=float(low), high=float(high), level=float(level), n_boot=int(n_boot),
                    n_days=int(n_days))


def _per_day_values(data) -> np.ndarray:
    if isinstance(data, pd.Series):
        data = data.to_numpy()
    try:
        values = np.asarray(data, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(
            "bootstrap_over_days takes a frame of rows with a day column, or one number per day "
            f"(a Series or a list); got {type(data).__name__} with values that are not numbers."
        ) from None
    if values.ndim != 1:
        raise ValueError(f"one number per day, please: the values have {values.ndim} dimensions, not 1.")
    if not np.isfinite(values).all():
        raise ValueError("the values per day must be finite numbers, without missing values.")
    return values


def _draws(rng, n_days: int, n_boot: int) -> np.ndarray:
    """(n_boot, n_days) day positions, drawn with replacement."""
    if n_days < 2:
        raise ValueError(f"a bootstrap over days needs at least 2 days of data; got {n_days}.")
    return rng.integers(0, n_days, size=(n_boot, n_days))


# --- vectorised resampling (chapter 6) ------------------------------------------------------------------------


def _check_settings(n_boot, level, minimum: int = 100) -> None:
    if isinstance(n_boot, bool) or not isinstance(n_boot, Integral) or n_boot < minimum:
        raise ValueError(f"n_boot is the number of bootstrap replicates, a whole number of at least {minimum}; "
                         f"got {n_boot!r}.")
    if isinstance(level, bool) or not isinstance(level, Real) or not 0 < level < 1:
        raise ValueError(f"level is the interval's coverage, a number between 0 and 1 such as 0.95; got {level!r}.")


def _interval(estimate, values, level, n_boot, n_units) -> Interval:
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        raise ValueError("no bootstrap replicate gave a finite value: the statistic is undefined on every resample.")
    low, high = np.quantile(values, [(1 - level) / 2, (1 + level) / 2])
    return Interval(estimate=float(estimate), low=float(low), high=float(high), level=float(level),
                    n_boot=int(n_boot), n_days=int(n_units))


def percentile_interval(values, statistic=np.mean, *, n_boot: int = 2000, seed: int = 0,
                        level: float = 0.95) -> Interval:
    """The percentile bootstrap interval of `statistic` over rows drawn with replacement, all resamples at once.

    `statistic(array, axis=-1)` is a NumPy reduction (np.mean, np.median, np.std ...): it gets an
    (n_boot, n) matrix of resamples and returns one value per row. The draws are
    `default_rng(seed).integers(0, n, (n_boot, n))`, which is what `scipy.stats.bootstrap` draws from the
    same generator, so its percentile interval agrees. Missing values (NaN) reach the statistic as they are:
    with np.nanmean they are skipped (a share over some rows only), and a resample that is all NaN is left out.
    """
    _check_settings(n_boot, level)
    try:
        sample = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"percentile_interval takes numbers, not {type(values).__name__}.") from None
    if sample.ndim != 1 or sample.size < 1 or np.isinf(sample).any() or np.isnan(sample).all():
        raise ValueError("percentile_interval takes a 1-D sample of at least one finite number.")
    if not callable(statistic):
        raise TypeError(f"statistic is a function such as np.mean, not {type(statistic).__name__}.")
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, sample.size, (n_boot, sample.size))
    try:
        replicates = np.asarray(statistic(sample[draws], axis=-1), dtype=float)
    except TypeError:
        raise ValueError("the statistic must take axis=-1, as NumPy's reductions do (np.mean, np.median).") from None
    if replicates.shape != (n_boot,):
        raise ValueError(f"statistic(resamples, axis=-1) should give {n_boot} values, one per resample; "
                         f"it gave the shape {replicates.shape}.")
    return _interval(statistic(sample), replicates, level, n_boot, sample.size)


def ratio_over_days(numerators, denominators, *, n_boot: int = 2000, seed: int = 0, level: float = 0.9) -> Interval:
    """A share (sum of numerators over sum of denominators) with whole days resampled, as bootstrap_over_days does.

    One value of each per day (e.g. fraud held and fraud, per day). The draws are bootstrap_over_days's
    for the same seed; a resample whose denominator is 0 has no share and is left out of the percentiles.
    """
    _check_settings(n_boot, level)
    num, den = _per_day_values(numerators), _per_day_values(denominators)
    if num.shape != den.shape:
        raise ValueError(f"one numerator and one denominator per day: got {num.size} and {den.size}.")
    if den.sum() <= 0:
        raise ValueError("the denominators sum to 0: the share is undefined (no fraud in the slice?).")
    draws = _draws(np.random.default_rng(seed), num.size, n_boot)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = num[draws].sum(axis=1) / den[draws].sum(axis=1)
    return _interval(num.sum() / den.sum(), shares, level, n_boot, num.size)


def resample_weights(n_rows: int, *, groups=None, n_boot: int = 2000, seed: int = 0) -> np.ndarray:
    """(n_boot, n_rows) counts: how often each row is drawn in each resample.

    Without groups, rows are drawn one by one (a multinomial over rows); with `groups` (one label per row,
    e.g. the calendar day), whole groups are drawn and each row counts as often as its group, with the
    draws of `bootstrap_over_days` for the same seed.
    """
    if isinstance(n_boot, bool) or not isinstance(n_boot, Integral) or n_boot < 1:
        raise ValueError(f"n_boot is a whole number of at least 1; got {n_boot!r}.")
    if isinstance(n_rows, bool) or not isinstance(n_rows, Integral) or n_rows < 1:
        raise ValueError(f"n_rows is a whole number of at least 1; got {n_rows!r}.")
    rng = np.random.default_rng(seed)
    if groups is None:
        draws = rng.integers(0, n_rows, (n_boot, n_rows))
        return _counts(draws, n_rows)
    labels = pd.Series(np.asarray(groups))
    if len(labels) != n_rows:
        raise ValueError(f"groups has {len(labels)} labels for {n_rows} rows: one label per row, please.")
    if pd.api.types.is_datetime64_any_dtype(labels):
        labels = labels.dt.floor("D")
    codes, uniques = pd.factorize(labels, sort=True)
    return _counts(_draws(rng, len(uniques), n_boot), len(uniques))[:, codes]


def _counts(draws: np.ndarray, n: int) -> np.ndarray:
    """Per resample (row of draws), how often each of n units was drawn."""
    n_boot = draws.shape[0]
    offsets = (np.arange(n_boot) * n)[:, None]
    return np.bincount((draws + offsets).ravel(), minlength=n_boot * n).reshape(n_boot, n).astype(np.int32)


def weighted_pr_auc(y_true, scores, weights=None) -> np.ndarray | float:
    """PR-AUC (average precision) with each row counted `weights` times; a 2-D weights gives one value per row.

    With unit weights it is `shipml.evaluation.metrics.pr_auc`: rows sorted by score once, tied scores
    flagged together, the precision at each tie group's end weighted by the recall it adds. NaN where a
    resample holds no fraud.
    """
    y = np.asarray(y_true).astype(int)
    s = np.asarray(scores, dtype=float)
    if y.shape != s.shape or y.ndim != 1:
        raise ValueError(f"y_true and scores are 1-D and of one length; got shapes {y.shape} and {s.shape}.")
    w = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=float)
    single = w.ndim == 1
    w = np.atleast_2d(w)
    if w.shape[1] != len(y):
        raise ValueError(f"weights have {w.shape[1]} columns for {len(y)} rows.")
    order = np.argsort(-s, kind="stable")
    ends = np.r_[np.flatnonzero(np.diff(s[order]) != 0), len(s) - 1]
    w_sorted = w[:, order]
    true_pos = np.cumsum(w_sorted * y[order], axis=1)[:, ends]
    flagged = np.cumsum(w_sorted, axis=1)[:, ends]
    n_pos = true_pos[:, -1:]
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(flagged > 0, true_pos / np.where(flagged > 0, flagged, 1), 0.0)
        added_recall = np.diff(true_pos, axis=1, prepend=0.0) / n_pos
        values = np.where(n_pos[:, 0] > 0, np.sum(added_recall * precision, axis=1), np.nan)
    return float(values[0]) if single else values


def paired_bootstrap(y_true, scores_a, scores_b, *, metric=weighted_pr_auc, groups=None, n_boot: int = 1000,
                     seed: int = 0, level: float = 0.9, chunk: int = 250) -> Interval:
    """metric(a) - metric(b) on the same rows, with an interval from resampling both on the same draws.

    `metric(y_true, scores, weights)` gives one value per row of an (n_boot, n) weights matrix
    (`weighted_pr_auc` by default). With `groups` (the calendar day of each row) whole days are resampled.
    The resamples are made `chunk` at a time, so memory stays at chunk x rows.
    """
    _check_settings(n_boot, level)
    y = np.asarray(y_true)
    a, b = np.asarray(scores_a, dtype=float), np.asarray(scores_b, dtype=float)
    if not (len(y) == len(a) == len(b)):
        raise ValueError(f"a paired bootstrap needs both models' scores on the same rows: got {len(y)} labels, "
                         f"{len(a)} and {len(b)} scores.")
    weights = resample_weights(len(y), groups=groups, n_boot=n_boot, seed=seed)
    differences = np.concatenate([np.asarray(metric(y, a, part)) - np.asarray(metric(y, b, part))
                                  for part in np.array_split(weights, max(1, n_boot // chunk))])
    estimate = float(metric(y, a, None)) - float(metric(y, b, None))
    n_units = len(y) if groups is None else int(pd.Series(np.asarray(groups)).nunique())
    return _interval(estimate, differences, level, n_boot, n_units)
