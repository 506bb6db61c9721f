"""Google's ML Test Score rubric (Breck et al., 2017): 28 tests, four sections, the minimum counts.

    from shipml.governance.ml_test_score import TESTS, score, interpret, marks_from, marks_of, BOOK_ASSESSMENT
    marks = {"data-1": 1, "model-5": 0.5}     # test id -> 0, 0.5 (done by hand) or 1 (automated)
    score(marks)       # {"data": 1.0, "model": 0.5, "infrastructure": 0.0, "monitoring": 0.0, "final": 0.0}
    interpret(0.0)     # what a final score means, in the paper's words (paraphrased)
    marks_from(by_hand={"data-1": True}, automated={"data-1": False})   # {"data-1": 0.5, ...}
    marks_of({"data-1": Evidence(AUTOMATED, "the schema test", "tests/data/test_validation.py")})  # {"data-1": 1.0}
    marks_of(BOOK_ASSESSMENT)                 # the fraud system as this book builds it

The rule, as in the paper: a test scores half a point when it is run by hand
and its results are written down and shared, a full point when a system runs it
automatically and repeatedly, else nothing. A check in a notebook that a person
runs and reads is done by hand (half a point); a test in the test suite, run by
every `make test` and in CI, is automated (a point). `marks_of` applies the rule
to an assessment that says *how* each test is done, so nobody types the points;
an automated test names the test file that runs it. Each section's score is the
sum of its seven tests; the final score is the lowest section score, so a
system is as ready as its weakest side. The score sheet a reader ticks in the
notebook is a widget, `shipml.course.widgets.ScoreSheet`, a thin view over
`score`.
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

__all__ = ["AUTOMATED", "BOOK_ASSESSMENT", "BY_HAND", "POINTS", "SECTIONS", "TESTS", "Evidence", "interpret",
           "marks_from", "marks_of", "score"]

SECTIONS = ("data", "model", "infrastructure", "monitoring")

# Test id -> the test's name, short, in the order of the paper's tables: the names of its Tables I-IV (checked
# against the paper; its section headings spell some out longer, e.g. "Model quality is sufficient on all
# important data slices").
TESTS: dict[str, str] = {
    "data-1": "Feature expectations are captured in a schema",
    "data-2": "All features are beneficial",
    "data-3": "No feature's cost is too much",
    "data-4": "Features adhere to meta-level requirements",
    "data-5": "The data pipeline has appropriate privacy controls",
    "data-6": "New features can be added quickly",
    "data-7": "All input feature code is tested",
    "model-1": "Model specs are reviewed and submitted",
    "model-2": "Offline and online metrics correlate",
    "model-3": "All hyperparameters have been tuned",
    "model-4": "The impact of model staleness is known",
    "model-5": "A simpler model is not better",
    "model-6": "Model quality is sufficient on important data slices",
    "model-7": "The model is tested for considerations of inclusion",
    "infrastructure-1": "Training is reproducible",
    "infrastructure-2": "Model specs are unit tested",
    "infrastructure-3": "The ML pipeline is integration tested",
    "infrastructure-4": "Model quality is validated before serving",
    "infrastructure-5": "The model is debuggable",
    "infrastructure-6": "Models are canaried before serving",
    "infrastructure-7": "Serving models can be rolled back",
    "monitoring-1": "Dependency changes result in notification",
    "monitoring-2": "Data invariants hold for inputs",
    "monitoring-3": "Training and serving are not skewed",
    "monitoring-4": "Models are not too stale",
    "monitoring-5": "Models are numerically stable",
    "monitoring-6": "Computing performance has not regressed",
    "monitoring-7": "Prediction quality has not regressed",
}

# (upper bound of the final score, what it means), after the paper's table of interpretations.
_MEANINGS = (
    (0.0, "more of a research project than a productionised system"),
    (1.0, "not totally untested, but there may be serious holes in reliability"),
    (2.0, "a first pass at basic productionisation; more investment may be needed"),
    (3.0, "reasonably tested, though more tests and procedures may be automated"),
    (5.0, "strong levels of automated testing and monitoring, fit for mission-critical systems"),
    (float("inf"), "exceptional levels of automated testing and monitoring"),
)


def score(marks: dict) -> dict[str, float]:
    """Each section's score (the sum of its tests' points) and the final score (the lowest section)."""
    if not isinstance(marks, dict):
        raise ValueError(f"marks is a dict of test id -> 0, 0.5 or 1, such as {{'data-1': 1}}, "
                         f"not {type(marks).__name__}.")
    for test, points in marks.items():
        if test not in TESTS:
            raise ValueError(f"{test!r} is not a test of the rubric; the ids run from 'data-1' to 'monitoring-7'.")
        if isinstance(points, bool) or not isinstance(points, numbers.Real) or points not in (0, 0.5, 1):
            raise ValueError(f"{test} scores 0, 0.5 (by hand) or 1 (automated), not {points!r}.")
    sections = {s: float(sum(marks.get(t, 0) for t in TESTS if t.startswith(s + "-"))) for s in SECTIONS}
    return {**sections, "final": min(sections.values())}


def interpret(final: float) -> str:
    """What a final score means (the paper's interpretation, paraphrased)."""
    for upper, meaning in _MEANINGS:
        if final <= upper:
            return meaning
    return _MEANINGS[-1][1]


def marks_from(by_hand: dict, automated: dict) -> dict[str, float]:
    """Each test's points from two ticks: 1 when automated, 0.5 when done by hand, else 0."""
    return {t: 1.0 if automated.get(t) else 0.5 if by_hand.get(t) else 0.0 for t in TESTS}


AUTOMATED, BY_HAND = "automated", "by hand"
#: The paper's points for how a test is done.
POINTS = {AUTOMATED: 1.0, BY_HAND: 0.5}


class Evidence(NamedTuple):
    """How one test of the rubric is done (`AUTOMATED` or `BY_HAND`), what does it, and the test file if automated."""

    how: str
    what: str
    test_file: str | None = None


def marks_of(assessment: dict) -> dict[str, float]:
    """Points per test from an assessment {test id: Evidence}: 1 when automated (with its test file), 0.5 by hand."""
    if not isinstance(assessment, dict):
        raise ValueError(f"An assessment is a dict of test id -> Evidence, not {type(assessment).__name__}.")
    marks = {}
    for test, evidence in assessment.items():
        if test not in TESTS:
            raise ValueError(f"{test!r} is not a test of the rubric; the ids run from 'data-1' to 'monitoring-7'.")
        evidence = Evidence(*evidence)
        if evidence.how not in POINTS:
            raise ValueError(f"{test} is done {AUTOMATED!r} or {BY_HAND!r}, not {evidence.how!r}.")
        if evidence.how == AUTOMATED and not evidence.test_file:
            raise ValueError(f"{test} counts as automated only with the test file that runs it; "
                             "a check in a notebook is done by hand.")
        marks[test] = POINTS[evidence.how]
    return marks


#: The fraud system as this book builds it: chapter by chapter, what runs by itself and what a person runs.
BOOK_ASSESSMENT: dict[str, Evidence] = {
    "data-1": Evidence(AUTOMATED, "chapter 4's pandera schema runs on every batch", "tests/data/test_validation.py"),
    "data-5": Evidence(BY_HAND, "pseudonymised ids and minimal columns, reviewed in chapter 10"),
    "data-7": Evidence(AUTOMATED, "feature and ingestion code has unit tests", "tests/features/test_point_in_time.py"),
    "model-3": Evidence(BY_HAND, "chapter 2's seeded grid search, run in its notebook"),
    "model-5": Evidence(BY_HAND, "chapters 1 and 2 compare the model with a rule and simpler models in notebooks"),
    "model-6": Evidence(BY_HAND, "chapter 10's per-group metrics, in its notebook"),
    "model-7": Evidence(BY_HAND, "chapter 10's fairness review, in its notebook"),
    "infrastructure-1": Evidence(AUTOMATED, "the same seed trains the same production model",
                                 "tests/modeling/test_production.py"),
    "infrastructure-2": Evidence(AUTOMATED, "the production model's spec trains, ranks fraud and holds within "
                                 "capacity", "tests/modeling/test_production.py"),
    "infrastructure-3": Evidence(BY_HAND, "chapter 4's pipeline runs end to end in its notebook"),
    "infrastructure-5": Evidence(BY_HAND, "chapter 10's reason lists"),
    "infrastructure-7": Evidence(AUTOMATED, "chapter 7's rollback: `activate` switches back to the previous "
                                 "artifact version, which then loads", "tests/serving/test_artifact.py"),
    "monitoring-2": Evidence(BY_HAND, "chapter 4's schema on served data, run by hand"),
}
