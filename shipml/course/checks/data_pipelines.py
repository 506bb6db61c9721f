"""Checks of chapter 4, "Data pipelines": the schema, a point-in-time feature, reconciliation, the split.

    from shipml.course.checks import run
    run("ch04-ex2", schema)           # the learner's pandera DataFrameSchema for the raw text table
    run("ch04-ex3", tx_last_24h)      # the learner's tx_last_24h(df) -> one count per row
    run("ch04-ex4", reconcile)        # the learner's reconcile(df_in, df_out, df_quarantine, duplicates_removed)
    run("ch04-ex5", split_rows)       # the learner's split_rows(n, split, seed=0) -> (train, val) positions

Each case observes, then judges. The schema is graded by behaviour: the
observer runs it lazily on fixed raw batches that carry one planted defect type
each and returns the index labels it flags; the judge works out the planted
rows from the batch's values (`planted_rows`) and compares: exactly the planted
rows, and nothing on clean data or on valid rows that are late or written in
another time zone; a timestamp without a UTC offset must be flagged. tx_last_24h is compared with the column of the same name of
`shipml.features.point_in_time.account_features`, which the chapter shows;
reconcile's observer records what each call returned or the ValueError it
raised; split_rows' the positions. pandera is imported only when a schema is checked, so that
loading the registry stays fast for the other chapters.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from shipml.course.checks import Failure, WrongType, exercise, expect, expect_array, kind_of

# --- exercise 2: the pandera schema of a raw batch --------------------------------------------

ex2 = exercise(
    "ch04-ex2",
    title="A pandera schema for the raw transactions",
    hints=[
        "Every column arrives as text: declare each one with `text_column(...)` (a `pa.Column(str, "
        "nullable=False, checks=...)`); give transaction_id `unique=True`.",
        "Categories: `pa.Check.isin(MERCHANT_CATEGORIES)` (and CHANNELS, DEVICES, AGE_BANDS, the COUNTRIES). "
        "An amount must look like a number: `pa.Check.str_matches(r'-?\\d+(\\.\\d+)?$')`.",
        "A negative amount needs its own check on the number: `pa.Check(lambda s: ~(as_number(s) < 0))`. "
        "Timestamps may use any UTC offset (`+01:00`, `Z`): do not reject them; but a time with no offset at all "
        "must be flagged: `s.str.contains(r'(?:Z|[+-]\\d\\d:\\d\\d)$')`.",
    ],
)

SCHEMA_DEFECTS = ("missing", "wrong_types", "negative_amounts", "unknown_categories", "duplicates")
VALID_DEFECTS = ("late_events", "mixed_timezones")
NAIVE = "naive_timestamps"  # not a generator defect: `naive_batch` plants it
_OFFSET = r"(?:Z|[+-]\d{2}:\d{2})$"


@functools.lru_cache(maxsize=None)
def defect_batch(defect: str | None, days: int = 1, seed: int = 7, rate: float = 0.03) -> pd.DataFrame:
    """A raw batch as text with one planted defect type (None: clean), as `read_batch` returns it."""
    from shipml.data import transactions
    from shipml.data.ingestion import as_text

    defects = {} if defect is None else {defect: rate}
    return as_text(transactions(days=days, seed=seed, defects=defects))


@functools.lru_cache(maxsize=None)
def naive_batch(every: int = 40) -> pd.DataFrame:
    """A clean batch in which every `every`-th timestamp has lost its UTC offset (a naive time)."""
    df_text = defect_batch(None).copy()
    rows = df_text.index[::every]
    df_text.loc[rows, "timestamp"] = df_text.loc[rows, "timestamp"].str.replace(_OFFSET, "", regex=True)
    return df_text


def batch_for(defect: str) -> pd.DataFrame:
    """The fixed batch a case of exercise 2 runs the schema on, for one planted defect type."""
    return naive_batch() if defect == NAIVE else defect_batch(defect)


def planted_rows(df_text: pd.DataFrame, defect: str) -> set:
    """Index labels of the rows that carry the planted defect (worked out from the values, not the schema)."""
    amount = pd.to_numeric(df_text["amount"], errors="coerce")
    if defect == "missing":
        rows = df_text.isna().any(axis=1)
    elif defect == "wrong_types":
        rows = amount.isna() & df_text["amount"].notna()
    elif defect == "negative_amounts":
        rows = amount < 0
    elif defect == "unknown_categories":
        from shipml.data import MERCHANT_CATEGORIES

        rows = ~df_text["merchant_category"].isin(MERCHANT_CATEGORIES)
    elif defect == "duplicates":
        rows = df_text["transaction_id"].duplicated(keep=False)
    elif defect == NAIVE:
        rows = ~df_text["timestamp"].str.contains(_OFFSET).fillna(True).astype(bool)
    else:
        raise ValueError(f"no planted rows for {defect!r}")
    return set(df_text.index[rows])


def flagged_rows(schema, df_text: pd.DataFrame) -> set:
    """Index labels of the rows that the schema, run lazily, reports; every row if a table-wide check fails."""
    import pandera.pandas as pa

    try:
        schema.validate(df_text, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        if cases["index"].isna().any():
            first = cases[cases["index"].isna()].iloc[0]
            if "Error(" in str(first["failure_case"]):
                raise Failure(f"A check of your schema on column {first['column']!r} raised an error: "
                              f"{first['failure_case']}.")
            raise Failure(f"Your schema fails the whole table, not rows: column {first['column']!r}, check "
                          f"{first['check']!r} ({first['failure_case']}). Declare the columns as text (str).")
        return set(cases["index"])
    except pa.errors.SchemaError as error:
        raise Failure(f"Your schema stopped at the first failure ({error}); run it with lazy=True.") from None
    return set()


def _expect_schema(schema):
    import pandera.pandas as pa

    if not isinstance(schema, pa.DataFrameSchema):
        raise WrongType(f"Expected a pandera DataFrameSchema for the schema, got {kind_of(schema)}.")


def _show(df_text, rows, limit=2) -> str:
    picked = sorted(rows)[:limit]
    return "; ".join(
        ", ".join(f"{c}={v!r}" for c, v in df_text.loc[i, ["transaction_id", "amount", "merchant_category"]].items())
        for i in picked)


def _flagged(schema, df_text) -> list:
    """Observe: the sorted index labels of the rows the learner's schema flags on a fixed batch."""
    _expect_schema(schema)
    return sorted(flagged_rows(schema, df_text))


