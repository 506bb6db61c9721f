"""Checks of chapter 1, "The ML engineer's job": the cost of errors and the threshold that minimises it.

    from shipml.course.checks import run
    run("ch01-ex2", expected_cost)      # the learner's expected_cost(y_true, scores, threshold, cost_fp, ...)
    run("ch01-ex3", best_threshold)     # the learner's best_threshold(y_true, scores, cost_fp=..., ...)
    run("ch01-ex4", plot_cost_curve)    # the learner's plot_cost_curve(ax, y_true, scores, cost_fp=..., ...)
    run("ch01-ex5", hold)               # the learner's hold(scores, amounts, cost_fp, cost_review, cost_fn_fraction)
    run("ch01-ex6", rule_costs)         # the learner's rule_costs(y_true, scores, amounts, threshold, cost_fp=..., ...)

Each case observes, then judges. The observers call the learner's code on
small data sets whose answers can be worked out by hand (the expected costs
below are written out), and on seeded random ones; ex4's observer draws on a
fresh Axes and reads back what is on it (the lines' points, the markers, the
horizontal lines, the legend, the axis labels) as plain data. The judges
compare with those hand-worked numbers, and on the random batches with the
reference the chapter shows, `shipml.evaluation.cost` (`expected_cost`,
`cost_curve`). A transaction is flagged when its score is at least the
threshold. Exercises 5 and 6 are the per-payment rule (hold when the expected
loss exceeds the expected cost of holding, a held fraud's review included)
and its cost beside the global threshold's; their reference is
`shipml.evaluation.decision.DecisionPolicy` priced by `cost.decision_cost`.
"""

from __future__ import annotations

import functools
import inspect

import numpy as np
import pandas as pd

from shipml.course.checks import (
    Failure,
    WrongType,
    exercise,
    expect,
    expect_number,
    kind_of,
    plain,
    to_number,
)
from shipml.evaluation import cost
from shipml.evaluation.decision import DecisionPolicy

# A hand-worked example: fraud scored 0.9 and 0.3, legitimate scored 0.8 and 0.1.
Y = np.array([1, 0, 1, 0])
SCORES = np.array([0.9, 0.8, 0.3, 0.1])
AMOUNTS = np.array([100.0, 50.0, 200.0, 20.0])


@functools.lru_cache(maxsize=None)
def _random_batch(seed: int, n: int = 500):
    """Labels, scores (rounded, so that ties and scores equal to a threshold occur) and amounts."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.08).astype(int)
    scores = np.round(np.clip(0.35 * y + 0.65 * rng.random(n), 0.0, 1.0), 2)
    amounts = np.round(rng.lognormal(3.5, 1.0, n), 2)
    for array in (y, scores, amounts):
        array.flags.writeable = False  # cached: shared by every observer and judge
    return y, scores, amounts


def _expect_parameters(fn, names: list[str]) -> None:
    """Fail with a sentence unless fn accepts every parameter in names by keyword (run by an observer)."""
    try:
        parameters = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return  # a builtin or C function: let the cases speak
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return
    missing = [name for name in names if name not in parameters]
    expect(
        not missing,
        f"Your function should take the parameters ({', '.join(names)}); yours takes "
        f"({', '.join(parameters)}). Keep the names of the exercise: the checks pass them by name.",
    )


def _problems_case(ex, observe_one, judge_one, name, hint, problems, hidden=False):
    """A case of `ex` over several problems, each (*inputs, what): observe_one(target, *inputs), then judge_one."""

    def observe(target):
        return [observe_one(target, *problem[:-1]) for problem in problems]

    def judge(got):
        for seen, problem in zip(got, problems):
            judge_one(seen, problem)

    ex.case(name, hint=hint, hidden=hidden, observe=observe, judge=judge)


# --- exercise 2: the expected cost at a threshold ----------------------------------------------

ex2 = exercise(
    "ch01-ex2",
    title="The expected cost of a fraud model at a threshold",
    hints=[
        "Flag a transaction when its score is at least the threshold: `flagged = scores >= threshold`.",
        "A missed fraud is a fraud that is not flagged: `(y_true == 1) & ~flagged`; a false alarm is a "
        "legitimate transaction that is flagged: `(y_true == 0) & flagged`.",
        "Add `cost_fn_fraction * amounts[missed].sum()` (with `amounts = np.ones(len(y_true))` when amounts is "
        "None) and `cost_fp * false_alarms.sum()`, and return the sum as a float.",
    ],
)

_EX2_PARAMETERS = ["y_true", "scores", "threshold", "cost_fp", "cost_fn_fraction", "amounts"]


def _cost_of(expected_cost, y, scores, threshold, cost_fp, cost_fn_fraction, amounts):
    """Observe: the learner's expected cost on one fixed input."""
    _expect_parameters(expected_cost, _EX2_PARAMETERS)
    return expected_cost(
        np.array(y), np.array(scores), threshold,
        cost_fp=cost_fp, cost_fn_fraction=cost_fn_fraction,
        amounts=None if amounts is None else np.array(amounts),
    )


