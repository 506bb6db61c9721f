"""Batch scoring: partitions cover the rows; one process, a pool and Ray agree to the bit; a killed task is retried."""

import numpy as np
import pytest
import torch

from shipml.distributed.batch_scoring import (partitions, ray_session, score_futures, score_ray, score_single)
from shipml.distributed.launch import stray_processes
from shipml.modeling.mlp import FraudMLP


@pytest.fixture(scope="module")
def model_and_rows():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    return FraudMLP(12, width=16, depth=2), rng.normal(size=(5_000, 12)).astype(np.float32)


def test_do_partitions_cover_every_row_once_in_order():
    parts = partitions(10, 4)
    assert [(p.start, p.stop) for p in parts] == [(0, 2), (2, 5), (5, 8), (8, 10)]
    assert sum(p.stop - p.start for p in partitions(7, 7)) == 7


@pytest.mark.parametrize("n_parts", [0, 2.5, True])
def test_is_a_bad_number_of_partitions_a_sentence(n_parts):
    with pytest.raises(ValueError, match="whole number"):
        partitions(10, n_parts)


@pytest.mark.parametrize("kind", ["threads", "processes"])
def test_does_a_pool_agree_with_one_process(model_and_rows, kind):
    model, X = model_and_rows
    scores, start_s = score_futures(model, X, n_parts=4, workers=2, kind=kind)
    assert np.array_equal(scores, score_single(model, X)) and start_s > 0


def test_is_an_unknown_pool_a_sentence(model_and_rows):
    with pytest.raises(ValueError, match="threads' or 'processes"):
        score_futures(*model_and_rows, kind="fibres")


def test_is_ray_needed_before_score_ray(model_and_rows, tmp_path):
    model, X = model_and_rows
    with pytest.raises(RuntimeError, match="ray_session"):
        score_ray(model, X, scratch=tmp_path)


def test_does_ray_agree_retry_a_killed_task_and_leave_nothing_behind(model_and_rows):
    model, X = model_and_rows
    with ray_session(num_cpus=2) as session:
        temp_dir = str(session.temp_dir)
        clean = score_ray(model, X, n_parts=4, scratch=session.scratch)
        failed = score_ray(model, X, n_parts=4, scratch=session.scratch, fail_partition=2)
    expected = score_single(model, X)
    assert np.array_equal(clean.scores, expected) and clean.attempts == [1, 1, 1, 1]
    assert np.array_equal(failed.scores, expected) and failed.attempts == [1, 1, 2, 1]
    assert session.start_s > 0 and session.stop_s > 0
    assert stray_processes(temp_dir, wait_s=10) == []
    import ray

    assert not ray.is_initialized()
