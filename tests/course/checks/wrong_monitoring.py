"""Chapter 9's typical wrong answers, each failing the case named for its mistake (see test_wrong_answers.py)."""

import math

import numpy as np
from check_assertions import WrongAnswer
from test_monitoring import health_check


def _shares(edges, x, n_bins):
    return np.bincount(np.searchsorted(edges, x, side="right"), minlength=n_bins) / len(x)


def psi_without_floor(reference, current, n_bins=10):
    """Takes the logarithm of an empty bin's share: infinite (or NaN)."""
    reference, current = np.asarray(reference, dtype=float), np.asarray(current, dtype=float)
    edges = np.quantile(reference, np.linspace(0, 1, n_bins + 1))[1:-1]
    ref, cur = _shares(edges, reference, n_bins), _shares(edges, current, n_bins)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.sum((cur - ref) * np.log(cur / ref)))


def psi_skips_empty_bins(reference, current, n_bins=10):
    """Leaves empty bins out instead of flooring them: disjoint samples look almost stable."""
    reference, current = np.asarray(reference, dtype=float), np.asarray(current, dtype=float)
    edges = np.quantile(reference, np.linspace(0, 1, n_bins + 1))[1:-1]
    ref, cur = _shares(edges, reference, n_bins), _shares(edges, current, n_bins)
    both = (ref > 0) & (cur > 0)
    return float(np.sum((cur[both] - ref[both]) * np.log(cur[both] / ref[both])))


def psi_equal_width(reference, current, n_bins=10):
    """Equal-width bins over the reference's range instead of its quantiles."""
    reference, current = np.asarray(reference, dtype=float), np.asarray(current, dtype=float)
    edges = np.linspace(reference.min(), reference.max(), n_bins + 1)[1:-1]
    ref = np.maximum(_shares(edges, reference, n_bins), 1e-4)
    cur = np.maximum(_shares(edges, current, n_bins), 1e-4)
    return float(np.sum((cur - ref) * np.log(cur / ref)))


def psi_current_bins(reference, current, n_bins=10):
    """Cuts at today's quantiles instead of the reference's."""
    reference, current = np.asarray(reference, dtype=float), np.asarray(current, dtype=float)
    edges = np.quantile(current, np.linspace(0, 1, n_bins + 1))[1:-1]
    ref = np.maximum(_shares(edges, reference, n_bins), 1e-4)
    cur = np.maximum(_shares(edges, current, n_bins), 1e-4)
    return float(np.sum((cur - ref) * np.log(cur / ref)))


def psi_histogram_range(reference, current, n_bins=10):
    """np.histogram over the reference's range: today's values outside it fall out of every bin."""
    reference, current = np.asarray(reference, dtype=float), np.asarray(current, dtype=float)
    edges = np.quantile(reference, np.linspace(0, 1, n_bins + 1))
    ref = np.histogram(reference, edges)[0] / len(reference)
    cur = np.histogram(current, edges)[0] / len(current)
    ref, cur = np.maximum(ref, 1e-4), np.maximum(cur, 1e-4)
    return float(np.sum((cur - ref) * np.log(cur / ref)))


def psi_kl_only(reference, current, n_bins=10):
    """Computes one Kullback-Leibler divergence, sum of today x ln(today / reference), not the PSI."""
    reference, current = np.asarray(reference, dtype=float), np.asarray(current, dtype=float)
    edges = np.quantile(reference, np.linspace(0, 1, n_bins + 1))[1:-1]
    ref = np.maximum(_shares(edges, reference, n_bins), 1e-4)
    cur = np.maximum(_shares(edges, current, n_bins), 1e-4)
    return float(np.sum(cur * np.log(cur / ref)))


def threshold_interpolated_quantile(clean_stats, rate):
    values = np.asarray(clean_stats, dtype=float)
    return float(np.quantile(values[~np.isnan(values)], 1 - rate))


def threshold_quantile_upwards(clean_stats, rate):
    """The (1 - rate) quantile taken upwards: r / (n - 1) instead of r / (n + 1)."""
    values = np.asarray(clean_stats, dtype=float)
    return float(np.quantile(values[~np.isnan(values)], 1 - rate, method="higher"))


def threshold_floor_n(clean_stats, rate):
    """r = floor(rate x n): one clean day too many above the threshold."""
    values = np.asarray(clean_stats, dtype=float)
    values = np.sort(values[~np.isnan(values)])
    return float(values[-max(1, math.floor(rate * len(values)))])


def threshold_keeps_nan(clean_stats, rate):
    """Sorts the NaN days in with the others: NaN sorts last and becomes the 'largest'."""
    values = np.sort(np.asarray(clean_stats, dtype=float))
    return float(values[-max(1, math.floor(rate * (len(values) + 1)))])


def threshold_maximum(clean_stats, rate):
    """Always the largest clean value: the promise holds, but drift slips under a needlessly high bar."""
    return float(np.nanmax(np.asarray(clean_stats, dtype=float)))


def threshold_mean_plus_3sd(clean_stats, rate):
    """Mean plus three standard deviations, whatever the rate and the distribution."""
    values = np.asarray(clean_stats, dtype=float)
    return float(np.nanmean(values) + 3 * np.nanstd(values))


