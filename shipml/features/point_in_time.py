"""Point-in-time features: per-account rolling features from strictly earlier events only.

    from shipml.features.point_in_time import account_features, online_features, peeking_features
    X_pit = account_features(df_clean, df_clean)          # offline: a batch against its own history
    one = online_features(transaction, history)            # online: one incoming transaction (a dict)
    X_leaky = peeking_features(df_clean)                  # the naive version that sees the future

For each transaction at time t of account a, `account_features` looks only at
the events of a in `history` with a timestamp strictly before t: events at the
same instant, and the transaction itself, are not "before". The same function
serves a batch (offline, for training) and one transaction (online, for
serving), so the two cannot drift apart.

- `tx_last_24h`: how many of the account's transactions fall in [t - 24 h, t).
- `amount_vs_mean`: the amount divided by the mean of all the account's
  earlier amounts; 1.0 for an account's first transaction (nothing to compare).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["FEATURES", "account_features", "online_features", "peeking_features"]

FEATURES = ("tx_last_24h", "amount_vs_mean")


def account_features(history: pd.DataFrame, queries: pd.DataFrame, window: str = "24h") -> pd.DataFrame:
    """Rolling features of each row of `queries`, from the rows of `history` strictly before it."""
    accounts = pd.Index(pd.unique(pd.concat([history["account_id"], queries["account_id"]]).to_numpy()))
    origin = min(history["timestamp"].min(), queries["timestamp"].min()) if len(history) else queries["timestamp"].min()
    span = np.int64(10**15)  # microseconds per account in the sort key: about 31 years of history

    def keys(df):
        code = accounts.get_indexer(df["account_id"]).astype(np.int64)
        micros = ((df["timestamp"] - origin) // pd.Timedelta(microseconds=1)).to_numpy(dtype=np.int64)
        return code, code * span + micros

    h_code, h_key = keys(history)
    order = np.argsort(h_key, kind="stable")
    h_key = h_key[order]
    amounts = history["amount"].to_numpy(dtype=float)[order]
    # Running sums restart for each account, so an account's sums never depend on other accounts' rows:
    # the online path (a filtered history) then gives bit-for-bit the same numbers as the batch.
    running = pd.Series(amounts).groupby(h_code[order]).cumsum().to_numpy()

    q_code, q_key = keys(queries)
    start = np.searchsorted(h_key, q_code * span, side="left")       # the account's first event
    before = np.searchsorted(h_key, q_key, side="left")              # strictly earlier: same instant excluded
    window_us = np.int64(pd.Timedelta(window) // pd.Timedelta(microseconds=1))
    since = np.maximum(np.searchsorted(h_key, q_key - window_us, side="left"), start)
    n_before = before - start
    total = np.where(n_before > 0, running[np.maximum(before - 1, 0)] if len(running) else 0.0, 0.0)
    mean = np.divide(total, n_before, out=np.full(len(q_key), np.nan), where=n_before > 0)
    ratio = np.where(n_before > 0, queries["amount"].to_numpy(dtype=float) / mean, 1.0)
    return pd.DataFrame({"tx_last_24h": (before - since).astype(np.int64), "amount_vs_mean": ratio},
                        index=queries.index)


def online_features(transaction: dict, history: pd.DataFrame, window: str = "24h") -> dict:
    """The features of one incoming transaction (a dict with account_id, timestamp, amount)."""
    query = pd.DataFrame([{k: transaction[k] for k in ("account_id", "timestamp", "amount")}])
    query["timestamp"] = pd.to_datetime(query["timestamp"], utc=True)
    row = account_features(history, query, window).iloc[0]
    return {"tx_last_24h": int(row["tx_last_24h"]), "amount_vs_mean": float(row["amount_vs_mean"])}


def peeking_features(df: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """The naive features: computed over the whole table, so each row sees its account's future (and labels)."""
    by_account = df.groupby("account_id", observed=True)
    day = df["timestamp"].dt.floor("D")
    # A dispute filed by the card holder weeks later: most fraud is disputed, a few legitimate purchases too.
    u = np.random.default_rng(seed).random(len(df))
    disputed = np.where(df["is_fraud"].to_numpy() == 1, u < 0.6, u < 0.01)
    return pd.DataFrame({
        # every transaction of the account that day, including later ones and the row itself
        "tx_last_24h": df.groupby([df["account_id"], day])["amount"].transform("size").astype(np.int64),
        # the mean over all the account's amounts, future ones included
        "amount_vs_mean": df["amount"] / by_account["amount"].transform("mean"),
        # joined from the disputes table, which is filled in after the fact: the label, leaked
        "disputed_later": disputed.astype(float),
    }, index=df.index)
