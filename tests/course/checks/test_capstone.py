"""Chapter 14's checks: the reference answers pass, untouched stubs are not attempted, a judge gets only plain data.

The typical wrong answers, each failing the case named for its mistake, are tabled in wrong_capstone.py. The
whole system runs once, for ex7's tests, in a module-scoped fixture; those tests are marked `timing` (the run
holds a load test, and the checks run under their time limit), so they run alone in the slower tier.
"""

from pathlib import Path

import pandas as pd
import pytest

from shipml.course.checks import get_exercise, judge, observe, registered_ids, run
from shipml.course.checks.capstone import INGEST_PARAMS, ingest_inputs
from shipml.governance.ml_test_score import SECTIONS, TESTS
from shipml.monitoring.rollout import promote_or_roll_back
from shipml.system.memo import headline as reference_headline
from shipml.system.readiness import score_table

# --- answers as a learner would write them ------------------------------------------------------


def ingest_and_train(batch_paths, warehouse, cache_folder, params):
    from shipml.data.ingestion import ingest_batches
    from shipml.workflows.pipeline import Pipeline
    from shipml.workflows.train import evaluate, features, train

    result = ingest_batches(batch_paths, Path(cache_folder) / "lake")
    window = (pd.concat([warehouse, result.clean.drop(columns="ingested_at")[warehouse.columns]])
              .sort_values(["timestamp", "transaction_id"], kind="stable").reset_index(drop=True))
    pipeline_run = Pipeline([features, train, evaluate], cache_folder).run({"transactions": window}, params=params)
    return {"report": result.report, "transactions": window, "lineage": pipeline_run.lineage}


def ml_test_score(results):
    points = {"automated": 1.0, "by hand": 0.5}
    scores = {section: 0.0 for section in SECTIONS}
    for row in results.itertuples():
        if row.passed:
            scores[row.test.rsplit("-", 1)[0]] += points.get(row.how, 0.0)
    return {**scores, "final": min(scores.values())}


def rollout_decision(canary):
    better = canary["pr_auc_new"] > canary["pr_auc_old"] and canary["low"] > -canary["tolerance"]
    healthy = canary["p99_ms"] <= canary["slo_ms"] and canary["errors"] == 0
    return "promote" if better and healthy else "roll back"


def headline(results):
    within_slo = results["p99_ms"] <= results["slo_ms"]
    fair = results["fpr_gap"] <= results["max_fpr_gap"]
    pays = results["saved_vs_rule_low"] - results["monthly_cost"] > 0
    return {"saved against no model": results["saved_vs_none"], "saved against the rule": results["saved_vs_rule"],
            "net of running cost": results["saved_vs_rule"] - results["monthly_cost"],
            "latency": "within the SLO" if within_slo else "over the SLO",
            "fairness": "within the limit" if fair else "over the limit",
            "recommendation": "ship" if pays and within_slo and fair else "do not ship"}


def stub(*args, **kwargs):
    ...


REFERENCES = {"ch14-ex2": ingest_and_train, "ch14-ex3": ml_test_score, "ch14-ex4": rollout_decision,
              "ch14-ex5": headline}
FUNCTIONS = sorted(REFERENCES)


# --- the tests ------------------------------------------------------------------------------------


def test_chapter_fourteen_registers_its_five_checked_exercises():
    assert {"ch14-ex2", "ch14-ex3", "ch14-ex4", "ch14-ex5", "ch14-ex7"} <= set(registered_ids())


@pytest.mark.parametrize("exercise_id, answer", [
    *REFERENCES.items(), ("ch14-ex3", score_table), ("ch14-ex4", promote_or_roll_back),
    ("ch14-ex5", reference_headline),
])
def test_the_reference_answers_pass_every_check_hidden_ones_included(exercise_id, answer):
    result = run(exercise_id, answer, include_hidden=True)
    assert result.passed, result.summary()


@pytest.mark.parametrize("exercise_id, untouched", [
    *((exercise_id, untouched) for exercise_id in FUNCTIONS for untouched in (stub, None)),
    ("ch14-ex7", None),  # the exercise's `my_run = None  # YOUR CODE HERE`
])
def test_an_untouched_stub_is_not_attempted(exercise_id, untouched):
    result = run(exercise_id, untouched, include_hidden=True)
    assert result.status == "not attempted", result.summary()


@pytest.mark.parametrize("exercise_id", FUNCTIONS)
def test_a_judge_gets_only_plain_data_and_passes_the_reference(exercise_id):
    seen = observe(exercise_id, REFERENCES[exercise_id], include_hidden=True)
    assert [o.status for o in seen] == ["observed"] * len(get_exercise(exercise_id).cases), seen
    assert judge(exercise_id, seen, include_hidden=True).passed


