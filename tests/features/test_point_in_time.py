"""Point-in-time features: strictly earlier events only; one code path for online and offline."""

import numpy as np
import pandas as pd
import pytest

from shipml.data import transactions
from shipml.features.point_in_time import account_features, online_features, peeking_features


def _frame(rows):
    df = pd.DataFrame(rows, columns=["account_id", "timestamp", "amount"])
    df["timestamp"] = pd.to_datetime(df["timestamp"], utc=True)
    return df


def _brute_force(df):
    """The definition, row by row."""
    out = []
    for row in df.itertuples():
        earlier = df[(df.account_id == row.account_id) & (df.timestamp < row.timestamp)]
        recent = earlier[earlier.timestamp >= row.timestamp - pd.Timedelta("24h")]
        out.append((len(recent), row.amount / earlier.amount.mean() if len(earlier) else 1.0))
    return pd.DataFrame(out, columns=["tx_last_24h", "amount_vs_mean"], index=df.index)


def test_do_same_instant_events_and_first_transactions_get_no_past():
    df = _frame([("a", "2026-01-01 08:00", 20.0), ("a", "2026-01-01 09:00", 40.0), ("a", "2026-01-01 09:00", 60.0),
                 ("b", "2026-01-01 09:00", 5.0), ("a", "2026-01-02 08:00", 300.0), ("a", "2026-01-02 08:01", 1.0)])
    got = account_features(df, df)
    assert got.tx_last_24h.tolist() == [0, 1, 1, 0, 3, 3]  # 08:00 the day before is exactly 24 h: in the window
    assert got.amount_vs_mean.tolist()[:4] == [1.0, 2.0, 3.0, 1.0]
    assert got.amount_vs_mean.iloc[4] == pytest.approx(300 / 40)


def test_does_it_match_the_definition_on_shuffled_transactions():
    df = transactions(seed=5, days=6)[["account_id", "timestamp", "amount"]].sample(frac=1.0, random_state=1)
    got = account_features(df, df)
    want = _brute_force(df)
    assert got.tx_last_24h.equals(want.tx_last_24h)
    np.testing.assert_allclose(got.amount_vs_mean, want.amount_vs_mean, rtol=1e-12)


def test_are_online_features_identical_to_offline():
    df = transactions(seed=6, days=4)
    offline = account_features(df, df)
    for tx in df.sample(25, random_state=0).to_dict("records"):
        online = online_features(tx, df[df.timestamp < tx["timestamp"]])
        row = offline.loc[df.transaction_id == tx["transaction_id"]].iloc[0]
        assert online == {"tx_last_24h": row.tx_last_24h, "amount_vs_mean": row.amount_vs_mean}


def test_does_an_account_without_history_get_neutral_features():
    history = _frame([("a", "2026-01-01 08:00", 20.0)])
    got = online_features({"account_id": "new", "timestamp": "2026-01-01 09:00", "amount": 50.0}, history)
    assert got == {"tx_last_24h": 0, "amount_vs_mean": 1.0}


def test_do_the_peeking_features_see_the_future():
    df = transactions(seed=7, days=3)
    naive = peeking_features(df)
    first = df.groupby("account_id").head(1).index
    # The first transaction of an account has no past, yet the naive mean already knows the later amounts.
    assert not np.allclose(naive.loc[first, "amount_vs_mean"], 1.0)
    assert naive.disputed_later[df.is_fraud == 1].mean() > 0.4 > naive.disputed_later[df.is_fraud == 0].mean()
