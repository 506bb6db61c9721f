"""What shipml.evaluation.bootstrap promises: a point estimate and a percentile interval from resampling whole days."""

import numpy as np
import pandas as pd
import pytest

from shipml.evaluation.bootstrap import Interval, bootstrap_over_days


def _payments(n_days=20, per_day=50, seed=0):
    """Rows of payments whose daily level varies: every row of a day shares that day's level."""
    rng = np.random.default_rng(seed)
    level = rng.normal(100.0, 20.0, n_days)
    days = np.repeat(pd.date_range("2026-01-01", periods=n_days, freq="D", tz="UTC"), per_day)
    stamps = days + pd.to_timedelta(rng.integers(0, 86_400, n_days * per_day), unit="s")
    value = np.repeat(level, per_day) + rng.normal(0.0, 1.0, n_days * per_day)
    return pd.DataFrame({"timestamp": stamps, "value": value}), level


def test_the_estimate_is_the_statistic_on_the_data_as_they_are():
    daily = [3.0, -1.0, 4.0, 1.0, 5.0]
    result = bootstrap_over_days(daily)
    assert result.estimate == 12.0 and result.n_days == 5 and result.n_boot == 2000 and result.level == 0.9
    frame, _ = _payments()
    assert bootstrap_over_days(frame, lambda rows: rows["value"].mean()).estimate == pytest.approx(frame.value.mean())


def test_two_days_give_the_percentiles_of_an_enumerable_bootstrap_distribution():
    # Days worth 0 and 1: a resampled total is 0, 1 or 2 with chances 1/4, 1/2, 1/4, so the 90 % interval is 0 to 2
    # and the 40 % interval (30th to 70th percentile) is 1 to 1.
    assert (bootstrap_over_days([0.0, 1.0]).low, bootstrap_over_days([0.0, 1.0]).high) == (0.0, 2.0)
    narrow = bootstrap_over_days([0.0, 1.0], level=0.4)
    assert (narrow.low, narrow.high) == (1.0, 1.0)


def test_the_interval_has_the_width_of_resampling_days_not_single_payments():
    """Fails for an interval from resampled rows: those treat a day's 50 payments as independent, 7 times narrower."""
    frame, level = _payments(n_days=30, per_day=50)
    result = bootstrap_over_days(frame, lambda rows: rows["value"].mean(), n_boot=1000, seed=1)
    # The mean of 30 days drawn with replacement has a standard error of about sd(days) / sqrt(30).
    expected_width = 2 * 1.645 * level.std() / np.sqrt(30)
    assert 0.75 * expected_width < result.high - result.low < 1.25 * expected_width
    assert result.low < result.estimate < result.high


def test_a_frame_and_its_daily_totals_give_the_same_interval_for_a_total():
    frame, _ = _payments(n_days=12, per_day=10, seed=3)
    daily = frame.groupby(frame.timestamp.dt.floor("D"))["value"].sum()
    from_rows = bootstrap_over_days(frame, lambda rows: rows["value"].sum(), n_boot=300, seed=5)
    from_days = bootstrap_over_days(daily, n_boot=300, seed=5)
    assert from_rows.estimate == pytest.approx(from_days.estimate)
    assert (from_rows.low, from_rows.high) == pytest.approx((from_days.low, from_days.high))


def test_the_same_seed_gives_the_same_interval_and_another_seed_a_close_one():
    daily = np.random.default_rng(0).normal(500.0, 300.0, 15)
    assert bootstrap_over_days(daily, seed=4) == bootstrap_over_days(daily, seed=4)
    other = bootstrap_over_days(daily, seed=5)
    first = bootstrap_over_days(daily, seed=4)
    assert other != first and abs(other.low - first.low) < 0.1 * (first.high - first.low)


def test_a_statistic_of_the_daily_values_gets_an_array():
    seen = []
    result = bootstrap_over_days(pd.Series([1.0, 2.0, 3.0]), lambda v: seen.append(type(v)) or float(np.median(v)),
                                 n_boot=100)
    assert set(seen) == {np.ndarray} and result.estimate == 2.0 and 1.0 <= result.low <= result.high <= 3.0


def test_rows_are_grouped_by_calendar_day_or_by_a_label_column():
    frame = pd.DataFrame({"timestamp": pd.to_datetime(["2026-01-01 01:00", "2026-01-01 23:00", "2026-01-02 12:00"],
                                                     utc=True),
                          "shop": ["a", "b", "b"], "value": [1.0, 1.0, 5.0]})
    # Two days: day 1 totals 2, day 2 totals 5.
    by_day = bootstrap_over_days(frame, lambda rows: rows["value"].sum(), n_boot=200)
    assert by_day.n_days == 2 and by_day.low == 4.0 and by_day.high == 10.0
    by_shop = bootstrap_over_days(frame, lambda rows: rows["value"].sum(), day_column="shop", n_boot=200)
    assert by_shop.n_days == 2 and (by_shop.low, by_shop.high) == (2.0, 12.0)


