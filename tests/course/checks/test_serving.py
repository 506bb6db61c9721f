"""Chapter 7's checks: reference answers pass, untouched stubs are not attempted, a judge gets only plain data.

The typical wrong answers, each failing the case named for its mistake, are tabled in wrong_serving.py.
"""

import numpy as np
import pytest

from shipml.course.checks import get_exercise, judge, observe, registered_ids, run
from shipml.serving.app import TransactionRequest, readiness, to_requests
from shipml.course.checks.serving import EXPORT_TOLERANCE
from shipml.modeling.mlp import predict_scores
from shipml.serving.artifact import activate, onnx_scores
from shipml.serving.requests import GOOD, bad_requests


def parity_gap(client, artifact, df):
    served = np.asarray(client.post("/predict/batch", json={"transactions": to_requests(df)}).json()["scores"])
    return float(np.max(np.abs(served - artifact.score(df))))


def linear(latencies):
    return {f"p{q}": float(np.percentile(latencies, q)) for q in (50, 95, 99)}


def export_with_parity(artifact, path, X, export):
    export(artifact, path)
    gap = float(np.max(np.abs(onnx_scores(path, X) - predict_scores(artifact.model, X))))
    return {"max_gap": gap, "ships": gap <= EXPORT_TOLERANCE}


def rollback(root, to_version, restart):
    activate(root, to_version)
    served = restart(root).post("/predict", json=GOOD).json()["model_version"]
    if served != to_version:
        raise RuntimeError(f"the rollback to {to_version} did not happen: the server answers {served}")
    return served


def stub(*args):
    ...


REFERENCES = {"ch07-ex2": TransactionRequest, "ch07-ex3": readiness, "ch07-ex4": parity_gap, "ch07-ex5": linear,
              "ch07-ex6": export_with_parity, "ch07-ex7": rollback}


def test_chapter_seven_registers_its_checked_exercises():
    assert set(REFERENCES) <= set(registered_ids())


@pytest.mark.parametrize("exercise_id", sorted(REFERENCES))
def test_the_reference_answers_pass_every_check(exercise_id):
    result = run(exercise_id, REFERENCES[exercise_id], include_hidden=True)
    assert result.passed, result.summary()


@pytest.mark.parametrize("exercise_id", sorted(REFERENCES))
def test_an_untouched_stub_is_not_attempted(exercise_id):
    assert run(exercise_id, None).status == "not attempted"
    assert run(exercise_id, stub).status == "not attempted"


def test_a_schema_that_is_not_a_pydantic_model_is_a_sentence():
    result = run("ch07-ex2", {"amount": float})
    assert result.status == "error" and "pydantic model class" in result.summary()


@pytest.mark.parametrize("exercise_id", sorted(REFERENCES))
def test_a_judge_gets_only_plain_data_and_passes_the_reference(exercise_id):
    seen = observe(exercise_id, REFERENCES[exercise_id], include_hidden=True)
    assert [o.status for o in seen] == ["observed"] * len(get_exercise(exercise_id).cases), seen
    assert judge(exercise_id, seen, include_hidden=True).passed


def test_the_schema_is_observed_as_status_codes_and_messages_for_each_bad_request():
    seen = {o.case: o.value for o in observe("ch07-ex2", TransactionRequest)}
    refused = seen["refuses every malformed request with 422 and a message, and keeps serving"]
    assert set(refused["requests"]) == set(bad_requests())
    assert all(400 <= status < 500 and isinstance(message, str) for status, message in refused["requests"].values())


class Always(float):
    """A number that says it equals anything."""

    def __eq__(self, other):
        return True

    __hash__ = float.__hash__


def test_a_number_that_equals_anything_does_not_pass():
    result = run("ch07-ex4", lambda client, artifact, df: Always(0.0))
    assert result.cases[1].status == "failed", result.summary()
    assert not run("ch07-ex5", lambda latencies: {"p50": Always(0.0), "p95": Always(0.0), "p99": Always(0.0)}).passed


def test_the_half_precision_export_is_off_by_more_than_the_tolerance_and_less_than_a_loose_one():
    from shipml.course.checks.serving import _true_export_gap

    assert _true_export_gap(False) < EXPORT_TOLERANCE / 10
    assert 2 * EXPORT_TOLERANCE < _true_export_gap(True) < 1e-3


def test_a_rollback_that_raises_on_the_stale_server_passes_and_one_that_returns_its_answer_too():
    def honest(root, to_version, restart):
        activate(root, to_version)
        return restart(root).post("/predict", json=GOOD).json()["model_version"]

    assert run("ch07-ex7", honest).passed
