"""Chapter 10's typical wrong answers, each failing the case named for its mistake (see test_wrong_answers.py)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
from check_assertions import WrongAnswer
from test_governance import fairness_gap, group_metrics, missing_sections, ml_test_score, mitigation_cost

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


def gap_equal_opportunity(y_true, held, groups):
    table = group_metrics(y_true, held, groups).recall.dropna()
    return {"criterion": "recall", "by_group": table.to_dict(), "gap": float(table.max() - table.min())}


def gap_demographic_parity(y_true, held, groups):
    table = group_metrics(y_true, held, groups).selection_rate
    return {"criterion": "selection_rate", "by_group": table.to_dict(), "gap": float(table.max() - table.min())}


def gap_fpr_over_all_rows_of_the_group(y_true, held, groups):
    y_true, held, groups = np.asarray(y_true), np.asarray(held), np.asarray(pd.Series(groups).astype(str))
    by_group = {g: float(((held == 1) & (y_true == 0) & (groups == g)).sum() / (groups == g).sum())
                for g in sorted(set(groups))}
    return {"criterion": "fpr", "by_group": by_group, "gap": max(by_group.values()) - min(by_group.values())}


def gap_fpr_over_all_legitimate(y_true, held, groups):
    y_true, held, groups = np.asarray(y_true), np.asarray(held), np.asarray(pd.Series(groups).astype(str))
    by_group = {g: float(((held == 1) & (y_true == 0) & (groups == g)).sum() / (y_true == 0).sum())
                for g in sorted(set(groups))}
    return {"criterion": "fpr", "by_group": by_group, "gap": max(by_group.values()) - min(by_group.values())}


def gap_as_ratio(y_true, held, groups):
    answer = fairness_gap(y_true, held, groups)
    rates = answer["by_group"].values()
    return {**answer, "gap": max(rates) / min(rates)}


def cost_without_amounts(y_true, held_before, held_after, amounts):
    return mitigation_cost(y_true, held_before, held_after, np.ones(len(amounts)))


def cost_without_review_of_held_fraud(y_true, held_before, held_after, amounts):
    from shipml.data.scenario import SCENARIO

    y_true = np.asarray(y_true)
    extra_held_fraud = (np.asarray(held_after, bool) & (y_true == 1)).sum() - (
        np.asarray(held_before, bool) & (y_true == 1)).sum()
    return mitigation_cost(y_true, held_before, held_after, amounts) - SCENARIO.cost_review * extra_held_fraud


def cost_before_minus_after(y_true, held_before, held_after, amounts):
    return -mitigation_cost(y_true, held_before, held_after, amounts)


def cost_of_false_alarms_only(y_true, held_before, held_after, amounts):
    from shipml.data.scenario import SCENARIO

    y_true = np.asarray(y_true)
    return float(SCENARIO.cost_fp * ((np.asarray(held_after, bool) & (y_true == 0)).sum()
                                     - (np.asarray(held_before, bool) & (y_true == 0)).sum()))


WRONG_ANSWERS = [
    WrongAnswer("ch10-ex6", "the wrong criterion: equal opportunity (recall)", gap_equal_opportunity,
                "the criterion the charter calls for"),
    WrongAnswer("ch10-ex6", "the wrong criterion: demographic parity (selection rate)", gap_demographic_parity,
                "the criterion the charter calls for"),
    WrongAnswer("ch10-ex6", "false alarms over all of the group's rows, not its legitimate ones",
                gap_fpr_over_all_rows_of_the_group, "each group's rate is computed within the group"),
    WrongAnswer("ch10-ex6", "false alarms over all legitimate payments, not the group's",
                gap_fpr_over_all_legitimate, "each group's rate is computed within the group"),
    WrongAnswer("ch10-ex6", "the gap as a ratio", gap_as_ratio, "the gap is the largest rate minus the smallest"),
    WrongAnswer("ch10-ex7", "cost without the amounts: a missed fraud costs one unit", cost_without_amounts,
                "a missed fraud costs its amount"),
    WrongAnswer("ch10-ex7", "a held fraud costs nothing", cost_without_review_of_held_fraud,
                "a held fraud still costs its review"),
    WrongAnswer("ch10-ex7", "before minus after: the sign reversed", cost_before_minus_after,
                "positive when the mitigation costs more"),
    WrongAnswer("ch10-ex7", "only the false alarms counted", cost_of_false_alarms_only,
                "a missed fraud costs its amount"),
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
