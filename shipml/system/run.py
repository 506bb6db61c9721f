"""The fraud system end to end, as one command on chapter 3's cached pipeline.

    python -m shipml.system.run --config system.yaml --folder runs/   # a second run reuses every stage

    from shipml.system.run import run_system
    run = run_system(SystemConfig(), folder)      # the same code the command runs
    run.ran, run.reused                           # which stages did work, which came from the cache
    run.table("gates"), run.figures               # any stage's output; every stage's key figure in one table
    run.artifact_folder()                         # the exported model, ready for `serve`

The stages, each a plain function of the building blocks (no copies), in order:

1. `ingest`: the data window's last `batch_days` days arrive as raw daily
   files with defects (chapter 4): validated against the contract's schema,
   bad rows quarantined, every row reconciled; the days before are the
   warehouse the earlier weeks filled.
2. `features`, `train`, `evaluate`: chapter 3's training stages on the
   ingested window (point-in-time account features, the seeded training
   loop under the determinism controls, the stored weights re-scored).
3. `register`: the run logged into MLflow and registered, the alias
   `champion` moved in the hash-chained audit log (chapter 5).
4. `gates`: chapter 6's evidence on the test period: PR-AUC with an interval
   over days, money saved against no model and against the bank's rule (an
   interval over days), the holds within the review capacity, the weakest
   slice against the rule, the false-positive-rate gap between age bands;
   each gate passes or not. A model that fails a blocking gate is not
   exported; a failed gate that does not block (the weakest slice) is an
   open risk the memo reports.
5. `export`: the artifact (weights, encoder, decision policy, lineage,
   feature history) of chapter 7, stored as a table of its files.
6. `service`: the artifact served by a real server process; it answers the
   request table (its scores equal the offline ones) and refuses every
   malformed request; a closed-loop load test measures p95 and p99 against
   the SLO, and chapter 8's pricing turns the measured rate into a fleet and
   its monthly cost at the bank's peak.
7. `operate`: a simulated month in production with its incidents
   (chapter 9): health checks, the detectors and their alarms with
   thresholds for a false-alarm rate, the delay to each incident; the
   PR-AUC alarm triggers a retrain, which is shadowed and then canaried;
   the canary's rule promotes it or rolls it back.
8. `govern`: the model card generated from the run's facts and checked, the
   fairness table, and the audit log verified (chapter 10).

What the stages change outside their cached tables lives in `folder/state/`:
the MLflow store, the audit log and the models root a server is started on.
A stage that is reused does not touch it again: delete the cache
(`folder/cache/`) together with the state to start over.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from shipml.data.scenario import SCENARIO
from shipml.workflows import train as training
from shipml.workflows.lineage import content_hash, digest, record_lineage
from shipml.workflows.pipeline import Pipeline, Run, stage
from shipml.system.config import ConfigError, SystemConfig, defect_rates, load_system_config

__all__ = ["STAGES", "SystemRun", "artifact_table", "main", "materialize", "run_system", "slice_gate"]

SPLITS = ("train", "val", "test")
REQUESTS = 200          # payments of the test period sent to the server as the request table
MONTH = 30              # days in a month, for money per month


# --- helpers shared by the stages ------------------------------------------------------------------


def _scenario(days, train_days, val_days):
    return dataclasses.replace(SCENARIO, days=days, train_days=train_days, val_days=val_days)


def _model(features, weights, depth, width):
    return training.model_from_weights(weights, features.shape[1] - 2, depth=depth, width=width)


def slice_gate(gates: pd.DataFrame) -> pd.Series:
    """The gates table's one gate that does not block (the weakest slice against the rule), with its `slice` name."""
    row = gates[~gates["blocking"].astype(bool)].iloc[0].copy()
    row["slice"] = str(row["rule"]).split(":")[0]  # the rule reads "<dimension> <slice>: ..."
    return row


def artifact_table(folder) -> pd.DataFrame:
    """An artifact folder as a table: one row per file (its path inside the folder, its bytes)."""
    folder = Path(folder)
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return pd.DataFrame({"file": [str(p.relative_to(folder)) for p in files],
                         "content": [p.read_bytes() for p in files]})


