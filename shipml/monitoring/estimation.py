"""Performance before the labels come: what calibrated scores promise, and what the labels later say.

    from shipml.monitoring.estimation import expected_precision, expected_recall, expected_pr_auc, expected_cost
    expected_precision(scores, held)       # the mean score of the held payments: the share of them that is fraud
    expected_recall(scores, held)          # the expected frauds held over the expected frauds
    expected_pr_auc(scores)                # PR-AUC averaged over labels drawn from the scores
    expected_cost(scores, held, amounts)   # EUR, with each label replaced by its probability
    realised(y_true, scores, held, amounts)  # the same four numbers once the labels have come
    compare(frame, periods)                # estimate against realised, one row per period

If the scores are calibrated, a payment scored 0.3 is fraud with probability
0.3, so the expected number of frauds among the held payments is the sum of
their scores, and every count of the confusion matrix has an expectation
without a single label. That is the idea behind NannyML's confidence-based
performance estimation (CBPE), built here by hand. It holds while the scores
stay calibrated: under a covariate shift only where the model learned the
true P(fraud | inputs), and never under concept drift or a prior shift that
leaves the inputs as they were. Then only the labels tell.

Bad input: nothing held gives a precision of NaN (undefined, not 0); no
payments give NaN everywhere; scores outside [0, 1] raise ValueError.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from shipml.data.scenario import SCENARIO
from shipml.evaluation.cost import decision_cost
from shipml.evaluation.metrics import pr_auc

__all__ = ["compare", "expected_cost", "expected_pr_auc", "expected_precision", "expected_recall", "realised"]


def _inputs(scores, held):
    scores, held = np.asarray(scores, dtype=float), np.asarray(held, dtype=bool)
    if scores.shape != held.shape:
        raise ValueError(f"scores and held need one value per payment each; got {scores.size} and {held.size}.")
    if np.isnan(scores).any() or (scores < 0).any() or (scores > 1).any():
        raise ValueError("scores must be probabilities between 0 and 1, without missing values.")
    return scores, held


def expected_precision(scores, held) -> float:
    """The expected share of fraud among the held payments (their mean score); NaN when nothing is held."""
    scores, held = _inputs(scores, held)
    return float(scores[held].mean()) if held.any() else float("nan")


def expected_recall(scores, held) -> float:
    """The expected share of the frauds that are held; NaN when no fraud is expected (no payments)."""
    scores, held = _inputs(scores, held)
    total = scores.sum()
    return float(scores[held].sum() / total) if total > 0 else float("nan")


def expected_pr_auc(scores, n_draws: int = 100, seed: int = 0) -> float:
    """PR-AUC averaged over `n_draws` label sets drawn from the scores (each payment fraud with its score)."""
    scores = np.asarray(scores, dtype=float)
    if scores.size == 0:
        return float("nan")
    rng = np.random.default_rng(seed)
    values = [pr_auc(rng.random(scores.size) < scores, scores) for _ in range(n_draws)]
    return float(np.nanmean(values)) if not np.isnan(values).all() else float("nan")


def expected_cost(scores, held, amounts, scenario=SCENARIO) -> float:
    """The expected EUR cost of the holds: `shipml.evaluation.cost.decision_breakdown`'s three terms (false
    alarms, caught fraud, missed fraud), each count replaced by its expectation under the scores."""
    scores, held = _inputs(scores, held)
    amounts = np.asarray(amounts, dtype=float)
    false_alarms, caught = np.sum(1 - scores[held]), np.sum(scores[held])
    missed_amount = np.sum(scores[~held] * amounts[~held])
    return float(scenario.cost_fp * false_alarms + scenario.cost_review * caught
                 + scenario.cost_fn_fraction * missed_amount)


def realised(y_true, scores, held, amounts, scenario=SCENARIO) -> dict:
    """Precision, recall, PR-AUC and cost (EUR) once the labels are known; NaN where undefined."""
    y, held = np.asarray(y_true).astype(bool), np.asarray(held, dtype=bool)
    return {"precision": float(y[held].mean()) if held.any() else float("nan"),
            "recall": float(held[y].mean()) if y.any() else float("nan"),
            "pr_auc": pr_auc(y, scores),
            "cost": decision_cost(y.astype(int), held, cost_fp=scenario.cost_fp, cost_review=scenario.cost_review,
                                  cost_fn_fraction=scenario.cost_fn_fraction, amounts=amounts)}


def compare(frame: pd.DataFrame, periods: dict, scenario=SCENARIO, n_draws: int = 100) -> pd.DataFrame:
    """Estimate (from `score`, `held`, `amount`) against realised (with `is_fraud`), one row per named period.

    `periods` maps a name to a boolean mask of `frame`'s rows (or a list of days of its `day` column).
    """
    rows = {}
    for name, rows_of in periods.items():
        mask = frame["day"].isin(rows_of) if not isinstance(rows_of, (pd.Series, np.ndarray)) else rows_of
        part = frame[np.asarray(mask, dtype=bool)]
        s, h, a = part["score"].to_numpy(), part["held"].to_numpy(), part["amount"].to_numpy()
        truth = realised(part["is_fraud"], s, h, a, scenario)
        rows[name] = {"payments": len(part),
                      "precision (estimated)": expected_precision(s, h), "precision (realised)": truth["precision"],
                      "recall (estimated)": expected_recall(s, h), "recall (realised)": truth["recall"],
                      "PR-AUC (estimated)": expected_pr_auc(s, n_draws), "PR-AUC (realised)": truth["pr_auc"],
                      "cost per 1k (estimated)": 1000 * expected_cost(s, h, a, scenario) / max(1, len(part)),
                      "cost per 1k (realised)": 1000 * truth["cost"] / max(1, len(part))}
    return pd.DataFrame(rows).T
