"""The cost of a classifier's errors, in euros, and the threshold that minimises it.

    from shipml.evaluation.cost import expected_cost, cost_curve, best_threshold, decision_cost, roi, plot_cost_curve
    expected_cost(y_true, scores, 0.3, cost_fp=5.0, amounts=amounts)   # EUR at one threshold
    expected_cost(y_true, scores, 0.3, cost_fp=5.0, cost_review=3.0, amounts=amounts)  # held fraud is reviewed too
    curve = cost_curve(y_true, scores, cost_fp=5.0, amounts=amounts)  # one row per threshold
    threshold = best_threshold(y_true, scores, cost_fp=5.0, amounts=amounts)
    decision_cost(y_true, rule_flags, cost_fp=5.0, amounts=amounts)    # any yes/no decision: a rule, no model
    roi(cost_model, cost_rule, investment=running_cost)               # net saving per EUR spent
    plot_cost_curve(ax, y_true, scores, cost_fp=5.0, amounts=amounts, baselines={"rule": cost_rule})

A transaction is flagged when `scores >= threshold`: threshold 0 flags every
transaction, threshold 1 flags only scores of exactly 1, and a score equal to
the threshold is flagged (as in scikit-learn's `roc_curve`). Each missed fraud
costs `cost_fn_fraction * amount` (one unit each when `amounts` is None); each
false alarm costs `cost_fp` (review time and customer friction). Each flagged
fraud costs `cost_review`, the analyst's time on it (0 by default: count it
when review hours are counted, as `shipml.data.scenario.SCENARIO` does).
Untouched legitimate transactions cost nothing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: The thresholds a sweep uses unless told otherwise: 0, 0.001, …, 1.
THRESHOLDS = np.linspace(0.0, 1.0, 1001)
THRESHOLDS.flags.writeable = False  # shared by every caller: nobody may change it in place


def _validated(y_true, scores, amounts, cost_fp, cost_fn_fraction, cost_review=0.0):
    """The inputs as numpy arrays, or a ValueError that says in a sentence what is wrong."""
    y_true = np.asarray(y_true)
    scores = np.asarray(scores, dtype=float)
    if y_true.ndim != 1 or scores.ndim != 1:
        raise ValueError("y_true and scores must be one-dimensional, one value per transaction.")
    if len(y_true) != len(scores):
        raise ValueError(
            f"y_true and scores must have the same length; got {len(y_true)} labels and {len(scores)} scores."
        )
    if not np.isin(y_true, (0, 1)).all():
        raise ValueError("y_true must hold only 0 (legitimate) and 1 (fraud).")
    if np.isnan(scores).any() or (scores < 0).any() or (scores > 1).any():
        raise ValueError("scores must be probabilities between 0 and 1, without missing values.")
    if amounts is None:
        amounts = np.ones(len(y_true))
    else:
        amounts = np.asarray(amounts, dtype=float)
        if amounts.shape != y_true.shape:
            raise ValueError(
                f"amounts must have one value per transaction; got {len(amounts)} amounts for {len(y_true)} labels."
            )
        if np.isnan(amounts).any() or (amounts < 0).any():
            raise ValueError("amounts must be non-negative numbers, without missing values.")
    for name, value in (("cost_fp", cost_fp), ("cost_fn_fraction", cost_fn_fraction), ("cost_review", cost_review)):
        if not isinstance(value, (int, float, np.integer, np.floating)) or not np.isfinite(value) or value < 0:
            raise ValueError(f"{name} must be a non-negative number; got {value!r}.")
    return y_true.astype(bool), scores, amounts


def _validated_threshold(threshold) -> float:
    if not np.isscalar(threshold) or not (0.0 <= float(threshold) <= 1.0):
        raise ValueError(f"threshold must be a number between 0 and 1; got {threshold!r}.")
    return float(threshold)


def decision_breakdown(y_true, flagged, *, cost_fp, cost_fn_fraction=1.0, amounts=None, cost_review=0.0) -> dict:
    """Counts and EUR costs of a yes/no decision per transaction, with the keys of `cost_curve`'s columns."""
    flagged = np.asarray(flagged)
    if flagged.dtype != bool and flagged.size:
        raise ValueError("flagged must hold True (flag the transaction) or False for each transaction.")
    flagged = flagged.astype(bool)
    y_true, _, amounts = _validated(y_true, flagged.astype(float), amounts, cost_fp, cost_fn_fraction, cost_review)
    missed = y_true & ~flagged
    false_alarms = ~y_true & flagged
    caught = y_true & flagged
    cost_false_alarms = float(cost_fp * false_alarms.sum())
    cost_missed_fraud = float(cost_fn_fraction * amounts[missed].sum())
    cost_caught_fraud = float(cost_review * caught.sum())
    return {
        "flagged": int(flagged.sum()),
        "false_alarms": int(false_alarms.sum()),
        "missed_fraud": int(missed.sum()),
        "caught_fraud": int(caught.sum()),
        "cost_false_alarms": cost_false_alarms,
        "cost_missed_fraud": cost_missed_fraud,
        "cost_caught_fraud": cost_caught_fraud,
        "cost": cost_false_alarms + cost_missed_fraud + cost_caught_fraud,
    }


def decision_cost(y_true, flagged, *, cost_fp, cost_fn_fraction=1.0, amounts=None, cost_review=0.0) -> float:
    """Total EUR cost of any yes/no decision per transaction (a model at a threshold, a rule, no model)."""
    return decision_breakdown(
        y_true, flagged, cost_fp=cost_fp, cost_fn_fraction=cost_fn_fraction, amounts=amounts, cost_review=cost_review
    )["cost"]


