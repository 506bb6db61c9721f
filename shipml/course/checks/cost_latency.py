"""Checks of chapter 8, "Cost and latency trade-offs": measure, size, price, compare, choose.

    from shipml.course.checks import run
    run("ch08-ex2", benchmark)          # the learner's benchmark(fn, inputs, warmup, repeats) -> dict
    run("ch08-ex3", instances_needed)   # instances_needed(rps, rps_per_instance, headroom) -> int
    run("ch08-ex4", monthly_cost)       # monthly_cost(instances, hourly_price, hours_per_month=730) -> EUR
    run("ch08-ex4b", cost_per_million)  # cost_per_million(monthly, rps, hours_per_month=730) -> EUR
    run("ch08-ex4c", following_day_cost)  # following_day_cost(hourly_rps, rps_per_instance, hourly_price, headroom,
                                          #                    minimum, hours_per_month=730) -> EUR a month
    run("ch08-ex5", pareto_front)       # pareto_front(df, minimize=[...], maximize=[...]) -> bool Series
    run("ch08-ex6", plan)               # plan(configs, peak_rps, slo_p95_ms, min_quality, ...) -> (priced, chosen)

The benchmark is given functions of known cost: each busy-waits on
`time.perf_counter` for a set number of milliseconds and records when each
call started and ended. The learner's percentiles and throughput are compared
with what the calls really took, not with their nominal cost, so a busy
machine that stretches some calls does not fail a right answer; every case
takes a fraction of a second. The other exercises are compared with
`shipml.performance.pricing` and `shipml.performance.pareto` (730 hours a month, headroom as the share
of capacity kept free, ties on the frontier) on small tables whose answers can
be worked out by hand.

Each case observes plain data (what the learner's function returned, and for
the benchmark what the timed function saw: its inputs and when each call
started and ended; for `plan`, the priced columns and the choice); its judge
compares them with the expected values, never touching the learner's object.
"""

from __future__ import annotations

import math
import time

import numpy as np

from shipml.course.checks import Failure, NotAttempted, WrongType, exercise, expect, expect_number, kind_of, to_number

# --- exercise 2: a benchmark --------------------------------------------------------------------------

_KEYS = ("p50_ms", "p95_ms", "p99_ms", "throughput")


def _busy(ms: float) -> None:
    """Keep the CPU busy for `ms` milliseconds (a sleep can overshoot by a scheduler tick)."""
    end = time.perf_counter() + ms / 1e3
    while time.perf_counter() < end:
        pass


class _Costed:
    """A function of known cost that times itself.

    The first `cold` calls take `cold_ms`; the others take the input's value in
    milliseconds (a letter costs nothing). Every call records its input and
    when it started and ended, so the checks compare the learner's numbers
    with what the calls really took, on a busy machine too.
    """

    def __init__(self, cold: int = 0, cold_ms: float = 0.0):
        self.cold, self.cold_ms, self.calls, self.spans = cold, cold_ms, [], []

    def __call__(self, x):
        self.calls.append(x)
        cost = x if isinstance(x, (int, float)) else 0.0
        start = time.perf_counter()
        _busy(self.cold_ms if len(self.calls) <= self.cold else cost)
        self.spans.append((start, time.perf_counter()))
        return 0.0


def _observe_benchmark(benchmark, inputs, warmup, repeats, cold=0, cold_ms=0.0) -> dict:
    """What the learner's benchmark returned, and what fn saw: its inputs and when each call started and ended."""
    fn = _Costed(cold, cold_ms)
    got = benchmark(fn, list(inputs), warmup, repeats)
    return {"result": got, "calls": list(fn.calls), "spans": [tuple(span) for span in fn.spans]}


def _timed_ms(seen: dict, warmup: int, repeats: int) -> np.ndarray:
    """How long each timed call (those after the warm-up) took inside fn, in milliseconds."""
    return np.array([(end - start) * 1e3 for start, end in seen["spans"][warmup:warmup + repeats]])


def _timed_seconds(seen: dict, warmup: int, repeats: int) -> float:
    """From the start of the first timed call to the end of the last one."""
    timed = seen["spans"][warmup:warmup + repeats]
    return timed[-1][1] - timed[0][0]


def _measured(seen: dict, warmup: int, repeats: int) -> dict:
    """The learner's four numbers as floats, once they are a dict of finite numbers in order; else a sentence."""
    got = seen["result"]
    if not isinstance(got, dict):
        raise WrongType(f"Expected a dict with the keys p50_ms, p95_ms, p99_ms and throughput, got {kind_of(got)}.")
    missing = [k for k in _KEYS if k not in got]
    if missing:
        raise Failure(f"The result has no key {missing[0]!r}; it has {sorted(map(str, got))}.")
    values = {key: to_number(got[key], key) for key in _KEYS}
    expect(all(math.isfinite(v) for v in values.values()),
           f"Every value should be a finite number; yours are {values}.")
    expect(values["p50_ms"] <= values["p95_ms"] <= values["p99_ms"],
           f"The percentiles should grow: p50 <= p95 <= p99; yours are {values['p50_ms']:.3g}, "
           f"{values['p95_ms']:.3g} and {values['p99_ms']:.3g} ms.")
    calls = len(seen["spans"])
    expect(calls > warmup, f"benchmark(fn, inputs, {warmup}, {repeats}) called fn only {calls} "
                           f"times; it should call it {warmup} + {repeats} times.")
    return values


