"""Measuring latency and throughput honestly: warm-up, repeats, percentiles, ratios in one run.

    from shipml.performance.benchmark import benchmark, batch_size_curve, open_loop, profile_shares
    result = benchmark(score_one, requests, warmup=50, repeats=500)
    result.p50_ms, result.p95_ms, result.p99_ms, result.throughput   # a shipml.performance.latency.Latency
    curve = batch_size_curve(score_batch, X, [1, 16, 256])          # rows/s and ms per batch, one row each
    loaded = open_loop(score_one, requests, rate_per_s=20_000, n=10_000)  # latency with queueing, at a rate
    shares = profile_shares(lambda: score_one(request), ["encode", "run_model"], repeats=200)

`benchmark` calls `fn(inputs[i])` for `warmup` untimed calls (caches, lazy
initialisation, memory allocation) and then `repeats` timed ones, cycling
through `inputs`, each timed with `time.perf_counter`. One run measures
everything that is compared, so that the machine's mood (another process,
a frequency change) touches all of them alike: report ratios from one run.
"""

from __future__ import annotations

import cProfile
import contextlib
import gc
import os
import pstats
import select
import subprocess
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from shipml.performance.latency import Latency

__all__ = ["Profile", "batch_size_curve", "benchmark", "compare", "model_rows_per_s", "noisy_neighbour", "open_loop",
           "profile_shares"]


@contextlib.contextmanager
def _gc_paused():
    """No garbage collection inside the block: a collection during one call would be charged to that call."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _validated(inputs, warmup, repeats):
    inputs = list(inputs)
    if not inputs:
        raise ValueError("benchmark needs at least one input to call the function with.")
    if int(warmup) != warmup or warmup < 0:
        raise ValueError(f"warmup must be a whole number of calls, 0 or more; got {warmup!r}.")
    if int(repeats) != repeats or repeats < 1:
        raise ValueError(f"repeats must be a whole number of calls, at least 1; got {repeats!r}.")
    return inputs, int(warmup), int(repeats)


def benchmark(fn, inputs, *, warmup: int = 20, repeats: int = 200, items_per_call: int = 1) -> Latency:
    """Time `repeats` calls of `fn(input)` after `warmup` untimed ones, cycling through `inputs`.

    The garbage collector is paused while timing (a collection in the middle of
    one call would be charged to that call), and switched back on after.
    """
    inputs, warmup, repeats = _validated(inputs, warmup, repeats)
    for i in range(warmup):
        fn(inputs[i % len(inputs)])
    latencies = np.empty(repeats)
    clock = time.perf_counter
    with _gc_paused():
        started = clock()
        for i in range(repeats):
            x = inputs[(warmup + i) % len(inputs)]
            t0 = clock()
            fn(x)
            latencies[i] = clock() - t0
        seconds = clock() - started
    return Latency(latencies * 1e3, seconds, items_per_call)


def compare(fns: dict, inputs, *, warmup: int = 20, repeats: int = 200, rounds: int = 10) -> dict:
    """Benchmark several functions in one run, interleaved: {name: Latency}.

    The timed calls are split into `rounds`; in each round every function gets
    its share in turn, so a disturbance (another program, a frequency change)
    falls on all of them alike, and their ratios stay honest. A result's
    `seconds` is the sum of its own calls' times.
    """
    inputs, warmup, repeats = _validated(inputs, warmup, repeats)
    rounds = max(1, min(int(rounds), repeats))
    for fn in fns.values():
        for i in range(warmup):
            fn(inputs[i % len(inputs)])
    parts = {name: [] for name in fns}
    sizes = [repeats // rounds + (r < repeats % rounds) for r in range(rounds)]
    offset = warmup
    for size in sizes:
        for name, fn in fns.items():
            chunk = [inputs[(offset + i) % len(inputs)] for i in range(size)]
            parts[name].append(benchmark(fn, chunk, warmup=0, repeats=size).latencies_ms)
        offset += size
    results = {}
    for name, chunks in parts.items():
        latencies = np.concatenate(chunks)
        results[name] = Latency(latencies, float(latencies.sum()) / 1e3)
    return results


def batch_size_curve(score_batch, X, batch_sizes, *, min_seconds: float = 0.05, warmup: int = 3):
    """Rows per second and milliseconds per batch of `score_batch(X[:b])`, for each batch size b.

    Each size is timed for at least `min_seconds` (and at least 5 calls), so a
    large batch and a small one are measured with similar care.
    """
    import pandas as pd

    rows = []
    for size in batch_sizes:
        size = int(size)
        if size < 1 or size > len(X):
            raise ValueError(f"batch size {size} must be between 1 and the {len(X)} rows of X.")
        batch = X[:size]
        probe = benchmark(score_batch, [batch], warmup=warmup, repeats=5, items_per_call=size)
        repeats = max(5, int(min_seconds / max(probe.mean_ms / 1e3, 1e-7)))
        result = benchmark(score_batch, [batch], warmup=0, repeats=repeats, items_per_call=size)
        rows.append({"batch_size": size, "ms_per_batch": result.p50_ms, "p95_ms": result.p95_ms,
                     "rows_per_s": size / (result.p50_ms / 1e3)})
    return pd.DataFrame(rows)


def model_rows_per_s(model, X, *, device=None, warmup: int = 3, repeats: int = 20) -> float:
    """Rows per second of a PyTorch `model` on the batch `X`, on `device` (default: `shipml.device()`).

    On a GPU the work is asynchronous: each timed call waits for it to finish
    (`torch.cuda.synchronize`), or the benchmark would time only the launch.
    The batch is copied to the device once, before timing.
    """
    import torch

    import shipml

    device = shipml.device() if device is None else torch.device(device)
    model = model.to(device).eval()
    X_device = torch.as_tensor(np.asarray(X, dtype=np.float32)).to(device)

    def step(_):
        with torch.inference_mode():
            model(X_device)
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    result = benchmark(step, [None], warmup=warmup, repeats=repeats)
    return len(X_device) / (result.p50_ms / 1e3)


@contextlib.contextmanager
def noisy_neighbour():
    """Another program busy on this process's core while the block runs, as on a shared machine.

    On Linux this process and a busy child are pinned to one core, so they
    take turns on it; elsewhere (no `os.sched_setaffinity`) the child just
    runs, and may land on another core. Yields True when it shares the core.
    The child is stopped, and the affinity restored, when the block ends.
    """
    can_pin = hasattr(os, "sched_setaffinity")
    allowed = os.sched_getaffinity(0) if can_pin else None
    # The child says when it runs: Python's start-up can take longer than a fixed sleep on a busy machine.
    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdout.write('.'); sys.stdout.flush()\n"
                              "while True: pass"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL)
    try:
        if can_pin:
            core = {min(allowed)}
            os.sched_setaffinity(0, core)
            os.sched_setaffinity(child.pid, core)
        ready, _, _ = select.select([child.stdout], [], [], 10.0)
        if not ready:
            raise RuntimeError("the noisy neighbour did not start within 10 s")
        child.stdout.read(1)
        time.sleep(0.05)  # and is spinning
        yield can_pin
    finally:
        child.kill()
        child.wait()
        if can_pin:
            os.sched_setaffinity(0, allowed)


def open_loop(fn, inputs, *, rate_per_s: float, n: int, seed: int = 0, warmup: int = 20) -> Latency:
    """Latency of `fn` when requests arrive at random (Poisson) at `rate_per_s`, served one at a time.

    A request that arrives while the worker is busy waits in line: its latency
    is its wait plus its service time. This is what a server sees under load,
    and what a one-at-a-time `benchmark` does not show. The worker busy-waits
    between arrivals (a sleep is too coarse at microsecond gaps).
    """
    inputs, warmup, n = _validated(inputs, warmup, n)
    if not rate_per_s > 0:
        raise ValueError(f"rate_per_s must be a positive number of requests per second; got {rate_per_s!r}.")
    for i in range(warmup):
        fn(inputs[i % len(inputs)])
    arrivals = np.cumsum(np.random.default_rng(seed).exponential(1.0 / rate_per_s, size=n))
    latencies = np.empty(n)
    clock = time.perf_counter
    with _gc_paused():
        start = clock()
        for i in range(n):
            due = start + arrivals[i]
            while clock() < due:
                pass
            fn(inputs[i % len(inputs)])
            latencies[i] = clock() - due  # waiting in line + being served
        seconds = clock() - start
    return Latency(latencies * 1e3, seconds)


def _run_profiled(fn, repeats):
    for _ in range(repeats):
        fn()


@dataclass
class Profile:
    """Where `fn`'s time went: the share inside each named function, and the top functions by cumulative time."""

    shares: dict
    total_s: float
    top: object = field(repr=False)  # a DataFrame: function, calls, cumulative_s, share


