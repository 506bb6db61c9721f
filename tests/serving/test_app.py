"""The model server's contract, in process (TestClient: no port, no network)."""

import json

import numpy as np
import pytest

from shipml.course.checks.serving import _artifact
from shipml.serving.requests import GOOD, bad_requests, send
from shipml.data import transactions
from shipml.serving.app import ServerState, create_app, in_process_client, readiness, to_requests


def _client(tmp_path, **kwargs):
    artifact = _artifact()
    kwargs.setdefault("load", lambda path: artifact)
    return in_process_client(create_app("unused", log_file=tmp_path / "log.jsonl", **kwargs))


def _wait(client):
    for _ in range(300):
        if client.get("/ready").status_code == 200:
            return
    raise AssertionError("never ready")


def test_does_every_answer_carry_the_model_version(tmp_path):
    with _client(tmp_path) as client:
        _wait(client)
        assert client.post("/predict", json=GOOD).json()["model_version"] == "check-v1"
        batch = client.post("/predict/batch", json={"transactions": [GOOD, GOOD]}).json()
        assert batch["model_version"] == "check-v1" and len(batch["scores"]) == 2
        assert client.get("/health").json()["model_version"] == "check-v1"


@pytest.mark.parametrize("kind", list(bad_requests()))
def test_is_each_malformed_request_refused_with_a_message_while_health_still_answers(tmp_path, kind):
    body, _ = bad_requests()[kind]
    with _client(tmp_path) as client:
        _wait(client)
        response = send(client, body)
        assert 400 <= response.status_code < 500
        assert response.json()["message"].startswith("Invalid request.")
        assert client.get("/health").status_code == 200


def test_does_an_unknown_field_get_named_in_the_message(tmp_path):
    with _client(tmp_path) as client:
        _wait(client)
        message = client.post("/predict", json={**GOOD, "merchant_categroy": "x"}).json()["message"]
    assert "merchant_categroy" in message and "remove it" in message


def test_is_ready_503_until_loaded_and_after_a_failed_load(tmp_path):
    assert readiness(ServerState())[0] == 503
    assert readiness(ServerState(error="boom"))[1]["reason"] == "boom"

    def broken(path):
        raise FileNotFoundError("no such model")

    with _client(tmp_path, load=broken) as client:
        for _ in range(100):
            if client.app.state.model_state.error:
                break
        import time; time.sleep(0.05)
        assert client.get("/ready").status_code == 503
        assert "no such model" in client.get("/ready").json()["reason"]
        assert client.get("/health").status_code == 200
        assert client.post("/predict", json=GOOD).status_code == 503


def test_does_the_servers_per_row_encoding_match_the_pandas_encoding():
    artifact = _artifact()
    df = transactions(500, seed=4)
    np.testing.assert_array_equal(artifact.encoder.transform_rows(to_requests(df)), artifact.encoder.transform(df))


def test_does_the_server_score_as_the_artifact_does(tmp_path):
    """Parity end to end: the server's scores are the in-process ones (same encoder, same sigmoid)."""
    from shipml.serving.artifact import save_artifact

    artifact = _artifact()
    save_artifact(tmp_path / "v1", artifact.model, artifact.encoder, version="v1", training_data_hash="0" * 16)
    df = transactions(300, seed=5)
    with in_process_client(create_app(tmp_path / "v1")) as client:
        while client.get("/ready").status_code != 200:
            pass
        served = np.asarray(client.post("/predict/batch", json={"transactions": to_requests(df)}).json()["scores"])
    np.testing.assert_allclose(served, artifact.score(df), atol=1e-6)


def test_does_the_request_model_come_from_the_contract():
    from shipml.data.contract import REQUEST_FIELDS
    from shipml.serving.app import TransactionRequest

    assert tuple(TransactionRequest.model_fields) == REQUEST_FIELDS
    assert TransactionRequest.model_config["extra"] == "forbid"


def test_are_requests_logged_as_json_lines(tmp_path):
    with _client(tmp_path) as client:
        _wait(client)
        client.post("/predict", json=GOOD, headers={"x-request-id": "abc"})
    lines = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    request = next(line for line in lines if line.get("request_id") == "abc")
    assert request["path"] == "/predict" and request["status"] == 200 and request["model_version"] == "check-v1"
    assert lines[-1]["event"] == "shutdown"
