"""Checks of chapter 13, "Infrastructure and distributed systems".

    from shipml.course.checks import run
    run("ch13-ex2", average_gradients)    # the learner's average_gradients(grads) -> grads, run on 2 (and 3) ranks
    run("ch13-ex3", replicas)             # the learner's replicas(rps, service_ms, headroom) -> an int
    run("ch13-ex4", gpu_cost_per_million) # the learner's gpu_cost_per_million(rows_per_s, eur_per_hour, utilisation)
    run("ch13-ex5", probes)               # the learner's probes(port) -> {"readinessProbe": ..., "livenessProbe": ...}

Exercise 2 runs the learner's function where it must run: in a real
two-process job. The observation writes the function's source to a file and
starts `shipml.distributed.ddp_worker` with torchrun on it (gloo on
loopback); each rank computes its shard's gradient of the fraud MLP and
passes it to the learner's function; the ranks' answers come back as arrays.
The judge compares them with the full-batch gradient it computes itself, in
one process. A hidden case runs three ranks. One launch serves all the cases
that need the same number of ranks (remembered by the function's source).

Exercise 5 builds the chapter's Deployment around the learner's probes and
judges it with the manifest tests: the Kubernetes schema (strictly, offline)
and `shipml.distributed.manifests.problems`.
"""

from __future__ import annotations

import ast
import functools
import inspect
import json
import math
import tempfile
import textwrap

import numpy as np

from shipml.course.checks import Failure, NotAttempted, WrongType, exercise, expect, expect_number, kind_of

# --- exercise 2: gradient averaging with all_reduce, in a two-process run ---------------------------------------

ROWS = 480  # one global batch, divisible by 2, 3 and 4 ranks: equal shards

ex2 = exercise(
    "ch13-ex2",
    title="Average the gradients over the ranks with all_reduce",
    hints=[
        "Every rank holds the gradient of its own shard. The gradient of the whole batch is their mean: the sum "
        "over the ranks, divided by the number of ranks.",
        "`dist.all_reduce(g, op=dist.ReduceOp.SUM)` replaces `g` on every rank by the sum over all ranks, in place; "
        "`dist.get_world_size()` is the number of ranks. Do not write 2: the same code runs on 64 GPUs.",
        "For each tensor g of grads: `dist.all_reduce(g, op=dist.ReduceOp.SUM)`, then `g /= dist.get_world_size()`; "
        "return grads.",
    ],
    timeout_s=120,
)


def _is_stub(source: str) -> bool:
    """True when the function's body is only a docstring and `...` or `pass` (the exercise's stub)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    function = next((n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))), None)
    if function is None:
        return False
    body = [n for n in function.body
            if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str))]
    return all(isinstance(n, ast.Pass) or (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)
                                           and n.value.value is Ellipsis) for n in body)


def _source_of(fn) -> str:
    fn = inspect.unwrap(fn)
    if not inspect.isfunction(fn):
        raise WrongType(f"average_gradients should be a function you define with def; yours is {kind_of(fn)}.")
    if fn.__name__ == "<lambda>":
        raise WrongType("average_gradients should be a function you define with def, not a lambda: the ranks "
                        "read its source.")
    try:
        source = textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError):
        raise Failure("The checker cannot read your function's source, which the ranks need: define it with def "
                      "in a notebook cell.") from None
    if _is_stub(source):
        raise NotAttempted("Not attempted yet: your function's body is still the stub.")
    return f"{source}\naverage_gradients = {fn.__name__}\n"


@functools.lru_cache(maxsize=8)
def _launch(source: str, nproc: int) -> dict:
    """Run the learner's averaging on `nproc` ranks; what each rank held before and after, as plain data."""
    from pathlib import Path

    from shipml.distributed.ddp_worker import prepare_data, read_results
    from shipml.distributed.launch import LaunchTimeout, RankFailed, run_ranks

    with tempfile.TemporaryDirectory(prefix="shipml-ch13-check-") as folder:
        folder = Path(folder)
        prepare_data(folder / "data", rows=ROWS)
        (folder / "out").mkdir()
        (folder / "learner.py").write_text(source)
        args = ["--data", folder / "data", "--out", folder / "out", "--mode", "grads", "--batch", ROWS,
                "--steps", 1, "--average", folder / "learner.py", "--pg-timeout", 20]
        try:
            run_ranks("shipml.distributed.ddp_worker", args, nproc=nproc, timeout_s=75)
        except LaunchTimeout:
            return {"failure": f"Your function did not finish on {nproc} ranks within 75 s: a collective that not "
                               f"every rank calls (or calls as often) waits forever."}
        except RankFailed as error:
            last = [line for line in str(error).splitlines() if line.strip()][-1][:300]
            return {"failure": f"A rank failed running your function on {nproc} ranks: {last.rstrip('.')}."}
        ranks = read_results(folder / "out")
    out = {"failure": None, "ranks": []}
    for rank in ranks:
        grads = rank["grads"]
        out["ranks"].append({"error": grads["error"],
                             "averaged": None if grads["averaged"] is None else [g.numpy() for g in grads["averaged"]],
                             "shapes": [list(g.shape) for g in grads["local"]]})
    return out