def _judge_catches(flagged, defect: str):
    df_text = batch_for(defect)
    planted, flagged = planted_rows(df_text, defect), set(flagged)
    missed, extra = planted - flagged, flagged - planted
    label = defect.replace("_", " ")
    expect(not missed, f"On a batch with {len(planted)} rows of {label}, your schema misses {len(missed)}, "
                       f"e.g. {_show(df_text, missed)}.")
    expect(not extra, f"On a batch with {label}, your schema also flags {len(extra)} valid rows, "
                      f"e.g. {_show(df_text, extra & set(df_text.index))}.")


@ex2.case("clean data: nothing is flagged",
          hint="Run `schema.validate(df, lazy=True)` on clean text, `df = as_text(transactions(days=1, "
               "seed=7, defects={}))` (as_text from shipml.data.ingestion), and read the error's "
               "`failure_cases`: a check is too strict.")
def _observe_clean(schema):
    return _flagged(schema, defect_batch(None))


@_observe_clean.judge
def _(flagged):
    df_text = defect_batch(None)
    flagged = set(flagged)
    expect(not flagged, f"On clean data your schema flags {len(flagged)} rows, "
                        f"e.g. {_show(df_text, flagged & set(df_text.index))}.")


for _defect, _hint in (
    ("missing", "Declare every column with nullable=False."),
    ("wrong_types", "An amount such as '12,50', '12.50 EUR' or 'N/A' is text, not a number: match it against "
                    "a number pattern."),
    ("negative_amounts", "Convert the amount with pd.to_numeric(..., errors='coerce') and flag values below 0."),
    ("unknown_categories", "merchant_category must be one of MERCHANT_CATEGORIES (mind 'Groceries')."),
    ("duplicates", "Declare transaction_id with unique=True."),
    (NAIVE, "A time such as '2026-01-02T09:15:00' has no UTC offset: nobody can tell when it happened (09:15 "
            "in London and in Berlin are an hour apart). Require the offset at the end: 'Z' or '+01:00'."),
):
    ex2.case(f"catches {_defect.replace('_', ' ')}, and only those rows", hint=_hint,
             observe=functools.partial(lambda schema, defect: _flagged(schema, batch_for(defect)), defect=_defect),
             judge=functools.partial(_judge_catches, defect=_defect))


@ex2.case("valid rows that are late or in another time zone are not flagged",
          hint="A timestamp like '2026-01-02T09:15:00+01:00' or '...Z' is a valid time; ingestion converts it "
               "to UTC. Late rows are valid too.")
