"""Chapter 5's checks: the reference answers pass, wrong answers fail, untouched stubs are not attempted."""

import datetime
import json
import uuid

import numpy as np
import pytest

from shipml.course import checks
from shipml.course.checks import experiment_tracking as ch05
from shipml.course.checks import registered_ids, run
from shipml.evaluation.bootstrap import paired_bootstrap
from shipml.tracking.promotion import promotion_gate as reference_gate
from shipml.workflows.lineage import content_hash, library_versions

# --- answers as a learner would write them in the notebook ------------------------------------


def log_run(log_path, params, history, data, artifact):
    started = datetime.datetime.now(datetime.timezone.utc).isoformat()
    run = {"run_id": uuid.uuid4().hex, "started": started, "params": params, "config_hash": content_hash(params),
           "metrics": history, "data_hash": content_hash(data), "artifacts": {artifact.name: content_hash(artifact)},
           "versions": library_versions()}
    run["ended"] = datetime.datetime.now(datetime.timezone.utc).isoformat()
    with open(log_path, "a", encoding="utf-8") as log:
        log.write(json.dumps(run) + "\n")
    return run["run_id"]


def promotion_gate(y_val, champion_scores, challenger_scores, challenger_p95_ms, budget_ms):
    gain = paired_bootstrap(y_val, challenger_scores, champion_scores, n_boot=1000, seed=0, level=0.9)
    return bool(gain.low > 0 and challenger_p95_ms <= budget_ms)


def library_gate(y_val, champion_scores, challenger_scores, challenger_p95_ms, budget_ms):
    return reference_gate(y_val, champion_scores, challenger_scores, challenger_p95_ms=challenger_p95_ms,
                          budget_ms=budget_ms).promote


def best_under_latency(runs, budget_ms):
    fit = runs[(runs["status"] == "FINISHED") & (runs["metrics.p95_ms"] <= budget_ms)]
    if fit.empty:
        return None
    return fit.loc[fit["metrics.val_pr_auc"].idxmax(), "run_id"]


def stub_log_run(log_path, params, history, data, artifact):
    ...


def stub_gate(y_val, champion_scores, challenger_scores, challenger_p95_ms, budget_ms):
    ...


def stub_best(runs, budget_ms):
    ...


ANSWERS = (("ch05-ex2", log_run), ("ch05-ex3", promotion_gate), ("ch05-ex4", best_under_latency))

# The typical wrong answers, each with the case that must name its mistake, are in wrong_experiment_tracking.py.


def test_chapter_five_registers_its_three_checked_exercises():
    assert {"ch05-ex2", "ch05-ex3", "ch05-ex4"} <= set(registered_ids())


@pytest.mark.parametrize("exercise_id, answer", [*ANSWERS, ("ch05-ex3", library_gate)])
def test_the_reference_answers_pass_every_check_hidden_ones_included(exercise_id, answer):
    result = run(exercise_id, answer, include_hidden=True)
    assert result.passed, result.summary()


@pytest.mark.parametrize("exercise_id, stub", [("ch05-ex2", stub_log_run), ("ch05-ex3", stub_gate),
                                               ("ch05-ex4", stub_best), ("ch05-ex2", None), ("ch05-ex4", None)])
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


@pytest.mark.parametrize("seed, kind, promote, estimate_positive", [
    (1, "clear", True, True), (3, "noise", False, True), (30, "worse", False, False), (22, "modest", True, True)])
def test_are_the_gate_cases_what_their_names_say(seed, kind, promote, estimate_positive):
    y, champion, challenger = ch05._scores(seed, kind)
    gain = paired_bootstrap(y, challenger, champion)
    assert (gain.low > 0) == promote and (gain.estimate > 0) == estimate_positive
    if kind == "noise":  # robust to another seed or size of bootstrap: well inside the interval
        assert gain.low < -0.01 and gain.high > 0.01


def test_does_the_modest_win_need_the_pairing():
    y, champion, challenger = ch05._scores(22, "modest")
    from shipml.evaluation.bootstrap import resample_weights, weighted_pr_auc

    a = weighted_pr_auc(y, champion, resample_weights(len(y), n_boot=1000, seed=1))
    b = weighted_pr_auc(y, challenger, resample_weights(len(y), n_boot=1000, seed=2))
    assert np.quantile(b, 0.05) < np.quantile(a, 0.95)  # the intervals side by side overlap


def test_a_crash_in_the_learners_code_is_a_sentence_not_a_traceback():
    def crashes(runs, budget_ms):
        return runs["metrics.latency"].idxmin()

    result = run("ch05-ex4", crashes)
    assert result.status == "error" and "Traceback" not in result.summary()


def test_every_case_of_chapter_five_runs_quickly():
    for exercise_id, answer in ANSWERS:
        assert run(exercise_id, answer, include_hidden=True).seconds < 8
