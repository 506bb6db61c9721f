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
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from numbers import Integral, Real

import numpy as np
import pandas as pd

__all__ = ["Interval", "bootstrap_over_days"]


@dataclass(frozen=True)
class Interval:
    """A point estimate with a bootstrap percentile interval: `low <= estimate <= high` is usual, not promised."""

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
