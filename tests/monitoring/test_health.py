"""What shipml.monitoring.health promises: a broken feed caught on its first day, clean days quiet, no crash."""

import pandas as pd
import pytest

from shipml.data import transactions
from shipml.monitoring import health


@pytest.fixture(scope="module")
def days():
    df = transactions(days=8, seed=0)
    day = (df["timestamp"] - df["timestamp"].min().normalize()) // pd.Timedelta(days=1)
    return df.assign(day=day)


@pytest.fixture(scope="module")
def reference(days):
    return health.health_reference(days[days["day"] < 5])


def _problems(batch, reference):
    return health.problems(health.check_health(batch, reference))


def test_clean_days_raise_no_problem(days, reference):
    for _, batch in days[days["day"] >= 5].groupby("day"):
        assert _problems(batch, reference) == []


def test_amounts_in_cents_fail_the_range_on_the_first_day(days, reference):
    batch = days[days["day"] == 5].assign(amount=lambda d: d["amount"] * 100)
    assert "range:amount" in _problems(batch, reference)


def test_an_empty_day_fails_volume_and_says_the_rest_was_not_run(days, reference):
    findings = health.check_health(days.iloc[:0], reference)
    assert health.problems(findings) == ["volume"]
    assert "not run: no rows" in findings["detail"].tolist()


def test_a_day_of_one_row_fails_volume_only(days, reference):
    findings = health.check_health(days.iloc[:1], reference)
    assert health.problems(findings) == ["volume"]
    assert any(d.startswith("not run: 1 rows") for d in findings["detail"])


def test_a_missing_column_fails_the_schema(days, reference):
    batch = days[days["day"] == 6].drop(columns="channel")
    assert _problems(batch, reference) == ["schema:channel"]


def test_missing_values_and_unseen_categories_are_named(days, reference):
    batch = days[days["day"] == 6].copy()
    batch.loc[batch.index[::20], "hour"] = None
    batch["merchant_category"] = batch["merchant_category"].astype(str)
    batch.loc[batch.index[::10], "merchant_category"] = "crypto_exchange"
    assert _problems(batch, reference) == ["nulls:hour", "categories:merchant_category"]
