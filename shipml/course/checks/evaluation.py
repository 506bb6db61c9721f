"""Checks of chapter 6, "Evaluation a decision can rest on".

    from shipml.course.checks import run
    run("ch06-ex2", expected_calibration_error)   # the learner's expected_calibration_error(y_true, scores, n_bins=10)
    run("ch06-ex3", percentile_interval)          # the learner's percentile_interval(sample, statistic, level, ...)
    run("ch06-ex4", amount_violations)            # the learner's amount_violations(score, rows) -> rows that fall
    run("ch06-ex5", ab_plan)                      # the learner's ab_plan(p_base, relative_mde, payments_per_day, ...)

Each case observes (calls the learner's function on fixed inputs, returns
numbers) and judges (compares with hand-worked numbers, or with the references:
`shipml.evaluation.calibration.expected_calibration_error`, a large bootstrap
for the interval, models with a known violation for the behavioural test, and
statsmodels for the A/B plan).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from shipml.course.checks import (
    Failure,
    exercise,
    expect,
    expect_number,
    kind_of,
    to_number,
)
from shipml.evaluation.calibration import expected_calibration_error as reference_ece

# --- exercise 2: expected calibration error --------------------------------------------------------------------

ex2 = exercise(
    "ch06-ex2",
    title="The expected calibration error",
    hints=[
        "Put each score in one of n_bins equal-width bins on [0, 1]: bin i holds i/n_bins <= score < (i+1)/n_bins, "
        "and a score of exactly 1 goes in the last bin.",
        "Per non-empty bin: the gap |mean score - share of fraud|, weighted by the bin's share of all payments. "
        "An empty bin adds nothing (and must not divide by zero).",
        "`bins = np.minimum((scores * n_bins).astype(int), n_bins - 1)`; then for each bin b with payments: "
        "`total += (bins == b).mean() * abs(scores[bins == b].mean() - y[bins == b].mean())`.",
    ],
)


def _ece_of(fn, y, scores, n_bins):
    return fn(np.array(y), np.array(scores, dtype=float), n_bins=n_bins)


def _ece_case(name, hint, problems, hidden=False):
    def observe(fn):
        return [_ece_of(fn, *problem[:3]) for problem in problems]

    def judge(got):
        for value, (y, scores, n_bins, want, what) in zip(got, problems):
            expect_number(value, want, tol=1e-9, rtol=1e-9, what=what)

    ex2.case(name, hint=hint, hidden=hidden, observe=observe, judge=judge)


_ece_case(
    "a hand-worked example with two bins",
    "Two bins: [0, 0.5) holds scores 0.1 and 0.3 (mean 0.2, no fraud: gap 0.2), [0.5, 1] holds 0.8 and 0.9 (mean "
    "0.85, one fraud in two: gap 0.35). ECE = 0.5 x 0.2 + 0.5 x 0.35 = 0.275.",
    [([0, 0, 1, 0], [0.1, 0.3, 0.8, 0.9], 2, 0.275, "the ECE of the hand-worked example")],
)
_ece_case(
    "empty bins count for nothing",
    "With 10 bins and every score in [0.2, 0.3), nine bins are empty: skip them. Only the gap of the full bin, "
    "|0.25 - 0.5| = 0.25, remains.",
    [([0, 1, 0, 1], [0.25, 0.25, 0.25, 0.25], 10, 0.25, "the ECE when nine bins are empty")],
)
_ece_case(
    "a calibrated score has an ECE of 0",
    "When each bin's mean score equals its share of fraud, every gap is 0; [0.75, 1] here has mean score 0.875 "
    "and only fraud, a gap of 0.125 over half the payments.",
    [([0, 1, 0, 0, 1, 1, 1, 1], [0.5, 0.5, 0.0, 0.0, 1.0, 1.0, 0.75, 0.75], 4, 0.0625,
      "the ECE with a miscalibrated bin [0.75, 1]"),
     ([0, 1, 0, 0], [0.5, 0.5, 0.0, 0.0], 4, 0.0, "the ECE of a calibrated score")],
)
_ece_case(
    "a score of exactly 1 goes in the last bin",
    "`int(1.0 * n_bins)` is n_bins, one past the last bin: clip it to n_bins - 1.",
    [([0, 1, 0], [1.0, 0.95, 0.05], 10, (2 / 3) * 0.475 + (1 / 3) * 0.05, "the ECE with a score of exactly 1")],
)
_ece_case(
    "weights each bin by its share of the payments",
    "Average the gaps over payments, not over bins: a bin with 3 of 4 payments weighs 0.75 (0.75 x 0.1 + "
    "0.25 x 0.4 = 0.175).",
    [([0, 0, 0, 1], [0.1, 0.1, 0.1, 0.6], 2, 0.75 * 0.1 + 0.25 * 0.4, "the ECE with unequal bins")],
)


def _random_ece_problems():
    problems = []
    for seed, n_bins in ((0, 10), (1, 15), (2, 5)):
        rng = np.random.default_rng(40 + seed)
        scores = rng.beta(0.6, 6, 3000)
        y = (rng.random(3000) < np.clip(1.6 * scores, 0, 1)).astype(int)
        problems.append((y, scores, n_bins, reference_ece(y, scores, n_bins), f"the ECE of random batch {seed}"))
    return problems


_ece_case("agrees with the reference on random scores", None, _random_ece_problems(), hidden=True)


# --- exercise 3: a percentile bootstrap interval ---------------------------------------------------------------

ex3 = exercise(
    "ch06-ex3",
    title="A percentile bootstrap interval",
    hints=[
        "Draw n_boot resamples of the sample, each as long as the sample, with replacement; compute the statistic "
        "on each; the interval's ends are quantiles of those n_boot values.",
        "An index matrix does it without a loop: `idx = rng.integers(0, n, (n_boot, n))`, then "
        "`values = statistic(sample[idx], axis=1)`.",
        "The ends are `np.quantile(values, [(1 - level) / 2, (1 + level) / 2])`: for 95 %, the 2.5th and 97.5th "
        "percentiles. Return them as a tuple (low, high).",
    ],
    timeout_s=10.0,
)

_EX3_SAMPLE_SEED = 7


def _interval_of(fn, sample, level, n_boot=4000, seed=1, statistic=np.mean):
    got = fn(np.asarray(sample, dtype=float), statistic=statistic, level=level, n_boot=n_boot, seed=seed)
    if isinstance(got, (tuple, list, np.ndarray)) and len(got) == 2:
        return [to_number(got[0], "the low end"), to_number(got[1], "the high end")]
    return got


def _as_pair(got, what):
    if not (isinstance(got, list) and len(got) == 2):
        raise Failure(f"Your function should return the interval's two ends (low, high) {what}; it returns "
                      f"{kind_of(got)}.")
    low, high = got
    expect(low <= high, f"The interval {what} runs from {low:.4g} to {high:.4g}: return (low, high), low first.")
    return low, high


def _reference_interval(sample, level, statistic=np.mean, n_boot=40_000):
    sample = np.asarray(sample, dtype=float)
    idx = np.random.default_rng(123).integers(0, len(sample), (n_boot, len(sample)))
    return np.quantile(statistic(sample[idx], axis=1), [(1 - level) / 2, (1 + level) / 2])


def _skewed_sample(n=60):
    return np.random.default_rng(_EX3_SAMPLE_SEED).exponential(10.0, n)


def _interval_case(name, hint, level, hidden=False, statistic=np.mean):
    sample = _skewed_sample()

    def observe(fn):
        return _interval_of(fn, sample, level, statistic=statistic)

    def judge(got):
        low, high = _as_pair(got, f"at level {level}")
        want_low, want_high = _reference_interval(sample, level, statistic)
        # Monte Carlo error of a quantile from 4000 resamples: well under 4 % of the width here.
        tol = 0.06 * (want_high - want_low)
        expect(abs(low - want_low) <= tol and abs(high - want_high) <= tol,
               f"At level {level} the interval of the {statistic.__name__} of a skewed sample of 60 should run "
               f"from about {want_low:.3f} to {want_high:.3f}; yours runs from {low:.3f} to {high:.3f}.")

    ex3.case(name, hint=hint, hidden=hidden, observe=observe, judge=judge)


_interval_case("a 95 % interval of the mean of a skewed sample",
               "Take the 2.5th and 97.5th percentiles of the bootstrap means: (1 - level) / 2 and (1 + level) / 2.",
               0.95)
_interval_case("the level sets the interval's width",
               "A 50 % interval runs from the 25th to the 75th percentile of the bootstrap values.", 0.5)
_interval_case("works for another statistic", "Call the statistic you are given on each resample (axis=1).",
               0.9, hidden=True, statistic=np.median)


@ex3.case("constant data give an interval of width 0",
          hint="Every resample of [4, 4, 4, 4, 4] is the same: the interval is (4, 4).")
def _observe_constant(fn):
    return _interval_of(fn, [4.0] * 5, 0.95)


@_observe_constant.judge
def _(got):
    low, high = _as_pair(got, "of constant data")
    expect_number(low, 4.0, tol=1e-12, what="the low end for constant data")
    expect_number(high, 4.0, tol=1e-12, what="the high end for constant data")


@ex3.case("a sample of one value, and of two", hint="A sample of one: every resample is that value. Of two values, "
          "0 and 1: a resample's mean is 0, 0.5 or 1; the 95 % interval is (0, 1).")
def _observe_tiny(fn):
    return [_interval_of(fn, [3.5], 0.95), _interval_of(fn, [0.0, 1.0], 0.95)]


@_observe_tiny.judge
def _(got):
    low, high = _as_pair(got[0], "of a sample of one value")
    expect(low == 3.5 and high == 3.5, f"A sample of one value, 3.5, gives the interval (3.5, 3.5); yours is "
                                       f"({low:g}, {high:g}).")
    low, high = _as_pair(got[1], "of the sample [0, 1]")
    expect(low == 0.0 and high == 1.0, f"The sample [0, 1] gives the 95 % interval (0, 1) (a quarter of the "
                                       f"resamples have mean 0, a quarter mean 1); yours is ({low:g}, {high:g}).")


@ex3.case("covers the true mean about 95 % of the time on a known distribution",
          hint="Resample with replacement, as many values as the sample has: fewer (or without replacement) makes "
               "the interval too wide (or of width 0).")
def _observe_coverage(fn):
    rng = np.random.default_rng(99)
    hits = 0
    for _ in range(100):
        sample = rng.normal(5.0, 2.0, 80)
        got = _interval_of(fn, sample, 0.95, n_boot=500, seed=int(rng.integers(1_000_000)))
        if not (isinstance(got, list) and len(got) == 2):
            return got
        hits += got[0] <= 5.0 <= got[1]
    return hits / 100


@_observe_coverage.judge
def _(got):
    share = to_number(got, "the coverage")
    expect(0.86 <= share <= 0.99, f"On 100 samples of 80 values from a normal distribution with mean 5, your 95 % "
                                  f"intervals covered 5 {share:.0%} of the time; a percentile interval covers about "
                                  f"93-95 % (between 86 % and 99 % on 100 samples).")


# --- exercise 4: a behavioural test ----------------------------------------------------------------------------

ex4 = exercise(
    "ch06-ex4",
    title="A behavioural test: a larger amount must not lower the score",
    hints=[
        "Score the rows as they are, then the same rows with every amount doubled; count the rows whose score fell.",
        "`before = score(rows)`, `after = score(rows.assign(amount=rows.amount * 2))`; the rows that fail are "
        "`after < before`.",
        "Return `int(np.sum(np.asarray(after) < np.asarray(before) - 1e-12))`: a number, 0 when the model passes.",
    ],
)


def _rows():
    rng = np.random.default_rng(5)
    n = 200
    return pd.DataFrame({
        "amount": np.round(rng.lognormal(3.5, 1.2, n), 2),
        "channel": rng.choice(["card_present", "online"], n),
        "hour": rng.integers(0, 24, n),
        "account_age_days": rng.integers(0, 3000, n),
    })


def _monotone(rows):
    return 1 / (1 + np.exp(-(np.log(rows["amount"].to_numpy()) - 6)))


def _constant(rows):
    return np.full(len(rows), 0.01)


def _falls_when_online(rows):
    """A model that scores large online payments lower: it breaks the expectation on the online rows over 200 EUR."""
    base = _monotone(rows)
    online = (rows["channel"] == "online").to_numpy()
    return np.where(online & (rows["amount"].to_numpy() > 200), 0.9 - 0.5 * base, base)


def _falls_everywhere(rows):
    return 1 - _monotone(rows)


def _ignores_amount(rows):
    """Scores by hour only: doubling the amount changes nothing, which the expectation allows."""
    return (rows["hour"].to_numpy() < 6) * 0.3 + 0.01


def _expected_violations(model) -> int:
    rows = _rows()
    return int(np.sum(model(rows.assign(amount=rows["amount"] * 2)) < model(rows) - 1e-12))


def _violations_case(name, hint, models, hidden=False):
    def observe(fn):
        return [fn(model, _rows()) for model, _ in models]

    def judge(got):
        for value, (model, what) in zip(got, models):
            expect_number(value, _expected_violations(model), tol=0, what=f"the rows that fail for {what}")

    ex4.case(name, hint=hint, hidden=hidden, observe=observe, judge=judge)


_violations_case("a model that respects the expectation has no failing rows",
                 "A score that grows with the amount never falls when the amount doubles: return 0.",
                 [(_monotone, "a model whose score grows with the amount")])
_violations_case("a model that ignores the amount passes too",
                 "An unchanged score is not a fall: count only the rows whose score is strictly lower.",
                 [(_constant, "a constant model"), (_ignores_amount, "a model that ignores the amount")])
_violations_case("a model that violates the expectation everywhere fails on every row",
                 "Compare the score after doubling with the score before, row by row.",
                 [(_falls_everywhere, "a model whose score falls with the amount")])
_violations_case("catches a violation on a few rows only",
                 "Count the rows, do not stop at the first: this model breaks the expectation only on large online "
                 "payments.",
                 [(_falls_when_online, "a model that scores large online payments lower")])


@ex4.case("does not change the rows it is given", hidden=True,
          hint="Double the amounts on a copy (`rows.assign(...)`), not in place.")
def _observe_unchanged(fn):
    rows = _rows()
    before = rows.copy()
    fn(_monotone, rows)
    return bool(rows.equals(before))


@_observe_unchanged.judge
def _(got):
    expect(got is True, "Your function changed the rows it was given: double the amounts on a copy.")


# --- exercise 5: an A/B test's sample size and duration ---------------------------------------------------------

ex5 = exercise(
    "ch06-ex5",
    title="An A/B test's sample size and duration",
    hints=[
        "The new rate is p_base * (1 - relative_mde). Cohen's effect size for two proportions is "
        "h = 2 asin(sqrt(p_base)) - 2 asin(sqrt(p_new)).",
        "Per arm: n = 2 ((z_{1 - alpha/2} + z_{power}) / h)^2, with z from scipy.stats.norm.ppf; round it up "
        "(math.ceil).",
        "Both arms fill from the traffic: days = 2 * n_per_arm / payments_per_day. Return "
        "{'n_per_arm': n, 'days': days}.",
    ],
)


def _statsmodels_plan(p_base, relative_mde, payments_per_day, alpha, power):
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize

    p_new = p_base * (1 - relative_mde)
    n = NormalIndPower().solve_power(effect_size=proportion_effectsize(p_base, p_new), alpha=alpha, power=power,
                                     ratio=1.0)
    return float(n), 2 * math.ceil(n) / payments_per_day


def _plan_case(name, hint, problems, hidden=False):
    def observe(fn):
        return [fn(p, mde, per_day, alpha=alpha, power=power) for p, mde, per_day, alpha, power, _ in problems]

    def judge(got):
        for value, (p, mde, per_day, alpha, power, what) in zip(got, problems):
            expect(isinstance(value, dict) and {"n_per_arm", "days"} <= set(value),
                   f"Your function should return a dict with the keys 'n_per_arm' and 'days' {what}; it returns "
                   f"{kind_of(value)}.")
            n_sm, days_sm = _statsmodels_plan(p, mde, per_day, alpha, power)
            n = to_number(value["n_per_arm"], "n_per_arm")
            expect(abs(n - n_sm) <= max(1.5, 1e-4 * n_sm),
                   f"{what}: statsmodels needs {n_sm:,.1f} payments per arm (round up); yours is {n:,.1f}.")
            expect_number(value["days"], days_sm, tol=1e-9, rtol=1e-3, what=f"the days {what}")

    ex5.case(name, hint=hint, hidden=hidden, observe=observe, judge=judge)


_plan_case("a 10 % reduction of a 0.7 % rate at alpha 0.05, power 0.8",
           "Use both tails: z_{1 - alpha/2} is about 1.96 at alpha 0.05; and count two arms.",
           [(0.007, 0.10, 100_000, 0.05, 0.8, "for 0.7 % -> 0.63 % with 100,000 payments a day")])
_plan_case("the alpha and power it is given",
           "Pass alpha and power into the z values: at alpha 0.01 and power 0.9 the test needs more payments.",
           [(0.007, 0.10, 100_000, 0.01, 0.9, "at alpha 0.01 and power 0.9")])
_plan_case("a larger effect needs fewer payments, and more traffic fewer days",
           "The sample size falls with the square of the effect; the days fall with the traffic.",
           [(0.02, 0.25, 5_000, 0.05, 0.8, "for 2 % -> 1.5 % with 5,000 payments a day"),
            (0.02, 0.25, 50_000, 0.05, 0.8, "for 2 % -> 1.5 % with 50,000 payments a day")])
_plan_case("agrees with statsmodels on other rates", None,
           [(0.3, 0.05, 2_000, 0.05, 0.8, "for 30 % -> 28.5 %"), (0.001, 0.5, 1_000_000, 0.05, 0.95,
                                                                   "for 0.1 % -> 0.05 % at power 0.95")],
           hidden=True)
