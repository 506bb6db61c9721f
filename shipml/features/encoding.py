"""From the transaction table to a float array a model can read: a generic encoding.

    from shipml.features.encoding import fit_encoder, Encoder
    encoder = fit_encoder(df_train)          # learns scaling and categories from training rows only
    X_train = encoder.transform(df_train)    # float32 array, one row per transaction
    X_val = encoder.transform(df_val)        # the same columns, in the same order
    X_rows = encoder.transform_rows(rows)    # the same numbers for a few request rows (dicts), without pandas
    text = encoder.to_json()                 # the fitted state, for a server
    encoder = Encoder.from_json(text)        # ... which transforms exactly as before

Numeric columns are log-transformed (amounts and ages are heavy-tailed) and
standardised with the training mean and standard deviation; categorical
columns become one-hot indicators of the categories seen in training. A
category the encoder has not seen (a new merchant category in production)
becomes all zeros rather than an error, and a missing number becomes the
training mean (0 after scaling).

`transform` builds the table's columns with pandas, which costs milliseconds
per call, more than a model on a few rows; `transform_rows` computes the same
numbers from the same fitted state in plain Python, for a server's requests.
Both are methods of one fitted object and a test holds them equal, because two
encodings that drift apart are where training/serving skew comes from.
Chapter 1's `shipml.features.handmade` are
hand-made for fraud; this encoding knows nothing about fraud, so a model has
to find the patterns itself.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["CATEGORICAL", "NUMERIC", "Encoder", "fit_encoder", "one_hot"]

# Numeric inputs, each log1p-transformed then standardised.
NUMERIC = ("amount", "account_age_days")
# Categorical inputs, one-hot encoded. The hour is a category: fraud at 3 am is not "3/23 of" fraud at 11 pm.
CATEGORICAL = ("merchant_category", "country", "channel", "device", "home_country", "hour")


def one_hot(values, categories) -> np.ndarray:
    """Indicators (bool, one column per category, in order) of `values` as text; all False for an unknown value."""
    text = pd.Series(values).astype(str).to_numpy()
    return text[:, None] == np.array(list(categories), dtype=object)[None, :]


@dataclass
class Encoder:
    """The fitted state of the encoding: scaling of each numeric column, categories of each categorical one."""

    numeric: dict[str, tuple[float, float]] = field(default_factory=dict)  # column -> (mean, std) of log1p
    categories: dict[str, list[str]] = field(default_factory=dict)        # column -> categories, in order

    @property
    def feature_names(self) -> list[str]:
        """The name of each output column, e.g. 'amount' or 'country=DE'."""
        names = list(self.numeric)
        for column, values in self.categories.items():
            names += [f"{column}={value}" for value in values]
        return names

    def transform(self, df: pd.DataFrame) -> np.ndarray:
        """The encoded table as a float32 array of shape (len(df), len(feature_names))."""
        missing = [c for c in [*self.numeric, *self.categories] if c not in df.columns]
        if missing:
            raise ValueError(f"The table has no column {missing[0]!r}; the encoder needs {', '.join(self.numeric)}"
                             f" and {', '.join(self.categories)}.")
        parts = []
        for column, (mean, std) in self.numeric.items():
            values = np.log1p(pd.to_numeric(df[column], errors="coerce").clip(lower=0).to_numpy(dtype=float))
            scaled = (values - mean) / std
            parts.append(np.nan_to_num(scaled, nan=0.0)[:, None])
        for column, values in self.categories.items():
            parts.append(one_hot(df[column], values))
        return np.hstack(parts).astype(np.float32) if parts else np.zeros((len(df), 0), np.float32)

    def transform_rows(self, rows: list[dict]) -> np.ndarray:
        """`transform` for a few rows given as dicts (request bodies): the same float32 numbers, no DataFrame."""
        # Read from the fitted state on every call, never cached: a changed state (a deliberately skewed
        # copy, say) is used at once, and a category list of at most a few dozen values is searched fast.
        size = len(self.numeric) + sum(len(values) for values in self.categories.values())
        X = np.zeros((len(rows), size), dtype=np.float32)
        for r, row in enumerate(rows):
            j = 0
            for column, (mean, std) in self.numeric.items():
                value = row.get(column)
                if type(value) is not float and type(value) is not int:  # a request's numbers skip this
                    value = _number(value)
                # as transform: negatives clipped to 0 before the log, a missing number is the mean (0)
                if value is not None and value == value:
                    X[r, j] = (math.log1p(value if value > 0.0 else 0.0) - mean) / std
                j += 1
            for column, values in self.categories.items():
                try:
                    X[r, j + values.index(str(row.get(column)))] = 1.0
                except ValueError:  # a category unseen in training: all zeros, as in transform
                    pass
                j += len(values)
        return X

    def to_json(self) -> str:
        """The fitted state as JSON text."""
        return json.dumps({"numeric": self.numeric, "categories": self.categories})

    @classmethod
    def from_json(cls, text: str) -> "Encoder":
        """An encoder from `to_json`'s text."""
        state = json.loads(text)
        return cls({k: (float(m), float(s)) for k, (m, s) in state["numeric"].items()},
                   {k: [str(v) for v in values] for k, values in state["categories"].items()})


def _number(value) -> float | None:
    """A value as a float, None when missing or not a number (pd.to_numeric(errors="coerce") for one value)."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) else value


def fit_encoder(df_train: pd.DataFrame, numeric=NUMERIC, categorical=CATEGORICAL) -> Encoder:
    """Learn the encoding from training rows only (the validation and test rows must not shape it)."""
    if len(df_train) == 0:
        raise ValueError("fit_encoder needs at least one training row.")
    scaling = {}
    for column in numeric:
        values = np.log1p(pd.to_numeric(df_train[column], errors="coerce").clip(lower=0).to_numpy(dtype=float))
        mean, std = float(np.nanmean(values)), float(np.nanstd(values))
        scaling[column] = (mean, std if std > 0 else 1.0)
    categories = {column: sorted(df_train[column].dropna().astype(str).unique().tolist()) for column in categorical}
    return Encoder(scaling, categories)
