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

What each case observes is plain data: the status codes (and error messages)
the app answered with your schema or /ready, the number your parity function
returned, the dict of percentiles. The judges compare them with what the
course expects: for parity, the gap the check measures itself between the
skewed server and the model; for percentiles,
`shipml.performance.latency.percentiles` (linear interpolation, as
np.percentile) or the nearest rank. The example and malformed requests live in `shipml.serving.requests`.
"""

from __future__ import annotations

import functools
import threading

import numpy as np

from shipml.course.checks import NotAttempted, WrongType, exercise, expect, expect_number, kind_of, to_number
from shipml.serving.requests import GOOD, bad_requests, send

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


_APP_TIMEOUT_S = 30  # the first case imports FastAPI and torch and builds an app: seconds on a busy machine

ex2 = exercise(
    "ch07-ex2",
    timeout_s=_APP_TIMEOUT_S,
    title="The request schema",
    hints=[
        "One field per input column, with its type: `amount: float`, `hour: int`, … and "
        "`model_config = ConfigDict(extra='forbid')` so an unknown field is refused.",
        "Ranges with `Field(gt=0)`, `Field(ge=0, le=23)`; categories with `Literal[MERCHANT_CATEGORIES]` "
        "(a Literal of a tuple of strings) or an Enum.",
        "Countries: `Literal[tuple(COUNTRIES)]` for both `country` and `home_country`; account age `Field(ge=0)`.",
    ],
)


_GOOD_BODIES = {
    "the example request": GOOD,
    "hour 0, the smallest amount, a new account": {**GOOD, "hour": 0, "amount": 0.01, "account_age_days": 0},
    "hour 23, online, from the US": {**GOOD, "hour": 23, "channel": "online", "device": "web", "country": "US"},
    "a whole-number amount": {**GOOD, "amount": 12},
}


def _answer(response) -> tuple[int, str | None]:
    """(status code, the message of an error body or None): what the checks need of a response."""
    try:
        body = response.json()
    except ValueError:
        body = None
    message = body.get("message") if isinstance(body, dict) else None
    return int(response.status_code), (str(message) if message else None)


@ex2.case("accepts good requests, edge values included",
          hint="A good request must get 200: check the types (hour is an int, amount a float) and the field names.")
def observe_good(schema):
    with _schema_client(schema) as client:
        _wait_ready(client)
        seen = {name: send(client, body) for name, body in _GOOD_BODIES.items()}
        seen["a batch of two"] = send(client, {"transactions": [GOOD, {**GOOD, "hour": 3}]})
        return {name: (int(r.status_code), r.text[:200]) for name, r in seen.items()}


@observe_good.judge
def _(got):
    for name, (status, text) in got.items():
        if name == "a batch of two":
            expect(status == 200, f"A valid batch got {status}: {text}.")
        else:
            expect(status == 200, f"A valid request got {status}, not 200: {text}.")


@ex2.case("refuses every malformed request with 422 and a message, and keeps serving",
          hint="Each row of `bad_requests()` must be refused: which one got 200 says which rule is missing.")
def observe_bad(schema):
    with _schema_client(schema) as client:
        _wait_ready(client)
        answers = {name: _answer(send(client, body)) for name, (body, _) in bad_requests().items()}
        return {"requests": answers, "/health": int(client.get("/health").status_code)}


@observe_bad.judge
def _(got):
    accepted = []
    for name, (_, what) in bad_requests().items():
        status, message = got["requests"][name]
        if status == 200:
            accepted.append(f"{name} ({what})")
        else:
            expect(400 <= status < 500 and message, f"The {name} request got {status} without a message.")
    expect(not accepted, f"Your schema accepts malformed requests: {'; '.join(accepted)}.")
    expect(got["/health"] == 200, "/health stopped answering after the bad requests.")


# --- exercise 3: /ready -------------------------------------------------------------------------

ex3 = exercise(
    "ch07-ex3",
    timeout_s=_APP_TIMEOUT_S,
    title="The /ready logic",
    hints=[
        "Return a pair: a status code and a dict. `state.artifact` is None until the model has loaded.",
        "Loaded: `200, {'status': 'ready', 'model_version': state.artifact.version}`. Not yet: 503.",
        "When `state.error` is set the load failed: still 503, and put `state.error` in the body so an operator "
        "sees why.",
    ],
)

_REASON = "FileNotFoundError: models/v9 is not a model artifact"


def _pair(answer, what):
    """The learner's (status_code, body dict), or WrongType: what an observer hands on to the judge."""
    if not (isinstance(answer, tuple) and len(answer) == 2 and isinstance(answer[1], dict)):
        raise WrongType(f"Expected a pair (status_code, body dict) {what}, got {answer!r:.80}.")
    return answer


def _ready_case(name, hint, state, what, judgement):
    def observe(ready):
        from shipml.serving.app import ServerState

        kwargs = {"artifact": _artifact()} if state == "loaded" else {"error": _REASON} if state == "failed" else {}
        return _pair(ready(ServerState(**kwargs)), what)

    ex3.case(name, hint=hint, observe=observe, judge=lambda got: judgement(*got))


def _while_loading(status, body):
    expect(status == 503, f"While the model is loading, /ready must say 503 (not ready), not {status}.")


def _once_loaded(status, body):
    expect(status == 200, f"With the model loaded, /ready must say 200, not {status}.")
    expect(body.get("model_version") == "check-v1",
           f"The body should carry the loaded model's version 'check-v1' under 'model_version', got {body!r:.120}.")


def _after_failure(status, body):
    expect(status == 503, f"After a failed load, /ready must say 503, not {status}.")
    expect(_REASON in str(body), "After a failed load, the body should say why (include `state.error`).")


