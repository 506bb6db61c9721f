"""Drift between a reference sample and today's: by hand, each measure agreeing with scipy where scipy has it.

    from shipml.monitoring.drift import psi, ks_statistic, js_distance, wasserstein, chi_square, drift_table
    psi(reference_amounts, today_amounts)           # population stability index over the reference's deciles
    psi(reference_channels, today_channels)         # the same over categories (text values)
    ks_statistic(a, b), wasserstein(a, b)           # numbers: scipy's ks_2samp and wasserstein_distance agree
    js_distance(a, b)                               # Jensen-Shannon distance, base 2 (0: same, 1: disjoint)
    chi_square(reference_channels, today_channels)  # (statistic, p-value) of today's counts against the reference
    drift_table(df_reference, df_today)             # one row per feature: every measure, and a status
    psi_by_day(df_reference, df, "amount")          # one PSI per day of df (binned once: fast)
    p_values_by_day(df_reference, df, "amount")     # one test per day: KS for numbers, chi-square for categories

Bins. A numeric feature is cut at the reference's deciles (`n_bins`
quantiles; the outer bins run to -inf and +inf, so every value has a bin); a
value on an edge goes to the bin on its right. A categorical feature's bins are
the reference's categories plus every category only today has.

Bad input gets a stated result, never a crash: an empty sample gives NaN and
the status "no rows"; a feature missing from today's data gives NaN and
"missing"; fewer than `MIN_ROWS` rows are measured but flagged "too few rows";
a category never seen in the reference gets a bin of its own whose reference
share is floored at `EPS` (large, finite drift), and its share of today is
reported. An empty bin is floored at `EPS` in the PSI, which keeps the
logarithm finite.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["CATEGORICAL", "EPS", "MIN_ROWS", "NUMERIC", "bin_edges", "chi_square", "drift_table", "js_distance",
           "ks_statistic", "p_values_by_day", "psi", "psi_by_day", "shares", "wasserstein"]

NUMERIC = ("amount", "hour", "account_age_days")
CATEGORICAL = ("merchant_category", "country", "channel", "device")
EPS = 1e-4      # the smallest share a bin may have in the PSI: an empty bin is not -inf
MIN_ROWS = 30   # below this many rows a drift number is reported but flagged as too few to judge


def _is_categorical(values) -> bool:
    values = pd.Series(values) if not isinstance(values, pd.Series) else values
    return not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)


def bin_edges(reference, n_bins: int = 10) -> np.ndarray:
    """The inner edges of `n_bins` quantile bins of the reference (duplicates dropped)."""
    reference = np.asarray(reference, dtype=float)
    reference = reference[~np.isnan(reference)]
    if reference.size == 0:
        return np.array([])
    return np.unique(np.quantile(reference, np.linspace(0, 1, n_bins + 1))[1:-1])


def _numeric_counts(values, edges) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    return np.bincount(np.searchsorted(edges, values, side="right"), minlength=len(edges) + 1)


def _category_counts(reference, current):
    ref = pd.Series(reference).dropna().astype(str).value_counts()
    cur = pd.Series(current).dropna().astype(str).value_counts()
    categories = list(ref.index) + [c for c in cur.index if c not in ref.index]
    return (categories, ref.reindex(categories, fill_value=0).to_numpy(), cur.reindex(categories, fill_value=0)
            .to_numpy())


def shares(reference, current, n_bins: int = 10):
    """(bins, reference shares, current shares): quantile bins for numbers, categories for text."""
    if _is_categorical(reference) or _is_categorical(current):
        bins, ref, cur = _category_counts(reference, current)
    else:
        edges = bin_edges(reference, n_bins)
        bins = [f"< {edges[0]:g}"] if len(edges) else ["all"]
        bins = bins + [f">= {e:g}" for e in edges]
        ref, cur = _numeric_counts(reference, edges), _numeric_counts(current, edges)
    with np.errstate(invalid="ignore", divide="ignore"):
        return bins, ref / ref.sum() if ref.sum() else ref * np.nan, cur / cur.sum() if cur.sum() else cur * np.nan


def _psi_of_shares(ref: np.ndarray, cur: np.ndarray, eps: float = EPS) -> float:
    if np.isnan(ref).any() or np.isnan(cur).any():
        return float("nan")
    ref, cur = np.maximum(ref, eps), np.maximum(cur, eps)
    return float(np.sum((cur - ref) * np.log(cur / ref)))


def psi(reference, current, n_bins: int = 10, eps: float = EPS) -> float:
    """The population stability index: sum over bins of (today - reference) x ln(today / reference), shares >= eps.

    0 for identical shares; under 0.1 is read as stable, over 0.25 as a large shift (a rule of thumb, not a
    calibrated threshold). NaN when either sample is empty.
    """
    _, ref, cur = shares(reference, current, n_bins)
    return _psi_of_shares(ref, cur, eps)


def js_distance(reference, current, n_bins: int = 10) -> float:
    """The Jensen-Shannon distance (base 2) between the binned shares: 0 identical, 1 disjoint; NaN if empty."""
    _, ref, cur = shares(reference, current, n_bins)
    if np.isnan(ref).any() or np.isnan(cur).any():
        return float("nan")
    mid = (ref + cur) / 2

    def kl(p):  # Kullback-Leibler divergence to the mixture; an empty bin adds nothing (0 log 0 = 0)
        inside = p > 0
        return float(np.sum(p[inside] * np.log2(p[inside] / mid[inside])))

    return float(np.sqrt(max(0.0, (kl(ref) + kl(cur)) / 2)))


def _clean_numbers(values) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    return np.sort(values[~np.isnan(values)])


def ks_statistic(reference, current) -> float:
    """The two-sample Kolmogorov-Smirnov statistic: the largest gap between the two empirical CDFs; NaN if empty."""
    a, b = _clean_numbers(reference), _clean_numbers(current)
    if a.size == 0 or b.size == 0:
        return float("nan")
    grid = np.concatenate([a, b])
    gap = np.searchsorted(a, grid, side="right") / a.size - np.searchsorted(b, grid, side="right") / b.size
    return float(np.max(np.abs(gap)))


def wasserstein(reference, current) -> float:
    """The 1-Wasserstein (earth mover's) distance: the area between the two empirical CDFs; NaN if empty."""
    a, b = _clean_numbers(reference), _clean_numbers(current)
    if a.size == 0 or b.size == 0:
        return float("nan")
    grid = np.sort(np.concatenate([a, b]))
    cdf_a = np.searchsorted(a, grid[:-1], side="right") / a.size
    cdf_b = np.searchsorted(b, grid[:-1], side="right") / b.size
    return float(np.sum(np.abs(cdf_a - cdf_b) * np.diff(grid)))


def chi_square(reference, current, eps: float = EPS) -> tuple[float, float]:
    """Pearson's chi-square of today's category counts against the reference's shares: (statistic, p-value).

    A category the reference never saw is expected with share `eps`: its rows make the statistic large, as they
    should. (NaN, NaN) when either sample is empty.
    """
    from scipy.stats import chi2

    categories, ref, cur = _category_counts(reference, current)
    if ref.sum() == 0 or cur.sum() == 0:
        return float("nan"), float("nan")
    expected_share = np.maximum(ref / ref.sum(), eps)
    expected = expected_share / expected_share.sum() * cur.sum()
    statistic = float(np.sum((cur - expected) ** 2 / expected))
    return statistic, float(chi2.sf(statistic, max(1, len(categories) - 1)))


def drift_table(reference: pd.DataFrame, current: pd.DataFrame, numeric=NUMERIC, categorical=CATEGORICAL,
                n_bins: int = 10) -> pd.DataFrame:
    """One row per feature: PSI, Jensen-Shannon distance, KS and Wasserstein (numbers) or chi-square p (categories).

    `status` says what a number can be trusted for: "ok", "no rows", "missing" (not in today's data),
    "too few rows", or "unseen categories: x%" (the share of today's rows in categories the reference lacks).
    """
    rows = []
    for feature in (*numeric, *categorical):
        row = {"feature": feature, "kind": "number" if feature in numeric else "category", "n": len(current)}
        if feature not in getattr(current, "columns", ()) or feature not in reference.columns:
            rows.append({**row, "n": 0, "status": "missing"})
            continue
        ref, cur = reference[feature], current[feature].dropna()
        row["n"] = len(cur)
        if len(cur) == 0 or len(ref) == 0:
            rows.append({**row, "status": "no rows"})
            continue
        row["psi"], row["js"] = psi(ref, cur, n_bins), js_distance(ref, cur, n_bins)
        if feature in numeric:
            row["ks"], row["wasserstein"] = ks_statistic(ref, cur), wasserstein(ref, cur)
            status = "ok"
        else:
            row["chi2_p"] = chi_square(ref, cur)[1]
            unseen = ~cur.astype(str).isin(set(ref.astype(str)))
            status = f"unseen categories: {unseen.mean():.1%}" if unseen.any() else "ok"
        if len(cur) < MIN_ROWS:
            status = "too few rows" if status == "ok" else f"too few rows; {status}"
        rows.append({**row, "status": status})
    columns = ["feature", "kind", "n", "psi", "js", "ks", "wasserstein", "chi2_p", "status"]
    return pd.DataFrame(rows).reindex(columns=columns).set_index("feature")


def psi_by_day(reference: pd.DataFrame | pd.Series, df: pd.DataFrame, feature: str, day: str = "day",
               n_bins: int = 10, eps: float = EPS, days=None) -> pd.Series:
    """The PSI of `feature` for each day of `df` against the reference, binned once (NaN for a day without rows)."""
    ref_values = reference[feature] if isinstance(reference, pd.DataFrame) else reference
    days = np.sort(df[day].unique()) if days is None else np.asarray(days)
    if feature not in df.columns:
        return pd.Series(np.nan, index=pd.Index(days, name=day), name=feature)
    if _is_categorical(ref_values) or _is_categorical(df[feature]):
        categories, ref_counts, _ = _category_counts(ref_values, df[feature])
        codes = pd.Categorical(df[feature].astype(str), categories=categories).codes
        n_bins_total = len(categories)
    else:
        edges = bin_edges(ref_values, n_bins)
        ref_counts = _numeric_counts(ref_values, edges)
        values = df[feature].to_numpy(dtype=float)
        codes = np.where(np.isnan(values), -1, np.searchsorted(edges, values, side="right"))
        n_bins_total = len(edges) + 1
    ref = ref_counts / ref_counts.sum()
    table = pd.crosstab(df[day].to_numpy(), codes).reindex(index=days, columns=range(n_bins_total), fill_value=0)
    out = {}
    for d, counts in zip(days, table.to_numpy()):
        total = counts.sum()
        out[d] = _psi_of_shares(ref, counts / total, eps) if total else float("nan")
    return pd.Series(out, name=feature).rename_axis(day)


def p_values_by_day(reference: pd.DataFrame | pd.Series, df: pd.DataFrame, feature: str, day: str = "day",
                    days=None) -> pd.Series:
    """The p-value of each day of `df` against the reference: Kolmogorov-Smirnov (numbers) or chi-square.

    The KS p-value is scipy's asymptotic one (`ks_2samp`'s method for a reference of more than 10,000 rows):
    the two-sided Kolmogorov distribution at the effective size n m / (n + m). NaN for a day without rows.
    """
    from scipy.stats import chi2, kstwo

    ref_values = reference[feature] if isinstance(reference, pd.DataFrame) else reference
    days = np.sort(df[day].unique()) if days is None else np.asarray(days)
    out = dict.fromkeys(days, float("nan"))
    if feature not in df.columns:
        return pd.Series(out, name=feature, dtype=float).rename_axis(day)
    if _is_categorical(ref_values) or _is_categorical(df[feature]):
        categories, ref_counts, _ = _category_counts(ref_values, df[feature])
        expected_share = np.maximum(ref_counts / ref_counts.sum(), EPS)
        expected_share = expected_share / expected_share.sum()
        codes = pd.Categorical(df[feature].astype(str), categories=categories).codes
        table = pd.crosstab(df[day].to_numpy(), codes).reindex(index=days, columns=range(len(categories)),
                                                                fill_value=0)
        for d, counts in zip(days, table.to_numpy()):
            if counts.sum():
                expected = expected_share * counts.sum()
                out[d] = float(chi2.sf(np.sum((counts - expected) ** 2 / expected), max(1, len(categories) - 1)))
    else:
        ref_sorted = _clean_numbers(ref_values)
        for d, rows in df.groupby(day)[feature]:
            today = _clean_numbers(rows)
            if today.size and ref_sorted.size and d in out:
                statistic = ks_statistic(ref_sorted, today)
                n, m = ref_sorted.size, today.size
                out[d] = float(np.clip(kstwo.sf(statistic, np.round(n * m / (n + m))), 0, 1))
    return pd.Series(out, name=feature, dtype=float).rename_axis(day)
