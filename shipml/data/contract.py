"""The transaction contract: the one definition of each input column, and everything derived from it.

    from shipml.data.contract import CONTRACT, COLUMNS, raw_schema, request_model, to_typed
    CONTRACT["amount"]              # Column(name="amount", kind="number", low=0, low_open=True, ...)
    COLUMNS["amount"]               # its description (the book's data page renders these)
    raw_schema()                    # pandera schema of a raw batch, every column as text
    TransactionRequest = request_model()   # pydantic model of a scoring request (the API's fields)
    to_typed(df_text)               # a raw text table (or one row, a dict) as typed values

Each column is written down once, here: its type, its allowed categories or
its numeric range with inclusive or exclusive bounds, and its description.
The validation schema that guards ingestion, the request model that guards the
API and the conversion of raw text to typed values are all built from that one
definition, so a row the pipeline accepts is a request the server accepts, and
the reverse; tests hold every boundary to the same verdict on both sides.

The rules, and why: an amount is > 0 (a payment of 0 EUR is not a payment) and
at most 100,000 EUR (above that it is a wire transfer, not a card payment);
an hour is a whole number 0..23; an account age is a whole number of days
0..36,500 (a hundred years); categories come from the lists below; a timestamp
carries a UTC offset (`+01:00`, `Z`): one without ("naive") is refused, since
nobody can tell when it happened.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

__all__ = ["AGE_BANDS", "CHANNELS", "COLUMNS", "CONTRACT", "COUNTRIES", "DEVICES", "MERCHANT_CATEGORIES",
           "REQUEST_FIELDS", "Column", "raw_schema", "reason", "request_model", "to_typed"]

MERCHANT_CATEGORIES = (
    "grocery", "fuel", "restaurants", "travel", "electronics",
    "online_services", "fashion", "health", "entertainment", "cash_withdrawal",
)
CHANNELS = ("card_present", "online")
DEVICES = ("chip", "contactless", "swipe", "web", "mobile_app")
AGE_BANDS = ("18-25", "26-40", "41-60", "61+")
# Country -> fixed UTC offset in hours (standard time; the course ignores daylight saving). The keys are the
# allowed codes; the offsets say what a local `hour` means.
COUNTRIES: dict[str, int] = {
    "DE": 1, "FR": 1, "NL": 1, "ES": 1, "IT": 1, "BE": 1, "PL": 1, "AT": 1, "PT": 0, "IE": 0,
    "GB": 0, "CH": 1, "GR": 2, "TR": 3, "AE": 4, "TH": 7, "CN": 8, "US": -5, "BR": -3, "NG": 1,
}

_ISO_TIME = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?"
_UTC_OFFSET = r"(Z|[+-]\d{2}:\d{2})"
_NUMBER = r"-?\d+(\.\d+)?"


@dataclass(frozen=True)
class Column:
    """One input column: what it is and which values are allowed.

    `kind` is "text" (kept as text, e.g. an id or an ISO code), "category"
    (a pandas categorical when typed), "number", "integer" (a whole number;
    "3.0" is 3) or "timestamp" (ISO 8601 with a UTC offset). `low`/`high`
    bound a number; `low_open`/`high_open` make a bound exclusive.
    `request`: the scoring API takes this column.
    """

    name: str
    kind: str
    description: str
    categories: tuple[str, ...] | None = None
    pattern: str | None = None
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    ordered: bool = False
    request: bool = False
    unique: bool = False
    stream: bool = True  # a column of the clean stream; False: added on arrival (ingested_at)


# --- the contract (chapters 4 and 7 show this block) ---
CONTRACT: dict[str, Column] = {c.name: c for c in (
    Column("transaction_id", "text", "Unique id of the transaction, in time order: `tx0000001` is the earliest.",
           pattern=r"tx\d+", unique=True),
    Column("account_id", "text",
           "The card account that paid, e.g. `acc00042`; an account makes about 50 transactions.",
           pattern=r"acc\d+", request=True),
    Column("timestamp", "timestamp", "When the transaction happened, tz-aware UTC; the frame is sorted by it.",
           request=True),
    Column("amount", "number", "Amount in EUR, rounded to cents. Heavy-tailed: lognormal around the account's "
           "typical spend, with occasional large spikes.", low=0, low_open=True, high=100_000, request=True),
    Column("merchant_category", "category",
           "What was bought: one of the ten `MERCHANT_CATEGORIES` (pandas categorical).",
           categories=MERCHANT_CATEGORIES, request=True),
    Column("country", "text", "ISO-2 code of the merchant's country.", categories=tuple(COUNTRIES), request=True),
    Column("channel", "category", "`card_present` (in a shop or at an ATM) or `online`.",
           categories=CHANNELS, request=True),
    Column("device", "category", "How the card was read: `chip`, `contactless` (only up to 50 EUR) or `swipe` "
           "(magnetic stripe) in a shop; `web` or `mobile_app` online.", categories=DEVICES, request=True),
    Column("hour", "integer", "Hour of day (0–23) where the card holder is: the merchant's country in a shop, "
           "the home country online (fixed UTC offsets, no daylight saving).", low=0, high=23, request=True),
    Column("account_age_days", "integer",
           "Whole days since the account was opened, at the time of the transaction.",
           low=0, high=36_500, request=True),
    Column("home_country", "text", "ISO-2 code of the card holder's country.", categories=tuple(COUNTRIES),
           request=True),
    Column("age_band", "category", "The card holder's age band (ordered categorical), for fairness analysis: "
           "the fraud mechanism does not use it, but habits differ by age.", categories=AGE_BANDS, ordered=True),
    Column("is_fraud", "integer", "The label: 1 if the transaction was reported as fraud, else 0.",
           categories=("0", "1")),
    Column("ingested_at", "timestamp", "When the pipeline received the row, tz-aware UTC (raw feeds only).",
           stream=False),
)}
# --- end of the contract ---

# The one description of each column of the stream, in the frame's order (the data page renders it).
COLUMNS: dict[str, str] = {c.name: c.description for c in CONTRACT.values() if c.stream}
# The fields of a scoring request, in the contract's order.
REQUEST_FIELDS: tuple[str, ...] = tuple(c.name for c in CONTRACT.values() if c.request)


# --- (a) the pandera schema of a raw batch ---

def _numbers(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce")


def _checks(column: Column) -> list:
    import pandera.pandas as pa

    checks = []
    if column.pattern is not None:
        checks.append(pa.Check.str_matches(column.pattern + "$"))
    if column.kind == "timestamp":
        # Any UTC offset is fine: ingestion converts to UTC. A time without an offset (a "naive" time) is
        # refused with its own reason: nobody can tell when it happened. Text that is not a time at all
        # fails the format check only, so each problem has one reason.
        checks.append(pa.Check.str_matches(_ISO_TIME + _UTC_OFFSET + "?$"))
        checks.append(pa.Check(lambda s: ~s.str.fullmatch(_ISO_TIME).astype(bool), name="naive",
                               error="no UTC offset, so when it happened is unknown"))
    if column.categories is not None:
        checks.append(pa.Check.isin(list(column.categories)))
    elif column.kind in ("number", "integer"):
        checks.append(pa.Check.str_matches(_NUMBER + "$", name="number", error="not a number"))
        if column.kind == "integer":
            checks.append(pa.Check(lambda s: ~(_numbers(s) % 1 > 0), name="whole", error="not a whole number"))
        # Written as "not out of range" so that text that is not a number passes here: the number
        # check above already reports it, and one reason per problem is what the quarantine wants.
        if column.low is not None:
            low = column.low
            test = (lambda s: ~(_numbers(s) <= low)) if column.low_open else (lambda s: ~(_numbers(s) < low))
            checks.append(pa.Check(test, name="low", error=_low_reason(column)))
        if column.high is not None:
            high = column.high
            test = (lambda s: ~(_numbers(s) >= high)) if column.high_open else (lambda s: ~(_numbers(s) > high))
            checks.append(pa.Check(test, name="high", error=_high_reason(column)))
    return checks


def _low_reason(column: Column) -> str:
    if column.low == 0:
        return "not positive" if column.low_open else "negative"
    return f"{'not above' if column.low_open else 'below'} {column.low:g}"


def _high_reason(column: Column) -> str:
    return f"{'not below' if column.high_open else 'above'} {column.high:g}"


def raw_schema():
    """The contract of a raw batch, every column as text: what a row must look like to be used."""
    import pandera.pandas as pa  # imported here: a server that only needs the request model does not load pandera

    return pa.DataFrameSchema(
        {c.name: pa.Column(str, nullable=False, unique=c.unique, checks=_checks(c)) for c in CONTRACT.values()},
        strict=True,
        name="raw transactions",
    )


def reason(column, check) -> str:
    """A short reason from a pandera failure: 'amount: missing', 'merchant_category: not an allowed value'."""
    check = str(check)
    if check == "not_nullable":
        what = "missing"
    elif check == "field_uniqueness":
        what = "duplicate id"
    elif check.startswith("isin("):
        what = "not an allowed value"
    elif check.startswith("str_"):
        what = "wrong format"
    elif check in ("low", "high") and str(column) in CONTRACT:
        what = (_low_reason if check == "low" else _high_reason)(CONTRACT[str(column)])
    else:
        # "non_negative": the name chapter 4's exercise gives its own amount check
        what = {"number": "not a number", "whole": "not a whole number", "non_negative": "negative",
                "naive": "no UTC offset, so when it happened is unknown"}.get(check, check)
    return f"{column}: {what}" if column and str(column) != "None" else what


# --- (b) the pydantic model of a scoring request ---

def request_model(name: str = "TransactionRequest"):
    """A pydantic model of one scoring request: the request columns, their types and bounds, nothing else."""
    from typing import Literal

    from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, create_model

    fields = {}
    for c in CONTRACT.values():
        if not c.request:
            continue
        bounds = {}
        if c.low is not None:
            bounds["gt" if c.low_open else "ge"] = c.low
        if c.high is not None:
            bounds["lt" if c.high_open else "le"] = c.high
        if c.pattern is not None:
            bounds["pattern"] = f"^{c.pattern}$"
        kind = {"number": float, "integer": int, "timestamp": AwareDatetime}.get(c.kind, str)  # a time needs its offset
        annotation = Literal[c.categories] if c.categories is not None else kind
        fields[c.name] = (annotation, Field(description=c.description, **bounds))

    class Base(BaseModel):
        """One transaction to score: the columns the model reads, and nothing else."""

        model_config = ConfigDict(extra="forbid")  # an unknown field is a client's bug: say so, don't ignore it

    model = create_model(name, __base__=Base, __module__=__name__, **fields)
    model.__doc__ = Base.__doc__
    return model


# --- (c) raw text to typed values ---

def _typed_column(c: Column, s: pd.Series) -> pd.Series | pd.Categorical:
    if c.kind == "timestamp":
        return pd.to_datetime(s, utc=True, format="ISO8601").dt.as_unit("us")
    if c.kind == "number":
        return s.astype(float)
    if c.kind == "integer":
        return s.astype(float).astype("int64")  # "3.0" (a column that once held a NaN) is 3
    if c.kind == "category":
        return pd.Categorical(s, categories=c.categories, ordered=c.ordered)
    return s


def to_typed(raw):
    """Rows that passed the schema, with their types: timestamps in UTC, numbers as numbers, categories.

    `raw` is a text table (a DataFrame, columns of the contract) or one row
    (a dict); the result is a DataFrame, or a dict of plain Python values.
    """
    if isinstance(raw, dict):
        typed = to_typed(pd.DataFrame([{k: (None if v is None else str(v)) for k, v in raw.items()}]))
        return {k: (v.item() if hasattr(v, "item") else v) for k, v in typed.iloc[0].items()}
    columns = [c for c in CONTRACT if c in raw.columns]  # the contract's order, whatever the file's
    return pd.DataFrame({c: _typed_column(CONTRACT[c], raw[c]) for c in columns}).reset_index(drop=True)

