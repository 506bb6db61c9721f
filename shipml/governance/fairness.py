"""Fairness across customer groups: per-group error rates, disparity, and per-group thresholds.

    from shipml.governance.fairness import group_metrics, disparities, equal_fpr_scores
    table = group_metrics(y_true, flagged, df.age_band)   # one row per group: n, fpr, recall, selection_rate
    disparities(y_true, flagged, df.age_band)            # demographic-parity and equalized-odds differences
    adjusted = equal_fpr_scores(scores, groups, ref_scores, ref_y, ref_groups)
    flagged_fair = adjusted >= 1 - max_fpr               # per-group thresholds: about max_fpr in every group
    group_thresholds(ref_scores, ref_y, ref_groups, max_fpr)   # those thresholds, on the original scores
    key = decision_key(policy, scores, amounts)          # what a DecisionPolicy compares with its cut
    held = per_group_hold(key, groups, group_thresholds(ref_key, ref_y, ref_groups, fpr))   # a cut per group

Everything here is computed by hand with NumPy and pandas, so it can be read;
the chapter checks it against fairlearn's `MetricFrame`,
`demographic_parity_difference` and `equalized_odds_difference`.

A rate that is undefined in a group (recall in a group with no fraud, FPR in a
group with no legitimate transaction) is NaN, as fairlearn reports it, and is
left out of the differences.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from shipml.evaluation.metrics import threshold_at_fpr

__all__ = ["decision_key", "disparities", "equal_fpr_scores", "group_metrics", "group_thresholds", "per_group_hold"]


def _arrays(y_true, y_pred, groups):
    y_true = np.asarray(y_true).astype(int)
    y_pred = np.asarray(y_pred).astype(int)
    groups = np.asarray(pd.Series(groups).astype(str))
    if not len(y_true) == len(y_pred) == len(groups):
        raise ValueError(f"y_true, y_pred and groups must have the same length, not {len(y_true)}, "
                         f"{len(y_pred)} and {len(groups)}.")
    return y_true, y_pred, groups


def _rate(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else float("nan")


def group_metrics(y_true, y_pred, groups) -> pd.DataFrame:
    """Per group: transactions, fraud, false-positive rate, recall and selection rate (flagged share)."""
    y_true, y_pred, groups = _arrays(y_true, y_pred, groups)
    rows = {}
    for group in sorted(set(groups)):
        mine = groups == group
        t, p = y_true[mine], y_pred[mine]
        rows[group] = {
            "n": int(mine.sum()),
            "fraud": int(t.sum()),
            "fpr": _rate(int(((p == 1) & (t == 0)).sum()), int((t == 0).sum())),
            "recall": _rate(int(((p == 1) & (t == 1)).sum()), int((t == 1).sum())),
            "selection_rate": _rate(int(p.sum()), len(p)),
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "group"
    return table


def _spread(values: pd.Series) -> float:
    values = values.dropna()
    return float(values.max() - values.min()) if len(values) else float("nan")


def disparities(y_true, y_pred, groups) -> dict[str, float]:
    """The largest gap between groups in selection rate, FPR and recall; equalized odds is the larger of the two."""
    table = group_metrics(y_true, y_pred, groups)
    fpr_gap, recall_gap = _spread(table.fpr), _spread(table.recall)
    return {
        "demographic_parity_difference": _spread(table.selection_rate),
        "fpr_difference": fpr_gap,
        "recall_difference": recall_gap,
        "equalized_odds_difference": float(np.nanmax([fpr_gap, recall_gap])),
    }


def equal_fpr_scores(scores, groups, ref_scores, ref_y, ref_groups) -> np.ndarray:
    """Each score as the share of its group's legitimate reference transactions that score below it.

    A single threshold `1 - max_fpr` on the result is a per-group threshold on
    the original scores that flags about `max_fpr` of each group's legitimate
    transactions: `group_thresholds` (`threshold_at_fpr` per group) up to
    floating-point rounding of the share. Within a group the order is unchanged; across groups it
    changes, which is what the overall PR-AUC measures. A group absent from the
    reference keeps the whole reference's legitimate scores as its yardstick.
    """
    scores = np.asarray(scores, dtype=float)
    groups = np.asarray(pd.Series(groups).astype(str))
    ref_scores = np.asarray(ref_scores, dtype=float)
    ref_y = np.asarray(ref_y).astype(int)
    ref_groups = np.asarray(pd.Series(ref_groups).astype(str))
    everyone = np.sort(ref_scores[ref_y == 0])
    adjusted = np.empty_like(scores)
    for group in set(groups):
        mine = groups == group
        legit = np.sort(ref_scores[(ref_groups == group) & (ref_y == 0)])
        yardstick = legit if len(legit) else everyone
        adjusted[mine] = np.searchsorted(yardstick, scores[mine], side="left") / len(yardstick)
    return adjusted


def group_thresholds(ref_scores, ref_y, ref_groups, max_fpr: float) -> dict[str, float]:
    """Per group, `threshold_at_fpr` on its reference rows: the lowest that flags at most `max_fpr` of its legitimate ones.

    A group with no legitimate reference transaction gets the whole reference's threshold.
    """
    ref_scores = np.asarray(ref_scores, dtype=float)
    ref_y = np.asarray(ref_y).astype(int)
    ref_groups = np.asarray(pd.Series(ref_groups).astype(str))
    thresholds = {}
    for group in sorted(set(ref_groups)):
        mine = ref_groups == group
        if not (ref_y[mine] == 0).any():  # no legitimate yardstick: the whole reference's, as equal_fpr_scores
            mine = np.ones_like(mine)
        thresholds[group] = threshold_at_fpr(ref_y[mine], ref_scores[mine], max_fpr)
    return thresholds


def decision_key(policy, scores, amounts=None) -> np.ndarray:
    """What a `shipml.evaluation.decision.DecisionPolicy` compares with its cut, per payment.

    The score for the threshold rule; the expected saving of a hold in EUR for the expected-loss rule. A
    per-group threshold on this key is the policy with one cut per group instead of one for everyone.
    """
    return policy.key(scores, amounts)


def per_group_hold(key, groups, thresholds: dict) -> np.ndarray:
    """Hold each payment whose key reaches its own group's threshold (`group_thresholds` on the same key)."""
    key = np.asarray(key, dtype=float)
    groups = np.asarray(pd.Series(groups).astype(str))
    missing = sorted(set(groups) - set(thresholds))
    if missing:
        raise ValueError(f"There is no threshold for the group {missing[0]!r}; the thresholds cover "
                         f"{', '.join(sorted(thresholds))}.")
    cut = np.array([thresholds[g] for g in groups], dtype=float)
    return key >= cut
