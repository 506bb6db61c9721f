"""Checks of chapter 10, "Governance": per-group metrics, the audit log's verify, the model card, the ML Test Score.

    from shipml.course.checks import run
    run("ch10-ex2", group_metrics)       # the learner's group_metrics(y_true, y_pred, groups) -> DataFrame
    run("ch10-ex3", verify)              # the learner's verify(path) -> True when the log is intact
    run("ch10-ex4", missing_sections)    # the learner's missing_sections(facts) -> Markdown
    run("ch10-ex5", ml_test_score)       # the learner's ml_test_score(marks) -> dict of section scores and final
    run("ch10-ex6", fairness_gap)        # the learner's fairness_gap(y_true, held, groups) -> criterion, rates, gap
    run("ch10-ex7", mitigation_cost)     # the learner's mitigation_cost(y_true, held_before, held_after, amounts)

Per-group metrics are compared with fairlearn's `MetricFrame`; logs are written
with `shipml.governance.audit` and then tampered with; cards are checked by
`shipml.governance.model_card.check` on the facts of
`shipml.governance.model_card.example_facts`; scores are compared with
`shipml.governance.ml_test_score.score`.

Each case observes plain data (the learner's table, the True/False of verify
for each log, the Markdown text, the dict of scores); its judge recomputes the
fixed inputs and compares, never touching the learner's object.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from shipml.course.checks import Failure, WrongType, exercise, expect, expect_number, kind_of

# --- exercise 2: per-group metrics -----------------------------------------------------------------

ex2 = exercise(
    "ch10-ex2",
    title="Per-group false-positive rate, recall and selection rate",
    hints=[
        "Loop over the distinct groups; for each, take the rows of that group with a boolean mask.",
        "FPR = flagged legitimate / legitimate; recall = flagged fraud / fraud; selection rate = flagged / rows.",
        "A group with no fraud has no recall: write NaN (`float('nan')`) rather than dividing by zero.",
    ],
)

_COLUMNS = ("fpr", "recall", "selection_rate")


def _fairlearn_by_group(y_true, y_pred, groups) -> pd.DataFrame:
    from fairlearn.metrics import MetricFrame, false_positive_rate, selection_rate, true_positive_rate

    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame = MetricFrame(
                metrics={"fpr": false_positive_rate, "recall": true_positive_rate, "selection_rate": selection_rate},
                y_true=np.asarray(y_true), y_pred=np.asarray(y_pred), sensitive_features=pd.Series(groups, name="g"),
            )
            table = frame.by_group.astype(float)
    # fairlearn reports 0 where a rate is undefined; the course writes NaN there.
    y_true, groups_arr = np.asarray(y_true), np.asarray(groups).astype(str)
    for group in table.index:
        mine = groups_arr == str(group)
        if not (y_true[mine] == 1).any():
            table.loc[group, "recall"] = np.nan
        if not (y_true[mine] == 0).any():
            table.loc[group, "fpr"] = np.nan
    table.index = table.index.astype(str)
    return table


def _check_table(got, y_true, y_pred, groups, what: str) -> None:
    if not isinstance(got, pd.DataFrame):
        raise WrongType(f"Expected a pandas DataFrame (one row per group) for {what}, got {kind_of(got)}.")
    missing = [c for c in _COLUMNS if c not in got.columns]
    if missing:
        raise Failure(f"The table should have the columns fpr, recall and selection_rate; {missing[0]!r} is missing.")
    want = _fairlearn_by_group(y_true, y_pred, groups)
    got = got.copy()
    got.index = got.index.astype(str)
    expect(sorted(got.index) == sorted(want.index),
           f"The table should have one row per group, {sorted(want.index)}; yours has {sorted(got.index)}.")
    for group in want.index:
        for column in _COLUMNS:
            expect_number(got.loc[group, column], float(want.loc[group, column]), tol=1e-9,
                          what=f"the {column} of group {group!r} ({what})")


def _two_groups_of_four():
    return ([1, 1, 0, 0, 1, 0, 0, 0], [1, 0, 1, 0, 1, 0, 0, 1], ["a", "a", "a", "a", "b", "b", "b", "b"])


def _no_fraud_in_a_group():
    return (np.array([1, 0, 0, 1, 0, 0, 0, 0]), np.array([1, 1, 0, 0, 0, 1, 0, 0]),
            np.array(["18-25", "18-25", "18-25", "26-40", "26-40", "61+", "61+", "61+"]))


def _categorical():
    rng = np.random.default_rng(1)
    groups = pd.Series(pd.Categorical(rng.choice(["DE", "FR", "NL"], 60)), name="home_country")
    y_true = pd.Series((rng.random(60) < 0.3).astype(int))
    y_pred = pd.Series((rng.random(60) < 0.4).astype(int))
    return y_true, y_pred, groups


def _larger_batch():
    rng = np.random.default_rng(7)
    groups = rng.choice(["g1", "g2", "g3", "g4"], 2_000)
    y_true = (rng.random(2_000) < 0.05).astype(int)
    y_pred = (rng.random(2_000) < 0.1).astype(int)
    groups = np.r_[groups, ["g5", "g5"]]
    return np.r_[y_true, [1, 1]], np.r_[y_pred, [1, 0]], groups


for _name, _hint, _hidden, _data, _what in [
    ("a hand-worked example: two groups of four", "Group a: 2 fraud, 1 caught; 2 legitimate, 1 flagged.", False,
     _two_groups_of_four, "the hand-worked example"),
    ("a group with no fraud has no recall (NaN)", "Recall divides by the group's fraud: none → NaN.", False,
     _no_fraud_in_a_group, "a group with no fraud"),
    ("groups given as a pandas categorical Series", "Use the group labels as they come; compare with ==.", False,
     _categorical, "a categorical Series of groups"),
    ("a larger random batch, with a group of only fraud", None, True, _larger_batch, "a larger batch"),
]:
    ex2.case(_name, hint=_hint, hidden=_hidden, observe=lambda fn, _data=_data: fn(*_data()),
             judge=lambda got, _data=_data, _what=_what: _check_table(got, *_data(), _what))


# --- exercise 3: verify the audit log --------------------------------------------------------------

ex3 = exercise(
    "ch10-ex3",
    title="Verify a hash-chained audit log",
    hints=[
        "Read the file line by line with json.loads; keep the hash of the entry before (GENESIS at first).",
        "Each entry's `prev` must equal that previous hash, and its `hash` must equal `entry_hash(entry)`.",
        "Return False at the first entry that breaks either rule; True when every entry passes (an empty log too).",
    ],
)


def _write_log(folder: Path, n: int = 6) -> Path:
    from shipml.governance.audit import AuditLog

    log = AuditLog(folder / "audit.jsonl")
    log.append({"kind": "model_registered", "model": "fraud-lr", "version": 1}, actor="alice",
               at="2026-05-01T09:00:00+00:00")
    for i in range(1, n):
        log.append({"kind": "prediction", "transaction_id": f"tx{i:07d}", "score": round(0.1 * i, 3)},
                   actor="scoring-service", at=f"2026-05-01T09:0{i}:00+00:00")
    return log.path


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _save(path: Path, entries: list[dict]) -> None:
    path.write_text("".join(json.dumps(e, sort_keys=True, separators=(",", ":")) + "\n" for e in entries))


def _verdict(got, expected: bool, what: str) -> None:
    if not isinstance(got, (bool, int)):
        raise WrongType(f"Expected True or False for {what}, got {kind_of(got)}.")
    word = "verify (True)" if expected else "fail (False)"
    expect(bool(got) == expected, f"{what[:1].upper() + what[1:]} should {word}; your verify returns {got!r}.")


def _untouched(entries):
    pass


def _emptied(entries):
    entries.clear()


def _score_changed(entries):
    entries[2]["event"]["score"] = 0.01


def _rewritten_with_fresh_hash(entries):
    from shipml.governance.audit import entry_hash

    entries[1]["actor"] = "mallory"
    entries[1]["hash"] = entry_hash(entries[1])


def _deleted(entries):
    entries.pop(3)


def _swapped(entries):
    entries[3], entries[4] = entries[4], entries[3]


def _forged_start(entries):
    from shipml.governance.audit import entry_hash

    entries[0]["prev"] = "f" * 64
    entries[0]["hash"] = entry_hash(entries[0])
    for before, entry in zip(entries, entries[1:]):  # a forger who rewrites the whole chain
        entry["prev"] = before["hash"]
        entry["hash"] = entry_hash(entry)


def _observe_log(change, what):
    def observe(verify):
        with tempfile.TemporaryDirectory() as folder:
            path = _write_log(Path(folder))
            if change is not _untouched:
                entries = _lines(path)
                change(entries)
                _save(path, entries)
            return {what: _truth(verify(path), what)}

    return observe


def _truth(value, what):
    """The verdict as True/False: a number or True/False as it is, a verdict object (with `__bool__`) as its truth."""
    if isinstance(value, (bool, int, np.bool_, np.integer)):
        return value
    if hasattr(type(value), "__bool__"):  # e.g. shipml.governance.audit.Verification
        return bool(value)
    raise WrongType(f"Expected True or False for {what}, got {kind_of(value)}.")


for _name, _hint, _hidden, _change, _expected, _what in [
    ("an untouched log verifies", "Every entry links to the one before and matches its own hash.", False,
     _untouched, True, "an untouched log of six entries"),
    ("a past score changed in place is detected", "Recompute each entry's hash and compare.", False,
     _score_changed, False, "a log whose third entry's score was changed"),
    ("a changed entry with a recomputed hash is detected", "The next entry's `prev` no longer matches.", False,
     _rewritten_with_fresh_hash, False, "a log whose second entry was rewritten with a fresh hash"),
    ("a deleted entry is detected", "Check `prev` against the hash of the entry before, not only `hash`.", False,
     _deleted, False, "a log with its fourth entry deleted"),
    ("an empty log verifies", None, True, _emptied, True, "an empty log"),
    ("two swapped entries are detected", None, True, _swapped, False, "a log with two entries swapped"),
    ("a forged first entry is detected", None, True, _forged_start, False,
     "a log whose first entry does not start from GENESIS"),
]:
    ex3.case(_name, hint=_hint, hidden=_hidden, observe=_observe_log(_change, _what),
             judge=lambda got, _expected=_expected, _what=_what: _verdict(got[_what], _expected, _what))


# --- exercise 4: the model card's missing sections ------------------------------------------------

ex4 = exercise(
    "ch10-ex4",
    title="The model card's missing sections",
    hints=[
        "Return one Markdown string with four sections, each starting with a line '## Title'.",
        "The titles: Metrics, Per-group results, Limitations, Ethical considerations; write numbers with `fmt`.",
        "Per-group results: for each attribute, the line 'By `attribute`:' and a table with one row per group, "
        "'| group | transactions | fraud | fpr | recall | selection rate |', numbers from `fmt`.",
    ],
)

GIVEN_SECTIONS = ("Model details", "Intended use", "Data", "Lineage")


def _facts(seed: int) -> dict:
    from shipml.governance.model_card import example_facts

    return example_facts(seed)


def _card_problems(part, facts) -> list[str]:
    from shipml.governance import model_card

    if not isinstance(part, str):
        raise WrongType(f"Expected Markdown text (a string) from missing_sections, got {kind_of(part)}.")
    card = model_card.render(facts, sections=GIVEN_SECTIONS) + "\n" + part
    return model_card.check(card, facts)


def _expect_complete(part, facts) -> None:
    problems = _card_problems(part, facts)
    if problems:
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise Failure(f"The card is not complete: {problems[0]}{more}")


def _observe_card(missing_sections):
    return missing_sections(_facts(0))


def _judge_sections(part):
    from shipml.governance import model_card

    problems = _card_problems(part, _facts(0))
    for title in ("Metrics", "Per-group results", "Limitations", "Ethical considerations"):
        expect(title in model_card.sections(part), f"Your text should hold the section '## {title}'.")
    about_sections = [p for p in problems if p.startswith("The section")]
    if about_sections:
        raise Failure(about_sections[0])


ex4.case("the four sections are there, none empty or a placeholder",
         hint="Write '## Metrics', '## Per-group results', '## Limitations', '## Ethical considerations'.",
         observe=_observe_card, judge=_judge_sections)
ex4.case("every metric and per-group rate matches the facts",
         hint="Take every number from `facts`, written with `fmt`, never typed.",
         observe=_observe_card, judge=lambda part: _expect_complete(part, _facts(0)))


_OTHER_SEEDS = (1, 2)


@ex4.case("other facts give another, still complete card", hidden=True)
def observe_other_facts(missing_sections):
    return {seed: missing_sections(_facts(seed)) for seed in _OTHER_SEEDS}


@observe_other_facts.judge
def _(parts):
    for seed in _OTHER_SEEDS:
        _expect_complete(parts[seed], _facts(seed))


# --- exercise 5: the ML Test Score -----------------------------------------------------------------

ex5 = exercise(
    "ch10-ex5",
    title="The ML Test Score from a self-assessment",
    hints=[
        "Each section's score is the sum of the points of its seven tests; a test not in `marks` scores 0.",
        "A test id starts with its section: 'data-3' belongs to 'data'. Loop over `TESTS` and `SECTIONS`.",
        "Return {'data': ..., 'model': ..., 'infrastructure': ..., 'monitoring': ..., 'final': the smallest}.",
    ],
)


def _expect_scores(got, marks: dict, what: str) -> None:
    from shipml.governance.ml_test_score import SECTIONS, score

    if not isinstance(got, dict):
        raise WrongType(f"Expected a dict of scores for {what}, got {kind_of(got)}.")
    want = score(marks)
    for key in (*SECTIONS, "final"):
        expect(key in got, f"Your scores for {what} should have the key {key!r}.")
        expect_number(got[key], want[key], tol=1e-9, what=f"the {key} score for {what}")


def _nothing():
    return [{}]


def _data_only():
    return [{f"data-{i}": 1 for i in range(1, 8)}]


def _mixed():
    return [{"data-1": 1, "data-2": 0.5, "model-5": 0.5, "model-6": 1, "infrastructure-1": 0.5,
             "infrastructure-4": 1, "monitoring-2": 0.5, "monitoring-7": 0.5, "monitoring-1": 0}]


def _random_marks():
    from shipml.governance.ml_test_score import TESTS

    rng = np.random.default_rng(3)
    return [{t: float(rng.choice([0, 0.5, 1])) for t in TESTS if rng.random() < 0.7} for _ in range(5)]


for _name, _hint, _hidden, _marks, _what in [
    ("nothing done: every score is 0", "Start every section at 0.", False, _nothing, "an empty self-assessment"),
    ("one strong section does not lift the final score", "The final score is the minimum, not the sum.", False,
     _data_only, "seven automated data tests and nothing else"),
    ("half a point for a test done by hand", "0.5 counts as half a point; add, don't count tests.", False, _mixed,
     "a mixed self-assessment"),
    ("random self-assessments", None, True, _random_marks, "a random self-assessment"),
]:
    ex5.case(_name, hint=_hint, hidden=_hidden,
             observe=lambda fn, _marks=_marks: [fn(dict(marks)) for marks in _marks()],
             judge=lambda got, _marks=_marks, _what=_what: [_expect_scores(g, m, _what)
                                                              for g, m in zip(got, _marks(), strict=True)])


# --- exercise 6: the criterion a stated harm calls for, and its gap ------------------------------

ex6 = exercise(
    "ch10-ex6",
    title="Choose the fairness criterion for the charter and compute its gap per group",
    hints=[
        "The charter is about legitimate customers whose payments are held: which rate counts only legitimate "
        "payments? Recall counts fraud; the selection rate counts every payment.",
        "Within one group: held legitimate payments of the group / legitimate payments of the group, not / all of "
        "the group's payments and not / all legitimate payments.",
        "Leave out a group whose rate is undefined (no legitimate payment); the gap is the largest rate minus the "
        "smallest.",
    ],
)

CRITERIA = ("fpr", "recall", "selection_rate")
_CRITERION_WORDS = {
    "recall": "'recall' is equal opportunity: it would protect fraud victims equally, but the charter promises "
    "honest customers that their payments are not held more often because of their age.",
    "selection_rate": "'selection_rate' is demographic parity: it counts fraud too, so a group with more fraud "
    "would have to see fewer of it held; the charter is about legitimate payments only.",
}


def _within_group_fpr(y_true, held, groups) -> dict[str, float]:
    from shipml.governance.fairness import group_metrics

    table = group_metrics(y_true, held, groups)
    return {str(g): float(r) for g, r in table.fpr.items() if not np.isnan(r)}


def _gap_answer(got, what: str) -> dict:
    if not isinstance(got, dict):
        raise WrongType(f"Expected a dict with 'criterion', 'by_group' and 'gap' for {what}, got {kind_of(got)}.")
    missing = [k for k in ("criterion", "by_group", "gap") if k not in got]
    if missing:
        raise Failure(f"Your answer for {what} should have the key {missing[0]!r}.")
    return got


def _hand_charter():
    # Band "young": 4 legitimate, 2 held, and 2 fraud, 1 held; band "old": 6 legitimate, 1 held, no fraud held.
    y_true = [0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1]
    held = [1, 1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0]
    groups = ["young"] * 6 + ["old"] * 7
    return y_true, held, groups


def _three_bands():
    rng = np.random.default_rng(11)
    groups = rng.choice(["18-25", "26-40", "61+"], 600, p=[0.2, 0.5, 0.3])
    y_true = (rng.random(600) < 0.1).astype(int)
    held = (rng.random(600) < np.where(groups == "61+", 0.12, 0.05)).astype(int)
    return y_true, held, pd.Series(pd.Categorical(groups))


def _only_fraud_in_a_band():
    y_true, held, groups = _three_bands()
    return np.r_[y_true, [1, 1]], np.r_[held, [1, 1]], np.r_[np.asarray(groups.astype(str)), ["90+", "90+"]]


def _judge_criterion(got):
    got = _gap_answer(got, "the charter's example")
    criterion = got["criterion"]
    if criterion in _CRITERION_WORDS:
        raise Failure(_CRITERION_WORDS[criterion])
    expect(criterion == "fpr", f"The criterion is one of {', '.join(map(repr, CRITERIA))}; "
           f"you chose {criterion!r}.")


def _judge_rates(got, data, what):
    got = _gap_answer(got, what)
    by_group = got["by_group"]
    if isinstance(by_group, pd.Series):
        by_group = by_group.to_dict()
    if not isinstance(by_group, dict):
        raise WrongType(f"Expected 'by_group' to be a dict of group -> rate for {what}, got {kind_of(by_group)}.")
    by_group = {str(g): v for g, v in by_group.items()}
    want = _within_group_fpr(*data())
    for group, rate in want.items():
        expect(group in by_group, f"'by_group' for {what} should have the group {group!r}.")
        expect_number(by_group[group], rate, tol=1e-9,
                      what=f"the false-positive rate of group {group!r} ({what}), computed within the group")


def _judge_gap(got, data, what):
    got = _gap_answer(got, what)
    want = _within_group_fpr(*data())
    expect_number(got["gap"], max(want.values()) - min(want.values()), tol=1e-9,
                  what=f"the gap ({what}): the largest group's FPR minus the smallest's")


ex6.case("the criterion the charter calls for", hint="The charter's harm falls on legitimate customers.",
         observe=lambda fn: fn(*_hand_charter()), judge=_judge_criterion)
ex6.case("each group's rate is computed within the group",
         hint="Young: 2 of its 4 legitimate payments are held, so 0.5.",
         observe=lambda fn: fn(*_hand_charter()),
         judge=lambda got: _judge_rates(got, _hand_charter, "the charter's example"))
ex6.case("the gap is the largest rate minus the smallest", hint="Three bands: max minus min, not a ratio.",
         observe=lambda fn: fn(*_three_bands()),
         judge=lambda got: _judge_gap(got, _three_bands, "three age bands"))
ex6.case("a band with no legitimate payment is left out", hidden=True,
         observe=lambda fn: fn(*_only_fraud_in_a_band()),
         judge=lambda got: (_judge_rates(got, _only_fraud_in_a_band, "a band of only fraud"),
                            _judge_gap(got, _only_fraud_in_a_band, "a band of only fraud")))


# --- exercise 7: what the mitigation costs, in EUR ----------------------------------------------

ex7 = exercise(
    "ch10-ex7",
    title="The cost of a mitigation in EUR, with the amounts",
    hints=[
        "Cost each decision with the scenario: a held legitimate payment SCENARIO.cost_fp, a held fraud "
        "SCENARIO.cost_review, a missed fraud SCENARIO.cost_fn_fraction times its amount.",
        "Compute the total cost of held_before and of held_after the same way, then subtract: after minus before.",
        "A missed fraud costs its own amount: sum amounts[missed], not the number of missed frauds.",
    ],
)


def _reference_extra_cost(y_true, held_before, held_after, amounts) -> float:
    from shipml.data.scenario import SCENARIO
    from shipml.evaluation.cost import decision_cost

    costs = dict(cost_fp=SCENARIO.cost_fp, cost_review=SCENARIO.cost_review,
                 cost_fn_fraction=SCENARIO.cost_fn_fraction, amounts=np.asarray(amounts, dtype=float))
    return (decision_cost(y_true, np.asarray(held_after, dtype=bool), **costs)
            - decision_cost(y_true, np.asarray(held_before, dtype=bool), **costs))


def _swap_a_fraud():
    # After: the 900 EUR fraud is held instead of the 20 EUR one, and one more legitimate payment is held.
    y_true = np.array([1, 1, 0, 0, 0])
    before = np.array([True, False, True, False, False])
    after = np.array([False, True, True, True, False])
    return y_true, before, after, np.array([20.0, 900.0, 35.0, 60.0, 12.0])


def _one_more_fraud_held():
    y_true = np.array([1, 0, 0, 1])
    before = np.array([False, True, False, False])
    after = np.array([True, True, False, False])
    return y_true, before, after, np.array([4.0, 50.0, 80.0, 300.0])


def _one_more_false_alarm():
    y_true = np.array([0, 0, 1])
    before = np.array([False, False, True])
    after = np.array([True, False, True])
    return y_true, before, after, np.array([25.0, 40.0, 150.0])


def _random_switch():
    rng = np.random.default_rng(5)
    n = 3_000
    y_true = (rng.random(n) < 0.02).astype(int)
    before = rng.random(n) < 0.01
    after = before ^ (rng.random(n) < 0.003)
    return y_true, before, after, np.round(rng.lognormal(3.5, 1.0, n), 2)


def _judge_cost(got, data, what):
    expect_number(got, _reference_extra_cost(*data()), tol=1e-6, what=f"the extra cost in EUR ({what})")


for _name, _hint, _hidden, _data, _what in [
    ("a missed fraud costs its amount", "Before misses the 900 EUR fraud; after misses the 20 EUR one.", False,
     _swap_a_fraud, "a large fraud held instead of a small one"),
    ("a held fraud still costs its review", "Holding a 4 EUR fraud saves 4 EUR but spends a review.", False,
     _one_more_fraud_held, "one more fraud held"),
    ("positive when the mitigation costs more", "One more false alarm: the answer is +cost_fp, not -cost_fp.",
     False, _one_more_false_alarm, "one more false alarm"),
    ("a larger random switch of decisions", None, True, _random_switch, "a random switch of decisions"),
]:
    ex7.case(_name, hint=_hint, hidden=_hidden,
             observe=lambda fn, _data=_data: fn(*_data()),
             judge=lambda got, _data=_data, _what=_what: _judge_cost(got, _data, _what))