def _range(durations_ms, q) -> tuple[float, float]:
    """Where a learner's q-th percentile may lie, given what each timed call took inside fn.

    A latency timed around the call is never shorter than the time inside it,
    so the lower end is the lowest percentile of those times (any method of
    interpolation lands above it); the upper end allows for the call itself
    and a timer, generously.
    """
    low = float(np.percentile(durations_ms, q, method="lower"))
    high = float(np.percentile(durations_ms, q, method="higher"))
    return 0.98 * low, 1.1 * high + 0.5


def _expect_between(got, key, durations_ms, message, if_high="", if_low=""):
    """Fail with `message` (and the advice for a value too high or too low) unless got[key] is in range."""
    low, high = _range(durations_ms, int(key[1:3]))
    value = got[key]
    advice = if_high if value > high else if_low if value < low else ""
    expect(low <= value <= high, message.format(got=value, low=low, high=high) + "." + (" " + advice if advice else ""))


ex2 = exercise(
    "ch08-ex2",
    timeout_s=20,  # each case takes well under a second; a loaded machine may stretch that
    title="A benchmark with warm-up, repeats and percentiles",
    hints=[
        "Two loops: `warmup` calls whose time you throw away, then `repeats` calls, each timed with "
        "`time.perf_counter()` just before and just after `fn(x)`.",
        "Keep one latency per timed call, in milliseconds (`(t1 - t0) * 1000`), and take percentiles of that list "
        "with `np.percentile(latencies_ms, [50, 95, 99])`, not its mean or its maximum.",
        "Throughput: the number of timed calls divided by the seconds from the first timed call to the end of the "
        "last one. Call `fn(inputs[k % len(inputs)])` for k = 0, 1, 2, … across both loops.",
    ],
)


@ex2.case("a 2 ms function: the latencies are in milliseconds",
          hint="Multiply seconds by 1000: a function that takes 2 ms has a p50 of about 2.0, not 0.002.")
def observe_ms(benchmark):
    return _observe_benchmark(benchmark, [2.0], 2, 25)


@observe_ms.judge
def _(seen):
    got = _measured(seen, 2, 25)
    _expect_between(got, "p50_ms", _timed_ms(seen, 2, 25),
                    "The calls took about 2 ms each, so the p50 is {low:.3g} to {high:.3g} ms; yours is {got:.3g}",
                    if_low="Latencies are in milliseconds: seconds × 1000.",
                    if_high="Time each call on its own, in milliseconds (not microseconds, not a sum).")


_LETTERS = tuple("abcdefg")


@ex2.case("fn is called warmup + repeats times, cycling through the inputs in order",
          hint="First `warmup` calls (untimed), then `repeats` timed calls; call k gets `inputs[k % len(inputs)]`.")
def observe_calls(benchmark):
    fn = _Costed()
    benchmark(fn, list(_LETTERS), 5, 12)  # only the calls matter here
    return list(fn.calls)


@observe_calls.judge
def _(calls):
    inputs, warmup, repeats = list(_LETTERS), 5, 12
    expect(len(calls) == warmup + repeats,
           f"benchmark(fn, inputs, warmup=5, repeats=12) called fn {len(calls)} times; it should call it "
           f"warmup + repeats = 17 times: 5 untimed warm-up calls, then 12 timed ones.")
    expect(calls[:warmup] == inputs[:warmup],
           f"The warm-up calls should get the inputs in order, {inputs[:warmup]}; yours got {calls[:warmup]}.")
    going_on = [inputs[(warmup + i) % len(inputs)] for i in range(repeats)]
    from_start = [inputs[i % len(inputs)] for i in range(repeats)]
    expect(calls[warmup:] in (going_on, from_start),
           f"The timed calls should cycle through the inputs in order, {going_on}; yours got {calls[warmup:]}.")


@ex2.case("a cold start: slow first calls stay out of the timings when warmup covers them",
          hint="Time only the calls after the warm-up: the first calls (loading, caches) are not what users see.")
def observe_cold(benchmark):
    return _observe_benchmark(benchmark, [1.0], 3, 20, cold=3, cold_ms=30.0)  # 3 calls of 30 ms, then 1 ms each


@observe_cold.judge
def _(seen):
    got, timed = _measured(seen, 3, 20), _timed_ms(seen, 3, 20)
    _expect_between(got, "p99_ms", timed,
                    "The first 3 calls take 30 ms and the rest 1 ms: with warmup=3 the timed calls' p99 is "
                    "{low:.3g} to {high:.3g} ms, but yours is {got:.3g}",
                    if_high="Time only the calls after the warm-up.")
    _expect_between(got, "p50_ms", timed,
                    "The calls after the warm-up take 1 ms: their p50 is {low:.3g} to {high:.3g} ms; yours is "
                    "{got:.3g}")


@ex2.case("a slow call in 50: the p99 shows it, the p50 does not",
          hint="Percentiles of the list of latencies: `np.percentile(latencies_ms, 99)`, not the mean.")
def observe_slow_call(benchmark):
    return _observe_benchmark(benchmark, [0.3] * 49 + [15.0], 0, 100)  # 2 of the 100 calls take 15 ms


@observe_slow_call.judge
def _(seen):
    got, durations = _measured(seen, 0, 100), _timed_ms(seen, 0, 100)
    _expect_between(got, "p99_ms", durations,
                    "2 calls in 100 take 15 ms, so the p99 is {low:.3g} to {high:.3g} ms; yours is {got:.3g}",
                    if_low="A mean hides the slow calls; the p99 is the latency that 99 % of the calls stay under.")
    for key in ("p50_ms", "p95_ms"):
        _expect_between(got, key, durations,
                        f"98 calls in 100 take 0.3 ms, so the {key[:3]} is {{low:.3g}} to {{high:.3g}} ms; yours "
                        "is {got:.3g}")


