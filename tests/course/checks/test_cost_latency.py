"""Chapter 8's checks: reference answers pass, untouched stubs are not attempted, a judge gets only plain data.

The typical wrong answers, each failing the case named for its mistake, are tabled in wrong_cost_latency.py."""

import math
import time

import numpy as np
import pandas as pd
import pytest

from shipml.course.checks import get_exercise, judge, observe, registered_ids, run
from shipml.course.checks.cost_latency import example_configs, reference_plan

IDS = ["ch08-ex2", "ch08-ex3", "ch08-ex4", "ch08-ex4b", "ch08-ex4c", "ch08-ex5", "ch08-ex6"]

# --- answers as a learner would write them ------------------------------------------------------


def _timed(fn, inputs, warmup, repeats, time_warmup=False):
    """(latencies in ms of the timed calls, seconds of the timed loop): the right loop, or one that times warm-up."""
    latencies, k = [], 0
    for _ in range(warmup):
        t0 = time.perf_counter()
        fn(inputs[k % len(inputs)])
        if time_warmup:
            latencies.append((time.perf_counter() - t0) * 1e3)
        k += 1
    started = time.perf_counter()
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn(inputs[k % len(inputs)])
        latencies.append((time.perf_counter() - t0) * 1e3)
        k += 1
    return np.array(latencies), time.perf_counter() - started


def _result(latencies_ms, throughput, p50=None, p95=None, p99=None):
    p = np.percentile(latencies_ms, [50, 95, 99])
    return {"p50_ms": float(p[0] if p50 is None else p50), "p95_ms": float(p[1] if p95 is None else p95),
            "p99_ms": float(p[2] if p99 is None else p99), "throughput": throughput}


def benchmark(fn, inputs, warmup, repeats):
    latencies, seconds = _timed(fn, inputs, warmup, repeats)
    return _result(latencies, repeats / seconds)


def benchmark_nearest_rank(fn, inputs, warmup, repeats):
    latencies, seconds = _timed(fn, inputs, warmup, repeats)
    ordered = np.sort(latencies)
    p = {q: float(ordered[max(math.ceil(q / 100 * len(ordered)) - 1, 0)]) for q in (50, 95, 99)}
    return {"p50_ms": p[50], "p95_ms": p[95], "p99_ms": p[99], "throughput": repeats / latencies.sum() * 1e3}


def shipml_perf(fn, inputs, warmup, repeats):
    from shipml.performance.benchmark import benchmark as reference

    result = reference(fn, inputs, warmup=warmup, repeats=repeats)
    return {k: result.summary()[k] for k in ("p50_ms", "p95_ms", "p99_ms", "throughput")}


def instances_needed(rps, rps_per_instance, headroom):
    return max(1, math.ceil(rps / (rps_per_instance * (1 - headroom))))


def instances_headroom_times_capacity(rps, rps_per_instance, headroom):
    return max(1, math.ceil(rps / (rps_per_instance * headroom)))


def monthly_cost(instances, hourly_price, hours_per_month=730):
    return instances * hourly_price * hours_per_month


def cost_per_million(monthly, rps, hours_per_month=730):
    return monthly / (rps * 3600 * hours_per_month) * 1_000_000


def per_million_without_seconds(monthly, rps, hours_per_month=730):
    return monthly / (rps * hours_per_month) * 1_000_000


def per_million_per_day(monthly, rps, hours_per_month=730):
    return monthly / (rps * 3600 * 24) * 1_000_000


def per_thousand(monthly, rps, hours_per_month=730):
    return monthly / (rps * 3600 * hours_per_month) * 1_000


def _smaller_is_better(df, minimize, maximize):
    return np.column_stack([df[c].to_numpy(float) for c in minimize] + [-df[c].to_numpy(float) for c in maximize])


def pareto_front(df, minimize=(), maximize=()):
    v = _smaller_is_better(df, minimize, maximize)
    dominated = [any((v[j] <= v[i]).all() and (v[j] < v[i]).any() for j in range(len(v))) for i in range(len(v))]
    return pd.Series([not d for d in dominated], index=df.index)