def _cost_case(name, hint, calls, hidden=False):
    """A case over several calls: `calls` is a list of (inputs, expected cost, what)."""

    def observe(expected_cost):
        return [_cost_of(expected_cost, *inputs) for inputs, _, _ in calls]

    def judge(got):
        for seen, (_, want, what) in zip(got, calls):
            expect_number(seen, want, tol=1e-6, rtol=1e-9, what=what)

    ex2.case(name, hint=hint, hidden=hidden, observe=observe, judge=judge)


# (y, scores, threshold, cost_fp, cost_fn_fraction, amounts); the costs are worked out by hand.
_cost_case(
    "a hand-worked example: one fraud of 200 EUR missed, one false alarm",
    "At threshold 0.5 the scores 0.9 and 0.8 are flagged: 0.8 is a false alarm, the fraud scored 0.3 is missed.",
    [((Y, SCORES, 0.5, 5.0, 1.0, AMOUNTS), 5.0 + 200.0, "the cost at threshold 0.5")],
)
_cost_case(
    "a score equal to the threshold is flagged",
    "Use `scores >= threshold`, not `>`: at threshold 0.3 the fraud scored 0.3 is caught.",
    [((Y, SCORES, 0.3, 5.0, 1.0, AMOUNTS), 5.0, "the cost at threshold 0.3")],
)
_cost_case(
    "threshold 0 flags every transaction: only the false alarms cost",
    "At threshold 0 every fraud is caught, and every legitimate transaction is a false alarm.",
    [((Y, SCORES, 0.0, 5.0, 1.0, AMOUNTS), 2 * 5.0, "the cost at threshold 0")],
)
_cost_case(
    "threshold 1 flags only scores of exactly 1",
    "At threshold 1 nothing scored below 1 is flagged, so every fraud scored below 1 is missed.",
    [((Y, SCORES, 1.0, 5.0, 1.0, AMOUNTS), 100.0 + 200.0, "the cost at threshold 1"),
     (([1, 0, 1], [1.0, 1.0, 0.2], 1.0, 5.0, 1.0, [30.0, 40.0, 50.0]), 5.0 + 50.0,
      "the cost at threshold 1 with scores of exactly 1")],
)
_cost_case(
    "no fraud in the data: only the false alarms cost",
    "With no fraud there is nothing to miss; each flagged transaction costs cost_fp.",
    [(([0, 0, 0, 0], [0.9, 0.6, 0.4, 0.1], 0.5, 3.0, 1.0, [10.0, 20.0, 30.0, 40.0]), 2 * 3.0,
      "the cost when no transaction is fraud")],
)
_cost_case(
    "every transaction is fraud: only the missed fraud costs",
    "With only fraud there are no false alarms; each fraud scored below the threshold costs its amount.",
    [(([1, 1, 1], [0.9, 0.5, 0.1], 0.5, 3.0, 1.0, [10.0, 20.0, 30.0]), 30.0,
      "the cost when every transaction is fraud")],
)
_cost_case(
    "without amounts each missed fraud costs one unit",
    "When amounts is None, count each missed fraud as 1 (times cost_fn_fraction).",
    [((Y, SCORES, 0.95, 5.0, 1.0, None), 2.0, "the cost without amounts")],
)
_cost_case(
    "cost_fn_fraction scales what a missed fraud costs",
    "A missed fraud costs `cost_fn_fraction * amount`: with 0.25 only a quarter of the amount is lost.",
    [((Y, SCORES, 0.5, 5.0, 0.25, AMOUNTS), 5.0 + 0.25 * 200.0, "the cost with cost_fn_fraction=0.25")],
)


def _random_cost_calls():
    """Random batches at many thresholds, priced by the reference `shipml.evaluation.cost.expected_cost`."""
    calls = []
    for seed in range(3):
        y, scores, amounts = _random_batch(seed)
        for threshold in (0.0, 0.13, 0.5, 0.77, 1.0, float(scores[0])):
            want = cost.expected_cost(y, scores, threshold, cost_fp=4.0, cost_fn_fraction=0.8, amounts=amounts)
            calls.append(((y, scores, threshold, 4.0, 0.8, amounts), want,
                          f"the cost of random batch {seed} at threshold {threshold:g}"))
    return calls


_cost_case("agrees with the reference on random batches at many thresholds", None, _random_cost_calls(),
           hidden=True)


