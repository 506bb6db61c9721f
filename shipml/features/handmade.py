"""Hand-made fraud features: what a domain expert would compute first (chapter 1's model reads them).

    from shipml.features.handmade import handmade_features
    X = handmade_features(df)          # one row per transaction, numbers a linear model can use

Each column encodes one suspicion an analyst would name: a large amount, an
amount above the account's usual, a purchase online at night, a swipe abroad,
a new account; and the merchant category, one-hot over the contract's ten
`MERCHANT_CATEGORIES` with the encoder's `one_hot` (a fixed list, so the columns
never depend on which categories a table happens to contain). `df` must be in
time order: "usual" is the mean of the account's earlier amounts only, so no
transaction sees its own future.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from shipml.data import MERCHANT_CATEGORIES
from shipml.features.encoding import one_hot

__all__ = ["handmade_features"]


def handmade_features(df: pd.DataFrame) -> pd.DataFrame:
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
    # Named by the category alone ("travel"), as chapter 1's coefficients are read.
    category = pd.DataFrame(one_hot(df.merchant_category, MERCHANT_CATEGORIES).astype(float),
                            columns=list(MERCHANT_CATEGORIES), index=df.index)
    return X.join(category)