def _one_very_slow() -> list[float]:
    inputs = [0.2] * 200  # 4 calls of 8 ms (2 %) and 1 of 40 ms (0.5 %)
    for i in (37, 88, 121, 170):
        inputs[i] = 8.0
    inputs[150] = 40.0
    return inputs


@ex2.case("one very slow call in 200: the p99 is not the maximum",
          hint="The p99 is the latency below which 99 % of calls lie: one call in 200 is above it.")
def observe_very_slow(benchmark):
    return _observe_benchmark(benchmark, _one_very_slow(), 0, 200)


@observe_very_slow.judge
def _(seen):
    got = _measured(seen, 0, 200)
    _expect_between(got, "p99_ms", _timed_ms(seen, 0, 200),
                    "Only 1 call in 200 takes 40 ms, and 4 take 8 ms: the p99 is {low:.3g} to {high:.3g} ms, yours "
                    "is {got:.3g}", if_high="The maximum is not the 99th percentile.")


def _expect_throughput(got, seen, warmup, repeats, what):
    seconds = _timed_seconds(seen, warmup, repeats)
    expected = repeats / seconds
    # Timed around the calls, the window is a little longer than inside them: a little fewer calls per second.
    expect(0.7 * expected <= got["throughput"] <= 1.05 * expected,
           f"The {repeats} timed calls of {what} took {seconds * 1e3:.0f} ms from the start of the first to the "
           f"end of the last: {expected:.0f} calls per second; your throughput is {got['throughput']:.4g}. Count "
           f"calls per second (not per millisecond) over the timed calls only, slow ones included: neither the "
           f"warm-up nor 1000 / p50.")


@ex2.case("throughput: timed calls per second, without the warm-up",
          hint="repeats / (seconds from the start of the first timed call to the end of the last), warm-up excluded.")
def observe_throughput(benchmark):
    # a 120 ms warm-up, then 40 calls: 35 of 1 ms and 5 of 6 ms
    return _observe_benchmark(benchmark, [1.0] * 7 + [6.0], 4, 40, cold=4, cold_ms=30.0)


@observe_throughput.judge
def _(seen):
    _expect_throughput(_measured(seen, 4, 40), seen, 4, 40, "this function (35 of 1 ms, 5 of 6 ms)")


@ex2.case("another size: 3 ms calls, 6 warm-up calls, 20 timed", hidden=True)
def observe_another_size(benchmark):
    return _observe_benchmark(benchmark, [3.0, 3.0, 3.0], 6, 20, cold=6, cold_ms=5.0)


@observe_another_size.judge
def _(seen):
    got = _measured(seen, 6, 20)
    expect(len(seen["calls"]) == 26, f"fn should be called 26 times, not {len(seen['calls'])}.")
    _expect_between(got, "p50_ms", _timed_ms(seen, 6, 20),
                    "Calls of 3 ms have a p50 of {low:.3g} to {high:.3g} ms; yours is {got:.3g}")
    _expect_throughput(got, seen, 6, 20, "twenty calls of 3 ms")


# --- exercise 3: instances for a traffic level ----------------------------------------------------------

ex3 = exercise(
    "ch08-ex3",
    title="Instances for a traffic level, with headroom",
    hints=[
        "Each instance is planned at `rps_per_instance * (1 - headroom)` requests/s: the rest is kept free for "
        "bursts.",
        "Divide the traffic by that, and round up with `math.ceil`: 3.2 instances means 4, never 3.",
        "A service with no traffic still runs one instance: return `max(1, math.ceil(...))`.",
    ],
)

# Every case below divides exactly in binary floating point (headroom 0, 0.25 or 0.5), so an answer that is a
# whole number is not pushed a hair above it by rounding: with headroom 0.3, 21 / (3 * (1 - 0.3)) is
# 10.000000000000002 and `math.ceil` makes it 11, where shipml.performance.pricing subtracts 1e-9 first and says
# 10. A case like that would fail a correct formula for a reason the exercise is not about.


def _instances_call(rps, per, headroom) -> str:
    return f"instances_needed({rps:_}, {per:_}, {headroom})"


def _expect_instances(got, rps, per, headroom, expected, why):
    call = _instances_call(rps, per, headroom)
    value = expect_number(got, expected, tol=math.inf, what=call)  # a number (WrongType otherwise)
    if value != expected:
        shown = f"{value:g}" if not math.isfinite(value) or value == int(value) else f"{value:.6g}"
        raise Failure(f"{call} should be {expected} ({why}); yours is {shown}.")


for _name, _hint, _args, _expected, _why in [
    ("an exact fit: 3,000 requests/s, 1,000 per instance, headroom 0.25 → 4",
     "Each instance is planned at 1,000 × (1 − 0.25) = 750 requests/s; 3,000 / 750 = 4.",
     (3_000, 1_000, 0.25), 4, "each instance is planned at 750 requests/s"),
    ("a little more traffic rounds up: 3,001 requests/s → 5",
     "3,001 / 750 = 4.001: four instances are not enough, so round up with math.ceil, never down.",
     (3_001, 1_000, 0.25), 5, "4.001 instances means 5"),
    ("headroom is the share of each instance kept free: 7,000 requests/s → 10",
     "Plan each instance at rps_per_instance × (1 − headroom), and divide the traffic by that.",
     (7_000, 1_000, 0.25), 10, "7,000 / 750 = 9.33, so 10"),
    ("no headroom: 2,500 requests/s, 1,000 per instance → 3",
     "With headroom 0 each instance is planned at its full capacity: 2.5 instances means 3.",
     (2_500, 1_000, 0.0), 3, "2.5 instances means 3"),
    ("no traffic still needs one instance",
     "A service must be up to answer its first request: at least 1 instance, `max(1, ...)`.",
     (0, 1_000, 0.25), 1, "a service that is up runs at least one instance"),
    ("big numbers: a million requests/s, 4,500 per instance, headroom 0.5 → 445",
     "1,000,000 / (4,500 × 0.5) = 444.4: round up.",
     (1_000_000, 4_500, 0.5), 445, "444.4 instances means 445"),
]:
    ex3.case(_name, hint=_hint, observe=lambda fn, _args=_args: fn(*_args),
             judge=lambda got, _args=_args, _expected=_expected, _why=_why: _expect_instances(got, *_args, _expected,
                                                                                             _why))