@ex2.case("accepts plain Python lists", hidden=True)
def _observe_lists(expected_cost):
    _expect_parameters(expected_cost, _EX2_PARAMETERS)
    return expected_cost(list(Y), list(SCORES), 0.5, cost_fp=5.0, cost_fn_fraction=1.0, amounts=list(AMOUNTS))


@_observe_lists.judge
def _(got):
    expect_number(got, 205.0, tol=1e-6, what="the cost when the inputs are lists")


# --- exercise 3: the threshold that minimises the cost -----------------------------------------

ex3 = exercise(
    "ch01-ex3",
    title="The threshold that minimises the expected cost",
    hints=[
        "Try every threshold in `thresholds` and keep the one whose cost is lowest.",
        "Compute `costs = [expected_cost(y_true, scores, t, cost_fp=cost_fp, cost_fn_fraction=cost_fn_fraction, "
        "amounts=amounts) for t in thresholds]`.",
        "Return `float(thresholds[int(np.argmin(costs))])`: the threshold, not the cost.",
    ],
)

_EX3_PARAMETERS = ["y_true", "scores", "cost_fp", "cost_fn_fraction", "amounts", "thresholds"]


def _best_of(best_threshold, y, scores, cost_fp, cost_fn_fraction, amounts, thresholds=None):
    """Observe: the learner's threshold on one fixed input."""
    grid = cost.THRESHOLDS if thresholds is None else np.asarray(thresholds, dtype=float)
    _expect_parameters(best_threshold, _EX3_PARAMETERS)
    return best_threshold(np.array(y), np.array(scores), thresholds=np.array(grid), cost_fp=cost_fp,
                          cost_fn_fraction=cost_fn_fraction, amounts=np.array(amounts))


def _judge_best(got, y, scores, cost_fp, cost_fn_fraction, amounts, what, thresholds=None) -> float:
    """Judge: the threshold is in [0, 1] and costs no more than the lowest cost on the grid (the reference)."""
    grid = cost.THRESHOLDS if thresholds is None else np.asarray(thresholds, dtype=float)
    kwargs = dict(cost_fp=cost_fp, cost_fn_fraction=cost_fn_fraction, amounts=amounts)
    value = to_number(got, f"the threshold {what}")
    expect(0.0 <= value <= 1.0, f"The threshold {what} should be between 0 and 1, yours is {value:g}.")
    lowest = float(cost.cost_curve(y, scores, grid, **kwargs)["cost"].min())
    yours = cost.expected_cost(y, scores, value, **kwargs)
    if yours > lowest + max(1e-6, 1e-9 * lowest):
        raise Failure(
            f"Your threshold {what} is {value:g} and costs {yours:,.2f}; the best threshold costs {lowest:,.2f}."
        )
    return value


def _best_case(name, hint, problems, hidden=False):
    """A case over several problems: (y, scores, cost_fp, cost_fn_fraction, amounts, what)."""
    _problems_case(ex3, _best_of, lambda seen, problem: _judge_best(seen, *problem), name, hint, problems, hidden)


_best_case(
    "a hand-worked example: one false alarm is cheaper than a missed fraud",
    "A threshold just above 0.1 flags 0.9, 0.8 and 0.3: one false alarm (5 EUR) and no missed fraud.",
    [(Y, SCORES, 5.0, 1.0, AMOUNTS, "for the hand-worked example")],
)
_best_case(
    "free false alarms: flagging everything is best",
    "When cost_fp is 0 nothing is lost by flagging every transaction.",
    [(Y, SCORES, 0.0, 1.0, AMOUNTS, "when false alarms cost nothing")],
)
_best_case(
    "free fraud: flagging no legitimate transaction is best",
    "When cost_fn_fraction is 0 a missed fraud costs nothing, so every false alarm is a pure loss.",
    [(Y, SCORES, 5.0, 0.0, AMOUNTS, "when missed fraud costs nothing")],
)

_GIVEN = (0.2, 0.6)


@ex3.case("uses the thresholds it is given", hint="Search the `thresholds` argument, not a grid of your own.")
def _observe_given(best_threshold):
    return _best_of(best_threshold, Y, SCORES, 5.0, 1.0, AMOUNTS, list(_GIVEN))


@_observe_given.judge
def _(got):
    value = _judge_best(got, Y, SCORES, 5.0, 1.0, AMOUNTS, "from the thresholds [0.2, 0.6]", list(_GIVEN))
    expect(value in _GIVEN, f"The threshold should be one of the thresholds given, 0.2 or 0.6; yours is {value:g}.")


