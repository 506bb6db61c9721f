"""Chapter 9's checks: the reference answers pass, wrong answers fail, untouched stubs are not attempted."""

import math

import numpy as np
import pytest

from shipml.course import checks
from shipml.course.checks import registered_ids, run
from shipml.monitoring.estimation import expected_precision as reference_precision

# --- answers as a learner would write them in the notebook ------------------------------------


def psi(reference, current, n_bins=10):
    reference, current = np.asarray(reference, dtype=float), np.asarray(current, dtype=float)
    edges = np.quantile(reference, np.linspace(0, 1, n_bins + 1))[1:-1]
    ref, cur = (np.maximum(np.bincount(np.searchsorted(edges, x, side="right"), minlength=n_bins) / len(x), 1e-4)
                for x in (reference, current))
    return float(np.sum((cur - ref) * np.log(cur / ref)))


def alarm_threshold(clean_stats, rate):
    values = np.asarray(clean_stats, dtype=float)
    values = np.sort(values[~np.isnan(values)])
    return float(values[-max(1, math.floor(rate * (len(values) + 1)))])


def health_check(batch, expected_rows, medians):
    problems = []
    if not expected_rows / 2 <= len(batch) <= 2 * expected_rows:
        problems.append("volume")
    present = [c for c in medians if c in batch.columns]
    if len(present) < len(medians) or batch[present].isna().any().any():
        problems.append("nulls")
    for column in present:
        values = batch[column].dropna()
        if len(values) and not medians[column] / 2 <= values.median() <= 2 * medians[column]:
            problems.append(f"range:{column}")
    return problems


def expected_precision(scores, held):
    scores, held = np.asarray(scores, dtype=float), np.asarray(held, dtype=bool)
    return float(scores[held].mean()) if held.any() else float("nan")


def stub_psi(reference, current, n_bins=10):
    ...


def stub_threshold(clean_stats, rate):
    ...


def stub_health(batch, expected_rows, medians):
    ...


def stub_precision(scores, held):
    ...


ANSWERS = (("ch09-ex2", psi), ("ch09-ex3", alarm_threshold), ("ch09-ex4", health_check),
           ("ch09-ex5", expected_precision))

# The typical wrong answers, each with the case that must name its mistake, are in wrong_monitoring.py.


def test_chapter_nine_registers_its_four_checked_exercises():
    assert {"ch09-ex2", "ch09-ex3", "ch09-ex4", "ch09-ex5"} <= set(registered_ids())


@pytest.mark.parametrize("exercise_id, answer", [*ANSWERS, ("ch09-ex5", reference_precision)])
def test_the_reference_answers_pass_every_check_hidden_ones_included(exercise_id, answer):
    result = run(exercise_id, answer, include_hidden=True)
    assert result.passed, result.summary()


@pytest.mark.parametrize("exercise_id, stub", [("ch09-ex2", stub_psi), ("ch09-ex3", stub_threshold),
                                               ("ch09-ex4", stub_health), ("ch09-ex5", stub_precision),
                                               ("ch09-ex2", None), ("ch09-ex4", None)])
def test_an_untouched_stub_is_not_attempted(exercise_id, stub):
    result = run(exercise_id, stub, include_hidden=True)
    assert result.status == "not attempted", result.summary()


@pytest.mark.parametrize("exercise_id, answer", ANSWERS)
def test_a_judge_gets_only_plain_data_and_passes_the_reference_on_it(exercise_id, answer):
    seen = checks.observe(exercise_id, answer, include_hidden=True)
    assert [o.status for o in seen] == ["observed"] * len(seen), [o.to_dict() for o in seen]
    for observation in seen:
        checks.plain(observation.value)
    assert checks.judge(exercise_id, seen, include_hidden=True).passed


def test_a_crash_in_the_learners_code_is_a_sentence_not_a_traceback():
    def crashes(batch, expected_rows, medians):
        return batch.no_such_column.median()

    result = run("ch09-ex4", crashes)
    assert result.status == "error" and "Traceback" not in result.summary()


def test_every_case_of_chapter_nine_runs_quickly():
    for exercise_id, answer in ANSWERS:
        assert run(exercise_id, answer, include_hidden=True).seconds < 8
