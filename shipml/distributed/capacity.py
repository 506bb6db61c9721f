"""Capacity planning: Little's law, the p95 of a queue by formula and by simulation, an autoscaler replayed.

    from shipml.distributed import capacity
    capacity.busy_replicas(rps=500, service_ms=2.0)                       # Little's law: 1.0 replica busy on average
    capacity.replicas_littles_law(500, 2.0, headroom=0.3)                 # -> 2
    capacity.p95_wait_s(c=2, rps=500, service_mean_s=0.002, service_cv2=0.5)   # Erlang C, corrected for variability
    capacity.replicas_formula(500, service_times_s, p95_target_s=0.010)   # the fewest replicas meeting the p95
    capacity.replicas_simulated(500, service_times_s, p95_target_s=0.010) # the same from a simulated queue
    day = capacity.day_of_traffic(peak_rps=2_000, spike_factor=3.0)       # one rate a minute, a spike at 18:00
    replay = capacity.replay_autoscaler(day, service_times_s, p95_target_s=0.010, eur_per_hour=0.09)

**Little's law**: in a steady system, the number of requests inside equals
the arrival rate times the time each spends there (L = lambda x W). For a
replica that serves one request at a time, the requests being served are the
busy replicas: `rps x service time`. Fewer replicas than that and the queue
grows without end; exactly that many and every replica is busy all the time,
so every burst waits. `replicas_littles_law` keeps `headroom` free.

**The p95 of the wait** needs a queueing model. With Poisson arrivals and c
replicas, Erlang's C formula gives the probability that a request waits, and
for exponential service times the wait beyond that is exponential with rate
`c x mu - lambda`. Real service times vary less (or more) than exponential
ones: the Allen-Cunneen approximation scales the wait by `(1 + cv^2) / 2`,
where cv is the service times' coefficient of variation. `replicas_formula`
asks for the fewest replicas whose p95 wait plus the p95 of the service time
is within the target; `replicas_simulated` runs the queue itself (first come,
first served, the measured service times drawn at random) and asks the same
of its p95 response time.

**The autoscaler** is the HorizontalPodAutoscaler's rule, replayed minute by
minute: desired replicas = ceil(current x utilisation / target utilisation),
between a minimum and a maximum; a new replica serves only after
`startup_min` minutes (pull the image, load the model, pass /ready), and
scaling down waits for `scale_down_window_min` minutes of lower demand.
"""

from __future__ import annotations

import heapq
import math
import numbers

import numpy as np

from shipml.performance.pricing import instances_needed

__all__ = ["busy_replicas", "day_of_traffic", "erlang_c", "p95_wait_s", "replay_autoscaler", "replicas_formula",
           "replicas_littles_law", "replicas_simulated", "service_stats", "simulate_queue"]


def _positive(name, value, *, zero=False):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number; got {value!r}.")
    if value < 0 or (value == 0 and not zero):
        raise ValueError(f"{name} must be {'at least' if zero else 'above'} 0; got {value!r}.")
    return float(value)


def busy_replicas(rps, service_ms) -> float:
    """Little's law: the replicas busy on average, requests a second times seconds per request."""
    return _positive("rps", rps, zero=True) * _positive("service_ms", service_ms) / 1000


def replicas_littles_law(rps, service_ms, headroom: float = 0.3, minimum: int = 1) -> int:
    """Replicas for `rps` when each request takes `service_ms` and `headroom` of every replica stays free."""
    # chapter 8's sizing rule, with one replica sustaining 1000 / service_ms requests a second
    busy_replicas(rps, service_ms)  # its checks: rps >= 0, service_ms > 0
    return instances_needed(rps, 1000 / service_ms, _positive("headroom", headroom, zero=True), minimum)


def service_stats(service_times_s) -> dict:
    """Mean, squared coefficient of variation and p95 of measured service times (seconds)."""
    times = np.asarray(service_times_s, dtype=float)
    if times.size < 2 or not np.all(np.isfinite(times)) or np.any(times <= 0):
        raise ValueError("service_times_s needs at least two positive, finite service times in seconds.")
    mean = float(times.mean())
    return {"mean_s": mean, "cv2": float(times.var() / mean**2), "p95_s": float(np.percentile(times, 95))}


def erlang_c(c: int, load: float) -> float:
    """The probability that a request waits, with `c` replicas and `load` = rps x mean service time (M/M/c)."""
    if load >= c:
        return 1.0
    term, total = 1.0, 1.0  # load^k / k!, summed for k < c, computed without overflow
    for k in range(1, c):
        term *= load / k
        total += term
    last = term * load / c * c / (c - load)
    return last / (total + last)


def p95_wait_s(c: int, rps, service_mean_s, service_cv2: float = 1.0, q: float = 0.95) -> float:
    """The q-quantile of the wait in the queue (Erlang C, Allen-Cunneen's (1 + cv^2) / 2); inf if overloaded."""
    load = _positive("rps", rps, zero=True) * _positive("service_mean_s", service_mean_s)
    if load >= c:
        return math.inf
    waits = erlang_c(c, load)
    if waits <= 1 - q:
        return 0.0
    rate = (c / service_mean_s - rps) * 2 / (1 + service_cv2)  # the wait's tail decays at this rate
    return math.log(waits / (1 - q)) / rate


