"""The registry's aliases: a promotion gate on evidence, alias moves written to the audit log, and rollback.

    from shipml.tracking.promotion import RegistryError, move_alias, promotion_gate, resolve, rollback
    decision = promotion_gate(y_val, champion_scores, challenger_scores, challenger_p95_ms=0.4, budget_ms=1.0)
    decision.promote, decision.reason, decision.improvement        # improvement: an Interval of PR-AUC gained
    move_alias(client, "fraud-model", "champion", "2", audit=AuditLog(path), actor="gate", reason=decision.reason)
    resolve(client, "fraud-model", "champion")                     # the ModelVersion, or a RegistryError sentence
    rollback(client, "fraud-model", "champion", audit=log, actor="on-call", reason="alarm")   # back to the previous

The gate promotes a challenger only on evidence: the lower end of a paired
bootstrap interval (`shipml.evaluation.bootstrap.paired_bootstrap`: both
models' PR-AUC on the same resampled validation rows) of its improvement over
the champion is above zero, *and* its p95 latency (chapter 8's benchmark) is
within the budget. A better point estimate whose interval crosses zero is
noise the bank would pay to deploy.

MLflow's registry stages (Staging, Production) are deprecated since MLflow
2.9; an alias is a movable name on one version (`models:/fraud-model@champion`).
Every move, with the version it replaced, is an entry of chapter 10's
hash-chained audit log (`shipml.governance.audit`), so a rollback knows where
to go back to and an auditor can see who moved what, when and why.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shipml.evaluation.bootstrap import Interval, paired_bootstrap

__all__ = ["Decision", "RegistryError", "alias_version", "move_alias", "promotion_gate", "resolve", "rollback"]


class RegistryError(LookupError):
    """A model name or alias the registry does not have; the message says which ones it has."""


@dataclass(frozen=True)
class Decision:
    """The gate's verdict: promote or not, why, the improvement's interval and the latency against its budget."""

    promote: bool
    reason: str
    improvement: Interval
    p95_ms: float
    budget_ms: float

    def to_dict(self) -> dict:
        return {"promote": self.promote, "reason": self.reason, "improvement": self.improvement.to_dict(),
                "p95_ms": self.p95_ms, "budget_ms": self.budget_ms}


def promotion_gate(y_val, champion_scores, challenger_scores, *, challenger_p95_ms: float, budget_ms: float,
                   groups=None, n_boot: int = 1000, seed: int = 0, level: float = 0.9) -> Decision:
    """Promote when the interval of (challenger - champion) PR-AUC is above 0 and the p95 latency is in budget."""
    y = np.asarray(y_val)
    if not np.isfinite(challenger_p95_ms) or not np.isfinite(budget_ms) or budget_ms <= 0:
        raise ValueError(f"The gate needs a measured p95 latency and a positive budget; got {challenger_p95_ms} ms "
                         f"and {budget_ms} ms.")
    if y.sum() == 0:
        raise ValueError("The validation rows hold no fraud: PR-AUC, and so the gate, cannot tell the models apart.")
    gain = paired_bootstrap(y, challenger_scores, champion_scores, groups=groups, n_boot=n_boot, seed=seed,
                            level=level)
    better, fast = gain.low > 0, challenger_p95_ms <= budget_ms
    reasons = []
    reasons.append(f"PR-AUC {gain.estimate:+.4f} ({level:.0%} interval {gain.low:+.4f} to {gain.high:+.4f}) "
                   + ("is above zero" if better else "crosses zero: not shown to be better" if gain.high > 0
                      else "is below zero: worse"))
    reasons.append(f"p95 {challenger_p95_ms:.3g} ms " + ("within" if fast else "over") + f" the {budget_ms:.3g} ms budget")
    return Decision(bool(better and fast), "; ".join(reasons), gain, float(challenger_p95_ms), float(budget_ms))


def _aliases(client, name) -> dict:
    from mlflow.exceptions import MlflowException

    try:
        model = client.get_registered_model(name)
    except MlflowException:
        known = sorted(m.name for m in client.search_registered_models())
        raise RegistryError(f"The registry has no model named {name!r}; it has: {', '.join(known) or 'none'}.") from None
    return {str(alias): str(version) for alias, version in dict(model.aliases).items()}


def alias_version(client, name: str, alias: str) -> str | None:
    """The version an alias points to, or None when the model has no such alias."""
    return _aliases(client, name).get(alias)


def resolve(client, name: str, alias: str):
    """The ModelVersion behind `name@alias`; an unknown name or alias is a RegistryError with a sentence."""
    aliases = _aliases(client, name)
    if alias not in aliases:
        shown = ", ".join(f"{a} (version {v})" for a, v in sorted(aliases.items())) or "none"
        raise RegistryError(f"The model {name!r} has no alias {alias!r}; its aliases are: {shown}.")
    return client.get_model_version(name, aliases[alias])


def move_alias(client, name: str, alias: str, version, *, audit, actor: str, reason: str) -> dict:
    """Point `name@alias` at `version`; write the move (and the version it replaced) to the audit log."""
    from mlflow.exceptions import MlflowException

    previous = alias_version(client, name, alias)
    try:
        client.get_model_version(name, str(version))
    except MlflowException:
        raise RegistryError(f"The model {name!r} has no version {version}.") from None
    client.set_registered_model_alias(name, alias, str(version))
    return audit.append({"kind": "alias_moved", "model": name, "alias": alias, "from": previous, "to": str(version),
                         "reason": reason}, actor=actor)


def rollback(client, name: str, alias: str, *, audit, actor: str, reason: str) -> dict:
    """Move `name@alias` back to the version it pointed to before its last move (read from the audit log)."""
    moves = [e["event"] for e in audit.entries()
             if e["event"].get("kind") == "alias_moved" and e["event"].get("model") == name
             and e["event"].get("alias") == alias]
    if not moves or moves[-1]["from"] is None:
        raise RegistryError(f"The audit log has no earlier version of {name}@{alias} to roll back to.")
    return move_alias(client, name, alias, moves[-1]["from"], audit=audit, actor=actor, reason=f"rollback: {reason}")
