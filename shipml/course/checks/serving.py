"""Checks of chapter 7, "Packaging and serving": the request schema, /ready, parity, percentiles.

    from shipml.course.checks import run
    run("ch07-ex2", request_schema)        # the learner's request_schema() -> a pydantic model class
    run("ch07-ex3", ready)                 # the learner's ready(state) -> (status_code, body)
    run("ch07-ex4", parity_gap)            # the learner's parity_gap(client, artifact, df) -> max |difference|
    run("ch07-ex5", latency_percentiles)   # the learner's latency_percentiles(latencies) -> {"p50", "p95", "p99"}

Graded by behaviour, with FastAPI's TestClient (no network, no port): the
schema is put into the course's app and sent a table of good and bad
requests; /ready is asked before and after the model loads; the parity
function is given a faithful server and a skewed one. The model behind these
apps is a tiny untrained FraudMLP with an encoder fitted on a few thousand
rows, made once (no training, well under a second).
"""

from __future__ import annotations

import functools
import threading

import numpy as np

from shipml.course.checks import Failure, NotAttempted, WrongType, exercise, expect, expect_number

# --- a small artifact and apps around it -------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _artifact():
    import torch

    from shipml.serving.artifact import Artifact
    from shipml.data import transactions
    from shipml.modeling.mlp import FraudMLP
    from shipml.features.encoding import fit_encoder

    df = transactions(3000, seed=11)
    encoder = fit_encoder(df)
    torch.manual_seed(0)
    model = FraudMLP(len(encoder.feature_names), width=8, depth=1).eval()
    return Artifact(model, encoder, "check-v1", "0" * 16)


@functools.lru_cache(maxsize=1)
def _sample():
    from shipml.data import transactions

    return transactions(200, seed=12)


def _client(**kwargs):
    from shipml.serving.app import create_app, in_process_client

    artifact = kwargs.pop("artifact", None) or _artifact()
    kwargs.setdefault("load", lambda path: artifact)
    kwargs.setdefault("log_file", "/dev/null")
    return in_process_client(create_app("unused", **kwargs))


def _wait_ready(client, timeout_s=3.0):
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if client.app.state.model_state.artifact is not None:
            return
        time.sleep(0.01)


# --- exercise 2: the request schema -----------------------------------------------------------

GOOD = {"amount": 42.5, "merchant_category": "grocery", "country": "DE", "channel": "card_present",
        "device": "chip", "hour": 14, "account_age_days": 900, "home_country": "DE"}


def bad_requests() -> dict:
    """The table of malformed requests: name -> (body as JSON data or raw text, what is wrong)."""
    missing = {k: v for k, v in GOOD.items() if k != "amount"}
    return {
        "missing field": (missing, "amount is missing"),
        "wrong type": ({**GOOD, "amount": "lots"}, "amount is text"),
        "negative amount": ({**GOOD, "amount": -10.0}, "amount below zero"),
        "zero amount": ({**GOOD, "amount": 0}, "amount of zero"),
        "unknown category": ({**GOOD, "merchant_category": "gambling"}, "a merchant category the model never saw"),
        "unknown country": ({**GOOD, "country": "XX"}, "a country code that does not exist"),
        "hour out of range": ({**GOOD, "hour": 24}, "hour 24"),
        "negative account age": ({**GOOD, "account_age_days": -1}, "account age below zero"),
        "extra field": ({**GOOD, "is_fraud": 0}, "a field the API does not have (the label!)"),
        "empty body": (None, "no body at all"),
        "invalid JSON": ("{amount: 12", "text that is not JSON"),
        "huge batch": ({"transactions": [GOOD] * 1001}, "a batch over the 1,000-row limit"),
    }


def send(client, body):
    """POST one row of the table: to /predict/batch for a batch, else to /predict."""
    if isinstance(body, dict) and "transactions" in body:
        return client.post("/predict/batch", json=body)
    if isinstance(body, str):
        return client.post("/predict", content=body, headers={"content-type": "application/json"})
    if body is None:
        return client.post("/predict")
    return client.post("/predict", json=body)


def _schema_client(schema):
    from pydantic import BaseModel

    if callable(schema) and not isinstance(schema, type):
        schema = schema()  # request_schema(): a function that returns the class
    if schema is None or schema is Ellipsis:
        raise NotAttempted("Not attempted yet: there is no schema.")
    if not (isinstance(schema, type) and issubclass(schema, BaseModel)):
        raise WrongType(f"Expected a pydantic model class (class TransactionSchema(BaseModel): ...), "
                        f"got {type(schema).__name__}.")
    if not schema.model_fields:
        raise NotAttempted("Not attempted yet: TransactionSchema has no fields.")
    return _client(schema=schema)


