"""Ingestion: daily batch files (CSV or JSON lines) in, typed Parquet tables out, bad files reported.

    from shipml.data.ingestion import write_daily_batches, read_batch, ingest_batches
    paths = write_daily_batches(df_raw, folder)            # 2026-01-01.csv, 2026-01-02.jsonl, ...
    df_text = read_batch(paths[0])                         # every column as text; BatchError if unusable
    result = ingest_batches(paths, out_folder)             # validate each batch, write Parquet
    result.report                                          # one row per batch: rows in, out, quarantined, why
    ingest_batches(later_paths, out_folder)                # drops what out_folder's earlier runs accepted
    result.clean, result.quarantine                        # all batches together

A batch is read as text: nothing is trusted at the boundary until the schema of
`shipml.data.validation` has looked at it. A file that cannot be used at all (empty,
not valid CSV, a column the contract does not know) is reported with the batch
name and the reason, and the other batches are processed; the file itself is
left where it is, so nothing is lost. A transaction is accepted once: a
redelivery in a later batch (same transaction_id, same values) is dropped and
counted, and the same id with other values is quarantined.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from shipml.data.contract import CONTRACT
from shipml.data.validation import reconcile, validate

__all__ = ["RAW_COLUMNS", "REDELIVERY_CONFLICT", "BatchError", "Ingested", "as_text", "ingest_batches", "read_batch",
           "transaction_keys", "write_daily_batches"]

# The contract of a raw batch: the generator's columns plus the arrival time.
RAW_COLUMNS = tuple(CONTRACT)  # the stream's columns, then ingested_at


class BatchError(ValueError):
    """A batch file that cannot be ingested at all; the message says why, in a sentence."""


def _text(value):
    """One raw value as text, or None when it is missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value)


def _column_as_text(s: pd.Series):
    if isinstance(s.dtype, pd.DatetimeTZDtype) or s.dtype.kind == "M":  # ISO 8601, with its offset
        return pd.array([_text(v) for v in s.tolist()], dtype="str")
    return s.astype("str").array  # numbers as Python writes them; missing values stay missing


def as_text(df: pd.DataFrame) -> pd.DataFrame:
    """Every column as pandas text, as a batch file delivers it (missing values stay missing)."""
    return pd.DataFrame({c: _column_as_text(df[c]) for c in df.columns}, index=df.index)


