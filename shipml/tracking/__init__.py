"""Stage 9, tracking: every run recorded, every model traceable, promotion by evidence.

    shipml.tracking.runlog        the idea by hand: an append-only run log, one JSON object per line
    shipml.tracking.mlflow_store  a local MLflow store: SQLite tracking, local artifacts, telemetry off, no server
    shipml.tracking.mlflow_runs   a training run of chapter 3's command logged into MLflow: params, metrics, hashes, model
    shipml.tracking.promotion     the registry's aliases: the promotion gate, alias moves into the audit log, rollback
    shipml.tracking.search        hyperparameter search: Optuna (TPE and a pruner) against random search, same budget
    shipml.tracking.provenance    from a registered model version back to its run, configuration, code and data
"""