def profile_shares(fn, names, *, repeats: int = 100, top: int = 8) -> Profile:
    """Profile `repeats` calls of `fn()` with cProfile; the share of the time spent inside each of `names`.

    A name matches a function of that name in any module; its cumulative time
    (the function and everything it calls) is divided by the total. The
    profiler slows every Python call down, so shares are what it shows, not
    absolute times.
    """
    import pandas as pd

    if int(repeats) != repeats or repeats < 1:
        raise ValueError(f"repeats must be a whole number of calls, at least 1; got {repeats!r}.")
    profiler = cProfile.Profile()
    profiler.runcall(_run_profiled, fn, int(repeats))
    stats = pstats.Stats(profiler).stats
    total = sum(row[3] for key, row in stats.items() if key[2] == "_run_profiled")
    shares = {name: sum(row[3] for key, row in stats.items() if key[2] == name) / total for name in names}
    rows = [{"function": f"{key[2]} ({key[0].rsplit('/', 1)[-1]}:{key[1]})", "calls": row[1],
             "cumulative_s": row[3], "share": row[3] / total}
            for key, row in stats.items() if key[2] not in {"_run_profiled", "<method 'disable' of '_lsprof.Profiler' objects>"}]
    table = pd.DataFrame(rows).sort_values("cumulative_s", ascending=False).head(top).reset_index(drop=True)
    return Profile(shares, total, table)
