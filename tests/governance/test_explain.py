"""Permutation importance finds the column that matters; reasons add up to the score."""

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from shipml.data import transactions
from shipml.governance.explain import contributions, permutation_importance, top_reasons
from shipml.features.encoding import CATEGORICAL, NUMERIC, fit_encoder


def _fitted():
    df = transactions(days=6, seed=1, fraud_rate=0.05)
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


def test_are_a_depth_zero_fraud_mlp_s_weights_its_coefficients():
    import pytest
    import torch

    from shipml.governance.explain import linear_weights
    from shipml.modeling.mlp import FraudMLP, predict_scores

    df, encoder, _ = _fitted()
    torch.manual_seed(0)
    model = FraudMLP(len(encoder.feature_names), depth=0)
    rows = df.iloc[:20]
    parts = contributions(encoder, model, rows, df)
    coef, intercept = linear_weights(model)
    average = float(encoder.transform(df).mean(axis=0) @ coef + intercept)
    scores = predict_scores(model, encoder.transform(rows))
    assert np.allclose(parts.sum(axis=1) + average, np.log(scores / (1 - scores)), atol=1e-4)
    with pytest.raises(ValueError, match="linear model"):
        contributions(encoder, FraudMLP(len(encoder.feature_names), depth=1), rows, df)


def test_does_permutation_importance_take_a_scoring_function():
    df, encoder, logistic = _fitted()
    table = permutation_importance(lambda rows: logistic.predict_proba(encoder.transform(rows))[:, 1], df,
                                   df.is_fraud, [*NUMERIC, *CATEGORICAL, "age_band"], n_repeats=2)
    assert table.loc["age_band", "pr_auc_drop"] == 0.0 and table.pr_auc_drop.iloc[0] > 0
