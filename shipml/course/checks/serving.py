"""Checks of chapter 7, "Packaging and serving": schema, /ready, parity, percentiles, export, rollback.

    from shipml.course.checks import run
    run("ch07-ex2", request_schema)        # the learner's request_schema() -> a pydantic model class
    run("ch07-ex3", ready)                 # the learner's ready(state) -> (status_code, body)
    run("ch07-ex4", parity_gap)            # the learner's parity_gap(client, artifact, df) -> max |difference|
    run("ch07-ex5", latency_percentiles)   # the learner's latency_percentiles(latencies) -> {"p50", "p95", "p99"}
    run("ch07-ex6", export_with_parity)    # (artifact, path, X, export) -> {"max_gap": ..., "ships": ...}
    run("ch07-ex7", rollback)              # (root, to_version, restart) -> the version the restarted server answers

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
np.percentile) or the nearest rank. The export is given exporters that
write an ONNX file of the model, faithfully or with its weights rounded to
half precision (built with `onnx.helper`, no tracing: instant); the judge
compares the gap and the verdict with the check's own measurement. The
rollback is given a root folder with v1 and v2 (v2 active) and a `restart`
that starts the app on the root, or (a stale server) keeps serving v2; the
judge reads the CURRENT file, what a fresh server answers, the version the
function returned (or that it raised) and the versions its servers answered,
from their request logs. The example and malformed requests live in
`shipml.serving.requests`.
"""

from __future__ import annotations

import functools
import threading

import numpy as np

from shipml.course.checks import NotAttempted, WrongType, exercise, expect, expect_number, kind_of, to_number
from shipml.serving.requests import BAD_FIELDS, GOOD, bad_requests, send

# --- a small artifact and apps around it -------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _artifact():
    import torch

    from shipml.serving.artifact import Artifact
    from shipml.data import transactions
    from shipml.modeling.mlp import FraudMLP
    from shipml.features.encoding import fit_encoder

    df = transactions(days=3, seed=11)
    encoder = fit_encoder(df)
    torch.manual_seed(0)
    model = FraudMLP(len(encoder.feature_names), width=8, depth=1).eval()
    return Artifact(model, encoder, "check-v1", "0" * 16)


@functools.lru_cache(maxsize=1)
def _sample():
    from shipml.data import transactions

    return transactions(days=1, seed=12)


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
        "The account: `account_id: str = Field(pattern=r'^acc\\d+$')`; the time: `timestamp: AwareDatetime` "
        "(pydantic's datetime that refuses a time without a UTC offset).",
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
            field = BAD_FIELDS[name]
            expect(field is None or f"{field}:" in message,
                   f"The message for the {name} request should name the field {field!r}: {message}")
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


# --- exercise 6: an export with a parity check ------------------------------------------------------------

EXPORT_TOLERANCE = 1e-5  # the chapter's: above it, the exported graph computes something else


def _onnx_bytes(model, half: bool = False) -> bytes:
    """A FraudMLP as ONNX built by hand (Gemm, Relu, ..., Squeeze): what export_onnx writes, without tracing.

    `half`: the weights rounded to float16 and back, the mistake of an exporter that halves the file.
    """
    from onnx import TensorProto, helper, numpy_helper

    linears = [layer for layer in model.net if layer.__class__.__name__ == "Linear"]
    nodes, inits, current = [], [], "X"
    for i, layer in enumerate(linears):
        weight, bias = layer.weight.detach().numpy(), layer.bias.detach().numpy()
        if half:
            weight, bias = weight.astype(np.float16).astype(np.float32), bias.astype(np.float16).astype(np.float32)
        inits += [numpy_helper.from_array(weight, f"w{i}"), numpy_helper.from_array(bias, f"b{i}")]
        nodes.append(helper.make_node("Gemm", [current, f"w{i}", f"b{i}"], [f"h{i}"], transB=1))
        current = f"h{i}"
        if i < len(linears) - 1:
            nodes.append(helper.make_node("Relu", [current], [f"r{i}"]))
            current = f"r{i}"
    inits.append(numpy_helper.from_array(np.array([1], dtype=np.int64), "axis"))
    nodes.append(helper.make_node("Squeeze", [current, "axis"], ["logit"]))
    inputs = [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["batch", linears[0].in_features])]
    outputs = [helper.make_tensor_value_info("logit", TensorProto.FLOAT, ["batch"])]
    graph = helper.make_graph(nodes, "fraud_mlp", inputs, outputs, inits)
    built = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    built.ir_version = 8
    return built.SerializeToString()


