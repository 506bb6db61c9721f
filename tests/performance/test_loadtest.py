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
