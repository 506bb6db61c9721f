"""Checks of chapter 1, "The ML engineer's job": the cost of errors and the threshold that minimises it.

    from shipml.course.checks import run
    run("ch01-ex2", expected_cost)      # the learner's expected_cost(y_true, scores, threshold, cost_fp, ...)
    run("ch01-ex3", best_threshold)     # the learner's best_threshold(y_true, scores, cost_fp=..., ...)
    run("ch01-ex4", plot_cost_curve)    # the learner's plot_cost_curve(ax, y_true, scores, cost_fp=..., ...)

Every case compares the learner's code with the reference in `shipml.evaluation.cost` on
small data sets whose answers can be worked out by hand, and on seeded random
ones. A transaction is flagged when its score is at least the threshold.
"""

from __future__ import annotations

import inspect
import numbers

import numpy as np

from shipml.evaluation import cost
from shipml.course.checks import Failure, WrongType, exercise, expect, expect_number, kind_of

# A hand-worked example: fraud scored 0.9 and 0.3, legitimate scored 0.8 and 0.1.
Y = np.array([1, 0, 1, 0])
SCORES = np.array([0.9, 0.8, 0.3, 0.1])
AMOUNTS = np.array([100.0, 50.0, 200.0, 20.0])


def _random_batch(seed: int, n: int = 500):
    """Labels, scores (rounded, so that ties and scores equal to a threshold occur) and amounts."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.08).astype(int)
    scores = np.round(np.clip(0.35 * y + 0.65 * rng.random(n), 0.0, 1.0), 2)
    amounts = np.round(rng.lognormal(3.5, 1.0, n), 2)
    return y, scores, amounts


def _number(value, what: str) -> float:
    """value as a float, or WrongType ('Expected a number for …, got a list.')."""
    if not isinstance(value, bool):
        if isinstance(value, numbers.Real):
            return float(value)
        if getattr(value, "shape", None) == ():  # a 0-d array
            try:
                return float(value)
            except (TypeError, ValueError):
                pass
    raise WrongType(f"Expected a number for {what}, got {kind_of(value)}.")


def _expect_parameters(fn, names: list[str]) -> None:
    """Fail with a sentence unless fn accepts every parameter in names by keyword."""
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


def _expect_cost(expected_cost, y, scores, threshold, cost_fp, cost_fn_fraction, amounts, what):
    _expect_parameters(expected_cost, _EX2_PARAMETERS)
    got = expected_cost(
        np.asarray(y), np.asarray(scores), threshold,
        cost_fp=cost_fp, cost_fn_fraction=cost_fn_fraction,
        amounts=None if amounts is None else np.asarray(amounts),
    )
    want = cost.expected_cost(y, scores, threshold, cost_fp=cost_fp, cost_fn_fraction=cost_fn_fraction, amounts=amounts)
    expect_number(got, want, tol=1e-6, rtol=1e-9, what=what)


@ex2.case(
    "a hand-worked example: one fraud of 200 EUR missed, one false alarm",
    hint="At threshold 0.5 the scores 0.9 and 0.8 are flagged: 0.8 is a false alarm, the fraud scored 0.3 is missed.",
)
def _(expected_cost):
    _expect_cost(expected_cost, Y, SCORES, 0.5, 5.0, 1.0, AMOUNTS, "the cost at threshold 0.5")


@ex2.case(
    "a score equal to the threshold is flagged",
    hint="Use `scores >= threshold`, not `>`: at threshold 0.3 the fraud scored 0.3 is caught.",
)
def _(expected_cost):
    _expect_cost(expected_cost, Y, SCORES, 0.3, 5.0, 1.0, AMOUNTS, "the cost at threshold 0.3")


@ex2.case(
    "threshold 0 flags every transaction: only the false alarms cost",
    hint="At threshold 0 every fraud is caught, and every legitimate transaction is a false alarm.",
)
def _(expected_cost):
    _expect_cost(expected_cost, Y, SCORES, 0.0, 5.0, 1.0, AMOUNTS, "the cost at threshold 0")


@ex2.case(
    "threshold 1 flags only scores of exactly 1",
    hint="At threshold 1 nothing scored below 1 is flagged, so every fraud scored below 1 is missed.",
)
def _(expected_cost):
    _expect_cost(expected_cost, Y, SCORES, 1.0, 5.0, 1.0, AMOUNTS, "the cost at threshold 1")
    _expect_cost(expected_cost, [1, 0, 1], [1.0, 1.0, 0.2], 1.0, 5.0, 1.0, [30.0, 40.0, 50.0],
                 "the cost at threshold 1 with scores of exactly 1")


@ex2.case(
    "no fraud in the data: only the false alarms cost",
    hint="With no fraud there is nothing to miss; each flagged transaction costs cost_fp.",
)
def _(expected_cost):
    _expect_cost(expected_cost, [0, 0, 0, 0], [0.9, 0.6, 0.4, 0.1], 0.5, 3.0, 1.0, [10.0, 20.0, 30.0, 40.0],
                 "the cost when no transaction is fraud")


@ex2.case(
    "every transaction is fraud: only the missed fraud costs",
    hint="With only fraud there are no false alarms; each fraud scored below the threshold costs its amount.",
)
def _(expected_cost):
    _expect_cost(expected_cost, [1, 1, 1], [0.9, 0.5, 0.1], 0.5, 3.0, 1.0, [10.0, 20.0, 30.0],
                 "the cost when every transaction is fraud")


@ex2.case(
    "without amounts each missed fraud costs one unit",
    hint="When amounts is None, count each missed fraud as 1 (times cost_fn_fraction).",
)
def _(expected_cost):
    _expect_cost(expected_cost, Y, SCORES, 0.95, 5.0, 1.0, None, "the cost without amounts")


@ex2.case(
    "cost_fn_fraction scales what a missed fraud costs",
    hint="A missed fraud costs `cost_fn_fraction * amount`: with 0.25 only a quarter of the amount is lost.",
)
def _(expected_cost):
    _expect_cost(expected_cost, Y, SCORES, 0.5, 5.0, 0.25, AMOUNTS, "the cost with cost_fn_fraction=0.25")


@ex2.case("agrees with the reference on random batches at many thresholds", hidden=True)
def _(expected_cost):
    for seed in range(3):
        y, scores, amounts = _random_batch(seed)
        for threshold in (0.0, 0.13, 0.5, 0.77, 1.0, float(scores[0])):
            _expect_cost(expected_cost, y, scores, threshold, 4.0, 0.8, amounts,
                         f"the cost of random batch {seed} at threshold {threshold:g}")


@ex2.case("accepts plain Python lists", hidden=True)
def _(expected_cost):
    _expect_parameters(expected_cost, _EX2_PARAMETERS)
    got = expected_cost(list(Y), list(SCORES), 0.5, cost_fp=5.0, cost_fn_fraction=1.0, amounts=list(AMOUNTS))
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


def _expect_best(best_threshold, y, scores, cost_fp, cost_fn_fraction, amounts, what, thresholds=None):
    grid = cost.THRESHOLDS if thresholds is None else np.asarray(thresholds, dtype=float)
    kwargs = dict(cost_fp=cost_fp, cost_fn_fraction=cost_fn_fraction, amounts=amounts)
    _expect_parameters(best_threshold, _EX3_PARAMETERS)
    got = _number(best_threshold(np.asarray(y), np.asarray(scores), thresholds=grid, **kwargs), f"the threshold {what}")
    expect(0.0 <= got <= 1.0, f"The threshold {what} should be between 0 and 1, yours is {got:g}.")
    lowest = float(cost.cost_curve(y, scores, grid, **kwargs)["cost"].min())
    yours = cost.expected_cost(y, scores, got, **kwargs)
    if yours > lowest + max(1e-6, 1e-9 * lowest):
        raise Failure(
            f"Your threshold {what} is {got:g} and costs {yours:,.2f}; the best threshold costs {lowest:,.2f}."
        )
    return got


@ex3.case(
    "a hand-worked example: one false alarm is cheaper than a missed fraud",
    hint="A threshold just above 0.1 flags 0.9, 0.8 and 0.3: one false alarm (5 EUR) and no missed fraud.",
)
def _(best_threshold):
    _expect_best(best_threshold, Y, SCORES, 5.0, 1.0, AMOUNTS, "for the hand-worked example")


@ex3.case(
    "free false alarms: flagging everything is best",
    hint="When cost_fp is 0 nothing is lost by flagging every transaction.",
)
def _(best_threshold):
    _expect_best(best_threshold, Y, SCORES, 0.0, 1.0, AMOUNTS, "when false alarms cost nothing")


@ex3.case(
    "free fraud: flagging no legitimate transaction is best",
    hint="When cost_fn_fraction is 0 a missed fraud costs nothing, so every false alarm is a pure loss.",
)
def _(best_threshold):
    _expect_best(best_threshold, Y, SCORES, 5.0, 0.0, AMOUNTS, "when missed fraud costs nothing")


@ex3.case(
    "uses the thresholds it is given",
    hint="Search the `thresholds` argument, not a grid of your own.",
)
def _(best_threshold):
    got = _expect_best(best_threshold, Y, SCORES, 5.0, 1.0, AMOUNTS, "from the thresholds [0.2, 0.6]", [0.2, 0.6])
    expect(got in (0.2, 0.6), f"The threshold should be one of the thresholds given, 0.2 or 0.6; yours is {got:g}.")


@ex3.case(
    "a random batch with amounts",
    hint="Compare costs in EUR, with the amounts: a threshold that is best for counts is not best for euros.",
)
def _(best_threshold):
    y, scores, amounts = _random_batch(0)
    _expect_best(best_threshold, y, scores, 5.0, 1.0, amounts, "for a random batch")


@ex3.case("random batches at several costs", hidden=True)
def _(best_threshold):
    for seed in range(3):
        y, scores, amounts = _random_batch(10 + seed, n=800)
        for cost_fp, fraction in ((1.0, 1.0), (10.0, 0.5), (60.0, 1.0)):
            _expect_best(best_threshold, y, scores, cost_fp, fraction, amounts,
                         f"for random batch {seed} with cost_fp={cost_fp:g}, cost_fn_fraction={fraction:g}")


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


def _drawn(plot_cost_curve, seed: int = 3):
    """Call the learner's function on a fresh Axes; return (ax, returned threshold, data, kwargs)."""
    from matplotlib.figure import Figure

    y, scores, amounts = _random_batch(seed, n=400)
    kwargs = dict(cost_fp=8.0, cost_fn_fraction=1.0, amounts=amounts)
    ax = Figure().subplots()
    _expect_parameters(plot_cost_curve, _EX4_PARAMETERS)
    returned = plot_cost_curve(ax, y, scores, baselines=dict(_EX4_BASELINES), **kwargs)
    return ax, returned, (y, scores), kwargs