_best_case(
    "a random batch with amounts",
    "Compare costs in EUR, with the amounts: a threshold that is best for counts is not best for euros.",
    [(_random_batch(0)[0], _random_batch(0)[1], 5.0, 1.0, _random_batch(0)[2], "for a random batch")],
)
_best_case(
    "random batches at several costs", None,
    [(*_random_batch(10 + seed, n=800)[:2], cost_fp, fraction, _random_batch(10 + seed, n=800)[2],
      f"for random batch {seed} with cost_fp={cost_fp:g}, cost_fn_fraction={fraction:g}")
     for seed in range(3) for cost_fp, fraction in ((1.0, 1.0), (10.0, 0.5), (60.0, 1.0))],
    hidden=True,
)


# --- exercise 4: the cost curve, drawn ---------------------------------------------------------

ex4 = exercise(
    "ch01-ex4",
    title="Draw the cost curve, its minimum and the baselines",
    hints=[
        "Compute the cost at each threshold of `THRESHOLDS` (your `expected_cost`, or `shipml.evaluation.cost.cost_curve`), "
        "then `ax.plot(thresholds, costs)`.",
        "Mark the minimum with `ax.plot([best], [lowest], 'o')`; draw each baseline with "
        "`ax.axhline(value, linestyle='--', label=name)`; call `ax.legend()`.",
        "Label both axes with units, e.g. `ax.set_xlabel('threshold')` and `ax.set_ylabel('expected cost (EUR)')`, "
        "and return the best threshold.",
    ],
)

_EX4_PARAMETERS = ["ax", "y_true", "scores", "cost_fp", "cost_fn_fraction", "amounts", "baselines"]
_EX4_BASELINES = {"no model": 700.0, "rule": 310.0}
_EX4_COSTS = dict(cost_fp=8.0, cost_fn_fraction=1.0)
_EX4_SEED, _EX4_ROWS = 3, 400


def _ex4_problem():
    """The fixed input of every ex4 case: labels, scores and the cost keyword arguments (amounts included)."""
    y, scores, amounts = _random_batch(_EX4_SEED, n=_EX4_ROWS)
    return y, scores, dict(_EX4_COSTS, amounts=amounts)


def _xy(x, y) -> np.ndarray:
    """(n, 2) float points of a line's data, or an empty (0, 2) array when they are not numbers."""
    try:
        points = np.column_stack([np.asarray(x, dtype=float).ravel(), np.asarray(y, dtype=float).ravel()])
    except (TypeError, ValueError):
        return np.empty((0, 2))
    return points


def _plain_or_repr(value):
    """value as plain data when it can be, else its repr (a judge reports it, never calls it)."""
    if getattr(value, "shape", None) == () and hasattr(value, "__float__"):  # a 0-d array or tensor
        try:
            return float(value)
        except (TypeError, ValueError):
            pass
    try:
        return plain(value)
    except WrongType:
        return repr(value)


def _drawing(plot_cost_curve) -> dict:
    """Observe: call the learner's function on a fresh Axes, then read back what it drew as plain data.

    {"returned": what the function returned (plain data, or a description),
     "lines": [{"points": (n, 2) array, "label": str}, ...]         (ax.plot, ax.axhline, ax.axvline)
     "markers": [(n, 2) array, ...]                                  (ax.scatter)
     "segments": [[(k, 2) array, ...], ...]                          (ax.hlines, ax.vlines)
     "texts": [str, ...]  (the legend's entries, then ax.text)       "xlabel": str, "ylabel": str}
    """
    from matplotlib.collections import LineCollection, PathCollection
    from matplotlib.figure import Figure

    y, scores, kwargs = _ex4_problem()
    ax = Figure().subplots()
    _expect_parameters(plot_cost_curve, _EX4_PARAMETERS)
    returned = plot_cost_curve(ax, np.array(y), np.array(scores), baselines=dict(_EX4_BASELINES),
                               cost_fp=kwargs["cost_fp"], cost_fn_fraction=kwargs["cost_fn_fraction"],
                               amounts=np.array(kwargs["amounts"]))
    legend = ax.get_legend()
    return {
        "returned": _plain_or_repr(returned),
        "lines": [{"points": _xy(line.get_xdata(orig=True), line.get_ydata(orig=True)),
                   "label": str(line.get_label())} for line in ax.get_lines()],
        "markers": [np.asarray(c.get_offsets(), dtype=float).reshape(-1, 2)
                    for c in ax.collections if isinstance(c, PathCollection)],
        "segments": [[np.asarray(seg, dtype=float).reshape(-1, 2) for seg in c.get_segments()]
                     for c in ax.collections if isinstance(c, LineCollection)],
        "texts": [t.get_text() for t in (legend.get_texts() if legend else [])] + [t.get_text() for t in ax.texts],
        "xlabel": ax.get_xlabel(),
        "ylabel": ax.get_ylabel(),
    }


