"""Chapter 6's checks: the reference answers pass, wrong answers fail, untouched stubs are not attempted."""

import math

import numpy as np
import pytest
from scipy.stats import norm

from shipml.course import checks
from shipml.course.checks import registered_ids, run
from shipml.evaluation.calibration import expected_calibration_error as reference_ece

# --- answers as a learner would write them in the notebook ------------------------------------


def expected_calibration_error(y_true, scores, n_bins=10):
    y, s = np.asarray(y_true, dtype=float), np.asarray(scores, dtype=float)
    bins = np.minimum((s * n_bins).astype(int), n_bins - 1)
    return float(sum((bins == b).mean() * abs(s[bins == b].mean() - y[bins == b].mean()) for b in np.unique(bins)))


def percentile_interval(sample, statistic=np.mean, level=0.95, n_boot=2000, seed=0):
    sample = np.asarray(sample, dtype=float)
    idx = np.random.default_rng(seed).integers(0, len(sample), (n_boot, len(sample)))
    low, high = np.quantile(statistic(sample[idx], axis=1), [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


def amount_violations(score, rows):
    before = np.asarray(score(rows), dtype=float)
    after = np.asarray(score(rows.assign(amount=rows["amount"] * 2)), dtype=float)
    return int(np.sum(after < before - 1e-12))


def ab_plan(p_base, relative_mde, payments_per_day, alpha=0.05, power=0.8):
    p_new = p_base * (1 - relative_mde)
    h = 2 * math.asin(math.sqrt(p_base)) - 2 * math.asin(math.sqrt(p_new))
    n = math.ceil(2 * ((norm.ppf(1 - alpha / 2) + norm.ppf(power)) / h) ** 2)
    return {"n_per_arm": n, "days": 2 * n / payments_per_day}


def stub_ece(y_true, scores, n_bins=10):
    ...


def stub_interval(sample, statistic=np.mean, level=0.95, n_boot=2000, seed=0):
    ...


def stub_violations(score, rows):
    ...


def stub_plan(p_base, relative_mde, payments_per_day, alpha=0.05, power=0.8):
    ...


ANSWERS = (("ch06-ex2", expected_calibration_error), ("ch06-ex3", percentile_interval),
           ("ch06-ex4", amount_violations), ("ch06-ex5", ab_plan))

# The typical wrong answers, each with the case that must name its mistake, are in wrong_evaluation.py.


def test_chapter_six_registers_its_four_checked_exercises():
    assert {"ch06-ex2", "ch06-ex3", "ch06-ex4", "ch06-ex5"} <= set(registered_ids())


@pytest.mark.parametrize("exercise_id, answer", [*ANSWERS, ("ch06-ex2", reference_ece)])
def test_the_reference_answers_pass_every_check_hidden_ones_included(exercise_id, answer):
    result = run(exercise_id, answer, include_hidden=True)
    assert result.passed, result.summary()


@pytest.mark.parametrize("exercise_id, stub", [("ch06-ex2", stub_ece), ("ch06-ex3", stub_interval),
                                               ("ch06-ex4", stub_violations), ("ch06-ex5", stub_plan),
                                               ("ch06-ex2", None), ("ch06-ex5", None)])
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
    def crashes(y_true, scores, n_bins=10):
        return scores.undefined

    result = run("ch06-ex2", crashes)
    assert result.status == "error" and "Traceback" not in result.summary()


def test_every_case_of_chapter_six_runs_quickly():
    for exercise_id, answer in ANSWERS:
        assert run(exercise_id, answer, include_hidden=True).seconds < 8
