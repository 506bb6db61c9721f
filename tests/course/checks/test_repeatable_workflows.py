"""Chapter 3's checks: the reference answers pass, wrong answers fail, untouched stubs are not attempted."""

import numpy as np
import pytest
import torch
from pydantic import BaseModel, ConfigDict, Field

from shipml.course.checks import registered_ids, run
from shipml.data import transactions
from shipml.modeling.training import fit_mlp
from shipml.workflows.determinism import deterministic, seed_everything

# --- answers as a learner would write them in the notebook ------------------------------------


def train_small(X, y, *, epochs=2):
    """The exercise's given training function: it shuffles the rows with NumPy and trains with torch, unseeded."""
    order = np.random.permutation(len(y))
    model, _ = fit_mlp(X[order], y[order], X, y, seed=None, depth=1, width=8, lr=1e-2, batch_size=64,
                       max_epochs=epochs, patience=None, device=torch.device("cpu"))
    return model


def train_repeatably(X, y, seed=0):
    with deterministic(threads=1):
        seed_everything(seed)
        return train_small(X, y)


class RunConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    lr: float = Field(0.03, gt=0)
    epochs: int = Field(12, ge=1)
    seed: int = Field(0, ge=0)
    batch_size: int = Field(1024, ge=1)


payments = transactions(days=1, seed=0).head(8)


def night_online_test(features):  # the learner's test_night_online (a name pytest would collect)
    df = payments.assign(hour=[0, 5, 6, 23, 0, 5, 6, 23], channel=["online"] * 4 + ["card_present"] * 4)
    assert features(df)["night_online"].tolist() == [1, 1, 0, 0, 0, 0, 0, 0]


def stub_train_repeatably(X, y, seed=0):
    """What `shipml exercises` leaves of the solution: a body of `...`."""
    ...


class StubRunConfig(BaseModel):
    """A class stub keeps its docstring over a body of `...`."""
    ...


def stub_test_night_online(features):
    """Assert what features(df)['night_online'] should be on a small table."""
    ...


ANSWERS = (("ch03-ex2", train_repeatably), ("ch03-ex3", RunConfig), ("ch03-ex4", night_online_test))


def test_chapter_three_registers_its_three_checked_exercises():
    assert {"ch03-ex2", "ch03-ex3", "ch03-ex4"} <= set(registered_ids())


@pytest.mark.parametrize("exercise_id, answer", ANSWERS, ids=[a for a, _ in ANSWERS])
def test_the_reference_answers_pass_every_check_hidden_ones_included(exercise_id, answer):
    result = run(exercise_id, answer, include_hidden=True)
    assert result.passed, result.summary()


@pytest.mark.parametrize("exercise_id, stub", [
    ("ch03-ex2", stub_train_repeatably), ("ch03-ex3", StubRunConfig), ("ch03-ex4", stub_test_night_online),
    ("ch03-ex2", None), ("ch03-ex3", None), ("ch03-ex4", None),
])
def test_an_untouched_stub_is_not_attempted(exercise_id, stub):
    result = run(exercise_id, stub, include_hidden=True)
    assert result.status == "not attempted", result.summary()


def test_a_wrong_type_or_a_crash_is_a_sentence_not_a_traceback():
    result = run("ch03-ex2", lambda X, y, seed=0: "a model")
    assert result.status == "error" and "torch model" in result.summary()
    result = run("ch03-ex3", {"lr": 0.03})
    assert result.status == "error" and "should be a class" in result.summary()
    assert "Traceback" not in result.summary()
