"""Chapter 5's typical wrong answers, each failing the case named for its mistake (see test_wrong_answers.py)."""

import datetime
import json
import uuid

import numpy as np
from check_assertions import WrongAnswer
from test_experiment_tracking import best_under_latency, log_run, promotion_gate

from shipml.evaluation.bootstrap import paired_bootstrap, resample_weights, weighted_pr_auc
from shipml.workflows.lineage import content_hash, library_versions


def _log_with(mode="a", end="\n", **changes):
    """log_run with one thing done wrong: a field replaced by changes[name](inputs), or another mode or line end."""
    def answer(log_path, params, history, data, artifact):
        now = datetime.datetime.now(datetime.timezone.utc).isoformat()
        run = {"run_id": uuid.uuid4().hex, "started": now, "ended": now, "params": params,
               "config_hash": content_hash(params), "metrics": history, "data_hash": content_hash(data),
               "artifacts": {artifact.name: content_hash(artifact)}, "versions": library_versions()}
        inputs = {"params": params, "history": history, "data": data, "artifact": artifact}
        run.update({name: make(inputs) for name, make in changes.items()})
        with open(log_path, mode, encoding="utf-8") as log:
            log.write(json.dumps(run) + end)
        return run["run_id"]
    return answer


def gate_on_estimate(y_val, champion_scores, challenger_scores, challenger_p95_ms, budget_ms):
    """Promotes on the point estimate: noise looks like a win."""
    gain = paired_bootstrap(y_val, challenger_scores, champion_scores)
    return bool(gain.estimate > 0 and challenger_p95_ms <= budget_ms)


def gate_reversed(y_val, champion_scores, challenger_scores, challenger_p95_ms, budget_ms):
    """Champion minus challenger: promotes the worse model."""
    gain = paired_bootstrap(y_val, champion_scores, challenger_scores)
    return bool(gain.low > 0 and challenger_p95_ms <= budget_ms)


def gate_ignores_latency(y_val, champion_scores, challenger_scores, challenger_p95_ms, budget_ms):
    return bool(paired_bootstrap(y_val, challenger_scores, champion_scores).low > 0)


def gate_strict_budget(y_val, champion_scores, challenger_scores, challenger_p95_ms, budget_ms):
    return bool(paired_bootstrap(y_val, challenger_scores, champion_scores).low > 0 and challenger_p95_ms < budget_ms)


def gate_unpaired(y_val, champion_scores, challenger_scores, challenger_p95_ms, budget_ms):
    """Two separate bootstraps: promote only when the intervals do not overlap."""
    a = weighted_pr_auc(y_val, champion_scores, resample_weights(len(y_val), n_boot=1000, seed=1))
    b = weighted_pr_auc(y_val, challenger_scores, resample_weights(len(y_val), n_boot=1000, seed=2))
    return bool(np.quantile(b, 0.05) > np.quantile(a, 0.95) and challenger_p95_ms <= budget_ms)


def gate_returns_interval(y_val, champion_scores, challenger_scores, challenger_p95_ms, budget_ms):
    return paired_bootstrap(y_val, challenger_scores, champion_scores).to_dict()


def best_ignores_budget(runs, budget_ms):
    return best_under_latency(runs, float("inf"))


def best_strict_budget(runs, budget_ms):
    return best_under_latency(runs, np.nextafter(budget_ms, -np.inf))


def best_returns_index(runs, budget_ms):
    fit = runs[(runs["status"] == "FINISHED") & (runs["metrics.p95_ms"] <= budget_ms)]
    return None if fit.empty else int(fit["metrics.val_pr_auc"].idxmax())


def best_ignores_status(runs, budget_ms):
    fit = runs[runs["metrics.p95_ms"] <= budget_ms]
    return None if fit.empty else fit.loc[fit["metrics.val_pr_auc"].idxmax(), "run_id"]


def best_fills_missing_latency(runs, budget_ms):
    return best_under_latency(runs.fillna({"metrics.p95_ms": 0.0}), budget_ms)


def best_lowest_latency(runs, budget_ms):
    """The fastest run within the budget, not the best."""
    fit = runs[(runs["status"] == "FINISHED") & (runs["metrics.p95_ms"] <= budget_ms)]
    return None if fit.empty else fit.loc[fit["metrics.p95_ms"].idxmin(), "run_id"]


