"""Closing the loop: shadow scoring, a canary on a share of the payments, and the promote-or-roll-back rule.

    from shipml.monitoring.rollout import canary_mask, compare_models, canary_decision, promote_or_roll_back
    canary = canary_mask(df.transaction_id, share=0.1)           # the same payments every time: a hash, no state
    shadow = compare_models(y, scores_champion, scores_challenger, days)   # PR-AUC difference, interval over days
    decision = canary_decision(y[canary], old[canary], new[canary], days[canary])   # "promote" or "roll back"
    promote_or_roll_back({"pr_auc_old": 0.61, "pr_auc_new": 0.66, "low": -0.01, "tolerance": 0.05,
                          "p99_ms": 12.0, "slo_ms": 50.0, "errors": 0})             # the rule with the service's health
    plan = retrain_plan(first_alarm_day=27, month_start=month.start)   # which labelled days, retrained on which day
    fitted = train_production(plan.labelled(month.history), scenario=plan.scenario)

Shadow scoring: the challenger scores every live payment beside the champion,
its answers logged and never used; once the labels mature, the two are
compared on the same payments. A canary goes further: the challenger's
decisions are applied to a small, fixed share of the payments (chosen by a
hash of the payment's id, so a retry lands in the same arm). The rule here is
conservative: promote only if the challenger's PR-AUC on the canary is higher
and the lower end of the 90 % paired interval over days is above
`-tolerance`; otherwise roll back (in `shipml.serving.artifact`, `activate`
the champion's version again). `promote_or_roll_back` is the same rule on the
canary's numbers, with the service's health added: the canary must also answer
within the latency SLO and without errors.

A triggered retrain (`retrain_plan`): a 7-day PR-AUC alarm about day `d`
places the drift's onset about six days earlier (the window's first day), and
the retrain waits until four weeks after the onset are labelled (the label
delay): it trains on the first three weeks and chooses its decision rule on
the fourth.
"""

from __future__ import annotations

import dataclasses
import hashlib

import numpy as np
import pandas as pd

from shipml.data.scenario import SCENARIO

from shipml.evaluation.bootstrap import paired_bootstrap

__all__ = ["CANARY_KEYS", "RetrainPlan", "canary_decision", "canary_mask", "compare_models", "promote_or_roll_back",
           "retrain_plan"]

# What promote_or_roll_back reads from a canary: PR-AUC of both models on the canary, the low end of the
# 90 % interval of new minus old, the tolerance, the served p99 and its SLO, and the failed requests.
CANARY_KEYS = ("pr_auc_old", "pr_auc_new", "low", "tolerance", "p99_ms", "slo_ms", "errors")


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


def _better(gain, low, tolerance) -> bool:
    """The challenger is better: its PR-AUC gain is positive and the gain's interval ends above -tolerance."""
    return bool(gain > 0 and low > -tolerance)


def canary_decision(y_true, scores_old, scores_new, days, *, tolerance: float = 0.0, n_boot: int = 1000,
                    seed: int = 0) -> dict:
    """"promote" when the challenger's PR-AUC on the canary is higher and the interval's low end > -tolerance."""
    if not np.asarray(y_true).astype(bool).any():  # PR-AUC is undefined without a fraud: no evidence to promote on
        return {"decision": "roll back", "difference": None, "why": "no fraud in the canary yet: no evidence"}
    difference = compare_models(y_true, scores_old, scores_new, days, n_boot=n_boot, seed=seed)
    promote = _better(difference.estimate, difference.low, tolerance)
    why = (f"PR-AUC {difference.estimate:+.3f} (90 % interval {difference.low:+.3f} to {difference.high:+.3f})")
    return {"decision": "promote" if promote else "roll back", "difference": difference, "why": why}


def promote_or_roll_back(canary: dict) -> str:
    """"promote" when the challenger is better (and not worse beyond the tolerance) and the service is healthy.

    `canary` holds `CANARY_KEYS`: promote only when pr_auc_new > pr_auc_old, the interval's low end
    > -tolerance (the rule of `canary_decision`), p99_ms <= slo_ms and errors == 0; otherwise "roll back".
    """
    if not isinstance(canary, dict):
        raise TypeError(f"canary is a dict with the keys {', '.join(CANARY_KEYS)}, not {type(canary).__name__}.")
    missing = [key for key in CANARY_KEYS if key not in canary]
    if missing:
        raise ValueError(f"the canary has no {missing[0]!r}; the rule needs {', '.join(CANARY_KEYS)}.")
    better = _better(canary["pr_auc_new"] - canary["pr_auc_old"], canary["low"], canary["tolerance"])
    healthy = canary["p99_ms"] <= canary["slo_ms"] and canary["errors"] == 0
    return "promote" if better and healthy else "roll back"


@dataclasses.dataclass(frozen=True)
class RetrainPlan:
    """A triggered retrain: the alarm, the drift's onset, the day it can run, and the scenario of its window."""

    first_alarm_day: int
    onset: int
    retrain_day: int
    start: pd.Timestamp  # the first labelled day's midnight (UTC)
    scenario: object     # SCENARIO with the labelled weeks as its window: train, then validation

    def labelled(self, history: pd.DataFrame) -> pd.DataFrame:
        """The payments of the labelled weeks, from `history`."""
        end = self.start + pd.Timedelta(days=self.scenario.days)
        return history[(history["timestamp"] >= self.start) & (history["timestamp"] < end)]


def retrain_plan(first_alarm_day: int, month_start, *, weeks: int = 4, window: int = 7,
                 scenario=SCENARIO) -> RetrainPlan:
    """The retrain an alarm about `first_alarm_day` (a 7-day window's last day) triggers: see the module docstring."""
    if weeks < 2:
        raise ValueError(f"a retrain needs at least two labelled weeks (one to train, one to choose the rule on), "
                         f"not {weeks}.")
    onset = int(first_alarm_day) - (window - 1)
    days = 7 * weeks
    start = pd.Timestamp(month_start) + pd.Timedelta(days=onset)
    recent = dataclasses.replace(scenario, start=str(start.date()), days=days, train_days=days - 7, val_days=7)
    return RetrainPlan(int(first_alarm_day), onset, onset + days + scenario.label_delay_days, start, recent)
