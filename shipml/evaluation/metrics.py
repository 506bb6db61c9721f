"""Metrics for a rare positive class.

    from shipml.evaluation.metrics import pr_auc, recall_at_fpr
    pr_auc(y_val, scores)                  # average precision: area under the precision-recall curve
    recall_at_fpr(y_val, scores, 0.01)     # share of fraud caught when at most 1 % of legitimate ones are flagged

A transaction is flagged when its score is at least the threshold, so tied
scores are flagged together: no threshold can split a tie.
"""

from __future__ import annotations

import numpy as np

__all__ = ["pr_auc", "recall_at_fpr"]


def _ranked(y_true, scores):
    """Cumulative true and false positives at each threshold (the end of each group of tied scores)."""
    order = np.argsort(-scores, kind="stable")
    sorted_scores, sorted_y = scores[order], y_true[order]
    true_pos, false_pos = np.cumsum(sorted_y == 1), np.cumsum(sorted_y == 0)
    ends = np.r_[np.flatnonzero(np.diff(sorted_scores) != 0), len(scores) - 1]
    return true_pos[ends], false_pos[ends]


def pr_auc(y_true, scores) -> float:
    """Average precision (PR-AUC), as scikit-learn's average_precision_score; NaN when there is no positive."""
    y_true = np.asarray(y_true).astype(int)
    scores = np.asarray(scores, dtype=float)
    n_pos = int((y_true == 1).sum())
    if n_pos == 0:
        return float("nan")
    true_pos, false_pos = _ranked(y_true, scores)
    precision, recall = true_pos / (true_pos + false_pos), true_pos / n_pos
    return float(np.sum(np.diff(recall, prepend=0.0) * precision))


def recall_at_fpr(y_true, scores, fpr: float) -> float:
    """The highest recall of any threshold whose false-positive rate is at most `fpr`; NaN without positives."""
    y_true = np.asarray(y_true).astype(int)
    scores = np.asarray(scores, dtype=float)
    n_pos, n_neg = int((y_true == 1).sum()), int((y_true == 0).sum())
    if n_pos == 0:
        return float("nan")
    if n_neg == 0:
        return 1.0
    # A threshold sits at the end of a group of tied scores: everything scored at least that high is flagged.
    true_pos, false_pos = _ranked(y_true, scores)
    allowed = false_pos / n_neg <= fpr + 1e-12
    return float(true_pos[allowed].max() / n_pos) if allowed.any() else 0.0
