"""Tests of shipml.modeling.production: the one model lineage from chapter 2 to chapters 7, 8 and 10."""

import numpy as np
import pytest

from shipml.data import SCENARIO, transactions
from shipml.modeling.production import PRODUCTION, ModelSpec, production_features, train_production


@pytest.fixture(scope="module")
def df():
    return transactions(days=SCENARIO.days, seed=0)


@pytest.fixture(scope="module")
def fitted(df):
    return train_production(df, seed=0)


def test_does_it_train_on_the_training_period_and_hold_within_capacity(df, fitted):
    train, val, test = SCENARIO.split(df)
    assert fitted.facts["n_train"] == len(train) and fitted.facts["n_val"] == len(val)
    assert fitted.spec == PRODUCTION and fitted.facts["policy"] == fitted.policy.kind
    # Tightened to the review capacity on validation.
    assert fitted.hold(val, history=df).mean() <= SCENARIO.review_capacity + 1e-9
    chosen = fitted.facts["validation_cost_eur"][fitted.policy.kind]
    assert chosen == min(fitted.facts["validation_cost_eur"].values())


def test_does_the_model_rank_fraud_well_above_chance_on_the_test_period(df, fitted):
    from shipml.evaluation.metrics import pr_auc

    test = SCENARIO.split(df)[2]
    assert pr_auc(test["is_fraud"].to_numpy(), fitted.score(test, history=df)) > 5 * test["is_fraud"].mean()


def test_are_the_account_features_point_in_time(df):
    rows = production_features(df.head(2_000))
    changed = df.head(2_000).copy()
    changed.loc[changed.index[-1], "amount"] *= 10  # the last row's future cannot move earlier rows
    again = production_features(changed)
    assert rows.iloc[:-1][["tx_last_24h", "amount_vs_mean"]].equals(again.iloc[:-1][["tx_last_24h", "amount_vs_mean"]])


def test_is_training_deterministic_and_the_policy_choice_explicit(df):
    a = train_production(df, seed=0, policy="threshold")
    b = train_production(df, seed=0, policy="threshold")
    test = SCENARIO.split(df)[2]
    np.testing.assert_array_equal(a.score(test, df), b.score(test, df))
    assert a.policy.kind == "threshold"
    with pytest.raises(ValueError, match="policy is"):
        train_production(df, policy="always")


def test_does_the_spec_describe_itself():
    assert "logistic regression" in ModelSpec(depth=0).describe()
    assert "MLP (2 x 8)" in ModelSpec(depth=2, width=8).describe()
