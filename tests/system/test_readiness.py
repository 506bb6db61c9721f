"""The ML Test Score of the system: points from a table of results, sign-offs, checks that cannot run, the explorer."""

import datetime as dt

import pandas as pd
import pytest

from shipml.governance.ml_test_score import SECTIONS, TESTS
from shipml.system import readiness


def table(**overrides):
    rows = [{"test": t, "how": "automated", "passed": True} for t in TESTS]
    for test, (how, passed) in overrides.items():
        rows = [r if r["test"] != test.replace("_", "-") else {"test": r["test"], "how": how, "passed": passed}
                for r in rows]
    return pd.DataFrame(rows)


def test_every_test_automated_and_passing_scores_seven_everywhere():
    assert readiness.score_table(table()) == {**{s: 7.0 for s in SECTIONS}, "final": 7.0}


def test_by_hand_is_half_a_point_failing_and_not_done_are_nothing_and_the_final_is_the_minimum():
    result = readiness.score_table(table(data_1=("by hand", True), data_2=("automated", False),
                                         model_3=("not done", False)))
    assert result["data"] == 5.5 and result["model"] == 6.0 and result["final"] == 5.5


def test_a_test_missing_from_the_table_scores_nothing():
    assert readiness.score_table(table().iloc[1:])["data"] == 6.0


@pytest.mark.parametrize("bad, message", [
    ([1, 2], "is a table"),
    (pd.DataFrame({"test": ["data-1"], "how": ["automated"]}), "'passed'"),
    (pd.DataFrame({"test": ["data-9"], "how": ["automated"], "passed": [True]}), "not a test"),
    (pd.DataFrame({"test": ["data-1"], "how": ["sometimes"], "passed": [True]}), "not 'sometimes'"),
    (pd.DataFrame({"test": ["data-1", "data-1"], "how": ["automated"] * 2, "passed": [True] * 2}), "twice"),
])
def test_bad_tables_get_a_sentence(bad, message):
    with pytest.raises(ValueError, match=message):
        readiness.score_table(bad)


def test_the_shipped_signoffs_are_valid_and_only_for_tests_without_a_check():
    signoffs = readiness.load_signoffs()
    assert signoffs and not set(signoffs) & set(readiness.CHECKS)
    assert all(s.on <= dt.date.today() for s in signoffs.values())


@pytest.mark.parametrize("text, message", [
    ("- {test: data-2, by: someone}\n", "exactly the fields"),
    ("- {test: data-9, by: a, date: 2026-01-01, what: one two three four five}\n", "not a test"),
    ("- {test: data-2, by: a, date: 2999-01-01, what: one two three four five}\n", "not in the future"),
    ("- {test: data-2, by: a, date: 2026-01-01, what: too short}\n", "in a sentence"),
    ("test: data-2\n", "a list"),
])
def test_a_bad_signoff_is_named(tmp_path, text, message):
    path = tmp_path / "signoffs.yaml"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        readiness.load_signoffs(path)


class Broken:
    """A run whose every table is missing: no check can run."""

    def table(self, name):
        raise KeyError(name)


def test_a_check_that_cannot_run_scores_nothing_and_says_why_while_signoffs_keep_half_a_point():
    assessment = readiness.assess(Broken())
    assert len(assessment) == 28
    automated = assessment[assessment["how"] == "automated"]
    assert len(automated) == len(readiness.CHECKS)
    reads_the_run = automated[~automated["test"].isin(["data-7", "monitoring-1"])]  # those two read the repository
    assert not reads_the_run["passed"].any() and reads_the_run["detail"].str.contains("could not run").all()
    by_hand = assessment[assessment["how"] == "by hand"]
    assert set(by_hand["test"]) == set(readiness.load_signoffs()) and (by_hand["points"] == 0.5).all()


def test_disabling_a_check_drops_its_test_and_an_unknown_id_is_refused():
    assert readiness.assess(Broken(), disabled={"data-1"}).set_index("test").loc["data-1", "detail"] == "switched off"
    with pytest.raises(ValueError, match="not a test"):
        readiness.assess(Broken(), disabled={"data-99"})


def test_the_explorer_scores_the_evidence_and_a_switched_off_check_lowers_its_section():
    full = readiness.explore()
    off = readiness.explore({"data-1"})
    assert off["data"] == full["data"] - 1
    assert full["final"] == min(full[s] for s in SECTIONS)
    assert set(readiness.evidence()) == set(TESTS)


def test_one_served_payment_is_stepped_through_the_model_and_a_wrong_answer_fails(tmp_path):
    import numpy as np
    import torch

    from shipml.data import transactions
    from shipml.data.scenario import SCENARIO
    from shipml.serving.artifact import load_artifact, train_artifact

    torch.set_num_threads(1)
    window = transactions(days=SCENARIO.days, seed=0)
    folder = tmp_path / "v1"
    train_artifact(folder, version="v1", seed=0, data=window)
    requests = window.iloc[-50:]
    answers = pd.DataFrame({"transaction_id": requests["transaction_id"].to_numpy(),
                            "served": load_artifact(folder).score(requests, window)})
    tables = {"answers": answers, "transactions": window}

    class Run:  # what the check reads of a SystemRun
        def table(self, name):
            return tables[name]

        def artifact_folder(self):
            return folder

    passed, detail = readiness._debuggable(Run())
    assert passed is True and "log-odds" in detail and "the server answered" in detail
    top = answers["served"].idxmax()
    tables["answers"] = answers.assign(served=np.where(answers.index == top, answers["served"] * 0.9,
                                                       answers["served"]))  # the server said something else
    assert readiness._debuggable(Run())[0] is False