_ready_case("503 while the model is loading", "With `state.artifact` None, answer 503.", "loading",
            "while loading", _while_loading)
_ready_case("200 with the model version once loaded",
            "Put `state.artifact.version` in the body under 'model_version'.", "loaded", "once loaded", _once_loaded)
_ready_case("503 with the reason after a failed load",
            "A failed load sets `state.error`: answer 503 and include the error text in the body.", "failed",
            "after a failed load", _after_failure)


@ex3.case("in the app: 503 before the model loads, 200 after",
          hint="The app calls your function on every GET /ready; it must read the state each time.")
def observe_in_app(ready):
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
    return {"before": int(before), "after": int(after), "/health": int(health)}


@observe_in_app.judge
def _(got):
    expect(got["before"] == 503, f"Before the model loaded, GET /ready answered {got['before']}, not 503.")
    expect(got["after"] == 200, f"After the model loaded, GET /ready answered {got['after']}, not 200.")
    expect(got["/health"] == 200, "GET /health must answer 200 whatever the model.")


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


@functools.lru_cache(maxsize=1)
def _true_gap() -> float:
    """The largest difference between what the skewed server serves for the sample and the model's own scores."""
    from shipml.serving.app import to_requests

    artifact, df = _artifact(), _sample()
    with _client(artifact=_skewed(artifact)) as client:
        _wait_ready(client)
        served = np.asarray(client.post("/predict/batch", json={"transactions": to_requests(df)}).json()["scores"],
                            dtype=float)
    return float(np.max(np.abs(served - artifact.score(df))))


ex4 = exercise(
    "ch07-ex4",
    timeout_s=_APP_TIMEOUT_S,
    title="The parity test",
    hints=[
        "Send the sample with `client.post('/predict/batch', json={'transactions': to_requests(df)})`.",
        "The server's scores are `response.json()['scores']`; the in-process ones `artifact.score(df)`.",
        "Return `float(np.max(np.abs(np.asarray(served) - artifact.score(df))))`.",
    ],
)


def _gap_of(parity_gap, server_artifact):
    with _client(artifact=server_artifact) as client:
        _wait_ready(client)
        return parity_gap(client, _artifact(), _sample())


@ex4.case("a faithful server: the difference is (nearly) zero",
          hint="Compare the server's scores for the sample with `artifact.score(df)`, row by row.")
def observe_faithful(parity_gap):
    return _gap_of(parity_gap, _artifact())


@observe_faithful.judge
def _(gap):
    expect_number(gap, 0.0, tol=1e-5, what="the gap between a faithful server and the model")


@ex4.case("a skewed server: reports the largest difference",
          hint="Return the maximum of the absolute differences, not the mean, and not a True/False.")
def observe_skewed(parity_gap):
    return _gap_of(parity_gap, _skewed(_artifact()))


@observe_skewed.judge
def _(gap):
    expect_number(gap, _true_gap(), tol=1e-5, what="the largest score difference of a server with a skewed encoder")


# --- exercise 5: percentiles --------------------------------------------------------------------
# The reference: shipml.performance.latency.percentiles (linear interpolation, as np.percentile) or the nearest
# rank; either is accepted.


def _nearest_rank(values, q):
    ordered = np.sort(np.asarray(values, dtype=float))
    return float(ordered[max(int(np.ceil(q / 100 * len(ordered))) - 1, 0)])


def _expect_percentiles(got, latencies, label):
    from shipml.performance.latency import percentiles

    if not isinstance(got, dict):
        raise WrongType(f"Expected a dict with keys 'p50', 'p95' and 'p99', got {kind_of(got)}.")
    for key in ("p50", "p95", "p99"):
        expect(key in got, f"The result has no key {key!r}; it has {sorted(map(str, got))}.")
        q = int(key[1:])
        value = to_number(got[key], key)
        linear, nearest = percentiles(latencies, qs=(q,))[key], _nearest_rank(latencies, q)
        expect(abs(value - linear) < 1e-6 or abs(value - nearest) < 1e-6,
               f"{key} of {label} should be {linear:g} (linear interpolation, as np.percentile) "
               f"or {nearest:g} (nearest rank), not {value:g}.")


def _one_to_hundred():
    return list(range(1, 101))


def _slow_tail():
    rng = np.random.default_rng(7)
    latencies = np.concatenate([rng.uniform(5, 15, 970), rng.uniform(200, 400, 30)])
    rng.shuffle(latencies)
    return latencies.tolist()


def _single():
    return [42.0]


def _random_sample():
    return np.random.default_rng(3).lognormal(2.5, 0.7, 537).tolist()


ex5 = exercise(
    "ch07-ex5",
    title="p50, p95 and p99 from latencies",
    hints=[
        "Sort the latencies first: a percentile is about ranks, not about the order requests finished in.",
        "The p95 is the value below which 95 % of the latencies lie; `np.percentile(latencies, 95)`.",
        "Return `{'p50': ..., 'p95': ..., 'p99': ...}` with plain floats.",
    ],
)

for _name, _hint, _latencies, _label, _hidden in [
    ("1 ms to 100 ms", "For 1, 2, …, 100 the p50 is about 50 and the p95 about 95.", _one_to_hundred, "1 to 100 ms",
     False),
    ("unsorted latencies with a slow tail", "Sort the latencies before you take a rank.", _slow_tail,
     "a shuffled sample with a slow tail", False),
    ("a single request", "With one latency, every percentile is that latency.", _single, "a single latency", False),
    ("a random sample", None, _random_sample, "a random sample", True),
]:
    ex5.case(_name, hint=_hint, hidden=_hidden,
             observe=lambda fn, _latencies=_latencies: fn(_latencies()),
             judge=lambda got, _latencies=_latencies, _label=_label: _expect_percentiles(got, _latencies(), _label))
