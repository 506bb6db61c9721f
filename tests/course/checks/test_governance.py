"""Chapter 10's checks: the reference answers pass, wrong answers fail, untouched stubs are not attempted."""

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from shipml.governance import model_card
from shipml.governance.audit import GENESIS, entry_hash
from shipml.governance.audit import verify as reference_verify
from shipml.course.checks import registered_ids, run
from shipml.course.checks.governance import GIVEN_SECTIONS
from shipml.governance.fairness import group_metrics as reference_group_metrics
from shipml.governance.ml_test_score import SECTIONS, TESTS, score
from check_assertions import assert_fails_case

# --- answers as a learner would write them ------------------------------------------------------


def group_metrics(y_true, y_pred, groups):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    groups = np.asarray(pd.Series(groups).astype(str))
    rows = {}
    for g in sorted(set(groups)):
        t, p = y_true[groups == g], y_pred[groups == g]
        rows[g] = {"fpr": ((p == 1) & (t == 0)).sum() / (t == 0).sum() if (t == 0).any() else math.nan,
                   "recall": ((p == 1) & (t == 1)).sum() / (t == 1).sum() if (t == 1).any() else math.nan,
                   "selection_rate": p.mean()}
    return pd.DataFrame.from_dict(rows, orient="index")


def verify(path):
    prev = GENESIS
    for line in Path(path).read_text().splitlines():
        entry = json.loads(line)
        if entry["prev"] != prev or entry["hash"] != entry_hash(entry):
            return False
        prev = entry["hash"]
    return True


def missing_sections(facts):
    wanted = ["Metrics", "Per-group results", "Limitations", "Ethical considerations"]
    card = model_card.render(facts, sections=wanted)
    return card.split("\n", 1)[1]  # without the title line


def ml_test_score(marks):
    scores = {s: float(sum(marks.get(t, 0) for t in TESTS if t.startswith(s + "-"))) for s in SECTIONS}
    return {**scores, "final": min(scores.values())}


def stub(*args):
    ...


# --- wrong answers: each a mistake a learner makes ---------------------------------------------


def metrics_recall_zero_without_fraud(y_true, y_pred, groups):
    return group_metrics(y_true, y_pred, groups).fillna(0.0)


def metrics_fpr_over_everyone(y_true, y_pred, groups):
    table = group_metrics(y_true, y_pred, groups)
    y_true, y_pred, groups = np.asarray(y_true), np.asarray(y_pred), np.asarray(pd.Series(groups).astype(str))
    for g in table.index:
        mine = groups == g
        table.loc[g, "fpr"] = ((y_pred[mine] == 1) & (y_true[mine] == 0)).mean()
    return table


def verify_hashes_only(path):
    return all(json.loads(line)["hash"] == entry_hash(json.loads(line)) for line in Path(path).read_text().splitlines())


def verify_links_only(path):
    prev = GENESIS
    for line in Path(path).read_text().splitlines():
        entry = json.loads(line)
        if entry["prev"] != prev:
            return False
        prev = entry["hash"]
    return True


def verify_always_true(path):
    return True


def sections_typed_by_hand(facts):
    text = missing_sections(facts)
    value = model_card.fmt(next(iter(facts["metrics"].values())))
    return text.replace(f"| {value} |", "| 0.500 |", 1)


def sections_without_ethics(facts):
    return missing_sections(facts).split("## Ethical considerations")[0]


def sections_with_placeholder(facts):
    return missing_sections(facts) + "\n- TODO: more limitations\n"


def score_mean_of_sections(marks):
    scores = ml_test_score(marks)
    scores["final"] = sum(scores[s] for s in SECTIONS) / 4
    return scores


def score_counting_tests(marks):
    scores = {s: float(sum(1 for t in TESTS if t.startswith(s + "-") and marks.get(t, 0) > 0)) for s in SECTIONS}
    return {**scores, "final": min(scores.values())}


# --- the tests ------------------------------------------------------------------------------------


def test_chapter_ten_registers_its_four_checked_exercises():
    assert {"ch10-ex2", "ch10-ex3", "ch10-ex4", "ch10-ex5"} <= set(registered_ids())


@pytest.mark.parametrize("exercise_id, answer", [
    ("ch10-ex2", group_metrics), ("ch10-ex2", reference_group_metrics),
    ("ch10-ex3", verify), ("ch10-ex3", reference_verify),
    ("ch10-ex4", missing_sections), ("ch10-ex5", ml_test_score), ("ch10-ex5", score),
])
def test_the_reference_answers_pass_every_check_hidden_ones_included(exercise_id, answer):
    result = run(exercise_id, answer, include_hidden=True)
    assert result.passed, result.summary()


@pytest.mark.parametrize("exercise_id", ["ch10-ex2", "ch10-ex3", "ch10-ex4", "ch10-ex5"])
@pytest.mark.parametrize("untouched", [stub, None])
def test_an_untouched_stub_is_not_attempted(exercise_id, untouched):
    result = run(exercise_id, untouched, include_hidden=True)
    assert result.status == "not attempted", result.summary()


@pytest.mark.parametrize("exercise_id, wrong, failing_case", [
    ("ch10-ex2", metrics_recall_zero_without_fraud, "a group with no fraud has no recall (NaN)"),
    ("ch10-ex2", metrics_fpr_over_everyone, "a hand-worked example: two groups of four"),
    ("ch10-ex3", verify_hashes_only, "a changed entry with a recomputed hash is detected"),
    ("ch10-ex3", verify_links_only, "a past score changed in place is detected"),
    ("ch10-ex3", verify_always_true, "a deleted entry is detected"),
    ("ch10-ex4", sections_typed_by_hand, "every metric and per-group rate matches the facts"),
    ("ch10-ex4", sections_without_ethics, "the four sections are there, none empty or a placeholder"),
    ("ch10-ex4", sections_with_placeholder, "the four sections are there, none empty or a placeholder"),
    ("ch10-ex5", score_mean_of_sections, "one strong section does not lift the final score"),
    ("ch10-ex5", score_counting_tests, "half a point for a test done by hand"),
])
def test_a_wrong_answer_fails_the_check_that_names_its_mistake(exercise_id, wrong, failing_case):
    assert_fails_case(exercise_id, wrong, failing_case)


def test_a_wrong_type_is_a_sentence_not_a_traceback():
    result = run("ch10-ex2", lambda y_true, y_pred, groups: {"a": 0.5})
    assert result.status == "error" and "Expected a pandas DataFrame" in result.summary()
    result = run("ch10-ex4", lambda facts: ["## Metrics"])
    assert result.status == "error" and "Traceback" not in result.summary()


def test_the_given_and_missing_sections_make_the_whole_card():
    assert set(GIVEN_SECTIONS) | {"Metrics", "Per-group results", "Limitations", "Ethical considerations"} == set(
        model_card.REQUIRED_SECTIONS)


def test_every_case_of_chapter_ten_runs_quickly():
    for exercise_id, answer in (("ch10-ex2", group_metrics), ("ch10-ex3", verify), ("ch10-ex4", missing_sections),
                                ("ch10-ex5", ml_test_score)):
        assert run(exercise_id, answer, include_hidden=True).seconds < 5
