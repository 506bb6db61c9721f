"""Latency results: one type for what a benchmark and a load test measured, and the one `percentiles`.

    from shipml.performance.latency import Latency, percentiles
    percentiles([12.0, 15.0, 40.0])          # {"p50": ..., "p95": ..., "p99": ...} in the latencies' unit
    result = Latency(latencies_ms, seconds=2.0)
    result.p50_ms, result.p95_ms, result.p99_ms, result.mean_ms, result.n
    result.throughput, result.items_per_s    # calls (or requests) per second, and rows per second
    result.summary()                         # the numbers above as a dict

`shipml.performance.benchmark.benchmark`, `compare` and `open_loop` return a
`Latency`; `shipml.performance.loadtest.load_test` returns a `LoadResult`, a
`Latency` with the load test's errors and concurrency added. Percentiles use
linear interpolation between ranks (`np.percentile`'s default); a result with
no latency at all reports NaN rather than failing, so a load test in which
every request failed can still be printed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Latency", "percentiles"]


def percentiles(latencies, qs=(50, 95, 99)) -> dict:
    """p50, p95 and p99 of latencies (linear interpolation between ranks, as np.percentile)."""
    values = np.asarray(latencies, dtype=float)
    if values.size == 0:
        raise ValueError("percentiles needs at least one latency.")
    return {f"p{q}": float(np.percentile(values, q)) for q in qs}


@dataclass
class Latency:
    """One latency per call (or request), in milliseconds, over a run of `seconds` wall-clock seconds."""

    latencies_ms: np.ndarray = field(repr=False)  # as measured: an array (benchmark) or a list (load test)
    seconds: float
    items_per_call: int = 1  # rows in each call: a batch of 256 is 256 items

    @property
    def n(self) -> int:
        """How many calls were timed."""
        return len(self.latencies_ms)

    calls = n  # the benchmark's word for it

    def _percentile(self, name: str) -> float:
        return percentiles(self.latencies_ms)[name] if self.n else float("nan")

    @property
    def mean_ms(self) -> float:
        return float(np.mean(self.latencies_ms)) if self.n else float("nan")

    @property
    def p50_ms(self) -> float:
        return self._percentile("p50")

    @property
    def p95_ms(self) -> float:
        return self._percentile("p95")

    @property
    def p99_ms(self) -> float:
        return self._percentile("p99")

    @property
    def throughput(self) -> float:
        """Calls per second over the run."""
        if self.seconds > 0:
            return self.n / self.seconds
        return math.inf if self.n else 0.0

    @property
    def items_per_s(self) -> float:
        """Rows (or requests) per second: calls per second times the items in each call."""
        return self.throughput * self.items_per_call

    def summary(self) -> dict:
        return {"n": self.n, "p50_ms": self.p50_ms, "p95_ms": self.p95_ms, "p99_ms": self.p99_ms,
                "mean_ms": self.mean_ms, "throughput": self.throughput, "items_per_s": self.items_per_s}