def _curve_lines(drawing) -> list[int]:
    """Judge: the positions of the lines that follow the true cost curve at 20 or more thresholds."""
    y, scores, kwargs = _ex4_problem()
    found = []
    for i, line in enumerate(drawing["lines"]):
        points = np.asarray(line["points"], dtype=float).reshape(-1, 2)
        inside = points[(points[:, 0] >= 0) & (points[:, 0] <= 1)] if len(points) else points
        if len(inside) < 20 or np.isnan(inside).any():
            continue
        want = cost.cost_curve(y, scores, inside[:, 0], **kwargs)["cost"].to_numpy()
        if np.allclose(inside[:, 1], want, rtol=1e-6, atol=1e-6):
            found.append(i)
    return found


def _lowest_cost() -> float:
    y, scores, kwargs = _ex4_problem()
    return float(cost.cost_curve(y, scores, **kwargs)["cost"].min())


@ex4.case(
    "returns the threshold with the lowest cost",
    hint="Return the threshold you mark, as a number: `return best`.",
)
def _observe_returned(plot_cost_curve):
    return _drawing(plot_cost_curve)["returned"]


@_observe_returned.judge
def _(returned):
    got = to_number(returned, "the threshold your function returns")
    y, scores, kwargs = _ex4_problem()
    lowest = _lowest_cost()
    yours = cost.expected_cost(y, scores, min(max(got, 0.0), 1.0), **kwargs)
    expect(
        0.0 <= got <= 1.0 and yours <= lowest + 1e-6,
        f"Your function returns the threshold {got:g}, which costs {yours:,.2f}; the best costs {lowest:,.2f}.",
    )


@ex4.case(
    "draws the cost curve in EUR over the thresholds",
    hint="Plot the cost (y) against the threshold (x) at each threshold of THRESHOLDS, with the amounts.",
)
def _observe_curve(plot_cost_curve):
    return _drawing(plot_cost_curve)


@_observe_curve.judge
def _(drawing):
    expect(
        _curve_lines(drawing),
        "No line on the axes follows the expected cost at 20 or more thresholds: plot the cost in EUR "
        "(y) against the threshold (x), with ax.plot.",
    )


@ex4.case(
    "marks the lowest point of the curve",
    hint="Add a marker at (best threshold, lowest cost): `ax.plot([best], [lowest], 'o')` or `ax.scatter`.",
)
def _observe_marker(plot_cost_curve):
    return _drawing(plot_cost_curve)


@_observe_marker.judge
def _(drawing):
    y, scores, kwargs = _ex4_problem()
    curves = set(_curve_lines(drawing))
    lowest = _lowest_cost()
    returned = drawing["returned"]
    candidates = [np.asarray(line["points"], dtype=float).reshape(-1, 2)
                  for i, line in enumerate(drawing["lines"]) if i not in curves]
    candidates += [np.asarray(points, dtype=float).reshape(-1, 2) for points in drawing["markers"]]
    marked = False
    for points in candidates:
        if not len(points):
            continue
        # A marker at (best threshold, lowest cost): any point on the curve's lowest plateau.
        for x, c in points:
            if 0 <= x <= 1 and abs(c - lowest) <= 1e-6 + 1e-9 * lowest:
                marked |= cost.expected_cost(y, scores, float(x), **kwargs) <= lowest + 1e-6
        # Or a vertical line at the threshold the function returns (ax.axvline).
        xs = points[:, 0]
        if (isinstance(returned, (int, float)) and not isinstance(returned, bool) and len(xs) >= 2
                and np.allclose(xs, float(returned), atol=1e-9)):
            marked = True
    expect(marked, "The lowest point of the curve is not marked: add a marker at (best threshold, lowest cost).")


@ex4.case(
    "draws each baseline as a labelled horizontal line",
    hint="For each name and cost in `baselines`: `ax.axhline(cost, linestyle='--', label=name)`, then `ax.legend()`.",
)
def _observe_baselines(plot_cost_curve):
    return _drawing(plot_cost_curve)


@_observe_baselines.judge
def _(drawing):
    levels = []
    for line in drawing["lines"]:
        points = np.asarray(line["points"], dtype=float).reshape(-1, 2)
        if len(points) and np.allclose(points[:, 1], points[0, 1]):
            levels.append(points[0, 1])
    for segments in drawing["segments"]:  # ax.hlines
        for seg in segments:
            seg = np.asarray(seg, dtype=float).reshape(-1, 2)
            if len(seg) and np.allclose(seg[:, 1], seg[0][1]):
                levels.append(seg[0][1])
    texts = " ".join(str(t) for t in drawing["texts"]).lower()
    for name, value in _EX4_BASELINES.items():
        expect(
            any(abs(level - value) < 1e-6 for level in levels),
            f"The baseline {name!r} ({value:g} EUR) is not drawn as a horizontal line at its cost.",
        )
        expect(name.lower() in texts, f"The baseline {name!r} is not named in a legend (or a text) on the plot.")


