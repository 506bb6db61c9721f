"""Stage 8, governance: fairness, explanations, audit, model cards and the ML Test Score.

    shipml.governance.fairness        per-group error rates, disparities, per-group thresholds
    shipml.governance.explain         permutation importance and per-transaction reasons
    shipml.governance.audit           an append-only, hash-chained audit log
    shipml.governance.model_card      a model card from computed facts, and its checker
    shipml.governance.ml_test_score   the ML Test Score rubric
"""
