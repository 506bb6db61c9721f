"""From measured throughput to money: instances, monthly cost, cost per million predictions.

    from shipml.performance.pricing import load_prices, instances_needed, monthly_cost, cost_per_million, cheapest_fleet
    prices = load_prices()                                   # the illustrative price table shipped with the course
    n = instances_needed(20_000, rps_per_instance=9_000, headroom=0.3)     # -> 4
    monthly_cost(n, hourly_price=0.36)                       # EUR per month (730 hours)
    cost_per_million(monthly_cost(n, 0.36), rps=20_000)      # EUR per 1,000,000 predictions at that traffic
    cheapest_fleet(20_000, rps_per_vcpu=4_500, prices=prices, headroom=0.3, minimum=2)
    rps_per_vcpu = rps_per_worker / VCPUS_PER_CORE             # one single-threaded worker per physical core
    following_day_cost(hourly_rps, rps_per_instance=9_000, hourly_price=0.36, headroom=0.3, minimum=2)

The price table (`shipml/performance/prices.csv`) is illustrative and dated: its header
says where its numbers come from. Replace it with a current price list
before deciding anything real; the arithmetic stays the same.

**Headroom** is the share of capacity kept free: traffic is never as smooth
as its average, and a fleet at 100 % utilisation queues every burst. With a
headroom of 0.3 each instance is planned at 70 % of what it was measured to
sustain.

**vCPUs are hyperthreads.** A cloud's vCPU is usually one hardware thread
of a physical core that runs two (`VCPUS_PER_CORE`): an 8-vCPU instance has
4 cores. A single-threaded worker measured alone on a core gets the whole
core; two workers on the two threads of one core share its execution units
and together gain only a little over one (often 0 to 30 %). So a fleet is
planned with one worker per physical core: a worker's measured rate divided
by `VCPUS_PER_CORE` per vCPU.

**Following the day.** Traffic has a daily shape; a fleet sized for the
peak hour all month pays for idle capacity at night. `following_day_cost`
prices a fleet resized every hour to that hour's rate (a schedule, as an
autoscaler with a known day would run), never below `minimum`.
"""

from __future__ import annotations

import math
import numbers
from pathlib import Path

__all__ = ["HOURS_PER_MONTH", "PRICES_FILE", "VCPUS_PER_CORE", "cheapest_fleet", "cost_per_million", "fleet_options",
           "following_day_cost", "gpu_rows_per_s", "instances_by_hour", "instances_needed", "load_prices",
           "monthly_cost"]

#: Hours in an average month (365 * 24 / 12), as cloud bills count them.
HOURS_PER_MONTH = 730
#: Hardware threads (vCPUs) per physical core on the usual x86 cloud instance (SMT, "hyperthreading").
VCPUS_PER_CORE = 2
PRICES_FILE = Path(__file__).with_name("prices.csv")


def load_prices(path=PRICES_FILE):
    """The price table: one row per instance type (kind cpu or gpu, vcpus, gpu_fp32_tflops, eur_per_hour, ...)."""
    import pandas as pd

    prices = pd.read_csv(path, comment="#")
    missing = {"instance", "kind", "vcpus", "eur_per_hour"} - set(prices.columns)
    if missing:
        raise ValueError(f"{path}: the price table needs the columns {sorted(missing)}.")
    return prices


def _number(name, value, *, positive=False):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number; got {value!r}.")
    if value < 0 or (positive and value == 0):
        raise ValueError(f"{name} must be {'above' if positive else 'at least'} 0; got {value!r}.")
    return float(value)


def instances_needed(rps, rps_per_instance, headroom: float = 0.3, minimum: int = 1) -> int:
    """How many instances serve `rps` requests/s when each sustains `rps_per_instance` and keeps `headroom` free."""
    rps = _number("rps", rps)
    rps_per_instance = _number("rps_per_instance", rps_per_instance, positive=True)
    headroom = _number("headroom", headroom)
    if headroom >= 1:
        raise ValueError(f"headroom is the share of capacity kept free, from 0 to below 1; got {headroom!r}.")
    needed = rps / (rps_per_instance * (1.0 - headroom))
    return max(int(minimum), math.ceil(needed - 1e-9))  # 1e-9: 2.0000000001 from rounding is still 2


def monthly_cost(instances, hourly_price, hours_per_month: float = HOURS_PER_MONTH) -> float:
    """EUR per month for `instances` running all month at `hourly_price` each."""
    return _number("instances", instances) * _number("hourly_price", hourly_price) * _number(
        "hours_per_month", hours_per_month)


def cost_per_million(monthly, rps, hours_per_month: float = HOURS_PER_MONTH) -> float:
    """EUR per 1,000,000 predictions when a fleet costing `monthly` serves `rps` requests/s all month."""
    predictions = _number("rps", rps, positive=True) * 3600 * _number("hours_per_month", hours_per_month,
                                                                      positive=True)
    return _number("monthly", monthly) / predictions * 1e6


def fleet_options(rps, rps_per_vcpu, prices, *, headroom: float = 0.3, minimum: int = 1):
    """Every CPU instance type of `prices` sized for `rps`: instances, vCPUs in all, EUR per month."""
    cpu = prices[prices.kind == "cpu"].copy()
    cpu["instances"] = [instances_needed(rps, rps_per_vcpu * v, headroom, minimum) for v in cpu.vcpus]
    cpu["total_vcpus"] = cpu.instances * cpu.vcpus
    cpu["monthly_eur"] = [monthly_cost(n, p) for n, p in zip(cpu.instances, cpu.eur_per_hour)]
    return cpu[["instance", "vcpus", "instances", "total_vcpus", "eur_per_hour", "monthly_eur"]].reset_index(drop=True)


def cheapest_fleet(rps, rps_per_vcpu, prices, *, headroom: float = 0.3, minimum: int = 1):
    """The CPU fleet of `fleet_options` that costs least per month (fewer vCPUs on a tie)."""
    options = fleet_options(rps, rps_per_vcpu, prices, headroom=headroom, minimum=minimum)
    return options.sort_values(["monthly_eur", "total_vcpus"], kind="stable").iloc[0]


def instances_by_hour(hourly_rps, rps_per_instance, headroom: float = 0.3, minimum: int = 1) -> list[int]:
    """Instances needed in each hour of a day, for the rates `hourly_rps` (24 values, requests/s)."""
    rates = list(hourly_rps)
    if not rates:
        raise ValueError("hourly_rps needs one rate per hour of the day; got none.")
    return [instances_needed(rate, rps_per_instance, headroom, minimum) for rate in rates]


def following_day_cost(hourly_rps, rps_per_instance, hourly_price, *, headroom: float = 0.3, minimum: int = 1,
                       hours_per_month: float = HOURS_PER_MONTH) -> float:
    """EUR per month for a fleet resized every hour to that hour's rate, the day's shape repeated all month."""
    counts = instances_by_hour(hourly_rps, rps_per_instance, headroom, minimum)
    days_per_month = _number("hours_per_month", hours_per_month) / len(counts)
    return sum(counts) * _number("hourly_price", hourly_price) * days_per_month


def gpu_rows_per_s(flops_per_row, tflops, utilisation: float = 0.4) -> float:
    """Rows per second a GPU can compute at `utilisation` of its peak `tflops` (an estimate from a data sheet)."""
    return _number("utilisation", utilisation) * _number("tflops", tflops) * 1e12 / _number(
        "flops_per_row", flops_per_row, positive=True)
