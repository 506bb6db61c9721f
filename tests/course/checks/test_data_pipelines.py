"""The checks of chapter 4 pass the reference answers, fail wrong ones, and call a stub not attempted."""

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pytest

from shipml.course import checks
from shipml.evaluation.leakage import split_rows
from shipml.features.point_in_time import account_features
from shipml.data.validation import raw_schema, reconcile


def _status(exercise_id, target):
    return checks.run(exercise_id, target, include_hidden=True)


def _failed(result):
    return [c.name for c in result.cases if c.status != "passed"]


@pytest.mark.parametrize("exercise_id", ["ch04-ex2", "ch04-ex3", "ch04-ex4", "ch04-ex5"])
def test_is_a_stub_not_attempted(exercise_id):
    assert checks.run(exercise_id, None).status == "not attempted"


# --- ex2: the schema ---


def test_does_the_reference_schema_pass():
    assert _status("ch04-ex2", raw_schema()).passed


def test_does_a_schema_without_the_sign_check_miss_negative_amounts():
    schema = raw_schema()
    amount = schema.columns["amount"].set_checks([pa.Check.str_matches(r"-?\d+(\.\d+)?$")])
    result = _status("ch04-ex2", schema.update_column("amount", checks=amount.checks))
    assert _failed(result) == ["catches negative amounts, and only those rows", "every defect type at once"]


def test_does_a_schema_that_refuses_other_time_zones_fail():
    schema = raw_schema().update_column("timestamp", checks=[pa.Check.str_matches(r".*\+00:00$")])
    result = _status("ch04-ex2", schema)
    assert "valid rows that are late or in another time zone are not flagged" in _failed(result)


def test_does_a_schema_without_unique_ids_miss_duplicates():
    result = _status("ch04-ex2", raw_schema().update_column("transaction_id", unique=False))
    assert "catches duplicates, and only those rows" in _failed(result)


def test_is_a_schema_that_is_not_a_schema_an_error():
    result = checks.run("ch04-ex2", {"amount": "float"})
    assert result.status == "error" and "DataFrameSchema" in result.cases[0].message


# --- ex3: the point-in-time feature ---


def _reference(df):
    return account_features(df, df)["tx_last_24h"]


def test_does_the_reference_feature_pass():
    assert _status("ch04-ex3", _reference).passed


def test_does_counting_the_same_instant_fail():
    def inclusive(df):  # <= instead of <: counts events at the same instant, and the row itself
        return pd.Series([((df.account_id == r.account_id) & (df.timestamp <= r.timestamp)
                           & (df.timestamp >= r.timestamp - pd.Timedelta("24h"))).sum() for r in df.itertuples()],
                         index=df.index)

    result = _status("ch04-ex3", inclusive)
    assert "an account's first transaction counts 0" in _failed(result)
    assert "transactions at the same instant do not count each other" in _failed(result)


def test_does_ignoring_the_account_fail():
    def all_accounts(df):
        return pd.Series([((df.timestamp < r.timestamp) & (df.timestamp >= r.timestamp - pd.Timedelta("24h"))).sum()
                          for r in df.itertuples()], index=df.index)

    assert "other accounts do not count" in _failed(_status("ch04-ex3", all_accounts))


def test_does_assuming_time_order_fail():
    def sorted_answer(df):  # right counts, but in time order instead of df's order
        return _reference(df.sort_values("timestamp")).to_numpy()

    assert _failed(_status("ch04-ex3", sorted_answer)) == [
        "rows out of time order (a late event) are answered in their own order",
        "agrees with the reference on real transactions"]


# --- ex4: reconciliation ---


def test_does_the_reference_reconcile_pass():
    assert _status("ch04-ex4", reconcile).passed


def test_does_a_count_only_reconcile_fail():
    def counts_only(df_in, df_out, df_quarantine, duplicates_removed):
        if len(df_in) != len(df_out) + len(df_quarantine) + duplicates_removed:
            raise ValueError("rows differ")
        return True

    assert _failed(_status("ch04-ex4", counts_only)) == ["counts balance but an id is lost: ValueError"]


def test_does_a_reconcile_that_never_raises_fail():
    result = _status("ch04-ex4", lambda df_in, df_out, df_quarantine, duplicates_removed: True)
    assert len(_failed(result)) == 3


# --- ex5: the split ---


def test_does_the_reference_split_pass():
    assert _status("ch04-ex5", split_rows).passed


def test_does_a_split_that_ignores_the_strategy_fail():
    def always_time(n, split, seed=0):
        cut = int(round(0.7 * n))
        return np.arange(cut), np.arange(cut, n)

    assert "random: validation rows come from all times, and the seed fixes them" in _failed(
        _status("ch04-ex5", always_time))


def test_does_an_overlapping_split_fail():
    def overlapping(n, split, seed=0):
        return np.arange(n), np.arange(int(0.7 * n), n)

    assert _status("ch04-ex5", overlapping).status == "failed"
