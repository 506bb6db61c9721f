"""Train, validation and test splits: by time, as a model is used, or stratified at random.

    from shipml.data.splits import stratified_split, time_split
    df_train, df_val, df_test = time_split(df)                            # oldest 60 %, next 20 %, newest 20 %
    df_train, df_val, df_test = stratified_split(df, val=0.2, test=0.2, seed=0)

A stratified split keeps (nearly) the same share of fraud in each part: the
research-style split of chapter 2. A random split lets the model see the
future; chapters 1 and 4 split by time instead.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["stratified_split", "time_split"]


def stratified_split(df: pd.DataFrame, val: float = 0.2, test: float = 0.2, seed: int = 0, label: str = "is_fraud"):
    """Train, validation and test parts of `df`, each with the label's share of positives."""
    from sklearn.model_selection import train_test_split

    if not (0 < val < 1 and 0 < test < 1 and val + test < 1):
        raise ValueError(f"val and test are fractions with val + test < 1, not {val} and {test}.")
    rest, df_test = train_test_split(df, test_size=test, stratify=df[label], random_state=seed)
    df_train, df_val = train_test_split(rest, test_size=val / (1 - test), stratify=rest[label], random_state=seed)
    return df_train.sort_index(), df_val.sort_index(), df_test.sort_index()


def time_split(df: pd.DataFrame, train: float = 0.6, val: float = 0.2):
    """Split a time-ordered table into train, validation and test, oldest first."""
    if not (0 < train < 1 and 0 < val < 1 and train + val < 1):
        raise ValueError(f"train and val are fractions with train + val < 1, not {train} and {val}")
    train_end, val_end = int(train * len(df)), int((train + val) * len(df))
    return df.iloc[:train_end], df.iloc[train_end:val_end], df.iloc[val_end:]