@ex4.case(
    "labels both axes, with the unit of the cost",
    hint="`ax.set_xlabel('threshold')` and `ax.set_ylabel('expected cost (EUR)')` (on `ax`, not on plt).",
)
def _observe_labels(plot_cost_curve):
    return _drawing(plot_cost_curve)


@_observe_labels.judge
def _(labels):
    expect("threshold" in labels["xlabel"].lower(), "The x axis should be labelled with the word 'threshold'.")
    ylabel = labels["ylabel"]
    expect("eur" in ylabel.lower() or "€" in ylabel, "The y axis should be labelled with the cost's unit, EUR.")


# --- exercise 5: a threshold for each payment ----------------------------------------------------

ex5 = exercise(
    "ch01-ex5",
    title="Hold a payment when its expected loss exceeds the cost of holding it",
    hints=[
        "Letting a payment through costs, on average, `p * cost_fn_fraction * amount`; holding it costs "
        "`(1 - p) * cost_fp` (a legitimate customer held) plus `p * cost_review` (the review of a held fraud).",
        "Work on arrays: `p = np.asarray(scores, dtype=float)` and `amount = np.asarray(amounts, dtype=float)`; "
        "one comparison then gives a True or False for every payment.",
        "Return `p * cost_fn_fraction * amount > (1 - p) * cost_fp + p * cost_review`: strictly greater, so a "
        "payment whose two costs are equal is let through.",
    ],
)

_EX5_PARAMETERS = ["scores", "amounts", "cost_fp", "cost_review", "cost_fn_fraction"]


def _reference_hold(scores, amounts, cost_fp, cost_review, cost_fn_fraction) -> np.ndarray:
    """The chapter's rule, `shipml.evaluation.decision.DecisionPolicy.expected_loss_rule`, at these costs."""
    policy = DecisionPolicy("expected_loss", cost_fp=cost_fp, cost_review=cost_review,
                            cost_fn_fraction=cost_fn_fraction)
    return policy.hold(np.asarray(scores, dtype=float), np.asarray(amounts, dtype=float))


def _holds_of(hold, scores, amounts, cost_fp, cost_review, cost_fn_fraction):
    """Observe: the learner's decisions on one fixed input."""
    _expect_parameters(hold, _EX5_PARAMETERS)
    return hold(np.array(scores, dtype=float), np.array(amounts, dtype=float), cost_fp=cost_fp,
                cost_review=cost_review, cost_fn_fraction=cost_fn_fraction)


def _as_flags(got, n: int, what: str) -> np.ndarray:
    """Judge: got as a 1-D boolean array of n decisions, or a Failure that says what is wrong."""
    if isinstance(got, pd.Series):
        got = got.to_numpy()
    if not isinstance(got, (list, tuple, np.ndarray)):
        raise Failure(f"Your function should return a True or False for each payment {what} (an array, as a "
                      f"comparison gives); yours returns {kind_of(got)}.")
    flags = np.asarray(got, dtype=object if isinstance(got, (list, tuple)) else None)
    if flags.shape != (n,):
        raise Failure(f"Your function should return one True or False per payment {what}, {n} in all; "
                      f"yours returns {flags.size} values in the shape {flags.shape}.")
    if not all(isinstance(value, (bool, np.bool_)) for value in flags.tolist()):
        raise Failure(f"Your function should return True or False for each payment {what}, as a comparison does "
                      f"(`... > ...`); yours returns {kind_of(flags.tolist()[0])} values.")
    return flags.astype(bool)


def _judge_holds(got, problem) -> None:
    scores, amounts, cost_fp, cost_review, fraction, what = problem
    flags = _as_flags(got, len(scores), what)
    want = _reference_hold(scores, amounts, cost_fp, cost_review, fraction)
    wrong = np.flatnonzero(flags != want)
    if len(wrong):
        i = int(wrong[0])
        p, amount = float(scores[i]), float(amounts[i])
        loss, holding = p * fraction * amount, (1 - p) * cost_fp + p * cost_review
        verdict = "should be held" if want[i] else "should not be held"
        yours = "yours holds it" if flags[i] else "yours lets it through"
        raise Failure(
            f"{len(wrong)} of {len(flags)} decisions differ {what}. The payment of {amount:,.2f} EUR scored {p:g} "
            f"{verdict}: letting it through is expected to cost {loss:,.4g} EUR, holding it {holding:,.4g} EUR; "
            f"{yours}."
        )