def materialize(artifact, folder) -> Path:
    """Write the files of an `artifact_table` into `folder` (created); return it, ready for `load_artifact`."""
    if not isinstance(artifact, pd.DataFrame) or not {"file", "content"} <= set(artifact.columns):
        raise ValueError("materialize needs the export stage's artifact table (columns file and content).")
    folder = Path(folder)
    for row in artifact.itertuples():
        path = folder / row.file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(bytes(row.content))
    return folder


def _figures(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["figure", "value", "low", "high", "unit"])


# --- the stages ---------------------------------------------------------------------------------------


@stage(outputs=["transactions", "ingest_report", "quarantine"])
def ingest(*, days=SCENARIO.days, data_seed=0, batch_days=7, defect_rate=1.0):
    """The window: the warehouse's earlier days, plus the last `batch_days` days ingested from raw daily files."""
    from shipml.data import transactions
    from shipml.data.ingestion import ingest_batches, write_daily_batches

    start = pd.Timestamp(SCENARIO.start, tz="UTC")
    week_start, window_end = start + pd.Timedelta(days=days - batch_days), start + pd.Timedelta(days=days)
    raw = transactions(days=days, seed=data_seed, defects=defect_rates(defect_rate))
    clean = transactions(days=days, seed=data_seed)
    arrived_before = raw.loc[raw["ingested_at"] < week_start, "transaction_id"]
    week = raw[(raw["ingested_at"] >= week_start) & (raw["ingested_at"] < window_end)]
    with tempfile.TemporaryDirectory(prefix="shipml-ingest-") as tmp:
        paths = write_daily_batches(week, Path(tmp) / "batches")
        result = ingest_batches(paths, Path(tmp) / "lake")
    warehouse = clean[clean["transaction_id"].isin(arrived_before)]
    window = (pd.concat([warehouse, result.clean.drop(columns="ingested_at")[warehouse.columns]])
              .sort_values(["timestamp", "transaction_id"], kind="stable").reset_index(drop=True))
    quarantine = result.quarantine.astype(str) if len(result.quarantine) else pd.DataFrame(
        {"transaction_id": pd.Series(dtype=str), "reason": pd.Series(dtype=str)})
    report = result.report.assign(warehouse_rows=len(warehouse))
    return window, report, quarantine


@stage(outputs=["registration"])
def register(transactions, features, weights, history, metrics, training_config, *, state="",
             register_as="fraud-model"):
    """The training run logged into MLflow with its four hashes, registered, and made the `champion` (audited)."""
    from shipml.governance.audit import AuditLog
    from shipml.tracking.mlflow_runs import hashes, log_training
    from shipml.tracking.mlflow_store import local_store
    from shipml.tracking.promotion import move_alias
    from shipml.workflows.config import TrainConfig

    config = TrainConfig(**training_config.iloc[0].to_dict())
    model_hash = str(metrics["weights_hash"].iloc[0])
    record = record_lineage(
        "fraud model", inputs={"config": config.config_hash(), "data": content_hash(transactions)},
        params=config.model_dump(mode="json"), outputs={"weights_hash": model_hash, "weights": content_hash(weights)},
        metrics={f"pr_auc_{row.split}": round(float(row.pr_auc), 6) for row in metrics.itertuples()},
        code=digest(*(s.code_hash.encode() for s in training.STAGES[1:]))).to_dict()
    result = training.TrainingResult(
        Run(outputs={"features": features, "weights": weights, "history": history, "metrics": metrics}),
        model_hash, record)
    folder = Path(state)
    folder.mkdir(parents=True, exist_ok=True)
    with local_store(folder / "mlflow") as store:
        logged = log_training(result, config, experiment_id=store.experiment_id, run_name="capstone",
                              register_as=register_as)
        move_alias(store.client, register_as, "champion", logged.version, audit=AuditLog(folder / "audit.jsonl"),
                   actor="shipml.system.run", reason="the one command trained and registered this model")
    return pd.DataFrame([{"run_id": logged.run_id, "model_uri": logged.model_uri, "version": logged.version,
                          "lineage": json.dumps(record), **hashes(result, config)}])


