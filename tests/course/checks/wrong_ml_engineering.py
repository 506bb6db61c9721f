"""Chapter 1's typical wrong answers, each failing the case named for its mistake (see test_wrong_answers.py)."""

import numpy as np
from check_assertions import WrongAnswer
from test_ml_engineering import best_threshold, expected_cost, hold, plot_cost_curve, rule_costs

from shipml.evaluation.cost import THRESHOLDS


def cost_strictly_above(y_true, scores, threshold, cost_fp, cost_fn_fraction=1.0, amounts=None):
    return expected_cost(y_true, np.asarray(scores) - 1e-12 * (np.asarray(scores) == threshold), threshold,
                         cost_fp, cost_fn_fraction, amounts)


def cost_counting_frauds(y_true, scores, threshold, cost_fp, cost_fn_fraction=1.0, amounts=None):
    return expected_cost(y_true, scores, threshold, cost_fp, cost_fn_fraction, None)


def cost_ignoring_fraction(y_true, scores, threshold, cost_fp, cost_fn_fraction=1.0, amounts=None):
    return expected_cost(y_true, scores, threshold, cost_fp, 1.0, amounts)


def cost_swapping_errors(y_true, scores, threshold, cost_fp, cost_fn_fraction=1.0, amounts=None):
    return expected_cost(1 - np.asarray(y_true), scores, threshold, cost_fp, cost_fn_fraction, amounts)


def cost_with_other_names(labels, probabilities, t, fp_cost, fn_fraction=1.0, amount=None):
    return expected_cost(labels, probabilities, t, fp_cost, fn_fraction, amount)


def threshold_always_half(y_true, scores, *, cost_fp, cost_fn_fraction=1.0, amounts=None, thresholds=THRESHOLDS):
    return 0.5


def threshold_maximising(y_true, scores, *, cost_fp, cost_fn_fraction=1.0, amounts=None, thresholds=THRESHOLDS):
    costs = [expected_cost(y_true, scores, t, cost_fp, cost_fn_fraction, amounts) for t in thresholds]
    return float(thresholds[int(np.argmax(costs))])


def threshold_own_grid(y_true, scores, *, cost_fp, cost_fn_fraction=1.0, amounts=None, thresholds=THRESHOLDS):
    return best_threshold(y_true, scores, cost_fp=cost_fp, cost_fn_fraction=cost_fn_fraction, amounts=amounts)


def threshold_ignoring_amounts(y_true, scores, *, cost_fp, cost_fn_fraction=1.0, amounts=None, thresholds=THRESHOLDS):
    return best_threshold(y_true, scores, cost_fp=cost_fp, cost_fn_fraction=cost_fn_fraction, thresholds=thresholds)


def threshold_returning_cost(y_true, scores, *, cost_fp, cost_fn_fraction=1.0, amounts=None, thresholds=THRESHOLDS):
    return min(expected_cost(y_true, scores, t, cost_fp, cost_fn_fraction, amounts) for t in thresholds)


def plot_without_labels(ax, y_true, scores, *, cost_fp, cost_fn_fraction=1.0, amounts=None, baselines=None):
    threshold = plot_cost_curve(ax, y_true, scores, cost_fp=cost_fp, cost_fn_fraction=cost_fn_fraction,
                                amounts=amounts, baselines=baselines)
    ax.set_xlabel("")
    ax.set_ylabel("cost")
    return threshold


def plot_without_baselines(ax, y_true, scores, *, cost_fp, cost_fn_fraction=1.0, amounts=None, baselines=None):
    return plot_cost_curve(ax, y_true, scores, cost_fp=cost_fp, cost_fn_fraction=cost_fn_fraction, amounts=amounts)


def plot_counting_frauds(ax, y_true, scores, *, cost_fp, cost_fn_fraction=1.0, amounts=None, baselines=None):
    return plot_cost_curve(ax, y_true, scores, cost_fp=cost_fp, cost_fn_fraction=cost_fn_fraction,
                           baselines=baselines)


def plot_without_marker(ax, y_true, scores, *, cost_fp, cost_fn_fraction=1.0, amounts=None, baselines=None):
    threshold = plot_cost_curve(ax, y_true, scores, cost_fp=cost_fp, cost_fn_fraction=cost_fn_fraction,
                                amounts=amounts, baselines=baselines)
    for collection in list(ax.collections):
        collection.remove()
    return threshold


