"""The health of a day's batch: volume, schema, missing values, value ranges and categories, against clean days.

    from shipml.monitoring.health import health_reference, check_health, problems
    reference = health_reference(clean_days)         # what a healthy day looks like (a frame with a `day` column)
    findings = check_health(batch, reference)        # one row per check: check, column, ok, detail
    problems(findings)                               # ["range:amount"]: the checks that failed; [] when healthy

These are rules, not statistics: a broken feed moves a median a hundredfold or
empties a column, far past any day-to-day noise, so wide fixed tolerances
catch it on its first day without false alarms. The contract
(`shipml.data.contract`) cannot: an amount in cents is still a positive number.

Bad input gets a stated result: an empty batch fails "volume" and its other
checks say "not run: no rows"; a batch of fewer than `MIN_ROWS` rows fails
"volume" and skips the distribution checks ("too few rows to judge"); a missing
column fails "schema"; a category never seen on clean days counts towards
"categories".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from shipml.monitoring.drift import CATEGORICAL, MIN_ROWS, NUMERIC

__all__ = ["HealthReference", "check_health", "health_reference", "problems"]


@dataclass(frozen=True)
class HealthReference:
    """What a healthy day looks like: rows a day, the columns, medians, 0.1 % and 99.9 % quantiles, categories."""

    rows: float
    columns: tuple
    medians: dict
    low: dict
    high: dict
    categories: dict = field(default_factory=dict)


def health_reference(clean: pd.DataFrame, day: str = "day", numeric=NUMERIC, categorical=CATEGORICAL):
    """The reference of healthy days from a frame of clean days (`day` numbers them)."""
    rows = float(clean.groupby(day).size().mean()) if day in clean.columns else float(len(clean))
    return HealthReference(
        rows=rows, columns=tuple(c for c in (*numeric, *categorical) if c in clean.columns),
        medians={c: float(clean[c].median()) for c in numeric if c in clean.columns},
        low={c: float(clean[c].quantile(0.001)) for c in numeric if c in clean.columns},
        high={c: float(clean[c].quantile(0.999)) for c in numeric if c in clean.columns},
        categories={c: sorted(clean[c].dropna().astype(str).unique()) for c in categorical if c in clean.columns})


def check_health(batch: pd.DataFrame, reference: HealthReference, *, volume_tolerance: float = 0.5,
                 max_null_share: float = 0.01, median_factor: float = 2.0, max_outside_share: float = 0.05,
                 max_unseen_share: float = 0.01) -> pd.DataFrame:
    """One row per check of `batch`: `check`, `column`, `ok` and a `detail` sentence."""
    found = []

    def add(check, column, ok, detail):
        found.append({"check": check, "column": column, "ok": bool(ok), "detail": detail})

    n = len(batch)
    low, high = (1 - volume_tolerance) * reference.rows, (1 + volume_tolerance) * reference.rows
    add("volume", "", low <= n <= high, f"{n:,} rows; a healthy day has about {reference.rows:,.0f}")
    columns = getattr(batch, "columns", ())
    for column in reference.columns:
        if column not in columns:
            add("schema", column, False, "missing from the batch")
    if n == 0:
        add("distribution", "", True, "not run: no rows")
        return pd.DataFrame(found)
    for column in (c for c in reference.columns if c in columns):
        share = float(batch[column].isna().mean())
        add("nulls", column, share <= max_null_share, f"{share:.1%} missing")
    if n < MIN_ROWS:
        add("distribution", "", True, f"not run: {n} rows are too few to judge")
        return pd.DataFrame(found)
    for column, median in reference.medians.items():
        if column not in columns:
            continue
        values = pd.to_numeric(batch[column], errors="coerce").dropna()
        today = float(values.median()) if len(values) else float("nan")
        ok = bool(np.isfinite(today)) and (median / median_factor <= today <= median * median_factor
                                          if median > 0 else abs(today - median) <= abs(median) + 1)
        add("range", column, ok, f"median {today:,.4g}, healthy {median:,.4g}")
        outside = float(((values < reference.low[column]) | (values > reference.high[column])).mean())
        add("outliers", column, outside <= max_outside_share, f"{outside:.1%} outside the healthy 0.1-99.9 % range")
    for column, known in reference.categories.items():
        if column not in columns:
            continue
        values = batch[column].dropna().astype(str)
        unseen = values[~values.isin(known)]
        share = len(unseen) / len(values) if len(values) else 0.0
        named = f" ({', '.join(sorted(unseen.unique())[:3])})" if len(unseen) else ""
        add("categories", column, share <= max_unseen_share, f"{share:.1%} in categories never seen{named}")
    return pd.DataFrame(found)


def problems(findings: pd.DataFrame) -> list[str]:
    """The failed checks as "check:column" ("volume" alone), in the order they were made; [] when healthy."""
    failed = findings[~findings["ok"]]
    return [check if not column else f"{check}:{column}" for check, column in zip(failed["check"], failed["column"])]