def best_empty_string_when_none_fit(runs, budget_ms):
    fit = runs[(runs["status"] == "FINISHED") & (runs["metrics.p95_ms"] <= budget_ms)]
    return fit.loc[fit["metrics.val_pr_auc"].idxmax(), "run_id"] if not fit.empty else ""


WRONG_ANSWERS = [
    WrongAnswer("ch05-ex2", "opens the log with mode 'w'", _log_with(mode="w"), "two calls append two lines of JSON"),
    WrongAnswer("ch05-ex2", "no newline after a run", _log_with(end=""), "two calls append two lines of JSON"),
    WrongAnswer("ch05-ex2", "one run id for every run", _log_with(run_id=lambda i: "run-1"),
                "every field is there, with its type"),
    WrongAnswer("ch05-ex2", "no library versions", _log_with(versions=lambda i: None),
                "every field is there, with its type"),
    WrongAnswer("ch05-ex2", "hashes the artifact's name, not its bytes",
                _log_with(artifacts=lambda i: {i["artifact"].name: content_hash(str(i["artifact"]))}),
                "the hashes are of the contents"),
    WrongAnswer("ch05-ex2", "hashes the table's columns, not its values",
                _log_with(data_hash=lambda i: content_hash(list(i["data"].columns))),
                "the hashes are of the contents"),
    WrongAnswer("ch05-ex2", "hashes the configuration's text as Python prints it",
                _log_with(config_hash=lambda i: content_hash(str(i["params"]))), "the hashes are of the contents"),
    WrongAnswer("ch05-ex2", "keeps only the last epoch",
                _log_with(metrics=lambda i: {k: v[-1] for k, v in i["history"].items()}),
                "the metrics keep every epoch"),
    WrongAnswer("ch05-ex2", "local time without an offset",
                _log_with(started=lambda i: datetime.datetime.now().isoformat(),
                          ended=lambda i: datetime.datetime.now().isoformat()), "the times are UTC and in order"),
    WrongAnswer("ch05-ex2", "times as epoch seconds",
                _log_with(started=lambda i: str(datetime.datetime.now().timestamp())),
                "the times are UTC and in order"),
    WrongAnswer("ch05-ex3", "promotes on the point estimate", gate_on_estimate, "a win within noise is refused"),
    WrongAnswer("ch05-ex3", "champion minus challenger", gate_reversed, "a clear win within the budget is promoted"),
    WrongAnswer("ch05-ex3", "ignores the latency budget", gate_ignores_latency,
                "better but over the latency budget is refused"),
    WrongAnswer("ch05-ex3", "p95 < budget instead of <=", gate_strict_budget,
                "a latency exactly at the budget is within it"),
    WrongAnswer("ch05-ex3", "two unpaired intervals", gate_unpaired,
                "a modest but consistent win needs the paired interval"),
    WrongAnswer("ch05-ex3", "returns the interval, not a decision", gate_returns_interval,
                "a clear win within the budget is promoted"),
    WrongAnswer("ch05-ex4", "ignores the budget", best_ignores_budget, "the budget excludes the best run"),
    WrongAnswer("ch05-ex4", "p95 < budget instead of <=", best_strict_budget, "a run exactly at the budget counts"),
    WrongAnswer("ch05-ex4", "returns the row's index, not its run_id", best_returns_index,
                "the best run within a generous budget"),
    WrongAnswer("ch05-ex4", "counts failed runs", best_ignores_status,
                "failed runs and runs without a latency do not count"),
    WrongAnswer("ch05-ex4", "a missing latency counts as 0 ms", best_fills_missing_latency,
                "failed runs and runs without a latency do not count"),
    WrongAnswer("ch05-ex4", "the fastest run, not the best", best_lowest_latency, "the best run within a generous budget"),
    WrongAnswer("ch05-ex4", "an empty string when no run fits", best_empty_string_when_none_fit,
                "no run within the budget: None"),
]

# The reference answers these vary, imported so that a rename breaks this table loudly.
_ = (log_run, promotion_gate)
