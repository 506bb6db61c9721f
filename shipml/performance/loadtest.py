"""Load tests against a server on this machine: closed loop (N clients) and open loop (a constant arrival rate).

    from shipml.performance.loadtest import load_test, open_loop_http, sustainable_rate
    result = load_test(server.url + "/predict", payloads, concurrency=16, max_requests=2000, max_seconds=20)
    result.rps, result.p95_ms, result.errors, result.rows_per_s   # a shipml.performance.latency.Latency, and more
    at_300 = open_loop_http(server.url + "/predict", payloads, rate_per_s=300, seconds=2)
    at_300.p99_ms, at_300.achieved_rps, at_300.send_lag_p99_ms
    sustainable_rate([at_100, at_300, at_900], slo_ms=50)          # the highest rate that met the SLO, no errors

Only loopback URLs (127.0.0.1, ::1, localhost) are accepted: a load test
aimed at someone else's server is an attack. An error is a non-2xx status, a
failed request or (open loop) no answer within `timeout_s`.

**Closed loop** (`load_test`): each of N clients sends its next request as
soon as its last one is answered, cycling through `payloads`; bounded by
`max_requests` or `max_seconds`. When the server slows down, the clients
slow down with it and send fewer requests: the test measures a server that
is never asked for more than it gives, so its percentiles hide the queue a
real burst would build (**coordinated omission**).

**Open loop** (`open_loop_http`): requests are sent on a schedule, one every
`1 / rate_per_s` seconds, whatever the server does, as payments arrive; each
latency is measured from the request's *scheduled* send time to its answer,
so a request that waited (for the server, or for the client itself to get
round to sending it) counts its wait. It keeps `connections` keep-alive HTTP/1.1
connections, opened before the clock starts; a request that finds them all
busy waits for one, and that wait counts too. It speaks minimal HTTP/1.1 over
asyncio streams (answers with a Content-Length, as uvicorn sends), which is
cheaper per request than a general client: on a small machine the client
shares the processors with the server it measures, so its own cost adds to
every latency (the measurement errs on the slow side). `send_lag_p99_ms`
says how late the client itself was: when it is large, the client, not the
server, is the bottleneck.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import math
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import numpy as np

from shipml.performance.latency import Latency

__all__ = ["LoadResult", "OpenLoopResult", "load_test", "load_test_async", "open_loop_http", "open_loop_http_async",
           "sustainable_rate"]

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


def _in_fresh_loop(coroutine):
    """Run a coroutine to its end; works inside Jupyter, whose event loop is already running."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # a fresh event loop in its own thread
        return pool.submit(asyncio.run, coroutine).result()


def load_test(url, payloads, **kwargs) -> LoadResult:
    """Run the closed-loop load test (`load_test_async`) and return its result."""
    return _in_fresh_loop(load_test_async(url, payloads, **kwargs))


# --- open loop: a constant arrival rate ----------------------------------------------------------------


@dataclass
class OpenLoopResult(LoadResult):
    """What an open-loop test measured: latencies from each request's scheduled send time, at `rate_per_s`."""

    rate_per_s: float = 0.0  # the offered rate: requests scheduled per second
    send_lag_ms: list = field(repr=False, default_factory=list)  # how late the client sent each request

    @property
    def achieved_rps(self) -> float:
        """Requests answered without error per second, over the run."""
        return (self.n - self.errors) / self.seconds if self.seconds else 0.0

    @property
    def send_lag_p99_ms(self) -> float:
        return float(np.percentile(self.send_lag_ms, 99)) if len(self.send_lag_ms) else float("nan")

    def summary(self) -> dict:
        return {"rate_per_s": round(self.rate_per_s, 1), **super().summary(),
                "achieved_rps": round(self.achieved_rps, 1), "send_lag_p99_ms": round(self.send_lag_p99_ms, 2)}