def test_a_wrong_type_is_a_sentence_not_a_traceback():
    for exercise_id, answer, words in [
        ("ch14-ex2", lambda paths, warehouse, folder, params: [1, 2], "Expected a dict"),
        ("ch14-ex3", lambda results: 7.0, "Expected a dict of scores"),
        ("ch14-ex4", lambda canary: True, "Expected 'promote' or 'roll back'"),
        ("ch14-ex5", lambda results: "ship", "Expected the headline as a dict"),
        ("ch14-ex7", pd.DataFrame({"a": [1]}), "Expected the SystemRun"),
    ]:
        result = run(exercise_id, answer)
        assert result.status == "error" and words in result.summary(), result.summary()
        assert "Traceback" not in result.summary()


def test_each_run_calls_the_function_afresh_and_its_later_cases_judge_that_call():
    calls, state = [], {"wrong": True}

    def answer(batch_paths, warehouse, cache_folder, params):
        calls.append(state["wrong"])
        got = ingest_and_train(batch_paths, warehouse, cache_folder, params)
        return {**got, "transactions": got["transactions"].iloc[1:]} if state["wrong"] else got

    assert run("ch14-ex2", answer, include_hidden=True).status == "failed" and calls == [True]
    state["wrong"] = False  # the learner fixes a helper: the same function object, another behaviour
    result = run("ch14-ex2", answer, include_hidden=True)
    assert result.passed and calls == [True, False], result.summary()


def test_the_ingestion_inputs_are_small_fixed_and_made_fresh(tmp_path):
    paths, warehouse = ingest_inputs(tmp_path / "one")
    again, warehouse_again = ingest_inputs(tmp_path / "two")
    assert [p.name for p in paths] == [p.name for p in again] and len(paths) == 3
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(paths, again))
    assert warehouse.equals(warehouse_again) and warehouse is not warehouse_again
    assert 5_000 < len(warehouse) < 10_000 and "ingested_at" not in warehouse.columns
    assert set(INGEST_PARAMS) == {"days", "train_days", "val_days", "max_epochs"}


def test_every_test_of_the_rubric_is_in_the_full_tables():
    from shipml.course.checks.capstone import _all_automated

    assert list(_all_automated()[0]["test"]) == list(TESTS)


# --- ex7: the whole system, run once --------------------------------------------------------------


@pytest.fixture(scope="module")
def system_run(tmp_path_factory):
    from shipml.system.config import SystemConfig
    from shipml.system.run import run_system

    return run_system(SystemConfig(load_seconds=0.5), tmp_path_factory.mktemp("capstone") / "run")


class Tampered:
    """A SystemRun whose tables say something else for one of them (as a broken stage would leave them)."""

    def __init__(self, real, name, change):
        self.real, self.name, self.change = real, name, change

    def __getattr__(self, attribute):
        return getattr(self.real, attribute)

    def table(self, name):
        table = self.real.table(name).copy()
        return self.change(table) if name == self.name else table


@pytest.mark.timing
def test_the_system_run_passes_every_check_of_ex7(system_run):
    result = run("ch14-ex7", system_run, include_hidden=True)
    assert result.passed, result.summary()
    seen = observe("ch14-ex7", system_run, include_hidden=True)
    assert judge("ch14-ex7", seen, include_hidden=True).passed


@pytest.mark.timing
@pytest.mark.parametrize("name, change, failing_case", [
    ("answers", lambda t: t.assign(offline=t["offline"] + 0.01), "the exported artifact loads and scores as the "
     "evaluation did"),
    ("service", lambda t: t.assign(value=t["value"].where(t["figure"] != "largest served-offline difference", 0.02)),
     "the server answered the request table with the offline scores"),
    ("detection", lambda t: t.assign(**{"new fraud pattern": float("nan")}), "the monitor caught the incidents"),
    ("rollout", lambda t: t.assign(decision="no retrain"), "the canary decided"),
    ("audit", lambda t: t.assign(ok=False), "the audit log verifies"),
])
def test_a_run_with_a_broken_stage_fails_the_case_named_for_it(system_run, name, change, failing_case):
    result = run("ch14-ex7", Tampered(system_run, name, change), include_hidden=True)
    by_name = {case.name: case for case in result.cases}
    assert by_name[failing_case].status == "failed", result.summary()
    assert result.status == "failed"


@pytest.mark.timing
def test_a_run_missing_stages_fails_and_a_rerun_passes(system_run):
    from shipml.system.run import run_system

    class Partial(Tampered):
        ran, reused = ["ingest", "features"], []

    result = run("ch14-ex7", Partial(system_run, None, None))
    assert {c.name: c.status for c in result.cases}["every stage ran or was reused"] == "failed"
    again = run_system(system_run.config, system_run.folder)  # reuses every stage: about a second
    assert again.ran == [] and run("ch14-ex7", again).passed
