"""Chapter 4's typical wrong answers, each failing the case named for its mistake (see test_wrong_answers.py)."""

import numpy as np
import pandas as pd
import pandera.pandas as pa
from check_assertions import WrongAnswer

from shipml.data.validation import raw_schema
from shipml.features.point_in_time import account_features


def _schema_without_sign_check():
    schema = raw_schema()
    amount = schema.columns["amount"].set_checks([pa.Check.str_matches(r"-?\d+(\.\d+)?$")])
    return schema.update_column("amount", checks=amount.checks)


def _inclusive(df):  # <= instead of <: counts events at the same instant, and the row itself
    return pd.Series([((df.account_id == r.account_id) & (df.timestamp <= r.timestamp)
                       & (df.timestamp >= r.timestamp - pd.Timedelta("24h"))).sum() for r in df.itertuples()],
                     index=df.index)


def _all_accounts(df):
    return pd.Series([((df.timestamp < r.timestamp) & (df.timestamp >= r.timestamp - pd.Timedelta("24h"))).sum()
                      for r in df.itertuples()], index=df.index)


def _sorted_answer(df):  # right counts, but in time order instead of df's order
    ordered = df.sort_values("timestamp")
    return account_features(ordered, ordered)["tx_last_24h"].to_numpy()


def _counts_only(df_in, df_out, df_quarantine, duplicates_removed):
    if len(df_in) != len(df_out) + len(df_quarantine) + duplicates_removed:
        raise ValueError("rows differ")
    return True


def _never_raises(df_in, df_out, df_quarantine, duplicates_removed):
    return True


def _always_time(n, split, seed=0):
    cut = int(round(0.7 * n))
    return np.arange(cut), np.arange(cut, n)


def _overlapping(n, split, seed=0):
    return np.arange(n), np.arange(int(0.7 * n), n)


WRONG_ANSWERS = [
    WrongAnswer("ch04-ex2", "no sign check on the amount", _schema_without_sign_check(),
                "catches negative amounts, and only those rows"),
    WrongAnswer("ch04-ex2", "refuses timestamps in other time zones",
                raw_schema().update_column("timestamp", checks=[pa.Check.str_matches(r".*\+00:00$")]),
                "valid rows that are late or in another time zone are not flagged"),
    WrongAnswer("ch04-ex2", "accepts a time without a UTC offset (parses it as UTC)",
                raw_schema().update_column("timestamp", checks=[pa.Check(
                    lambda s: pd.to_datetime(s, utc=True, format="ISO8601", errors="coerce").notna())]),
                "catches naive timestamps, and only those rows"),
    WrongAnswer("ch04-ex2", "refuses every timestamp with an offset other than +00:00 or Z",
                raw_schema().update_column("timestamp", checks=[pa.Check.str_matches(r".*(\+00:00|Z)$")]),
                "valid rows that are late or in another time zone are not flagged"),
    WrongAnswer("ch04-ex2", "transaction_id not unique", raw_schema().update_column("transaction_id", unique=False),
                "catches duplicates, and only those rows"),
    WrongAnswer("ch04-ex3", "<= instead of <: counts the row itself", _inclusive,
                "an account's first transaction counts 0"),
    WrongAnswer("ch04-ex3", "<= instead of <: counts the same instant", _inclusive,
                "transactions at the same instant do not count each other"),
    WrongAnswer("ch04-ex3", "ignores the account", _all_accounts, "other accounts do not count"),
    WrongAnswer("ch04-ex3", "answers in time order, not df's order", _sorted_answer,
                "rows out of time order (a late event) are answered in their own order"),
    WrongAnswer("ch04-ex4", "compares counts only", _counts_only, "counts balance but an id is lost: ValueError"),
    WrongAnswer("ch04-ex4", "never raises: a dropped row", _never_raises, "a row silently dropped: ValueError"),
    WrongAnswer("ch04-ex4", "never raises: duplicates not counted", _never_raises,
                "duplicates not counted: ValueError"),
    WrongAnswer("ch04-ex4", "never raises: an id lost", _never_raises, "counts balance but an id is lost: ValueError"),
    WrongAnswer("ch04-ex5", "ignores the split strategy", _always_time,
                "random: validation rows come from all times, and the seed fixes them"),
    WrongAnswer("ch04-ex5", "train and validation overlap", _overlapping, "time: validation is the newest 30 %"),
]