@functools.lru_cache(maxsize=1)
def _full_batch_gradient() -> tuple:
    """The gradient of the mean loss over the whole batch, in one process: what every rank should end with."""
    from shipml.distributed.ddp_worker import encoded_payments, global_batches, local_gradients, new_model

    X, y = encoded_payments(ROWS)
    Xb, yb = global_batches(X, y, ROWS)[0]
    return tuple(g.numpy() for g in local_gradients(new_model(X.shape[1]), Xb, yb))


def _observe_ranks(nproc):
    def observe(fn):
        result = _launch(_source_of(fn), nproc)
        if result["failure"]:
            raise Failure(result["failure"])
        return result

    return observe


def _averaged(got, nproc) -> list:
    for r, rank in enumerate(got["ranks"]):
        if rank["error"]:
            raise Failure(f"On rank {r} your function raised {rank['error'].rstrip('.')}.")
        if rank["averaged"] is None:
            raise Failure(f"On rank {r} your function returned None; return the list of averaged gradients.")
        if len(rank["averaged"]) != len(rank["shapes"]):
            raise Failure(f"On rank {r} your function returned {len(rank['averaged'])} tensors for "
                          f"{len(rank['shapes'])} gradients; return one averaged tensor per gradient, in order.")
        for i, (g, shape) in enumerate(zip(rank["averaged"], rank["shapes"])):
            if list(np.shape(g)) != shape:
                raise Failure(f"On rank {r} gradient {i} has the shape {list(np.shape(g))}; it should keep "
                              f"{shape}.")
    expect(len(got["ranks"]) == nproc, f"{nproc} ranks should have answered; {len(got['ranks'])} did.")
    return [rank["averaged"] for rank in got["ranks"]]


def _judge_same(got, nproc=2):
    per_rank = _averaged(got, nproc)
    for r in range(1, nproc):
        for i, (a, b) in enumerate(zip(per_rank[0], per_rank[r])):
            gap = float(np.max(np.abs(np.asarray(a) - np.asarray(b))))
            expect(gap <= 1e-6, f"Rank 0 and rank {r} end with different gradients (parameter {i} differs by "
                                f"{gap:.3g}): every rank must hold the same average, or their weights drift apart. "
                                f"all_reduce gives every rank the result; reduce gives it to one.")


def _judge_full_batch(got, nproc=2):
    per_rank = _averaged(got, nproc)
    want = _full_batch_gradient()
    for r, grads in enumerate(per_rank):
        for i, (g, w) in enumerate(zip(grads, want)):
            g = np.asarray(g, dtype=float)
            gap = float(np.max(np.abs(g - w)))
            if gap > 1e-5 + 1e-4 * float(np.max(np.abs(w))):
                ratio = float(np.sum(g * w) / max(np.sum(w * w), 1e-30))
                extra = (f" It is about {ratio:.2f} times the full-batch gradient: divide the sum by the number of "
                         f"ranks." if abs(ratio - round(ratio)) < 0.05 and round(ratio) >= 2 else "")
                raise Failure(f"On {nproc} ranks, rank {r}'s gradient {i} differs from the full-batch gradient by "
                              f"up to {gap:.3g}.{extra}")


