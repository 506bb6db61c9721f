"""Validation: the schema catches each planted defect exactly; quarantine keeps reasons; reconciliation."""

import json

import pandas as pd
import pytest

from shipml.course.checks.data_pipelines import SCHEMA_DEFECTS, VALID_DEFECTS, defect_batch, planted_rows
from shipml.data import transactions
from shipml.data.ingestion import as_text
from shipml.data.validation import ReconciliationError, failed_rows, reconcile, validate


def test_does_the_schema_flag_nothing_on_clean_data():
    assert failed_rows(defect_batch(None)).empty


@pytest.mark.parametrize("defect", SCHEMA_DEFECTS)
def test_does_the_schema_flag_exactly_the_planted_rows(defect):
    df_text = defect_batch(defect)
    assert set(failed_rows(df_text).index) == planted_rows(df_text, defect)


@pytest.mark.parametrize("defect", VALID_DEFECTS)
def test_are_late_rows_and_other_time_zones_valid(defect):
    assert failed_rows(defect_batch(defect)).empty


def test_are_timestamps_in_other_zones_converted_to_utc():
    raw = transactions(seed=2, days=2, defects={"mixed_timezones": 0.2})
    clean = transactions(seed=2, days=2)
    checked = validate(as_text(raw))
    got = checked.clean.set_index("transaction_id").timestamp
    assert got.equals(clean.set_index("transaction_id").timestamp.reindex(got.index))


def test_does_quarantine_keep_the_reason_and_the_raw_record():
    df_text = defect_batch("negative_amounts")
    checked = validate(df_text)
    assert len(checked.quarantine) == len(planted_rows(df_text, "negative_amounts"))
    row = checked.quarantine.iloc[0]
    assert row.reason == "amount: not positive"  # the contract: an amount is > 0
    assert json.loads(row.record)["transaction_id"] == row.transaction_id


def test_are_exact_copies_removed_and_counted():
    df_text = defect_batch("duplicates")
    checked = validate(df_text)
    assert checked.duplicates_removed == df_text.duplicated().sum() > 0
    assert checked.quarantine.empty and checked.clean.transaction_id.is_unique
    assert reconcile(df_text, checked.clean, checked.quarantine, checked.duplicates_removed)


def test_does_reconcile_refuse_a_lost_row_and_a_swapped_id():
    df_text = defect_batch("missing")
    checked = validate(df_text)
    args = (checked.quarantine, checked.duplicates_removed)
    with pytest.raises(ReconciliationError, match="1 rows differ"):
        reconcile(df_text, checked.clean.iloc[1:], *args, batch="b1")
    swapped = pd.concat([checked.clean.iloc[1:], checked.clean.iloc[[5]]])
    with pytest.raises(ReconciliationError, match="neither out nor quarantined"):
        reconcile(df_text, swapped, *args)


def test_is_a_missing_column_a_reason_for_every_row():
    df_text = defect_batch(None).drop(columns="device")
    reasons = failed_rows(df_text)
    assert len(reasons) == len(df_text)


@pytest.mark.parametrize("naive", ["2026-01-01T08:00:00", "2026-01-01T08:00:00.250"])
def test_is_a_naive_timestamp_refused_with_a_reason_that_says_why(naive):
    df_text = defect_batch(None).copy()
    df_text.loc[df_text.index[3], "timestamp"] = naive
    checked = validate(df_text)
    assert list(checked.quarantine.transaction_id) == [df_text.transaction_id.iloc[3]]
    assert checked.quarantine.reason.iloc[0] == "timestamp: no UTC offset, so when it happened is unknown"
    assert len(checked.clean) == len(df_text) - 1


def test_does_text_that_is_not_a_time_get_one_reason_only():
    df_text = defect_batch(None).copy()
    df_text.loc[df_text.index[0], "timestamp"] = "yesterday"
    assert failed_rows(df_text).to_list() == ["timestamp: wrong format"]


def test_does_reconcile_account_for_rows_an_earlier_batch_delivered():
    df_text = defect_batch(None)
    checked = validate(df_text)
    again = list(checked.clean.transaction_id[:7])
    out = checked.clean.iloc[7:]
    assert reconcile(df_text, out, checked.quarantine, 0, redelivered=again)
    with pytest.raises(ReconciliationError, match="7 rows differ"):
        reconcile(df_text, out, checked.quarantine, 0)