def _points(artist) -> np.ndarray:
    """The (x, y) data points of a line or a scatter, as an (n, 2) array (empty for other artists)."""
    from matplotlib.collections import PathCollection
    from matplotlib.lines import Line2D

    if isinstance(artist, Line2D):
        x, y = artist.get_xdata(orig=True), artist.get_ydata(orig=True)
        try:
            return np.column_stack([np.asarray(x, dtype=float), np.asarray(y, dtype=float)])
        except (TypeError, ValueError):
            return np.empty((0, 2))
    if isinstance(artist, PathCollection):
        return np.asarray(artist.get_offsets(), dtype=float).reshape(-1, 2)
    return np.empty((0, 2))


def _curve_lines(ax, y, scores, kwargs):
    """The lines on ax that follow the true cost curve at 20 or more thresholds."""
    found = []
    for line in ax.get_lines():
        points = _points(line)
        inside = points[(points[:, 0] >= 0) & (points[:, 0] <= 1)] if len(points) else points
        if len(inside) < 20 or np.isnan(inside).any():
            continue
        want = cost.cost_curve(y, scores, inside[:, 0], **kwargs)["cost"].to_numpy()
        if np.allclose(inside[:, 1], want, rtol=1e-6, atol=1e-6):
            found.append(line)
    return found