def expected_cost(y_true, scores, threshold, *, cost_fp, cost_fn_fraction=1.0, amounts=None,
                  cost_review=0.0) -> float:
    """Total EUR cost of flagging the transactions whose score is at least `threshold`."""
    threshold = _validated_threshold(threshold)
    y_true, scores, amounts = _validated(y_true, scores, amounts, cost_fp, cost_fn_fraction, cost_review)
    return decision_cost(
        y_true, scores >= threshold, cost_fp=cost_fp, cost_fn_fraction=cost_fn_fraction, amounts=amounts,
        cost_review=cost_review,
    )


def roi(cost, baseline_cost, *, investment) -> float:
    """Return on investment against a baseline: (baseline_cost - cost - investment) / investment.

    `investment` is what the model costs to run over the same period (EUR);
    0.5 means every euro spent on it comes back with 50 cents of profit.
    """
    if not np.isscalar(investment) or not np.isfinite(investment) or investment <= 0:
        raise ValueError(f"investment must be a positive number of EUR; got {investment!r}.")
    return float((baseline_cost - cost - investment) / investment)


def cost_curve(y_true, scores, thresholds=None, *, cost_fp, cost_fn_fraction=1.0, amounts=None,
               cost_review=0.0) -> pd.DataFrame:
    """The cost at every threshold, one row each: counts of flags and errors, and the cost in EUR.

    Columns: threshold, flagged, false_alarms, missed_fraud, caught_fraud,
    cost_false_alarms, cost_missed_fraud, cost_caught_fraud, cost. One sort and a cumulative sum serve every
    threshold, so a sweep of 1001 thresholds over a million scores takes well
    under a second.
    """
    thresholds = THRESHOLDS if thresholds is None else np.asarray(thresholds, dtype=float)
    if thresholds.ndim != 1 or len(thresholds) == 0:
        raise ValueError("thresholds must be a non-empty list of numbers between 0 and 1.")
    if np.isnan(thresholds).any() or (thresholds < 0).any() or (thresholds > 1).any():
        raise ValueError("every threshold must be a number between 0 and 1.")
    y_true, scores, amounts = _validated(y_true, scores, amounts, cost_fp, cost_fn_fraction, cost_review)

    order = np.argsort(scores, kind="stable")
    sorted_scores = scores[order]
    is_fraud = y_true[order]
    # Prefix sums over the scores in increasing order: the transactions below a
    # threshold are exactly a prefix, so each count is one lookup.
    missed_amount = np.concatenate(([0.0], np.cumsum(np.where(is_fraud, amounts[order], 0.0))))
    missed_count = np.concatenate(([0], np.cumsum(is_fraud)))
    below = np.searchsorted(sorted_scores, thresholds, side="left")  # scores < threshold are not flagged

    n, n_legit, n_fraud = len(scores), int((~y_true).sum()), int(y_true.sum())
    false_alarms = n_legit - (below - missed_count[below])
    caught_fraud = n_fraud - missed_count[below]
    cost_false_alarms = (cost_fp * false_alarms).astype(float)
    cost_missed_fraud = cost_fn_fraction * missed_amount[below]
    cost_caught_fraud = (cost_review * caught_fraud).astype(float)
    return pd.DataFrame(
        {
            "threshold": thresholds,
            "flagged": n - below,
            "false_alarms": false_alarms,
            "missed_fraud": missed_count[below],
            "caught_fraud": caught_fraud,
            "cost_false_alarms": cost_false_alarms,
            "cost_missed_fraud": cost_missed_fraud,
            "cost_caught_fraud": cost_caught_fraud,
            "cost": cost_false_alarms + cost_missed_fraud + cost_caught_fraud,
        }
    )


def best_threshold(y_true, scores, thresholds=None, *, cost_fp, cost_fn_fraction=1.0, amounts=None,
                   cost_review=0.0) -> float:
    """The threshold (of `thresholds`, by default 0, 0.001, …, 1) with the lowest cost; the lowest one on a tie."""
    curve = cost_curve(
        y_true, scores, thresholds, cost_fp=cost_fp, cost_fn_fraction=cost_fn_fraction, amounts=amounts,
        cost_review=cost_review,
    )
    return float(curve["threshold"].iloc[int(np.argmin(curve["cost"].to_numpy()))])


def plot_cost_curve(
    ax, y_true, scores, *, cost_fp, cost_fn_fraction=1.0, amounts=None, thresholds=None, baselines=None,
    cost_review=0.0,
) -> float:
    """Draw the cost curve on `ax`, mark its minimum and the baselines' costs; return the best threshold.

    `baselines` maps a label to a cost in EUR (e.g. {"no model": 41_000.0});
    each is drawn as a horizontal line, so the reader sees where the model beats it.
    """
    curve = cost_curve(
        y_true, scores, thresholds, cost_fp=cost_fp, cost_fn_fraction=cost_fn_fraction, amounts=amounts,
        cost_review=cost_review,
    )
    best = int(np.argmin(curve["cost"].to_numpy()))
    threshold, cost = float(curve["threshold"].iloc[best]), float(curve["cost"].iloc[best])
    ax.plot(curve["threshold"], curve["cost"], color="C0", label="model")
    ax.plot([threshold], [cost], "o", color="C3", label=f"best threshold {threshold:.3f}: {cost:,.0f} EUR")
    for i, (label, value) in enumerate((baselines or {}).items()):
        ax.axhline(value, color=f"C{i + 1}", linestyle="--", label=f"{label}: {value:,.0f} EUR")
    ax.set_xlabel("threshold (flag when score ≥ threshold)")
    ax.set_ylabel("expected cost (EUR)")
    ax.set_xlim(float(curve["threshold"].min()), float(curve["threshold"].max()))
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter("{x:,.0f}")
    ax.legend(loc="best", fontsize="small")
    return threshold
