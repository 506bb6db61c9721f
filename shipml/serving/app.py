"""The fraud model as a web service: a FastAPI app factory.

    from shipml.serving.app import create_app, TransactionRequest
    app = create_app("models")                  # an artifact folder, or a root with a CURRENT file
    # then: uvicorn (see shipml.serving.process), or fastapi.testclient.TestClient(app) in a test

    POST /predict        one payment -> {"score": 0.03, "held": false, "model_version": "v1"}
    POST /predict/batch  {"transactions": [...]} -> {"scores": [...], "held": [...], "n": 2, "model_version": "v1"}
    GET  /health         liveness: the process answers          -> 200 always
    GET  /ready          readiness: the model is loaded         -> 200, else 503

A request is validated by a pydantic schema derived from the transaction
contract, `shipml.data.contract` (types, ranges, allowed categories, no
unknown fields); a bad one gets 422 with one line per problem that names the
field and what to send instead. A request carries the paying account and the
payment's time; for a model that reads chapter 4's account features the server
looks them up in its feature store (`shipml.features.store.AccountHistory`,
loaded from the artifact's `history.parquet` or from `history=`), from the
account's payments strictly before that time, as the training table was built.
The row is encoded by the artifact's own encoder (`Encoder.transform_rows`, the
per-row path of the same fitted state), scored by
`shipml.modeling.scoring.probabilities`, and decided by the artifact's own
decision policy (`held`: the payment is held for review). Every response
carries the model version; every request is logged as one JSON line. The model
and its store are loaded in the background after start-up, so /health answers
at once and /ready only when the model can score.

This module does not use `from __future__ import annotations`: FastAPI reads
the endpoint's annotations at run time, and a schema made inside
`create_app` must stay a real class, not a string.
"""

import asyncio
import json
import logging
import os
import sys
import time
import uuid
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import ConfigDict, Field, create_model

from shipml.data.contract import REQUEST_FIELDS, request_model

__all__ = ["MAX_BATCH", "ServerState", "TransactionRequest", "app_from_env", "create_app", "in_process_client",
           "readiness", "to_requests"]

MAX_BATCH = 1000  # rows per batch request: a bigger job belongs to the batch scorer, not the API


# The request model is derived from the transaction contract (shipml.data.contract), where each field's type,
# categories and bounds are defined once: ingestion's schema and this API cannot disagree about a row.
TransactionRequest = request_model("TransactionRequest")


def to_requests(df) -> list[dict]:
    """The rows of a transaction table as request bodies: the schema's fields, as plain JSON values."""
    fields = df[list(REQUEST_FIELDS)]
    if "timestamp" in fields:  # ISO 8601 with its UTC offset, to the microsecond: the time the store looks up
        fields = fields.assign(timestamp=fields["timestamp"].map(lambda t: t.isoformat()))
    rows = fields.astype(object).to_dict("records")
    return [{k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()} for row in rows]


@dataclass
class ServerState:
    """What the server knows about its model: loaded (artifact), failed (error), or still loading."""

    artifact: object = None
    error: str | None = None
    store: object = None  # the feature store, for a model that reads account features


def readiness(state: ServerState) -> tuple[int, dict]:
    """The /ready answer: 200 only once a model is loaded; 503 while loading or after a failed load."""
    if state.artifact is not None:
        return 200, {"status": "ready", "model_version": state.artifact.version}
    if state.error is not None:
        return 503, {"status": "failed", "reason": state.error, "model_version": None}
    return 503, {"status": "loading", "model_version": None}


def _problem(error: dict) -> dict:
    """One validation error as a line a client can act on."""
    kind, message = error.get("type", ""), error.get("msg", "")
    # The field's path; for a body that is not JSON there is no field, and the position is not one.
    where = "body" if kind == "json_invalid" else ".".join(
        str(part) for part in error.get("loc", ()) if part != "body") or "body"
    if kind == "extra_forbidden":
        message = "is not a field of this API; remove it"
    elif kind == "missing":
        message = "is required"
    elif kind == "json_invalid":
        message = "the body is not valid JSON: " + str(error.get("ctx", {}).get("error", message))
    elif kind == "too_long":
        message = f"has too many items: {message.lower()}; split the batch"
    return {"field": where, "problem": message, **({"got": error["input"]} if kind not in {"missing", "json_invalid"}
                                                   and "input" in error and not isinstance(error["input"], (dict, list))
                                                   else {})}


class _RequestLog:
    """ASGI middleware: one JSON log line per request (plain ASGI: cheaper than @app.middleware)."""

    def __init__(self, app, log, version):
        self.app, self.log, self.version = app, log, version

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started, status = time.perf_counter(), [500]
        headers = dict(scope.get("headers") or [])
        request_id = headers.get(b"x-request-id", b"").decode() or uuid.uuid4().hex[:12]

        async def send_and_remember(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_and_remember)
        finally:
            self.log(event="request", request_id=request_id, method=scope["method"], path=scope["path"],
                     status=status[0], ms=round(1000 * (time.perf_counter() - started), 3),
                     model_version=self.version())


def _logger(log_file) -> logging.Logger:
    logger = logging.getLogger(f"shipml.serving.app.{uuid.uuid4().hex[:8]}")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    handler = logging.FileHandler(log_file) if log_file else logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    return logger


