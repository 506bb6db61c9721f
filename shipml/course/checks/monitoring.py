"""Checks of chapter 9, "Monitoring and drift".

    from shipml.course.checks import run
    run("ch09-ex2", psi)                 # the learner's psi(reference, current, n_bins=10) -> a number
    run("ch09-ex3", alarm_threshold)     # the learner's alarm_threshold(clean_stats, rate) -> a number
    run("ch09-ex4", health_check)        # the learner's health_check(batch, expected_rows, medians) -> problems
    run("ch09-ex5", expected_precision)  # the learner's expected_precision(scores, held) -> a number (NaN: none held)

Each case observes (calls the learner's function on fixed inputs, returns
numbers or lists of strings) and judges against hand-worked values or the
references: `shipml.monitoring.drift.psi`, the order-statistic rule of
`shipml.monitoring.alarms.threshold_for_rate` and a held-out clean stream,
planted incidents and clean days of the course's stream for the health check,
and calibrated cases for the estimate.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from shipml.course.checks import Failure, exercise, expect, expect_number, kind_of, to_number
from shipml.monitoring.alarms import threshold_for_rate
from shipml.monitoring.drift import psi as reference_psi

# --- exercise 2: the population stability index ----------------------------------------------------------------

ex2 = exercise(
    "ch09-ex2",
    title="The population stability index",
    hints=[
        "Cut both samples at the reference's deciles: `edges = np.quantile(reference, np.linspace(0, 1, n_bins + 1))"
        "[1:-1]`; the outer bins run to -inf and +inf, so every value of today has a bin.",
        "Count each sample per bin with `np.searchsorted(edges, values, side='right')` and `np.bincount(..., "
        "minlength=n_bins)`, and divide by the sample's size: shares.",
        "Floor every share at 1e-4 (`np.maximum(shares, 1e-4)`) so that an empty bin keeps the logarithm finite, "
        "then return `float(np.sum((cur - ref) * np.log(cur / ref)))`.",
    ],
)


def _psi_case(name, hint, problems, hidden=False, rtol=1e-3):
    def observe(fn):
        return [fn(np.asarray(ref, dtype=float), np.asarray(cur, dtype=float), n_bins=n_bins)
                for ref, cur, n_bins, _ in problems]

    def judge(got):
        for value, (ref, cur, n_bins, what) in zip(got, problems):
            value = to_number(value, what)
            expect(math.isfinite(value), f"Your PSI {what} is {value}; floor each share at 1e-4 so that an empty "
                                         f"bin gives a large, finite number.")
            expect_number(value, reference_psi(ref, cur, n_bins), tol=1e-9, rtol=rtol, what=f"the PSI {what}")

    ex2.case(name, hint=hint, hidden=hidden, observe=observe, judge=judge)


def _normal(seed, n, mean=0.0, sd=1.0):
    return np.random.default_rng(seed).normal(mean, sd, n)


_psi_case("identical samples give 0",
          "When today's shares equal the reference's, every term (today - reference) x ln(today / reference) is 0.",
          [(_normal(1, 2000), _normal(1, 2000), 10, "of a sample against itself")], rtol=0)
_psi_case("a hand-worked example with four bins",
          "Reference 0..99 in four bins: 25 % each. Today, half at 10 and half at 60: shares 0.5, 0, 0.5, 0. The "
          "empty bins count with a share of 1e-4: 2 x 0.25 ln 2 + 2 x (1e-4 - 0.25) ln(1e-4 / 0.25), about 4.26.",
          [(np.arange(100), [10.0] * 50 + [60.0] * 50, 4, "of the hand-worked example")])
_psi_case("disjoint samples give a large, finite number",
          "Every value of today lies above the reference's largest: all in the last bin, whose outer edge is "
          "+inf. The other bins are empty: floor them at 1e-4 instead of taking log(0).",
          [(_normal(2, 3000), _normal(3, 500, mean=10.0), 10, "of two disjoint samples")])
_psi_case("the bins are the reference's deciles, not today's",
          "Compute the edges from the reference only, and use them for both samples.",
          [(np.random.default_rng(4).uniform(0, 1, 4000), np.random.default_rng(5).uniform(0, 2, 1000), 10,
            "of a uniform sample against one twice as wide"),
           (_normal(6, 4000), _normal(7, 800, mean=0.3, sd=1.5), 5, "with five bins")])
_psi_case("agrees with the reference on random samples", None,
          [(np.random.default_rng(10 + k).lognormal(3, 1, 3000), np.random.default_rng(20 + k).lognormal(
              3 + 0.1 * k, 1 + 0.1 * k, 700), 10, f"of random sample {k}") for k in range(3)], hidden=True)


# --- exercise 3: a threshold for a target false-alarm rate ------------------------------------------------------

ex3 = exercise(
    "ch09-ex3",
    title="An alarm threshold for a target false-alarm rate",
    hints=[
        "With n clean values, a new clean day exceeds the r-th largest of them with probability r / (n + 1).",
        "Take the largest r with r / (n + 1) <= rate: r = floor(rate x (n + 1)); at least 1 (too few clean days: "
        "the largest value is the best they can promise). Drop NaN values first.",
        "`values = np.sort(x[~np.isnan(x)])`, `r = max(1, math.floor(rate * (len(values) + 1)))`, return "
        "`float(values[-r])`.",
    ],
)


def _threshold_case(name, hint, problems, hidden=False):
    def observe(fn):
        return [fn(np.asarray(stats, dtype=float), rate) for stats, rate, _ in problems]

    def judge(got):
        for value, (stats, rate, what) in zip(got, problems):
            expect_number(value, threshold_for_rate(stats, rate), tol=1e-12, what=f"the threshold {what}")

    ex3.case(name, hint=hint, hidden=hidden, observe=observe, judge=judge)


_threshold_case("a hand-worked example: 99 clean days, 5 %",
                "r = floor(0.05 x 100) = 5: the threshold is the 5th largest of 1..99, that is 95. An interpolated "
                "quantile (94.1) lets a new clean day past it more often than 5 %.",
                [(np.arange(1, 100), 0.05, "for the clean days 1..99 at 5 %")])
_threshold_case("the rule r / (n + 1), not a quantile",
                "With 38 clean days at 5 %, r = floor(0.05 x 39) = 1: the largest value. The 95 % quantile of 38 "
                "values (taken upwards) is the second largest, which a new day passes with probability 2/39.",
                [(np.arange(1, 39) * 1.5, 0.05, "for 38 clean days at 5 %")])
_threshold_case("too few clean days: the largest value",
                "20 clean days cannot promise 1 %: r = floor(0.01 x 21) = 0; take the largest value (r = 1).",
                [(np.linspace(0.1, 2.0, 20), 0.01, "for 20 clean days at 1 %")])
_threshold_case("days without a statistic are ignored",
                "A day without data has no statistic (NaN): drop those before you sort and count.",
                [(np.r_[np.arange(1, 100), [np.nan] * 5], 0.05, "with five NaN days")])


@ex3.case("keeps its promise on a held-out clean stream",
          hint="Set the threshold from the clean days given; on new clean days the share above it should be about "
               "the rate, not more.")
def _observe_held_out(fn):
    clean = np.random.default_rng(31).gamma(2.0, 0.01, 499)
    return [fn(clean, 0.02), fn(clean, 0.01)]


@_observe_held_out.judge
def _(got):
    held_out = np.random.default_rng(32).gamma(2.0, 0.01, 400_000)
    for value, rate in zip(got, (0.02, 0.01)):
        value = to_number(value, "the threshold")
        share = float(np.mean(held_out > value))
        expect(share <= 1.35 * rate, f"At a target of {rate:.0%}, your threshold {value:.4g} is passed by "
                                     f"{share:.2%} of new clean days: too many false alarms.")
        expect(share >= 0.5 * rate, f"At a target of {rate:.0%}, your threshold {value:.4g} is passed by only "
                                    f"{share:.2%} of new clean days: so high that it will miss real drift.")


# --- exercise 4: a health check -------------------------------------------------------------------------------

ex4 = exercise(
    "ch09-ex4",
    title="A health check for a day's batch",
    hints=[
        "Three kinds of problem: 'volume' (rows under half or over twice expected_rows), 'nulls' (a missing value, "
        "or a missing column, among the columns of medians) and 'range:<column>' (the batch's median under half or "
        "over twice the healthy median).",
        "Guard each check: an empty batch has no median to compare (skip the ranges), a missing column has none "
        "either (it counts as 'nulls').",
        "Return a list of strings, e.g. ['range:amount'], and [] for a healthy batch.",
    ],
)

_MEDIANS_COLUMNS = ("amount", "hour", "account_age_days")


def _clean_days(n_days=4, seed=0):
    from shipml.data import transactions

    df = transactions(days=n_days, seed=seed)
    day = (df["timestamp"] - df["timestamp"].min().normalize()) // pd.Timedelta(days=1)
    return [part.reset_index(drop=True) for _, part in df.groupby(day)]


def _reference():
    days = _clean_days(6, seed=1)
    both = pd.concat(days)
    return float(np.mean([len(d) for d in days])), {c: float(both[c].median()) for c in _MEDIANS_COLUMNS}


def _health_case(name, hint, batches, hidden=False):
    def observe(fn):
        rows, medians = _reference()
        out = []
        for make, _, _ in batches:
            got = fn(make(), rows, dict(medians))
            out.append(sorted(got) if isinstance(got, (list, tuple, set)) else got)
        return out

    def judge(got):
        for value, (_, want, what) in zip(got, batches):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise Failure(f"Your health check should return a list of strings {what}; it returns "
                              f"{kind_of(value)}.")
            expect(value == sorted(want), f"For {what} the problems are {sorted(want)}; yours are {value}.")

    ex4.case(name, hint=hint, hidden=hidden, observe=observe, judge=judge)


_health_case("clean days raise no problem",
             "On a healthy day nothing fails: compare medians (not means: amounts are heavy-tailed) with a factor "
             "of two either way.",
             [(lambda k=k: _clean_days()[k], [], f"clean day {k}") for k in range(4)])
_health_case("amounts in cents are caught",
             "The median amount is a hundred times the healthy one: 'range:amount'.",
             [(lambda: _clean_days()[0].assign(amount=lambda d: d["amount"] * 100), ["range:amount"],
               "a day with amounts in cents")])
_health_case("an empty day is a volume problem, not a crash",
             "No rows: 'volume'. There is no median to compare, so skip the range checks (and do not divide by "
             "zero).",
             [(lambda: _clean_days()[0].iloc[:0], ["volume"], "an empty day"),
              (lambda: _clean_days()[0].iloc[:300], ["volume"], "a day with a third of its rows")])
_health_case("missing values and missing columns",
             "Any missing value in a checked column is 'nulls'; so is a checked column that is not there at all.",
             [(lambda: _clean_days()[1].assign(hour=lambda d: d["hour"].where(d.index % 50 != 0)), ["nulls"],
               "a day with some hours missing"),
              (lambda: _clean_days()[1].drop(columns="account_age_days"), ["nulls"], "a day without account ages")])
_health_case("several problems at once", None,
             [(lambda: _clean_days()[2].iloc[:200].assign(amount=lambda d: d["amount"] / 100),
               ["range:amount", "volume"], "a fifth of a day with amounts divided by 100"),
              (lambda: _clean_days()[3].assign(hour=lambda d: d["hour"] + 24), ["range:hour"],
               "a day whose hours were shifted by 24")], hidden=True)


# --- exercise 5: the label-free expected precision --------------------------------------------------------------

ex5 = exercise(
    "ch09-ex5",
    title="Expected precision before the labels come",
    hints=[
        "If the scores are calibrated, a held payment scored 0.3 is fraud with probability 0.3: the expected number "
        "of frauds among the held payments is the sum of their scores.",
        "Expected precision = that sum over the number held: the mean score of the held payments only.",
        "Nothing held: the precision is undefined; return float('nan'), never 0 and never a division by zero.",
    ],
)


def _precision_case(name, hint, problems, hidden=False, allow_nan=False):
    def observe(fn):
        return [fn(np.asarray(s, dtype=float), np.asarray(h, dtype=bool)) for s, h, _, _ in problems]

    def judge(got):
        for value, (_, _, want, what) in zip(got, problems):
            expect_number(value, want, tol=1e-9, what=f"the expected precision {what}")

    ex5.case(name, hint=hint, hidden=hidden, observe=observe, judge=judge)


_precision_case("a hand-worked example",
                "Held: the payments scored 0.9 and 0.5; expected frauds 1.4 among 2 held: 0.7.",
                [([0.9, 0.01, 0.5, 0.02], [True, False, True, False], 0.7, "of the hand-worked example")])
_precision_case("only the held payments count",
                "Average the scores of the held payments, not of all payments, and not the share held.",
                [([0.2, 0.4, 0.05, 0.05, 0.05], [True, True, False, False, False], 0.3, "when two of five are held")])
_precision_case("nothing held: NaN, not 0",
                "With no held payment, the precision is undefined: return float('nan').",
                [([0.1, 0.2], [False, False], float("nan"), "when nothing is held")])


@ex5.case("agrees with the realised precision on calibrated scores",
          hint="On calibrated scores the mean score of the held payments is close to their share of fraud.")
def _observe_calibrated(fn):
    rng = np.random.default_rng(51)
    scores = rng.beta(0.3, 20, 200_000)
    held = scores >= np.quantile(scores, 0.99)
    y = rng.random(scores.size) < scores
    return [fn(scores, held), float(y[held].mean())]


@_observe_calibrated.judge
def _(got):
    value, realised = to_number(got[0], "the expected precision"), got[1]
    expect(abs(value - realised) <= 0.02, f"On 200,000 calibrated scores the held payments turned out "
                                           f"{realised:.3f} fraud; your estimate {value:.3f} is off by more than "
                                           f"0.02.")
