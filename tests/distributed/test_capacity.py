"""Capacity: Little's law, Erlang C against known values, the formula against the simulation, the autoscaler."""

import math

import numpy as np
import pytest

from shipml.distributed import capacity


def test_is_littles_law_rate_times_time():
    assert capacity.busy_replicas(1000, 2.0) == pytest.approx(2.0)
    assert capacity.replicas_littles_law(1000, 2.0, headroom=0.3) == 3
    assert capacity.replicas_littles_law(700, 2.0, headroom=0.3) == 2  # exactly 2.0: no extra replica
    assert capacity.replicas_littles_law(0, 2.0) == 1


@pytest.mark.parametrize("kwargs, match", [(dict(rps=-1, service_ms=2), "rps"),
                                           (dict(rps=10, service_ms=0), "service_ms"),
                                           (dict(rps=10, service_ms=2, headroom=1.0), "headroom")])
def test_is_bad_input_a_sentence(kwargs, match):
    with pytest.raises(ValueError, match=match):
        capacity.replicas_littles_law(**kwargs)


def test_does_erlang_c_match_textbook_values():
    assert capacity.erlang_c(1, 0.5) == pytest.approx(0.5)  # M/M/1: the chance of waiting is the utilisation
    assert capacity.erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert capacity.erlang_c(3, 3.0) == 1.0


def test_is_the_mm1_wait_quantile_the_closed_form():
    # M/M/1, rho = 0.5, mean service 1 s: P(W > t) = rho e^{-(mu - lambda) t}; p95 = ln(0.5 / 0.05) / 0.5
    assert capacity.p95_wait_s(1, 0.5, 1.0, service_cv2=1.0) == pytest.approx(math.log(10) / 0.5)
    assert capacity.p95_wait_s(1, 2.0, 1.0) == math.inf


def test_does_the_simulated_mm1_queue_match_the_formula():
    rng = np.random.default_rng(1)
    arrivals = np.cumsum(rng.exponential(1 / 0.5, 200_000))
    response = capacity.simulate_queue(arrivals, rng.exponential(1.0, 200_000), c=1)
    assert response.mean() == pytest.approx(1 / (1 - 0.5), rel=0.05)  # M/M/1: W = 1 / (mu - lambda)


@pytest.mark.parametrize("rps", [300, 1500, 4000])
def test_do_formula_and_simulation_agree_within_one_replica(rps):
    service = np.random.default_rng(3).gamma(2.0, 0.001, 800)
    formula = capacity.replicas_formula(rps, service, 0.010)
    simulated = capacity.replicas_simulated(rps, service, 0.010)
    assert abs(formula - simulated) <= 1 and formula >= capacity.busy_replicas(rps, 1000 * service.mean())


def test_is_an_impossible_target_a_sentence():
    with pytest.raises(ValueError, match="Make each request faster"):
        capacity.replicas_formula(100, [0.02, 0.03, 0.04], p95_target_s=0.01)


def test_does_the_autoscaler_follow_a_spike_late_and_come_back_down():
    service = np.random.default_rng(3).gamma(2.0, 0.001, 800)
    day = capacity.day_of_traffic(2000, spike_at_min=600, spike_factor=3.0, spike_min=30)
    replay = capacity.replay_autoscaler(day, service, 0.010, startup_min=3)
    assert replay.loc[615, "replicas"] > 2 * replay.loc[590, "replicas"]  # it scaled up for the spike
    assert replay.loc[660, "replicas"] < replay.loc[615, "replicas"] / 2  # and back down after it
    assert replay.loc[600:605, "violation"].any()                   # new pods come late: the spike's start hurts
    assert replay["replicas"].min() >= 2 and replay["eur"].sum() > 0
