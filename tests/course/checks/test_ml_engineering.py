"""Chapter 1's checks: the reference answers pass, wrong answers fail, untouched stubs are not attempted."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from shipml.evaluation import cost
from shipml.course.checks import registered_ids, run
from shipml.evaluation.cost import THRESHOLDS
from check_assertions import assert_fails_case

# --- answers as a learner would write them in the notebook ------------------------------------


def expected_cost(y_true, scores, threshold, cost_fp, cost_fn_fraction=1.0, amounts=None):
    y_true, scores = np.asarray(y_true), np.asarray(scores)
    amounts = np.ones(len(y_true)) if amounts is None else np.asarray(amounts, dtype=float)
    flagged = scores >= threshold
    missed = (y_true == 1) & ~flagged
    false_alarms = (y_true == 0) & flagged
    return float(cost_fn_fraction * amounts[missed].sum() + cost_fp * false_alarms.sum())


def best_threshold(y_true, scores, *, cost_fp, cost_fn_fraction=1.0, amounts=None, thresholds=THRESHOLDS):
    costs = [expected_cost(y_true, scores, t, cost_fp, cost_fn_fraction, amounts) for t in thresholds]
    return float(thresholds[int(np.argmin(costs))])


def plot_cost_curve(ax, y_true, scores, *, cost_fp, cost_fn_fraction=1.0, amounts=None, baselines=None):
    costs = [expected_cost(y_true, scores, t, cost_fp, cost_fn_fraction, amounts) for t in THRESHOLDS]
    best = int(np.argmin(costs))
    ax.plot(THRESHOLDS, costs, label="model")
    ax.scatter([THRESHOLDS[best]], [costs[best]], color="red", zorder=3, label="best threshold")
    for name, value in (baselines or {}).items():
        ax.axhline(value, linestyle="--", label=name)
    ax.set_xlabel("Threshold")
    ax.set_ylabel("Expected cost (€)")
    ax.legend()
    return float(THRESHOLDS[best])


def stub_expected_cost(y_true, scores, threshold, cost_fp, cost_fn_fraction=1.0, amounts=None):
    """What `shipml exercises` leaves of the solution: a body of `...`."""
    ...


def stub_best_threshold(y_true, scores, *, cost_fp, cost_fn_fraction=1.0, amounts=None, thresholds=THRESHOLDS):
    ...


def stub_plot_cost_curve(ax, y_true, scores, *, cost_fp, cost_fn_fraction=1.0, amounts=None, baselines=None):
    ...


# --- wrong answers: each a mistake a learner makes --------------------------------------------


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


def cost_that_raises(y_true, scores, threshold, cost_fp, cost_fn_fraction=1.0, amounts=None):
    return amounts.sum()  # fails when amounts is None


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


# --- the tests --------------------------------------------------------------------------------


def test_chapter_one_registers_its_three_checked_exercises():
    assert {"ch01-ex2", "ch01-ex3", "ch01-ex4"} <= set(registered_ids())


@pytest.mark.parametrize(
    "exercise_id, answer",
    [
        ("ch01-ex2", expected_cost),
        ("ch01-ex2", cost.expected_cost),
        ("ch01-ex3", best_threshold),
        ("ch01-ex3", cost.best_threshold),
        ("ch01-ex4", plot_cost_curve),
        ("ch01-ex4", cost.plot_cost_curve),
    ],
)
def test_the_reference_answers_pass_every_check_hidden_ones_included(exercise_id, answer):
    result = run(exercise_id, answer, include_hidden=True)
    assert result.passed, result.summary()


@pytest.mark.parametrize(
    "exercise_id, stub",
    [
        ("ch01-ex2", stub_expected_cost),
        ("ch01-ex3", stub_best_threshold),
        ("ch01-ex4", stub_plot_cost_curve),
        ("ch01-ex2", None),
        ("ch01-ex3", None),
        ("ch01-ex4", None),
    ],
)
def test_an_untouched_stub_is_not_attempted(exercise_id, stub):
    result = run(exercise_id, stub, include_hidden=True)
    assert result.status == "not attempted", result.summary()
    assert not result.passed


@pytest.mark.parametrize(
    "exercise_id, wrong, failing_case",
    [
        ("ch01-ex2", cost_strictly_above, "a score equal to the threshold is flagged"),
        ("ch01-ex2", cost_counting_frauds, "a hand-worked example: one fraud of 200 EUR missed, one false alarm"),
        ("ch01-ex2", cost_ignoring_fraction, "cost_fn_fraction scales what a missed fraud costs"),
        ("ch01-ex2", cost_swapping_errors, "no fraud in the data: only the false alarms cost"),
        ("ch01-ex2", cost_with_other_names, "a hand-worked example: one fraud of 200 EUR missed, one false alarm"),
        ("ch01-ex3", threshold_always_half, "a hand-worked example: one false alarm is cheaper than a missed fraud"),
        ("ch01-ex3", threshold_maximising, "a hand-worked example: one false alarm is cheaper than a missed fraud"),
        ("ch01-ex3", threshold_own_grid, "uses the thresholds it is given"),
        ("ch01-ex3", threshold_ignoring_amounts, "a random batch with amounts"),
        ("ch01-ex4", plot_without_labels, "labels both axes, with the unit of the cost"),
        ("ch01-ex4", plot_without_baselines, "draws each baseline as a labelled horizontal line"),
        ("ch01-ex4", plot_counting_frauds, "draws the cost curve in EUR over the thresholds"),
        ("ch01-ex4", plot_without_marker, "marks the lowest point of the curve"),
        ("ch01-ex4", plot_returning_nothing_useful, "returns the threshold with the lowest cost"),
    ],
)
def test_a_wrong_answer_fails_the_check_that_names_its_mistake(exercise_id, wrong, failing_case):
    assert_fails_case(exercise_id, wrong, failing_case)


def test_a_wrong_type_or_a_crash_is_a_sentence_not_a_traceback():
    def returns_text(y_true, scores, *, cost_fp, cost_fn_fraction=1.0, amounts=None, thresholds=THRESHOLDS):
        return "0.2"

    result = run("ch01-ex3", returns_text)
    assert result.status == "error"
    assert any("Expected a number" in case.message for case in result.cases), result.summary()

    result = run("ch01-ex2", cost_that_raises)
    assert result.status == "error"
    crashed = next(case for case in result.cases if case.status == "error")
    assert "Your code raised AttributeError" in crashed.message
    assert "Traceback" not in result.summary()


def test_the_hidden_cases_catch_an_answer_tuned_to_the_public_ones():
    def tuned(y_true, scores, threshold, cost_fp, cost_fn_fraction=1.0, amounts=None):
        answer = expected_cost(y_true, scores, threshold, cost_fp, cost_fn_fraction, amounts)
        return answer if len(y_true) <= 4 else answer + 1.0  # right only on the small public examples

    assert run("ch01-ex2", tuned).passed
    assert not run("ch01-ex2", tuned, include_hidden=True).passed


def test_every_case_of_chapter_one_runs_quickly():
    for exercise_id, answer in (("ch01-ex2", expected_cost), ("ch01-ex3", best_threshold), ("ch01-ex4", plot_cost_curve)):
        assert run(exercise_id, answer, include_hidden=True).seconds < 5
