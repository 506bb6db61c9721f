"""The promotion gate and the registry's aliases: evidence to promote, every move audited, rollback, sentences."""

import numpy as np
import pytest

from shipml.governance.audit import AuditLog, verify
from shipml.tracking.mlflow_runs import log_training
from shipml.tracking.mlflow_store import local_store
from shipml.tracking.promotion import RegistryError, alias_version, move_alias, promotion_gate, resolve, rollback


def _scores(kind, seed=0, n=3000):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.03).astype(int)
    champion = np.where(y == 1, rng.beta(2, 4, n), rng.beta(1, 9, n))
    change = np.where(y == 1, 0.25, 0.0) * rng.random(n) if kind == "clear" else rng.normal(0, 0.05, n)
    return y, champion, np.clip(champion + change, 0, 1)


def test_is_a_clear_win_within_budget_promoted():
    y, a, b = _scores("clear")
    decision = promotion_gate(y, a, b, challenger_p95_ms=0.5, budget_ms=1.0)
    assert decision.promote and decision.improvement.low > 0 and "within" in decision.reason


def test_is_a_win_within_noise_refused_though_its_estimate_is_positive():
    y, a, b = _scores("noise", seed=3)
    decision = promotion_gate(y, a, b, challenger_p95_ms=0.5, budget_ms=1.0)
    assert decision.improvement.estimate > 0 and not decision.promote and "crosses zero" in decision.reason


def test_is_a_clear_win_over_budget_refused_and_at_budget_promoted():
    y, a, b = _scores("clear")
    assert not promotion_gate(y, a, b, challenger_p95_ms=1.01, budget_ms=1.0).promote
    assert promotion_gate(y, a, b, challenger_p95_ms=1.0, budget_ms=1.0).promote


def test_are_bad_gate_inputs_sentences():
    y, a, b = _scores("clear")
    with pytest.raises(ValueError, match="measured p95"):
        promotion_gate(y, a, b, challenger_p95_ms=float("nan"), budget_ms=1.0)
    with pytest.raises(ValueError, match="no fraud"):
        promotion_gate(np.zeros_like(y), a, b, challenger_p95_ms=0.1, budget_ms=1.0)
    with pytest.raises(ValueError, match="same rows"):
        promotion_gate(y, a, b[:-1], challenger_p95_ms=0.1, budget_ms=1.0)


def test_do_aliases_move_into_the_audit_log_and_roll_back(small_runs, tmp_path):
    audit = AuditLog(tmp_path / "audit.jsonl")
    with local_store() as store:
        versions = {name: log_training(result, config, experiment_id=store.experiment_id,
                                       register_as="fraud").version for name, (config, result) in small_runs.items()}
        assert versions == {"production": "1", "mlp": "2"}
        move_alias(store.client, "fraud", "champion", "1", audit=audit, actor="t", reason="first")
        move_alias(store.client, "fraud", "champion", "2", audit=audit, actor="t", reason="better")
        assert alias_version(store.client, "fraud", "champion") == "2"
        assert resolve(store.client, "fraud", "champion").run_id
        rollback(store.client, "fraud", "champion", audit=audit, actor="on-call", reason="alarm")
        assert alias_version(store.client, "fraud", "champion") == "1"
        moves = [(e["event"]["from"], e["event"]["to"]) for e in audit.entries()]
        assert moves == [(None, "1"), ("1", "2"), ("2", "1")] and verify(audit.path)
        with pytest.raises(RegistryError, match="no alias 'champoin'.*champion \\(version 1\\)"):
            resolve(store.client, "fraud", "champoin")
        with pytest.raises(RegistryError, match="no model named 'frud'; it has: fraud"):
            resolve(store.client, "frud", "champion")
        with pytest.raises(RegistryError, match="no version 7"):
            move_alias(store.client, "fraud", "champion", 7, audit=audit, actor="t", reason="typo")
        with pytest.raises(RegistryError, match="no earlier version"):
            rollback(store.client, "fraud", "challenger", audit=audit, actor="t", reason="none")
