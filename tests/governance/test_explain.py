"""Permutation importance finds the column that matters; reasons add up to the score."""

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from shipml.data import transactions
from shipml.governance.explain import contributions, permutation_importance, top_reasons
from shipml.features.encoding import CATEGORICAL, NUMERIC, fit_encoder


def _fitted():
    df = transactions(6_000, seed=1, fraud_rate=0.05)
    encoder = fit_encoder(df)
    logistic = LogisticRegression(max_iter=500).fit(encoder.transform(df), df.is_fraud)
    return df, encoder, logistic


def test_do_the_contributions_add_up_to_the_log_odds():
    df, encoder, logistic = _fitted()
    rows = df.iloc[:20]
    parts = contributions(encoder, logistic, rows, df)
    average = logistic.decision_function(encoder.transform(df).mean(axis=0, keepdims=True))[0]
    assert np.allclose(parts.sum(axis=1) + average, logistic.decision_function(encoder.transform(rows)), atol=1e-4)
    assert list(parts.columns) == ["amount", "account_age_days", "merchant_category", "country", "channel",
                                   "device", "home_country", "hour"]


def test_do_the_reasons_name_only_columns_that_raised_the_score():
    df, encoder, logistic = _fitted()
    parts = contributions(encoder, logistic, df.iloc[:50], df)
    row = parts.sum(axis=1).idxmax()
    reasons = top_reasons(parts.loc[row], df.loc[row], k=2)
    assert 1 <= len(reasons) <= 2 and all("(+" in reason for reason in reasons)
    assert reasons[0].startswith(parts.loc[row].idxmax())


def test_does_shuffling_an_unused_column_cost_nothing():
    df, encoder, logistic = _fitted()
    model = make_pipeline(FunctionTransformer(encoder.transform), logistic)
    table = permutation_importance(model, df, df.is_fraud, [*NUMERIC, *CATEGORICAL, "age_band"], n_repeats=2)
    assert table.loc["age_band", "pr_auc_drop"] == 0.0  # not an input of the encoder
    assert table.pr_auc_drop.iloc[0] > 0