def _hold_case(name, hint, problems, hidden=False):
    """A case over problems: (scores, amounts, cost_fp, cost_review, cost_fn_fraction, what)."""
    _problems_case(ex5, _holds_of, _judge_holds, name, hint, problems, hidden)


# Every case below is worked out by hand at cost_fp 5, cost_review 3 (the scenario's), cost_fn_fraction 1.
_hold_case(
    "returns one True or False per payment",
    "Return the comparison itself, an array of booleans as long as `scores`: not 0 and 1, not a count.",
    [([0.9, 0.01], [500.0, 5.0], 5.0, 3.0, 1.0, "for two payments")],
)
_hold_case(
    "a large payment is held at a lower score than a small one",
    "Scored 0.02, a 1,000 EUR payment is expected to lose 20 EUR if let through, more than the 4.96 EUR of holding "
    "it; a 100 EUR payment at the same score only 2 EUR. Multiply by the amount.",
    [([0.02, 0.02, 0.3, 0.3], [1000.0, 100.0, 50.0, 10.0], 5.0, 3.0, 1.0,
      "for payments of different amounts at the same scores")],
)
_hold_case(
    "a held fraud costs its review too",
    "Holding costs `(1 - p) * cost_fp + p * cost_review`: scored 0.5, a 7.50 EUR payment is expected to lose "
    "3.75 EUR, less than the 2.50 + 1.50 EUR of holding it.",
    [([0.5, 0.5], [7.5, 9.0], 5.0, 3.0, 1.0, "when the review of a held fraud decides")],
)
_hold_case(
    "a legitimate payment costs cost_fp only with chance 1 - p",
    "Weigh cost_fp by the chance that the payment is legitimate, `1 - p`: scored 0.8, a 5 EUR payment is "
    "expected to lose 4 EUR, more than the 1.00 + 2.40 EUR of holding it.",
    [([0.5, 0.8], [12.0, 5.0], 5.0, 3.0, 1.0, "for likely frauds of small amounts")],
)
_hold_case(
    "a payment whose expected loss equals the cost of holding it is not held",
    "Hold when the expected loss is strictly greater (`>`): scored 0.5, an 8 EUR payment is expected to lose "
    "4 EUR, exactly the 2.50 + 1.50 EUR of holding it.",
    [([0.5], [8.0], 5.0, 3.0, 1.0, "when the two costs are equal")],
)
_hold_case(
    "cost_fn_fraction scales the expected loss",
    "A missed fraud costs `cost_fn_fraction * amount`: with 0.2 the 1,000 EUR payment scored 0.02 is expected to "
    "lose only 4 EUR.",
    [([0.02, 0.2], [1000.0, 1000.0], 5.0, 3.0, 0.2, "with cost_fn_fraction=0.2")],
)


def _random_hold_problems():
    problems = []
    for seed, (cost_fp, cost_review, fraction) in enumerate(((5.0, 3.0, 1.0), (12.0, 4.0, 0.7), (2.5, 0.0, 1.0))):
        _, scores, amounts = _random_batch(20 + seed, n=600)
        problems.append((scores, amounts, cost_fp, cost_review, fraction,
                         f"on random batch {seed} with cost_fp={cost_fp:g}, cost_review={cost_review:g}, "
                         f"cost_fn_fraction={fraction:g}"))
    return problems


_hold_case("agrees with the chapter's rule on random batches at several costs", None, _random_hold_problems(),
           hidden=True)


@ex5.case("accepts plain Python lists", hidden=True)
def _observe_hold_lists(hold):
    _expect_parameters(hold, _EX5_PARAMETERS)
    return hold([0.02, 0.02], [1000.0, 100.0], cost_fp=5.0, cost_review=3.0, cost_fn_fraction=1.0)


@_observe_hold_lists.judge
def _(got):
    _judge_holds(got, ([0.02, 0.02], [1000.0, 100.0], 5.0, 3.0, 1.0, "when the inputs are lists"))


# --- exercise 6: both rules priced on the same payments ------------------------------------------

ex6 = exercise(
    "ch01-ex6",
    title="The cost of the per-payment rule against the global threshold",
    hints=[
        "Price each rule's decisions the same way: a held legitimate payment costs cost_fp, a held fraud "
        "cost_review, a fraud let through cost_fn_fraction times its amount.",
        "The global threshold holds `scores >= threshold`; the per-payment rule holds what your `hold` returns. "
        "Write one small function that prices a boolean array of holds, and call it twice.",
        "Return `{'threshold': cost_of(scores >= threshold), 'per payment': cost_of(hold(scores, amounts, cost_fp, "
        "cost_review, cost_fn_fraction))}`, each cost a float in EUR.",
    ],
)

