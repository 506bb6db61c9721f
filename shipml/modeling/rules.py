"""The bank's rule: the decision a fraud model must beat.

    from shipml.modeling.rules import rule_flags
    flagged = rule_flags(df_val, amount_over=300)      # booleans, one per transaction
    limit = rule_within_capacity(df_val, capacity=0.01, cost_fp=5.0, cost_review=3.0)   # the fair rival

A model is held to the fraud team's review capacity; the rule it is compared
with must be too. `rule_within_capacity` is the amount limit (of 300, 400, …,
2000 EUR) whose rule holds at most `capacity` of the validation payments at the
lowest cost, as chapter 1 chooses it.

A rule is the baseline every model is compared with: it costs nothing to
train, and it is what the bank runs today.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


__all__ = ["rule_flags", "rule_within_capacity"]

RULE_LIMITS = range(300, 2100, 100)


def rule_flags(df: pd.DataFrame, amount_over: float = 300) -> np.ndarray:
    """The bank's rule: flag a large amount, or an online purchase abroad at night."""
    night_online_abroad = (df.hour <= 5) & (df.channel == "online") & (df.country != df.home_country)
    return ((df.amount > amount_over) | night_online_abroad).to_numpy()


def rule_within_capacity(df_val: pd.DataFrame, capacity: float, *, cost_fp: float, cost_fn_fraction: float = 1.0,
                         cost_review: float = 0.0, limits=RULE_LIMITS) -> float:
    """The amount limit whose rule holds at most `capacity` of `df_val`'s payments at the lowest cost there."""
    from shipml.evaluation.cost import decision_cost

    fits = [limit for limit in limits if rule_flags(df_val, limit).mean() <= capacity]
    if not fits:
        raise ValueError(f"no amount limit of {min(limits)}-{max(limits)} EUR keeps the rule within a capacity of "
                         f"{capacity:.2%} of payments.")
    y, amounts = df_val["is_fraud"].to_numpy(), df_val["amount"].to_numpy()
    return min(fits, key=lambda limit: decision_cost(y, rule_flags(df_val, limit), cost_fp=cost_fp, amounts=amounts,
                                                     cost_fn_fraction=cost_fn_fraction, cost_review=cost_review))