_FLEETS = [(20_000, 9_000, 0.3), (1, 50_000, 0.5), (49_999, 25_000, 0.0), (123_456, 789, 0.375)]


@ex3.case("the chapter's example and a fleet of one", hidden=True)
def observe_fleets(instances_needed):
    return {_instances_call(*args): instances_needed(*args) for args in _FLEETS}


@observe_fleets.judge
def _(got):
    from shipml.performance.pricing import instances_needed as reference

    for args in _FLEETS:
        _expect_instances(got[_instances_call(*args)], *args, reference(*args), "as shipml.performance.pricing")


# --- exercise 4: a month of a fleet, and the cost of a million predictions ---------------------------------

ex4 = exercise(
    "ch08-ex4",
    title="A fleet's monthly cost",
    hints=[
        "An instance bills every hour it runs, whether it is busy or not.",
        "A month is `hours_per_month` hours: 730 on average (365 × 24 / 12), as cloud bills count them.",
        "Return `instances * hourly_price * hours_per_month`.",
    ],
)

for _name, _hint, _args, _expected in [
    ("a month is 730 hours: one instance at 1 EUR/hour costs 730 EUR",
     "Multiply by the hours in a month (730), not in a day (24).", (1, 1.0), 730.0),
    ("four instances at 0.36 EUR/hour: 1,051.20 EUR",
     "Every instance bills: instances × hourly price × hours in the month.", (4, 0.36), 4 * 0.36 * 730),
    ("hours_per_month is used: a 31-day month is 744 hours",
     "Use the hours_per_month argument (730 by default), not a fixed number.", (2, 0.5, 744), 744.0),
]:
    ex4.case(_name, hint=_hint, observe=lambda fn, _args=_args: fn(*_args),
             judge=lambda got, _args=_args, _expected=_expected: expect_number(
                 got, _expected, rtol=1e-9, what=f"monthly_cost({', '.join(map(str, _args))}), in EUR"))

_BILLS = [(0, 0.72), (3, 0.09), (12, 4.5)]


@ex4.case("no instances, no bill; and shipml.performance.pricing's examples", hidden=True)
def observe_bills(monthly_cost):
    return {f"monthly_cost({instances}, {price})": monthly_cost(instances, price) for instances, price in _BILLS}


@observe_bills.judge
def _(got):
    from shipml.performance.pricing import monthly_cost as reference

    for instances, price in _BILLS:
        call = f"monthly_cost({instances}, {price})"
        expect_number(got[call], reference(instances, price), rtol=1e-9, tol=1e-9, what=f"{call}, in EUR")


ex4b = exercise(
    "ch08-ex4b",
    title="The cost of a million predictions",
    hints=[
        "First count the predictions in a month: requests per second × seconds in an hour × hours in a month.",
        "An hour is 3,600 seconds and a month `hours_per_month` hours, so that is `rps * 3600 * hours_per_month`.",
        "Return `monthly / (rps * 3600 * hours_per_month) * 1_000_000`.",
    ],
)


def _per_million_slip(got: float, expected: float) -> str:
    """A sentence naming the slip behind a wrong cost per million, where its ratio gives it away."""
    ratio = got / expected if expected else math.inf
    for factor, slip in [(3600, "The 3,600 seconds of an hour seem to be missing."),
                         (730 / 24, "That counts the hours of a day (24), not of a month (730)."),
                         (1 / 1000, "That is the cost per thousand predictions, not per million."),
                         (1 / 1e6, "That is the cost of one prediction, not of a million."),
                         (1 / 60, "An hour is 3,600 seconds, not 60.")]:
        if math.isclose(ratio, factor, rel_tol=1e-3):
            return " " + slip
    return ""


def _per_million_call(args) -> str:
    return "cost_per_million(" + ", ".join(f"{a:_}" if isinstance(a, int) else repr(a) for a in args) + ")"


def _expect_per_million(got, args, expected):
    try:
        expect_number(got, expected, rtol=1e-9, tol=0, what=f"{_per_million_call(args)}, in EUR")
    except WrongType:
        raise
    except Failure as failure:
        raise Failure(str(failure) + _per_million_slip(float(got), expected)) from None


for _name, _hint, _args, _expected in [
    ("262.80 EUR a month at 100 requests/s is 1 EUR per million predictions",
     "100 requests/s for a month is 100 × 3,600 × 730 = 262,800,000 predictions.", (262.8, 100), 1.0),
    ("a month of traffic is rps × 3,600 seconds × 730 hours",
     "Seconds in an hour (3,600) times hours in a month (730), times the requests per second.",
     (1_051.2, 20_000), 1_051.2 / (20_000 * 3600 * 730) * 1e6),
    ("per million predictions, not per thousand",
     "Divide the monthly cost by the predictions in the month, then multiply by 1,000,000.",
     (65.7, 1), 65.7 / (3600 * 730) * 1e6),
    ("hours_per_month is used: 744 hours in a 31-day month",
     "Use the hours_per_month argument for the month's predictions, not a fixed 730.",
     (267.84, 100, 744), 267.84 / (100 * 3600 * 744) * 1e6),
]:
    ex4b.case(_name, hint=_hint, observe=lambda fn, _args=_args: fn(*_args),
              judge=lambda got, _args=_args, _expected=_expected: _expect_per_million(got, _args, _expected))

