"""shipml.baseline: the hand-made features and the bank's rule; shipml.data.splits.time_split."""

import numpy as np
import pytest

from shipml.features.handmade import handmade_features
from shipml.modeling.rules import rule_flags
from shipml.data import transactions
from shipml.data.splits import time_split


@pytest.fixture(scope="module")
def df():
    return transactions(days=5, seed=3)


def test_is_the_split_by_time_oldest_first(df):
    df_train, df_val, df_test = time_split(df)
    n = len(df)
    assert (len(df_train), len(df_val), len(df_test)) == (int(0.6 * n), int(0.8 * n) - int(0.6 * n), n - int(0.8 * n))
    assert df_train.timestamp.max() <= df_val.timestamp.min() <= df_val.timestamp.max() <= df_test.timestamp.min()


@pytest.mark.parametrize("train, val", [(0.9, 0.2), (0, 0.2), (0.6, 1.0)])
def test_are_impossible_fractions_a_clear_error(df, train, val):
    with pytest.raises(ValueError, match="fractions"):
        time_split(df, train=train, val=val)


def test_do_features_use_only_the_past(df):
    """Changing the last transaction's amount must not change any earlier row's features."""
    before = handmade_features(df)
    changed = df.copy()
    changed.loc[changed.index[-1], "amount"] *= 100
    after = handmade_features(changed)
    np.testing.assert_array_equal(before.iloc[:-1].to_numpy(), after.iloc[:-1].to_numpy())
    assert not np.array_equal(before.iloc[-1].to_numpy(), after.iloc[-1].to_numpy())


def test_are_features_numbers_without_gaps(df):
    X = handmade_features(df)
    assert len(X) == len(df) and X.notna().all().all()
    assert all(dtype == float for dtype in X.dtypes)  # noqa: E721 (a NumPy dtype equals its Python type)


def test_does_the_rule_flag_large_amounts_and_night_online_abroad(df):
    flags = rule_flags(df, amount_over=300)
    night_online_abroad = (df.hour <= 5) & (df.channel == "online") & (df.country != df.home_country)
    assert flags.dtype == bool
    assert flags[(df.amount > 300).to_numpy()].all()
    assert flags[night_online_abroad.to_numpy()].all()
    assert not flags[((df.amount <= 300) & ~night_online_abroad).to_numpy()].any()