def following_day_cost(hourly_rps, rps_per_instance, hourly_price, headroom, minimum, hours_per_month=730):
    per_hour = [max(minimum, math.ceil(rate / (rps_per_instance * (1 - headroom)) - 1e-9)) for rate in hourly_rps]
    return sum(per_hour) * hourly_price * hours_per_month / 24


def front_as_list(df, minimize=(), maximize=()):
    return pareto_front(df, minimize, maximize).tolist()


def front_negating_in_place(df, minimize=(), maximize=()):
    for column in maximize:
        df[column] = -df[column]
    return pareto_front(df, minimize=list(minimize) + list(maximize))


def plan(configs, rps, slo_p95_ms, min_quality, price_factor=1.0, headroom=0.3):
    priced = configs.copy()
    priced["instances"] = [instances_needed(rps, r * v, headroom) for r, v in zip(priced.rps_per_vcpu, priced.vcpus)]
    priced["monthly_eur"] = [monthly_cost(n, p * price_factor) for n, p in zip(priced.instances, priced.eur_per_hour)]
    priced["on_front"] = pareto_front(priced, minimize=["p95_ms", "monthly_eur"], maximize=["pr_auc"])
    meets = priced[(priced.p95_ms <= slo_p95_ms) & (priced.pr_auc >= min_quality)]
    chosen = (meets.assign(q=-meets.pr_auc).sort_values(["monthly_eur", "q", "p95_ms"]).index[0] if len(meets)
              else None)
    return priced, chosen


def plan_in_place(configs, rps, slo_p95_ms, min_quality, price_factor=1.0, headroom=0.3):
    priced, chosen = plan(configs, rps, slo_p95_ms, min_quality, price_factor, headroom)
    for column in ("instances", "monthly_eur", "on_front"):
        configs[column] = priced[column]
    return priced, chosen


def stub(*args, **kwargs):
    ...


REFERENCES = {"ch08-ex2": benchmark, "ch08-ex3": instances_needed, "ch08-ex4": monthly_cost,
              "ch08-ex4b": cost_per_million, "ch08-ex4c": following_day_cost, "ch08-ex5": pareto_front,
              "ch08-ex6": plan}


# --- the tests ------------------------------------------------------------------------------------------


def test_chapter_eight_registers_its_checked_exercises():
    assert set(IDS) <= set(registered_ids())


@pytest.mark.parametrize("exercise_id", IDS)
def test_the_reference_answers_pass_every_check(exercise_id):
    result = run(exercise_id, REFERENCES[exercise_id], include_hidden=True)
    assert result.passed, result.summary()


@pytest.mark.parametrize("exercise_id, answer", [
    ("ch08-ex2", benchmark_nearest_rank), ("ch08-ex2", shipml_perf),
    ("ch08-ex6", reference_plan),
])
def test_other_right_answers_pass_too(exercise_id, answer):
    result = run(exercise_id, answer, include_hidden=True)
    assert result.passed, result.summary()


@pytest.mark.parametrize("exercise_id", IDS)
def test_an_untouched_stub_is_not_attempted(exercise_id):
    assert run(exercise_id, None).status == "not attempted"
    assert run(exercise_id, stub, include_hidden=True).status == "not attempted"


def test_headroom_times_capacity_fails_its_case_and_divides_by_zero_without_headroom():
    # rps_per_instance * headroom: 12 instances for an exact fit of 4, and a ZeroDivisionError at headroom 0,
    # which the checker reports as an error in the learner's code, naming the line.
    result = run("ch08-ex3", instances_headroom_times_capacity)
    by_name = {case.name: case for case in result.cases}
    exact_fit = by_name["an exact fit: 3,000 requests/s, 1,000 per instance, headroom 0.25 → 4"]
    assert exact_fit.status == "failed" and exact_fit.message.endswith("."), result.summary()
    no_headroom = by_name["no headroom: 2,500 requests/s, 1,000 per instance → 3"]
    assert no_headroom.status == "error" and "ZeroDivisionError" in no_headroom.message, result.summary()
    assert not result.passed


