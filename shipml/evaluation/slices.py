"""Slices: how a decision does on each part of the traffic, with an interval, and which parts do worst.

    from shipml.evaluation.slices import amount_band, account_tenure, slice_table
    dimensions = {"merchant category": df_test.merchant_category, "channel": df_test.channel,
                  "amount band": amount_band(df_test.amount), "account": account_tenure(df_test.account_age_days)}
    table = slice_table(df_test, held, dimensions, amounts=df_test.amount)   # one row per slice
    table.sort_values("recall").head()                                       # the worst slices

Per slice: its payments and frauds, the share of its fraud the decision
holds (recall) with a bootstrap interval over whole days
(`shipml.evaluation.bootstrap.ratio_over_days`), the share of its legitimate
payments held (the false-alarm rate) and the EUR of fraud it lets through. A
slice with few frauds gets a wide interval: the table says how little a
small slice can tell.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from shipml.evaluation.bootstrap import ratio_over_days

__all__ = ["AMOUNT_BANDS", "NEW_ACCOUNT_DAYS", "account_tenure", "amount_band", "slice_table"]

#: Edges of the amount bands in EUR: below 20, 20 to 100, 100 to 500, 500 and above.
AMOUNT_BANDS = (20.0, 100.0, 500.0)
#: An account younger than this many days is "new".
NEW_ACCOUNT_DAYS = 30


def amount_band(amounts) -> pd.Categorical:
    """Each amount's band: '< 20', '20-100', '100-500', '>= 500' (EUR)."""
    a = np.asarray(amounts, dtype=float)
    labels = ["< 20", "20-100", "100-500", ">= 500"]
    return pd.Categorical.from_codes(np.searchsorted(AMOUNT_BANDS, a, side="right"), labels)


def account_tenure(account_age_days, new_days: int = NEW_ACCOUNT_DAYS) -> pd.Categorical:
    """'new' for an account younger than new_days days, else 'known'."""
    age = np.asarray(account_age_days, dtype=float)
    return pd.Categorical(np.where(age < new_days, "new", "known"), categories=["new", "known"])


def slice_table(df: pd.DataFrame, held, dimensions: dict, *, amounts=None, day_column: str = "timestamp",
                n_boot: int = 2000, seed: int = 0, level: float = 0.9) -> pd.DataFrame:
    """One row per slice of each dimension: payments, fraud, recall with its interval, false alarms, missed EUR."""
    held = np.asarray(held, dtype=bool)
    fraud = df["is_fraud"].to_numpy().astype(bool)
    if held.shape != fraud.shape:
        raise ValueError(f"held has {held.size} values for {fraud.size} payments: one decision per payment.")
    amounts = df["amount"].to_numpy(dtype=float) if amounts is None else np.asarray(amounts, dtype=float)
    day = pd.factorize(df[day_column].dt.floor("D"), sort=True)[0]
    n_days = day.max() + 1
    rows = []
    for dimension, labels in dimensions.items():
        labels = pd.Series(np.asarray(labels, dtype=object), index=df.index)
        if len(labels) != len(df):
            raise ValueError(f"the dimension {dimension!r} has {len(labels)} labels for {len(df)} payments.")
        for value in pd.unique(labels):
            inside = (labels == value).to_numpy()
            f, h = fraud & inside, held & inside
            row = {"dimension": dimension, "slice": str(value), "payments": int(inside.sum()),
                   "fraud": int(f.sum()), "fraud_held": int((f & h).sum())}
            if row["fraud"]:
                caught = np.bincount(day[f & h], minlength=n_days)
                total = np.bincount(day[f], minlength=n_days)
                interval = ratio_over_days(caught, total, n_boot=n_boot, seed=seed, level=level)
                row.update(recall=interval.estimate, recall_low=interval.low, recall_high=interval.high)
            else:
                row.update(recall=np.nan, recall_low=np.nan, recall_high=np.nan)
            legit = inside & ~fraud
            row["false_alarm_rate"] = float((h & ~fraud).sum() / legit.sum()) if legit.any() else np.nan
            row["missed_eur"] = float(amounts[f & ~h].sum())
            rows.append(row)
    return pd.DataFrame(rows)
