"""Chapter 7's checks: reference answers pass, wrong answers fail, untouched stubs are not attempted."""

from typing import Literal

import numpy as np
import pytest
from pydantic import BaseModel, ConfigDict, Field

from shipml.course.checks import registered_ids, run
from shipml.data import CHANNELS, COUNTRIES, DEVICES, MERCHANT_CATEGORIES
from shipml.serving.app import TransactionRequest, readiness, to_requests
from check_assertions import assert_fails_case


class Loose(BaseModel):  # types only: no ranges, no categories, extra fields ignored
    amount: float
    merchant_category: str
    country: str
    channel: str
    device: str
    hour: int
    account_age_days: int
    home_country: str


class TooStrict(BaseModel):  # refuses the online channel
    model_config = ConfigDict(extra="forbid")
    amount: float = Field(gt=0)
    merchant_category: Literal[MERCHANT_CATEGORIES]
    country: Literal[tuple(COUNTRIES)]
    channel: Literal["card_present"]
    device: Literal[DEVICES]
    hour: int = Field(ge=0, le=23)
    account_age_days: int = Field(ge=0)
    home_country: Literal[tuple(COUNTRIES)]


def parity_gap(client, artifact, df):
    served = np.asarray(client.post("/predict/batch", json={"transactions": to_requests(df)}).json()["scores"])
    return float(np.max(np.abs(served - artifact.score(df))))


def parity_mean(client, artifact, df):
    served = np.asarray(client.post("/predict/batch", json={"transactions": to_requests(df)}).json()["scores"])
    return float(np.mean(np.abs(served - artifact.score(df))))


def always_ready(state):
    return 200, {"status": "ready", "model_version": getattr(state.artifact, "version", None)}


def ready_without_reason(state):
    return (200, {"model_version": state.artifact.version}) if state.artifact else (503, {})


def linear(latencies):
    return {f"p{q}": float(np.percentile(latencies, q)) for q in (50, 95, 99)}


def unsorted_rank(latencies):
    return {f"p{q}": float(latencies[int(np.ceil(q / 100 * len(latencies))) - 1]) for q in (50, 95, 99)}


def stub(*args):
    ...


def test_chapter_seven_registers_its_checked_exercises():
    assert {"ch07-ex2", "ch07-ex3", "ch07-ex4", "ch07-ex5"} <= set(registered_ids())


@pytest.mark.parametrize("exercise_id, answer", [
    ("ch07-ex2", TransactionRequest), ("ch07-ex3", readiness), ("ch07-ex4", parity_gap), ("ch07-ex5", linear),
])
def test_the_reference_answers_pass_every_check(exercise_id, answer):
    result = run(exercise_id, answer, include_hidden=True)
    assert result.passed, result.summary()


@pytest.mark.parametrize("exercise_id", ["ch07-ex2", "ch07-ex3", "ch07-ex4", "ch07-ex5"])
def test_an_untouched_stub_is_not_attempted(exercise_id):
    assert run(exercise_id, None).status == "not attempted"
    assert run(exercise_id, stub).status == "not attempted"


@pytest.mark.parametrize("exercise_id, wrong, failing_case", [
    ("ch07-ex2", Loose, "refuses every malformed request with 422 and a message, and keeps serving"),
    ("ch07-ex2", TooStrict, "accepts good requests, edge values included"),
    ("ch07-ex3", always_ready, "503 while the model is loading"),
    ("ch07-ex3", ready_without_reason, "503 with the reason after a failed load"),
    ("ch07-ex4", parity_mean, "a skewed server: reports the largest difference"),
    ("ch07-ex5", unsorted_rank, "unsorted latencies with a slow tail"),
])
def test_a_wrong_answer_fails_the_check_that_names_its_mistake(exercise_id, wrong, failing_case):
    assert_fails_case(exercise_id, wrong, failing_case)


def test_a_schema_that_is_not_a_pydantic_model_is_a_sentence():
    result = run("ch07-ex2", {"amount": float})
    assert result.status == "error" and "pydantic model class" in result.summary()
