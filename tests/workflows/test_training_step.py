"""Chapter 3's reference tests of the training path: the split, the inputs, a point-in-time feature, the training step.

Each test needs no fixture, so the chapter can also call them as plain
functions while a planted bug (`shipml.workflows.mutation`) is in place and
count which bugs they catch: its mutation score.
"""

import dataclasses
import functools

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from shipml.data import SCENARIO, transactions
from shipml.features.point_in_time import account_features
from shipml.modeling.production import production_features
from shipml.workflows.determinism import weights_hash
from shipml.workflows.train import encode_splits, fit_inputs, model_from_weights, model_inputs, train

SMALL = dataclasses.replace(SCENARIO, days=6, train_days=4, val_days=1)  # about 600 payments: seconds, not minutes


@functools.lru_cache(maxsize=1)
def _payments() -> pd.DataFrame:
    return production_features(transactions(days=SMALL.days, seed=0, per_day=100, accounts=60))


def test_does_the_split_keep_the_days_apart_and_in_time_order():
    df = _payments()
    train_rows, val_rows, test_rows = SMALL.split(df)
    assert len(train_rows) and len(val_rows) and len(test_rows)
    assert not set(train_rows.index) & set(val_rows.index) and not set(val_rows.index) & set(test_rows.index)
    assert train_rows.timestamp.max() < val_rows.timestamp.min() <= val_rows.timestamp.max() < test_rows.timestamp.min()
    assert len(train_rows) + len(val_rows) + len(test_rows) == len(df)


def test_are_the_training_numbers_standardised():
    train_rows = SMALL.split(_payments())[0]
    encoder = fit_inputs(train_rows)
    X = encoder.transform(train_rows)[:, :len(encoder.numeric)]
    np.testing.assert_allclose(X.mean(axis=0), 0.0, atol=1e-4)
    np.testing.assert_allclose(X.std(axis=0), 1.0, atol=1e-3)


def test_do_the_model_inputs_ignore_the_label():
    _, table = encode_splits(_payments(), SMALL)
    shuffled = table.assign(is_fraud=np.random.default_rng(0).permutation(table.is_fraud.to_numpy()))
    X, y = model_inputs(table, "train")
    X_shuffled, y_shuffled = model_inputs(shuffled, "train")
    assert not np.array_equal(y, y_shuffled)  # the labels did change ...
    np.testing.assert_array_equal(X, X_shuffled)  # ... and the inputs did not


def _count_before(history: pd.DataFrame, t, account) -> int:
    """By hand: the account's payments strictly before t and at most 24 hours before it."""
    same = history[history.account_id == account]
    return int(((same.timestamp < t) & (same.timestamp >= t - pd.Timedelta("24h"))).sum())


@settings(derandomize=True, database=None, max_examples=25, deadline=None)
@given(minutes=st.lists(st.integers(min_value=0, max_value=3 * 24 * 60), min_size=1, max_size=12),
       accounts=st.lists(st.sampled_from(["a", "b"]), min_size=12, max_size=12))
def test_does_tx_last_24h_count_only_the_accounts_earlier_payments(minutes, accounts):
    stamps = pd.Timestamp("2026-01-01", tz="UTC") + pd.to_timedelta(sorted(minutes), unit="min")
    history = pd.DataFrame({"account_id": accounts[:len(stamps)], "timestamp": stamps,
                            "amount": np.arange(1.0, len(stamps) + 1)})
    got = account_features(history, history)["tx_last_24h"].tolist()
    want = [_count_before(history, row.timestamp, row.account_id) for row in history.itertuples()]
    assert got == want


def test_does_the_training_step_give_the_same_weights_twice():
    _, table = encode_splits(_payments(), SMALL)
    first, _ = train(table, max_epochs=2, patience=None)
    second, _ = train(table, max_epochs=2, patience=None)
    pd.testing.assert_frame_equal(first, second)


def test_smoke_does_the_model_train_on_500_rows():
    _, table = encode_splits(_payments(), SMALL)
    table = table.groupby("split").head(500 // 3)  # about 500 rows in all
    weights, history = train(table, max_epochs=2, patience=None)
    model = model_from_weights(weights, table.shape[1] - 2, depth=0, width=16)
    from shipml.modeling.mlp import predict_scores

    scores = predict_scores(model, table.drop(columns=["is_fraud", "split"]).to_numpy(np.float32))
    assert np.isfinite(history.train_loss).all() and len(history) == 2
    assert ((scores >= 0) & (scores <= 1)).all() and len(weights_hash(model)) == 64
