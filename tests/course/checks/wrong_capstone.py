"""Chapter 14's typical wrong answers, each failing the case named for its mistake (see test_wrong_answers.py)."""

import json
from pathlib import Path

import pandas as pd
from check_assertions import WrongAnswer
from test_capstone import headline, ingest_and_train, ml_test_score, rollout_decision

from shipml.governance.ml_test_score import SECTIONS

# --- ex2: ingestion into the window, training with lineage -----------------------------------------


def _ingest(batch_paths, cache_folder):
    from shipml.data.ingestion import ingest_batches

    return ingest_batches(batch_paths, Path(cache_folder) / "lake")


def _train(window, cache_folder, params):
    from shipml.workflows.pipeline import Pipeline
    from shipml.workflows.train import evaluate, features, train

    return Pipeline([features, train, evaluate], cache_folder).run({"transactions": window}, params=params).lineage


def _window(warehouse, clean):
    return (pd.concat([warehouse, clean.drop(columns="ingested_at")[warehouse.columns]])
            .sort_values(["timestamp", "transaction_id"], kind="stable").reset_index(drop=True))


def ingest_returning_only_the_batches(batch_paths, warehouse, cache_folder, params):
    answer = ingest_and_train(batch_paths, warehouse, cache_folder, params)
    ingested = answer["transactions"][answer["transactions"]["transaction_id"].isin(
        _ingest(batch_paths, cache_folder).clean["transaction_id"])].reset_index(drop=True)
    return {**answer, "transactions": ingested}


def ingest_keeping_negative_amounts(batch_paths, warehouse, cache_folder, params):
    from shipml.data.validation import to_typed

    result = _ingest(batch_paths, cache_folder)
    refunds = result.quarantine[result.quarantine["reason"] == "amount: not positive"]  # "a refund is a payment too"
    kept = to_typed(pd.DataFrame([json.loads(record) for record in refunds["record"]]))
    window = _window(warehouse, pd.concat([result.clean, kept]))
    return {"report": result.report, "transactions": window, "lineage": _train(window, cache_folder, params)}


def ingest_reporting_rows_in_and_out_only(batch_paths, warehouse, cache_folder, params):
    answer = ingest_and_train(batch_paths, warehouse, cache_folder, params)
    report = answer["report"][["batch", "rows_out"]].assign(rows_in=answer["report"]["rows_out"])
    return {**answer, "report": report}


def ingest_training_on_the_warehouse(batch_paths, warehouse, cache_folder, params):
    result = _ingest(batch_paths, cache_folder)
    window = _window(warehouse, result.clean)
    return {"report": result.report, "transactions": window, "lineage": _train(warehouse, cache_folder, params)}


def ingest_without_sorting(batch_paths, warehouse, cache_folder, params):
    result = _ingest(batch_paths, cache_folder)
    window = pd.concat([result.clean.drop(columns="ingested_at")[warehouse.columns], warehouse], ignore_index=True)
    return {"report": result.report, "transactions": window, "lineage": _train(window, cache_folder, params)}


def ingest_keeping_ingested_at(batch_paths, warehouse, cache_folder, params):
    result = _ingest(batch_paths, cache_folder)
    window = (pd.concat([warehouse, result.clean]).sort_values(["timestamp", "transaction_id"], kind="stable")
              .reset_index(drop=True))
    return {"report": result.report, "transactions": window, "lineage": _train(window, cache_folder, params)}


# --- ex3: the ML Test Score from a table -------------------------------------------------------------


def score_final_as_mean(results):
    scores = ml_test_score(results)
    return {**scores, "final": sum(scores[s] for s in SECTIONS) / len(SECTIONS)}


def score_final_as_sum(results):
    scores = ml_test_score(results)
    return {**scores, "final": sum(scores[s] for s in SECTIONS)}


def score_by_hand_as_a_point(results):
    return ml_test_score(results.assign(how=results["how"].replace({"by hand": "automated"})))


def score_counting_failures(results):
    return ml_test_score(results.assign(passed=results["passed"] | (results["how"] != "not done")))


def score_not_done_by_passed(results):
    points = {"automated": 1.0, "by hand": 0.5, "not done": 0.5}
    scores = {s: 0.0 for s in SECTIONS}
    for row in results.itertuples():
        scores[row.test.rsplit("-", 1)[0]] += points[row.how] if row.passed else 0.0
    return {**scores, "final": min(scores.values())}


def score_seven_minus_what_failed(results):
    scores = {s: 7.0 for s in SECTIONS}
    for row in results.itertuples():
        earned = {"automated": 1.0, "by hand": 0.5}.get(row.how, 0.0) if row.passed else 0.0
        scores[row.test.rsplit("-", 1)[0]] -= 1.0 - earned
    return {**scores, "final": min(scores.values())}


# --- ex4: promote or roll back -------------------------------------------------------------------------