def _observe_valid(schema):
    return {defect: _flagged(schema, defect_batch(defect)) for defect in VALID_DEFECTS}


@_observe_valid.judge
def _(flagged_by_defect):
    for defect in VALID_DEFECTS:
        df_text = defect_batch(defect)
        flagged = sorted(set(flagged_by_defect[defect]) & set(df_text.index))
        if flagged_by_defect[defect]:
            example = f"timestamp {df_text.loc[flagged[0], 'timestamp']!r}" if flagged else "rows outside the batch"
            raise Failure(f"On a batch with {defect.replace('_', ' ')} your schema flags "
                          f"{len(flagged_by_defect[defect])} valid rows, e.g. {example}.")


@ex2.case("every defect type at once", hidden=True)
def _observe_all_defects(schema):
    return _flagged(schema, _all_defects())


@_observe_all_defects.judge
def _(flagged):
    df_text = _all_defects()
    for defect in SCHEMA_DEFECTS:
        missed = planted_rows(df_text, defect) - set(flagged)
        expect(not missed, f"With every defect at once your schema misses {len(missed)} rows of "
                           f"{defect.replace('_', ' ')}.")


@functools.lru_cache(maxsize=None)
def _all_defects() -> pd.DataFrame:
    from shipml.data import transactions
    from shipml.data.ingestion import as_text

    rates = dict.fromkeys((*SCHEMA_DEFECTS, *VALID_DEFECTS), 0.02)
    return as_text(transactions(seed=11, days=3, defects=rates))


# --- exercise 3: a point-in-time rolling feature ----------------------------------------------

ex3 = exercise(
    "ch04-ex3",
    title="tx_last_24h: the account's transactions in the 24 hours before",
    hints=[
        "For each row, look at the rows of the same account whose timestamp t' satisfies "
        "t - 24 h <= t' < t. Strictly before: a transaction at the same instant does not count.",
        "A loop is fine: `for i, row in df.iterrows(): same = df[(df.account_id == row.account_id) & "
        "(df.timestamp < row.timestamp) & (df.timestamp >= row.timestamp - pd.Timedelta('24h'))]`.",
        "Return one count per row, in the order of df (e.g. `pd.Series(counts, index=df.index)`); an account's "
        "first transaction gets 0.",
    ],
)


def _frame(rows) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["account_id", "timestamp", "amount"])
    df["timestamp"] = pd.to_datetime(df["timestamp"], utc=True)
    return df


def reference_tx_last_24h(df: pd.DataFrame) -> np.ndarray:
    from shipml.features.point_in_time import account_features

    return account_features(df, df)["tx_last_24h"].to_numpy()


def _judge_counts(got, df, what):
    """Judge one count per row, in df's order, against the reference on the same fixed df."""
    if isinstance(got, pd.DataFrame):
        raise WrongType(f"Expected one count per row (a Series or array) for {what}, got a DataFrame.")
    if isinstance(got, pd.Series):
        expect(got.index.equals(df.index), f"Your Series for {what} should have the index of df, in its order.")
    try:
        values = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        raise WrongType(f"Expected numbers for {what}, got {kind_of(got)}.") from None
    expect_array(values, reference_tx_last_24h(df), what=what)


def _counts_case(name, hint, make_df, what, hidden=False):
    """A case on one fixed table: `make_df()` builds it afresh for the observer and for the judge."""
    ex3.case(name, hint=hint, hidden=hidden, observe=lambda fn: fn(make_df()),
             judge=lambda got: _judge_counts(got, make_df(), what))


H = "2026-01-01 {:02d}:00"


def _late_event() -> pd.DataFrame:
    df = _frame([("a", H.format(5), 1.0), ("a", H.format(6), 1.0), ("a", H.format(2), 1.0)])
    df.index = [10, 11, 12]
    return df


@functools.lru_cache(maxsize=None)
def _real_transactions() -> pd.DataFrame:
    from shipml.data import transactions

    df = transactions(seed=3, days=14)
    busiest = df["account_id"].value_counts()
    keep = busiest.index[busiest.cumsum() <= 400]  # the busiest accounts, about 400 rows: counts up to 5
    return df[df["account_id"].isin(keep)][["account_id", "timestamp", "amount"]].sample(frac=1.0, random_state=0)


_counts_case("an account's first transaction counts 0",
             "With no earlier transaction of the account, the count is 0 (not 1: the row itself is not before).",
             lambda: _frame([("a", H.format(9), 10.0)]), "a single transaction")