@stage(outputs=["gates", "policy", "slices", "scores"])
def gates(transactions, features, weights, *, days=SCENARIO.days, train_days=SCENARIO.train_days,
          val_days=SCENARIO.val_days, depth=training.PRODUCTION.depth, width=training.PRODUCTION.width,
          capacity_margin=0.9, min_pr_auc=0.2, max_fpr_gap=0.05):
    """Chapter 6's evidence on the test period, each a gate that passes or not; the policy chosen on validation."""
    from shipml.evaluation.bootstrap import bootstrap_over_days, ratio_over_days
    from shipml.evaluation.cost import decision_breakdown
    from shipml.evaluation.metrics import pr_auc
    from shipml.evaluation.slices import account_tenure, amount_band, slice_table
    from shipml.governance.fairness import disparities
    from shipml.modeling.mlp import predict_scores
    from shipml.modeling.production import choose_policy
    from shipml.modeling.rules import rule_flags, rule_within_capacity

    scenario = _scenario(days, train_days, val_days)
    model = _model(features, weights, depth, width)
    _, df_val, df_test = scenario.split(transactions)
    scores_val = predict_scores(model, training.model_inputs(features, "val")[0])
    policy, _ = choose_policy(df_val["is_fraud"].to_numpy(), scores_val, df_val["amount"].to_numpy(), scenario=scenario,
                              capacity=scenario.review_capacity * capacity_margin)
    df_test = df_test.assign(score=predict_scores(model, training.model_inputs(features, "test")[0]))
    df_test["held"] = policy.hold(df_test["score"].to_numpy(), df_test["amount"].to_numpy())
    costs = dict(cost_fp=scenario.cost_fp, cost_fn_fraction=scenario.cost_fn_fraction, cost_review=scenario.cost_review)
    df_test["rule"] = rule_flags(df_test, rule_within_capacity(df_val, scenario.review_capacity, **costs))
    df_test["day"] = (df_test["timestamp"] - pd.Timestamp(SCENARIO.start, tz="UTC")) // pd.Timedelta(days=1)
    df_test["none"] = False  # no model: nothing held

    def daily_cost(rows, flag):
        """The decisions' cost of each day of `rows`, holding the payments `flag` marks."""
        return rows.groupby("day").apply(
            lambda d: decision_breakdown(d["is_fraud"], d[flag], amounts=d["amount"], **costs)["cost"],
            include_groups=False)

    to_month = MONTH / scenario.sample_share  # EUR a day of the sample -> EUR a month at the bank
    model_cost, rule_cost, none_cost = (daily_cost(df_test, flag) for flag in ("held", "rule", "none"))
    vs_rule = bootstrap_over_days((rule_cost - model_cost).to_numpy(), statistic=np.mean, n_boot=1000)
    vs_none = bootstrap_over_days((none_cost - model_cost).to_numpy(), statistic=np.mean, n_boot=1000)
    quality = bootstrap_over_days(df_test, lambda rows: pr_auc(rows["is_fraud"], rows["score"]), n_boot=300)
    dimensions = {"amount": amount_band(df_test["amount"]), "tenure": account_tenure(df_test["account_age_days"])}
    slices = slice_table(df_test, df_test["held"], dimensions, n_boot=300)
    worse = []  # per slice: the model's cost minus the rule's over the test days, with an interval over days
    for dimension, labels in dimensions.items():
        labels = np.asarray(labels, dtype=object)
        for value in pd.unique(labels):
            inside = df_test[labels == value]
            # A cost is a sum over payments, so the days' totals resampled are the days' payments resampled.
            extra = daily_cost(inside, "held") - daily_cost(inside, "rule")
            gap_ = bootstrap_over_days(extra.to_numpy(), n_boot=1000)
            worse.append({"dimension": dimension, "slice": str(value), "extra_cost": gap_.estimate,
                          "extra_cost_low": gap_.low, "extra_cost_high": gap_.high})
    slices = slices.merge(pd.DataFrame(worse), on=["dimension", "slice"])
    gap = disparities(df_test["is_fraud"], df_test["held"], df_test["age_band"])
    by_day = df_test.groupby("day")
    held = ratio_over_days(by_day["held"].sum().to_numpy(), by_day.size().to_numpy(), n_boot=1000)
    weakest = slices.sort_values("extra_cost_low", ascending=False).iloc[0]
    rows = [  # gate, value, interval, limit, passed, what passing means, whether a failure stops the export
        ("PR-AUC", quality.estimate, quality.low, quality.high, min_pr_auc, quality.low > min_pr_auc,
         "the interval's low end above the floor", True),
        ("saved a month against no model", vs_none.estimate * to_month, vs_none.low * to_month,
         vs_none.high * to_month, 0.0, vs_none.low > 0, "EUR at the bank, the interval above 0", True),
        ("saved a month against the rule", vs_rule.estimate * to_month, vs_rule.low * to_month,
         vs_rule.high * to_month, 0.0, vs_rule.low > 0, "EUR at the bank, the interval above 0", True),
        ("held share", held.estimate, held.low, held.high, scenario.review_capacity,
         held.low <= scenario.review_capacity, "the review capacity within or above the interval", True),
        ("false-positive-rate gap", float(gap["fpr_difference"]), np.nan, np.nan, max_fpr_gap,
         float(gap["fpr_difference"]) <= max_fpr_gap, "between age bands, at most the limit", True),
        ("weakest slice: cost above the rule's", float(weakest["extra_cost"]), float(weakest["extra_cost_low"]),
         float(weakest["extra_cost_high"]), 0.0, float(weakest["extra_cost_low"]) <= 0,
         f"{weakest['dimension']} {weakest['slice']}: EUR over the test days, not evidently above the rule's", False),
    ]
    table = pd.DataFrame(rows, columns=["gate", "value", "low", "high", "limit", "passed", "rule", "blocking"])
    scores = df_test[["transaction_id", "day", "score", "held", "rule", "is_fraud", "amount", "age_band"]]
    return table, pd.DataFrame({"policy": [json.dumps(policy.to_dict())]}), slices, scores.reset_index(drop=True)