def threshold_mean_plus_2sd(clean_stats, rate):
    """Mean plus two standard deviations, as for a normal statistic: a skewed one passes it far too often."""
    values = np.asarray(clean_stats, dtype=float)
    return float(np.nanmean(values) + 2 * np.nanstd(values))


def health_with_means(batch, expected_rows, medians):
    """Compares each column's mean with the healthy median: heavy-tailed amounts look out of range every day."""
    problems = health_check(batch, expected_rows, medians)
    problems = [p for p in problems if not p.startswith("range:")]
    for column in (c for c in medians if c in batch.columns):
        values = batch[column].dropna()
        if len(values) and not medians[column] / 2 <= values.mean() <= 1.5 * medians[column]:
            problems.append(f"range:{column}")
    return problems


def health_without_volume(batch, expected_rows, medians):
    return [p for p in health_check(batch, expected_rows, medians) if p != "volume"]


def health_ignores_missing_columns(batch, expected_rows, medians):
    """Checks nulls only in the columns that are there."""
    problems = [p for p in health_check(batch, expected_rows, medians) if p != "nulls"]
    present = [c for c in medians if c in batch.columns]
    if batch[present].isna().any().any():
        problems.append("nulls")
    return problems


def health_empty_is_healthy(batch, expected_rows, medians):
    """Returns no problem at all for an empty batch."""
    return [] if len(batch) == 0 else health_check(batch, expected_rows, medians)


def precision_all_scores(scores, held):
    """The mean score of every payment, not of the held ones."""
    return float(np.mean(scores))


def precision_zero_when_none(scores, held):
    scores, held = np.asarray(scores, dtype=float), np.asarray(held, dtype=bool)
    return float(scores[held].mean()) if held.any() else 0.0


def precision_share_held(scores, held):
    """The share of payments held."""
    return float(np.mean(held))


def precision_sum_over_all(scores, held):
    """Expected frauds held over all payments."""
    scores, held = np.asarray(scores, dtype=float), np.asarray(held, dtype=bool)
    return float(scores[held].sum() / len(scores))


def precision_rounded_scores(scores, held):
    """Counts a held payment as fraud when its score is at least 0.5."""
    scores, held = np.asarray(scores, dtype=float), np.asarray(held, dtype=bool)
    return float((scores[held] >= 0.5).mean()) if held.any() else float("nan")


WRONG_ANSWERS = [
    WrongAnswer("ch09-ex2", "no floor on empty bins", psi_without_floor, "a hand-worked example with four bins"),
    WrongAnswer("ch09-ex2", "skips empty bins", psi_skips_empty_bins, "disjoint samples give a large, finite number"),
    WrongAnswer("ch09-ex2", "equal-width bins", psi_equal_width, "disjoint samples give a large, finite number"),
    WrongAnswer("ch09-ex2", "bins from today's quantiles", psi_current_bins,
                "the bins are the reference's deciles, not today's"),
    WrongAnswer("ch09-ex2", "np.histogram drops values outside the reference", psi_histogram_range,
                "disjoint samples give a large, finite number"),
    WrongAnswer("ch09-ex2", "one KL divergence, not the PSI", psi_kl_only, "a hand-worked example with four bins"),
    WrongAnswer("ch09-ex3", "interpolated quantile", threshold_interpolated_quantile,
                "a hand-worked example: 99 clean days, 5 %"),
    WrongAnswer("ch09-ex3", "quantile taken upwards", threshold_quantile_upwards,
                "the rule r / (n + 1), not a quantile"),
    WrongAnswer("ch09-ex3", "r = floor(rate x n)", threshold_floor_n, "a hand-worked example: 99 clean days, 5 %"),
    WrongAnswer("ch09-ex3", "keeps NaN days", threshold_keeps_nan, "days without a statistic are ignored"),
    WrongAnswer("ch09-ex3", "always the maximum", threshold_maximum, "a hand-worked example: 99 clean days, 5 %"),
    WrongAnswer("ch09-ex3", "mean plus 3 sd", threshold_mean_plus_3sd, "a hand-worked example: 99 clean days, 5 %"),
    WrongAnswer("ch09-ex3", "mean plus 2 sd", threshold_mean_plus_2sd, "keeps its promise on a held-out clean stream"),
    WrongAnswer("ch09-ex4", "means instead of medians", health_with_means, "clean days raise no problem"),
    WrongAnswer("ch09-ex4", "no volume check", health_without_volume,
                "an empty day is a volume problem, not a crash"),
    WrongAnswer("ch09-ex4", "a missing column is not a problem", health_ignores_missing_columns,
                "missing values and missing columns"),
    WrongAnswer("ch09-ex4", "an empty day is healthy", health_empty_is_healthy,
                "an empty day is a volume problem, not a crash"),
    WrongAnswer("ch09-ex5", "the mean of all scores", precision_all_scores, "only the held payments count"),
    WrongAnswer("ch09-ex5", "0 when nothing is held", precision_zero_when_none, "nothing held: NaN, not 0"),
    WrongAnswer("ch09-ex5", "the share held", precision_share_held, "a hand-worked example"),
    WrongAnswer("ch09-ex5", "divides by all payments", precision_sum_over_all, "only the held payments count"),
    WrongAnswer("ch09-ex5", "rounds the scores", precision_rounded_scores, "a hand-worked example"),
]
