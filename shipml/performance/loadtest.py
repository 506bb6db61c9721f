"""A small load test: N concurrent clients against a server on this machine (asyncio + httpx).

    from shipml.performance.loadtest import load_test
    result = load_test(server.url + "/predict", payloads, concurrency=16, max_requests=2000, max_seconds=20)
    result.rps, result.p95_ms, result.errors, result.rows_per_s   # a shipml.performance.latency.Latency, and more

Bounded twice: it stops after `max_requests` requests or `max_seconds`,
whichever comes first. Only loopback URLs (127.0.0.1, ::1, localhost) are
accepted: a load test aimed at someone else's server is an attack.
Each client sends its next request as soon as its last one is answered (a
closed loop), cycling through `payloads`. An error is a non-2xx status or a
failed request.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from shipml.performance.latency import Latency

__all__ = ["LoadResult", "load_test", "load_test_async"]

LOOPBACK = {"127.0.0.1", "::1", "localhost"}


@dataclass
class LoadResult(Latency):
    """What a load test measured: a Latency (one entry per request) with its errors, rows and concurrency."""

    errors: int = 0
    rows: int = 0  # rows answered: successful requests times the rows in each
    concurrency: int = 1
    error_examples: list = field(repr=False, default_factory=list)

    @property
    def requests(self) -> int:
        return self.n

    @property
    def rps(self) -> float:
        """Requests per second (answered or not)."""
        return self.n / self.seconds if self.seconds else 0.0

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    def summary(self) -> dict:
        return {"concurrency": self.concurrency, "requests": self.requests, "errors": self.errors,
                "seconds": round(self.seconds, 3), "rps": round(self.rps, 1), "rows_per_s": round(self.rows_per_s, 1),
                "p50_ms": round(self.p50_ms, 2), "p95_ms": round(self.p95_ms, 2), "p99_ms": round(self.p99_ms, 2)}


def _check_loopback(url: str) -> None:
    host = urlsplit(url).hostname
    if host not in LOOPBACK:
        raise ValueError(f"load_test only runs against this machine (127.0.0.1, ::1 or localhost), not {host!r}.")


async def load_test_async(url, payloads, *, concurrency: int = 16, max_requests: int = 2000,
                          max_seconds: float = 20.0, rows_per_request: int = 1) -> LoadResult:
    """The load test as a coroutine (for code that already runs an event loop)."""
    import httpx

    _check_loopback(url)
    if concurrency < 1 or max_requests < 1 or max_seconds <= 0:
        raise ValueError("concurrency and max_requests must be at least 1, and max_seconds positive.")
    payloads = list(payloads)
    if not payloads:
        raise ValueError("load_test needs at least one payload to send.")
    latencies, errors, examples = [], 0, []
    sent = 0
    deadline = time.perf_counter() + max_seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async def client_loop(client):
        nonlocal sent, errors
        while sent < max_requests and time.perf_counter() < deadline:
            payload = payloads[sent % len(payloads)]
            sent += 1
            started = time.perf_counter()
            try:
                response = await client.post(url, json=payload)
                ok = 200 <= response.status_code < 300
                problem = None if ok else f"{response.status_code}: {response.text[:200]}"
            except httpx.HTTPError as error:
                ok, problem = False, f"{type(error).__name__}: {error}"
            latencies.append(1000 * (time.perf_counter() - started))
            if not ok:
                errors += 1
                if len(examples) < 5:
                    examples.append(problem)

    async with httpx.AsyncClient(trust_env=False, limits=limits, timeout=10.0) as client:
        started = time.perf_counter()
        await asyncio.gather(*(client_loop(client) for _ in range(concurrency)))
        seconds = time.perf_counter() - started
    n = len(latencies)
    return LoadResult(latencies, seconds, items_per_call=rows_per_request, errors=errors,
                      rows=(n - errors) * rows_per_request, concurrency=concurrency, error_examples=examples)


def load_test(url, payloads, **kwargs) -> LoadResult:
    """Run the load test and return its result; works inside Jupyter, whose event loop is already running."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # a fresh event loop in its own thread
        return pool.submit(asyncio.run, load_test_async(url, payloads, **kwargs)).result()
