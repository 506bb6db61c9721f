"""Validation at the boundary: a pandera schema for the raw text table, quarantine, reconciliation.

    from shipml.data.validation import raw_schema, validate, reconcile
    checked = validate(df_text)                 # exact copies removed, schema run lazily
    checked.clean                               # typed rows that passed (timestamps in UTC)
    checked.quarantine                          # failing rows: transaction_id, reason, raw record
    reconcile(df_text, checked.clean, checked.quarantine, checked.duplicates_removed)  # or ValueError

The schema runs with `lazy=True`, so every failure of every row is reported,
not only the first. A row that fails goes to the quarantine table with its
reasons and its raw record: it is never silently dropped. Reconciliation then
asserts that every row that came in is accounted for.
"""

from __future__ import annotations

import json

import pandas as pd
import pandera.pandas as pa

from shipml.data import AGE_BANDS, CHANNELS, COUNTRIES, DEVICES, MERCHANT_CATEGORIES

__all__ = ["ReconciliationError", "Validated", "empty_quarantine", "failed_rows", "raw_schema", "reconcile",
           "to_typed", "validate"]

_ISO_UTC_OFFSET = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})"
_NUMBER = r"-?\d+(\.\d+)?"


def _numbers(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce")


def raw_schema() -> pa.DataFrameSchema:
    """The contract of a raw batch, every column as text: what a row must look like to be used."""
    text = dict(dtype=str, nullable=False)
    return pa.DataFrameSchema(
        {
            "transaction_id": pa.Column(**text, unique=True, checks=pa.Check.str_matches(r"tx\d+$")),
            "account_id": pa.Column(**text, checks=pa.Check.str_matches(r"acc\d+$")),
            # Any UTC offset is fine: ingestion converts to UTC. A time without an offset is ambiguous.
            "timestamp": pa.Column(**text, checks=pa.Check.str_matches(_ISO_UTC_OFFSET + "$")),
            "amount": pa.Column(**text, checks=[
                pa.Check.str_matches(_NUMBER + "$", error="not a number"),
                pa.Check(lambda s: ~(_numbers(s) < 0), name="non_negative"),
            ]),
            "merchant_category": pa.Column(**text, checks=pa.Check.isin(MERCHANT_CATEGORIES)),
            "country": pa.Column(**text, checks=pa.Check.isin(list(COUNTRIES))),
            "channel": pa.Column(**text, checks=pa.Check.isin(CHANNELS)),
            "device": pa.Column(**text, checks=pa.Check.isin(DEVICES)),
            "hour": pa.Column(**text, checks=pa.Check(
                lambda s: _numbers(s).isin(range(24)), name="hour_0_to_23", error="not an hour 0-23")),
            "account_age_days": pa.Column(**text, checks=pa.Check(
                lambda s: _numbers(s) >= 0, name="whole_days", error="not a number of days")),
            "home_country": pa.Column(**text, checks=pa.Check.isin(list(COUNTRIES))),
            "age_band": pa.Column(**text, checks=pa.Check.isin(AGE_BANDS)),
            "is_fraud": pa.Column(**text, checks=pa.Check.isin(["0", "1"])),
            "ingested_at": pa.Column(**text, checks=pa.Check.str_matches(_ISO_UTC_OFFSET + "$")),
        },
        strict=True,
        name="raw transactions",
    )


def _reason(column, check) -> str:
    """A short reason from a pandera failure: 'amount: missing', 'merchant_category: not allowed'."""
    check = str(check)
    if check == "not_nullable":
        what = "missing"
    elif check == "field_uniqueness":
        what = "duplicate id"
    elif check.startswith("isin("):
        what = "not an allowed value"
    elif check.startswith("str_"):
        what = "wrong format"
    else:
        what = {"non_negative": "negative", "hour_0_to_23": "not an hour 0-23",
                "whole_days": "not a number of days"}.get(check, check)
    if check.startswith("str_matches") and column == "amount":
        what = "not a number"
    return f"{column}: {what}" if column and str(column) != "None" else what


def failed_rows(df_text: pd.DataFrame, schema: pa.DataFrameSchema | None = None) -> pd.Series:
    """Reasons per failing row (index of df_text → '; '-joined reasons); empty when every row passes."""
    schema = raw_schema() if schema is None else schema
    try:
        schema.validate(df_text, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
    else:
        return pd.Series(dtype="str", name="reason")
    rows = cases[cases["index"].notna()]
    table_wide = cases[cases["index"].isna()]  # e.g. a missing column: every row fails
    reasons = {}
    for index, column, check in zip(rows["index"], rows["column"], rows["check"]):
        reasons.setdefault(index, []).append(_reason(column, check))
    if len(table_wide):
        extra = [_reason(c, k) for c, k in zip(table_wide["column"], table_wide["check"])]
        for index in df_text.index:
            reasons.setdefault(index, []).extend(extra)
    out = {i: "; ".join(dict.fromkeys(r)) for i, r in reasons.items() if i in df_text.index}
    return pd.Series(out, dtype="str", name="reason").sort_index()


def empty_quarantine() -> pd.DataFrame:
    return pd.DataFrame({"transaction_id": pd.Series(dtype="str"), "reason": pd.Series(dtype="str"),
                         "record": pd.Series(dtype="str")})


def to_typed(df_text: pd.DataFrame) -> pd.DataFrame:
    """Rows that passed the schema, with their types: timestamps in UTC, numbers as numbers, categories."""
    return pd.DataFrame({
        "transaction_id": df_text["transaction_id"],
        "account_id": df_text["account_id"],
        "timestamp": pd.to_datetime(df_text["timestamp"], utc=True, format="ISO8601").dt.as_unit("us"),
        "amount": df_text["amount"].astype(float),
        "merchant_category": pd.Categorical(df_text["merchant_category"], categories=MERCHANT_CATEGORIES),
        "country": df_text["country"],
        "channel": pd.Categorical(df_text["channel"], categories=CHANNELS),
        "device": pd.Categorical(df_text["device"], categories=DEVICES),
        "hour": df_text["hour"].astype(float).astype("int64"),
        "account_age_days": df_text["account_age_days"].astype(float).astype("int64"),
        "home_country": df_text["home_country"],
        "age_band": pd.Categorical(df_text["age_band"], categories=AGE_BANDS, ordered=True),
        "is_fraud": df_text["is_fraud"].astype("int64"),
        "ingested_at": pd.to_datetime(df_text["ingested_at"], utc=True, format="ISO8601").dt.as_unit("us"),
    }).reset_index(drop=True)


class Validated:
    """The outcome of validating one raw batch."""

    def __init__(self, clean, quarantine, duplicates_removed):
        self.clean, self.quarantine, self.duplicates_removed = clean, quarantine, duplicates_removed


def validate(df_text: pd.DataFrame, schema: pa.DataFrameSchema | None = None) -> Validated:
    """Remove exact copies, run the schema lazily, type the rows that pass and quarantine the rest."""
    copies = df_text.duplicated(keep="first")
    unique = df_text[~copies]
    reasons = failed_rows(unique, schema)
    bad = unique.index.isin(reasons.index)
    records = [json.dumps(r) for r in unique[bad].astype(object).where(unique[bad].notna(), None)
               .to_dict(orient="records")]
    quarantine = pd.DataFrame({
        "transaction_id": unique.loc[bad, "transaction_id"].to_numpy(),
        "reason": reasons.reindex(unique.index[bad]).to_numpy(),
        "record": pd.array(records, dtype="str"),
    }).astype({"transaction_id": "str", "reason": "str", "record": "str"}) if bad.any() else empty_quarantine()
    return Validated(to_typed(unique[~bad]), quarantine, int(copies.sum()))


class ReconciliationError(ValueError):
    """Rows came in that are neither out, quarantined nor removed as copies."""


def reconcile(df_in, df_out, df_quarantine, duplicates_removed: int, batch: str = "the batch") -> bool:
    """True when rows in = rows out + quarantined + duplicates removed and every id is accounted for."""
    accounted = len(df_out) + len(df_quarantine) + duplicates_removed
    if len(df_in) != accounted:
        raise ReconciliationError(
            f"{batch}: {len(df_in)} rows came in but {accounted} are accounted for ({len(df_out)} out, "
            f"{len(df_quarantine)} quarantined, {duplicates_removed} duplicates removed): "
            f"{len(df_in) - accounted} rows differ.")
    lost = set(df_in["transaction_id"]) - set(df_out["transaction_id"]) - set(df_quarantine["transaction_id"])
    if lost:
        raise ReconciliationError(f"{batch}: {len(lost)} transaction ids came in and are neither out nor "
                                  f"quarantined, e.g. {sorted(lost)[0]}.")
    return True
