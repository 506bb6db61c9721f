"""The Pareto frontier (ties stay, dominated rows go) and the cheapest configuration that meets a goal."""

import pandas as pd
import pytest

from shipml.performance.pareto import choose, pareto_front


def test_are_dominated_rows_dropped_and_ties_kept():
    df = pd.DataFrame({"p95_ms": [1.0, 1.0, 2.0, 1.0, 0.5], "cost": [5.0, 5.0, 5.0, 6.0, 9.0],
                       "pr_auc": [0.2, 0.2, 0.2, 0.2, 0.1]}, index=list("abcde"))
    front = pareto_front(df, minimize=["p95_ms", "cost"], maximize=["pr_auc"])
    # a and b are identical: both stay. c is slower at the same cost: dominated. d costs more: dominated.
    # e is the fastest: it stays, whatever its quality.
    assert front.to_dict() == {"a": True, "b": True, "c": False, "d": False, "e": True}


def test_does_maximize_mean_larger_is_better():
    df = pd.DataFrame({"pr_auc": [0.1, 0.3, 0.2]})
    assert list(pareto_front(df, maximize=["pr_auc"])) == [False, True, False]
    assert list(pareto_front(df, minimize=["pr_auc"])) == [True, False, False]


def test_are_bad_columns_named():
    df = pd.DataFrame({"a": [1.0]})
    with pytest.raises(ValueError, match="not columns"):
        pareto_front(df, minimize=["b"])
    with pytest.raises(ValueError, match="at least one column"):
        pareto_front(df)
    with pytest.raises(ValueError, match="missing"):
        pareto_front(pd.DataFrame({"a": [1.0, float("nan")]}), minimize=["a"])


def test_is_the_cheapest_that_meets_the_goal_chosen():
    df = pd.DataFrame({"config": ["fast-dear", "slow-cheap", "ok", "ok-worse", "bad-model"],
                       "p95_ms": [0.1, 5.0, 0.5, 0.4, 0.1], "monthly_eur": [900, 100, 200, 200, 50],
                       "pr_auc": [0.21, 0.21, 0.21, 0.20, 0.10]})
    chosen = choose(df, slo_p95_ms=1.0, min_quality=0.2)
    assert chosen.config == "ok"  # ties on cost go to the better model, not the faster one
    with pytest.raises(ValueError, match="No configuration"):
        choose(df, slo_p95_ms=0.01, min_quality=0.2)