def write_daily_batches(df_raw: pd.DataFrame, folder, formats=("csv", "jsonl")) -> list[Path]:
    """Write one file per arrival day (`ingested_at`), alternating the formats; return the paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    days = df_raw["ingested_at"].dt.floor("D")
    paths = []
    for i, (day, batch) in enumerate(df_raw.groupby(days, sort=True)):
        fmt = formats[i % len(formats)]
        path = folder / f"{day:%Y-%m-%d}.{fmt}"
        text = as_text(batch)
        if fmt == "csv":
            text.to_csv(path, index=False)
        else:
            text.to_json(path, orient="records", lines=True)
        paths.append(path)
    return paths


def read_batch(path) -> pd.DataFrame:
    """A batch file as a table of text columns; BatchError (with the reason) if it cannot be used."""
    path = Path(path)
    name = path.name
    try:
        if path.suffix == ".csv":
            with warnings.catch_warnings():
                # A row longer than the header would otherwise become an index, or be cut short: refuse it.
                warnings.simplefilter("error", pd.errors.ParserWarning)
                df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], index_col=False)
        elif path.suffix in (".jsonl", ".json"):
            df = pd.read_json(path, lines=True, dtype=False)
        else:
            raise BatchError(f"batch {name}: unknown file type {path.suffix!r}; expected .csv or .jsonl.")
    except BatchError:
        raise
    except pd.errors.EmptyDataError:
        raise BatchError(f"batch {name}: the file is empty.") from None
    except (pd.errors.ParserError, pd.errors.ParserWarning, ValueError, UnicodeDecodeError) as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise BatchError(f"batch {name}: not a valid {path.suffix[1:].upper()} file ({first_line}).") from None
    if len(df) == 0:
        raise BatchError(f"batch {name}: the file has no rows.")
    unknown = [c for c in df.columns if c not in RAW_COLUMNS]
    missing = [c for c in RAW_COLUMNS if c not in df.columns]
    if unknown:
        raise BatchError(f"batch {name}: unknown column {', '.join(map(repr, unknown))}; "
                         "the contract has no such column.")
    if missing:
        raise BatchError(f"batch {name}: column {', '.join(map(repr, missing))} is missing.")
    return as_text(df[list(RAW_COLUMNS)])


@dataclass
class Ingested:
    """What ingesting a list of batches produced."""

    clean: pd.DataFrame       # typed rows that passed, all batches
    quarantine: pd.DataFrame  # rows that failed, with the batch, the reason and the raw record
    report: pd.DataFrame      # one row per batch


REDELIVERY_CONFLICT = "transaction_id: accepted in an earlier batch with other values"


def transaction_keys(clean: pd.DataFrame) -> pd.Series:
    """One hash per typed row of what the transaction is (every column but ingested_at), indexed by its id.

    A redelivered row arrives later (another `ingested_at`), maybe in another file format or with its time in
    another zone: it is the same transaction when these keys are equal.
    """
    columns = [c for c in RAW_COLUMNS if c != "ingested_at" and c in clean.columns]
    canonical = pd.DataFrame({
        c: (clean[c].dt.tz_convert("UTC").dt.as_unit("us").astype("int64")
            if isinstance(clean[c].dtype, pd.DatetimeTZDtype) else clean[c].astype(str))
        for c in columns})
    hashes = pd.util.hash_pandas_object(canonical, index=False).to_numpy()
    return pd.Series(hashes, index=clean["transaction_id"].to_numpy())


def _accepted_before(out_folder, batches: set) -> pd.Series:
    """The keys of the transactions that earlier runs wrote to out_folder/clean, except the batches run now."""
    folder = None if out_folder is None else Path(out_folder) / "clean"
    if folder is None or not folder.is_dir():
        return pd.Series(dtype="uint64")
    earlier = [pd.read_parquet(f) for f in sorted(folder.glob("*.parquet")) if f.stem not in batches]
    return pd.concat([transaction_keys(t) for t in earlier]) if earlier else pd.Series(dtype="uint64")


def ingest_batches(paths, out_folder=None, schema=None) -> Ingested:
    """Read, validate and reconcile each batch; write `clean/` and `quarantine/` Parquet files to out_folder.

    The pipeline remembers what it accepted: a transaction that an earlier batch delivered (earlier in
    `paths`, or in out_folder's clean tables from an earlier run) is dropped when it comes again unchanged
    (counted as `redelivered`) and quarantined when it comes again with other values. Re-ingesting a batch
    replaces its own outputs, so a rerun gives the same tables.
    """
    from shipml.data.validation import empty_quarantine, quarantined, to_typed

    paths = list(map(Path, paths))
    accepted = _accepted_before(out_folder, {p.stem for p in paths})  # id -> key of what was accepted
    cleans, quarantines, rows = [], [], []
    for path in paths:
        try:
            df_text = read_batch(path)
        except BatchError as error:
            rows.append(dict(batch=path.name, status="rejected", rows_in=0, duplicates_removed=0, redelivered=0,
                             quarantined=0, rows_out=0, reason=str(error)))
            continue
        checked = validate(df_text, schema)
        clean, quarantine = checked.clean, checked.quarantine
        seen = clean["transaction_id"].isin(accepted.index).to_numpy()
        redelivered = []
        if seen.any():
            keys = transaction_keys(clean[seen])
            same = keys.to_numpy() == accepted.reindex(keys.index).to_numpy()
            redelivered = list(keys.index[same])
            conflicts = set(keys.index[~same])
            first_rows = df_text[~df_text.duplicated(keep="first")]
            quarantine = pd.concat([quarantine, quarantined(
                first_rows[first_rows["transaction_id"].isin(conflicts)], REDELIVERY_CONFLICT)], ignore_index=True)
            clean = clean[~seen].reset_index(drop=True)
        reconcile(df_text, clean, quarantine, checked.duplicates_removed, batch=path.name, redelivered=redelivered)
        accepted = pd.concat([accepted, transaction_keys(clean)])
        quarantine = quarantine.assign(batch=path.name)
        cleans.append(clean)
        quarantines.append(quarantine)
        rows.append(dict(batch=path.name, status="ingested", rows_in=len(df_text),
                         duplicates_removed=checked.duplicates_removed, redelivered=len(redelivered),
                         quarantined=len(quarantine), rows_out=len(clean), reason=""))
        if out_folder is not None:
            for kind, table in (("clean", clean), ("quarantine", quarantine)):
                folder = Path(out_folder) / kind
                folder.mkdir(parents=True, exist_ok=True)
                table.to_parquet(folder / f"{path.stem}.parquet", index=False)
    clean = pd.concat(cleans, ignore_index=True) if cleans else to_typed(as_text(pd.DataFrame(columns=RAW_COLUMNS)))
    quarantine = (pd.concat(quarantines, ignore_index=True) if quarantines
                  else empty_quarantine().assign(batch=pd.Series(dtype="str")))
    return Ingested(clean, quarantine, pd.DataFrame(rows))
