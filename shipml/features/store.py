"""A feature store for serving: each account's payments, ready to answer one request's point-in-time features fast.

    from shipml.features.store import AccountHistory
    store = AccountHistory(history)                 # a frame with account_id, timestamp, amount
    store.lookup("acc00042", timestamp, 42.5)       # {"tx_last_24h": 3, "amount_vs_mean": 0.8}
    store.features(df)                              # the same for every row of a table (tests compare)
    write_history(history, path); AccountHistory.from_parquet(path)   # a snapshot as a Parquet file

The numbers are those of `shipml.features.point_in_time.account_features`
(the offline function that builds the training table), bit for bit: for a
payment at time t of account a, only a's payments strictly before t count.
What differs is the cost of one request. `account_features` sorts the whole
history on every call, milliseconds for a month of payments; the store sorts
it once, keeps each account's timestamps (integer microseconds) and the
running sum of its amounts, and answers a request with two binary searches
in that account's arrays: microseconds.

The store is a snapshot: it knows the payments it was built from. At a bank,
the stream of authorised payments feeds it within seconds; here a server
loads the snapshot its artifact names (see `shipml.serving.artifact`).
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import numpy as np
import pandas as pd

from shipml.features.point_in_time import FEATURES

__all__ = ["COLUMNS", "AccountHistory", "write_history"]

COLUMNS = ("account_id", "timestamp", "amount")  # what the store keeps of a payment
_EPOCH = pd.Timestamp("1970-01-01", tz="UTC")
_EPOCH_DT = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
_MICROSECOND = pd.Timedelta(microseconds=1)


def _micros(timestamp) -> int:
    """A tz-aware timestamp (datetime, pandas Timestamp or ISO text) as integer microseconds since 1970 (UTC)."""
    if isinstance(timestamp, str):
        timestamp = pd.Timestamp(timestamp)
    if getattr(timestamp, "tzinfo", None) is None:
        raise ValueError(f"The timestamp {timestamp} has no UTC offset; send one with an offset (…+00:00).")
    if isinstance(timestamp, pd.Timestamp):
        return int((timestamp - _EPOCH) // _MICROSECOND)
    return (timestamp - _EPOCH_DT) // _dt.timedelta(microseconds=1)  # a request's datetime: plain Python, faster


class AccountHistory:
    """Each account's payments sorted by time, with running sums: `lookup` gives one payment's features."""

    def __init__(self, history: pd.DataFrame, window: str = "24h"):
        missing = [c for c in COLUMNS if c not in history.columns]
        if missing:
            raise ValueError(f"A history needs the columns {', '.join(COLUMNS)}; it lacks {', '.join(missing)}.")
        self.window_us = int(pd.Timedelta(window) // _MICROSECOND)
        self.n_payments = len(history)
        self.until = history["timestamp"].max() if len(history) else None
        accounts = history["account_id"].astype(str).to_numpy()
        micros = ((history["timestamp"] - _EPOCH) // _MICROSECOND).to_numpy(dtype=np.int64)
        amounts = history["amount"].to_numpy(dtype=float)
        # Sorted by account, then time; ties keep the history's order, as account_features sorts.
        order = np.lexsort((micros, accounts))
        accounts, micros, amounts = accounts[order], micros[order], amounts[order]
        starts = np.flatnonzero(np.r_[True, accounts[1:] != accounts[:-1]]) if len(accounts) else np.array([], int)
        ends = np.r_[starts[1:], len(accounts)]
        # pandas' grouped cumsum (compensated summation), as account_features sums: the same bits, not just close.
        running = pd.Series(amounts).groupby(np.repeat(np.arange(len(starts)), ends - starts)).cumsum().to_numpy()
        self._by_account = {accounts[s]: (micros[s:e], running[s:e]) for s, e in zip(starts, ends)}

    def __len__(self) -> int:
        return self.n_payments

    @property
    def accounts(self) -> int:
        return len(self._by_account)

    def lookup(self, account_id: str, timestamp, amount: float) -> dict:
        """The point-in-time features of one payment: from the account's payments strictly before `timestamp`."""
        t = _micros(timestamp)
        times, running = self._by_account.get(str(account_id), (None, None))
        if times is None:  # an account the store has never seen: its first payment
            return {"tx_last_24h": 0, "amount_vs_mean": 1.0}
        before = int(np.searchsorted(times, t, side="left"))   # strictly earlier: the same instant excluded
        since = int(np.searchsorted(times, t - self.window_us, side="left"))
        if before == 0:
            return {"tx_last_24h": 0, "amount_vs_mean": 1.0}
        mean = running[before - 1] / before
        return {"tx_last_24h": before - since, "amount_vs_mean": float(float(amount) / mean)}

    def features(self, df: pd.DataFrame) -> pd.DataFrame:
        """`lookup` for every row of `df` (account_id, timestamp, amount), as account_features returns them."""
        rows = [self.lookup(a, t, x) for a, t, x in zip(df["account_id"], df["timestamp"], df["amount"])]
        out = pd.DataFrame(rows, index=df.index, columns=list(FEATURES))
        return out.astype({"tx_last_24h": np.int64, "amount_vs_mean": float})

    @classmethod
    def from_parquet(cls, path, window: str = "24h") -> "AccountHistory":
        """A store from a Parquet file of payments (account_id, timestamp, amount)."""
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"There is no history file at {path}.")
        return cls(pd.read_parquet(path, columns=list(COLUMNS)), window)


def write_history(history: pd.DataFrame, path) -> Path:
    """Write the columns a store needs (account_id, timestamp, amount) of `history` as a Parquet file."""
    path = Path(path)
    history[list(COLUMNS)].astype({"account_id": str}).to_parquet(path, index=False)
    return path