def create_app(artifact_path, *, schema=TransactionRequest, max_batch: int = MAX_BATCH, ready=readiness,
               log_file=None, load_delay_s: float = 0.0, load=None, history=None):
    """A FastAPI app serving the artifact at `artifact_path` with the request `schema`.

    `ready(state) -> (status_code, body)` answers /ready; `load(path)` loads an
    artifact (default `shipml.serving.artifact.load_artifact`); `load_delay_s` makes
    loading slower, to watch /ready say 503 first. `history` (a transaction
    table or a Parquet file of one) replaces the artifact's own feature-store
    snapshot.
    """
    import torch
    from fastapi import FastAPI, Request

    from shipml.modeling.scoring import probabilities
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse

    if load is None:
        from shipml.serving.artifact import load_artifact as load
    state = ServerState()
    logger = _logger(log_file)

    def log(**fields):
        logger.info(json.dumps({"ts": round(time.time(), 3), **fields}))

    def load_model():
        time.sleep(load_delay_s)
        torch.set_num_threads(1)  # one small request at a time: threads cost more than they save
        try:
            artifact = load(artifact_path)
            state.store = _store(artifact, history)
            state.artifact = artifact  # last: /ready says ready only when the model and its store can score
            log(event="model_loaded", model_version=artifact.version,
                store_payments=None if state.store is None else len(state.store))
        except Exception as error:  # the server stays up and says why in /ready
            state.error = f"{type(error).__name__}: {error}"
            log(event="model_load_failed", error=state.error)

    @asynccontextmanager
    async def lifespan(app):
        task = asyncio.create_task(asyncio.to_thread(load_model))
        log(event="startup")
        yield
        await asyncio.gather(task, return_exceptions=True)
        log(event="shutdown", model_version=version())  # graceful: in-flight requests have finished

    app = FastAPI(title="Fraud scoring", lifespan=lifespan)
    app.state.model_state = state
    batch_schema = create_model(
        "BatchRequest", __config__=ConfigDict(extra="forbid"),
        transactions=(Annotated[list[schema], Field(min_length=1, max_length=max_batch)], ...),
    )

    def version():
        return None if state.artifact is None else state.artifact.version

    def not_ready():
        return JSONResponse({"detail": "the model is not loaded yet; retry when GET /ready says ready",
                             "model_version": None}, status_code=503)

    def score_rows(rows: list[dict]) -> tuple[list[float], list | None]:
        """The scores of request rows, and the artifact's decision for each (None: it has no policy)."""
        artifact, store = state.artifact, state.store
        if store is not None:  # point in time: the account's payments strictly before this one
            rows = [{**row, **store.lookup(row["account_id"], row["timestamp"], row["amount"])} for row in rows]
        # The artifact's own encoder, its fast path for a few rows (tested equal to `transform`).
        X = torch.from_numpy(artifact.encoder.transform_rows(rows))
        with torch.no_grad():
            scores = probabilities(artifact.model(X))
        if artifact.policy is None:
            return scores.tolist(), None
        return scores.tolist(), artifact.policy.hold(scores, [row["amount"] for row in rows]).tolist()

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError):
        problems = [_problem(e) for e in exc.errors()]
        message = "; ".join(f"{p['field']}: {p['problem']}" for p in problems[:5])
        return JSONResponse({"detail": problems, "message": f"Invalid request. {message}.",
                             "model_version": version()}, status_code=422)

    app.add_middleware(_RequestLog, log=log, version=version)

    @app.get("/health")
    def health():
        return {"status": "ok", "model_version": version()}

    @app.get("/ready")
    def ready_endpoint():
        status, body = ready(state)
        return JSONResponse(body, status_code=status)

    # async endpoints: scoring takes well under a millisecond, less than a hand-off to a worker thread.
    @app.post("/predict")
    async def predict(transaction: schema):
        if state.artifact is None:
            return not_ready()
        scores, held = score_rows([transaction.model_dump()])
        return {"score": scores[0], "held": None if held is None else held[0], "model_version": version()}

    @app.post("/predict/batch")
    async def predict_batch(batch: batch_schema):
        if state.artifact is None:
            return not_ready()
        rows = [t.model_dump() for t in batch.transactions]
        scores, held = score_rows(rows)
        return {"scores": scores, "held": held, "n": len(rows), "model_version": version()}

    return app


def _store(artifact, history):
    """The feature store for `artifact`: from `history` (a table or a Parquet file) or the artifact's snapshot."""
    if not getattr(artifact, "account_features", False):
        return None
    if history is None:
        return artifact.feature_store()
    from shipml.features.store import AccountHistory

    return AccountHistory(history) if hasattr(history, "columns") else AccountHistory.from_parquet(history)


def in_process_client(app):
    """FastAPI's TestClient for `app` (no network, no port); use it in a `with` block to run start-up."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette's notice about its httpx backend, not the reader's concern
        from fastapi.testclient import TestClient
    return TestClient(app, raise_server_exceptions=False)


def app_from_env():
    """The app for `uvicorn --factory shipml.serving.app:app_from_env`, configured by SHIPML_* variables."""
    path = os.environ.get("SHIPML_ARTIFACT")
    if not path:
        raise RuntimeError("Set SHIPML_ARTIFACT to the model artifact folder the server should load.")
    if not Path(path).exists():
        raise FileNotFoundError(f"SHIPML_ARTIFACT={path} does not exist.")
    return create_app(path, log_file=os.environ.get("SHIPML_LOG_FILE") or None,
                      load_delay_s=float(os.environ.get("SHIPML_LOAD_DELAY_S", "0")),
                      history=os.environ.get("SHIPML_HISTORY") or None)