ex2 = exercise(
    "ch07-ex2",
    timeout_s=30,  # the first case imports FastAPI and torch and builds an app: seconds on a busy machine
    title="The request schema",
    hints=[
        "One field per input column, with its type: `amount: float`, `hour: int`, … and "
        "`model_config = ConfigDict(extra='forbid')` so an unknown field is refused.",
        "Ranges with `Field(gt=0)`, `Field(ge=0, le=23)`; categories with `Literal[MERCHANT_CATEGORIES]` "
        "(a Literal of a tuple of strings) or an Enum.",
        "Countries: `Literal[tuple(COUNTRIES)]` for both `country` and `home_country`; account age `Field(ge=0)`.",
    ],
)


@ex2.case("accepts good requests, edge values included",
          hint="A good request must get 200: check the types (hour is an int, amount a float) and the field names.")
def _(schema):
    with _schema_client(schema) as client:
        _wait_ready(client)
        for body in (GOOD, {**GOOD, "hour": 0, "amount": 0.01, "account_age_days": 0},
                     {**GOOD, "hour": 23, "channel": "online", "device": "web", "country": "US"},
                     {**GOOD, "amount": 12}):
            response = send(client, body)
            expect(response.status_code == 200,
                   f"A valid request got {response.status_code}, not 200: {response.text[:200]}.")
        response = send(client, {"transactions": [GOOD, {**GOOD, "hour": 3}]})
        expect(response.status_code == 200, f"A valid batch got {response.status_code}: {response.text[:200]}.")


@ex2.case("refuses every malformed request with 422 and a message, and keeps serving",
          hint="Each row of `bad_requests()` must be refused: which one got 200 says which rule is missing.")
def _(schema):
    with _schema_client(schema) as client:
        _wait_ready(client)
        accepted = []
        for name, (body, what) in bad_requests().items():
            response = send(client, body)
            if response.status_code == 200:
                accepted.append(f"{name} ({what})")
            else:
                expect(400 <= response.status_code < 500 and response.json().get("message"),
                       f"The {name} request got {response.status_code} without a message.")
        expect(not accepted, f"Your schema accepts malformed requests: {'; '.join(accepted)}.")
        expect(client.get("/health").status_code == 200, "/health stopped answering after the bad requests.")


# --- exercise 3: /ready -------------------------------------------------------------------------

ex3 = exercise(
    "ch07-ex3",
    timeout_s=30,  # the first case imports FastAPI and torch and builds an app: seconds on a busy machine
    title="The /ready logic",
    hints=[
        "Return a pair: a status code and a dict. `state.artifact` is None until the model has loaded.",
        "Loaded: `200, {'status': 'ready', 'model_version': state.artifact.version}`. Not yet: 503.",
        "When `state.error` is set the load failed: still 503, and put `state.error` in the body so an operator "
        "sees why.",
    ],
)


def _pair(answer, what):
    if not (isinstance(answer, tuple) and len(answer) == 2 and isinstance(answer[1], dict)):
        raise WrongType(f"Expected a pair (status_code, body dict) {what}, got {answer!r:.80}.")
    return answer


@ex3.case("503 while the model is loading", hint="With `state.artifact` None, answer 503.")
def _(ready):
    from shipml.serving.app import ServerState

    status, _ = _pair(ready(ServerState()), "while loading")
    expect(status == 503, f"While the model is loading, /ready must say 503 (not ready), not {status}.")


@ex3.case("200 with the model version once loaded",
          hint="Put `state.artifact.version` in the body under 'model_version'.")
def _(ready):
    from shipml.serving.app import ServerState

    status, body = _pair(ready(ServerState(artifact=_artifact())), "once loaded")
    expect(status == 200, f"With the model loaded, /ready must say 200, not {status}.")
    expect(body.get("model_version") == "check-v1",
           f"The body should carry the loaded model's version 'check-v1' under 'model_version', got {body!r:.120}.")


@ex3.case("503 with the reason after a failed load",
          hint="A failed load sets `state.error`: answer 503 and include the error text in the body.")
def _(ready):
    from shipml.serving.app import ServerState

    reason = "FileNotFoundError: models/v9 is not a model artifact"
    status, body = _pair(ready(ServerState(error=reason)), "after a failed load")
    expect(status == 503, f"After a failed load, /ready must say 503, not {status}.")
    expect(reason in str(body), "After a failed load, the body should say why (include `state.error`).")


@ex3.case("in the app: 503 before the model loads, 200 after",
          hint="The app calls your function on every GET /ready; it must read the state each time.")
def _(ready):
    from shipml.serving.app import ServerState

    _pair(ready(ServerState()), "while loading")  # a stub says "not attempted" here, not inside the app
    gate = threading.Event()
    artifact = _artifact()

    def slow_load(path):
        gate.wait(3)
        return artifact

    with _client(ready=ready, load=slow_load) as client:
        before = client.get("/ready").status_code
        gate.set()
        _wait_ready(client)
        after = client.get("/ready").status_code
        health = client.get("/health").status_code
    expect(before == 503, f"Before the model loaded, GET /ready answered {before}, not 503.")
    expect(after == 200, f"After the model loaded, GET /ready answered {after}, not 200.")
    expect(health == 200, "GET /health must answer 200 whatever the model.")


# --- exercise 4: parity -------------------------------------------------------------------------


