"""Benchmarks: warm-up untimed, percentiles of the timed calls, throughput, queueing under load, profiles."""

import time

import numpy as np
import pytest

from shipml.performance.benchmark import batch_size_curve, benchmark, model_rows_per_s, open_loop, profile_shares

pytestmark = pytest.mark.timing  # measured times: run alone (make test-unit)


def busy(ms):
    end = time.perf_counter() + ms / 1e3
    while time.perf_counter() < end:
        pass


def test_is_the_warm_up_called_but_not_timed():
    calls = []

    def fn(x):
        calls.append(x)
        busy(20 if len(calls) <= 3 else 0.2)  # three slow cold calls

    result = benchmark(fn, [1, 2, 3], warmup=3, repeats=50)
    assert len(calls) == 53 and calls[:5] == [1, 2, 3, 1, 2]  # inputs cycled in order
    assert result.calls == 50 and result.p99_ms < 10


def test_do_percentiles_show_a_rare_slow_call_that_the_median_hides():
    count = iter(range(10_000))
    result = benchmark(lambda _: busy(8 if next(count) % 25 == 0 else 0.1), [None], warmup=0, repeats=100)
    assert result.p50_ms < 2 and result.p99_ms > 6
    assert result.p50_ms < result.mean_ms  # the mean is pulled up by the slow calls


def test_is_throughput_calls_per_timed_second():
    result = benchmark(lambda _: busy(1), [None], warmup=2, repeats=40, items_per_call=10)
    assert result.throughput == pytest.approx(40 / result.seconds)
    assert 300 < result.throughput <= 1000 and result.items_per_s == pytest.approx(10 * result.throughput)


@pytest.mark.parametrize("kwargs, message", [({"warmup": -1}, "warmup"), ({"repeats": 0}, "repeats"),
                                             ({"repeats": 2.5}, "repeats")])
def test_are_bad_arguments_refused_with_a_sentence(kwargs, message):
    with pytest.raises(ValueError, match=message):
        benchmark(lambda x: x, [1], **kwargs)
    with pytest.raises(ValueError, match="at least one input"):
        benchmark(lambda x: x, [])


def test_does_a_larger_batch_score_more_rows_per_second():
    X = np.ones((256, 4), dtype=np.float32)
    curve = batch_size_curve(lambda batch: (busy(0.2), batch.sum()), X, [1, 64, 256], min_seconds=0.01)
    assert list(curve.batch_size) == [1, 64, 256]
    assert curve.rows_per_s.iloc[-1] > 20 * curve.rows_per_s.iloc[0]
    with pytest.raises(ValueError, match="between 1 and the 256 rows"):
        batch_size_curve(lambda b: b, X, [512])


def test_does_the_open_loop_count_the_wait_in_line():
    # service 1 ms: at 200 requests/s (20 % busy) little waiting; at 900/s (90 % busy) a queue builds.
    light = open_loop(lambda _: busy(1), [None], rate_per_s=200, n=150, seed=0, warmup=0)
    heavy = open_loop(lambda _: busy(1), [None], rate_per_s=900, n=300, seed=0, warmup=0)
    assert light.p50_ms == pytest.approx(1.0, abs=0.5)
    assert heavy.p95_ms > 2 * light.p95_ms
    with pytest.raises(ValueError, match="rate_per_s"):
        open_loop(lambda _: None, [None], rate_per_s=0, n=1)


def test_does_the_profile_find_the_slow_step():
    def encode():
        busy(2)

    def model():
        busy(0.5)

    def request():
        encode()
        model()

    profile = profile_shares(request, ["encode", "model"], repeats=20)
    assert profile.shares["encode"] == pytest.approx(0.8, abs=0.1)
    assert profile.shares["model"] == pytest.approx(0.2, abs=0.1)
    assert {"function", "calls", "cumulative_s", "share"} <= set(profile.top.columns)


def test_is_a_models_throughput_measured_on_the_cpu():
    from shipml.modeling.mlp import FraudMLP

    rows_per_s = model_rows_per_s(FraudMLP(8, width=16, depth=1), np.zeros((512, 8)), device="cpu", repeats=5)
    assert isinstance(rows_per_s, float) and rows_per_s > 1000


def test_does_a_noisy_neighbour_slow_a_benchmark_and_go_away():
    import os

    from shipml.performance.benchmark import noisy_neighbour

    work = [lambda _: busy(0.2)]
    quiet = benchmark(work[0], [None], warmup=2, repeats=300)
    before = os.sched_getaffinity(0)
    with noisy_neighbour() as shares_core:
        noisy = benchmark(work[0], [None], warmup=2, repeats=300)
    assert os.sched_getaffinity(0) == before  # restored
    if shares_core:
        assert noisy.throughput < 0.8 * quiet.throughput


def test_are_compared_functions_interleaved_and_each_timed_on_its_own():
    from shipml.performance.benchmark import compare

    order = []
    results = compare({"slow": lambda _: (order.append("slow"), busy(1.0)),
                       "fast": lambda _: (order.append("fast"), busy(0.25))}, [None], warmup=1, repeats=20, rounds=4)
    assert order[:2] == ["slow", "fast"]  # warm-up, one each
    timed = order[2:]
    assert timed[:5] == ["slow"] * 5 and timed[5:10] == ["fast"] * 5 and timed[10] == "slow"  # rounds alternate
    assert results["slow"].calls == results["fast"].calls == 20
    assert results["slow"].p50_ms / results["fast"].p50_ms == pytest.approx(4, rel=0.3)
    assert results["fast"].throughput == pytest.approx(20 / (results["fast"].latencies_ms.sum() / 1e3))
