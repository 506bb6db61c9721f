"""Chapter 10's checks: the reference answers pass, untouched stubs are not attempted, a judge gets only plain data.

The typical wrong answers, each failing the case named for its mistake, are tabled in wrong_governance.py.
"""

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from shipml.governance import model_card
from shipml.governance.audit import GENESIS, entry_hash
from shipml.governance.audit import verify as reference_verify
from shipml.course.checks import get_exercise, judge, observe, registered_ids, run
from shipml.course.checks.governance import GIVEN_SECTIONS
from shipml.governance.fairness import group_metrics as reference_group_metrics
from shipml.governance.ml_test_score import SECTIONS, TESTS, score

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


def fairness_gap(y_true, held, groups):
    y_true, held = np.asarray(y_true), np.asarray(held).astype(bool)
    groups = np.asarray(pd.Series(groups).astype(str))
    by_group = {}
    for g in sorted(set(groups)):
        legit = (groups == g) & (y_true == 0)
        if legit.any():
            by_group[g] = float((held & legit).sum() / legit.sum())
    return {"criterion": "fpr", "by_group": by_group, "gap": max(by_group.values()) - min(by_group.values())}


def mitigation_cost(y_true, held_before, held_after, amounts):
    from shipml.data.scenario import SCENARIO

    y_true, amounts = np.asarray(y_true), np.asarray(amounts, dtype=float)

    def cost(held):
        held = np.asarray(held, dtype=bool)
        return (SCENARIO.cost_fp * (held & (y_true == 0)).sum() + SCENARIO.cost_review * (held & (y_true == 1)).sum()
                + SCENARIO.cost_fn_fraction * amounts[~held & (y_true == 1)].sum())

    return float(cost(held_after) - cost(held_before))


def stub(*args):
    ...


# --- the tests ------------------------------------------------------------------------------------


def test_chapter_ten_registers_its_six_checked_exercises():
    assert {"ch10-ex2", "ch10-ex3", "ch10-ex4", "ch10-ex5", "ch10-ex6", "ch10-ex7"} <= set(registered_ids())


@pytest.mark.parametrize("exercise_id, answer", [
    ("ch10-ex2", group_metrics), ("ch10-ex2", reference_group_metrics),
    ("ch10-ex3", verify), ("ch10-ex3", reference_verify),
    ("ch10-ex4", missing_sections), ("ch10-ex5", ml_test_score), ("ch10-ex5", score),
    ("ch10-ex6", fairness_gap), ("ch10-ex7", mitigation_cost),
])
def test_the_reference_answers_pass_every_check_hidden_ones_included(exercise_id, answer):
    result = run(exercise_id, answer, include_hidden=True)
    assert result.passed, result.summary()


@pytest.mark.parametrize("exercise_id", ["ch10-ex2", "ch10-ex3", "ch10-ex4", "ch10-ex5", "ch10-ex6", "ch10-ex7"])
@pytest.mark.parametrize("untouched", [stub, None])
def test_an_untouched_stub_is_not_attempted(exercise_id, untouched):
    result = run(exercise_id, untouched, include_hidden=True)
    assert result.status == "not attempted", result.summary()


def test_a_wrong_type_is_a_sentence_not_a_traceback():
    result = run("ch10-ex2", lambda y_true, y_pred, groups: {"a": 0.5})
    assert result.status == "error" and "Expected a pandas DataFrame" in result.summary()
    result = run("ch10-ex4", lambda facts: ["## Metrics"])
    assert result.status == "error" and "Traceback" not in result.summary()
    result = run("ch10-ex6", lambda y_true, held, groups: 0.1)
    assert result.status == "error" and "Expected a dict" in result.summary()
    result = run("ch10-ex7", lambda y_true, before, after, amounts: "12 EUR")
    assert result.status in ("error", "failed") and "Traceback" not in result.summary()


def test_the_given_and_missing_sections_make_the_whole_card():
    assert set(GIVEN_SECTIONS) | {"Metrics", "Per-group results", "Limitations", "Ethical considerations"} == set(
        model_card.REQUIRED_SECTIONS)


def test_every_case_of_chapter_ten_runs_quickly():
    for exercise_id, answer in (("ch10-ex2", group_metrics), ("ch10-ex3", verify), ("ch10-ex4", missing_sections),
                                ("ch10-ex5", ml_test_score), ("ch10-ex6", fairness_gap),
                                ("ch10-ex7", mitigation_cost)):
        assert run(exercise_id, answer, include_hidden=True).seconds < 5


REFERENCES = {"ch10-ex2": group_metrics, "ch10-ex3": verify, "ch10-ex4": missing_sections, "ch10-ex5": ml_test_score,
              "ch10-ex6": fairness_gap, "ch10-ex7": mitigation_cost}


@pytest.mark.parametrize("exercise_id", sorted(REFERENCES))
def test_a_judge_gets_only_plain_data_and_passes_the_reference(exercise_id):
    seen = observe(exercise_id, REFERENCES[exercise_id], include_hidden=True)
    assert [o.status for o in seen] == ["observed"] * len(get_exercise(exercise_id).cases), seen
    assert judge(exercise_id, seen, include_hidden=True).passed


def test_verify_is_observed_as_true_or_false_for_each_log():
    seen = observe("ch10-ex3", reference_verify, include_hidden=True)  # it returns a Verification object
    assert all(isinstance(verdict, bool) for o in seen for verdict in o.value.values()), seen


class Always(float):
    """A number that says it equals anything."""

    def __eq__(self, other):
        return True

    __hash__ = float.__hash__


def test_a_number_that_equals_anything_does_not_pass():
    def scores_always(marks):
        return {s: Always(-1.0) for s in (*SECTIONS, "final")}

    def metrics_always(y_true, y_pred, groups):
        table = group_metrics(y_true, y_pred, groups)
        return table.map(lambda v: Always(-1.0)).astype(object)

    assert run("ch10-ex5", scores_always).status == "failed"
    assert run("ch10-ex2", metrics_always).status == "failed"