def plot_returning_nothing_useful(ax, y_true, scores, *, cost_fp, cost_fn_fraction=1.0, amounts=None, baselines=None):
    plot_cost_curve(ax, y_true, scores, cost_fp=cost_fp, cost_fn_fraction=cost_fn_fraction,
                    amounts=amounts, baselines=baselines)
    return 0.9


WRONG_ANSWERS = [
    WrongAnswer("ch01-ex2", "flags scores > threshold instead of >=", cost_strictly_above,
                "a score equal to the threshold is flagged"),
    WrongAnswer("ch01-ex2", "counts missed frauds instead of their amounts", cost_counting_frauds,
                "a hand-worked example: one fraud of 200 EUR missed, one false alarm"),
    WrongAnswer("ch01-ex2", "ignores cost_fn_fraction", cost_ignoring_fraction,
                "cost_fn_fraction scales what a missed fraud costs"),
    WrongAnswer("ch01-ex2", "swaps missed fraud and false alarms", cost_swapping_errors,
                "no fraud in the data: only the false alarms cost"),
    WrongAnswer("ch01-ex2", "renames the parameters", cost_with_other_names,
                "a hand-worked example: one fraud of 200 EUR missed, one false alarm"),
    WrongAnswer("ch01-ex3", "always returns 0.5", threshold_always_half,
                "a hand-worked example: one false alarm is cheaper than a missed fraud"),
    WrongAnswer("ch01-ex3", "maximises the cost", threshold_maximising,
                "a hand-worked example: one false alarm is cheaper than a missed fraud"),
    WrongAnswer("ch01-ex3", "searches its own grid, not the thresholds given", threshold_own_grid,
                "uses the thresholds it is given"),
    WrongAnswer("ch01-ex3", "ignores the amounts", threshold_ignoring_amounts, "a random batch with amounts"),
    WrongAnswer("ch01-ex4", "leaves the axes without labels and units", plot_without_labels,
                "labels both axes, with the unit of the cost"),
    WrongAnswer("ch01-ex4", "draws no baselines", plot_without_baselines,
                "draws each baseline as a labelled horizontal line"),
    WrongAnswer("ch01-ex4", "plots the cost in counts, not EUR", plot_counting_frauds,
                "draws the cost curve in EUR over the thresholds"),
    WrongAnswer("ch01-ex4", "marks no minimum", plot_without_marker, "marks the lowest point of the curve"),
    WrongAnswer("ch01-ex4", "returns a threshold that is not the best", plot_returning_nothing_useful,
                "returns the threshold with the lowest cost"),
]


# --- exercise 5: the per-payment rule; exercise 6: both rules priced -----------------------------


def hold_without_review(scores, amounts, cost_fp, cost_review, cost_fn_fraction=1.0):
    p, a = np.asarray(scores, dtype=float), np.asarray(amounts, dtype=float)
    return p * cost_fn_fraction * a > (1 - p) * cost_fp


def hold_without_amount(scores, amounts, cost_fp, cost_review, cost_fn_fraction=1.0):
    p = np.asarray(scores, dtype=float)
    return p * cost_fn_fraction > (1 - p) * cost_fp + p * cost_review


def hold_on_the_wrong_side(scores, amounts, cost_fp, cost_review, cost_fn_fraction=1.0):
    p, a = np.asarray(scores, dtype=float), np.asarray(amounts, dtype=float)
    return p * cost_fn_fraction * a < (1 - p) * cost_fp + p * cost_review


def hold_at_equality(scores, amounts, cost_fp, cost_review, cost_fn_fraction=1.0):
    p, a = np.asarray(scores, dtype=float), np.asarray(amounts, dtype=float)
    return p * cost_fn_fraction * a >= (1 - p) * cost_fp + p * cost_review


def hold_ignoring_one_minus_p(scores, amounts, cost_fp, cost_review, cost_fn_fraction=1.0):
    p, a = np.asarray(scores, dtype=float), np.asarray(amounts, dtype=float)
    return p * cost_fn_fraction * a > cost_fp + p * cost_review


def hold_ignoring_fraction(scores, amounts, cost_fp, cost_review, cost_fn_fraction=1.0):
    return hold(scores, amounts, cost_fp, cost_review, 1.0)


def hold_as_a_count(scores, amounts, cost_fp, cost_review, cost_fn_fraction=1.0):
    return int(hold(scores, amounts, cost_fp, cost_review, cost_fn_fraction).sum())


