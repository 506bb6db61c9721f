"""Chapter 13's checks: the reference answers pass, wrong answers fail, untouched stubs are not attempted."""

import math

import pytest
import torch.distributed as dist

from shipml.course import checks
from shipml.course.checks import registered_ids, run

# --- answers as a learner would write them in the notebook ------------------------------------


def average_gradients(grads):
    """Sum over the ranks, then divide by their number."""
    world_size = dist.get_world_size()
    for g in grads:
        dist.all_reduce(g, op=dist.ReduceOp.SUM)
        g /= world_size
    return grads


def replicas(rps, service_ms, headroom):
    return max(1, math.ceil(rps * service_ms / 1000 / (1 - headroom) - 1e-9))


def gpu_cost_per_million(rows_per_s, eur_per_hour, utilisation):
    return eur_per_hour / (rows_per_s * utilisation * 3600) * 1e6


def probes(port):
    return {"readinessProbe": {"httpGet": {"path": "/ready", "port": port}, "periodSeconds": 5},
            "livenessProbe": {"httpGet": {"path": "/health", "port": port}, "initialDelaySeconds": 10,
                              "periodSeconds": 10, "failureThreshold": 3}}


def stub_average(grads):
    """Average each gradient over the ranks."""
    # YOUR CODE HERE
    ...


def stub_replicas(rps, service_ms, headroom):
    ...


def stub_cost(rows_per_s, eur_per_hour, utilisation):
    ...


def stub_probes(port):
    ...


ANSWERS = (("ch13-ex2", average_gradients), ("ch13-ex3", replicas), ("ch13-ex4", gpu_cost_per_million),
           ("ch13-ex5", probes))

# The typical wrong answers, each with the case that must name its mistake, are in wrong_infrastructure.py.


def test_chapter_thirteen_registers_its_four_checked_exercises():
    assert {"ch13-ex2", "ch13-ex3", "ch13-ex4", "ch13-ex5"} <= set(registered_ids())


@pytest.mark.parametrize("exercise_id, answer", ANSWERS)
def test_the_reference_answers_pass_every_check_hidden_ones_included(exercise_id, answer):
    result = run(exercise_id, answer, include_hidden=True)
    assert result.passed, result.summary()


def test_the_references_of_the_building_blocks_pass_too():
    from shipml.distributed.capacity import replicas_littles_law
    from shipml.distributed.manifests import probes as reference_probes
    from shipml.distributed.roofline import cost_per_million_predictions

    assert run("ch13-ex3", replicas_littles_law, include_hidden=True).passed
    assert run("ch13-ex4", cost_per_million_predictions, include_hidden=True).passed
    assert run("ch13-ex5", reference_probes, include_hidden=True).passed


@pytest.mark.parametrize("exercise_id, stub", [("ch13-ex2", stub_average), ("ch13-ex3", stub_replicas),
                                               ("ch13-ex4", stub_cost), ("ch13-ex5", stub_probes),
                                               ("ch13-ex2", None), ("ch13-ex5", None)])
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


def test_a_crash_in_a_rank_is_a_sentence_not_a_traceback():
    def average_gradients(grads):
        raise ValueError("no process group here")

    result = run("ch13-ex2", average_gradients)
    assert result.status == "failed" and "ValueError" in result.summary() and "Traceback" not in result.summary()


def test_a_lambda_is_a_sentence():
    result = run("ch13-ex2", lambda grads: grads)
    assert not result.passed and "Traceback" not in result.summary()


def test_the_quick_checks_run_quickly():
    for exercise_id, answer in ANSWERS[1:]:
        assert run(exercise_id, answer, include_hidden=True).seconds < 8
