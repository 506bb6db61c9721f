"""The transaction contract: the pandera schema and the request model give every boundary the same verdict."""

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from shipml.data import COLUMNS, transactions
from shipml.data.contract import CONTRACT, REQUEST_FIELDS, raw_schema, request_model, to_typed
from shipml.data.ingestion import as_text
from shipml.data.validation import failed_rows

TransactionRequest = request_model()


@pytest.fixture(scope="module")
def good_text() -> dict:
    """One valid raw row, every value as text (as a batch file delivers it)."""
    raw = transactions(seed=0, days=2, defects={})
    return as_text(raw).iloc[0].to_dict()


# (field, value as it arrives in a file, the same value as JSON in a request)
BOUNDARIES = [
    ("amount", "0", 0), ("amount", "0.0", 0.0), ("amount", "-0.01", -0.01), ("amount", "0.01", 0.01),
    ("amount", "0.000000001", 1e-9), ("amount", "100000", 100_000), ("amount", "100000.0", 100_000.0),
    ("amount", "100000.01", 100_000.01), ("amount", "12,50", "12,50"),
    ("hour", "-1", -1), ("hour", "0", 0), ("hour", "23", 23), ("hour", "24", 24), ("hour", "3.0", 3.0),
    ("hour", "3.5", 3.5),
    ("account_age_days", "-1", -1), ("account_age_days", "0", 0), ("account_age_days", "36500", 36_500),
    ("account_age_days", "36501", 36_501),
    ("merchant_category", "gambling", "gambling"), ("merchant_category", "Groceries", "Groceries"),
    ("merchant_category", "travel", "travel"), ("country", "XX", "XX"), ("home_country", "de", "de"),
    ("channel", "phone", "phone"), ("device", "chip", "chip"), ("device", "", ""),
    ("account_id", "acc00042", "acc00042"), ("account_id", "42", "42"), ("account_id", "acc42x", "acc42x"),
    ("timestamp", "2026-03-25T13:05:00+01:00", "2026-03-25T13:05:00+01:00"),
    ("timestamp", "2026-03-25T13:05:00Z", "2026-03-25T13:05:00Z"),
    ("timestamp", "2026-03-25T13:05:00", "2026-03-25T13:05:00"),
]


def _schema_accepts(row_text: dict) -> bool:
    return failed_rows(pd.DataFrame([row_text]).astype("str")).empty


def _model_accepts(body: dict) -> bool:
    try:
        TransactionRequest(**body)
    except ValidationError:
        return False
    return True


def _body(row_text: dict) -> dict:
    return {k: v for k, v in to_typed(row_text).items() if k in REQUEST_FIELDS}


@pytest.mark.parametrize("field, text, value", BOUNDARIES)
def test_do_the_schema_and_the_request_model_agree_on_each_boundary(good_text, field, text, value):
    schema_ok = _schema_accepts({**good_text, field: text})
    model_ok = _model_accepts({**_body(good_text), field: value})
    assert schema_ok == model_ok, f"{field}={text!r}: schema {schema_ok}, request model {model_ok}"


@pytest.mark.parametrize("field, text, expected", [
    ("amount", "0", False), ("amount", "0.01", True), ("amount", "100000", True), ("amount", "100000.01", False),
    ("hour", "-1", False), ("hour", "0", True), ("hour", "23", True), ("hour", "24", False),
    ("merchant_category", "gambling", False),
])
def test_is_the_one_rule_the_expected_one(good_text, field, text, expected):
    assert _schema_accepts({**good_text, field: text}) is expected


@pytest.mark.parametrize("field", REQUEST_FIELDS)
def test_is_a_missing_field_refused_by_both(good_text, field):
    assert not _schema_accepts({**good_text, field: None})
    assert not _model_accepts({k: v for k, v in _body(good_text).items() if k != field})


def test_does_the_request_model_forbid_unknown_fields_and_say_what_is_allowed(good_text):
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        TransactionRequest(**_body(good_text), merchant_categroy="travel")
    with pytest.raises(ValidationError, match="greater than 0"):
        TransactionRequest(**{**_body(good_text), "amount": 0})
    with pytest.raises(ValidationError, match="'grocery', 'fuel'"):
        TransactionRequest(**{**_body(good_text), "merchant_category": "gambling"})


def test_are_the_request_fields_the_models_inputs():
    assert tuple(TransactionRequest.model_fields) == REQUEST_FIELDS == (
        "account_id", "timestamp", "amount", "merchant_category", "country", "channel", "device", "hour", "account_age_days", "home_country")


def test_does_every_stream_column_have_one_definition_and_its_description():
    assert list(COLUMNS) == [c for c in CONTRACT if CONTRACT[c].stream]
    assert list(raw_schema().columns) == list(CONTRACT)
    assert list(transactions(days=1, seed=0).columns) == list(COLUMNS)


@pytest.mark.parametrize("seed, drift", [(0, None), (1, {"start": "2026-02-01", "amount_scale": 0.5}),
                                         (2, {"start": "2026-02-01", "amount_scale": 3.0, "online_share": 0.3})])
def test_does_the_generator_emit_only_rows_the_contract_accepts(seed, drift):
    raw = transactions(days=5, seed=seed, drift=drift, defects={})
    assert raw.amount.min() > 0 and raw.amount.max() <= 100_000
    assert failed_rows(as_text(raw)).empty


def test_does_a_raw_table_become_the_generators_types():
    raw = transactions(seed=4, days=3, defects={})
    typed = to_typed(as_text(raw))
    expected = raw.reset_index(drop=True)
    assert list(typed.columns) == list(expected.columns)
    assert (typed.dtypes == expected.dtypes).all()
    pd.testing.assert_frame_equal(typed, expected, check_dtype=True)


def test_does_one_text_row_become_typed_values(good_text):
    row = to_typed(good_text)
    assert isinstance(row["amount"], float) and isinstance(row["hour"], int)
    assert row["amount"] == float(good_text["amount"]) and np.isclose(row["amount"], float(good_text["amount"]))
    assert row["timestamp"] == pd.Timestamp(good_text["timestamp"])