def decide_ignoring_latency(canary):
    return rollout_decision({**canary, "p99_ms": 0.0})


def decide_ignoring_errors(canary):
    return rollout_decision({**canary, "errors": 0})


def decide_ignoring_the_interval(canary):
    return rollout_decision({**canary, "low": 1.0})


def decide_low_end_above_plus_tolerance(canary):
    return rollout_decision({**canary, "tolerance": -canary["tolerance"]})


def decide_strictly_under_the_slo(canary):
    slower = canary["p99_ms"] >= canary["slo_ms"]
    return "roll back" if slower else rollout_decision(canary)


# --- ex5: the memo's headline ---------------------------------------------------------------------------


def headline_gross(results):
    return {**headline(results), "net of running cost": results["saved_vs_rule"]}


def headline_on_the_point_estimate(results):
    return headline({**results, "saved_vs_rule_low": results["saved_vs_rule"]})


def headline_money_only(results):
    answer = headline(results)
    pays = results["saved_vs_rule_low"] - results["monthly_cost"] > 0
    return {**answer, "recommendation": "ship" if pays else "do not ship"}


def headline_net_against_no_model(results):
    return {**headline(results), "net of running cost": results["saved_vs_none"] - results["monthly_cost"]}


def headline_strict_limits(results):
    answer = headline(results)
    if results["p99_ms"] >= results["slo_ms"]:
        answer.update(latency="over the SLO", recommendation="do not ship")
    return answer


WRONG_ANSWERS = [
    WrongAnswer("ch14-ex2", "returns only the ingested rows as the window (forgets the warehouse)",
                ingest_returning_only_the_batches, "the window is the warehouse plus the clean ingested rows"),
    WrongAnswer("ch14-ex2", "keeps the quarantined negative amounts", ingest_keeping_negative_amounts,
                "nothing quarantined reaches the window"),
    WrongAnswer("ch14-ex2", "a report of rows in and out only, not reconciled", ingest_reporting_rows_in_and_out_only,
                "every raw row is reconciled, batch by batch"),
    WrongAnswer("ch14-ex2", "the lineage of a run on another table (the warehouse)", ingest_training_on_the_warehouse,
                "the model's lineage names the window it trained on"),
    WrongAnswer("ch14-ex2", "the window not sorted by time", ingest_without_sorting,
                "the window is sorted by time, every transaction once"),
    WrongAnswer("ch14-ex2", "keeps the ingested_at column", ingest_keeping_ingested_at,
                "the window is the warehouse plus the clean ingested rows"),
    WrongAnswer("ch14-ex3", "the final score is the mean of the sections", score_final_as_mean,
                "the final score is the weakest section"),
    WrongAnswer("ch14-ex3", "the final score is the sum of the sections", score_final_as_sum,
                "the final score is the weakest section"),
    WrongAnswer("ch14-ex3", "a test done by hand counted a full point", score_by_hand_as_a_point,
                "a test done by hand counts half a point"),
    WrongAnswer("ch14-ex3", "a failing automated test still counted", score_counting_failures,
                "a failing automated test counts nothing"),
    WrongAnswer("ch14-ex3", "a test not done counted when marked passed", score_not_done_by_passed,
                "a test not done counts nothing"),
    WrongAnswer("ch14-ex3", "seven points minus what failed: a missing test counts", score_seven_minus_what_failed,
                "a test missing from the table counts nothing"),
    WrongAnswer("ch14-ex4", "ignores the latency", decide_ignoring_latency, "a p99 over the SLO is rolled back"),
    WrongAnswer("ch14-ex4", "ignores the errors", decide_ignoring_errors, "errors during the canary roll it back"),
    WrongAnswer("ch14-ex4", "ignores the interval", decide_ignoring_the_interval,
                "an interval reaching below -tolerance is rolled back"),
    WrongAnswer("ch14-ex4", "the low end compared with +tolerance", decide_low_end_above_plus_tolerance,
                "a better model on a healthy service is promoted"),
    WrongAnswer("ch14-ex4", "a p99 at the SLO counted as over it", decide_strictly_under_the_slo, "the boundaries"),
    WrongAnswer("ch14-ex5", "gross instead of net", headline_gross, "the saving net of the running cost"),
    WrongAnswer("ch14-ex5", "net against no model instead of the rule", headline_net_against_no_model,
                "the saving net of the running cost"),
    WrongAnswer("ch14-ex5", "ships on the point estimate, not the interval's low end", headline_on_the_point_estimate,
                "ship only when the interval's low end pays for the service"),
    WrongAnswer("ch14-ex5", "ships on money alone", headline_money_only, "do not ship a slow or unfair service"),
    WrongAnswer("ch14-ex5", "a p99 at the SLO counted as over it", headline_strict_limits,
                "the boundaries, and a loss"),
]
