"""Chapter 6's typical wrong answers, each failing the case named for its mistake (see test_wrong_answers.py)."""

import math

import numpy as np
from check_assertions import WrongAnswer
from scipy.stats import norm
from test_evaluation import (
    ab_plan,
    amount_violations,
    percentile_interval,
)


def ece_over_bins(y_true, scores, n_bins=10):
    """Averages the gaps over non-empty bins, not over payments."""
    y, s = np.asarray(y_true, dtype=float), np.asarray(scores, dtype=float)
    bins = np.minimum((s * n_bins).astype(int), n_bins - 1)
    return float(np.mean([abs(s[bins == b].mean() - y[bins == b].mean()) for b in np.unique(bins)]))


def ece_over_all_bins(y_true, scores, n_bins=10):
    """Divides by every bin, empty ones included (nan-safe), so empty bins dilute the error."""
    y, s = np.asarray(y_true, dtype=float), np.asarray(scores, dtype=float)
    bins = np.minimum((s * n_bins).astype(int), n_bins - 1)
    gaps = [abs(s[bins == b].mean() - y[bins == b].mean()) if (bins == b).any() else 0.0 for b in range(n_bins)]
    return float(np.mean(gaps))


def ece_unclipped(y_true, scores, n_bins=10):
    """A score of 1 falls in a bin of its own."""
    y, s = np.asarray(y_true, dtype=float), np.asarray(scores, dtype=float)
    bins = (s * n_bins).astype(int)
    return float(sum((bins == b).mean() * abs(s[bins == b].mean() - y[bins == b].mean()) for b in np.unique(bins)))


def ece_signed(y_true, scores, n_bins=10):
    """Forgets the absolute value: over- and under-confident bins cancel."""
    y, s = np.asarray(y_true, dtype=float), np.asarray(scores, dtype=float)
    bins = np.minimum((s * n_bins).astype(int), n_bins - 1)
    return float(sum((bins == b).mean() * (s[bins == b].mean() - y[bins == b].mean()) for b in np.unique(bins)))


def interval_one_tailed(sample, statistic=np.mean, level=0.95, n_boot=2000, seed=0):
    """Takes the (1 - level) and level quantiles: a 90 % interval for 95 %."""
    sample = np.asarray(sample, dtype=float)
    idx = np.random.default_rng(seed).integers(0, len(sample), (n_boot, len(sample)))
    low, high = np.quantile(statistic(sample[idx], axis=1), [1 - level, level])
    return float(low), float(high)


