"""What shipml.evaluation.behaviour promises: the rows that break an invariance or a direction, listed."""

import numpy as np
import pandas as pd
import pytest

from shipml.evaluation.behaviour import direction, invariance

ROWS = pd.DataFrame({"amount": [10.0, 300.0, 1000.0], "account_id": ["a", "b", "c"]})


def grows(rows):
    return np.log(rows["amount"].to_numpy()) / 10


def falls_above_500(rows):
    a = rows["amount"].to_numpy()
    return np.where(a > 500, 0.1, np.log(a) / 10)


def test_a_monotone_model_passes_and_a_broken_one_lists_its_failures():
    double = lambda r: r.assign(amount=r.amount * 2)
    assert direction(grows, ROWS, double).passed
    verdict = direction(falls_above_500, ROWS, double)
    assert verdict.n_failed == 1 and list(verdict.failures.index) == [1] and verdict.worst > 0


def test_invariance_sees_any_move_and_ignores_none():
    rename = lambda r: r.assign(account_id="x" + r.account_id)
    assert invariance(grows, ROWS, rename).passed
    by_name = lambda rows: (rows["account_id"].str.len() == 1).to_numpy() * 0.1
    assert invariance(by_name, ROWS, rename).n_failed == 3


def test_bad_input_gets_a_sentence():
    with pytest.raises(ValueError, match="expect"):
        direction(grows, ROWS, lambda r: r, expect="sideways")
    with pytest.raises(ValueError, match="one row per row"):
        invariance(grows, ROWS, lambda r: r.head(1))