def test_a_slip_in_the_cost_per_million_is_named():
    messages = {wrong: run("ch08-ex4b", wrong).cases[0].message
                for wrong in (per_million_without_seconds, per_million_per_day, per_thousand)}
    assert "3,600 seconds of an hour" in messages[per_million_without_seconds]
    assert "hours of a day" in messages[per_million_per_day]
    assert "per thousand predictions" in messages[per_thousand]


def test_a_pareto_front_given_as_a_list_is_accepted_and_a_mutating_one_is_caught():
    assert run("ch08-ex5", front_as_list, include_hidden=True).passed
    result = run("ch08-ex5", front_negating_in_place)
    assert any("changed the table" in case.message for case in result.cases), result.summary()


def test_a_plan_that_changes_the_configurations_fails():
    result = run("ch08-ex6", plan_in_place)
    assert result.status == "failed"
    assert all("changed the configurations table" in c.message for c in result.cases), result.summary()


def test_a_plan_on_unwritten_exercises_is_not_attempted():
    def plan_on_stubs(configs, rps, slo_p95_ms, min_quality, price_factor=1.0, headroom=0.3):
        priced = configs.copy()
        priced["instances"] = [None] * len(priced)  # what a stubbed instances_needed gives
        priced["monthly_eur"] = [None] * len(priced)
        priced["on_front"] = None
        return priced, None

    result = run("ch08-ex6", plan_on_stubs)
    assert result.status == "not attempted", result.summary()
    assert "exercise 3" in result.cases[0].message


def test_a_benchmark_that_returns_a_number_or_raises_is_a_sentence():
    result = run("ch08-ex2", lambda fn, inputs, warmup, repeats: 2.0)
    assert result.status == "error" and "Expected a dict" in result.cases[0].message

    def crashes(fn, inputs, warmup, repeats):
        return {"p50_ms": 1 / 0}

    result = run("ch08-ex2", crashes)
    assert result.status == "error" and "ZeroDivisionError" in result.cases[0].message
    assert "Traceback" not in result.summary()


def test_the_example_configurations_are_those_the_cases_describe():
    priced, chosen = reference_plan(example_configs(), 100_000, 1.0, 0.1, 1.0, 0.5)
    assert chosen == "onnx"
    assert priced.instances.tolist() == [1, 10, 4, 5, 2, 2]
    assert priced.on_front.tolist() == [True, False, True, True, True, True]


@pytest.mark.parametrize("exercise_id", IDS)
def test_a_judge_gets_only_plain_data_and_passes_the_reference(exercise_id):
    seen = observe(exercise_id, REFERENCES[exercise_id], include_hidden=True)
    assert [o.status for o in seen] == ["observed"] * len(get_exercise(exercise_id).cases), seen
    assert judge(exercise_id, seen, include_hidden=True).passed


class Always(float):
    """A number that says it equals anything."""

    def __eq__(self, other):
        return True

    __hash__ = float.__hash__


def test_a_number_that_equals_anything_does_not_pass():
    assert not run("ch08-ex3", lambda rps, per, headroom: Always(0.5)).passed
    assert not run("ch08-ex4", lambda instances, price, hours=730: Always(-1.0)).passed
    assert not run("ch08-ex4b", lambda monthly, rps, hours=730: Always(0.0)).passed

    def plan_always(configs, rps, slo_p95_ms, min_quality, price_factor=1.0, headroom=0.3):
        priced, _ = plan(configs, rps, slo_p95_ms, min_quality, price_factor, headroom)
        priced["instances"] = [Always(0.0)] * len(priced)
        return priced, Always(0.0)

    result = run("ch08-ex6", plan_always)
    assert result.cases[0].status == "failed" and not result.passed, result.summary()
