"""Random splits that keep the fraud rate: the research-style split of chapter 2.

    from shipml.splits import stratified_split
    df_train, df_val, df_test = stratified_split(df, val=0.2, test=0.2, seed=0)

Each part has (nearly) the same share of fraud as the whole table. A random
split lets the model see the future; chapter 4 splits by time instead, as
`shipml.baseline.time_split` does.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["stratified_split"]


def stratified_split(df: pd.DataFrame, val: float = 0.2, test: float = 0.2, seed: int = 0, label: str = "is_fraud"):
    """Train, validation and test parts of `df`, each with the label's share of positives."""
    from sklearn.model_selection import train_test_split

    if not (0 < val < 1 and 0 < test < 1 and val + test < 1):
        raise ValueError(f"val and test are fractions with val + test < 1, not {val} and {test}.")
    rest, df_test = train_test_split(df, test_size=test, stratify=df[label], random_state=seed)
    df_train, df_val = train_test_split(rest, test_size=val / (1 - test), stratify=rest[label], random_state=seed)
    return df_train.sort_index(), df_val.sort_index(), df_test.sort_index()