@stage(outputs=["artifact"])
def export(transactions, features, weights, encoder, policy, gates, *, days=SCENARIO.days,
           train_days=SCENARIO.train_days, val_days=SCENARIO.val_days, depth=training.PRODUCTION.depth,
           width=training.PRODUCTION.width, state=""):
    """The artifact of chapter 7, only if every gate passed; stored as a table of files and activated in state."""
    from shipml.evaluation.decision import DecisionPolicy
    from shipml.features.encoding import Encoder
    from shipml.serving.artifact import activate, save_artifact
    from shipml.workflows import determinism

    failed = gates.loc[gates["blocking"].astype(bool) & ~gates["passed"].astype(bool), "gate"].tolist()
    if failed:
        raise RuntimeError(f"the model failed the gate(s) {', '.join(failed)}: it is not exported. "
                           "See the gates table.")
    scenario = _scenario(days, train_days, val_days)
    model = _model(features, weights, depth, width)
    version = "v-" + determinism.weights_hash(model)[:8]
    with tempfile.TemporaryDirectory(prefix="shipml-export-") as tmp:
        folder = save_artifact(Path(tmp) / version, model, Encoder.from_json(encoder["encoder"].iloc[0]),
                               version=version, training_data_hash=content_hash(scenario.split(transactions)[0]),
                               policy=DecisionPolicy.from_dict(json.loads(policy["policy"].iloc[0])), history=transactions,
                               metadata={"gates": gates[["gate", "value", "passed"]].to_dict("records")})
        table = artifact_table(folder)
    if state:
        root = Path(state) / "models"
        materialize(table, root / version)
        activate(root, version)
    return table.assign(version=version)