@functools.lru_cache(maxsize=2)
def _export_bytes(half: bool) -> bytes:
    return _onnx_bytes(_artifact().model, half=half)


def _exporter(half: bool):
    """An `export(artifact, path)` as the learner's function receives it: writes the ONNX file, returns the path."""
    from pathlib import Path

    def export(artifact, path, program=None):
        path = Path(path)
        path.write_bytes(_export_bytes(half))
        return path

    return export


def _export_rows():
    return _artifact().encoder.transform(_sample().head(400))


def _true_export_gap(half: bool) -> float:
    """The check's own measurement: the largest |ONNX Runtime - eager| of that export on the rows."""
    import tempfile
    from pathlib import Path

    from shipml.modeling.mlp import predict_scores
    from shipml.serving.artifact import onnx_scores

    with tempfile.TemporaryDirectory() as folder:
        path = _exporter(half)(None, Path(folder) / "model.onnx")
        X = _export_rows()
        return float(np.max(np.abs(onnx_scores(path, X) - predict_scores(_artifact().model, X))))


def _observe_export(export_with_parity, half: bool):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.onnx"
        answer = export_with_parity(_artifact(), path, _export_rows(), _exporter(half))
        written = path.exists() and path.stat().st_size > 0
    if not isinstance(answer, dict):
        raise WrongType(f"Expected a dict {{'max_gap': ..., 'ships': ...}}, got {kind_of(answer)}.")
    for key in ("max_gap", "ships"):
        if key not in answer:
            raise WrongType(f"The result has no key {key!r}; it has {sorted(map(str, answer))}.")
    ships = answer["ships"]
    return {"max_gap": to_number(answer["max_gap"], "max_gap"), "ships": bool(ships) if isinstance(
        ships, (bool, np.bool_)) else repr(ships)[:40], "written": bool(written), "true_gap": _true_export_gap(half)}


def _judge_export(got, should_ship: bool):
    expect(got["written"], "No ONNX file at `path`: call `export(artifact, path)` to write one, then score with it.")
    expect(isinstance(got["ships"], bool), f"'ships' should be True or False, not {got['ships']}.")
    expect(abs(got["max_gap"] - got["true_gap"]) < 1e-6,
           f"The largest |ONNX Runtime - eager| on these rows is {got['true_gap']:.2e}, but max_gap says "
           f"{got['max_gap']:.2e}: score X with onnx_scores(path, X) and with the model, and take the maximum.")
    if should_ship:
        expect(got["ships"], f"A gap of {got['true_gap']:.1e} is below the tolerance {EXPORT_TOLERANCE:g}: it ships.")
    else:
        expect(not got["ships"], f"This export differs from eager PyTorch by up to {got['true_gap']:.1e}, above the "
                                 f"tolerance {EXPORT_TOLERANCE:g}: it must not ship. Compare with EXPORT_TOLERANCE.")


ex6 = exercise(
    "ch07-ex6",
    timeout_s=_APP_TIMEOUT_S,
    title="An export with a parity check",
    hints=[
        "Write the file with `export(artifact, path)`, then score `X` twice: `onnx_scores(path, X)` (ONNX Runtime) "
        "and `predict_scores(artifact.model, X)` (eager PyTorch).",
        "`max_gap` is the largest absolute difference of the two, a float; it ships only if it is within "
        "`EXPORT_TOLERANCE`.",
        "`return {'max_gap': gap, 'ships': gap <= EXPORT_TOLERANCE}`, with gap = "
        "`float(np.max(np.abs(onnx - eager)))`.",
    ],
)


@ex6.case("a faithful export: the gap measured, and it ships",
          hint="Measure the gap on the ONNX file your `export` call wrote, with ONNX Runtime.")
def observe_faithful_export(export_with_parity):
    return _observe_export(export_with_parity, half=False)


@observe_faithful_export.judge
def _(got):
    _judge_export(got, should_ship=True)


@ex6.case("an export with half-precision weights: refused",
          hint="A gap of a few 1e-5 looks small, but it is above the tolerance: the graph computes something else.")
def observe_lossy_export(export_with_parity):
    return _observe_export(export_with_parity, half=True)


@observe_lossy_export.judge
def _(got):
    _judge_export(got, should_ship=False)


# --- exercise 7: a rollback verified by the version in the responses --------------------------------------


