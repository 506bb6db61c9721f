"""What shipml.monitoring.prometheus promises: /metrics in Prometheus' format, counting what the server answered."""

import time

import numpy as np
import pytest

from shipml.data import transactions
from shipml.evaluation.decision import DecisionPolicy
from shipml.features.encoding import fit_encoder
from shipml.modeling.mlp import FraudMLP
from shipml.monitoring.prometheus import counter, instrumented_app, read_metrics
from shipml.serving.app import in_process_client, to_requests
from shipml.serving.artifact import save_artifact


def _wait_ready(client):
    """The model loads in the background after start-up: wait for /ready (at most 10 s)."""
    deadline = time.monotonic() + 10
    while client.get("/ready").status_code != 200:
        assert time.monotonic() < deadline, "the model did not load within 10 s"
        time.sleep(0.02)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """A small artifact (an untrained logistic regression without account features): fast, and enough to count."""
    import torch

    torch.manual_seed(0)
    rows = transactions(days=2, seed=0)
    encoder = fit_encoder(rows)
    model = FraudMLP(len(encoder.feature_names), depth=0)
    folder = save_artifact(tmp_path_factory.mktemp("models") / "v1", model, encoder, version="v1",
                           training_data_hash="0" * 64, policy=DecisionPolicy.threshold_rule(0.5))
    return instrumented_app(folder), rows


def test_metrics_count_the_requests_scores_and_holds_the_client_received(app):
    app, rows = app
    with in_process_client(app) as client:
        _wait_ready(client)
        answer = client.post("/predict/batch", json={"transactions": to_requests(rows.head(50))}).json()
        one = client.post("/predict", json=to_requests(rows.head(1))[0]).json()
        bad = client.post("/predict", json={"amount": -1})
        samples = read_metrics(client.get("/metrics").text)
    assert bad.status_code == 422
    assert counter(samples, "shipml_payments_scored") == 51
    assert counter(samples, "shipml_payments_held") == sum(answer["held"]) + one["held"]
    assert counter(samples, "shipml_requests", path="/predict", status="422") == 1
    assert counter(samples, "shipml_requests", path="/predict/batch", status="200") == 1
    assert counter(samples, "shipml_score_count") == 51
    assert counter(samples, "shipml_score_sum") == pytest.approx(sum(answer["scores"]) + one["score"])
    below_half = samples[("shipml_score_bucket", (("le", "0.5"),))]
    assert below_half == sum(np.asarray(answer["scores"]) <= 0.5) + (one["score"] <= 0.5)


def test_each_app_has_its_own_registry(app, tmp_path):
    app, rows = app
    with in_process_client(app) as client:
        _wait_ready(client)
        before = counter(read_metrics(client.get("/metrics").text), "shipml_requests")
        client.get("/health")
        after = counter(read_metrics(client.get("/metrics").text), "shipml_requests")
    assert after == before + 2   # the /health request and the /metrics request between the two reads