_counts_case("a hand-worked account: 0 h, 1 h, 1 h, 30 h",
             "At 1 h only the 0 h one is before (1 each); at 30 h the window [6 h, 30 h) is empty.",
             lambda: _frame([("a", "2026-01-01 00:00", 5.0), ("a", "2026-01-01 01:00", 6.0),
                             ("a", "2026-01-01 01:00", 7.0), ("a", "2026-01-02 06:00", 8.0)]),
             "the counts of 0 h, 1 h, 1 h and 30 h")
_counts_case("transactions at the same instant do not count each other",
             "Use `<`, not `<=`: a transaction at exactly the same time is not in the past.",
             lambda: _frame([("a", H.format(10), 1.0)] * 3 + [("a", H.format(11), 2.0)]),
             "the counts of three transactions at 10:00 and one at 11:00")
_counts_case("other accounts do not count", "Compare only with rows of the same account_id.",
             lambda: _frame([("a", H.format(1), 1.0), ("b", H.format(2), 1.0), ("a", H.format(3), 1.0),
                             ("b", H.format(4), 1.0), ("c", H.format(5), 1.0)]),
             "the counts of three interleaved accounts")
_counts_case("exactly 24 hours earlier is in the window, older is not", "The window is t - 24 h <= t' < t.",
             lambda: _frame([("a", "2026-01-01 08:00", 1.0), ("a", "2026-01-01 09:00", 1.0),
                             ("a", "2026-01-02 09:00", 1.0)]),
             "the counts at 08:00, 09:00 and 09:00 the next day")
_counts_case("rows out of time order (a late event) are answered in their own order",
             "Do not assume df is sorted: the late event arrives last but happened first.",
             _late_event, "the counts of a table with a late event")
_counts_case("agrees with the reference on real transactions", None, lambda: _real_transactions().copy(),
             "the counts of about 400 shuffled transactions", hidden=True)


# --- exercise 4: reconciliation ---------------------------------------------------------------

ex4 = exercise(
    "ch04-ex4",
    title="Reconcile a batch: every row in is accounted for",
    hints=[
        "Rows in must equal rows out + rows quarantined + duplicates removed: compare "
        "`len(df_in)` with `len(df_out) + len(df_quarantine) + duplicates_removed`.",
        "Counts can balance while a row is lost and another doubled: also check that every transaction_id of "
        "df_in is in df_out or in df_quarantine (sets help).",
        "Return True when both hold; otherwise `raise ValueError(...)` with a sentence that says how many rows "
        "or which ids are missing.",
    ],
)


@functools.lru_cache(maxsize=None)
def _small_batch():
    from shipml.data.validation import validate

    df_in = defect_batch("duplicates", rate=0.05)
    bad = defect_batch("negative_amounts", rate=0.05)
    df_in = df_in.assign(amount=bad["amount"].reindex(df_in.index).where(
        df_in.index.isin(bad.index[bad["amount"].str.startswith("-")]), df_in["amount"]))
    checked = validate(df_in)
    return df_in, checked.clean, checked.quarantine, checked.duplicates_removed


def _outcome(fn, args, catch: bool) -> dict:
    """Observe one call: what it returned (True/False kept, anything else shown by repr), or the ValueError it raised.

    Only a ValueError is caught, and only where the case expects one; any other exception is the learner's error.
    """
    try:
        value = fn(*args)
    except ValueError as error:
        if not catch:
            raise
        return {"raised": "ValueError", "message": str(error)}
    is_bool = isinstance(value, (bool, np.bool_))
    return {"raised": None, "returned": bool(value) if is_bool else None, "shown": repr(value)[:200]}


def _judge_true(seen, what):
    expect(seen["raised"] is None and seen["returned"] is True,
           f"For {what} your function should return True, not {seen.get('shown')}.")


def _judge_value_error(seen, what):
    if seen["raised"] != "ValueError":
        raise Failure(f"For {what} your function should raise ValueError, but it returned {seen['shown']}.")
    expect(seen["message"].strip(), f"Your ValueError for {what} should say what is wrong, in a sentence.")


def _dropped(df_in, out, quarantine, dups):
    return df_in, out.iloc[1:], quarantine, dups


def _not_counted(df_in, out, quarantine, dups):
    return df_in, out, quarantine, 0


def _swapped(df_in, out, quarantine, dups):
    return df_in, pd.concat([out.iloc[1:], out.iloc[[2]]], ignore_index=True), quarantine, dups