@stage(outputs=["service", "answers"])
def service(artifact, transactions, *, days=SCENARIO.days, train_days=SCENARIO.train_days,
            val_days=SCENARIO.val_days, load_seconds=2.0, load_clients=4):
    """The artifact served by a real process: the request table answered, bad requests refused, a load test, a fleet."""
    import httpx

    from shipml.performance.loadtest import load_test
    from shipml.performance.pricing import VCPUS_PER_CORE, cheapest_fleet, load_prices
    from shipml.serving.app import to_requests
    from shipml.serving.artifact import load_artifact
    from shipml.serving.process import serve
    from shipml.serving.requests import bad_requests, send

    scenario = _scenario(days, train_days, val_days)
    test = scenario.split(transactions)[2]
    requests = test.iloc[np.linspace(0, len(test) - 1, REQUESTS).astype(int)]
    with tempfile.TemporaryDirectory(prefix="shipml-serve-") as tmp:
        folder = materialize(artifact.drop(columns="version"), Path(tmp) / "model")
        offline = load_artifact(folder).score(requests, transactions)
        with serve(folder) as server, httpx.Client(timeout=10) as client:
            answer = client.post(server.url + "/predict/batch", json={"transactions": to_requests(requests)})
            served = answer.json()["scores"] if answer.status_code == 200 else []
            refused = 0
            for body, _ in bad_requests().values():
                with httpx.Client(base_url=server.url, timeout=10) as fresh:  # a refused body may close its connection
                    try:
                        refused += 400 <= send(fresh, body).status_code < 500
                    except httpx.TransportError:
                        refused += 1  # the server closed the connection: refused, not answered
            load = load_test(server.url + "/predict", to_requests(requests), concurrency=load_clients,
                             max_requests=100_000, max_seconds=load_seconds)
    answers = pd.DataFrame({"transaction_id": requests["transaction_id"].to_numpy(), "offline": offline,
                            "served": served if len(served) == len(requests) else np.nan})
    peak = scenario.peak_per_second(transactions)
    fleet = cheapest_fleet(peak, rps_per_vcpu=load.rps / VCPUS_PER_CORE, prices=load_prices(), headroom=0.3,
                           minimum=2)
    skew = float(np.max(np.abs(answers["offline"] - answers["served"]))) if served else float("nan")
    table = _figures([
        ("requests answered", float(len(served)), np.nan, np.nan, "of the request table"),
        ("largest served-offline difference", skew, np.nan, np.nan, "score"),
        ("malformed requests refused", float(refused), np.nan, np.nan, f"of {len(bad_requests())}"),
        ("throughput", load.rps, np.nan, np.nan, "requests/s, one worker"),
        ("p95", load.p95_ms, np.nan, np.nan, "ms"),
        ("p99", load.p99_ms, np.nan, np.nan, "ms"),
        ("load errors", float(load.errors), np.nan, np.nan, "requests"),
        ("SLO", scenario.latency_slo_ms, np.nan, np.nan, f"ms at p{scenario.latency_slo_quantile * 100:.0f}"),
        ("peak rate", peak, np.nan, np.nan, "payments/s at the bank"),
        ("instances", float(fleet["instances"]), np.nan, np.nan, str(fleet["instance"])),
        ("monthly cost", float(fleet["monthly_eur"]), np.nan, np.nan, "EUR"),
    ])
    return table, answers