def _models_root(folder):
    """v1 and v2 of the check's small model in `folder`, v2 active: a release to roll back."""
    from shipml.serving.artifact import activate, save_artifact

    artifact = _artifact()
    for version in ("v1", "v2"):
        save_artifact(folder / version, artifact.model, artifact.encoder, version=version, training_data_hash="0" * 16)
    activate(folder, "v2")
    return folder


def _versions_answered(log_file) -> list:
    import json
    from pathlib import Path

    if not Path(log_file).exists():
        return []
    lines = [json.loads(line) for line in Path(log_file).read_text().splitlines() if line.strip()]
    return [line.get("model_version") for line in lines if line.get("event") == "request" and line.get("status") == 200]


def _observe_rollback(rollback, stale: bool):
    import contextlib
    import tempfile
    from pathlib import Path

    from shipml.serving.app import create_app, in_process_client
    from shipml.serving.artifact import current_version

    with tempfile.TemporaryDirectory() as folder, contextlib.ExitStack() as servers:
        root = _models_root(Path(folder))
        logs = []

        def restart(path):
            """Start the server on `path` (the root) and return a client to it, ready."""
            logs.append(Path(folder) / f"server{len(logs)}.jsonl")
            # A stale server keeps the version it was deployed with, whatever CURRENT says.
            client = servers.enter_context(in_process_client(
                create_app(Path(path) / "v2" if stale else path, log_file=logs[-1])))
            _wait_ready(client)
            return client

        try:
            returned = rollback(root, "v1", restart)
            outcome = {"returned": str(returned)}
        except NotAttempted:
            raise
        except Exception as error:  # refusing a rollback that did not happen is a right answer
            outcome = {"raised": f"{type(error).__name__}: {error}"[:200]}
        current = current_version(root)
        servers.close()  # the learner's servers shut down, their request logs complete
        with in_process_client(create_app(root, log_file="/dev/null")) as fresh:
            _wait_ready(fresh)
            fresh_version = fresh.post("/predict", json=GOOD).json().get("model_version")
        return {**outcome, "CURRENT": current, "restarts": len(logs), "fresh server": fresh_version,
                "versions answered": [v for log in logs for v in _versions_answered(log)]}


ex7 = exercise(
    "ch07-ex7",
    timeout_s=_APP_TIMEOUT_S,
    title="A rollback verified by the responses",
    hints=[
        "Three steps: switch the active version (`activate(root, to_version)`), restart the server "
        "(`client = restart(root)`), and ask it (`client.post('/predict', json=GOOD)`).",
        "The proof is the `model_version` in the response, not the CURRENT file: a server that did not pick the "
        "switch up still answers with the old version.",
        "If the answer's version is not `to_version`, raise an error (the rollback failed); else return it.",
    ],
)


@ex7.case("from v2 to v1: CURRENT names v1 and the restarted server answers v1",
          hint="Switch first, then restart, then read `model_version` from a response of the restarted server.")
def observe_rollback(rollback):
    return _observe_rollback(rollback, stale=False)


@observe_rollback.judge
def _(got):
    expect(got["CURRENT"] == "v1", f"After the rollback CURRENT names {got['CURRENT']!r}, not 'v1'.")
    expect("raised" not in got, f"The rollback worked, but your function raised {got.get('raised')}.")
    expect(got["restarts"] > 0, "The running servers still have v2 loaded: restart the server with `restart(root)`.")
    expect("v1" in got["versions answered"],
           "No response from the restarted server said 'v1': verify the rollback by the model_version of a "
           f"response (the restarted servers answered {got['versions answered'] or 'nothing'}).")
    expect(got["returned"] == "v1", f"Your function returned {got['returned']!r}, but the server now answers 'v1'; "
                                    "a response still showing the new version means you asked before the switch.")
    expect(got["fresh server"] == "v1", f"A server started on the root now answers {got['fresh server']!r}.")


@ex7.case("a restarted server that still serves v2: the rollback is not reported done",
          hint="Compare the version in the response with `to_version`; if they differ, raise instead of returning.")
def observe_stale_rollback(rollback):
    return _observe_rollback(rollback, stale=True)


@observe_stale_rollback.judge
def _(got):
    expect("v2" in got["versions answered"] or "raised" in got,
           "Ask the restarted server for its version: a rollback is verified by a response.")
    expect(got.get("returned") != "v1",
           "The restarted server still answers 'v2', yet your function reported the rollback to 'v1' as done: "
           "compare the response's model_version with `to_version` and raise when they differ.")
