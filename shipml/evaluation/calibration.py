"""Calibration: can a score be read as a probability, and how to make it one.

    from shipml.evaluation.calibration import (reliability_table, expected_calibration_error, brier_score,
                                               fit_platt, fit_isotonic, ScoreModel, plot_reliability)
    reliability_table(y_val, scores_val, n_bins=10)          # per bin: payments, mean score, fraud rate
    expected_calibration_error(y_val, scores_val)            # the count-weighted gap between the two, over bins
    brier_score(y_val, scores_val)                           # mean squared error of the score as a probability
    platt = fit_platt(scores_val, y_val)                     # by hand: a sigmoid of the score's logit
    isotonic = fit_isotonic(scores_val, y_val)               # by hand: pool adjacent violators
    platt(scores_test), isotonic(scores_test)                # calibrated scores
    FrozenEstimator(ScoreModel())                            # the score as a fitted scikit-learn classifier

A score is calibrated when, among the payments scored about p, a share of
about p is fraud. The reliability table bins the scores and compares, per bin,
the mean score with the fraud rate; the expected calibration error (ECE) is
the gap between the two, averaged over the payments (empty bins count for
nothing). Bins are equal-width on [0, 1] (`strategy="uniform"`) or hold equal
numbers of payments (`"quantile"`), which suits a rare class whose scores
crowd near 0.

Calibrating maps each score through one increasing function, fitted on data
the model was not trained on (here the validation period): Platt scaling fits
`sigmoid(a * logit(score) + b)` by maximum likelihood, with Platt's smoothed
targets as scikit-learn uses them; isotonic regression fits the best
non-decreasing step function (pool adjacent violators), interpolated linearly
between the fitted points as scikit-learn's `IsotonicRegression` does. Being
increasing, neither changes the order of the payments, so PR-AUC and every
ranking metric stay; the probabilities, and so every cost-derived threshold,
move.

`ScoreModel` is the smallest scikit-learn classifier: its one feature is a
score already computed (by the torch model, say), `predict_proba` returns it
and `decision_function` its logit. Wrapped in `sklearn.frozen.FrozenEstimator`
it is what `CalibratedClassifierCV(..., method="sigmoid" | "isotonic" |
"temperature")` calibrates in scikit-learn 1.9, where `cv="prefit"` is gone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Calibrator", "ScoreModel", "brier_score", "expected_calibration_error", "fit_isotonic", "fit_platt",
           "logit", "plot_reliability", "reliability_table"]

_EPS = 1e-12


def _labels_and_scores(y_true, scores):
    y = np.asarray(y_true)
    p = np.asarray(scores, dtype=float)
    if y.ndim != 1 or p.ndim != 1 or len(y) != len(p):
        raise ValueError(f"y_true and scores are 1-D, one value per payment; got {y.size} labels and {p.size} scores.")
    if len(y) == 0:
        raise ValueError("calibration needs at least one payment.")
    if not np.isin(y, (0, 1)).all():
        raise ValueError("y_true holds only 0 (legitimate) and 1 (fraud).")
    if not np.isfinite(p).all() or (p < 0).any() or (p > 1).any():
        raise ValueError("scores are probabilities between 0 and 1, without missing values.")
    return y.astype(int), p


def logit(scores) -> np.ndarray:
    """log(p / (1 - p)), with p kept a hair inside (0, 1) so that 0 and 1 stay finite."""
    p = np.clip(np.asarray(scores, dtype=float), _EPS, 1 - _EPS)
    return np.log(p) - np.log1p(-p)


def _bin_of(scores: np.ndarray, n_bins: int, strategy: str, edges=None) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)) or n_bins < 1:
        raise ValueError(f"n_bins is a whole number of at least 1; got {n_bins!r}.")
    if strategy == "uniform":
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    elif strategy == "quantile":
        edges = np.unique(np.quantile(scores, np.linspace(0.0, 1.0, n_bins + 1)))
        edges[0], edges[-1] = 0.0, 1.0
    else:
        raise ValueError(f"strategy is 'uniform' or 'quantile', not {strategy!r}.")
    # Bin i holds edges[i] <= score < edges[i + 1]; a score of exactly 1 goes in the last bin.
    bins = np.clip(np.searchsorted(edges, scores, side="right") - 1, 0, len(edges) - 2)
    return bins, edges


def reliability_table(y_true, scores, n_bins: int = 10, strategy: str = "uniform") -> pd.DataFrame:
    """Per bin of scores: its edges, the payments in it, their mean score and their fraud rate (non-empty bins)."""
    y, p = _labels_and_scores(y_true, scores)
    bins, edges = _bin_of(p, n_bins, strategy)
    frame = pd.DataFrame({"bin": bins, "score": p, "fraud": y})
    table = frame.groupby("bin").agg(payments=("score", "size"), mean_score=("score", "mean"),
                                     fraud_rate=("fraud", "mean")).reset_index()
    table.insert(1, "low", edges[table["bin"]])
    table.insert(2, "high", edges[table["bin"] + 1])
    return table


def expected_calibration_error(y_true, scores, n_bins: int = 10, strategy: str = "uniform") -> float:
    """Sum over non-empty bins of (payments in the bin / all payments) x |mean score - fraud rate|."""
    table = reliability_table(y_true, scores, n_bins, strategy)
    share = table["payments"] / table["payments"].sum()
    return float((share * (table["mean_score"] - table["fraud_rate"]).abs()).sum())


def brier_score(y_true, scores) -> float:
    """The mean of (score - label)^2: 0 is perfect; a constant score equal to the fraud rate r gives r (1 - r)."""
    y, p = _labels_and_scores(y_true, scores)
    return float(np.mean((p - y) ** 2))


@dataclass(frozen=True)
class Calibrator:
    """An increasing map from raw scores to calibrated ones: call it on scores."""

    method: str
    params: dict

    def __call__(self, scores) -> np.ndarray:
        s = np.asarray(scores, dtype=float)
        if self.method == "platt":
            z = self.params["a"] * logit(s) + self.params["b"]
            return 1.0 / (1.0 + np.exp(-z))
        return np.interp(s, self.params["x"], self.params["y"])


def fit_platt(scores, y_true) -> Calibrator:
    """Platt scaling by hand: maximise the likelihood of sigmoid(a * logit(score) + b).

    The targets are Platt's smoothed ones, (n_fraud + 1) / (n_fraud + 2) for a fraud and 1 / (n_legit + 2)
    for a legitimate payment, as scikit-learn's sigmoid calibration uses; they keep a and b finite on
    data that a threshold separates.
    """
    from scipy.optimize import minimize

    y, p = _labels_and_scores(y_true, scores)
    f = logit(p)
    n_pos, n_neg = int(y.sum()), int(len(y) - y.sum())
    target = np.where(y == 1, (n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0))

    def loss_and_gradient(ab):
        z = ab[0] * f + ab[1]
        # log loss of sigmoid(z) against the smoothed targets, written stably: log(1 + e^z) - target * z
        loss = np.sum(np.logaddexp(0.0, z) - target * z)
        residual = 1.0 / (1.0 + np.exp(-z)) - target
        return loss, np.array([residual @ f, residual.sum()])

    start = np.array([1.0, np.log((n_pos + 1.0) / (n_neg + 1.0))])
    result = minimize(loss_and_gradient, start, jac=True, method="L-BFGS-B",
                      options={"gtol": 1e-10, "ftol": 1e-15, "maxiter": 1000})
    return Calibrator("platt", {"a": float(result.x[0]), "b": float(result.x[1])})


def fit_isotonic(scores, y_true) -> Calibrator:
    """Isotonic regression by hand: the non-decreasing fit of the labels on the scores (pool adjacent violators).

    Tied scores are pooled first; the fitted values at the distinct scores are joined linearly, and a score
    outside the fitted range gets the value at its nearer end.
    """
    y, p = _labels_and_scores(y_true, scores)
    x, inverse = np.unique(p, return_inverse=True)
    weight = np.bincount(inverse).astype(float)
    mean = np.bincount(inverse, weights=y) / weight
    # Pool adjacent violators: a stack of blocks (value, weight, size); merge while the order is violated.
    values, weights, sizes = [], [], []
    for v, w in zip(mean, weight):
        values.append(v), weights.append(w), sizes.append(1)
        while len(values) > 1 and values[-2] > values[-1]:
            w_sum = weights[-2] + weights[-1]
            merged = (values[-2] * weights[-2] + values[-1] * weights[-1]) / w_sum
            size = sizes[-2] + sizes[-1]
            del values[-2:], weights[-2:], sizes[-2:]
            values.append(merged), weights.append(w_sum), sizes.append(size)
    fitted = np.repeat(values, sizes)
    return Calibrator("isotonic", {"x": x, "y": fitted})


class ScoreModel:
    """A fitted binary classifier whose one feature is a score it returns as is (for FrozenEstimator).

    X is an (n, 1) array of scores; `predict_proba` gives [1 - score, score], `decision_function` the
    score's logit (what sigmoid and temperature calibration transform).
    """

    classes_ = np.array([0, 1])
    _estimator_type = "classifier"

    def fit(self, X=None, y=None):
        return self

    def __sklearn_is_fitted__(self) -> bool:
        return True  # nothing to learn: the score is the model's

    def _scores(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != 1:
            raise ValueError(f"ScoreModel takes one column of scores, shape (n, 1); got the shape {X.shape}.")
        return X[:, 0]

    def predict_proba(self, X) -> np.ndarray:
        s = self._scores(X)
        return np.column_stack([1 - s, s])

    def decision_function(self, X) -> np.ndarray:
        return logit(self._scores(X))

    def predict(self, X) -> np.ndarray:
        return (self._scores(X) >= 0.5).astype(int)

    def get_params(self, deep=True) -> dict:
        return {}

    def set_params(self, **params):
        return self

    def __sklearn_tags__(self):
        from sklearn.utils import ClassifierTags, Tags, TargetTags

        return Tags(estimator_type="classifier", target_tags=TargetTags(required=True),
                    classifier_tags=ClassifierTags())


def plot_reliability(ax, y_true, curves: dict, n_bins: int = 10, strategy: str = "quantile") -> None:
    """A reliability diagram on `ax`: per curve (label -> scores), fraud rate against mean score, and the diagonal."""
    top = 0.0
    for label, scores in curves.items():
        table = reliability_table(y_true, scores, n_bins, strategy)
        ax.plot(table["mean_score"], table["fraud_rate"], "o-", label=label)
        top = max(top, float(table["mean_score"].max()), float(table["fraud_rate"].max()))
    top = min(1.0, 1.05 * top)
    ax.plot([0, top], [0, top], color="grey", linestyle=":", label="calibrated (diagonal)")
    ax.set_xlabel("mean score in the bin (predicted probability of fraud)")
    ax.set_ylabel("share of fraud in the bin")
    ax.legend(loc="upper left", fontsize="small")