@stage(outputs=["daily", "detection", "rollout"])
def operate(artifact, transactions, *, data_seed=0, days=SCENARIO.days, train_days=SCENARIO.train_days,
            false_alarm_rate=1 / 90, canary_share=0.2, canary_tolerance=0.05, state=""):
    """A month in production: health, detectors and alarms, delays; the triggered retrain, shadow and canary."""
    from shipml.governance.audit import AuditLog
    from shipml.modeling.production import train_production
    from shipml.monitoring import health, rollout
    from shipml.monitoring.alarms import detection_table
    from shipml.monitoring.detectors import LAGS, daily_statistics, detector_alarms, detector_thresholds
    from shipml.monitoring.simulation import AFTER_DAYS, INCIDENTS, LIVE_DAYS, MONTH_DAYS, simulate_month
    from shipml.serving.artifact import activate, load_artifact, save_artifact

    if days != SCENARIO.days:
        raise ValueError(f"the simulated month follows the scenario's {SCENARIO.days}-day window; "
                         f"a window of {days} days has no month to run in.")
    month = simulate_month(seed=data_seed)
    with tempfile.TemporaryDirectory(prefix="shipml-month-") as tmp:
        artifact_ = load_artifact(materialize(artifact.drop(columns="version"), Path(tmp) / "model"))

        def scored(frame):
            scores = artifact_.score(frame, month.history)
            return frame.assign(score=scores, held=artifact_.policy.hold(scores, frame["amount"].to_numpy()))

        t0 = pd.Timestamp(SCENARIO.start, tz="UTC")
        reference = transactions[transactions["timestamp"] >= t0 + pd.Timedelta(days=train_days)]
        reference = reference.assign(score=artifact_.score(reference, transactions))
        live = scored(month.live.assign(day=month.live["day"] + LIVE_DAYS))
        watched = scored(month.days(0, MONTH_DAYS + AFTER_DAYS - 1, "sent"))
    healthy = health.health_reference(live)
    problems = {int(d): health.problems(health.check_health(rows, healthy)) for d, rows in watched.groupby("day")}
    quarantined = [d for d, p in problems.items() if p]
    before = live[live["day"] >= LIVE_DAYS - 6].assign(day=lambda d: d["day"] - LIVE_DAYS)
    clean_stats = daily_statistics(live, reference)
    stats = daily_statistics(watched, reference, quarantined, before=before)
    thresholds = detector_thresholds(clean_stats, false_alarm_rate)
    alarm = detector_alarms(stats, thresholds)
    alarm["health"] = pd.Series({d: bool(p) for d, p in problems.items()})
    month_alarms = {k: v[v.index < MONTH_DAYS] for k, v in alarm.items()}
    delays, false = detection_table(month_alarms, INCIDENTS, lags=LAGS, horizon=MONTH_DAYS)
    detection = delays.assign(false_alarms=false).reset_index()
    daily = stats.assign(**{f"alarm: {k}": v.reindex(stats.index, fill_value=False).astype(bool)
                            for k, v in alarm.items()}, health=[", ".join(problems.get(int(d), [])) for d in stats.index])

    # The loop: the PR-AUC alarm about the concept drift triggers chapter 9's retrain (rollout.retrain_plan),
    # shadowed on the days after, then canaried on a fixed share of payments.
    heard = alarm["PR-AUC (7 days)"]
    concept = INCIDENTS[-1]
    after = heard.index[heard & (heard.index >= concept.start)]
    audit = AuditLog(Path(state) / "audit.jsonl") if state else None
    if not len(after):
        return daily.reset_index(), detection, pd.DataFrame([{"decision": "no retrain", "why": "no alarm heard"}])
    first_alarm_day = int(after[0])
    plan = rollout.retrain_plan(first_alarm_day, month.start)
    retrain_day, recent, labelled = plan.retrain_day, plan.scenario, plan.labelled(month.history)
    challenger = train_production(labelled, seed=0, scenario=recent)
    trial = watched[watched["day"] >= retrain_day].copy()
    trial["score_new"] = challenger.score(trial, month.history)
    shadow = rollout.compare_models(trial["is_fraud"], trial["score"], trial["score_new"], trial["day"], n_boot=500)
    canary = rollout.canary_mask(trial["transaction_id"], share=canary_share)
    on_canary = trial[canary]
    decision = rollout.canary_decision(on_canary["is_fraud"], on_canary["score"], on_canary["score_new"],
                                       on_canary["day"], tolerance=canary_tolerance, n_boot=500)
    version = artifact["version"].iloc[0]
    new_version = version + "-retrained"
    if state:
        root = Path(state) / "models"
        save_artifact(root / new_version, challenger.model, challenger.encoder, version=new_version,
                      policy=challenger.policy, training_data_hash=content_hash(recent.split(labelled)[0]),
                      history=month.history, metadata={"trigger": f"PR-AUC alarm about day {first_alarm_day}"})
        audit.append({"kind": "retrained", "version": new_version, "alarm_day": first_alarm_day}, actor="monitor")
        activate(root, new_version)  # the canary: the challenger answers its share
        audit.append({"kind": "canary", "decision": decision["decision"], "why": decision["why"],
                      "share": canary_share}, actor="rollout")
        if decision["decision"] != "promote":
            activate(root, version)  # roll back
            audit.append({"kind": "rolled back", "to": version}, actor="rollout")
    return daily.reset_index(), detection, pd.DataFrame([{
        "first_alarm_day": first_alarm_day, "heard_day": first_alarm_day + SCENARIO.label_delay_days,
        "retrain_day": retrain_day, "concept_start": concept.start, "trial_days": int(trial["day"].nunique()),
        "shadow_gain": shadow.estimate, "shadow_low": shadow.low, "shadow_high": shadow.high,
        "canary_payments": int(canary.sum()), "decision": decision["decision"], "why": decision["why"],
        "champion": version, "challenger": new_version}])


