"""Data parallelism on two real processes: averaged gradients equal the full-batch one; DDP matches one process."""

import numpy as np
import pytest
import torch

from shipml.distributed import ddp_worker
from shipml.distributed.ddp_worker import (encoded_payments, global_batches, local_gradients, new_model,
                                           prepare_data, read_results, shard, timed_steps)
from shipml.distributed.launch import run_ranks, stray_processes

ROWS, BATCH, STEPS = 4096, 1024, 4


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    data = prepare_data(tmp_path_factory.mktemp("data"), rows=ROWS)
    out = tmp_path_factory.mktemp("out")
    finished = run_ranks("shipml.distributed.ddp_worker", ["--data", data, "--out", out, "--batch", BATCH,
                                                           "--steps", STEPS], nproc=2, timeout_s=120)
    return finished, read_results(out), ddp_worker.load_data(data), str(out)


def test_do_the_ranks_use_gloo_on_the_cpu_and_nccl_with_two_gpus(run):
    _, ranks, _, _ = run
    expected = "nccl" if torch.cuda.is_available() and torch.cuda.device_count() >= 2 else "gloo"
    assert [r["backend"] for r in ranks] == [expected, expected] and [r["rank"] for r in ranks] == [0, 1]


def test_does_the_averaged_gradient_equal_the_full_batch_gradient(run):
    _, ranks, (X, y), _ = run
    Xb, yb = global_batches(X, y, BATCH)[0]
    full = local_gradients(new_model(X.shape[1]), Xb, yb)
    for rank in ranks:
        for got, want in zip(rank["grads"]["averaged"], full):
            assert torch.allclose(got, want, atol=1e-6, rtol=1e-5)
    local_gap = max(float((a - b).abs().max()) for a, b in zip(ranks[0]["grads"]["local"], full))
    assert local_gap > 1e-4  # a shard's own gradient is not the full-batch one: the averaging did the work


def test_do_two_ranks_reach_the_weights_of_one_process_on_the_same_data_order(run):
    _, ranks, (X, y), _ = run
    batches = global_batches(X, y, BATCH)[:STEPS]
    torch.set_num_threads(1)
    single = timed_steps(new_model(X.shape[1]), batches)["weights"]
    for rank in ranks:
        for part in ("hand", "ddp"):
            for got, want in zip(rank[part]["weights"], single):
                assert torch.allclose(got, want, atol=1e-5)


def test_are_steps_timed_with_communication_apart(run):
    finished, ranks, _, out = run
    for rank in ranks:
        assert len(rank["hand"]["comm_s"]) == STEPS and float(rank["hand"]["comm_s"].sum()) > 0
        assert rank["ddp"]["step_s"] > 0
    assert finished.seconds > 0 and stray_processes(out, wait_s=10) == []


def test_are_shards_equal_parts_of_every_global_batch():
    X, y = encoded_payments(300)
    batches = global_batches(X, y, 100)
    parts = [shard(batches, r, 2) for r in range(2)]
    assert [len(p[0][0]) for p in parts] == [50, 50]
    assert torch.equal(torch.cat([parts[0][0][0], parts[1][0][0]]), batches[0][0])
    assert np.isclose(float(sum(p[0][1].sum() for p in parts)), float(batches[0][1].sum()))


def test_is_a_bad_row_count_a_sentence():
    with pytest.raises(ValueError, match="whole number"):
        encoded_payments(1)
