"""Money from throughput: instances with headroom, monthly cost, cost per million, fleets, the price table."""

import math

import pytest

from shipml.performance.pricing import (HOURS_PER_MONTH, PRICES_FILE, cheapest_fleet, cost_per_million, fleet_options,
                            gpu_rows_per_s, instances_needed, load_prices, monthly_cost)


@pytest.mark.parametrize("rps, per_instance, headroom, expected", [
    (1000, 500, 0.0, 2),        # an exact fit
    (1001, 500, 0.0, 3),        # a request more needs another instance
    (700, 1000, 0.3, 1),        # 0.7 of one instance: rounding must not add one
    (700.1, 1000, 0.3, 2),
    (0, 1000, 0.3, 1),          # at least one instance answers
    (20_000, 9_000, 0.3, 4),
])
def test_are_instances_rounded_up_with_headroom(rps, per_instance, headroom, expected):
    assert instances_needed(rps, per_instance, headroom) == expected


def test_is_a_minimum_fleet_kept():
    assert instances_needed(10, 1000, 0.3, minimum=2) == 2


@pytest.mark.parametrize("args, message", [((-1, 10), "rps"), ((10, 0), "rps_per_instance"),
                                           ((10, 10, 1.0), "headroom"), ((10, float("nan")), "finite"),
                                           (("10", 10), "finite")])
def test_are_bad_inputs_refused_with_a_sentence(args, message):
    with pytest.raises(ValueError, match=message):
        instances_needed(*args)


def test_is_a_month_730_hours_and_a_million_a_million():
    assert HOURS_PER_MONTH == 730
    assert monthly_cost(3, 0.5) == pytest.approx(3 * 0.5 * 730)
    assert cost_per_million(730.0, rps=1.0) == pytest.approx(730.0 / (3600 * 730) * 1e6)
    with pytest.raises(ValueError):
        cost_per_million(100, rps=0)


def test_is_the_price_table_labelled_illustrative_and_dated():
    header = [line for line in PRICES_FILE.read_text().splitlines() if line.startswith("#")]
    assert any("ILLUSTRATIVE" in line for line in header) and any("2026" in line for line in header)
    prices = load_prices()
    assert set(prices.kind) == {"cpu", "gpu"} and (prices.eur_per_hour > 0).all()
    assert (prices.source == "illustrative").all() and prices.priced_on.notna().all()
    assert (prices[prices.kind == "gpu"].gpu_fp32_tflops > 0).all()


def test_does_the_cheapest_fleet_respect_the_minimum_and_the_traffic():
    prices = load_prices()
    options = fleet_options(20_000, 4_000, prices, headroom=0.3, minimum=2)
    assert (options.total_vcpus * 4_000 * 0.7 >= 20_000).all() and (options.instances >= 2).all()
    best = cheapest_fleet(20_000, 4_000, prices, headroom=0.3, minimum=2)
    assert best.monthly_eur == options.monthly_eur.min()
    assert math.isclose(best.monthly_eur, monthly_cost(best.instances, best.eur_per_hour))


def test_is_a_gpu_estimate_peak_times_utilisation_over_flops():
    assert gpu_rows_per_s(1e6, tflops=10, utilisation=0.5) == pytest.approx(5e6)
    with pytest.raises(ValueError):
        gpu_rows_per_s(0, tflops=10)


def test_does_a_fleet_that_follows_the_day_pay_only_for_each_hour():
    from shipml.performance.pricing import following_day_cost, instances_by_hour

    day = [100.0] * 12 + [1_000.0] * 12  # a quiet half and a busy half
    assert instances_by_hour(day, rps_per_instance=500, headroom=0.0, minimum=1) == [1] * 12 + [2] * 12
    # 36 instance-hours a day, 730 / 24 days a month, 0.5 EUR an hour
    assert following_day_cost(day, 500, 0.5, headroom=0.0) == pytest.approx(36 * 0.5 * 730 / 24)
    peak_sized = monthly_cost(instances_needed(max(day), 500, 0.0), 0.5)
    assert following_day_cost(day, 500, 0.5, headroom=0.0) == pytest.approx(0.75 * peak_sized)
    # the minimum binds at low traffic: following the day saves nothing then
    assert following_day_cost(day, 50_000, 0.5, headroom=0.3, minimum=2) == pytest.approx(monthly_cost(2, 0.5))
    with pytest.raises(ValueError, match="one rate per hour"):
        instances_by_hour([], 500)


def test_are_vcpus_counted_as_hyperthreads():
    from shipml.performance.pricing import VCPUS_PER_CORE

    assert VCPUS_PER_CORE == 2