def test_an_interval_says_which_side_of_a_value_it_lies():
    interval = Interval(estimate=5.0, low=2.0, high=8.0, level=0.9, n_boot=100, n_days=15)
    assert interval.above(0) and not interval.above(2.0) and interval.below(9) and interval.contains(5.0)
    assert "90% interval 2 to 8" in str(interval) and "1,235" in str(Interval(1234.6, 0, 1, 0.9, 100, 2)) and interval.to_dict()["n_days"] == 15


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: bootstrap_over_days([1.0]), "at least 2 days"),
        (lambda: bootstrap_over_days([]), "at least 2 days"),
        (lambda: bootstrap_over_days([1.0, np.nan]), "finite numbers"),
        (lambda: bootstrap_over_days([[1.0, 2.0]]), "one number per day"),
        (lambda: bootstrap_over_days(["a", "b"]), "not numbers"),
        (lambda: bootstrap_over_days([1.0, 2.0], n_boot=10), "at least 100"),
        (lambda: bootstrap_over_days([1.0, 2.0], n_boot=100.5), "whole number"),
        (lambda: bootstrap_over_days([1.0, 2.0], level=90), "between 0 and 1"),
        (lambda: bootstrap_over_days([1.0, 2.0], statistic="sum"), "must be a function"),
        (lambda: bootstrap_over_days(pd.DataFrame({"timestamp": [1, 2]})), "pass a statistic"),
        (lambda: bootstrap_over_days(pd.DataFrame({"when": [1, 2]}), len), "does not have"),
        (lambda: bootstrap_over_days(pd.DataFrame({"timestamp": [1.0, np.nan]}), len), "missing values"),
        (lambda: bootstrap_over_days([1.0, 2.0], lambda v: "x"), "one number"),
        (lambda: bootstrap_over_days([1.0, 2.0], lambda v: np.inf), "finite number"),
    ],
)
def test_bad_input_gets_a_sentence(call, words):
    with pytest.raises(ValueError, match=words):
        call()


# --- the vectorised forms (chapter 6) ---------------------------------------------------------------------------

from scipy import stats  # noqa: E402

from shipml.evaluation.bootstrap import (  # noqa: E402
    paired_bootstrap,
    percentile_interval,
    ratio_over_days,
    resample_weights,
    weighted_pr_auc,
)
from shipml.evaluation.metrics import pr_auc  # noqa: E402


def test_percentile_interval_is_scipys_with_the_same_generator():
    x = np.random.default_rng(3).exponential(size=200)
    ours = percentile_interval(x, np.mean, n_boot=500, seed=5)
    theirs = stats.bootstrap((x,), np.mean, n_resamples=500, method="percentile",
                             rng=np.random.default_rng(5)).confidence_interval
    assert (ours.low, ours.high) == pytest.approx((theirs.low, theirs.high))


def test_percentile_interval_edge_cases():
    constant = percentile_interval([4.0] * 5)
    assert (constant.low, constant.high) == (4.0, 4.0)
    two = percentile_interval([0.0, 1.0])
    assert (two.low, two.high) == (0.0, 1.0)
    with pytest.raises(ValueError, match="axis"):
        percentile_interval([1.0, 2.0], lambda values: 0.0)


def test_weighted_pr_auc_is_pr_auc_with_rows_repeated():
    rng = np.random.default_rng(1)
    y = (rng.random(400) < 0.1).astype(int)
    s = np.round(rng.random(400) * 0.6 + 0.3 * y, 2)  # ties included
    assert weighted_pr_auc(y, s) == pytest.approx(pr_auc(y, s))
    for row in resample_weights(400, n_boot=3, seed=2):
        assert weighted_pr_auc(y, s, row) == pytest.approx(pr_auc(np.repeat(y, row), np.repeat(s, row)))


def test_resample_weights_draw_whole_days():
    days = np.repeat(np.arange(5), 3)
    weights = resample_weights(15, groups=days, n_boot=50, seed=0)
    assert (weights.sum(axis=1) == 15).all()
    assert (weights.reshape(50, 5, 3) == weights.reshape(50, 5, 3)[:, :, :1]).all()  # a day's rows move together


def test_ratio_over_days_and_the_paired_bootstrap():
    share = ratio_over_days([1, 2, 3, 0], [2, 4, 4, 1], n_boot=200)
    assert share.estimate == pytest.approx(6 / 11) and share.low <= share.estimate <= share.high
    rng = np.random.default_rng(0)
    y = (rng.random(600) < 0.1).astype(int)
    a = rng.random(600) + y
    same = paired_bootstrap(y, a, a, n_boot=200)
    assert same.estimate == 0 and same.low == 0 and same.high == 0
    better = paired_bootstrap(y, a, rng.random(600), groups=np.repeat(np.arange(20), 30), n_boot=200)
    assert better.above(0)
