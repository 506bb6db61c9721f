"""Determinism: one hash for equal weights, seeds that take, a context that restores, a worker that reports."""

import numpy as np
import pytest
import torch

from shipml.workflows.determinism import (Controls, TinyRun, deterministic, seed_everything, stderr_tail,
                                          train_in_fresh_process, train_tiny, weights_hash)

QUICK = TinyRun(days=4, train_days=2, val_days=1, max_epochs=1)


def test_is_the_weights_hash_about_the_numbers_and_their_names():
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    same = torch.nn.Linear(3, 1)
    same.load_state_dict(model.state_dict())
    assert weights_hash(model) == weights_hash(same) == weights_hash(model.state_dict())
    with torch.no_grad():
        same.bias += 1e-7
    assert weights_hash(same) != weights_hash(model)


def test_does_seed_everything_seed_python_numpy_and_torch():
    import random

    seed_everything(5)
    first = (random.random(), np.random.rand(), torch.rand(1).item())
    seed_everything(5)
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == first


def test_does_deterministic_restore_the_threads_and_the_switch_even_on_error():
    before = (torch.get_num_threads(), torch.are_deterministic_algorithms_enabled())
    with pytest.raises(RuntimeError, match="inside"):
        with deterministic(threads=1):
            assert torch.get_num_threads() == 1 and torch.are_deterministic_algorithms_enabled()
            raise RuntimeError("inside")
    assert (torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()) == before


def test_are_two_controlled_runs_identical_and_a_shuffle_not():
    first, second = train_tiny(Controls(), QUICK), train_tiny(Controls(), QUICK)
    assert first["weights_hash"] == second["weights_hash"]
    assert train_tiny(Controls(row_order=1), QUICK)["weights_hash"] != first["weights_hash"]


def test_does_a_fresh_process_give_the_same_hash_as_this_one():
    [other] = train_in_fresh_process(Controls(), QUICK, timeout_s=120)
    assert other["weights_hash"] == train_tiny(Controls(), QUICK)["weights_hash"]


def test_is_bad_input_to_the_worker_a_sentence():
    with pytest.raises(TypeError, match="Controls"):
        train_in_fresh_process({"seed_torch": True})
    with pytest.raises(ValueError, match="same hash_seed"):
        train_in_fresh_process([Controls(hash_seed="0"), Controls(hash_seed="1")])
    with pytest.raises(RuntimeError, match="failed .exit code"):
        train_in_fresh_process(Controls(), TinyRun(days=0), timeout_s=120)
    assert stderr_tail("a\nb\nc\n", lines=2) == "b\nc" and stderr_tail("") == "(nothing on stderr)"