async def _read_response(reader) -> tuple[int, bool]:
    """One HTTP/1.1 response: its status, and whether the server keeps the connection open."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip().lower()
    if "content-length" not in headers:
        raise ValueError("open_loop_http reads answers with a Content-Length only (as uvicorn sends); "
                         "this server sent none.")
    await reader.readexactly(int(headers["content-length"]))
    return status, headers.get("connection") != "close"


async def open_loop_http_async(url, payloads, *, rate_per_s: float, seconds: float, connections: int = 32,
                               timeout_s: float = 5.0, rows_per_request: int = 1) -> OpenLoopResult:
    """The open-loop test as a coroutine: POST `payloads` (cycled) to `url` at `rate_per_s` for `seconds`."""
    _check_loopback(url)
    rate_per_s, seconds = float(rate_per_s), float(seconds)
    if not (math.isfinite(rate_per_s) and rate_per_s > 0 and math.isfinite(seconds) and seconds > 0):
        raise ValueError(f"rate_per_s and seconds must be positive numbers; got {rate_per_s!r} and {seconds!r}.")
    if int(connections) != connections or connections < 1 or not timeout_s > 0:
        raise ValueError("connections must be a whole number, at least 1, and timeout_s positive.")
    payloads = list(payloads)
    if not payloads:
        raise ValueError("open_loop_http needs at least one payload to send.")
    parts = urlsplit(url)
    host, port, path = parts.hostname, parts.port or 80, parts.path or "/"
    messages = []
    for payload in payloads:
        body = json.dumps(payload).encode()
        messages.append(f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
                        f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
    n = max(1, int(round(rate_per_s * seconds)))
    latencies, lags = np.full(n, np.nan), np.full(n, np.nan)
    errors, examples = 0, []
    idle: asyncio.Queue = asyncio.Queue()

    async def connect():
        return await asyncio.open_connection(host, port)

    for _ in range(int(connections)):  # opened before the clock starts: set-up is not a request's latency
        idle.put_nowait(await connect())
    clock = time.perf_counter

    async def send(i: int, due: float):
        nonlocal errors
        lags[i] = clock() - due
        reader, writer = await idle.get()
        keep, problem = False, None
        try:
            writer.write(messages[i % len(messages)])
            status, keep = await asyncio.wait_for(_read_response(reader), timeout_s)
            if not 200 <= status < 300:
                problem = f"HTTP {status}"
        except asyncio.TimeoutError:
            problem = f"no answer within {timeout_s:g} s"
        except (OSError, asyncio.IncompleteReadError, ValueError) as error:
            problem = f"{type(error).__name__}: {error}"
        latencies[i] = clock() - due
        if problem is not None:
            errors += 1
            if len(examples) < 5:
                examples.append(problem)
        if keep and problem is None:
            idle.put_nowait((reader, writer))
        else:  # a connection in an unknown state is replaced, not reused
            writer.close()
            try:
                idle.put_nowait(await connect())
            except OSError as error:
                examples.append(f"could not reconnect: {error}")

    tasks = []
    start = clock()
    for i in range(n):
        due = start + i / rate_per_s
        delay = due - clock()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(send(i, due)))
    await asyncio.gather(*tasks)
    elapsed = clock() - start
    while not idle.empty():
        idle.get_nowait()[1].close()
    return OpenLoopResult(list(latencies * 1e3), elapsed, items_per_call=rows_per_request, errors=errors,
                          rows=(n - errors) * rows_per_request, concurrency=int(connections),
                          error_examples=examples, rate_per_s=rate_per_s, send_lag_ms=list(lags * 1e3))


def open_loop_http(url, payloads, **kwargs) -> OpenLoopResult:
    """Run the open-loop test (`open_loop_http_async`) and return its result."""
    return _in_fresh_loop(open_loop_http_async(url, payloads, **kwargs))


def sustainable_rate(results, *, slo_ms: float, quantile: str = "p99_ms") -> float:
    """The highest offered rate among open-loop `results` answered with no error and `quantile` within `slo_ms`.

    Rates above a failed one do not count: a server that misses at 400/s
    and passes at 800/s by luck is not trusted at 800/s. Returns 0.0 when even
    the lowest rate fails.
    """
    best = 0.0
    for result in sorted(results, key=lambda r: r.rate_per_s):
        if result.errors or not getattr(result, quantile) <= slo_ms:
            break
        best = result.rate_per_s
    return best