@stage(outputs=["card", "fairness", "audit"])
def govern(artifact, scores, gates, registration, *, state=""):
    """The model card from the run's facts (checked), the fairness table, and the audit log verified."""
    from shipml.evaluation.decision import DecisionPolicy
    from shipml.governance import model_card
    from shipml.governance.audit import verify
    from shipml.governance.fairness import group_metrics

    fairness = group_metrics(scores["is_fraud"], scores["held"], scores["age_band"])
    by_gate = gates.set_index("gate")["value"]
    lineage = json.loads(registration["lineage"].iloc[0])
    weakest = slice_gate(gates)
    meta = json.loads(bytes(artifact.loc[artifact["file"] == "meta.json", "content"].iloc[0]))
    facts = model_card.example_facts(policy=DecisionPolicy.from_dict(meta["policy"]), measured={
        "version": str(artifact["version"].iloc[0]),
        "data": f"{lineage['params']['days']} days of synthetic card payments (`shipml.data.transactions`, seed "
                f"{lineage['params']['data_seed']}); the last days ingested from raw daily files, validated and "
                f"reconciled; trained on the first {lineage['params']['train_days']} days, the policy chosen on the "
                f"next {lineage['params']['val_days']}, evaluated on the rest ({len(scores):,} payments).",
        "metrics": {"PR-AUC (test)": float(by_gate["PR-AUC"]), "held share (test)": float(by_gate["held share"]),
                    "EUR saved a month against the rule": float(by_gate["saved a month against the rule"])},
        "group_results": {"age_band": fairness},
        "limitations": [
            "Trained on synthetic data; real fraud patterns differ and drift.",
            f"The weakest slice against the bank's rule ({weakest['slice']}) costs "
            f"{float(weakest['value']):,.0f} EUR more than the rule over the test days"
            + (" (an open risk)." if not weakest["passed"] else " (within noise)."),
        ],
        "ethical_considerations": [
            "A false alarm holds an honest customer's payment until they confirm it: the false-positive rate is "
            f"reported per age band; the largest gap is {float(by_gate['false-positive-rate gap']):.4f}.",
            "Age band is not an input; it is kept, with restricted access, for this audit.",
        ],
        "lineage": lineage,
    })
    card = model_card.render(facts)
    problems = model_card.check(card, facts)
    log = Path(state) / "audit.jsonl" if state else None
    if log is not None and log.exists():
        verdict = verify(log)
        audit = {"entries": len(log.read_text().splitlines()), "ok": bool(verdict),
                 "detail": getattr(verdict, "reason", "")}
    else:
        audit = {"entries": 0, "ok": False, "detail": "no audit log"}
    audit = pd.DataFrame([audit])
    return (pd.DataFrame({"card": [card], "problems": [json.dumps(problems)]}), fairness.reset_index(), audit)


STAGES = (ingest, training.features, training.train, training.evaluate, register, gates, export, service, operate,
          govern)


# --- the run ----------------------------------------------------------------------------------------


