"""Chapter 1's checks: the reference answers pass, wrong answers fail, untouched stubs are not attempted."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from shipml.evaluation import cost
from shipml.course import checks
from shipml.course.checks import registered_ids, run
from shipml.evaluation.cost import THRESHOLDS
from shipml.evaluation.decision import DecisionPolicy

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


def hold(scores, amounts, cost_fp, cost_review, cost_fn_fraction=1.0):
    p, amount = np.asarray(scores, dtype=float), np.asarray(amounts, dtype=float)
    return p * cost_fn_fraction * amount > (1 - p) * cost_fp + p * cost_review


def rule_costs(y_true, scores, amounts, threshold, *, cost_fp, cost_review, cost_fn_fraction=1.0):
    fraud, amounts = np.asarray(y_true) == 1, np.asarray(amounts, dtype=float)

    def cost_of(held):
        return float(cost_fp * (held & ~fraud).sum() + cost_review * (held & fraud).sum()
                     + cost_fn_fraction * amounts[~held & fraud].sum())

    return {"threshold": cost_of(np.asarray(scores) >= threshold),
            "per payment": cost_of(hold(scores, amounts, cost_fp, cost_review, cost_fn_fraction))}


def stub_expected_cost(y_true, scores, threshold, cost_fp, cost_fn_fraction=1.0, amounts=None):
    """What `shipml exercises` leaves of the solution: a body of `...`."""
    ...


def stub_best_threshold(y_true, scores, *, cost_fp, cost_fn_fraction=1.0, amounts=None, thresholds=THRESHOLDS):
    ...


def stub_plot_cost_curve(ax, y_true, scores, *, cost_fp, cost_fn_fraction=1.0, amounts=None, baselines=None):
    ...


def stub_hold(scores, amounts, cost_fp, cost_review, cost_fn_fraction=1.0):
    ...


def stub_rule_costs(y_true, scores, amounts, threshold, *, cost_fp, cost_review, cost_fn_fraction=1.0):
    ...


def cost_that_raises(y_true, scores, threshold, cost_fp, cost_fn_fraction=1.0, amounts=None):
    return amounts.sum()  # fails when amounts is None


ANSWERS = (("ch01-ex2", expected_cost), ("ch01-ex3", best_threshold), ("ch01-ex4", plot_cost_curve),
           ("ch01-ex5", hold), ("ch01-ex6", rule_costs))

# The typical wrong answers, each with the case that must name its mistake, are in wrong_ml_engineering.py.


# --- the tests --------------------------------------------------------------------------------


def test_chapter_one_registers_its_five_checked_exercises():
    assert {"ch01-ex2", "ch01-ex3", "ch01-ex4", "ch01-ex5", "ch01-ex6"} <= set(registered_ids())


@pytest.mark.parametrize(
    "exercise_id, answer",
    [
        ("ch01-ex2", expected_cost),
        ("ch01-ex2", cost.expected_cost),
        ("ch01-ex3", best_threshold),
        ("ch01-ex3", cost.best_threshold),
        ("ch01-ex4", plot_cost_curve),
        ("ch01-ex4", cost.plot_cost_curve),
        ("ch01-ex5", hold),
        ("ch01-ex5", lambda scores, amounts, cost_fp, cost_review, cost_fn_fraction=1.0: DecisionPolicy(
            "expected_loss", cost_fp=cost_fp, cost_review=cost_review, cost_fn_fraction=cost_fn_fraction
        ).hold(scores, amounts)),
        ("ch01-ex6", rule_costs),
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
        ("ch01-ex5", stub_hold),
        ("ch01-ex6", stub_rule_costs),
        ("ch01-ex5", None),
        ("ch01-ex6", None),
        ("ch01-ex2", None),
        ("ch01-ex3", None),
        ("ch01-ex4", None),
    ],
)
def test_an_untouched_stub_is_not_attempted(exercise_id, stub):
    result = run(exercise_id, stub, include_hidden=True)
    assert result.status == "not attempted", result.summary()
    assert not result.passed


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
    for exercise_id, answer in ANSWERS:
        assert run(exercise_id, answer, include_hidden=True).seconds < 5


@pytest.mark.parametrize("exercise_id, answer", ANSWERS)
def test_a_judge_gets_only_plain_data_and_passes_the_reference_on_it(exercise_id, answer):
    seen = checks.observe(exercise_id, answer, include_hidden=True)
    assert [o.status for o in seen] == ["observed"] * len(seen), [o.to_dict() for o in seen]
    for observation in seen:
        checks.plain(observation.value)  # raises WrongType on anything but plain data
    assert checks.judge(exercise_id, seen, include_hidden=True).passed


class AlwaysEqual:
    """An answer that claims to equal everything."""

    def __eq__(self, other):
        return True

    def __float__(self):
        return 205.0


class SlyFloat(float):
    """A float that claims to equal everything and to be close to anything."""

    def __eq__(self, other):
        return True

    def __sub__(self, other):
        return SlyFloat(0.0)

    def __rsub__(self, other):
        return SlyFloat(0.0)

    __hash__ = float.__hash__


@pytest.mark.parametrize("exercise_id", ["ch01-ex2", "ch01-ex3", "ch01-ex5", "ch01-ex6"])
@pytest.mark.parametrize("sly", [AlwaysEqual, lambda: SlyFloat(7.0)])
def test_an_answer_that_claims_to_equal_everything_does_not_pass(exercise_id, sly):
    def answer(*args, **kwargs):
        return sly()

    result = run(exercise_id, answer, include_hidden=True)
    assert not result.passed and result.status in ("failed", "error"), result.summary()


def test_a_drawing_is_observed_as_plain_data():
    [returned, curve, marker, baselines, labels] = checks.observe("ch01-ex4", plot_cost_curve)
    assert isinstance(returned.value, float)
    assert all(isinstance(line["points"], np.ndarray) for line in curve.value["lines"])
    assert marker.value["markers"] and baselines.value["texts"] == ["model", "best threshold", "no model", "rule"]
    assert (labels.value["xlabel"], labels.value["ylabel"]) == ("Threshold", "Expected cost (€)")


def test_the_hand_worked_costs_of_exercise_six_are_those_its_hint_gives():
    y, scores, amounts = [1, 0, 1, 0], [0.9, 0.8, 0.3, 0.04], [100.0, 50.0, 200.0, 20.0]
    assert rule_costs(y, scores, amounts, 0.5, cost_fp=5.0, cost_review=3.0) == {"threshold": 208.0,
                                                                                 "per payment": 11.0}


def test_a_decision_rule_answer_with_numbers_instead_of_booleans_gets_a_sentence():
    def as_ints(scores, amounts, cost_fp, cost_review, cost_fn_fraction=1.0):
        return hold(scores, amounts, cost_fp, cost_review, cost_fn_fraction).astype(int)

    result = run("ch01-ex5", as_ints)
    assert not result.passed
    assert any("True or False" in case.message for case in result.cases), result.summary()
