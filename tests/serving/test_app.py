"""The model server's contract, in process (TestClient: no port, no network)."""

import json
import time

import numpy as np
import pytest

from shipml.course.checks.serving import _artifact
from shipml.data import transactions
from shipml.data.scenario import SCENARIO
from shipml.serving.requests import BAD_FIELDS, GOOD, bad_requests, send
from shipml.serving.app import ServerState, create_app, in_process_client, readiness, to_requests
from shipml.serving.artifact import load_artifact


def _client(tmp_path, **kwargs):
    artifact = _artifact()
    kwargs.setdefault("load", lambda path: artifact)
    return in_process_client(create_app("unused", log_file=tmp_path / "log.jsonl", **kwargs))


def _wait(client):
    for _ in range(300):
        if client.get("/ready").status_code == 200:
            return
    raise AssertionError("never ready")


def test_does_a_request_carry_the_account_and_the_time_as_iso_text():
    df = transactions(days=1, seed=4).head(3)
    bodies = to_requests(df)
    assert bodies[0]["account_id"] == df["account_id"].iloc[0]
    assert [b["timestamp"] for b in bodies] == [t.isoformat() for t in df["timestamp"]]
    json.dumps(bodies)  # plain JSON values


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
        message, field = response.json()["message"], BAD_FIELDS[kind]
        assert message.startswith("Invalid request.")
        if field is not None:  # the message names the field where there is one
            assert f"{field}: " in message and field in [p["field"] for p in response.json()["detail"]], message
        assert client.get("/health").status_code == 200


def test_does_every_bad_request_say_which_field_if_any():
    assert set(BAD_FIELDS) == set(bad_requests())


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
        time.sleep(0.05)
        assert client.get("/ready").status_code == 503
        assert "no such model" in client.get("/ready").json()["reason"]
        assert client.get("/health").status_code == 200
        assert client.post("/predict", json=GOOD).status_code == 503


def _ready_client(path, **kwargs):
    client = in_process_client(create_app(path, log_file="/dev/null", **kwargs))
    return client


def _wait_loaded(client):
    while client.app.state.model_state.artifact is None and client.app.state.model_state.error is None:
        time.sleep(0.01)


def test_does_the_production_server_score_and_decide_as_offline_point_in_time(models, window):
    """Online equals offline: the server looks each account up in its store; the notebook computes the features."""
    rows = SCENARIO.split(window)[2].sample(800, random_state=0).sort_index()
    artifact = load_artifact(models / "v1")
    with _ready_client(models / "v1") as client:
        _wait_loaded(client)
        answer = client.post("/predict/batch", json={"transactions": to_requests(rows)}).json()
        one = client.post("/predict", json=to_requests(rows.head(1))[0]).json()
    np.testing.assert_array_equal(np.asarray(answer["scores"]), artifact.score(rows, window))
    np.testing.assert_array_equal(np.asarray(answer["held"]), artifact.hold(rows, window))
    assert answer["model_version"] == one["model_version"] == "v1" and one["score"] == pytest.approx(answer["scores"][0], rel=1e-5)  # float32: rounding can depend on the batch size
    assert one["held"] is bool(artifact.hold(rows.head(1), window)[0])


def test_does_the_server_need_the_history_the_features_come_from(models, window):
    """Without the account's history the features change, and so do the scores: the lookup is not decoration."""
    rows = SCENARIO.split(window)[2].head(400)
    with _ready_client(models / "v1", history=rows.iloc[:0]) as client:  # an empty store: every payment a first
        _wait_loaded(client)
        cold = np.asarray(client.post("/predict/batch", json={"transactions": to_requests(rows)}).json()["scores"])
    artifact = load_artifact(models / "v1")
    np.testing.assert_allclose(cold, artifact.score(rows, rows.iloc[:0]), atol=1e-7)
    assert np.abs(cold - artifact.score(rows, window)).max() > 1e-3


def test_is_an_artifact_without_its_history_not_ready_with_a_reason(models, tmp_path):
    import shutil

    folder = tmp_path / "v1"
    shutil.copytree(models / "v1", folder)
    (folder / "history.parquet").unlink()
    with _ready_client(folder) as client:
        _wait_loaded(client)
        ready = client.get("/ready")
    assert ready.status_code == 503 and "no history.parquet" in ready.json()["reason"]


def test_does_the_servers_per_row_encoding_match_the_pandas_encoding():
    artifact = _artifact()
    df = transactions(days=1, seed=4)
    np.testing.assert_array_equal(artifact.encoder.transform_rows(to_requests(df)), artifact.encoder.transform(df))


def test_does_the_server_score_as_the_artifact_does(tmp_path):
    """Parity end to end: the server's scores are the in-process ones (same encoder, same sigmoid)."""
    from shipml.serving.artifact import save_artifact

    artifact = _artifact()
    save_artifact(tmp_path / "v1", artifact.model, artifact.encoder, version="v1", training_data_hash="0" * 16)
    df = transactions(days=1, seed=5).head(500)  # a batch holds at most 1,000 rows
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
