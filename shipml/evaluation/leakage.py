"""Leakage, measured: the same model under honest and leaky features and splits.

    from shipml.evaluation.leakage import leakage_grid
    grid = leakage_grid(df_clean)                 # {("point-in-time", "time"): Scored(...), ...}
    grid["peeking", "random"].pr_auc - grid["point-in-time", "time"].pr_auc   # the inflation

`features`: "point-in-time" (`shipml.features.point_in_time.account_features`) or
"peeking" (`peeking_features`, which sees the future). `split`: "time" (train
on the oldest 70 %, validate on the newest 30 %) or "random" (a shuffled 70/30
split, as if the transactions were independent). All four are computed at once,
so an explorer that switches between them costs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from shipml.evaluation.metrics import pr_auc
from shipml.features.handmade import handmade_features
from shipml.features.point_in_time import account_features, peeking_features

__all__ = ["FEATURE_SETS", "SPLITS", "Scored", "leakage_grid", "model_matrix", "split_rows"]

FEATURE_SETS = ("point-in-time", "peeking")
SPLITS = ("time", "random")


@dataclass(frozen=True)
class Scored:
    """Validation labels and scores of one (features, split) combination, and its PR-AUC."""

    y_val: np.ndarray
    scores: np.ndarray
    pr_auc: float


def model_matrix(df: pd.DataFrame, feature_set: str) -> pd.DataFrame:
    """Chapter 1's hand-made features plus the two rolling ones (log-scaled); df in time order.

    No encoding of its own: the category one-hot is `handmade_features`'s, which is the encoder's.
    """
    extra = account_features(df, df) if feature_set == "point-in-time" else peeking_features(df)
    extra = extra.assign(tx_last_24h=np.log1p(extra["tx_last_24h"]), amount_vs_mean=np.log(extra["amount_vs_mean"]))
    return handmade_features(df).join(extra)


def split_rows(n: int, split: str, seed: int = 0, val: float = 0.3):
    """Train and validation positions: the newest `val` share by time, or a random one."""
    cut = int(round((1 - val) * n))
    if split == "time":
        return np.arange(cut), np.arange(cut, n)
    order = np.random.default_rng(seed).permutation(n)
    return np.sort(order[:cut]), np.sort(order[cut:])


def leakage_grid(df_clean: pd.DataFrame, seed: int = 0, split_fn=None) -> dict[tuple[str, str], Scored]:
    """Validation PR-AUC of a logistic regression for each feature set and split (`split_fn` like split_rows)."""
    split_fn = split_rows if split_fn is None else split_fn
    df = df_clean.sort_values(["timestamp", "transaction_id"], kind="stable").reset_index(drop=True)
    y = df["is_fraud"].to_numpy()
    grid = {}
    for feature_set in FEATURE_SETS:
        X = model_matrix(df, feature_set).to_numpy(dtype=float)
        for split in SPLITS:
            train, val = (np.asarray(p) for p in split_fn(len(df), split, seed=seed))
            model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
            model.fit(X[train], y[train])
            scores = model.predict_proba(X[val])[:, 1]
            grid[feature_set, split] = Scored(y[val], scores, pr_auc(y[val], scores))
    return grid
