"""Chapter 13's typical wrong answers, each failing the case named for its mistake (see test_wrong_answers.py)."""

import math

import torch.distributed as dist
from check_assertions import WrongAnswer
from test_infrastructure import probes


def average_sum_only(grads):
    """Sums over the ranks and forgets to divide: a learning rate twice as large on two ranks."""
    for g in grads:
        dist.all_reduce(g, op=dist.ReduceOp.SUM)
    return grads


def average_by_two(grads):
    """Divides by 2, written for the laptop: wrong on any other number of ranks."""
    for g in grads:
        dist.all_reduce(g, op=dist.ReduceOp.SUM)
        g /= 2
    return grads


def average_reduce_to_rank0(grads):
    """reduce instead of all_reduce: only rank 0 gets the sum, the others keep their own gradient."""
    for g in grads:
        dist.reduce(g, dst=0, op=dist.ReduceOp.SUM)
        g /= dist.get_world_size()
    return grads


def average_max(grads):
    """ReduceOp.MAX instead of a sum: the largest gradient, not the mean."""
    for g in grads:
        dist.all_reduce(g, op=dist.ReduceOp.MAX)
    return grads


def average_no_communication(grads):
    """Divides the local gradient by the ranks without ever talking to them."""
    return [g / dist.get_world_size() for g in grads]


def replicas_seconds_as_ms(rps, service_ms, headroom):
    """Treats milliseconds as seconds: a thousand times too many replicas."""
    return max(1, math.ceil(rps * service_ms / (1 - headroom)))


def replicas_times_headroom(rps, service_ms, headroom):
    """Multiplies by (1 + headroom) instead of dividing by (1 - headroom)."""
    return max(1, math.ceil(rps * service_ms / 1000 * (1 + headroom)))


def replicas_rounded(rps, service_ms, headroom):
    """Rounds to the nearest whole replica: 2.2 busy replicas get 2, which is overloaded."""
    return max(1, round(rps * service_ms / 1000 / (1 - headroom)))


def replicas_no_minimum(rps, service_ms, headroom):
    """No traffic, no replica: nothing answers the first request."""
    return math.ceil(rps * service_ms / 1000 / (1 - headroom))


def replicas_no_headroom(rps, service_ms, headroom):
    """Little's law alone: every replica planned at 100 %."""
    return max(1, math.ceil(rps * service_ms / 1000))


def cost_times_utilisation(rows_per_s, eur_per_hour, utilisation):
    """Multiplies by the utilisation: idle time looks free."""
    return eur_per_hour / (rows_per_s * 3600) * 1e6 * utilisation


def cost_ignores_utilisation(rows_per_s, eur_per_hour, utilisation):
    return eur_per_hour / (rows_per_s * 3600) * 1e6


def cost_per_second_price(rows_per_s, eur_per_hour, utilisation):
    """Divides an hourly price by predictions a second."""
    return eur_per_hour / (rows_per_s * utilisation) * 1e6


def cost_per_thousand(rows_per_s, eur_per_hour, utilisation):
    return eur_per_hour / (rows_per_s * utilisation * 3600) * 1e3


def probes_swapped(port):
    """Readiness on /health, liveness on /ready."""
    good = probes(port)
    good["readinessProbe"]["httpGet"]["path"], good["livenessProbe"]["httpGet"]["path"] = "/health", "/ready"
    return good


def probes_both_health(port):
    """Both on /health: a pod still loading its model gets traffic and answers 503."""
    good = probes(port)
    good["readinessProbe"]["httpGet"]["path"] = "/health"
    return good


def probes_typo(port):
    """readinesProbe: Kubernetes' strict schema rejects the unknown field (a lax one would ignore the probe)."""
    good = probes(port)
    good["readinesProbe"] = good.pop("readinessProbe")
    return good


def probes_strings(port):
    """Numbers written as strings, as YAML by hand often has them."""
    good = probes(port)
    good["livenessProbe"]["periodSeconds"] = "10"
    return good


def probes_hard_coded_port(port):
    return probes(8000)


def probes_impatient(port):
    """Liveness every second, one failure and it restarts: a busy pod is killed under load."""
    good = probes(port)
    good["livenessProbe"] = {"httpGet": {"path": "/health", "port": port}, "periodSeconds": 1, "failureThreshold": 1}
    return good


def probes_slow_readiness(port):
    good = probes(port)
    good["readinessProbe"]["periodSeconds"] = 60
    return good


WRONG_ANSWERS = [
    WrongAnswer("ch13-ex2", "sums without dividing", average_sum_only,
                "the average equals the full-batch gradient on 2 ranks"),
    WrongAnswer("ch13-ex2", "divides by 2, not the world size", average_by_two,
                "3 ranks: divide by the world size, not by 2"),
    WrongAnswer("ch13-ex2", "reduce to rank 0, not all_reduce", average_reduce_to_rank0,
                "every rank holds the same gradient"),
    WrongAnswer("ch13-ex2", "ReduceOp.MAX", average_max, "the average equals the full-batch gradient on 2 ranks"),
    WrongAnswer("ch13-ex2", "no communication", average_no_communication, "every rank holds the same gradient"),
    WrongAnswer("ch13-ex3", "milliseconds as seconds", replicas_seconds_as_ms, "milliseconds are not seconds"),
    WrongAnswer("ch13-ex3", "multiplies by 1 + headroom", replicas_times_headroom,
                "headroom divides, it does not multiply"),
    WrongAnswer("ch13-ex3", "rounds instead of rounding up", replicas_rounded, "round up, and never below one"),
    WrongAnswer("ch13-ex3", "no minimum of one", replicas_no_minimum, "round up, and never below one"),
    WrongAnswer("ch13-ex3", "no headroom", replicas_no_headroom, "a hand-worked example"),
    WrongAnswer("ch13-ex4", "multiplies by the utilisation", cost_times_utilisation,
                "an idle GPU is still paid for"),
    WrongAnswer("ch13-ex4", "ignores the utilisation", cost_ignores_utilisation, "an idle GPU is still paid for"),
    WrongAnswer("ch13-ex4", "hourly price over rows a second", cost_per_second_price, "a hand-worked example"),
    WrongAnswer("ch13-ex4", "per thousand, not per million", cost_per_thousand, "a hand-worked example"),
    WrongAnswer("ch13-ex5", "paths swapped", probes_swapped, "readiness asks /ready, liveness asks /health"),
    WrongAnswer("ch13-ex5", "readiness on /health", probes_both_health, "readiness asks /ready, liveness asks /health"),
    WrongAnswer("ch13-ex5", "readinesProbe typo", probes_typo, "the Deployment is valid under the Kubernetes schema"),
    WrongAnswer("ch13-ex5", "numbers as strings", probes_strings, "the Deployment is valid under the Kubernetes schema"),
    WrongAnswer("ch13-ex5", "port typed in", probes_hard_coded_port, "the probes ask the port the server listens on"),
    WrongAnswer("ch13-ex5", "impatient liveness", probes_impatient, "liveness is patient, readiness is prompt"),
    WrongAnswer("ch13-ex5", "slow readiness", probes_slow_readiness, "liveness is patient, readiness is prompt"),
]