def _priced(y_true, held, amounts, cost_fp, cost_review, cost_fn_fraction):
    fraud, amounts = np.asarray(y_true) == 1, np.asarray(amounts, dtype=float)
    return float(cost_fp * (held & ~fraud).sum() + cost_review * (held & fraud).sum()
                 + cost_fn_fraction * amounts[~held & fraud].sum())


def costs_without_review(y_true, scores, amounts, threshold, *, cost_fp, cost_review, cost_fn_fraction=1.0):
    rules = {"threshold": np.asarray(scores) >= threshold,
             "per payment": hold(scores, amounts, cost_fp, cost_review, cost_fn_fraction)}
    return {name: _priced(y_true, held, amounts, cost_fp, 0.0, cost_fn_fraction) for name, held in rules.items()}


def costs_threshold_strictly_above(y_true, scores, amounts, threshold, *, cost_fp, cost_review, cost_fn_fraction=1.0):
    rules = {"threshold": np.asarray(scores) > threshold,
             "per payment": hold(scores, amounts, cost_fp, cost_review, cost_fn_fraction)}
    return {name: _priced(y_true, held, amounts, cost_fp, cost_review, cost_fn_fraction)
            for name, held in rules.items()}


def costs_swapped(y_true, scores, amounts, threshold, *, cost_fp, cost_review, cost_fn_fraction=1.0):
    right = rule_costs(y_true, scores, amounts, threshold, cost_fp=cost_fp, cost_review=cost_review,
                       cost_fn_fraction=cost_fn_fraction)
    return {"threshold": right["per payment"], "per payment": right["threshold"]}


def costs_with_other_keys(y_true, scores, amounts, threshold, *, cost_fp, cost_review, cost_fn_fraction=1.0):
    right = rule_costs(y_true, scores, amounts, threshold, cost_fp=cost_fp, cost_review=cost_review,
                       cost_fn_fraction=cost_fn_fraction)
    return {"global": right["threshold"], "expected_loss": right["per payment"]}


def costs_of_the_saving(y_true, scores, amounts, threshold, *, cost_fp, cost_review, cost_fn_fraction=1.0):
    right = rule_costs(y_true, scores, amounts, threshold, cost_fp=cost_fp, cost_review=cost_review,
                       cost_fn_fraction=cost_fn_fraction)
    return right["threshold"] - right["per payment"]


WRONG_ANSWERS += [
    WrongAnswer("ch01-ex5", "forgets the review cost of a held fraud", hold_without_review,
                "a held fraud costs its review too"),
    WrongAnswer("ch01-ex5", "compares the score with the cost, without the amount", hold_without_amount,
                "a large payment is held at a lower score than a small one"),
    WrongAnswer("ch01-ex5", "holds on the wrong side of the comparison", hold_on_the_wrong_side,
                "a large payment is held at a lower score than a small one"),
    WrongAnswer("ch01-ex5", "holds when the two costs are equal (>=)", hold_at_equality,
                "a payment whose expected loss equals the cost of holding it is not held"),
    WrongAnswer("ch01-ex5", "ignores the (1 - p) of a false alarm", hold_ignoring_one_minus_p,
                "a legitimate payment costs cost_fp only with chance 1 - p"),
    WrongAnswer("ch01-ex5", "ignores cost_fn_fraction", hold_ignoring_fraction,
                "cost_fn_fraction scales the expected loss"),
    WrongAnswer("ch01-ex5", "returns a count, not a decision per payment", hold_as_a_count,
                "returns one True or False per payment"),
    WrongAnswer("ch01-ex6", "forgets the review cost of a held fraud", costs_without_review,
                "a held fraud costs its review"),
    WrongAnswer("ch01-ex6", "holds scores > threshold instead of >=", costs_threshold_strictly_above,
                "a score equal to the threshold is held by the global threshold"),
    WrongAnswer("ch01-ex6", "swaps the two rules", costs_swapped,
                "a hand-worked example: the per-payment rule holds the large fraud the threshold misses"),
    WrongAnswer("ch01-ex6", "names the rules otherwise", costs_with_other_keys,
                "returns the cost of both rules in a dict"),
    WrongAnswer("ch01-ex6", "returns the difference, not both costs", costs_of_the_saving,
                "returns the cost of both rules in a dict"),
]