_PER_MILLION = [(1_051.2, 20_000), (65.7, 3), (9_000.0, 250_000)]


@ex4b.case("shipml.performance.pricing's examples", hidden=True)
def observe_per_million(cost_per_million):
    return {_per_million_call(args): cost_per_million(*args) for args in _PER_MILLION}


@observe_per_million.judge
def _(got):
    from shipml.performance.pricing import cost_per_million as reference

    for args in _PER_MILLION:
        _expect_per_million(got[_per_million_call(args)], args, reference(*args))


# --- exercise 4c: a fleet that follows the day ------------------------------------------------------------

ex4c = exercise(
    "ch08-ex4c",
    title="A fleet that follows the day",
    hints=[
        "Size each hour on its own: the instances that hour's rate needs, with headroom, and never fewer than "
        "`minimum`. Then add up the instance-hours of the day.",
        "Round up in every hour (`math.ceil`), not once for the day: an instance runs a whole hour or not at all.",
        "A month is `hours_per_month / 24` days of that day: return `sum(instances per hour) * hourly_price * "
        "hours_per_month / 24`.",
    ],
)


def _day_call(hourly, per, price, headroom, minimum, *rest) -> str:
    shape = (f"[{hourly[0]:g}] × 24" if len(set(hourly)) == 1 else
             " + ".join(f"[{value:g}] × {count}" for value, count in _runs(hourly)))
    extra = f", {rest[0]}" if rest else ""
    return f"following_day_cost({shape}, {per:_}, {price}, {headroom}, {minimum}{extra})"


def _runs(values):
    runs = []
    for value in values:
        if runs and runs[-1][0] == value:
            runs[-1][1] += 1
        else:
            runs.append([value, 1])
    return runs


def _expect_day_cost(got, args, expected, why):
    expect_number(got, expected, rtol=1e-9, tol=1e-9, what=f"{_day_call(*args)}, in EUR a month ({why})")


_QUIET_BUSY = [100.0] * 12 + [1_000.0] * 12
_NIGHT_DAY = [10.0] * 8 + [3_000.0] * 16

for _name, _hint, _args, _expected, _why in [
    ("each hour its own fleet: 12 hours need 1 instance, 12 need 2 → 36 instance-hours a day",
     "Size every hour for its own rate, not the whole day for the busiest hour: the quiet hours need fewer.",
     (_QUIET_BUSY, 500, 0.5, 0.0, 1), 36 * 0.5 * 730 / 24, "36 instance-hours a day, 730 / 24 days"),
    ("round up in every hour: 600 requests/s on 500 per instance is 2 instances each hour",
     "An instance runs a whole hour or not at all: 1.2 instances means 2, in every hour.",
     ([600.0] * 24, 500, 0.5, 0.0, 1), 48 * 0.5 * 730 / 24, "2 instances in each of 24 hours"),
    ("never fewer than the minimum: the night still runs 2 instances",
     "`max(minimum, instances the hour needs)`: a quiet hour still runs the minimum, for availability.",
     (_NIGHT_DAY, 1_000, 0.09, 0.25, 2), (8 * 2 + 16 * 4) * 0.09 * 730 / 24,
     "2 at night, 3,000 / 750 = 4 by day"),
    ("a month is hours_per_month / 24 days of this day: 744 hours is 31 days",
     "Use the hours_per_month argument: the day repeats hours_per_month / 24 times (730 / 24 on average).",
     (_QUIET_BUSY, 500, 0.5, 0.0, 1, 744), 36 * 0.5 * 31, "31 days of 36 instance-hours"),
]:
    ex4c.case(_name, hint=_hint, observe=lambda fn, _args=_args: fn(*_args),
              judge=lambda got, _args=_args, _expected=_expected, _why=_why: _expect_day_cost(got, _args, _expected,
                                                                                             _why))

_DAYS = [(tuple(float(r) for r in (18, 13, 9, 6, 10, 28, 62, 100, 131, 153, 183, 212, 204, 176, 174, 182, 213, 224,
                                   213, 169, 123, 88, 53, 28)), 700, 0.09, 0.3, 2),
         (tuple(50.0 * (h + 1) for h in range(24)), 125, 0.72, 0.5, 1)]


@ex4c.case("the scenario's day, given as a pandas Series, and shipml.performance.pricing", hidden=True)
def observe_days(following_day_cost):
    import pandas as pd

    out = {}
    for hourly, per, price, headroom, minimum in _DAYS:
        for scale in (1, 100):
            rates = pd.Series([scale * r for r in hourly], index=range(24))  # as SCENARIO.hourly_rate gives it
            out[f"{scale} x day {hourly[:3]}"] = following_day_cost(rates, per, price, headroom, minimum)
    return out


@observe_days.judge
def _(got):
    from shipml.performance.pricing import following_day_cost as reference

    for hourly, per, price, headroom, minimum in _DAYS:
        for scale in (1, 100):
            rates = [scale * r for r in hourly]
            expect_number(got[f"{scale} x day {hourly[:3]}"],
                          reference(rates, per, price, headroom=headroom, minimum=minimum), rtol=1e-9,
                          what=f"the cost of {scale} × the day {hourly[:3]}..., in EUR a month")


# --- exercise 5: the Pareto frontier --------------------------------------------------------------------