def _skewed(artifact, shift=0.8):
    """The same model behind an encoder whose amount scaling is off: the classic skew."""
    import copy

    skewed = copy.copy(artifact)
    encoder = copy.deepcopy(artifact.encoder)
    mean, std = encoder.numeric["amount"]
    encoder.numeric["amount"] = (mean + shift, std)
    skewed.encoder = encoder
    return skewed


def _true_gap(server_artifact, artifact, df):
    from shipml.serving.app import RowEncoder, to_requests

    import torch

    X = torch.from_numpy(RowEncoder(server_artifact.encoder).transform(to_requests(df)))
    with torch.no_grad():
        served = torch.sigmoid(server_artifact.model(X)).numpy().astype(float)
    return float(np.max(np.abs(served - artifact.score(df))))


ex4 = exercise(
    "ch07-ex4",
    timeout_s=30,  # the first case imports FastAPI and torch and builds an app: seconds on a busy machine
    title="The parity test",
    hints=[
        "Send the sample with `client.post('/predict/batch', json={'transactions': to_requests(df)})`.",
        "The server's scores are `response.json()['scores']`; the in-process ones `artifact.score(df)`.",
        "Return `float(np.max(np.abs(np.asarray(served) - artifact.score(df))))`.",
    ],
)


@ex4.case("a faithful server: the difference is (nearly) zero",
          hint="Compare the server's scores for the sample with `artifact.score(df)`, row by row.")
def _(parity_gap):
    artifact, df = _artifact(), _sample()
    with _client() as client:
        _wait_ready(client)
        gap = parity_gap(client, artifact, df)
    expect_number(gap, 0.0, tol=1e-5, what="the gap between a faithful server and the model")


@ex4.case("a skewed server: reports the largest difference",
          hint="Return the maximum of the absolute differences, not the mean, and not a True/False.")
def _(parity_gap):
    artifact, df = _artifact(), _sample()
    skewed = _skewed(artifact)
    expected = _true_gap(skewed, artifact, df)
    with _client(artifact=skewed) as client:
        _wait_ready(client)
        gap = parity_gap(client, artifact, df)
    expect_number(gap, expected, tol=1e-5, what="the largest score difference of a server with a skewed encoder")


# --- exercise 5: percentiles --------------------------------------------------------------------


def _nearest_rank(values, q):
    ordered = np.sort(np.asarray(values, dtype=float))
    return float(ordered[max(int(np.ceil(q / 100 * len(ordered))) - 1, 0)])


def _expect_percentiles(got, latencies, label):
    if not isinstance(got, dict):
        raise WrongType(f"Expected a dict with keys 'p50', 'p95' and 'p99', got {type(got).__name__}.")
    for key in ("p50", "p95", "p99"):
        expect(key in got, f"The result has no key {key!r}; it has {sorted(got)}.")
        q = int(key[1:])
        value = got[key]
        if not isinstance(value, (int, float, np.floating, np.integer)) or isinstance(value, bool):
            raise WrongType(f"Expected a number for {key}, got {type(value).__name__}.")
        linear, nearest = float(np.percentile(latencies, q)), _nearest_rank(latencies, q)
        expect(abs(value - linear) < 1e-6 or abs(value - nearest) < 1e-6,
               f"{key} of {label} should be {linear:g} (linear interpolation, as np.percentile) "
               f"or {nearest:g} (nearest rank), not {float(value):g}.")


ex5 = exercise(
    "ch07-ex5",
    title="p50, p95 and p99 from latencies",
    hints=[
        "Sort the latencies first: a percentile is about ranks, not about the order requests finished in.",
        "The p95 is the value below which 95 % of the latencies lie; `np.percentile(latencies, 95)`.",
        "Return `{'p50': ..., 'p95': ..., 'p99': ...}` with plain floats.",
    ],
)


@ex5.case("1 ms to 100 ms", hint="For 1, 2, …, 100 the p50 is about 50 and the p95 about 95.")
def _(latency_percentiles):
    latencies = list(range(1, 101))
    _expect_percentiles(latency_percentiles(list(latencies)), latencies, "1 to 100 ms")


@ex5.case("unsorted latencies with a slow tail", hint="Sort the latencies before you take a rank.")
def _(latency_percentiles):
    rng = np.random.default_rng(7)
    latencies = np.concatenate([rng.uniform(5, 15, 970), rng.uniform(200, 400, 30)])
    rng.shuffle(latencies)
    _expect_percentiles(latency_percentiles(latencies.tolist()), latencies, "a shuffled sample with a slow tail")


@ex5.case("a single request", hint="With one latency, every percentile is that latency.")
def _(latency_percentiles):
    _expect_percentiles(latency_percentiles([42.0]), [42.0], "a single latency")


@ex5.case("a random sample", hidden=True)
def _(latency_percentiles):
    latencies = np.random.default_rng(3).lognormal(2.5, 0.7, 537)
    _expect_percentiles(latency_percentiles(latencies.tolist()), latencies, "a random sample")
