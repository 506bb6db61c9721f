"""Chapter 8's typical wrong answers, each failing the case named for its mistake (see test_wrong_answers.py)."""

import math
import time

import numpy as np
import pandas as pd
from check_assertions import WrongAnswer
from test_cost_latency import (_result, _smaller_is_better, _timed, following_day_cost, front_negating_in_place,
                               pareto_front, per_million_per_day, per_million_without_seconds, per_thousand, plan)


def mean_for_percentiles(fn, inputs, warmup, repeats):
    latencies, seconds = _timed(fn, inputs, warmup, repeats)
    mean = latencies.mean()
    return _result(latencies, repeats / seconds, mean, mean, mean)


def max_for_p99(fn, inputs, warmup, repeats):
    latencies, seconds = _timed(fn, inputs, warmup, repeats)
    return _result(latencies, repeats / seconds, p99=latencies.max())


def times_the_warmup(fn, inputs, warmup, repeats):
    latencies, seconds = _timed(fn, inputs, warmup, repeats, time_warmup=True)
    return _result(latencies, repeats / seconds)


def no_warmup(fn, inputs, warmup, repeats):
    latencies, seconds = _timed(fn, inputs, 0, repeats)
    return _result(latencies, repeats / seconds)


def in_seconds(fn, inputs, warmup, repeats):
    latencies, seconds = _timed(fn, inputs, warmup, repeats)
    return _result(latencies / 1e3, repeats / seconds)


def throughput_with_warmup(fn, inputs, warmup, repeats):
    started = time.perf_counter()
    latencies, _ = _timed(fn, inputs, warmup, repeats)
    return _result(latencies, (warmup + repeats) / (time.perf_counter() - started))


def throughput_from_p50(fn, inputs, warmup, repeats):
    latencies, _ = _timed(fn, inputs, warmup, repeats)
    return _result(latencies, 1000 / np.percentile(latencies, 50))


def throughput_per_ms(fn, inputs, warmup, repeats):
    latencies, seconds = _timed(fn, inputs, warmup, repeats)
    return _result(latencies, repeats / (seconds * 1e3))


def instances_floor(rps, rps_per_instance, headroom):
    return max(1, math.floor(rps / (rps_per_instance * (1 - headroom))))


def instances_round(rps, rps_per_instance, headroom):
    return max(1, round(rps / (rps_per_instance * (1 - headroom))))


def instances_headroom_added_to_traffic(rps, rps_per_instance, headroom):
    return max(1, math.ceil(rps * (1 + headroom) / rps_per_instance))


def instances_without_minimum(rps, rps_per_instance, headroom):
    return math.ceil(rps / (rps_per_instance * (1 - headroom)))


def monthly_cost_per_day(instances, hourly_price, hours_per_month=730):
    return instances * hourly_price * 24


def monthly_cost_fixed_hours(instances, hourly_price, hours_per_month=730):
    return instances * hourly_price * 730


def per_million_fixed_hours(monthly, rps, hours_per_month=730):
    return monthly / (rps * 3600 * 730) * 1_000_000


def day_sized_for_the_peak(hourly_rps, rps_per_instance, hourly_price, headroom, minimum, hours_per_month=730):
    return following_day_cost([max(hourly_rps)] * len(hourly_rps), rps_per_instance, hourly_price, headroom, minimum,
                              hours_per_month)


def day_sized_for_the_mean(hourly_rps, rps_per_instance, hourly_price, headroom, minimum, hours_per_month=730):
    mean = sum(hourly_rps) / len(hourly_rps)
    return following_day_cost([mean] * len(hourly_rps), rps_per_instance, hourly_price, headroom, minimum,
                              hours_per_month)


def day_fractional_instances(hourly_rps, rps_per_instance, hourly_price, headroom, minimum, hours_per_month=730):
    per_hour = [max(minimum, rate / (rps_per_instance * (1 - headroom))) for rate in hourly_rps]
    return sum(per_hour) * hourly_price * hours_per_month / 24


def day_rounded_once(hourly_rps, rps_per_instance, hourly_price, headroom, minimum, hours_per_month=730):
    needed = sum(rate / (rps_per_instance * (1 - headroom)) for rate in hourly_rps)
    return max(minimum * len(hourly_rps), math.ceil(needed)) * hourly_price * hours_per_month / 24


def day_without_minimum(hourly_rps, rps_per_instance, hourly_price, headroom, minimum, hours_per_month=730):
    return following_day_cost(hourly_rps, rps_per_instance, hourly_price, headroom, 1, hours_per_month)


def day_thirty_days(hourly_rps, rps_per_instance, hourly_price, headroom, minimum, hours_per_month=730):
    return following_day_cost(hourly_rps, rps_per_instance, hourly_price, headroom, minimum, 30 * 24)