ex2.case("every rank holds the same gradient",
         hint="Use all_reduce, which leaves the result on every rank, and call it on every rank for every tensor.",
         observe=_observe_ranks(2), judge=_judge_same)
ex2.case("the average equals the full-batch gradient on 2 ranks",
         hint="Sum over the ranks with ReduceOp.SUM and divide by dist.get_world_size(); not MAX, not the sum alone.",
         observe=_observe_ranks(2), judge=_judge_full_batch)
ex2.case("3 ranks: divide by the world size, not by 2", hidden=True,
         observe=_observe_ranks(3), judge=lambda got: (_judge_same(got, 3), _judge_full_batch(got, 3)))


# --- exercise 3: replicas from Little's law ------------------------------------------------------------------

ex3 = exercise(
    "ch13-ex3",
    title="Replicas from Little's law",
    hints=[
        "Little's law: the requests in service = arrival rate x time in service. With one request at a time per "
        "replica, that is the number of busy replicas: rps x service time, in seconds (service_ms / 1000).",
        "Keeping a share `headroom` free means each replica is planned at (1 - headroom) of its capacity: divide by "
        "(1 - headroom), do not multiply by (1 + headroom).",
        "`max(1, math.ceil(rps * service_ms / 1000 / (1 - headroom)))`: round up (2.1 replicas is 3), and at least "
        "one replica even without traffic.",
    ],
)


def _replicas_reference(rps, service_ms, headroom):
    from shipml.distributed.capacity import replicas_littles_law

    return replicas_littles_law(rps, service_ms, headroom)


def _replicas_case(name, hint, problems, hidden=False):
    def observe(fn):
        return [fn(rps, service_ms, headroom) for rps, service_ms, headroom, _ in problems]

    def judge(got):
        for value, (rps, service_ms, headroom, what) in zip(got, problems):
            want = _replicas_reference(rps, service_ms, headroom)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer, float, np.floating)):
                raise WrongType(f"replicas should return a whole number; it returns {kind_of(value)} {what}.")
            expect(float(value) == int(value) if math.isfinite(float(value)) else False,
                   f"Replicas come whole: yours is {value} {what}. Round up.")
            expect_number(float(value), want, tol=0, what=f"the replicas {what}")

    ex3.case(name, hint=hint, hidden=hidden, observe=observe, judge=judge)


_replicas_case("a hand-worked example",
               "1,000 requests a second of 2 ms each keep 2 replicas busy; at 70 % each (headroom 0.3): 2 / 0.7 = "
               "2.86, so 3.",
               [(1000, 2.0, 0.3, "for 1,000 requests/s of 2 ms with headroom 0.3")])
_replicas_case("headroom divides, it does not multiply",
               "Busy 10 replicas with half of each kept free: 10 / (1 - 0.5) = 20 replicas, not 10 x 1.5 = 15.",
               [(5000, 2.0, 0.5, "for 5,000 requests/s of 2 ms with headroom 0.5")])
_replicas_case("milliseconds are not seconds",
               "The service time is in milliseconds: 250 requests/s x 8 ms = 2 busy replicas, not 2,000.",
               [(250, 8.0, 0.0, "for 250 requests/s of 8 ms without headroom")])
_replicas_case("round up, and never below one",
               "2.2 busy replicas need 3 (rounding to 2 overloads them); no traffic still needs one replica running.",
               [(1100, 2.0, 0.0, "for 1,100 requests/s of 2 ms without headroom"),
                (0, 3.0, 0.3, "without traffic")])
