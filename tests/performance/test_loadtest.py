"""The load test: percentiles, bounded runs, loopback only, errors counted."""

import numpy as np
import pytest

from shipml.course.checks.serving import _artifact
from shipml.serving.requests import GOOD
from shipml.performance.latency import Latency, percentiles
from shipml.performance.loadtest import LoadResult, load_test


def test_are_percentiles_those_of_numpy():
    latencies = np.random.default_rng(0).lognormal(2, 0.5, 999)
    got = percentiles(latencies)
    assert got == {f"p{q}": pytest.approx(float(np.percentile(latencies, q))) for q in (50, 95, 99)}
    with pytest.raises(ValueError):
        percentiles([])


def test_is_a_load_result_a_latency_and_an_empty_one_printable():
    result = LoadResult([10.0, 20.0, 30.0, 40.0], 2.0, items_per_call=8, errors=1, rows=24, concurrency=2)
    assert isinstance(result, Latency) and result.requests == result.n == 4
    assert result.rps == result.throughput == 2.0 and result.rows_per_s == 12.0 and result.items_per_s == 16.0
    assert result.p50_ms == 25.0 and result.mean_ms == 25.0
    empty = LoadResult([], 1.0)
    assert np.isnan(empty.p95_ms) and empty.summary()["requests"] == 0


def test_is_a_non_loopback_target_refused():
    with pytest.raises(ValueError, match="only runs against this machine"):
        load_test("http://example.com/predict", [GOOD], max_requests=1)


def test_is_a_run_bounded_and_errors_counted(tmp_path):
    import socket
    import threading

    import uvicorn

    from shipml.serving.process import free_port
    from shipml.serving.app import create_app

    artifact = _artifact()
    app = create_app("unused", load=lambda path: artifact, log_file=tmp_path / "log.jsonl")
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        import time
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), 0.1).close()
                if app.state.model_state.artifact is not None:
                    break
            except OSError:
                pass
            time.sleep(0.02)
        url = f"http://127.0.0.1:{port}/predict"
        good = load_test(url, [GOOD], concurrency=4, max_requests=50)
        assert good.requests == 50 and good.errors == 0 and good.p95_ms > 0 and good.rps > 0
        bad = load_test(url, [{**GOOD, "hour": 99}], concurrency=2, max_requests=10)
        assert bad.errors == 10 and bad.rows == 0 and "422" in bad.error_examples[0]
        short = load_test(url, [GOOD], concurrency=2, max_requests=10**6, max_seconds=0.3)
        assert short.requests < 10**6 and short.seconds < 2
    finally:
        server.should_exit = True
        thread.join(10)


# --- the open loop: a constant arrival rate, latency from the scheduled send time ---------------------------


class _TinyServer:
    """An HTTP/1.1 server on a free loopback port that answers one request at a time, each after `delay_ms`.

    The delay blocks its event loop (as a model call blocks a single uvicorn worker), so requests that
    arrive while it is busy wait in line. Paths other than /ok answer 500.
    """

    def __init__(self, delay_ms: float):
        import asyncio
        import threading

        self.delay_s, self.loop = delay_ms / 1e3, asyncio.new_event_loop()
        started = threading.Event()

        async def handle(reader, writer):
            import time

            try:
                while True:
                    head = await reader.readuntil(b"\r\n\r\n")
                    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                                  if line.lower().startswith(b"content-length"))
                    await reader.readexactly(length)
                    time.sleep(self.delay_s)  # blocks the loop: one request at a time
                    ok = head.split(b" ")[1] == b"/ok"
                    body = b'{"score": 0.5}'
                    writer.write((b"HTTP/1.1 200 OK" if ok else b"HTTP/1.1 500 Internal Server Error")
                                 + b"\r\ncontent-type: application/json\r\ncontent-length: "
                                 + str(len(body)).encode() + b"\r\n\r\n" + body)
                    await writer.drain()
            except (asyncio.IncompleteReadError, ConnectionError):
                writer.close()

        async def main():
            self.server = await asyncio.start_server(handle, "127.0.0.1", 0)
            self.url = f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"
            started.set()

        def run():
            asyncio.set_event_loop(self.loop)
            self.loop.run_until_complete(main())
            self.loop.run_forever()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        started.wait(5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.loop.call_soon_threadsafe(self.server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def test_does_the_open_loop_send_on_schedule_and_measure_a_fast_server():
    from shipml.performance.loadtest import OpenLoopResult, open_loop_http

    with _TinyServer(delay_ms=1) as server:
        result = open_loop_http(server.url + "/ok", [GOOD], rate_per_s=100, seconds=0.5, connections=4)
    assert isinstance(result, OpenLoopResult) and result.requests == 50 and result.errors == 0
    assert 0.45 < result.seconds < 1.5 and result.rate_per_s == 100
    assert 1 <= result.p50_ms < 50  # a 1 ms server, well below its capacity of 1,000 requests/s
    assert result.summary()["rate_per_s"] == 100


def test_does_a_slow_server_show_its_latency_under_open_loop_but_not_closed_loop():
    from shipml.performance.loadtest import open_loop_http

    # 10 ms per request: 100 requests/s at most. Offered 200/s for 0.6 s, the line grows by 1 request every 10 ms.
    with _TinyServer(delay_ms=10) as server:
        closed = load_test(server.url + "/ok", [GOOD], concurrency=1, max_requests=40)
        opened = open_loop_http(server.url + "/ok", [GOOD], rate_per_s=200, seconds=0.6, connections=8)
    assert closed.errors == opened.errors == 0
    assert closed.p99_ms < 40  # the closed loop only ever waits for its own request
    assert opened.p99_ms > 200 and opened.p99_ms > 5 * closed.p99_ms  # the queue the open loop builds
    assert opened.achieved_rps < 0.75 * opened.rate_per_s


def test_are_open_loop_errors_counted_and_bad_arguments_refused():
    from shipml.performance.loadtest import open_loop_http

    with _TinyServer(delay_ms=0) as server:
        failed = open_loop_http(server.url + "/broken", [GOOD], rate_per_s=50, seconds=0.2, connections=2)
    assert failed.errors == failed.requests == 10 and failed.rows == 0 and "500" in failed.error_examples[0]
    with pytest.raises(ValueError, match="only runs against this machine"):
        open_loop_http("http://example.com/predict", [GOOD], rate_per_s=10, seconds=1)
    for bad in ({"rate_per_s": 0, "seconds": 1}, {"rate_per_s": 10, "seconds": -1},
                {"rate_per_s": 10, "seconds": 1, "connections": 0}):
        with pytest.raises(ValueError):
            open_loop_http("http://127.0.0.1:9/x", [GOOD], **bad)
    with pytest.raises(ValueError, match="at least one payload"):
        open_loop_http("http://127.0.0.1:9/x", [], rate_per_s=10, seconds=1)


def test_is_the_sustainable_rate_the_highest_passing_rate_below_the_first_failure():
    from shipml.performance.loadtest import OpenLoopResult, sustainable_rate

    def result(rate, p99, errors=0):
        return OpenLoopResult([p99] * 100, 1.0, errors=errors, rate_per_s=rate)

    assert sustainable_rate([result(400, 30), result(100, 5), result(200, 10)], slo_ms=50) == 400
    assert sustainable_rate([result(100, 5), result(200, 60), result(400, 20)], slo_ms=50) == 100  # no luck above
    assert sustainable_rate([result(100, 5), result(200, 10, errors=1)], slo_ms=50) == 100
    assert sustainable_rate([result(100, 80)], slo_ms=50) == 0.0
