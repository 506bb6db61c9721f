"""The bank's rule: the decision a fraud model must beat.

    from shipml.modeling.rules import rule_flags
    flagged = rule_flags(df_val, amount_over=300)      # booleans, one per transaction

A rule is the baseline every model is compared with: it costs nothing to
train, and it is what the bank runs today.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def rule_flags(df: pd.DataFrame, amount_over: float = 300) -> np.ndarray:
    """The bank's rule: flag a large amount, or an online purchase abroad at night."""
    night_online_abroad = (df.hour <= 5) & (df.channel == "online") & (df.country != df.home_country)
    return ((df.amount > amount_over) | night_online_abroad).to_numpy()
