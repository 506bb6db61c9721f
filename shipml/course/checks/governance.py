"""Checks of chapter 10, "Governance": per-group metrics, the audit log's verify, the model card, the ML Test Score.

    from shipml.course.checks import run
    run("ch10-ex2", group_metrics)       # the learner's group_metrics(y_true, y_pred, groups) -> DataFrame
    run("ch10-ex3", verify)              # the learner's verify(path) -> True when the log is intact
    run("ch10-ex4", missing_sections)    # the learner's missing_sections(facts) -> Markdown
    run("ch10-ex5", ml_test_score)       # the learner's ml_test_score(marks) -> dict of section scores and final

Per-group metrics are compared with fairlearn's `MetricFrame`; logs are written
with `shipml.governance.audit` and then tampered with; cards are checked by
`shipml.governance.model_card.check`; scores by `shipml.governance.ml_test_score.score`.
"""

from __future__ import annotations

import json
import math
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


@ex2.case("a hand-worked example: two groups of four", hint="Group a: 2 fraud, 1 caught; 2 legitimate, 1 flagged.")
def _(group_metrics):
    y_true = [1, 1, 0, 0, 1, 0, 0, 0]
    y_pred = [1, 0, 1, 0, 1, 0, 0, 1]
    groups = ["a", "a", "a", "a", "b", "b", "b", "b"]
    _check_table(group_metrics(y_true, y_pred, groups), y_true, y_pred, groups, "the hand-worked example")


@ex2.case("a group with no fraud has no recall (NaN)", hint="Recall divides by the group's fraud: none → NaN.")
def _(group_metrics):
    y_true = np.array([1, 0, 0, 1, 0, 0, 0, 0])
    y_pred = np.array([1, 1, 0, 0, 0, 1, 0, 0])
    groups = np.array(["18-25", "18-25", "18-25", "26-40", "26-40", "61+", "61+", "61+"])
    _check_table(group_metrics(y_true, y_pred, groups), y_true, y_pred, groups, "a group with no fraud")


@ex2.case("groups given as a pandas categorical Series", hint="Use the group labels as they come; compare with ==.")
def _(group_metrics):
    rng = np.random.default_rng(1)
    groups = pd.Series(pd.Categorical(rng.choice(["DE", "FR", "NL"], 60)), name="home_country")
    y_true = pd.Series((rng.random(60) < 0.3).astype(int))
    y_pred = pd.Series((rng.random(60) < 0.4).astype(int))
    _check_table(group_metrics(y_true, y_pred, groups), y_true, y_pred, groups, "a categorical Series of groups")


@ex2.case("a larger random batch, with a group of only fraud", hidden=True)
def _(group_metrics):
    rng = np.random.default_rng(7)
    groups = rng.choice(["g1", "g2", "g3", "g4"], 2_000)
    y_true = (rng.random(2_000) < 0.05).astype(int)
    y_pred = (rng.random(2_000) < 0.1).astype(int)
    groups = np.r_[groups, ["g5", "g5"]]
    y_true, y_pred = np.r_[y_true, [1, 1]], np.r_[y_pred, [1, 0]]
    _check_table(group_metrics(y_true, y_pred, groups), y_true, y_pred, groups, "a larger batch")


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


def _verdict(verify, path: Path, expected: bool, what: str) -> None:
    got = verify(path)
    if not isinstance(got, (bool, np.bool_)) and not hasattr(got, "__bool__"):
        raise WrongType(f"Expected True or False for {what}, got {kind_of(got)}.")
    word = "verify (True)" if expected else "fail (False)"
    expect(bool(got) == expected, f"{what[:1].upper() + what[1:]} should {word}; your verify returns {got!r}.")


