"""Leakage: the peeking features and a random split inflate the validation PR-AUC."""

import numpy as np
import pytest

from shipml.data import transactions
from shipml.evaluation.leakage import leakage_grid, split_rows


@pytest.mark.parametrize("split", ["time", "random"])
def test_does_a_split_cover_every_row_once(split):
    train, val = split_rows(101, split)
    assert sorted(np.concatenate([train, val]).tolist()) == list(range(101)) and len(val) == 30


def test_is_the_time_split_in_time_order():
    train, val = split_rows(50, "time")
    assert train.max() < val.min()


def test_does_leakage_inflate_the_metric():
    df = transactions(seed=3, days=10, fraud_rate=0.02)
    grid = leakage_grid(df)
    assert set(grid) == {(f, s) for f in ("point-in-time", "peeking") for s in ("time", "random")}
    assert grid["peeking", "random"].pr_auc > grid["point-in-time", "time"].pr_auc
    assert grid["peeking", "time"].pr_auc > grid["point-in-time", "time"].pr_auc
