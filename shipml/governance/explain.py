"""Explaining a fraud model: global permutation importance, and reasons for one transaction.

    from shipml.governance.explain import permutation_importance, contributions, linear_weights, top_reasons
    importance = permutation_importance(score, df_val, y_val, columns)   # PR-AUC lost when a column is shuffled
    parts = contributions(encoder, model, df_rows, df_train)            # log-odds each column adds, per row
    top_reasons(parts.iloc[0], df_rows.iloc[0])                         # ["amount is 1,234.50 (+2.1)", ...]
    coef, intercept = linear_weights(model)                             # a linear model's weights, any library

`score` is a function from the raw table to fraud scores (e.g.
`lambda rows: predict_scores(fitted.model, fitted.encoder.transform(rows))`),
or anything with `predict_proba` on the raw table (a scikit-learn Pipeline of
the encoder and a classifier). Permutation importance uses
`sklearn.inspection.permutation_importance`, scored by average precision
(PR-AUC), so it asks the question that matters: how much worse does the model
find fraud without this column?

The reasons are exact for a linear model on the encoder's features: the score's
log-odds is a sum over features, so each raw column's share is the sum over its
encoded features of coefficient × (value − the training average). A positive
share raised this transaction's score above an average transaction's. The
linear model is a scikit-learn one (`coef_`, `intercept_`) or a PyTorch module
whose only layer is one `nn.Linear` with one output, such as the production
model (`shipml.modeling.production`: a `FraudMLP` of depth 0, a logistic
regression whose weights are its coefficients).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["contributions", "linear_weights", "permutation_importance", "top_reasons"]


class _Scorer:
    """A scoring function dressed as the fitted estimator sklearn's permutation_importance asks for."""

    def __init__(self, score):
        self.score = score

    def fit(self, *args, **kwargs):  # already fitted: sklearn only checks that the method exists
        return self


def _average_precision(scorer, X, y) -> float:
    from sklearn.metrics import average_precision_score

    return float(average_precision_score(y, np.asarray(scorer.score(X), dtype=float)))


def permutation_importance(model, df: pd.DataFrame, y, columns, *, n_repeats: int = 5, seed: int = 0) -> pd.DataFrame:
    """Per column, the mean and spread of the PR-AUC lost when that column is shuffled, largest first.

    `model`: a function from the table to scores, or an object with `predict_proba` on the table.
    """
    from sklearn.inspection import permutation_importance as sklearn_importance

    if hasattr(model, "predict_proba"):
        score = lambda rows: model.predict_proba(rows)[:, 1]  # noqa: E731
    elif callable(model):
        score = model
    else:
        raise ValueError("model is a function from the table to scores, or has predict_proba; "
                         f"not {type(model).__name__}.")
    result = sklearn_importance(_Scorer(score), df[list(columns)], np.asarray(y), scoring=_average_precision,
                                n_repeats=n_repeats, random_state=seed)
    table = pd.DataFrame({"pr_auc_drop": result.importances_mean, "std": result.importances_std},
                         index=pd.Index(list(columns), name="column"))
    return table.sort_values("pr_auc_drop", ascending=False)


def _column_of(feature_name: str) -> str:
    return feature_name.split("=", 1)[0]


def linear_weights(linear_model) -> tuple[np.ndarray, float]:
    """The coefficients and intercept of a linear model: scikit-learn's, or a PyTorch module of one `nn.Linear`."""
    if hasattr(linear_model, "coef_"):
        intercept = np.ravel(getattr(linear_model, "intercept_", [0.0]))[0]
        return np.ravel(linear_model.coef_).astype(float), float(intercept)
    try:
        from torch import nn
    except ImportError:  # pragma: no cover - torch is a dependency of the course
        nn = None
    if nn is not None and isinstance(linear_model, nn.Module):
        layers = [m for m in linear_model.modules() if len(list(m.parameters(recurse=False)))]
        if len(layers) == 1 and isinstance(layers[0], nn.Linear) and layers[0].out_features == 1:
            weight, bias = layers[0].weight.detach().cpu().numpy(), layers[0].bias
            return np.ravel(weight).astype(float), float(bias.detach().cpu().numpy()[0]) if bias is not None else 0.0
        raise ValueError(f"Exact reasons need a linear model (one nn.Linear with one output); this module has "
                         f"{len(layers)} layers with weights, such as an MLP with hidden layers.")
    raise ValueError(f"Exact reasons need a linear model (scikit-learn's with coef_, or a PyTorch nn.Linear); "
                     f"not {type(linear_model).__name__}.")


def contributions(encoder, linear_model, df: pd.DataFrame, df_reference: pd.DataFrame) -> pd.DataFrame:
    """Log-odds each raw column adds to each row's score, against the average row of `df_reference`."""
    coef, _ = linear_weights(linear_model)
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
