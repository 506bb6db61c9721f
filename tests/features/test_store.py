"""The feature store: one request's account features, the same numbers as the offline function, fast."""

import datetime as dt
import time

import pandas as pd
import pytest

from shipml.data import transactions
from shipml.features.point_in_time import account_features
from shipml.features.store import AccountHistory, write_history


@pytest.fixture(scope="module")
def history():
    return transactions(days=20, seed=0)


def test_does_the_store_give_the_offline_features_bit_for_bit(history):
    store = AccountHistory(history)
    queries = pd.concat([history.iloc[-2000:], transactions(days=21, seed=0).iloc[-300:]])  # inside and after
    pd.testing.assert_frame_equal(store.features(queries), account_features(history, queries), check_exact=True)


def test_does_a_lookup_see_only_strictly_earlier_payments():
    t0 = pd.Timestamp("2026-01-01 10:00", tz="UTC")
    history = pd.DataFrame({"account_id": ["acc1", "acc1", "acc1", "acc2"],
                            "timestamp": [t0 - pd.Timedelta("30h"), t0 - pd.Timedelta("1h"), t0, t0],
                            "amount": [10.0, 30.0, 500.0, 7.0]})
    store = AccountHistory(history)
    assert store.lookup("acc1", t0, 40.0) == {"tx_last_24h": 1, "amount_vs_mean": 2.0}  # the same instant: not before
    assert store.lookup("acc1", t0 - pd.Timedelta("30h"), 5.0) == {"tx_last_24h": 0, "amount_vs_mean": 1.0}
    assert store.lookup("acc9", t0, 5.0) == {"tx_last_24h": 0, "amount_vs_mean": 1.0}  # never seen: a first payment


def test_do_a_datetime_iso_text_and_a_pandas_timestamp_give_the_same_lookup(history):
    store = AccountHistory(history)
    row = history.iloc[-1]
    t = row["timestamp"]
    answers = [store.lookup(row["account_id"], when, row["amount"])
               for when in (t, t.to_pydatetime(), t.isoformat(), t.tz_convert("Europe/Berlin").isoformat())]
    assert all(a == answers[0] for a in answers)


def test_is_a_naive_timestamp_refused_with_a_sentence(history):
    with pytest.raises(ValueError, match="no UTC offset"):
        AccountHistory(history).lookup("acc00001", dt.datetime(2026, 1, 5, 12), 10.0)
    with pytest.raises(ValueError, match="lacks timestamp"):
        AccountHistory(history.drop(columns="timestamp"))


def test_is_one_lookup_much_faster_than_the_offline_function(history):
    store = AccountHistory(history)
    row = history.iloc[-1]
    query = history.iloc[[-1]]
    started = time.perf_counter()
    for _ in range(200):
        store.lookup(row["account_id"], row["timestamp"].to_pydatetime(), row["amount"])
    per_lookup = (time.perf_counter() - started) / 200
    started = time.perf_counter()
    for _ in range(5):
        account_features(history, query)
    per_offline = (time.perf_counter() - started) / 5
    assert per_lookup * 10 < per_offline, (per_lookup, per_offline)


def test_does_a_parquet_snapshot_make_the_same_store(history, tmp_path):
    path = write_history(history, tmp_path / "history.parquet")
    again, store = AccountHistory.from_parquet(path), AccountHistory(history)
    queries = history.iloc[-500:]
    pd.testing.assert_frame_equal(again.features(queries), store.features(queries), check_exact=True)
    assert len(again) == len(history) and again.accounts == history["account_id"].nunique()
    with pytest.raises(FileNotFoundError, match="no history file"):
        AccountHistory.from_parquet(tmp_path / "missing.parquet")
