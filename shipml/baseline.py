"""A first fraud score and the rule it must beat: chapter 1's baseline system.

    from shipml.baseline import features, rule_flags
    X = features(df)                                   # numbers a linear model can use
    flagged = rule_flags(df_val, amount_over=300)      # the bank's rule, as booleans

The chapters show these functions with `literalinclude`; chapter 2 builds the
research-style model that has to beat them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def features(df: pd.DataFrame) -> pd.DataFrame:
    """A few hand-made features of each transaction, as numbers; df must be in time order."""
    night, online = df.hour <= 5, df.channel == "online"
    abroad, swipe = df.country != df.home_country, df.device == "swipe"
    log_amount = np.log(df.amount)
    by_account = log_amount.groupby(df.account_id)
    usual = (by_account.cumsum() - log_amount) / by_account.cumcount()  # mean of the earlier amounts only
    X = pd.DataFrame({
        "log_amount": log_amount,
        "above_usual": (log_amount - usual).clip(lower=0).fillna(0.0),  # 0 for an account's first transaction
        "night": night, "online": online, "night_online": night & online,
        "abroad": abroad, "swipe": swipe, "abroad_swipe": abroad & swipe,
        "new_account": np.exp(-df.account_age_days / 20),  # fades over the first weeks
    }).astype(float)
    return X.join(pd.get_dummies(df.merchant_category, dtype=float))


def rule_flags(df: pd.DataFrame, amount_over: float = 300) -> np.ndarray:
    """The bank's rule: flag a large amount, or an online purchase abroad at night."""
    night_online_abroad = (df.hour <= 5) & (df.channel == "online") & (df.country != df.home_country)
    return ((df.amount > amount_over) | night_online_abroad).to_numpy()
