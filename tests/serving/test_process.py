"""The server as a real process on 127.0.0.1: ready, answering, always stopped, failing fast with a reason."""

import textwrap

import httpx
import numpy as np
import pytest

from shipml.data.scenario import SCENARIO
from shipml.features.store import write_history
from shipml.serving.app import to_requests
from shipml.serving.artifact import activate, load_artifact
from shipml.serving.requests import GOOD
from shipml.serving.process import ServerFailedToStart, free_port, serve


@pytest.fixture(scope="module")
def artifact_folder(models):
    return models / "v1"


def test_does_a_real_server_start_answer_and_stop_gracefully(artifact_folder, tmp_path):
    log = tmp_path / "requests.jsonl"
    with serve(artifact_folder, log_file=log) as server:  # no other argument: the artifact's own history
        assert server.url.startswith("http://127.0.0.1:")
        with httpx.Client(trust_env=False) as client:
            answer = client.post(server.url + "/predict", json=GOOD).json()
        assert answer["model_version"] == "v1" and 0 <= answer["score"] <= 1 and isinstance(answer["held"], bool)
        process = server.process
    assert process.poll() is not None  # stopped on leaving the block
    assert '"event": "shutdown"' in log.read_text().splitlines()[-1]
    assert server.returncode == 0  # a graceful shutdown on SIGTERM, not a death by the signal (-15)


def test_does_the_monitoring_chapters_server_exit_0_after_its_graceful_shutdown(artifact_folder, tmp_path):
    log = tmp_path / "requests.jsonl"
    with serve(artifact_folder, log_file=log, app="shipml.monitoring.prometheus:instrumented_app_from_env") as server, \
            httpx.Client(base_url=server.url, trust_env=False) as client:
        assert client.post("/predict", json=GOOD).status_code == 200
        assert "shipml_payments_scored_total 1.0" in client.get("/metrics").text
    assert '"event": "shutdown"' in log.read_text().splitlines()[-1]
    assert server.returncode == 0  # uvicorn re-raises the SIGTERM it handled: the process must not die of it


def test_is_a_server_that_ignores_sigterm_killed_and_said_so(tmp_path):
    """Exit code 0 means a graceful shutdown: a server that had to be killed says -9."""
    (tmp_path / "stubborn.py").write_text(textwrap.dedent("""
        import time
        from contextlib import asynccontextmanager
        from fastapi import FastAPI

        @asynccontextmanager
        async def lifespan(app):
            yield
            time.sleep(30)  # a shutdown that does not end in time

        def make():
            app = FastAPI(lifespan=lifespan)
            app.get("/ready")(lambda: {})
            return app
        """))
    with serve(tmp_path, app="stubborn:make", env={"PYTHONPATH": str(tmp_path)}, stop_timeout_s=1) as server:
        pass
    assert server.returncode == -9


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


def test_does_a_real_server_score_as_offline_with_a_history_file_given(models, window, tmp_path):
    rows = SCENARIO.split(window)[2].tail(300)
    history = write_history(window, tmp_path / "history.parquet")
    with serve(models / "v2", history=history) as server, httpx.Client(trust_env=False) as client:
        answer = client.post(server.url + "/predict/batch", json={"transactions": to_requests(rows)}).json()
    # the same to float32's precision: the server's process may use another thread count, and a CPU's matrix
    # product can round by thread count and batch size
    np.testing.assert_allclose(answer["scores"], load_artifact(models / "v2").score(rows, window), rtol=1e-5, atol=0)


def test_does_a_restarted_server_answer_with_the_version_rolled_back_to(models):
    versions = []
    for version in ("v2", "v1"):
        activate(models, version)
        with serve(models) as server, httpx.Client(trust_env=False) as client:
            versions.append(client.post(server.url + "/predict", json=GOOD).json()["model_version"])
    (models / "CURRENT").unlink()
    assert versions == ["v2", "v1"]