def interval_of_the_data(sample, statistic=np.mean, level=0.95, n_boot=2000, seed=0):
    """The quantiles of the data, not of the bootstrapped statistic."""
    low, high = np.quantile(np.asarray(sample, dtype=float), [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


def interval_without_replacement(sample, statistic=np.mean, level=0.95, n_boot=2000, seed=0):
    """Permutes instead of resampling: every resample has the same mean."""
    sample = np.asarray(sample, dtype=float)
    rng = np.random.default_rng(seed)
    values = [statistic(rng.permutation(sample)) for _ in range(200)]
    low, high = np.quantile(values, [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


def interval_half_size(sample, statistic=np.mean, level=0.95, n_boot=2000, seed=0):
    """Draws resamples half as long as the sample: too wide."""
    sample = np.asarray(sample, dtype=float)
    m = max(1, len(sample) // 2)
    idx = np.random.default_rng(seed).integers(0, len(sample), (n_boot, m))
    low, high = np.quantile(statistic(sample[idx], axis=1), [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


def interval_swapped(sample, statistic=np.mean, level=0.95, n_boot=2000, seed=0):
    low, high = percentile_interval(sample, statistic, level, n_boot, seed)
    return high, low


def violations_any(score, rows):
    """Returns 1 when anything fails instead of counting the rows."""
    return int(amount_violations(score, rows) > 0)


def violations_non_strict(score, rows):
    """Counts unchanged scores as failures."""
    before = np.asarray(score(rows), dtype=float)
    after = np.asarray(score(rows.assign(amount=rows["amount"] * 2)), dtype=float)
    return int(np.sum(after <= before))


def violations_reversed(score, rows):
    """Counts the rows whose score rose."""
    before = np.asarray(score(rows), dtype=float)
    after = np.asarray(score(rows.assign(amount=rows["amount"] * 2)), dtype=float)
    return int(np.sum(after > before))


def violations_in_place(score, rows):
    """Doubles the amounts of the caller's frame."""
    before = np.asarray(score(rows), dtype=float)
    rows["amount"] = rows["amount"] * 2
    return int(np.sum(np.asarray(score(rows), dtype=float) < before - 1e-12))


def plan_one_sided(p_base, relative_mde, payments_per_day, alpha=0.05, power=0.8):
    p_new = p_base * (1 - relative_mde)
    h = 2 * math.asin(math.sqrt(p_base)) - 2 * math.asin(math.sqrt(p_new))
    n = math.ceil(2 * ((norm.ppf(1 - alpha) + norm.ppf(power)) / h) ** 2)
    return {"n_per_arm": n, "days": 2 * n / payments_per_day}


def plan_one_arm(p_base, relative_mde, payments_per_day, alpha=0.05, power=0.8):
    plan = ab_plan(p_base, relative_mde, payments_per_day, alpha, power)
    return {"n_per_arm": plan["n_per_arm"], "days": plan["n_per_arm"] / payments_per_day}


def plan_without_factor_two(p_base, relative_mde, payments_per_day, alpha=0.05, power=0.8):
    p_new = p_base * (1 - relative_mde)
    h = 2 * math.asin(math.sqrt(p_base)) - 2 * math.asin(math.sqrt(p_new))
    n = math.ceil(((norm.ppf(1 - alpha / 2) + norm.ppf(power)) / h) ** 2)
    return {"n_per_arm": n, "days": 2 * n / payments_per_day}


def plan_fixed_alpha(p_base, relative_mde, payments_per_day, alpha=0.05, power=0.8):
    return ab_plan(p_base, relative_mde, payments_per_day)


def plan_absolute_effect(p_base, relative_mde, payments_per_day, alpha=0.05, power=0.8):
    """Reads relative_mde as an absolute drop in percentage points / 100."""
    return ab_plan(p_base, min(0.99, relative_mde * p_base), payments_per_day, alpha, power)


WRONG_ANSWERS = [
    WrongAnswer("ch06-ex2", "averages over bins, not payments", ece_over_bins,
                "weights each bin by its share of the payments"),
    WrongAnswer("ch06-ex2", "counts empty bins", ece_over_all_bins, "empty bins count for nothing"),
    WrongAnswer("ch06-ex2", "a score of 1 in a bin of its own", ece_unclipped, "a score of exactly 1 goes in the last bin"),
    WrongAnswer("ch06-ex2", "signed gaps", ece_signed, "empty bins count for nothing"),
    WrongAnswer("ch06-ex3", "one-tailed quantiles", interval_one_tailed, "the level sets the interval's width"),
    WrongAnswer("ch06-ex3", "quantiles of the data", interval_of_the_data, "a 95 % interval of the mean of a skewed sample"),
    WrongAnswer("ch06-ex3", "resamples without replacement", interval_without_replacement,
                "a 95 % interval of the mean of a skewed sample"),
    WrongAnswer("ch06-ex3", "resamples half the size", interval_half_size,
                "covers the true mean about 95 % of the time on a known distribution"),
    WrongAnswer("ch06-ex3", "returns (high, low)", interval_swapped, "a sample of one value, and of two"),
    WrongAnswer("ch06-ex4", "returns 1 instead of a count", violations_any,
                "a model that violates the expectation everywhere fails on every row"),
    WrongAnswer("ch06-ex4", "counts unchanged scores", violations_non_strict, "a model that ignores the amount passes too"),
    WrongAnswer("ch06-ex4", "counts the rows that rose", violations_reversed,
                "a model that respects the expectation has no failing rows"),
    WrongAnswer("ch06-ex4", "changes the rows in place", violations_in_place, "does not change the rows it is given"),
    WrongAnswer("ch06-ex5", "one-sided z", plan_one_sided, "a 10 % reduction of a 0.7 % rate at alpha 0.05, power 0.8"),
    WrongAnswer("ch06-ex5", "days for one arm", plan_one_arm, "a 10 % reduction of a 0.7 % rate at alpha 0.05, power 0.8"),
    WrongAnswer("ch06-ex5", "no factor 2 for two arms", plan_without_factor_two,
                "a 10 % reduction of a 0.7 % rate at alpha 0.05, power 0.8"),
    WrongAnswer("ch06-ex5", "ignores alpha and power", plan_fixed_alpha, "the alpha and power it is given"),
    WrongAnswer("ch06-ex5", "reads the effect as absolute", plan_absolute_effect,
                "a 10 % reduction of a 0.7 % rate at alpha 0.05, power 0.8"),
]
