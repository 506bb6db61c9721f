"""The decision rule that turns a score into an action: one home, shipped inside the model artifact.

    from shipml.evaluation.decision import DecisionPolicy
    policy = DecisionPolicy.threshold_rule(0.12)                          # hold when score >= 0.12
    policy = DecisionPolicy.expected_loss_rule(SCENARIO)                  # hold when the expected loss is larger
    hold = policy.hold(scores, amounts)                                   # a boolean per payment
    policy = policy.within_capacity(scores_val, amounts_val, 0.01)        # hold at most 1 % of payments
    DecisionPolicy.from_dict(policy.to_dict()) == policy                  # what meta.json keeps

Two rules, both taught in chapter 1:

- `threshold`: hold a payment when its score is at least one global
  threshold, chosen on validation data to minimise the cost there.
- `expected_loss`: hold a payment when letting it through is expected to
  cost more than holding it. With p the probability of fraud and a the
  amount, letting it through costs p * cost_fn_fraction * a; holding it costs
  (1 - p) * cost_fp (a legitimate customer held) + p * cost_review (the
  review of a held fraud). A large payment is held at a lower score than a
  small one. The rule needs p to be a probability (a calibrated score); a
  model trained with a weighted loss inflates its scores, and then the global
  threshold, tuned on validation, is the safer rule.

Capacity. The fraud team reviews only so many payments
(`SCENARIO.review_capacity`). When the cost-optimal rule holds more, the
rule is tightened on validation data until it holds no more than that share:
the threshold rises, or the expected-loss rule holds a payment only when the
expected saving exceeds a `margin` in EUR, so the payments held are the ones
where a review saves the most.

The policy is part of the model, not of a notebook: `shipml.serving.artifact`
writes it into the artifact's meta.json and the server applies it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass

import numpy as np

__all__ = ["DecisionPolicy"]

_KINDS = ("threshold", "expected_loss")


@dataclass(frozen=True)
class DecisionPolicy:
    """How a score (and the payment's amount) becomes a hold; see the module docstring."""

    kind: str
    threshold: float | None = None
    cost_fp: float | None = None
    cost_review: float = 0.0
    cost_fn_fraction: float = 1.0
    margin: float = 0.0

    def __post_init__(self):
        if self.kind not in _KINDS:
            raise ValueError(f"a decision policy's kind is one of {', '.join(_KINDS)}, not {self.kind!r}.")
        if self.kind == "threshold" and (self.threshold is None or not 0.0 <= float(self.threshold) <= 1.0):
            raise ValueError(f"a threshold policy needs a threshold between 0 and 1, not {self.threshold!r}.")
        if self.kind == "expected_loss":
            if self.cost_fp is None or not float(self.cost_fp) > 0:
                raise ValueError(f"an expected-loss policy needs cost_fp > 0 (EUR), not {self.cost_fp!r}.")
            if not 0 < float(self.cost_fn_fraction) <= 1 or float(self.cost_review) < 0:
                raise ValueError("cost_fn_fraction is in (0, 1] and cost_review at least 0.")

    @classmethod
    def threshold_rule(cls, threshold: float) -> "DecisionPolicy":
        return cls("threshold", threshold=float(threshold))

    @classmethod
    def expected_loss_rule(cls, scenario) -> "DecisionPolicy":
        """The per-payment rule with the scenario's costs (`shipml.data.scenario.SCENARIO`)."""
        return cls("expected_loss", cost_fp=float(scenario.cost_fp), cost_review=float(scenario.cost_review),
                   cost_fn_fraction=float(scenario.cost_fn_fraction))

    def hold(self, scores, amounts=None) -> np.ndarray:
        """True where the payment is held for review."""
        p = np.asarray(scores, dtype=float)
        if self.kind == "threshold":
            return p >= self.threshold
        if amounts is None:
            raise ValueError("the expected-loss rule needs each payment's amount.")
        a = np.asarray(amounts, dtype=float)
        if a.shape != p.shape:
            raise ValueError(f"scores and amounts differ in length: {p.shape[0]} and {a.shape[0]}.")
        return self.saving(p, a) > self.margin

    def key(self, scores, amounts=None) -> np.ndarray:
        """What the rule compares with its cut, per payment: the score (threshold) or the expected saving in EUR."""
        if self.kind == "threshold":
            return np.asarray(scores, dtype=float)
        return np.asarray(self.saving(scores, amounts), dtype=float)

    def saving(self, scores, amounts) -> np.ndarray:
        """Expected EUR saved by holding each payment rather than letting it through (the expected-loss rule)."""
        p, a = np.asarray(scores, dtype=float), np.asarray(amounts, dtype=float)
        fp = self.cost_fp if self.cost_fp is not None else 0.0
        return p * self.cost_fn_fraction * a - (1 - p) * fp - p * self.cost_review

    def within_capacity(self, scores, amounts, capacity: float) -> "DecisionPolicy":
        """This policy, tightened so that it holds at most `capacity` of these payments (unchanged if it does)."""
        if not 0 < float(capacity) <= 1:
            raise ValueError(f"capacity is a share of payments in (0, 1], not {capacity!r}.")
        held = self.hold(scores, amounts)
        allowed = int(np.floor(capacity * len(held)))
        if held.sum() <= allowed:
            return self
        key = self.key(scores, amounts)
        # The (allowed + 1)-th largest value: holding strictly above it keeps at most `allowed`.
        cut = float(np.sort(key)[::-1][allowed]) if allowed < len(key) else float(key.min())
        if self.kind == "threshold":
            return dataclasses.replace(self, threshold=float(np.nextafter(cut, np.inf)))
        return dataclasses.replace(self, margin=cut)

    def describe(self) -> str:
        if self.kind == "threshold":
            return f"hold when the score is at least {self.threshold:.3f}"
        margin = f" + {self.margin:.2f} EUR" if self.margin else ""
        return (f"hold when p x {self.cost_fn_fraction:g} x amount > (1 - p) x {self.cost_fp:.2f} EUR "
                f"+ p x {self.cost_review:.2f} EUR{margin}")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "DecisionPolicy":
        if not isinstance(data, dict) or "kind" not in data:
            raise ValueError(f"a decision policy is a dict with a 'kind', not {data!r}.")
        return cls(**data)