@dataclass
class SystemRun:
    """One run of the system: what the pipeline did, where its state is, and its tables."""

    run: Run
    config: SystemConfig
    folder: Path

    @property
    def ran(self) -> list:
        return self.run.ran

    @property
    def reused(self) -> list:
        return self.run.reused

    @property
    def state(self) -> Path:
        return self.folder / "state"

    def table(self, name: str) -> pd.DataFrame:
        """A stage's output table by name (e.g. "gates", "service", "detection")."""
        if name not in self.run.outputs:
            raise KeyError(f"the run has no table {name!r}; it has: {', '.join(sorted(self.run.outputs))}.")
        return self.run.outputs[name]

    @property
    def slice_gate(self) -> pd.Series:
        """The gate that does not block: the weakest slice against the rule (`slice_gate`)."""
        return slice_gate(self.table("gates"))

    @property
    def detection_delays(self) -> pd.Series:
        """Days from each incident's start until the first calibrated detector heard it (NaN: never)."""
        detection = self.table("detection").set_index("detector").drop(columns="false_alarms")
        uncalibrated = [d for d in ("p-value rule",) if d in detection.index]  # an alarm rule, not a threshold
        return detection.drop(index=uncalibrated).min(axis=0)

    def artifact_folder(self) -> Path:
        """The exported artifact, written under the run's folder (for `serve` or `load_artifact`)."""
        artifact = self.table("artifact")
        return materialize(artifact.drop(columns="version"), self.folder / "artifact" / artifact["version"].iloc[0])

    @property
    def figures(self) -> pd.DataFrame:
        """Every stage's key figure in one table: stage, figure, value, interval, unit."""
        report = self.table("ingest_report")
        rows_in = int(report["rows_in"].sum())
        accounted = int(report[["rows_out", "quarantined", "duplicates_removed", "redelivered"]].sum().sum())
        gates_ = self.table("gates").set_index("gate")
        service_ = self.table("service").set_index("figure")
        rollout_ = self.table("rollout").iloc[0]
        registration = self.table("registration").iloc[0]
        rows = [
            ("ingest", "rows in the raw week", rows_in, np.nan, np.nan, "rows"),
            ("ingest", "rows accounted for", accounted, np.nan, np.nan, "out + quarantined + copies + redelivered"),
            ("ingest", "rows quarantined", int(report["quarantined"].sum()), np.nan, np.nan, "rows"),
            ("train", "weights hash", np.nan, np.nan, np.nan, str(registration["weights_hash"])[:12]),
            ("register", "registered version", float(registration["version"]), np.nan, np.nan,
             str(self.config.register_as)),
        ]
        for gate in gates_.index:
            g = gates_.loc[gate]
            rows.append(("gates", gate, g["value"], g["low"], g["high"], "passed" if g["passed"] else "FAILED"))
        for figure in ("p95", "p99", "throughput", "monthly cost", "largest served-offline difference"):
            s = service_.loc[figure]
            rows.append(("service", figure, s["value"], np.nan, np.nan, s["unit"]))
        for incident, delay in self.detection_delays.items():
            rows.append(("monitor", f"days to detect: {incident}", delay, np.nan, np.nan,
                         "days, the first calibrated detector heard"))
        rows.append(("rollout", "canary decision", np.nan, np.nan, np.nan, str(rollout_["decision"])))
        return pd.DataFrame(rows, columns=["stage", "figure", "value", "low", "high", "note"])


def run_system(config: SystemConfig, folder) -> SystemRun:
    """Run every stage of the system for `config` in `folder` (cache/ and state/), reusing what is cached."""
    if not isinstance(config, SystemConfig):
        raise TypeError(f"run_system needs a SystemConfig (load_system_config reads one), not {type(config).__name__}.")
    folder = Path(folder).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    training_config = pd.DataFrame([config.training().model_dump(mode="json")])
    params = {**config.model_dump(), "state": str(folder / "state")}
    run = Pipeline(STAGES, folder / "cache").run({"training_config": training_config}, params=params)
    return SystemRun(run, config, folder)


def main(argv=None) -> int:
    """The one command: run the whole system from a configuration file; a bad configuration is one sentence."""
    parser = argparse.ArgumentParser(prog="python -m shipml.system.run",
                                     description="Run the fraud system end to end, reusing every cached stage.")
    parser.add_argument("--config", default=None, help="a YAML file of SystemConfig fields (default: the defaults)")
    parser.add_argument("--folder", required=True, help="where the cache, the state and the reports go")
    args = parser.parse_args(argv)
    try:
        config = load_system_config(args.config) if args.config else SystemConfig()
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    from shipml.system import memo, readiness

    try:
        run = run_system(config, args.folder)
    except RuntimeError as error:  # a gate failed: nothing was exported
        print(f"stopped: {error}", file=sys.stderr)
        return 1
    assessment = readiness.assess(run)
    score = readiness.score_table(assessment)
    folder = Path(args.folder)
    (folder / "memo.md").write_text(memo.render(memo.results_of(run), score))
    run.figures.to_csv(folder / "figures.csv", index=False)
    assessment.to_csv(folder / "ml-test-score.csv", index=False)
    print(f"ran: {', '.join(run.ran) or 'nothing'}; reused: {', '.join(run.reused) or 'nothing'}")
    print(f"ML Test Score: {score['final']:.1f}; memo: {folder / 'memo.md'}")
    return 0


if __name__ == "__main__":
    import importlib

    sys.exit(importlib.import_module("shipml.system.run").main())
