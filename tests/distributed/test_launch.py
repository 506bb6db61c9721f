"""The launcher: ranks start, a failing rank fails the run fast with its stderr, a hang times out, nothing is left."""

import time

import pytest

from shipml.distributed.ddp_worker import prepare_data
from shipml.distributed.launch import LaunchTimeout, RankFailed, launched, run_ranks, stray_processes, torchrun_command


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return prepare_data(tmp_path_factory.mktemp("data"), rows=256)


def test_is_the_command_torchrun_standalone_without_restarts():
    command = torchrun_command("shipml.distributed.ddp_worker", ["--x", 1], nproc=3)
    assert command[1:4] == ["-m", "torch.distributed.run", "--standalone"]
    assert "--nproc-per-node=3" in command and "--max-restarts=0" in command and command[-2:] == ["--x", "1"]


@pytest.mark.parametrize("nproc", [0, -1, 1.5, True])
def test_is_a_bad_number_of_ranks_a_sentence(nproc):
    with pytest.raises(ValueError, match="whole number"):
        torchrun_command("m", nproc=nproc)


def test_does_a_failing_rank_fail_the_run_fast_with_its_stderr(data, tmp_path):
    started = time.perf_counter()
    with pytest.raises(RankFailed) as failed:
        run_ranks("shipml.distributed.ddp_worker", ["--data", data, "--out", tmp_path, "--mode", "grads",
                                                    "--batch", 256, "--fail-rank", 1], nproc=2, timeout_s=90)
    assert "injected failure on rank 1" in str(failed.value)
    assert time.perf_counter() - started < 60  # far below the process group's timeout of 60 s plus start-up
    assert stray_processes(str(tmp_path), wait_s=10) == []


def test_does_a_hung_job_time_out_and_leave_no_process(tmp_path):
    marker = tmp_path / "hang"
    with pytest.raises(LaunchTimeout, match="did not finish within"):
        with launched("shipml.distributed.hang_for_test_that_does_not_exist", [marker], nproc=1, timeout_s=0.5) as job:
            job.wait()
    assert stray_processes(str(marker), wait_s=10) == []


def test_does_leaving_the_block_early_stop_every_rank(data, tmp_path):
    with launched("shipml.distributed.ddp_worker", ["--data", data, "--out", tmp_path], nproc=2, timeout_s=90):
        time.sleep(1.0)  # the ranks are starting; the block is left without waiting
    assert stray_processes(str(tmp_path), wait_s=10) == []


def test_is_a_bad_timeout_a_sentence():
    with pytest.raises(ValueError, match="positive number of seconds"):
        with launched("m", timeout_s=0):
            pass
