"""The service's metrics in Prometheus' format: chapter 7's server with a GET /metrics endpoint.

    from shipml.serving.process import serve
    with serve(models, app="shipml.monitoring.prometheus:instrumented_app_from_env") as server:
        ...                                          # POST /predict/batch as before
        text = httpx.get(server.url + "/metrics").text
    samples = read_metrics(text)                     # {(name, labels): value} of every sample
    counter(samples, "shipml_payments_held_total")   # a counter's value (summed over its labels)

`instrumented_app` is `shipml.serving.app.create_app` with two additions,
made with `prometheus-client`: an ASGI middleware that counts each request
(by path and status) and times it, and reads each successful scoring answer
to count the payments scored and held and to put every score into a
histogram; and `/metrics`, the text page a Prometheus server scrapes. Each app
has its own registry (nothing global is touched at import). Counters only
grow: a monitor reads a day's numbers as the difference of two scrapes, as
Prometheus' `increase()` does.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

__all__ = ["SCORE_BUCKETS", "counter", "instrumented_app", "instrumented_app_from_env", "read_metrics"]

SCORE_BUCKETS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)


class _Instrument:
    """ASGI middleware: request counts and durations; scores and holds read from the scoring answers."""

    def __init__(self, app, metrics):
        self.app, self.metrics = app, metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started, status, body = time.perf_counter(), [500], []
        scoring = scope["method"] == "POST" and scope["path"] in ("/predict", "/predict/batch")

        async def remember(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            elif message["type"] == "http.response.body" and scoring:
                body.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, remember)
        finally:
            path = scope["path"] if scope["path"] in self.metrics["paths"] else "other"
            self.metrics["requests"].labels(path=path, status=str(status[0])).inc()
            self.metrics["seconds"].labels(path=path).observe(time.perf_counter() - started)
            if scoring and status[0] == 200:
                self._observe(b"".join(body))

    def _observe(self, raw: bytes):
        try:
            answer = json.loads(raw)
        except ValueError:
            return
        scores = answer.get("scores", [answer.get("score")] if "score" in answer else [])
        held = answer.get("held") if "held" in answer else None
        held = held if isinstance(held, list) else [held]
        for score in scores:
            self.metrics["scores"].observe(score)
        self.metrics["scored"].inc(len(scores))
        self.metrics["held"].inc(sum(1 for h in held if h))


def instrumented_app(artifact_path, **kwargs):
    """`create_app(artifact_path, **kwargs)` with Prometheus metrics and GET /metrics."""
    from fastapi import Response
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

    from shipml.serving.app import create_app

    app = create_app(artifact_path, **kwargs)
    registry = CollectorRegistry()
    metrics = {
        "paths": {"/predict", "/predict/batch", "/health", "/ready", "/metrics"},
        "requests": Counter("shipml_requests", "HTTP requests by path and status", ["path", "status"],
                            registry=registry),
        "seconds": Histogram("shipml_request_seconds", "Time to answer a request", ["path"], registry=registry),
        "scores": Histogram("shipml_score", "Fraud scores returned", buckets=SCORE_BUCKETS, registry=registry),
        "scored": Counter("shipml_payments_scored", "Payments scored", registry=registry),
        "held": Counter("shipml_payments_held", "Payments held for review", registry=registry),
    }
    app.add_middleware(_Instrument, metrics=metrics)

    @app.get("/metrics")
    def prometheus_metrics():
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return app


def instrumented_app_from_env():
    """The app for `uvicorn --factory shipml.monitoring.prometheus:instrumented_app_from_env` (SHIPML_* variables)."""
    path = os.environ.get("SHIPML_ARTIFACT")
    if not path or not Path(path).exists():
        raise FileNotFoundError(f"Set SHIPML_ARTIFACT to an existing model artifact folder (it is {path!r}).")
    return instrumented_app(path, log_file=os.environ.get("SHIPML_LOG_FILE") or None,
                            load_delay_s=float(os.environ.get("SHIPML_LOAD_DELAY_S", "0")),
                            history=os.environ.get("SHIPML_HISTORY") or None)


def read_metrics(text: str) -> dict:
    """Every sample of a /metrics page: {(sample name, tuple of sorted label pairs): value}."""
    from prometheus_client.parser import text_string_to_metric_families

    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def counter(samples: dict, name: str, **labels) -> float:
    """The value of counter `name` (its `_total` sample), summed over the samples whose labels match `labels`."""
    name = name if name.endswith(("_total", "_count", "_sum", "_bucket")) else f"{name}_total"
    return float(sum(value for (sample, pairs), value in samples.items()
                     if sample == name and all(dict(pairs).get(k) == v for k, v in labels.items())))