def _texts(ax) -> str:
    legend = ax.get_legend()
    parts = [t.get_text() for t in (legend.get_texts() if legend else [])]
    parts += [t.get_text() for t in ax.texts]
    return " ".join(parts).lower()


@ex4.case(
    "returns the threshold with the lowest cost",
    hint="Return the threshold you mark, as a number: `return best`.",
)
def _(plot_cost_curve):
    _, returned, (y, scores), kwargs = _drawn(plot_cost_curve)
    got = _number(returned, "the threshold your function returns")
    lowest = float(cost.cost_curve(y, scores, **kwargs)["cost"].min())
    yours = cost.expected_cost(y, scores, min(max(got, 0.0), 1.0), **kwargs)
    expect(
        0.0 <= got <= 1.0 and yours <= lowest + 1e-6,
        f"Your function returns the threshold {got:g}, which costs {yours:,.2f}; the best costs {lowest:,.2f}.",
    )


@ex4.case(
    "draws the cost curve in EUR over the thresholds",
    hint="Plot the cost (y) against the threshold (x) at each threshold of THRESHOLDS, with the amounts.",
)
def _(plot_cost_curve):
    ax, _, (y, scores), kwargs = _drawn(plot_cost_curve)
    expect(
        _curve_lines(ax, y, scores, kwargs),
        "No line on the axes follows the expected cost at 20 or more thresholds: plot the cost in EUR "
        "(y) against the threshold (x), with ax.plot.",
    )