def day_priced_per_month(hourly_rps, rps_per_instance, hourly_price, headroom, minimum, hours_per_month=730):
    return following_day_cost(hourly_rps, rps_per_instance, hourly_price, headroom, minimum, 24) * hours_per_month


def front_dropping_ties(df, minimize=(), maximize=()):  # "at least as good on all" is not enough to dominate
    v = _smaller_is_better(df, minimize, maximize)
    dominated = [any((v[j] <= v[i]).all() for j in range(len(v)) if j != i) for i in range(len(v))]
    return pd.Series([not d for d in dominated], index=df.index)


def front_strictly_better_on_all(df, minimize=(), maximize=()):
    v = _smaller_is_better(df, minimize, maximize)
    dominated = [any((v[j] < v[i]).all() for j in range(len(v))) for i in range(len(v))]
    return pd.Series([not d for d in dominated], index=df.index)


def front_maximize_as_minimize(df, minimize=(), maximize=()):
    return pareto_front(df, minimize=list(minimize) + list(maximize))


def plan_ignoring_the_floor(configs, rps, slo_p95_ms, min_quality, price_factor=1.0, headroom=0.3):
    return plan(configs, rps, slo_p95_ms, 0.0, price_factor, headroom)


def plan_without_headroom(configs, rps, slo_p95_ms, min_quality, price_factor=1.0, headroom=0.3):
    return plan(configs, rps, slo_p95_ms, min_quality, price_factor, 0.0)


def plan_ignoring_price_factor(configs, rps, slo_p95_ms, min_quality, price_factor=1.0, headroom=0.3):
    return plan(configs, rps, slo_p95_ms, min_quality, 1.0, headroom)


def plan_choosing_the_fastest(configs, rps, slo_p95_ms, min_quality, price_factor=1.0, headroom=0.3):
    priced, _ = plan(configs, rps, slo_p95_ms, min_quality, price_factor, headroom)
    meets = priced[(priced.p95_ms <= slo_p95_ms) & (priced.pr_auc >= min_quality)]
    return priced, (meets.p95_ms.idxmin() if len(meets) else None)


def plan_breaking_ties_by_latency(configs, rps, slo_p95_ms, min_quality, price_factor=1.0, headroom=0.3):
    priced, _ = plan(configs, rps, slo_p95_ms, min_quality, price_factor, headroom)
    meets = priced[(priced.p95_ms <= slo_p95_ms) & (priced.pr_auc >= min_quality)]
    order = meets.sort_values(["monthly_eur", "p95_ms"])  # the faster, even when it is the worse model
    return priced, (order.index[0] if len(order) else None)


def plan_breaking_ties_by_quality_only(configs, rps, slo_p95_ms, min_quality, price_factor=1.0, headroom=0.3):
    priced, _ = plan(configs, rps, slo_p95_ms, min_quality, price_factor, headroom)
    meets = priced[(priced.p95_ms <= slo_p95_ms) & (priced.pr_auc >= min_quality)]
    order = meets.assign(q=-meets.pr_auc).sort_values(["monthly_eur", "q"], ascending=[True, True])
    return priced, (order.index[-1] if len(order) else None)  # among the tied, not the faster one


def plan_always_choosing(configs, rps, slo_p95_ms, min_quality, price_factor=1.0, headroom=0.3):
    priced, chosen = plan(configs, rps, slo_p95_ms, min_quality, price_factor, headroom)
    return priced, chosen if chosen is not None else priced.monthly_eur.idxmin()