def replicas_formula(rps, service_times_s, p95_target_s, q: float = 0.95, max_replicas: int = 10_000) -> int:
    """The fewest replicas whose p95 wait plus p95 service time is within `p95_target_s`."""
    stats = service_stats(service_times_s)
    target = _positive("p95_target_s", p95_target_s)
    if stats["p95_s"] >= target:
        raise ValueError(f"The service time alone has a p95 of {stats['p95_s'] * 1000:.2f} ms, above the target of "
                         f"{target * 1000:.2f} ms: no number of replicas can meet it. Make each request faster.")
    c = max(1, math.floor(rps * stats["mean_s"]) + 1)
    while p95_wait_s(c, rps, stats["mean_s"], stats["cv2"], q) + stats["p95_s"] > target:
        c += 1
        if c > max_replicas:
            raise ValueError(f"More than {max_replicas} replicas would be needed.")
    return c


def simulate_queue(arrivals_s, service_s, c: int) -> np.ndarray:
    """Response times (wait + service) of requests arriving at `arrivals_s` to `c` first-come-first-served replicas."""
    free_at = [0.0] * c
    out = np.empty(len(arrivals_s))
    for i, (arrival, service) in enumerate(zip(arrivals_s, service_s)):
        start = max(arrival, heapq.heappop(free_at))
        heapq.heappush(free_at, start + service)
        out[i] = start + service - arrival
    return out


def replicas_simulated(rps, service_times_s, p95_target_s, *, n: int = 20_000, seed: int = 0, q: float = 0.95,
                       max_replicas: int = 1_000) -> int:
    """The fewest replicas whose simulated p95 response time (Poisson arrivals) is within the target."""
    times = np.asarray(service_times_s, dtype=float)
    service_stats(times)
    rng = np.random.default_rng(seed)
    arrivals = np.cumsum(rng.exponential(1 / _positive("rps", rps), n))
    service = rng.choice(times, n)
    warm = n // 10  # the queue starts empty: drop the first requests
    c = max(1, math.floor(rps * times.mean()) + 1)
    while np.quantile(simulate_queue(arrivals, service, c)[warm:], q) > p95_target_s:
        c += 1
        if c > max_replicas:
            raise ValueError(f"More than {max_replicas} replicas would be needed.")
    return c


def day_of_traffic(peak_rps, *, spike_at_min: int = 18 * 60, spike_factor: float = 3.0, spike_min: int = 30,
                   seed: int = 0) -> np.ndarray:
    """One rate a minute for a day: low at night, a peak in the afternoon, and a spike (a flash sale)."""
    peak_rps = _positive("peak_rps", peak_rps)
    minutes = np.arange(24 * 60)
    shape = 0.55 - 0.45 * np.cos(2 * np.pi * (minutes / 60 - 3) / 24)  # lowest at 03:00, highest at 15:00
    rng = np.random.default_rng(seed)
    rates = peak_rps * shape * rng.normal(1, 0.03, minutes.size)
    rise = (minutes >= spike_at_min) & (minutes < spike_at_min + spike_min)
    rates[rise] *= spike_factor
    return np.maximum(rates, 0.0)


def replay_autoscaler(rates, service_times_s, p95_target_s, *, target_utilisation: float = 0.6, min_replicas: int = 2,
                      max_replicas: int = 100, startup_min: int = 2, scale_down_window_min: int = 5,
                      eur_per_hour: float = 0.09):
    """Minute by minute: the replicas an HPA-like rule runs, their utilisation, the p95 (formula), violations, cost."""
    import pandas as pd

    stats = service_stats(service_times_s)
    target_utilisation = _positive("target_utilisation", target_utilisation)
    ready = min_replicas
    pending: list[tuple[int, int]] = []  # (minute it becomes ready, how many)
    recent: list[int] = []
    rows = []
    for minute, rps in enumerate(rates):
        ready += sum(n for at, n in pending if at == minute)
        pending = [(at, n) for at, n in pending if at > minute]
        utilisation = rps * stats["mean_s"] / ready
        p95 = p95_wait_s(ready, rps, stats["mean_s"], stats["cv2"]) + stats["p95_s"]
        rows.append({"minute": minute, "rps": rps, "replicas": ready, "utilisation": utilisation,
                     "p95_ms": p95 * 1000, "violation": bool(p95 > p95_target_s)})
        desired = min(max_replicas, max(min_replicas, math.ceil(ready * utilisation / target_utilisation)))
        recent = (recent + [desired])[-scale_down_window_min:]
        starting = sum(n for _, n in pending)
        if desired > ready + starting:
            pending.append((minute + startup_min, desired - ready - starting))
        elif max(recent) < ready and not pending:
            ready = max(recent)  # scale down only after a window of lower demand
    out = pd.DataFrame(rows).set_index("minute")
    out["eur"] = out["replicas"] * eur_per_hour / 60
    return out