_EX6_PARAMETERS = ["y_true", "scores", "amounts", "threshold", "cost_fp", "cost_review", "cost_fn_fraction"]
_EX6_KEYS = ("threshold", "per payment")


def _reference_rule_costs(y, scores, amounts, threshold, cost_fp, cost_review, fraction) -> dict:
    costs = dict(cost_fp=cost_fp, cost_review=cost_review, cost_fn_fraction=fraction, amounts=amounts)
    scores = np.asarray(scores, dtype=float)
    return {
        "threshold": cost.decision_cost(y, scores >= threshold, **costs),
        "per payment": cost.decision_cost(y, _reference_hold(scores, amounts, cost_fp, cost_review, fraction), **costs),
    }


def _rule_costs_of(rule_costs, y, scores, amounts, threshold, cost_fp, cost_review, fraction):
    _expect_parameters(rule_costs, _EX6_PARAMETERS)
    return rule_costs(np.array(y), np.array(scores, dtype=float), np.array(amounts, dtype=float), threshold,
                      cost_fp=cost_fp, cost_review=cost_review, cost_fn_fraction=fraction)


def _judge_rule_costs(got, problem) -> None:
    *inputs, what = problem
    expect(isinstance(got, dict), f"Your function should return a dict of the two rules' costs {what}; yours "
                                  f"returns {kind_of(got)}.")
    expect(set(got) == set(_EX6_KEYS),
           f"Your dict {what} should have the keys 'threshold' and 'per payment'; yours has "
           f"{', '.join(repr(k) for k in got) or 'none'}.")
    want = _reference_rule_costs(*inputs)
    for key in _EX6_KEYS:
        expect_number(got[key], want[key], tol=1e-6, rtol=1e-9, what=f"the cost of the {key} rule {what}")


def _rule_costs_case(name, hint, problems, hidden=False):
    """A case over problems: (y, scores, amounts, threshold, cost_fp, cost_review, cost_fn_fraction, what)."""
    _problems_case(ex6, _rule_costs_of, _judge_rule_costs, name, hint, problems, hidden)


# Hand-worked: at threshold 0.5 the fraud scored 0.9 is held (3 EUR of review), the legitimate 0.8 held (5 EUR),
# the 200 EUR fraud scored 0.3 let through (200 EUR): 208 EUR. The per-payment rule also holds that fraud
# (expected loss 60 EUR against 3.50 + 0.90 EUR) and lets the 20 EUR payment scored 0.04 through: 3 + 5 + 3 = 11 EUR.
_EX6_HAND = (Y, np.array([0.9, 0.8, 0.3, 0.04]), AMOUNTS, 0.5, 5.0, 3.0, 1.0)

_rule_costs_case(
    "returns the cost of both rules in a dict",
    "Return a dict with two keys, 'threshold' and 'per payment', each the cost in EUR of that rule.",
    [(*_EX6_HAND, "for the hand-worked example")],
)
_rule_costs_case(
    "a hand-worked example: the per-payment rule holds the large fraud the threshold misses",
    "At threshold 0.5 the threshold rule costs 3 + 5 + 200 = 208 EUR; the per-payment rule also holds the 200 EUR "
    "fraud scored 0.3 and costs 3 + 5 + 3 = 11 EUR.",
    [(*_EX6_HAND, "for the hand-worked example")],
)
_rule_costs_case(
    "a held fraud costs its review",
    "A held fraud is not free: it costs the analyst's review, cost_review, under both rules.",
    [(([1, 1], [0.9, 0.95], [50.0, 80.0], 0.5, 5.0, 3.0, 1.0)) + ("when every payment is a held fraud",)],
)
_rule_costs_case(
    "a score equal to the threshold is held by the global threshold",
    "The global threshold holds `scores >= threshold`: at threshold 0.3 the fraud scored 0.3 is held.",
    [(([1, 0], [0.3, 0.1], [40.0, 10.0], 0.3, 5.0, 3.0, 1.0)) + ("at a threshold equal to a score",)],
)


def _random_rule_costs_problems():
    problems = []
    for seed, (threshold, cost_fp, cost_review, fraction) in enumerate(
            ((0.3, 5.0, 3.0, 1.0), (0.55, 10.0, 4.0, 0.6), (0.12, 2.0, 0.5, 1.0))):
        y, scores, amounts = _random_batch(30 + seed, n=700)
        problems.append((y, scores, amounts, threshold, cost_fp, cost_review, fraction,
                         f"on random batch {seed} at threshold {threshold:g}"))
    return problems


_rule_costs_case("agrees with the reference on random batches at several costs", None,
                 _random_rule_costs_problems(), hidden=True)