def _empty(df_in, out, quarantine, dups):
    return df_in.iloc[:0], out.iloc[:0], quarantine.iloc[:0], 0


for _name, _hint, _make, _what, _raises, _hidden in (
    ("a batch that balances: True", "With 0 rows lost, return True.",
     lambda *batch: batch, "a batch that balances", False, False),
    ("a row silently dropped: ValueError",
     "Compare len(df_in) with len(df_out) + len(df_quarantine) + duplicates_removed.",
     _dropped, "a batch with one row dropped", True, False),
    ("duplicates not counted: ValueError",
     "duplicates_removed is part of the sum: with 0 instead of the true number the rows do not balance.",
     _not_counted, "a batch whose removed duplicates are not counted", True, False),
    ("counts balance but an id is lost: ValueError",
     "A dropped row and a doubled row keep the count: check the transaction ids too.",
     _swapped, "a batch with one id lost and one doubled", True, False),
    ("an empty batch balances", None, _empty, "an empty batch", False, True),
):
    ex4.case(_name, hint=_hint, hidden=_hidden,
             observe=functools.partial(lambda fn, make, raises: _outcome(fn, make(*_small_batch()), catch=raises),
                                       make=_make, raises=_raises),
             judge=functools.partial(_judge_value_error if _raises else _judge_true, what=_what))


# --- exercise 5: the split behind the explorer -------------------------------------------------

ex5 = exercise(
    "ch04-ex5",
    title="split_rows: a time split and a random split",
    hints=[
        "`cut = int(round(0.7 * n))`. For 'time', the train positions are `np.arange(cut)` and the validation "
        "positions `np.arange(cut, n)`: the rows are in time order.",
        "For 'random', shuffle the positions with `np.random.default_rng(seed).permutation(n)` and cut the "
        "shuffled order at the same place.",
        "Return `(train, val)`, two arrays of positions that do not overlap and together cover 0 … n - 1.",
    ],
)


def _judge_split(got, n, split):
    """Judge one (train, val) pair of split_rows(n, split): every position once, 30 % for validation."""
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        raise WrongType(f"Expected a pair (train, val) from split_rows({n}, {split!r}), got {kind_of(got)}.")
    train, val = (np.asarray(part) for part in got)
    expect(train.ndim == 1 and val.ndim == 1, "train and val should each be a 1-d array of positions.")
    both = np.concatenate([train, val])
    expect(len(both) == n and set(both.tolist()) == set(range(n)),
           f"split_rows({n}, {split!r}) should give every position 0 … {n - 1} exactly once, across train and val.")
    expect(len(val) == n - int(round(0.7 * n)),
           f"split_rows({n}, {split!r}) should keep {n - int(round(0.7 * n))} rows (30 %) for validation, "
           f"yours keeps {len(val)}.")
    return train, val


@ex5.case("time: validation is the newest 30 %",
          hint="Every validation position must come after every training position.")
def _observe_time(fn):
    return fn(1000, "time", seed=0)


@_observe_time.judge
def _(got):
    train, val = _judge_split(got, 1000, "time")
    expect(train.max() < val.min(), "With split='time' every validation row should be newer than every training "
                                    f"row; yours trains on position {int(train.max())} and validates on "
                                    f"{int(val.min())}.")


@ex5.case("random: validation rows come from all times, and the seed fixes them",
          hint="Shuffle with np.random.default_rng(seed).permutation(n).")
def _observe_random(fn):
    return {"seed 0": fn(1000, "random", seed=0), "seed 0 again": fn(1000, "random", seed=0),
            "seed 1": fn(1000, "random", seed=1)}


@_observe_random.judge
def _(got):
    train, val = _judge_split(got["seed 0"], 1000, "random")
    expect(val.min() < 300 and train.max() > 700, "With split='random' validation rows should be spread over "
                                                  "the whole period.")
    again = _judge_split(got["seed 0 again"], 1000, "random")[1]
    expect(np.array_equal(np.sort(val), np.sort(again)), "The same seed should give the same random split.")
    other = _judge_split(got["seed 1"], 1000, "random")[1]
    expect(not np.array_equal(np.sort(val), np.sort(other)), "A different seed should give a different split.")


_SMALL = [(n, split) for n in (3, 10, 11) for split in ("time", "random")]


@ex5.case("small tables", hidden=True)
def _observe_small(fn):
    return [fn(n, split, seed=0) for n, split in _SMALL]


@_observe_small.judge
def _(got):
    for seen, (n, split) in zip(got, _SMALL):
        _judge_split(seen, n, split)
