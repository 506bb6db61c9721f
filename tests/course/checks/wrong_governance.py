"""Chapter 10's typical wrong answers, each failing the case named for its mistake (see test_wrong_answers.py)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
from check_assertions import WrongAnswer
from test_governance import group_metrics, missing_sections, ml_test_score

from shipml.governance import model_card
from shipml.governance.audit import GENESIS, entry_hash
from shipml.governance.ml_test_score import SECTIONS, TESTS


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


WRONG_ANSWERS = [
    WrongAnswer("ch10-ex2", "recall 0 where a group has no fraud", metrics_recall_zero_without_fraud,
                "a group with no fraud has no recall (NaN)"),
    WrongAnswer("ch10-ex2", "false positives over every row, not the legitimate ones", metrics_fpr_over_everyone,
                "a hand-worked example: two groups of four"),
    WrongAnswer("ch10-ex3", "checks each hash, not the links", verify_hashes_only,
                "a changed entry with a recomputed hash is detected"),
    WrongAnswer("ch10-ex3", "checks the links, not the hashes", verify_links_only,
                "a past score changed in place is detected"),
    WrongAnswer("ch10-ex3", "always True", verify_always_true, "a deleted entry is detected"),
    WrongAnswer("ch10-ex4", "a number typed by hand", sections_typed_by_hand,
                "every metric and per-group rate matches the facts"),
    WrongAnswer("ch10-ex4", "no ethical considerations", sections_without_ethics,
                "the four sections are there, none empty or a placeholder"),
    WrongAnswer("ch10-ex4", "a TODO left in", sections_with_placeholder,
                "the four sections are there, none empty or a placeholder"),
    WrongAnswer("ch10-ex5", "the final score is the mean of the sections", score_mean_of_sections,
                "one strong section does not lift the final score"),
    WrongAnswer("ch10-ex5", "counts the tests done, not their points", score_counting_tests,
                "half a point for a test done by hand"),
]
