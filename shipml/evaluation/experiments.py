"""Online experiments: how many payments an A/B test needs, how long that takes, and how a test can lie.

    from shipml.evaluation.experiments import (sample_size_per_arm, power, days_needed, two_proportion_z,
                                               simulate_aa, sample_ratio_mismatch)
    n = sample_size_per_arm(0.005, 0.004)             # payments per arm to see 0.5 % -> 0.4 % at alpha 0.05, power 0.8
    power(0.005, 0.004, n)                            # about 0.8
    days_needed(n, payments_per_day=10_000_000, share=0.01)   # both arms, with 1 % of traffic in the test
    z, p_value = two_proportion_z(x_a, n_a, x_b, n_b)  # the pooled two-proportion z-test (vectorised)
    simulate_aa(0.005, per_day=2_000, days=14, n_tests=1000, peeking=True)   # share of A/A tests "significant"
    sample_ratio_mismatch(n_a, n_b)                   # p-value of the chi-square test of a 50/50 split

The metric is a proportion per payment (in the course: the share of payments
that are fraud the model let through, both arms held to the same review
capacity). The sample size uses Cohen's effect size for proportions,
`h = 2 asin(sqrt(p_a)) - 2 asin(sqrt(p_b))`, and the normal approximation:
`n = 2 ((z_{1 - alpha/2} + z_{power}) / h)^2` per arm (each arm's
`2 asin(sqrt(p_hat))` has variance about 1/n, their difference 2/n), which is what
statsmodels' `NormalIndPower` solves with `proportion_effectsize` (up to the
far tail it adds, below 1e-6 here).

An A/A test runs the same model in both arms: every "significant" result is a
false positive. Read once at the planned end, a share `alpha` of A/A tests is
significant; read every day and stopped at the first significant day
("peeking"), far more are. `simulate_aa` draws each day's counts per arm as
binomials, all tests and days at once.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np

__all__ = ["days_needed", "effect_size", "power", "sample_ratio_mismatch", "sample_size_per_arm", "simulate_aa",
           "two_proportion_z"]


def _rate(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not 0 < float(value) < 1:
        raise ValueError(f"{name} is a proportion strictly between 0 and 1; got {value!r}.")
    return float(value)


def effect_size(p_a: float, p_b: float) -> float:
    """Cohen's h for two proportions: 2 asin(sqrt(p_a)) - 2 asin(sqrt(p_b)) (statsmodels' proportion_effectsize)."""
    p_a, p_b = _rate(p_a, "p_a"), _rate(p_b, "p_b")
    return 2 * math.asin(math.sqrt(p_a)) - 2 * math.asin(math.sqrt(p_b))


def sample_size_per_arm(p_base: float, p_new: float, *, alpha: float = 0.05, power: float = 0.8) -> int:
    """Payments per arm for a two-sided test at `alpha` to detect p_base -> p_new with probability `power`."""
    from scipy.stats import norm

    alpha, power_ = _rate(alpha, "alpha"), _rate(power, "power")
    h = effect_size(p_base, p_new)
    if h == 0:
        raise ValueError("p_base and p_new are equal: no sample size detects a difference of 0.")
    n = 2 * ((norm.ppf(1 - alpha / 2) + norm.ppf(power_)) / h) ** 2  # the difference of two arms: variance 2/n
    return math.ceil(n)


def power(p_base: float, p_new: float, n_per_arm, *, alpha: float = 0.05):
    """The chance that a two-sided test at `alpha` with n_per_arm payments per arm sees p_base -> p_new.

    `n_per_arm` may be an array (a power curve); both tails are counted.
    """
    from scipy.stats import norm

    alpha = _rate(alpha, "alpha")
    h = abs(effect_size(p_base, p_new))
    n = np.asarray(n_per_arm, dtype=float)
    if (n < 0).any():
        raise ValueError("n_per_arm is a number of payments, at least 0.")
    z = norm.ppf(1 - alpha / 2)
    shift = h * np.sqrt(n / 2)
    result = norm.sf(z - shift) + norm.cdf(-z - shift)
    return float(result) if result.ndim == 0 else result


def days_needed(n_per_arm: int, payments_per_day: float, *, share: float = 1.0, arms: int = 2) -> float:
    """Days of traffic for `arms` arms of n_per_arm payments when `share` of payments_per_day enter the test."""
    if not payments_per_day > 0:
        raise ValueError(f"payments_per_day is a positive number; got {payments_per_day!r}.")
    if isinstance(share, bool) or not isinstance(share, Real) or not 0 < share <= 1:
        raise ValueError(f"share is the part of the traffic in the test, in (0, 1]; got {share!r}.")
    return arms * n_per_arm / (share * payments_per_day)


def two_proportion_z(x_a, n_a, x_b, n_b):
    """The pooled two-proportion z statistic (b - a) and its two-sided p-value; arrays broadcast."""
    from scipy.stats import norm

    x_a, n_a, x_b, n_b = (np.asarray(v, dtype=float) for v in (x_a, n_a, x_b, n_b))
    if (n_a <= 0).any() or (n_b <= 0).any():
        raise ValueError("each arm needs at least one payment.")
    pooled = (x_a + x_b) / (n_a + n_b)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(se > 0, (x_b / n_b - x_a / n_a) / np.where(se > 0, se, 1), 0.0)
    p_value = 2 * norm.sf(np.abs(z))
    if z.ndim == 0:
        return float(z), float(p_value)
    return z, p_value


def simulate_aa(p: float, *, per_day: int, days: int, n_tests: int = 1000, alpha: float = 0.05,
                peeking: bool = False, seed: int = 0) -> float:
    """The share of A/A tests (both arms at rate p) declared significant.

    Each test runs `days` days with `per_day` payments per arm a day. Without peeking it is read once at the
    end; with peeking it is read after every day and stopped at the first p-value below alpha.
    """
    p = _rate(p, "p")
    for name, value in (("per_day", per_day), ("days", days), ("n_tests", n_tests)):
        if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
            raise ValueError(f"{name} is a whole number of at least 1; got {value!r}.")
    rng = np.random.default_rng(seed)
    cases = rng.binomial(per_day, p, size=(2, n_tests, days)).cumsum(axis=2)
    n = per_day * np.arange(1, days + 1)
    _, p_values = two_proportion_z(cases[0], n, cases[1], n)
    significant = p_values < alpha
    return float(significant.any(axis=1).mean() if peeking else significant[:, -1].mean())


def sample_ratio_mismatch(n_a: int, n_b: int, *, expected_share_a: float = 0.5) -> float:
    """The p-value of the chi-square test that the arms got n_a and n_b payments from the planned split."""
    from scipy.stats import chi2

    share = _rate(expected_share_a, "expected_share_a")
    if n_a < 0 or n_b < 0 or n_a + n_b == 0:
        raise ValueError("n_a and n_b are counts of payments, at least one in all.")
    total = n_a + n_b
    expected = np.array([share * total, (1 - share) * total])
    statistic = float((((np.array([n_a, n_b]) - expected) ** 2) / expected).sum())
    return float(chi2.sf(statistic, df=1))