_replicas_case("agrees with the reference on random cases", None,
               [(float(r), float(s), float(h), f"for {r:.0f} requests/s of {s:.2f} ms with headroom {h:.2f}")
                for r, s, h in zip(np.random.default_rng(13).uniform(10, 50_000, 6).round(),
                                   np.random.default_rng(14).uniform(0.3, 40, 6).round(2),
                                   np.random.default_rng(15).uniform(0, 0.6, 6).round(2))], hidden=True)


# --- exercise 4: a GPU's cost per million predictions ----------------------------------------------------------

ex4 = exercise(
    "ch13-ex4",
    title="A GPU's cost per million predictions",
    hints=[
        "An hour of the GPU costs eur_per_hour. In that hour it makes rows_per_s x 3,600 predictions while busy, "
        "and it is busy only `utilisation` of the time.",
        "Predictions an hour = rows_per_s x utilisation x 3,600. EUR per prediction = eur_per_hour / that.",
        "`eur_per_hour / (rows_per_s * utilisation * 3600) * 1e6`: an idle GPU is still paid for, so a lower "
        "utilisation makes each prediction dearer.",
    ],
)


def _cost_reference(rows_per_s, eur_per_hour, utilisation):
    from shipml.distributed.roofline import cost_per_million_predictions

    return cost_per_million_predictions(rows_per_s, eur_per_hour, utilisation)


def _cost_case(name, hint, problems, hidden=False):
    def observe(fn):
        return [fn(rows, price, util) for rows, price, util, _ in problems]

    def judge(got):
        for value, (rows, price, util, what) in zip(got, problems):
            expect_number(value, _cost_reference(rows, price, util), tol=1e-12, rtol=1e-6,
                          what=f"the EUR per million predictions {what}")

    ex4.case(name, hint=hint, hidden=hidden, observe=observe, judge=judge)


_cost_case("a hand-worked example",
           "1,000 predictions a second for 3.60 EUR an hour: 3.6 million predictions for 3.60 EUR, 1 EUR a million.",
           [(1000.0, 3.6, 1.0, "at 1,000 rows/s, 3.60 EUR/h, always busy")])
_cost_case("an idle GPU is still paid for",
           "Busy half of the time, the same GPU makes half the predictions for the same bill: 2 EUR a million, "
           "not 0.50.",
           [(1000.0, 3.6, 0.5, "at 1,000 rows/s, 3.60 EUR/h, busy 50 %")])
_cost_case("prices are per hour, throughput per second",
           "An hour has 3,600 seconds: 50,000 rows/s at 40 % is 72 million predictions an hour for 0.85 EUR.",
           [(50_000.0, 0.85, 0.4, "at 50,000 rows/s, 0.85 EUR/h, busy 40 %")])
_cost_case("agrees with the reference on random cases", None,
           [(float(r), float(p), float(u), f"at {r:.0f} rows/s, {p:.2f} EUR/h, busy {u:.0%}")
            for r, p, u in zip(np.random.default_rng(41).uniform(100, 2e6, 5).round(),
                               np.random.default_rng(42).uniform(0.2, 5, 5).round(2),
                               np.random.default_rng(43).uniform(0.05, 1, 5).round(2))], hidden=True)


# --- exercise 5: the Deployment's probes ---------------------------------------------------------------------

ex5 = exercise(
    "ch13-ex5",
    title="The readiness and liveness probes",
    hints=[
        "Readiness answers 'may this pod get traffic?': the server's GET /ready says 503 until the model is loaded. "
        "Liveness answers 'is the process alive, or should it be restarted?': GET /health.",
        "Each probe is a dict like {'httpGet': {'path': '/ready', 'port': port}, 'periodSeconds': 5}; numbers are "
        "numbers (5, not '5'), and the keys are spelled readinessProbe and livenessProbe.",
        "Give liveness time: initialDelaySeconds + periodSeconds x failureThreshold of at least 10 s, e.g. "
        "{'httpGet': {'path': '/health', 'port': port}, 'initialDelaySeconds': 10, 'periodSeconds': 10, "
        "'failureThreshold': 3}.",
    ],
)

_PORTS = (8000, 9000)


