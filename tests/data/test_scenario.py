"""Tests of shipml.data.scenario: the one scenario every chapter works in."""

import dataclasses

import pandas as pd
import pytest

from shipml.data import SCENARIO, Scenario, transactions


@pytest.fixture(scope="module")
def df():
    return transactions(days=SCENARIO.days, seed=0)


def test_are_the_derived_costs_and_scale_computed_from_the_assumptions():
    assert SCENARIO.cost_review == pytest.approx(SCENARIO.review_minutes / 60 * SCENARIO.analyst_eur_per_hour)
    assert SCENARIO.cost_fp == pytest.approx(SCENARIO.cost_review + SCENARIO.friction_eur)
    assert SCENARIO.bank_payments_per_day == round(SCENARIO.payments_per_day / SCENARIO.sample_share)
    assert SCENARIO.train_days + SCENARIO.val_days + SCENARIO.test_days == SCENARIO.days
    other = dataclasses.replace(SCENARIO, review_minutes=10)
    assert other.cost_fp == pytest.approx(SCENARIO.cost_fp + SCENARIO.cost_review)


def test_does_the_split_follow_the_calendar_in_time_order(df):
    train, val, test = SCENARIO.split(df)
    assert len(train) + len(val) + len(test) == len(df)
    assert train["timestamp"].max() < val["timestamp"].min() and val["timestamp"].max() < test["timestamp"].min()
    start = pd.Timestamp(SCENARIO.start, tz="UTC")
    assert val["timestamp"].min() >= start + pd.Timedelta(days=SCENARIO.train_days)
    assert test["timestamp"].min() >= start + pd.Timedelta(days=SCENARIO.train_days + SCENARIO.val_days)
    assert test["timestamp"].dt.floor("D").nunique() == SCENARIO.test_days


def test_is_the_split_prefix_stable_a_longer_stream_keeps_its_later_days_out(df):
    longer = transactions(days=SCENARIO.days + 20, seed=0)
    for part, same in zip(SCENARIO.split(longer), SCENARIO.split(df)):
        pd.testing.assert_frame_equal(part, same)


def test_does_the_split_refuse_a_frame_without_time():
    with pytest.raises(ValueError, match="timestamp column"):
        SCENARIO.split(pd.DataFrame({"amount": [1.0]}))


def test_is_the_peak_rate_the_busiest_hour_at_the_banks_scale(df):
    rate = SCENARIO.hourly_rate(df)
    assert list(rate.index) == list(range(24))
    n_days = df["timestamp"].dt.normalize().nunique()
    busiest = df["timestamp"].dt.hour.value_counts().max()
    assert SCENARIO.peak_per_second(df) == pytest.approx(busiest / n_days / 3600 / SCENARIO.sample_share)
    # The day has a shape: the peak is well above the mean, and the mean is the bank's daily volume spread evenly.
    assert SCENARIO.peak_per_second(df) > 1.5 * SCENARIO.mean_per_second(df)
    assert SCENARIO.mean_per_second(df) == pytest.approx(len(df) / n_days / 86_400 / SCENARIO.sample_share)


def test_are_the_facts_every_assumption_and_the_derived_numbers():
    facts = SCENARIO.facts()
    assert facts["cost_fp"] == SCENARIO.cost_fp and facts["review_capacity"] == SCENARIO.review_capacity
    assert {f.name for f in dataclasses.fields(Scenario)} <= set(facts)
