"""The server as a real process on 127.0.0.1: ready, answering, always stopped, failing fast with a reason."""

import httpx
import pytest
import torch

from shipml.serving.artifact import train_artifact
from shipml.serving.requests import GOOD
from shipml.serving.process import ServerFailedToStart, free_port, serve


@pytest.fixture(scope="module")
def artifact_folder(tmp_path_factory):
    torch.set_num_threads(1)
    folder = tmp_path_factory.mktemp("models") / "v1"
    train_artifact(folder, version="v1", n=3000, epochs=1)
    return folder


def test_does_a_real_server_start_answer_and_stop_gracefully(artifact_folder, tmp_path):
    log = tmp_path / "requests.jsonl"
    with serve(artifact_folder, log_file=log) as server:
        assert server.url.startswith("http://127.0.0.1:")
        with httpx.Client(trust_env=False) as client:
            assert client.post(server.url + "/predict", json=GOOD).json()["model_version"] == "v1"
        process = server.process
    assert process.poll() is not None  # stopped on leaving the block
    assert '"event": "shutdown"' in log.read_text().splitlines()[-1]


def test_is_the_server_stopped_even_when_the_block_fails(artifact_folder):
    with pytest.raises(ZeroDivisionError):
        with serve(artifact_folder) as server:
            1 / 0
    assert server.process.poll() is not None


def test_does_a_server_that_cannot_start_say_why_quickly(tmp_path):
    with pytest.raises(ServerFailedToStart, match="FileNotFoundError"):
        with serve(tmp_path / "missing", startup_timeout_s=10):
            pass


def test_is_a_free_port_a_loopback_port_number():
    assert 0 < free_port() < 65536