WRONG_ANSWERS = [
    WrongAnswer("ch08-ex2", "the mean for every percentile", mean_for_percentiles,
                "a slow call in 50: the p99 shows it, the p50 does not"),
    WrongAnswer("ch08-ex2", "the maximum for the p99", max_for_p99,
                "one very slow call in 200: the p99 is not the maximum"),
    WrongAnswer("ch08-ex2", "times the warm-up calls too", times_the_warmup,
                "a cold start: slow first calls stay out of the timings when warmup covers them"),
    WrongAnswer("ch08-ex2", "no warm-up calls: too few calls", no_warmup,
                "fn is called warmup + repeats times, cycling through the inputs in order"),
    WrongAnswer("ch08-ex2", "no warm-up calls: the cold start is timed", no_warmup,
                "a cold start: slow first calls stay out of the timings when warmup covers them"),
    WrongAnswer("ch08-ex2", "latencies in seconds", in_seconds, "a 2 ms function: the latencies are in milliseconds"),
    WrongAnswer("ch08-ex2", "throughput counts the warm-up", throughput_with_warmup,
                "throughput: timed calls per second, without the warm-up"),
    WrongAnswer("ch08-ex2", "throughput as 1000 / p50", throughput_from_p50,
                "throughput: timed calls per second, without the warm-up"),
    WrongAnswer("ch08-ex2", "throughput per millisecond", throughput_per_ms,
                "throughput: timed calls per second, without the warm-up"),
    WrongAnswer("ch08-ex3", "rounds down", instances_floor, "a little more traffic rounds up: 3,001 requests/s → 5"),
    WrongAnswer("ch08-ex3", "rounds to the nearest", instances_round,
                "a little more traffic rounds up: 3,001 requests/s → 5"),
    WrongAnswer("ch08-ex3", "headroom added to the traffic", instances_headroom_added_to_traffic,
                "headroom is the share of each instance kept free: 7,000 requests/s → 10"),
    WrongAnswer("ch08-ex3", "no minimum of one instance", instances_without_minimum,
                "no traffic still needs one instance"),
    WrongAnswer("ch08-ex4", "the hours of a day", monthly_cost_per_day,
                "a month is 730 hours: one instance at 1 EUR/hour costs 730 EUR"),
    WrongAnswer("ch08-ex4", "a fixed 730 hours", monthly_cost_fixed_hours,
                "hours_per_month is used: a 31-day month is 744 hours"),
    WrongAnswer("ch08-ex4b", "no seconds in the hour", per_million_without_seconds,
                "a month of traffic is rps × 3,600 seconds × 730 hours"),
    WrongAnswer("ch08-ex4b", "the hours of a day", per_million_per_day,
                "a month of traffic is rps × 3,600 seconds × 730 hours"),
    WrongAnswer("ch08-ex4b", "per thousand predictions", per_thousand, "per million predictions, not per thousand"),
    WrongAnswer("ch08-ex4b", "a fixed 730 hours", per_million_fixed_hours,
                "hours_per_month is used: 744 hours in a 31-day month"),
    WrongAnswer("ch08-ex4c", "sized for the peak hour all day", day_sized_for_the_peak,
                "each hour its own fleet: 12 hours need 1 instance, 12 need 2 → 36 instance-hours a day"),
    WrongAnswer("ch08-ex4c", "sized for the mean rate all day", day_sized_for_the_mean,
                "each hour its own fleet: 12 hours need 1 instance, 12 need 2 → 36 instance-hours a day"),
    WrongAnswer("ch08-ex4c", "fractions of an instance", day_fractional_instances,
                "round up in every hour: 600 requests/s on 500 per instance is 2 instances each hour"),
    WrongAnswer("ch08-ex4c", "rounded up once for the day", day_rounded_once,
                "round up in every hour: 600 requests/s on 500 per instance is 2 instances each hour"),
    WrongAnswer("ch08-ex4c", "no minimum at night", day_without_minimum,
                "never fewer than the minimum: the night still runs 2 instances"),
    WrongAnswer("ch08-ex4c", "a month of 30 days", day_thirty_days,
                "a month is hours_per_month / 24 days of this day: 744 hours is 31 days"),
    WrongAnswer("ch08-ex4c", "each hour priced for a month", day_priced_per_month,
                "each hour its own fleet: 12 hours need 1 instance, 12 need 2 → 36 instance-hours a day"),
    WrongAnswer("ch08-ex5", "identical rows dominate each other", front_dropping_ties,
                "identical rows both stay on the frontier"),
    WrongAnswer("ch08-ex5", "dominating needs strictly better on all", front_strictly_better_on_all,
                "equal on one measure and worse on another is dominated"),
    WrongAnswer("ch08-ex5", "maximize columns minimized", front_maximize_as_minimize,
                "maximize: a higher PR-AUC is better"),
    WrongAnswer("ch08-ex5", "negates the maximize columns in place", front_negating_in_place,
                "maximize: a higher PR-AUC is better"),
    WrongAnswer("ch08-ex6", "no headroom", plan_without_headroom,
                "sizes every configuration for the traffic, with headroom"),
    WrongAnswer("ch08-ex6", "price_factor ignored", plan_ignoring_price_factor,
                "prices every configuration, price_factor included"),
    WrongAnswer("ch08-ex6", "the quality floor ignored", plan_ignoring_the_floor,
                "chooses the cheapest configuration that meets the SLO and the quality floor"),
    WrongAnswer("ch08-ex6", "the fastest rather than the cheapest", plan_choosing_the_fastest,
                "chooses the cheapest configuration that meets the SLO and the quality floor"),
    WrongAnswer("ch08-ex6", "a tie on cost goes to the faster", plan_breaking_ties_by_latency,
                "a tie on cost goes to the better model, then to the faster one"),
    WrongAnswer("ch08-ex6", "a tie on cost and quality not to the faster", plan_breaking_ties_by_quality_only,
                "a tie on cost goes to the better model, then to the faster one"),
    WrongAnswer("ch08-ex6", "always chooses something", plan_always_choosing,
                "no configuration meets the goal: chosen is None"),
]
