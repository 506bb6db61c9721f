"""Closing the loop: shadow scoring, a canary on a share of the payments, and the promote-or-roll-back rule.

    from shipml.monitoring.rollout import canary_mask, compare_models, canary_decision
    canary = canary_mask(df.transaction_id, share=0.1)           # the same payments every time: a hash, no state
    shadow = compare_models(y, scores_champion, scores_challenger, days)   # PR-AUC difference, interval over days
    decision = canary_decision(y[canary], old[canary], new[canary], days[canary])   # "promote" or "roll back"

Shadow scoring: the challenger scores every live payment beside the champion,
its answers logged and never used; once the labels mature, the two are
compared on the same payments. A canary goes further: the challenger's
decisions are applied to a small, fixed share of the payments (chosen by a
hash of the payment's id, so a retry lands in the same arm). The rule here is
conservative: promote only if the challenger's PR-AUC on the canary is higher
and the lower end of the 90 % paired interval over days is above
`-tolerance`; otherwise roll back (in `shipml.serving.artifact`, `activate`
the champion's version again).
"""

from __future__ import annotations

import hashlib

import numpy as np

from shipml.evaluation.bootstrap import paired_bootstrap

__all__ = ["canary_decision", "canary_mask", "compare_models"]


def canary_mask(transaction_ids, share: float) -> np.ndarray:
    """True for the payments in the canary: a fixed `share` of them, chosen by a hash of the id (no randomness)."""
    if not 0 <= share <= 1:
        raise ValueError(f"share is between 0 and 1, not {share!r}.")
    buckets = np.array([int.from_bytes(hashlib.sha256(str(i).encode()).digest()[:4], "big") % 10_000
                        for i in transaction_ids])
    return buckets < round(share * 10_000)


def compare_models(y_true, scores_old, scores_new, days, *, n_boot: int = 1000, seed: int = 0):
    """PR-AUC of the new model minus the old one's on the same payments, with a 90 % interval over whole days."""
    return paired_bootstrap(y_true, scores_new, scores_old, groups=days, n_boot=n_boot, seed=seed)


def canary_decision(y_true, scores_old, scores_new, days, *, tolerance: float = 0.0, n_boot: int = 1000,
                    seed: int = 0) -> dict:
    """"promote" when the challenger's PR-AUC on the canary is higher and the interval's low end > -tolerance."""
    if not np.asarray(y_true).astype(bool).any():  # PR-AUC is undefined without a fraud: no evidence to promote on
        return {"decision": "roll back", "difference": None, "why": "no fraud in the canary yet: no evidence"}
    difference = compare_models(y_true, scores_old, scores_new, days, n_boot=n_boot, seed=seed)
    promote = difference.estimate > 0 and difference.low > -tolerance
    why = (f"PR-AUC {difference.estimate:+.3f} (90 % interval {difference.low:+.3f} to {difference.high:+.3f})")
    return {"decision": "promote" if promote else "roll back", "difference": difference, "why": why}