ex5 = exercise(
    "ch08-ex5",
    title="The Pareto frontier",
    hints=[
        "Row j dominates row i when j is at least as good as i on every measure and strictly better on at least "
        "one. Row i is on the frontier when no row dominates it.",
        "Turn every measure into 'smaller is better' first: keep the minimize columns, negate the maximize ones. "
        "Then compare row i with every other row j.",
        "`dominated = any(all(v[j] <= v[i]) and any(v[j] < v[i]) for j)`; return "
        "`pd.Series(on_front, index=df.index)`. Identical rows do not dominate each other.",
    ],
)


def _table(rows, index):
    import pandas as pd

    return pd.DataFrame(rows, index=index)


def _names(labels) -> str:
    quoted = [repr(str(label)) for label in labels]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _front_of(pareto_front, make_table, minimize=(), maximize=()) -> dict:
    """The learner's frontier of a fresh table, and whether the call changed the table it was given."""
    df = make_table()
    before = df.copy(deep=True)
    got = pareto_front(df, minimize=list(minimize), maximize=list(maximize))
    return {"front": got, "changed": not df.equals(before)}


def _expect_front(seen, df, expected, what):
    import pandas as pd

    expect(not seen["changed"], f"pareto_front changed the table it was given ({what}); work on a copy.")
    got = seen["front"]
    if isinstance(got, pd.DataFrame) and got.shape[1] == 1:
        got = got.iloc[:, 0]
    if isinstance(got, pd.Series):
        expect(list(got.index) == list(df.index),
               f"The Series should have the table's index, {list(df.index)}; yours has {list(got.index)} "
               f"({what}).")
        values = got.to_numpy()
    elif isinstance(got, (list, tuple, np.ndarray)):
        values = np.asarray(got)
    else:
        raise WrongType(f"Expected a pandas Series of True/False, one per row, got {kind_of(got)}.")
    if values.shape != (len(df),):
        raise Failure(f"Expected one True/False per row ({len(df)}); yours has shape {values.shape} ({what}).")
    if not all(type(v) in (bool, np.bool_) for v in values):
        raise WrongType(f"Expected True/False for each row, got {values.tolist()} ({what}).")
    want = dict(zip(df.index, expected))
    have = dict(zip(df.index, (bool(v) for v in values)))
    wrong_in = [k for k in df.index if have[k] and not want[k]]
    wrong_out = [k for k in df.index if want[k] and not have[k]]
    if wrong_in or wrong_out:
        parts = []
        if wrong_in:
            parts.append(f"{_names(wrong_in)} should be dominated")
        if wrong_out:
            parts.append(f"{_names(wrong_out)} should be on the frontier")
        raise Failure(f"In {what}, {' and '.join(parts)}.")


_COST = ["p95_ms", "monthly_eur"]


def _trade_off():
    return _table({"p95_ms": [1.0, 5.0, 6.0, 3.0], "monthly_eur": [900.0, 100.0, 200.0, 400.0]},
                  index=["fast", "cheap", "worse", "middle"])


def _identical():
    return _table({"p95_ms": [2.0, 2.0, 1.0], "monthly_eur": [300.0, 300.0, 500.0]}, index=["a", "a copy", "c"])


def _equal_on_one():
    return _table({"p95_ms": [2.0, 2.0, 1.0], "monthly_eur": [300.0, 450.0, 800.0]}, index=["a", "b", "c"])


def _with_quality():
    return _table({"p95_ms": [1.0, 1.0, 2.0, 3.0], "pr_auc": [0.10, 0.14, 0.14, 0.15],
                   "runtime": ["rule", "onnx", "eager", "large"]}, index=["r", "o", "e", "l"])


def _one_measure():
    return _table({"p95_ms": [3.0, 1.0, 1.0, 2.0], "pr_auc": [0.1, 0.3, 0.2, 0.3]}, index=list("wxyz"))


def _single_row():
    return _table({"p95_ms": [4.0], "monthly_eur": [70.0], "pr_auc": [0.12]}, index=["only"])


def _forty():
    rng = np.random.default_rng(8)
    df = _table({"p95_ms": rng.integers(1, 6, 40).astype(float), "monthly_eur": rng.integers(1, 6, 40) * 100.0,
                 "pr_auc": rng.integers(10, 15, 40) / 100}, index=[f"config {i}" for i in range(40)])
    return df.iloc[::-1]  # an index that is not 0, 1, 2, ...


def _forty_front():
    from shipml.performance.pareto import pareto_front as reference

    return reference(_forty(), minimize=_COST, maximize=["pr_auc"]).tolist()


# (name, hint, hidden, [(table, expected or a function that computes it, what, minimize, maximize), ...])
_FRONTS = [
    ("a clear trade-off: fast and dear, slow and cheap, and one worse on both",
     "A row is dominated when another is at least as good on every measure and better on one.", False,
     [(_trade_off, [True, True, False, True], "the fast, the cheap, the worse and the middle", _COST, ())]),
    ("identical rows both stay on the frontier",
     "Identical rows do not dominate each other: domination needs strictly better on at least one measure.", False,
     [(_identical, [True, True, True], "two identical configurations and a faster one", _COST, ())]),
    ("equal on one measure and worse on another is dominated",
     "At least as good on every measure and strictly better on ONE is enough: not on all of them.", False,
     [(_equal_on_one, [True, False, True], "b, as fast as a but dearer", _COST, ())]),
    ("maximize: a higher PR-AUC is better",
     "For the maximize columns, larger is better: negate them, then treat them like the others.", False,
     [(_with_quality, [False, True, False, True], "p95_ms to minimize and pr_auc to maximize", ["p95_ms"],
       ["pr_auc"])]),
    ("one measure, and maximize only",
     "With a single measure the frontier is its best value (and every row tied with it).", False,
     [(_one_measure, [False, True, True, False], "p95_ms alone", ["p95_ms"], ()),
      (_one_measure, [False, True, False, True], "pr_auc alone, to maximize", (), ["pr_auc"])]),
    ("a single row is on the frontier", "Nothing can dominate the only row.", False,
     [(_single_row, [True], "a table of one row", _COST, ["pr_auc"])]),
    ("forty random configurations, ties included, as shipml.performance.pareto", None, True,
     [(_forty, _forty_front, "forty random configurations", _COST, ["pr_auc"])]),
]


