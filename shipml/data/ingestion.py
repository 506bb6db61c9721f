"""Ingestion: daily batch files (CSV or JSON lines) in, typed Parquet tables out, bad files reported.

    from shipml.data.ingestion import write_daily_batches, read_batch, ingest_batches
    paths = write_daily_batches(df_raw, folder)            # 2026-01-01.csv, 2026-01-02.jsonl, ...
    df_text = read_batch(paths[0])                         # every column as text; BatchError if unusable
    result = ingest_batches(paths, out_folder)             # validate each batch, write Parquet
    result.report                                          # one row per batch: rows in, out, quarantined, why
    result.clean, result.quarantine                        # all batches together

A batch is read as text: nothing is trusted at the boundary until the schema of
`shipml.data.validation` has looked at it. A file that cannot be used at all (empty,
not valid CSV, a column the contract does not know) is reported with the batch
name and the reason, and the other batches are processed; the file itself is
left where it is, so nothing is lost.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from shipml.data.contract import CONTRACT
from shipml.data.validation import reconcile, validate

__all__ = ["RAW_COLUMNS", "BatchError", "Ingested", "as_text", "ingest_batches", "read_batch", "write_daily_batches"]

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


def ingest_batches(paths, out_folder=None, schema=None) -> Ingested:
    """Read, validate and reconcile each batch; write `clean/` and `quarantine/` Parquet files to out_folder."""
    cleans, quarantines, rows = [], [], []
    for path in map(Path, paths):
        try:
            df_text = read_batch(path)
        except BatchError as error:
            rows.append(dict(batch=path.name, status="rejected", rows_in=0, duplicates_removed=0,
                             quarantined=0, rows_out=0, reason=str(error)))
            continue
        checked = validate(df_text, schema)
        reconcile(df_text, checked.clean, checked.quarantine, checked.duplicates_removed, batch=path.name)
        quarantine = checked.quarantine.assign(batch=path.name)
        cleans.append(checked.clean)
        quarantines.append(quarantine)
        rows.append(dict(batch=path.name, status="ingested", rows_in=len(df_text),
                         duplicates_removed=checked.duplicates_removed, quarantined=len(checked.quarantine),
                         rows_out=len(checked.clean), reason=""))
        if out_folder is not None:
            for kind, table in (("clean", checked.clean), ("quarantine", quarantine)):
                folder = Path(out_folder) / kind
                folder.mkdir(parents=True, exist_ok=True)
                table.to_parquet(folder / f"{path.stem}.parquet", index=False)
    from shipml.data.validation import empty_quarantine, to_typed

    clean = pd.concat(cleans, ignore_index=True) if cleans else to_typed(as_text(pd.DataFrame(columns=RAW_COLUMNS)))
    quarantine = (pd.concat(quarantines, ignore_index=True) if quarantines
                  else empty_quarantine().assign(batch=pd.Series(dtype="str")))
    return Ingested(clean, quarantine, pd.DataFrame(rows))
