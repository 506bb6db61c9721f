"""Metrics for a rare positive class.

    from shipml.evaluation.metrics import pr_auc, recall_at_fpr, threshold_at_fpr
    pr_auc(y_val, scores)                  # average precision: area under the precision-recall curve
    threshold = threshold_at_fpr(y_val, scores, 0.01)   # flags (score >= threshold) at most 1 % of legitimate ones
    recall_at_fpr(y_val, scores, 0.01)     # share of fraud caught at that threshold

A transaction is flagged when its score is at least the threshold, so tied
scores are flagged together: no threshold can split a tie. Every threshold
"at a false-positive rate" in the course (chapter 2's recall, chapter 10's
review threshold and its per-group thresholds) is `threshold_at_fpr`'s.
"""

from __future__ import annotations

import numpy as np

__all__ = ["pr_auc", "recall_at_fpr", "threshold_at_fpr"]


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


def threshold_at_fpr(y_true, scores, fpr: float) -> float:
    """The lowest threshold that flags at most `fpr` of the legitimate transactions (y_true == 0).

    A transaction is flagged when `score >= threshold`, so tied scores are
    flagged together. With the legitimate scores sorted from high to low,
    at most k = floor(fpr * n_legitimate) of them may be flagged: the
    threshold is the smallest float above the (k+1)-th highest one, so a tie
    at that score is left out whole, and everything scored higher (fraud
    included) is flagged. When every legitimate transaction may be flagged
    (fpr=1), it is the lowest score: everything is flagged. With fpr=0 it lies
    just above the highest legitimate score. A tolerance of 1e-12 on `fpr`
    keeps 0.01 * 300 at 3 despite floating-point rounding.
    """
    y_true = np.asarray(y_true).astype(int)
    scores = np.asarray(scores, dtype=float)
    if len(y_true) != len(scores):
        raise ValueError(f"y_true has {len(y_true)} rows but there are {len(scores)} scores.")
    if not 0.0 <= fpr <= 1.0:
        raise ValueError(f"fpr is a rate between 0 and 1; got {fpr!r}.")
    legit = np.sort(scores[y_true == 0])[::-1]
    if legit.size == 0:
        raise ValueError("threshold_at_fpr needs at least one legitimate transaction (y_true == 0).")
    allowed = int(np.floor((fpr + 1e-12) * legit.size))  # how many legitimate ones may be flagged
    if allowed >= legit.size:
        return float(scores.min())
    return float(np.nextafter(legit[allowed], np.inf))


def recall_at_fpr(y_true, scores, fpr: float) -> float:
    """The share of fraud flagged at `threshold_at_fpr(y_true, scores, fpr)`; NaN without fraud, 1 without legitimate ones.

    It is the highest recall of any threshold whose false-positive rate is at most `fpr`.
    """
    y_true = np.asarray(y_true).astype(int)
    scores = np.asarray(scores, dtype=float)
    n_pos, n_neg = int((y_true == 1).sum()), int((y_true == 0).sum())
    if n_pos == 0:
        return float("nan")
    if n_neg == 0:
        return 1.0
    return float((scores[y_true == 1] >= threshold_at_fpr(y_true, scores, fpr)).mean())