def _observe_fronts(calls):
    return lambda pareto_front: {what: _front_of(pareto_front, table, minimize, maximize)
                                 for table, _, what, minimize, maximize in calls}


def _judge_fronts(calls):
    def judge(got):
        for table, expected, what, _, _ in calls:
            _expect_front(got[what], table(), expected() if callable(expected) else expected, what)

    return judge


for _name, _hint, _hidden, _calls in _FRONTS:
    ex5.case(_name, hint=_hint, hidden=_hidden, observe=_observe_fronts(_calls), judge=_judge_fronts(_calls))


# --- exercise 6: the configuration to run -------------------------------------------------------------


def example_configs():
    """Six configurations with round numbers, as the notebook's `configs` table (one row per configuration)."""
    import pandas as pd

    return pd.DataFrame(
        {"runtime": ["rule", "eager", "onnx", "onnx-int8", "onnx", "onnx-int8"],
         "batch": [1, 1, 1, 1, 32, 32],
         "p95_ms": [0.01, 0.05, 0.02, 0.015, 2.5, 2.6],
         "rps_per_vcpu": [200_000.0, 10_000.0, 25_000.0, 20_000.0, 75_000.0, 50_000.0],
         "instance": ["cpu-2"] * 6, "vcpus": [2] * 6, "eur_per_hour": [0.09] * 6,
         "pr_auc": [0.05, 0.14, 0.14, 0.15, 0.14, 0.15]},
        index=pd.Index(["rule", "eager", "onnx", "onnx-int8", "onnx x32", "onnx-int8 x32"], name="config"))


def reference_plan(configs, peak_rps, slo_p95_ms, min_quality, price_factor=1.0, headroom=0.3):
    """What `plan` should return: (configs with instances, monthly_eur and on_front; the chosen label or None)."""
    from shipml.performance.pareto import choose, pareto_front
    from shipml.performance.pricing import instances_needed, monthly_cost

    priced = configs.copy()
    priced["instances"] = [instances_needed(peak_rps, r * v, headroom) for r, v in zip(configs.rps_per_vcpu,
                                                                                       configs.vcpus)]
    priced["monthly_eur"] = [monthly_cost(n, p * price_factor) for n, p in zip(priced.instances, configs.eur_per_hour)]
    priced["on_front"] = pareto_front(priced, minimize=["p95_ms", "monthly_eur"], maximize=["pr_auc"])
    try:  # the chapter's choice: the cheapest, then the better model, then the faster
        return priced, choose(priced, slo_p95_ms=slo_p95_ms, min_quality=min_quality).name
    except ValueError:  # no configuration meets the goal
        return priced, None


_NEEDS = {"instances": "instances_needed (exercise 3)", "monthly_eur": "monthly_cost (exercise 4)",
          "on_front": "pareto_front (exercise 5)"}


def _cell(value):
    """A cell of the learner's table as plain data: None where pandas sees a missing value."""
    import pandas as pd

    try:
        missing = value is None or bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or an array in a cell: not missing
        missing = False
    return None if missing else value


def _plan_of(plan, peak_rps, slo_p95_ms, min_quality, price_factor=1.0, headroom=0.3) -> dict:
    """What plan returned for the example configurations, as plain data, and whether it changed them."""
    import pandas as pd

    configs = example_configs()
    before = configs.copy(deep=True)
    got = plan(configs, peak_rps, slo_p95_ms, min_quality, price_factor, headroom)
    if not (isinstance(got, tuple) and len(got) == 2 and isinstance(got[0], pd.DataFrame)):
        raise WrongType(f"Expected a pair (priced table, chosen label or None), got {kind_of(got)}.")
    priced, chosen = got
    return {"changed": not configs.equals(before), "index": list(priced.index), "columns": list(priced.columns),
            **{column: [_cell(v) for v in priced[column].tolist()] if column in priced.columns else None
               for column in _NEEDS},
            "chosen": chosen}


def _planned(seen: dict) -> dict:
    """The learner's priced columns by configuration, once the table is whole; else a sentence."""
    expect(not seen["changed"], "plan changed the configurations table it was given; work on a copy "
                                "(`priced = configs.copy()`).")
    for column, needs in _NEEDS.items():
        expect(seen[column] is not None,
               f"The priced table has no column {column!r}; it has {seen['columns']}.")
        if any(v is None for v in seen[column]):
            raise NotAttempted(f"The {column} column holds None: your {needs} is not written yet.")
    configs = list(example_configs().index)
    expect(seen["index"] == configs,
           f"The priced table should have one row per configuration, {configs}; yours has {seen['index']}.")
    return {column: dict(zip(configs, seen[column])) for column in _NEEDS}


def _expect_column(priced, want, column, what):
    for config in want.index:
        expect_number(priced[column][config], float(want.loc[config, column]), rtol=1e-9, tol=1e-9,
                      what=f"the {column} of {config!r} ({what})")


