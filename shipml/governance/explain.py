"""Explaining a fraud model: global permutation importance, and reasons for one transaction.

    from shipml.governance.explain import permutation_importance, contributions, top_reasons
    importance = permutation_importance(model, df_val, y_val, columns)   # PR-AUC lost when a column is shuffled
    parts = contributions(encoder, logistic, df_rows, df_train)         # log-odds each column adds, per row
    top_reasons(parts.iloc[0], df_rows.iloc[0])                         # ["amount is 1,234.50 (+2.1)", ...]

`model` is anything with `predict_proba` on the raw table (e.g. a scikit-learn
Pipeline of the encoder and a classifier). Permutation importance uses
`sklearn.inspection.permutation_importance`, scored by average precision
(PR-AUC), so it asks the question that matters: how much worse does the model
find fraud without this column?

The reasons are exact for a linear model on the encoder's features: the score's
log-odds is a sum over features, so each raw column's share is the sum over its
encoded features of coefficient × (value − the training average). A positive
share raised this transaction's score above an average transaction's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["contributions", "permutation_importance", "top_reasons"]


def permutation_importance(model, df: pd.DataFrame, y, columns, *, n_repeats: int = 5, seed: int = 0) -> pd.DataFrame:
    """Per column, the mean and spread of the PR-AUC lost when that column is shuffled, largest first."""
    from sklearn.inspection import permutation_importance as sklearn_importance

    result = sklearn_importance(model, df[list(columns)], np.asarray(y), scoring="average_precision",
                                n_repeats=n_repeats, random_state=seed)
    table = pd.DataFrame({"pr_auc_drop": result.importances_mean, "std": result.importances_std},
                         index=pd.Index(list(columns), name="column"))
    return table.sort_values("pr_auc_drop", ascending=False)


def _column_of(feature_name: str) -> str:
    return feature_name.split("=", 1)[0]


def contributions(encoder, linear_model, df: pd.DataFrame, df_reference: pd.DataFrame) -> pd.DataFrame:
    """Log-odds each raw column adds to each row's score, against the average row of `df_reference`."""
    coef = np.ravel(linear_model.coef_)
    names = encoder.feature_names
    if len(coef) != len(names):
        raise ValueError(f"The model has {len(coef)} coefficients but the encoder makes {len(names)} features: "
                         "were they fitted together?")
    average = encoder.transform(df_reference).mean(axis=0)
    per_feature = (encoder.transform(df) - average) * coef
    columns = list(dict.fromkeys(_column_of(n) for n in names))
    index = np.array([columns.index(_column_of(n)) for n in names])
    parts = np.zeros((len(df), len(columns)))
    for j in range(len(columns)):
        parts[:, j] = per_feature[:, index == j].sum(axis=1)
    return pd.DataFrame(parts, index=df.index, columns=columns)


def _value_text(value) -> str:
    if isinstance(value, (float, np.floating)):
        return f"{value:,.2f}"
    return str(value)


def top_reasons(parts: pd.Series, row: pd.Series, k: int = 3) -> list[str]:
    """The (at most k) columns that raised this row's score most, as 'column is value (+log-odds)'."""
    raised = parts[parts > 0].sort_values(ascending=False).head(k)
    return [f"{column} is {_value_text(row[column])} (+{share:.2f})" for column, share in raised.items()]