def _observe_probes(fn):
    out = []
    for port in _PORTS:
        got = fn(port)
        if not isinstance(got, dict):
            raise WrongType(f"probes should return a dict with readinessProbe and livenessProbe; it returns "
                            f"{kind_of(got)}.")
        try:
            out.append(json.loads(json.dumps(got)))
        except (TypeError, ValueError):
            raise WrongType("probes should return plain data (dicts, strings, numbers), as a manifest holds.") from None
    return out


def _docs(spec, port):
    from shipml.distributed.manifests import manifests

    return manifests({"version": "v1", "training_data_hash": "0" * 64}, port=port, probe_spec=spec)


def _judge_schema(got):
    from shipml.distributed.manifests import validate

    for spec, port in zip(got, _PORTS):
        found = validate(_docs(spec, port))
        expect(not found, f"With your probes the Deployment is not valid Kubernetes: {found[0] if found else ''}")


def _judge_paths(got):
    for spec, port in zip(got, _PORTS):
        for key, path in (("readinessProbe", "/ready"), ("livenessProbe", "/health")):
            probe = spec.get(key)
            expect(isinstance(probe, dict) and isinstance(probe.get("httpGet"), dict),
                   f"Your probes have no {key} with an httpGet (the key is spelled {key}).")
            asked = probe["httpGet"].get("path")
            expect(asked == path, f"Your {key} asks {asked!r}; it should ask {path}."
                   + (" A liveness probe on /ready restarts every pod that is still loading its model, again and "
                      "again." if key == "livenessProbe" and asked == "/ready" else ""))


def _judge_ports(got):
    from shipml.distributed.manifests import problems

    for spec, port in zip(got, _PORTS):
        found = [p for p in problems(_docs(spec, port)) if "port" in p]
        expect(not found, f"When the server listens on {port}: {found[0] if found else ''} Use the port given (or "
                          f"the container port's name, 'http').")


def _judge_patience(got):
    from shipml.distributed.manifests import problems

    for spec, port in zip(got, _PORTS):
        found = [p for p in problems(_docs(spec, port)) if "liveness probe restarts" in p]
        expect(not found, found[0] if found else "")
        ready = spec.get("readinessProbe", {})
        period = ready.get("periodSeconds", 10) if isinstance(ready, dict) else 10
        expect(isinstance(period, (int, float)) and not isinstance(period, bool),
               f"Your readiness probe's periodSeconds is {period!r}; write a number of seconds.")
        expect(period <= 10,
               f"Your readiness probe asks every {period} s: a pod would wait that long for traffic after it is "
               f"ready, and keep getting traffic that long after it stops being ready. Ask at most every 10 s.")


ex5.case("the Deployment is valid under the Kubernetes schema",
         hint="The schema is strict: keys spelled readinessProbe/livenessProbe and httpGet, numbers as numbers.",
         observe=_observe_probes, judge=_judge_schema)
ex5.case("readiness asks /ready, liveness asks /health",
         hint="Readiness: may it get traffic (/ready, 503 while loading). Liveness: is it alive (/health).",
         observe=_observe_probes, judge=_judge_paths)
ex5.case("the probes ask the port the server listens on",
         hint="Use the port argument (or the name 'http' of the container's port), not a number typed in.",
         observe=_observe_probes, judge=_judge_ports)
ex5.case("liveness is patient, readiness is prompt",
         hint="Liveness: initialDelaySeconds + periodSeconds x failureThreshold of at least 10 s. Readiness: "
              "periodSeconds of at most 10.",
         observe=_observe_probes, judge=_judge_patience)


def _judge_all_manifest_tests(got):
    from shipml.distributed.manifests import problems, validate

    for spec, port in zip(got, _PORTS):
        found = validate(_docs(spec, port)) + problems(_docs(spec, port))
        expect(not found, f"When the server listens on {port}: {found[0] if found else ''}")


ex5.case("the manifests pass every manifest test", hidden=True, observe=_observe_probes,
         judge=_judge_all_manifest_tests)
