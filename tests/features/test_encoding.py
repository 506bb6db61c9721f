"""The generic encoding: fitted on training rows, same columns everywhere, state that survives JSON."""

import numpy as np
import pytest

from shipml.data import transactions
from shipml.features.encoding import CATEGORICAL, NUMERIC, Encoder, fit_encoder
from shipml.data.splits import stratified_split


@pytest.fixture(scope="module")
def df():
    return transactions(days=3, seed=1)


def test_transform_gives_float32_rows_with_one_column_per_feature_name(df):
    encoder = fit_encoder(df)
    X = encoder.transform(df)
    assert X.dtype == np.float32 and X.shape == (len(df), len(encoder.feature_names))
    assert encoder.feature_names[: len(NUMERIC)] == list(NUMERIC)
    assert np.isfinite(X).all()


def test_numbers_are_standardised_on_the_training_rows(df):
    X = fit_encoder(df).transform(df)
    assert np.allclose(X[:, : len(NUMERIC)].mean(axis=0), 0, atol=1e-4)
    assert np.allclose(X[:, : len(NUMERIC)].std(axis=0), 1, atol=1e-3)


def test_each_categorical_column_is_one_hot(df):
    encoder = fit_encoder(df)
    X = encoder.transform(df)
    start = len(NUMERIC)
    for column in CATEGORICAL:
        width = len(encoder.categories[column])
        assert (X[:, start:start + width].sum(axis=1) == 1).all(), column
        start += width


def test_an_unseen_category_or_a_missing_number_does_not_break_the_encoding(df):
    encoder = fit_encoder(df)
    odd = df.head(2).copy()
    odd["merchant_category"] = odd["merchant_category"].astype(str)
    odd.loc[odd.index[0], "merchant_category"] = "crypto_exchange"
    odd.loc[odd.index[1], "amount"] = np.nan
    X = encoder.transform(odd)
    names = encoder.feature_names
    category_columns = [i for i, n in enumerate(names) if n.startswith("merchant_category=")]
    assert X[0, category_columns].sum() == 0
    assert X[1, names.index("amount")] == 0.0


def test_the_fitted_state_round_trips_through_json(df):
    encoder = fit_encoder(df)
    again = Encoder.from_json(encoder.to_json())
    assert again.feature_names == encoder.feature_names
    assert np.array_equal(again.transform(df), encoder.transform(df))


def test_a_missing_column_is_a_sentence(df):
    with pytest.raises(ValueError, match="no column 'hour'"):
        fit_encoder(df).transform(df.drop(columns="hour"))


def test_the_stratified_split_keeps_the_fraud_rate_and_every_row_once(df):
    train, val, test = stratified_split(df, val=0.3, test=0.3, seed=0)
    assert len(train) + len(val) + len(test) == len(df)
    assert not set(train.index) & set(val.index) and not set(val.index) & set(test.index)
    for part in (train, val, test):
        assert abs(part.is_fraud.mean() - df.is_fraud.mean()) < 0.005
    with pytest.raises(ValueError):
        stratified_split(df, val=0.6, test=0.5)


def _odd_rows(df):
    """Rows as a server may receive them: an unseen category, missing and malformed numbers, a negative amount."""
    odd = df.head(8).copy()
    for column in ("merchant_category", "country", "hour"):
        odd[column] = odd[column].astype(object)
    odd["amount"] = odd["amount"].astype(object)
    odd["account_age_days"] = odd["account_age_days"].astype(object)
    odd.iloc[0, odd.columns.get_loc("merchant_category")] = "crypto_exchange"
    odd.iloc[1, odd.columns.get_loc("amount")] = np.nan
    odd.iloc[2, odd.columns.get_loc("amount")] = None
    odd.iloc[3, odd.columns.get_loc("amount")] = "12.50 EUR"
    odd.iloc[4, odd.columns.get_loc("amount")] = -3.0
    odd.iloc[5, odd.columns.get_loc("account_age_days")] = None
    odd.iloc[6, odd.columns.get_loc("country")] = "XX"
    odd.iloc[7, odd.columns.get_loc("hour")] = 99
    return odd


def test_are_transform_rows_and_transform_the_same_numbers(df):
    """The fast per-row path and the pandas path of one fitted encoder agree, odd rows included."""
    encoder = fit_encoder(df.head(2_000))
    rows = df.tail(500)
    plain = [{k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()} for r in rows.to_dict("records")]
    np.testing.assert_allclose(encoder.transform_rows(plain), encoder.transform(rows), atol=1e-6)
    odd = _odd_rows(df)
    np.testing.assert_allclose(encoder.transform_rows(odd.to_dict("records")), encoder.transform(odd), atol=1e-6)
    assert encoder.transform_rows([]).shape == (0, len(encoder.feature_names))


def test_does_transform_rows_follow_a_changed_fitted_state(df):
    """A changed fitted state (e.g. a deliberately skewed copy, as chapter 7's check makes) is used at once."""
    import copy

    encoder = fit_encoder(df)
    rows = df.head(5).to_dict("records")
    before = encoder.transform_rows(rows)
    skewed = copy.deepcopy(encoder)
    mean, std = skewed.numeric["amount"]
    skewed.numeric["amount"] = (mean + 1.0, std)
    np.testing.assert_allclose(skewed.transform_rows(rows), skewed.transform(df.head(5)), atol=1e-6)
    assert not np.allclose(skewed.transform_rows(rows), before)
    assert skewed == copy.deepcopy(skewed) and Encoder.from_json(skewed.to_json()) == skewed
