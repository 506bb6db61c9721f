"""What shipml.evaluation.slices promises: one row per slice with a recall interval over days."""

import numpy as np
import pandas as pd

from shipml.evaluation.slices import account_tenure, amount_band, slice_table


def _frame(n_days=10, per_day=100, seed=0):
    rng = np.random.default_rng(seed)
    n = n_days * per_day
    stamps = pd.Timestamp("2026-01-01", tz="UTC") + pd.to_timedelta(np.repeat(np.arange(n_days), per_day), unit="D")
    return pd.DataFrame({"timestamp": stamps, "amount": rng.lognormal(3.5, 1.2, n),
                         "channel": rng.choice(["card_present", "online"], n),
                         "is_fraud": (rng.random(n) < 0.05).astype(int)})


def test_bands_and_tenure():
    assert list(amount_band([5, 20, 99.9, 100, 500])) == ["< 20", "20-100", "20-100", "100-500", ">= 500"]
    assert list(account_tenure([0, 29, 30])) == ["new", "new", "known"]


def test_a_slice_table_counts_and_its_recall_lies_in_its_interval():
    df = _frame()
    held = (df.amount > 50).to_numpy()
    table = slice_table(df, held, {"channel": df.channel}, n_boot=200)
    assert table.payments.sum() == len(df) and table.fraud.sum() == df.is_fraud.sum()
    for _, row in table.iterrows():
        inside = (df.channel == row.slice).to_numpy()
        fraud = inside & (df.is_fraud == 1).to_numpy()
        assert row.recall == held[fraud].mean()
        assert row.recall_low <= row.recall <= row.recall_high
        assert row.missed_eur == df.amount[fraud & ~held].sum()