def _tampered(verify, change, what: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = _write_log(Path(folder))
        entries = _lines(path)
        change(entries)
        _save(path, entries)
        _verdict(verify, path, False, what)


@ex3.case("an untouched log verifies", hint="Every entry links to the one before and matches its own hash.")
def _(verify):
    with tempfile.TemporaryDirectory() as folder:
        _verdict(verify, _write_log(Path(folder)), True, "an untouched log of six entries")


@ex3.case("a past score changed in place is detected", hint="Recompute each entry's hash and compare.")
def _(verify):
    def change(entries):
        entries[2]["event"]["score"] = 0.01

    _tampered(verify, change, "a log whose third entry's score was changed")


@ex3.case("a changed entry with a recomputed hash is detected", hint="The next entry's `prev` no longer matches.")
def _(verify):
    from shipml.governance.audit import entry_hash

    def change(entries):
        entries[1]["actor"] = "mallory"
        entries[1]["hash"] = entry_hash(entries[1])

    _tampered(verify, change, "a log whose second entry was rewritten with a fresh hash")


@ex3.case("a deleted entry is detected", hint="Check `prev` against the hash of the entry before, not only `hash`.")
def _(verify):
    _tampered(verify, lambda entries: entries.pop(3), "a log with its fourth entry deleted")


@ex3.case("an empty log verifies", hidden=True)
def _(verify):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "audit.jsonl"
        path.write_text("")
        _verdict(verify, path, True, "an empty log")


@ex3.case("two swapped entries are detected", hidden=True)
def _(verify):
    def change(entries):
        entries[3], entries[4] = entries[4], entries[3]

    _tampered(verify, change, "a log with two entries swapped")


@ex3.case("a forged first entry is detected", hidden=True)
def _(verify):
    from shipml.governance.audit import entry_hash

    def change(entries):
        entries[0]["prev"] = "f" * 64
        entries[0]["hash"] = entry_hash(entries[0])
        for before, entry in zip(entries, entries[1:]):  # a forger who rewrites the whole chain
            entry["prev"] = before["hash"]
            entry["hash"] = entry_hash(entry)

    _tampered(verify, change, "a log whose first entry does not start from GENESIS")


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


def example_facts(seed: int = 0) -> dict:
    """Facts for a model card, computed from a small seeded batch (the checks use a few seeds)."""
    from shipml.governance.fairness import group_metrics

    rng = np.random.default_rng(seed)
    n = 400
    y_true = (rng.random(n) < 0.08).astype(int)
    y_pred = ((rng.random(n) < 0.1) | (y_true & (rng.random(n) < 0.6))).astype(int)
    bands = rng.choice(["18-25", "26-40", "41-60", "61+"], n)
    countries = rng.choice(["DE", "FR", "NL"], n)
    return {
        "name": f"fraud-lr-{seed}", "version": f"1.{seed}", "owner": "the fraud-model team",
        "date": "2026-05-01",
        "model_details": "A logistic regression on the course's generic encoding of card transactions.",
        "intended_use": "Rank card transactions for review by a fraud analyst.",
        "out_of_scope": "Decisions without a human review; credit decisions.",
        "data": f"{n:,} synthetic card transactions, split by time.",
        "metrics": {"PR-AUC": float(rng.uniform(0.2, 0.6)), "recall at 1% FPR": float(rng.uniform(0.3, 0.7))},
        "group_results": {"age_band": group_metrics(y_true, y_pred, bands),
                          "home_country": group_metrics(y_true, y_pred, countries)},
        "limitations": [f"Trained on {n:,} synthetic transactions only.", "Per-group recall rests on few frauds."],
        "ethical_considerations": ["A false alarm blocks a customer's card: the harm falls on them.",
                                   "Age band is used for auditing, never as a feature."],
        "lineage": {"training_data_hash": f"{seed:016x}", "code_version": "unknown", "params": {"C": 1.0},
                    "who": "alice", "when": "2026-05-01T09:00:00+00:00"},
    }


def _card_problems(missing_sections, facts) -> tuple[list[str], str]:
    from shipml.governance import model_card

    part = missing_sections(facts)
    if not isinstance(part, str):
        raise WrongType(f"Expected Markdown text (a string) from missing_sections, got {kind_of(part)}.")
    card = model_card.render(facts, sections=GIVEN_SECTIONS) + "\n" + part
    return model_card.check(card, facts), part


def _expect_complete(missing_sections, facts) -> None:
    problems, _ = _card_problems(missing_sections, facts)
    if problems:
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise Failure(f"The card is not complete: {problems[0]}{more}")


@ex4.case("the four sections are there, none empty or a placeholder",
          hint="Write '## Metrics', '## Per-group results', '## Limitations', '## Ethical considerations'.")
def _(missing_sections):
    from shipml.governance import model_card

    problems, part = _card_problems(missing_sections, example_facts(0))
    for title in ("Metrics", "Per-group results", "Limitations", "Ethical considerations"):
        expect(title in model_card.sections(part), f"Your text should hold the section '## {title}'.")
    about_sections = [p for p in problems if p.startswith("The section")]
    if about_sections:
        raise Failure(about_sections[0])


@ex4.case("every metric and per-group rate matches the facts",
          hint="Take every number from `facts`, written with `fmt`, never typed.")
def _(missing_sections):
    _expect_complete(missing_sections, example_facts(0))


@ex4.case("other facts give another, still complete card", hidden=True)
def _(missing_sections):
    for seed in (1, 2):
        _expect_complete(missing_sections, example_facts(seed))


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


def _expect_scores(ml_test_score, marks: dict, what: str) -> None:
    from shipml.governance.ml_test_score import SECTIONS, score

    got = ml_test_score(dict(marks))
    if not isinstance(got, dict):
        raise WrongType(f"Expected a dict of scores for {what}, got {kind_of(got)}.")
    want = score(marks)
    for key in (*SECTIONS, "final"):
        expect(key in got, f"Your scores for {what} should have the key {key!r}.")
        expect_number(got[key], want[key], tol=1e-9, what=f"the {key} score for {what}")


@ex5.case("nothing done: every score is 0", hint="Start every section at 0.")
def _(ml_test_score):
    _expect_scores(ml_test_score, {}, "an empty self-assessment")


@ex5.case("one strong section does not lift the final score", hint="The final score is the minimum, not the sum.")
def _(ml_test_score):
    marks = {f"data-{i}": 1 for i in range(1, 8)}
    _expect_scores(ml_test_score, marks, "seven automated data tests and nothing else")


@ex5.case("half a point for a test done by hand", hint="0.5 counts as half a point; add, don't count tests.")
def _(ml_test_score):
    marks = {"data-1": 1, "data-2": 0.5, "model-5": 0.5, "model-6": 1, "infrastructure-1": 0.5,
             "infrastructure-4": 1, "monitoring-2": 0.5, "monitoring-7": 0.5, "monitoring-1": 0}
    _expect_scores(ml_test_score, marks, "a mixed self-assessment")


@ex5.case("random self-assessments", hidden=True)
def _(ml_test_score):
    from shipml.governance.ml_test_score import TESTS

    rng = np.random.default_rng(3)
    for _ in range(5):
        marks = {t: float(rng.choice([0, 0.5, 1])) for t in TESTS if rng.random() < 0.7}
        _expect_scores(ml_test_score, marks, "a random self-assessment")