@ex4.case(
    "marks the lowest point of the curve",
    hint="Add a marker at (best threshold, lowest cost): `ax.plot([best], [lowest], 'o')` or `ax.scatter`.",
)
def _(plot_cost_curve):
    ax, returned, (y, scores), kwargs = _drawn(plot_cost_curve)
    curves = _curve_lines(ax, y, scores, kwargs)
    lowest = float(cost.cost_curve(y, scores, **kwargs)["cost"].min())
    marked = False
    for artist in [*ax.get_lines(), *ax.collections]:
        points = _points(artist)
        if artist in curves or not len(points):
            continue
        # A marker at (best threshold, lowest cost): any point on the curve's lowest plateau.
        for x, c in points:
            if 0 <= x <= 1 and abs(c - lowest) <= 1e-6 + 1e-9 * lowest:
                marked |= cost.expected_cost(y, scores, float(x), **kwargs) <= lowest + 1e-6
        # Or a vertical line at the threshold the function returns (ax.axvline).
        xs = points[:, 0]
        if isinstance(returned, numbers.Real) and len(xs) >= 2 and np.allclose(xs, float(returned), atol=1e-9):
            marked = True
    expect(marked, "The lowest point of the curve is not marked: add a marker at (best threshold, lowest cost).")


@ex4.case(
    "draws each baseline as a labelled horizontal line",
    hint="For each name and cost in `baselines`: `ax.axhline(cost, linestyle='--', label=name)`, then `ax.legend()`.",
)
def _(plot_cost_curve):
    from matplotlib.collections import LineCollection

    ax, _, _, _ = _drawn(plot_cost_curve)
    levels = []
    for line in ax.get_lines():
        points = _points(line)
        if len(points) and np.allclose(points[:, 1], points[0, 1]):
            levels.append(points[0, 1])
    for collection in ax.collections:  # ax.hlines
        if isinstance(collection, LineCollection):
            levels += [seg[0][1] for seg in collection.get_segments() if len(seg) and np.allclose(seg[:, 1], seg[0][1])]
    texts = _texts(ax)
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
def _(plot_cost_curve):
    ax, _, _, _ = _drawn(plot_cost_curve)
    expect("threshold" in ax.get_xlabel().lower(), "The x axis should be labelled with the word 'threshold'.")
    ylabel = ax.get_ylabel()
    expect("eur" in ylabel.lower() or "€" in ylabel, "The y axis should be labelled with the cost's unit, EUR.")
