"""What shipml.monitoring.simulation promises: a month whose incidents are where the labels say they are."""

import numpy as np
import pandas as pd
import pytest

from shipml.data import SCENARIO
from shipml.monitoring.simulation import AFTER_DAYS, INCIDENTS, LIVE_DAYS, MONTH_DAYS, active_incident, simulate_month


@pytest.fixture(scope="module")
def month():
    return simulate_month(seed=0)


def _incident(kind):
    return next(i for i in INCIDENTS if i.kind == kind)


def test_the_month_follows_a_clean_quarter_after_the_data_window(month):
    assert month.start == pd.Timestamp(SCENARIO.start, tz="UTC") + pd.Timedelta(days=SCENARIO.days + LIVE_DAYS)
    assert sorted(month.payments["day"].unique()) == list(range(MONTH_DAYS + AFTER_DAYS))
    assert sorted(month.live["day"].unique()) == list(range(-LIVE_DAYS, 0))


def test_the_cents_day_is_wrong_only_in_what_was_sent(month):
    cents = _incident("data quality")
    sent, true = month.days(cents.start, cents.start, "sent"), month.days(cents.start, cents.start)
    assert np.allclose(sent["amount"], (true["amount"] * 100).round(2))
    other = month.days(cents.start + 1, cents.start + 1)
    assert month.days(cents.start + 1, cents.start + 1, "sent")["amount"].equals(other["amount"])


def test_the_fraud_ring_doubles_the_frauds_with_new_ids(month):
    ring = _incident("prior shift")
    days = month.days(ring.start, ring.end)
    clean = month.clean[month.clean["day"].between(ring.start, ring.end)]
    assert days["is_fraud"].sum() == 2 * clean["is_fraud"].sum()
    assert days["transaction_id"].is_unique


def test_the_price_rise_moves_amounts_and_not_labels(month):
    rise = _incident("covariate shift")
    days, clean = month.days(rise.end, rise.end), month.clean[month.clean["day"] == rise.end]
    assert days["amount"].median() > 1.4 * clean["amount"].median()
    assert days["is_fraud"].to_numpy().tolist() == clean["is_fraud"].to_numpy().tolist()


def test_concept_drift_changes_labels_and_not_inputs(month):
    drift = _incident("concept drift")
    days, clean = month.days(drift.start, drift.end), month.clean[month.clean["day"] >= drift.start]
    assert days.drop(columns="is_fraud").reset_index(drop=True).equals(clean.drop(columns="is_fraud")
                                                                       .reset_index(drop=True))
    assert (days["is_fraud"].to_numpy() != clean["is_fraud"].to_numpy()).any()


def test_the_history_holds_the_true_amounts_and_every_payment(month):
    assert len(month.history) == len(month.payments) + len(month.live) + (month.history["timestamp"] < (
        month.start - pd.Timedelta(days=LIVE_DAYS))).sum()
    assert month.label_day.equals(month.payments["day"] + SCENARIO.label_delay_days)


def test_an_alarm_day_belongs_to_the_incident_that_started_most_recently():
    assert active_incident(-1) is None and active_incident(3).kind == "data quality"
    assert active_incident(MONTH_DAYS + AFTER_DAYS - 1).kind == "concept drift"
