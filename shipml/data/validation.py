"""Validation at the boundary: the contract's pandera schema on the raw text table, quarantine, reconciliation.

    from shipml.data.validation import raw_schema, validate, reconcile
    checked = validate(df_text)                 # exact copies removed, schema run lazily
    checked.clean                               # typed rows that passed (timestamps in UTC)
    checked.quarantine                          # failing rows: transaction_id, reason, raw record
    reconcile(df_text, checked.clean, checked.quarantine, checked.duplicates_removed)  # or ValueError

The schema (`raw_schema`) and the typing of the rows that pass (`to_typed`)
come from the transaction contract, `shipml.data.contract`. The schema runs
with `lazy=True`, so every failure of every row is reported, not only the first. A row that fails goes to the quarantine table with its
reasons and its raw record: it is never silently dropped. Reconciliation then
asserts that every row that came in is accounted for.
"""

from __future__ import annotations

import json

import pandas as pd
import pandera.pandas as pa

from shipml.data.contract import raw_schema, reason, to_typed

__all__ = ["ReconciliationError", "Validated", "empty_quarantine", "failed_rows", "quarantined", "raw_schema",
           "reconcile", "to_typed", "validate"]


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
        reasons.setdefault(index, []).append(reason(column, check))
    if len(table_wide):
        extra = [reason(c, k) for c, k in zip(table_wide["column"], table_wide["check"])]
        for index in df_text.index:
            reasons.setdefault(index, []).extend(extra)
    out = {i: "; ".join(dict.fromkeys(r)) for i, r in reasons.items() if i in df_text.index}
    return pd.Series(out, dtype="str", name="reason").sort_index()


def empty_quarantine() -> pd.DataFrame:
    return pd.DataFrame({"transaction_id": pd.Series(dtype="str"), "reason": pd.Series(dtype="str"),
                         "record": pd.Series(dtype="str")})


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
    quarantine = quarantined(unique[bad], reasons.reindex(unique.index[bad]).to_numpy())
    return Validated(to_typed(unique[~bad]), quarantine, int(copies.sum()))


def quarantined(df_text: pd.DataFrame, reasons) -> pd.DataFrame:
    """Quarantine rows for raw text rows and their reasons (one per row, or one for all): id, reason, record."""
    if len(df_text) == 0:
        return empty_quarantine()
    records = [json.dumps(r) for r in df_text.astype(object).where(df_text.notna(), None).to_dict(orient="records")]
    reasons = [reasons] * len(df_text) if isinstance(reasons, str) else list(reasons)
    return pd.DataFrame({
        "transaction_id": df_text["transaction_id"].to_numpy(),
        "reason": reasons,
        "record": pd.array(records, dtype="str"),
    }).astype({"transaction_id": "str", "reason": "str", "record": "str"})


class ReconciliationError(ValueError):
    """Rows came in that are neither out, quarantined nor removed as copies."""


def reconcile(df_in, df_out, df_quarantine, duplicates_removed: int, batch: str = "the batch",
              redelivered=()) -> bool:
    """True when rows in = rows out + quarantined + duplicates removed + redelivered, every id accounted for.

    `redelivered`: the ids of rows dropped because an earlier batch already delivered them (see
    `shipml.data.ingestion.ingest_batches`); empty for a batch checked on its own.
    """
    redelivered = set(redelivered)
    accounted = len(df_out) + len(df_quarantine) + duplicates_removed + len(redelivered)
    if len(df_in) != accounted:
        also = f", {len(redelivered)} redelivered" if redelivered else ""
        raise ReconciliationError(
            f"{batch}: {len(df_in)} rows came in but {accounted} are accounted for ({len(df_out)} out, "
            f"{len(df_quarantine)} quarantined, {duplicates_removed} duplicates removed{also}): "
            f"{len(df_in) - accounted} rows differ.")
    lost = (set(df_in["transaction_id"]) - set(df_out["transaction_id"]) - set(df_quarantine["transaction_id"])
            - redelivered)
    if lost:
        raise ReconciliationError(f"{batch}: {len(lost)} transaction ids came in and are neither out nor "
                                  f"quarantined, e.g. {sorted(lost)[0]}.")
    return True