ex6 = exercise(
    "ch08-ex6",
    timeout_s=20,
    title="The configuration to run",
    hints=[
        "Work on `priced = configs.copy()`: add `instances` (your instances_needed, with each row's "
        "rps_per_vcpu × vcpus per instance), then `monthly_eur` (your monthly_cost, with each row's "
        "eur_per_hour × price_factor).",
        "`priced['on_front'] = pareto_front(priced, minimize=['p95_ms', 'monthly_eur'], maximize=['pr_auc'])`.",
        "Keep the rows with p95_ms <= slo_p95_ms and pr_auc >= min_quality; if none is left, chosen is None; "
        "else sort them by monthly_eur, then by pr_auc from the highest, then by p95_ms, and take the first index "
        "label.",
    ],
)


def _plan_column_case(name, hint, args, column, what):
    """A case that runs plan(example configs, *args) and judges one column against the reference plan."""
    ex6.case(name, hint=hint, observe=lambda plan: _plan_of(plan, *args),
             judge=lambda seen: _expect_column(_planned(seen), reference_plan(example_configs(), *args)[0],
                                               column, what))


_plan_column_case("sizes every configuration for the traffic, with headroom",
                  "instances = instances_needed(peak_rps, row's rps_per_vcpu × vcpus, headroom), one per row.",
                  (100_000, 1.0, 0.1, 1.0, 0.5), "instances", "100,000 requests/s, headroom 0.5")
_plan_column_case("prices every configuration, price_factor included",
                  "monthly_eur = monthly_cost(instances, row's eur_per_hour × price_factor).",
                  (100_000, 1.0, 0.1, 2.0, 0.5), "monthly_eur", "100,000 requests/s at twice the table's prices")


@ex6.case("marks the frontier on p95_ms, monthly_eur and pr_auc",
          hint="Minimize p95_ms and monthly_eur, maximize pr_auc; add the result as the on_front column.")
def observe_front(plan):
    return _plan_of(plan, 100_000, 1.0, 0.1, 1.0, 0.5)


@observe_front.judge
def _(seen):
    priced = _planned(seen)
    want, _ = reference_plan(example_configs(), 100_000, 1.0, 0.1, 1.0, 0.5)
    for config in want.index:
        mark = priced["on_front"][config]
        expect(isinstance(mark, (bool, int)) and bool(mark) == bool(want.loc[config, "on_front"]),
               f"{config!r} should be {'on the frontier' if want.loc[config, 'on_front'] else 'dominated'} at "
               f"100,000 requests/s; yours says the opposite.")


def _goal(rps, slo, floor) -> str:
    return f"{rps:,} requests/s, SLO {slo:g} ms, floor {floor:g}"


def _observe_choices(goals, headroom=0.5):
    return lambda plan: {_goal(rps, slo, floor): _plan_of(plan, rps, slo, floor, 1.0, headroom)
                         for rps, slo, floor, _, _ in goals}


def _judge_choices(goals):
    def judge(got):
        for rps, slo, floor, expected, why in goals:
            seen = got[_goal(rps, slo, floor)]
            _planned(seen)
            chosen = seen["chosen"]
            expect(chosen == expected and type(chosen) is type(expected),
                   f"At {rps:,} requests/s with an SLO of {slo:g} ms and a floor of {floor:g}, the configuration to "
                   f"run is {expected!r} ({why}); yours chose {chosen!r}.")

    return judge


for _name, _hint, _goals in [
    ("chooses the cheapest configuration that meets the SLO and the quality floor",
     "Filter on both goals first (p95_ms <= SLO, pr_auc >= floor), then take the cheapest.",
     [(100_000, 1.0, 0.1, "onnx", "the rule is cheaper but below the floor; onnx-int8 is faster but dearer"),
      (100_000, 1.0, 0.145, "onnx-int8", "only the int8 models reach 0.145; the batched one is too slow")]),
    ("a tie on cost goes to the better model, then to the faster one",
     "Sort by monthly_eur, then by pr_auc (highest first), then by p95_ms: among equally cheap configurations the "
     "better model costs nothing more, and among equally good ones the faster wins.",
     [(100_000, 5.0, 0.1, "onnx-int8 x32", "both batched ones cost the same and onnx-int8 x32 has the higher PR-AUC"),
      (1_000, 5.0, 0.1, "onnx-int8",
       "at this traffic all cost the same; the int8 ones have the highest PR-AUC and onnx-int8 is faster")]),
    ("no configuration meets the goal: chosen is None",
     "When no row meets both the SLO and the floor, return None as the choice (and still the table).",
     [(100_000, 0.012, 0.1, None, "only the rule is that fast, and it is below the floor")]),
]:
    ex6.case(_name, hint=_hint, observe=_observe_choices(_goals), judge=_judge_choices(_goals))

_OTHER_PLANS = [(1_000, 1.0, 0.1, 1.0, 0.25), (1_000_000, 3.0, 0.0, 0.5, 0.25), (250_000, 2.55, 0.15, 1.5, 0.0)]


@ex6.case("low traffic and another headroom", hidden=True)
def observe_other_plans(plan):
    return [_plan_of(plan, *args) for args in _OTHER_PLANS]


@observe_other_plans.judge
def _(got):
    for seen, (rps, slo, floor, price_factor, headroom) in zip(got, _OTHER_PLANS):
        priced = _planned(seen)
        want, expected = reference_plan(example_configs(), rps, slo, floor, price_factor, headroom)
        what = f"{rps:,} requests/s, headroom {headroom}"
        _expect_column(priced, want, "instances", what)
        _expect_column(priced, want, "monthly_eur", what)
        chosen = seen["chosen"]
        expect(chosen == expected and type(chosen) is type(expected),
               f"At {what}, SLO {slo:g} ms and floor {floor:g}, the configuration to run is {expected!r}; yours "
               f"chose {chosen!r}.")
